//! Checked BGV parameters (what the library accepts from a [`ParamsLiteral`]): the modulus
//! chain and its noise constants.
//!
//! Chain: L ciphertext primes q_0..q_{L-1} (a ciphertext at level l uses the first l) and K
//! special primes p_0..p_{K-1} (product P) used only inside key switching. Every prime is
//! = 1 mod 2Nm (N the NTT size for m, `nit_ring::prime`), and `build` refuses a chain in which
//! some prime is not = 1 mod t = 2^r: modulus and key switching divide by products of primes
//! and carry no correction factor, which is right only when each product is = 1 mod t. Since
//! 2N is the largest power of two dividing 2Nm, this allows r up to log2(2N): 12 at m = 1023,
//! 17 at m = 32767 (where `MAX_R` = 16 binds first), 9 at m = 127.
//! 2^r is the default plaintext modulus; a ciphertext may carry any t = 2^k with 2^k | q - 1
//! for every ciphertext prime (`plaintext_modulus`, `max_plaintext_bits`), and the noise
//! formulas below take the t of what they bound (`*_for`).
//! The ciphertext primes are split into `digits` consecutive groups D_j (the key-switching
//! gadget); P is sized so that key switching adds no more noise than a modulus switch:
//!   t * sum_j ||d_j||_can ||e_j||_can / P <= B_ms,  ||d_j||_can <= SCALE sqrt(m/12) D_j,
//!   ||e_j||_can <= SCALE sigma sqrt(phi).
//!
//! The special modulus shrinks with the level: below the top, the digits meeting level l are
//! smaller, and key switching there uses only the first K_l special primes (product P_l), the
//! fewest for which the inequality above holds with the level's digits and P_l. The keys,
//! made once modulo Q_L P, serve every level: reduced mod Q_l P_l, a key for the gadget P G_j
//! is one for the gadget P_l (P / P_l) G_j (`keyswitch` multiplies d by (P / P_l)^{-1} mod Q_l).
//!
//! Relinearization follows a tensor product, whose noise is of order B_ms^2 (factors at their
//! natural level carry about a modulus switch's noise or more; fresh ones somewhat less, so a
//! fresh-by-fresh product pays under a bit of capacity for this); its special primes need only
//! keep the digit term below B_ms^2 / 16, which takes one prime fewer than the bound above.
//! The noise estimate always adds the full key-switching bound, so this sizing is a cost
//! trade, never a correctness assumption.

use crate::error::{hex, BgvError};
use crate::keys::KeySource;
use crate::literal::validate;
pub use crate::literal::ParamsLiteral;
use crate::noise::{bound_for_product, bound_for_variance, NoiseBound, SCALE};
use crate::plaintext_modulus::{PlaintextModulus, MAX_PLAINTEXT_BITS};
use crate::security;
use nit_ring::base_conversion::BaseConverter;
use nit_ring::prime::generate_primes;
use nit_ring::sample::ERROR_STD_DEV;
use nit_ring::serial::fingerprint;
use nit_ring::slots::SlotRing;
use nit_ring::{Cyclotomic, RingError, RnsBasis};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

/// Checked parameters; cheap to clone (shared), Send + Sync.
#[derive(Clone, Debug)]
pub struct Params(Arc<ParamsInner>);

/// Base converters built so far, keyed by the source and target primes.
type ConverterCache = Mutex<HashMap<(Vec<u64>, Vec<u64>), Arc<BaseConverter>>>;

#[derive(Debug)]
struct ParamsInner {
    literal: ParamsLiteral,
    ring: Arc<Cyclotomic>,
    t: u64,
    /// Largest k with 2^k | q - 1 for every ciphertext prime q (at most 62): the plaintext
    /// moduli a ciphertext may carry (`plaintext_modulus`).
    max_plaintext_bits: u32,
    /// level_bases[l] = first l ciphertext primes (index 0 unused and empty).
    level_bases: Vec<RnsBasis>,
    /// extended_bases[l] = first l ciphertext primes followed by the first K_l special
    /// primes (all K at the top): automorphisms, and key generation at the top.
    extended_bases: Vec<RnsBasis>,
    /// The same for relinearization (digit term below B_ms^2 / 16).
    relinearization_bases: Vec<RnsBasis>,
    special: RnsBasis,
    digit_ranges: Vec<Range<usize>>,
    norm_factor: f64,
    fingerprint: [u8; 16],
    converters: ConverterCache,
    /// The slot algebra mod t, built on first use (seconds at m = 32767).
    slots: OnceLock<Result<SlotRing, RingError>>,
}

/// The identity-defining content of a parameter set: the literal and the generated primes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ParamsWire {
    /// The literal the chain was generated from.
    pub literal: ParamsLiteral,
    /// The L ciphertext primes q_0, .., q_{L-1}, in chain order.
    pub ctxt_moduli: Vec<u64>,
    /// The K special primes of P, in order.
    pub special_moduli: Vec<u64>,
}

impl Params {
    pub(crate) fn new(lit: &ParamsLiteral) -> Result<Self, BgvError> {
        let (ring, norm_factor) = validate(lit)?;
        let t = 1u64 << lit.r;
        let special_count = special_prime_count(ring.m(), ring.phi(), lit);
        let ctxt = chain_primes(lit.m, &lit.prime_sizes())?;
        let special = generate_primes(lit.m, lit.special_bits, special_count, &ctxt)?;
        if let Some(&prime) = ctxt.iter().chain(&special).find(|&&q| q % t != 1) {
            return Err(BgvError::PlaintextModulusNotInChain { t, prime });
        }
        Self::assemble(lit.clone(), ring, &ctxt, &special, norm_factor)
    }

    fn assemble(
        literal: ParamsLiteral,
        ring: Arc<Cyclotomic>,
        ctxt: &[u64],
        special: &[u64],
        norm_factor: f64,
    ) -> Result<Self, BgvError> {
        let all: Vec<u64> = ctxt.iter().chain(special).copied().collect();
        let full = RnsBasis::new(ring.clone(), &all)?;
        let l = ctxt.len();
        let special_basis = full.select(l..all.len());
        let level_bases: Vec<RnsBasis> = (0..=l).map(|k| full.prefix(k)).collect();
        let digit_ranges = split_digits(&literal.prime_sizes(), literal.digits);
        let secret = secret_variance(ring.phi(), literal.hamming_weight);
        let per_digit = keyswitch_digit_factor(ring.m(), ring.phi(), 1 << literal.r);
        let modswitch = modswitch_noise(ring.m(), 1 << literal.r, secret);
        // For each level, its primes followed by the fewest special primes keeping the digit
        // term within `budget` (all K if none does, or at the top when `all_at_top`).
        let bases = |budget: f64, all_at_top: bool| -> Vec<RnsBasis> {
            (0..=l)
                .map(|k| {
                    let digits = digit_log2s(&level_bases[k], &digit_ranges);
                    let used = (1..special.len())
                        .find(|&count| {
                            let log2_p = special_basis.prefix(count).log2_product();
                            per_digit * digit_sum(&digits, log2_p) <= budget
                        })
                        .filter(|_| !(all_at_top && k == l))
                        .unwrap_or(special.len());
                    full.select((0..k).chain(l..l + used))
                })
                .collect()
        };
        let extended_bases = bases(modswitch, true);
        let relinearization_bases = bases(modswitch * modswitch / 16.0, false);
        let wire = ParamsWire {
            literal: literal.clone(),
            ctxt_moduli: ctxt.to_vec(),
            special_moduli: special.to_vec(),
        };
        let bytes =
            postcard::to_stdvec(&wire).map_err(|e| BgvError::InvalidParameters(e.to_string()))?;
        let max_plaintext_bits = ctxt
            .iter()
            .map(|&q| (q - 1).trailing_zeros())
            .min()
            .unwrap_or(0)
            .min(MAX_PLAINTEXT_BITS);
        Ok(Params(Arc::new(ParamsInner {
            t: 1 << literal.r,
            max_plaintext_bits,
            digit_ranges,
            literal,
            ring,
            level_bases,
            extended_bases,
            relinearization_bases,
            special: special_basis,
            norm_factor,
            fingerprint: fingerprint(&bytes),
            converters: Mutex::new(HashMap::new()),
            slots: OnceLock::new(),
        })))
    }

    /// The wire form (literal and primes).
    pub fn to_wire(&self) -> ParamsWire {
        ParamsWire {
            literal: self.0.literal.clone(),
            ctxt_moduli: self.ctxt_basis(self.max_level()).moduli(),
            special_moduli: self.0.special.moduli(),
        }
    }

    /// Rebuilds parameters from their wire form, validating the ring, the primes and that the
    /// chain is the one the literal generates.
    pub fn from_wire(wire: &ParamsWire) -> Result<Self, BgvError> {
        let rebuilt = Params::new(&wire.literal)?;
        if rebuilt.to_wire() != *wire {
            return Err(BgvError::InvalidParameters(
                "serialized chain differs from the one its literal generates".into(),
            ));
        }
        Ok(rebuilt)
    }

    /// The literal these parameters were built from.
    pub fn literal(&self) -> &ParamsLiteral {
        &self.0.literal
    }

    /// The literal's label ("toy", "paper", ...).
    pub fn name(&self) -> &str {
        &self.0.literal.name
    }

    /// The cyclotomic ring Z[X]/Phi_m.
    pub fn ring(&self) -> &Arc<Cyclotomic> {
        &self.0.ring
    }

    /// Cyclotomic index m (odd).
    pub fn m(&self) -> usize {
        self.0.ring.m()
    }

    /// Ring dimension phi(m): coefficients per plaintext and per ciphertext part.
    pub fn phi(&self) -> usize {
        self.0.ring.phi()
    }

    /// Plaintext modulus t = 2^r.
    pub fn t(&self) -> u64 {
        self.0.t
    }

    /// r in t = 2^r, in 1..=[`crate::literal::MAX_R`].
    pub fn r(&self) -> u32 {
        self.0.literal.r
    }

    /// The parameters' own plaintext modulus 2^r: what encryption, keys and the slot algebra
    /// use unless told otherwise.
    pub fn default_plaintext_modulus(&self) -> PlaintextModulus {
        PlaintextModulus::from_checked_bits(self.0.literal.r)
    }

    /// The largest k for which the chain carries t = 2^k (2^k divides q - 1 for every
    /// ciphertext prime q, so every modulus switch keeps a plaintext mod 2^k).
    pub fn max_plaintext_bits(&self) -> u32 {
        self.0.max_plaintext_bits
    }

    /// t = 2^bits for a plaintext or ciphertext of this chain; `PlaintextModulusOutOfRange`
    /// beyond [`Self::max_plaintext_bits`] (such a t would decrypt wrongly after a switch).
    pub fn plaintext_modulus(&self, bits: u32) -> Result<PlaintextModulus, BgvError> {
        if bits == 0 || bits > self.max_plaintext_bits() {
            return Err(BgvError::PlaintextModulusOutOfRange {
                bits,
                max: self.max_plaintext_bits(),
            });
        }
        Ok(PlaintextModulus::from_checked_bits(bits))
    }

    /// Re-checks a modulus against this chain (one handed out by other parameters may be
    /// larger than this chain carries).
    pub(crate) fn check_plaintext_modulus(&self, t: PlaintextModulus) -> Result<(), BgvError> {
        self.plaintext_modulus(t.bits()).map(|_| ())
    }

    /// Ok when switching a ciphertext mod t from `from` to `to` primes keeps its plaintext:
    /// the dropped primes' product is = 1 mod t (`ModulusSwitchScalesPlaintext` otherwise).
    pub(crate) fn check_switch(
        &self,
        t: PlaintextModulus,
        from: usize,
        to: usize,
    ) -> Result<(), BgvError> {
        let primes = self.ctxt_basis(from).moduli();
        if to > from || !t.survives_drop_of(&primes[to..]) {
            return Err(BgvError::ModulusSwitchScalesPlaintext {
                bits: t.bits(),
                from,
                to,
            });
        }
        Ok(())
    }

    /// Number of ciphertext primes L (the top level).
    pub fn max_level(&self) -> usize {
        self.0.level_bases.len() - 1
    }

    /// The first `level` ciphertext primes.
    pub fn ctxt_basis(&self, level: usize) -> &RnsBasis {
        &self.0.level_bases[level]
    }

    /// The first `level` ciphertext primes followed by the special primes key switching uses
    /// at that level (the first K_l of them, all at the top).
    pub(crate) fn extended_basis(&self, level: usize) -> &RnsBasis {
        &self.0.extended_bases[level]
    }

    /// All K special primes (the keys' special modulus P).
    pub fn special_basis(&self) -> &RnsBasis {
        &self.0.special
    }

    /// The extended basis of key switching from `source` at `level`: the automorphisms'
    /// [`Self::extended_basis`], or relinearization's (fewer special primes).
    pub(crate) fn switching_basis(&self, level: usize, source: KeySource) -> &RnsBasis {
        match source {
            KeySource::Square => &self.0.relinearization_bases[level],
            KeySource::Automorphism(_) => &self.0.extended_bases[level],
        }
    }

    /// K_l, the number of special primes key switching from `source` uses at `level`.
    pub fn special_count(&self, level: usize, source: KeySource) -> usize {
        self.switching_basis(level, source).len() - level
    }

    /// Digit j covers ciphertext primes `digit_ranges()[j]`.
    pub fn digit_ranges(&self) -> &[Range<usize>] {
        &self.0.digit_ranges
    }

    /// Secret-key Hamming weight h; None for a dense ternary key.
    pub fn hamming_weight(&self) -> Option<usize> {
        self.0.literal.hamming_weight
    }

    /// ||x||_coeff <= norm_factor * ||x||_can for polynomials of degree < phi.
    pub fn norm_factor(&self) -> f64 {
        self.0.norm_factor
    }

    /// Identity of the parameter set: 16 bytes of SHA-256 of its wire form.
    pub fn fingerprint(&self) -> [u8; 16] {
        self.0.fingerprint
    }

    /// Checks that an object stamped with `id` belongs to these parameters.
    pub fn check(&self, id: &[u8; 16]) -> Result<(), BgvError> {
        if *id == self.0.fingerprint {
            Ok(())
        } else {
            Err(BgvError::ParamsMismatch {
                expected: hex(&self.0.fingerprint),
                found: hex(id),
            })
        }
    }

    /// log2 of the product of the first `level` ciphertext primes.
    pub fn log2_q(&self, level: usize) -> f64 {
        self.0.level_bases[level].log2_product()
    }

    /// log2 of the special modulus P, the product of all K special primes.
    pub fn log2_p(&self) -> f64 {
        self.0.special.log2_product()
    }

    /// Security estimate in bits (HElib's formula, see `security`).
    pub fn security_bits(&self) -> f64 {
        security::estimate(
            self.phi(),
            self.log2_q(self.max_level()) + self.log2_p(),
            ERROR_STD_DEV,
            self.hamming_weight(),
        )
    }

    /// High-probability bound on ||s||_can.
    pub(crate) fn secret_bound(&self) -> f64 {
        SCALE * secret_variance(self.phi(), self.hamming_weight()).sqrt()
    }

    /// Bound B_ms on the noise a modulus switch adds: ||(delta_0 + delta_1 s)/q||_can.
    pub(crate) fn modswitch_noise_for(&self, t: PlaintextModulus) -> NoiseBound {
        NoiseBound::of(modswitch_noise(
            self.m(),
            t.value(),
            secret_variance(self.phi(), self.hamming_weight()),
        ))
    }

    /// Noise bound of a ciphertext with `parts` parts and bound `noise` after switching from
    /// `from` to `to` primes: nu / D + B_ms s^{parts - 2} (unchanged when to = from).
    pub(crate) fn switched_noise(
        &self,
        noise: NoiseBound,
        from: usize,
        to: usize,
        parts: usize,
    ) -> NoiseBound {
        self.switched_noise_for(noise, from, to, parts, self.default_plaintext_modulus())
    }

    /// [`Self::switched_noise`] for a ciphertext mod t (B_ms grows with t).
    pub(crate) fn switched_noise_for(
        &self,
        noise: NoiseBound,
        from: usize,
        to: usize,
        parts: usize,
        t: PlaintextModulus,
    ) -> NoiseBound {
        if to == from {
            return noise;
        }
        let dropped = self.log2_q(from) - self.log2_q(to);
        let s_power = NoiseBound::of(self.secret_bound().powi(parts as i32 - 2)).at_least_one();
        noise.divided_by_log2(dropped) + self.modswitch_noise_for(t) * s_power
    }

    /// Bits left before decryption fails at `level` with noise bound `noise`:
    /// log2(Q_l / 2) - log2(norm_factor * max(noise, 1)).
    pub fn capacity_at(&self, level: usize, noise: NoiseBound) -> f64 {
        self.log2_q(level) - 1.0 - self.norm_factor().log2() - noise.at_least_one().log2()
    }

    /// Bound on the noise key switching from `source` at `level` adds after the division by
    /// P_l: per_digit * sum_j D_j' / P_l + B_ms over the digits D_j' meeting the level.
    pub(crate) fn keyswitch_noise(&self, level: usize, source: KeySource) -> NoiseBound {
        self.keyswitch_noise_for(level, source, self.default_plaintext_modulus())
    }

    /// [`Self::keyswitch_noise`] with a key made for t (its noise term is t e_j).
    pub(crate) fn keyswitch_noise_for(
        &self,
        level: usize,
        source: KeySource,
        t: PlaintextModulus,
    ) -> NoiseBound {
        let log2_p = self
            .special_basis()
            .prefix(self.special_count(level, source))
            .log2_product();
        let per_digit = keyswitch_digit_factor(self.m(), self.phi(), t.value());
        let digits = digit_log2s(self.ctxt_basis(level), self.digit_ranges());
        NoiseBound::of(per_digit * digit_sum(&digits, log2_p)) + self.modswitch_noise_for(t)
    }

    /// Bound on the noise of a fresh public-key encryption: m + t(v e + e_0 + e_1 s).
    pub fn fresh_noise_public(&self) -> NoiseBound {
        self.fresh_noise_public_for(self.default_plaintext_modulus())
    }

    /// [`Self::fresh_noise_public`] for a plaintext mod t.
    pub fn fresh_noise_public_for(&self, t: PlaintextModulus) -> NoiseBound {
        let (phi, t) = (self.phi(), t.value() as f64);
        let error = phi as f64 * ERROR_STD_DEV * ERROR_STD_DEV;
        let ephemeral = phi as f64 * 2.0 / 3.0;
        let secret = secret_variance(phi, self.hamming_weight());
        NoiseBound::of(
            bound_for_variance(phi, t * t / 4.0)
                + t * (bound_for_product(ephemeral, error)
                    + SCALE * error.sqrt()
                    + bound_for_product(error, secret)),
        )
    }

    /// The least noise bound a ciphertext with a nonzero c_1 carries at `level` (1..=L): every
    /// one starts as a fresh encryption (the secret key's bound is the smaller; at the top, or
    /// below it by [`SecretKey::encrypt_at`]), no operation lowers a bound except a modulus
    /// switch, which leaves at least B_ms (below the top only), and a division by 2^k, which
    /// divides bound and t together. Both bounds grow with t at least linearly, so their
    /// values at t = 1 are below every ciphertext's, of any t. (A trivial ciphertext (c_0, 0)
    /// can carry less: its phase c_0 is public.)
    ///
    /// [`SecretKey::encrypt_at`]: crate::keys::SecretKey::encrypt_at
    pub(crate) fn least_noise(&self, level: usize) -> NoiseBound {
        let phi = self.phi();
        let fresh = fresh_noise_secret(phi, 1.0);
        NoiseBound::of(if level == self.max_level() {
            fresh
        } else {
            let secret = secret_variance(phi, self.hamming_weight());
            fresh.min(modswitch_noise(self.m(), 1, secret))
        })
    }

    /// Bound on the noise of a fresh secret-key encryption: m + t e.
    pub fn fresh_noise_secret(&self) -> NoiseBound {
        self.fresh_noise_secret_for(self.default_plaintext_modulus())
    }

    /// [`Self::fresh_noise_secret`] for a plaintext mod t.
    pub fn fresh_noise_secret_for(&self, t: PlaintextModulus) -> NoiseBound {
        NoiseBound::of(fresh_noise_secret(self.phi(), t.value() as f64))
    }

    /// The plaintext slots mod t (HElib's hypercube for the named rings, the literal's
    /// generators if given, found automatically otherwise); built once, on first use.
    pub fn slots(&self) -> Result<&SlotRing, BgvError> {
        let lit = &self.0.literal;
        self.0
            .slots
            .get_or_init(|| {
                if lit.gens.is_empty() {
                    SlotRing::new(lit.m, lit.r)
                } else {
                    SlotRing::with_generators(lit.m, lit.r, &lit.gens, &lit.orders)
                }
            })
            .as_ref()
            .map_err(|e| BgvError::Ring(e.clone()))
    }

    /// A cached base converter between two bases of this chain.
    pub(crate) fn converter(&self, from: &RnsBasis, to: &RnsBasis) -> Arc<BaseConverter> {
        let key = (from.moduli(), to.moduli());
        let mut cache = self
            .0
            .converters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry(key)
            .or_insert_with(|| Arc::new(BaseConverter::new(from, to)))
            .clone()
    }
}

/// m + t e for m uniform mod t and e Gaussian.
fn fresh_noise_secret(phi: usize, t: f64) -> f64 {
    bound_for_variance(phi, t * t / 4.0)
        + t * bound_for_variance(phi, ERROR_STD_DEV * ERROR_STD_DEV)
}

/// Splits the chain (bits of each prime, 1 <= c <= L) into c consecutive groups of nearly
/// equal bits: group j takes the fewest primes whose bits reach the remaining bits / (c - j),
/// at least one and leaving one for each later group. For equal sizes that is
/// ceil(remaining primes / (c - j)) primes (larger groups first), the split by count.
fn split_digits(sizes: &[u32], digits: usize) -> Vec<Range<usize>> {
    let mut ranges = Vec::with_capacity(digits);
    let mut start = 0;
    for j in 0..digits {
        let left = digits - j;
        let remaining: u64 = sizes[start..].iter().map(|&b| u64::from(b)).sum();
        let most = sizes.len() - start - (left - 1);
        let mut end = start;
        let mut bits = 0u64;
        while end - start < most && (end == start || bits * (left as u64) < remaining) {
            bits += u64::from(sizes[end]);
            end += 1;
        }
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// log2 D_j' of every digit meeting the basis (a prefix of the chain): D_j restricted to it.
fn digit_log2s(basis: &RnsBasis, digits: &[Range<usize>]) -> Vec<f64> {
    let moduli = basis.moduli();
    digits
        .iter()
        .filter(|d| d.start < moduli.len())
        .map(|d| {
            moduli[d.start..d.end.min(moduli.len())]
                .iter()
                .map(|&q| (q as f64).log2())
                .sum()
        })
        .collect()
}

/// sum_j D_j' / P from the logarithms.
fn digit_sum(digit_log2s: &[f64], log2_p: f64) -> f64 {
    digit_log2s.iter().map(|d| (d - log2_p).exp2()).sum()
}

/// Variance of an embedding value of s: h for Hamming weight h, 2 phi / 3 for dense ternary.
fn secret_variance(phi: usize, hamming: Option<usize>) -> f64 {
    match hamming {
        Some(h) => h as f64,
        None => 2.0 * phi as f64 / 3.0,
    }
}

/// The coefficients of delta/q lie in [-(t+1)/2, (t+1)/2] with variance (1 + t^2)/12, over
/// the m coefficients of the unreduced representative: B_ms = ||delta_0|| + ||delta_1 s||.
fn modswitch_noise(m: usize, t: u64, secret_variance: f64) -> f64 {
    let t = t as f64;
    let delta = m as f64 * (1.0 + t * t) / 12.0;
    SCALE * delta.sqrt() + bound_for_product(delta, secret_variance)
}

/// t ||d_j e_j|| / D_j with d_j uniform in [-D_j/2, D_j/2] on m coefficients and e_j
/// Gaussian: multiply by D_j / P and sum over the digits.
fn keyswitch_digit_factor(m: usize, phi: usize, t: u64) -> f64 {
    t as f64 * bound_for_product(m as f64 / 12.0, phi as f64 * ERROR_STD_DEV * ERROR_STD_DEV)
}

/// The ciphertext primes for `sizes` (bits of q_0, q_1, .. in order): for each size, the
/// largest primes = 1 mod 2Nm of that size, handed out in decreasing order along the chain.
fn chain_primes(m: usize, sizes: &[u32]) -> Result<Vec<u64>, BgvError> {
    let mut by_size: HashMap<u32, std::vec::IntoIter<u64>> = HashMap::new();
    for &bits in sizes {
        if let std::collections::hash_map::Entry::Vacant(entry) = by_size.entry(bits) {
            let count = sizes.iter().filter(|&&b| b == bits).count();
            entry.insert(generate_primes(m, bits, count, &[])?.into_iter());
        }
    }
    Ok(sizes
        .iter()
        .map(|bits| {
            by_size
                .get_mut(bits)
                .and_then(Iterator::next)
                .expect("invariant: one prime generated per occurrence of its size")
        })
        .collect())
}

/// K = number of special primes with log2 P >= log2(c * factor * D_max / B_ms), D_max the
/// largest digit (at most the sum of its primes' bits); call on a literal whose fields are
/// within bounds.
pub(crate) fn special_prime_count(m: usize, phi: usize, lit: &ParamsLiteral) -> usize {
    let t = 1u64 << lit.r;
    let sizes = lit.prime_sizes();
    let largest_digit_bits = split_digits(&sizes, lit.digits)
        .into_iter()
        .map(|digit| sizes[digit].iter().map(|&b| f64::from(b)).sum::<f64>())
        .fold(0.0, f64::max);
    let secret = secret_variance(phi, lit.hamming_weight);
    let needed = (lit.digits as f64 * keyswitch_digit_factor(m, phi, t)
        / modswitch_noise(m, t, secret))
    .log2()
        + largest_digit_bits;
    // Primes of b bits exceed 2^(b-1): count that bit per special prime.
    (needed.max(1.0) / f64::from(lit.special_bits - 1)).ceil() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::literal::PrimeRun;

    #[test]
    fn named_sets_have_their_documented_shape() {
        let toy = ParamsLiteral::toy().build().unwrap();
        assert_eq!((toy.m(), toy.phi(), toy.max_level()), (1023, 600, 60));
        let paper = ParamsLiteral::paper().build().unwrap();
        assert_eq!(
            (paper.m(), paper.phi(), paper.max_level()),
            (32767, 27000, 15)
        );
        assert_eq!(paper.special_basis().len(), 6);
        // K_l = l + 1 special primes while one digit meets the level, then all 6; one fewer
        // for relinearization.
        let counts =
            |source| -> Vec<usize> { (1..=15).map(|l| paper.special_count(l, source)).collect() };
        let automorphism = KeySource::Automorphism(3);
        assert_eq!(
            counts(automorphism),
            [2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6]
        );
        assert_eq!(
            counts(KeySource::Square),
            [1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]
        );
        let bits = paper.log2_q(15) + paper.log2_p();
        assert!((1040.0..1051.0).contains(&bits), "{bits}");
        assert!(paper.security_bits() >= 80.0, "{}", paper.security_bits());
        assert!(toy.security_bits() < 25.0, "{}", toy.security_bits());
        assert_ne!(toy.fingerprint(), paper.fingerprint());
    }

    #[test]
    fn digits_partition_the_chain() {
        // Equal sizes: the split by count, ceil(remaining / groups left) primes a group.
        for primes in 1..=30usize {
            for digits in 1..=primes {
                let mut start = 0;
                let by_count: Vec<Range<usize>> = (0..digits)
                    .map(|j| {
                        let size = (primes - start).div_ceil(digits - j);
                        start += size;
                        start - size..start
                    })
                    .collect();
                assert_eq!(split_digits(&vec![50; primes], digits), by_count);
            }
        }
        assert_eq!(split_digits(&[50; 15], 3), vec![0..5, 5..10, 10..15]);
        assert_eq!(split_digits(&[50; 7], 3), vec![0..3, 3..5, 5..7]);
        // Mixed sizes balance bits: 11 x 50 + 5 x 40 is 250 + 250 + 250.
        let mixed: Vec<u32> = [[50; 11].as_slice(), &[40; 5]].concat();
        assert_eq!(split_digits(&mixed, 3), vec![0..5, 5..10, 10..16]);
        // Every group keeps at least one prime, however the bits fall.
        assert_eq!(split_digits(&[62, 20, 20], 3), vec![0..1, 1..2, 2..3]);
        assert_eq!(split_digits(&[20, 20, 62], 2), vec![0..2, 2..3]);
    }

    #[test]
    fn special_primes_cover_the_keyswitch_noise() {
        for lit in [
            ParamsLiteral::toy(),
            ParamsLiteral::paper(),
            ParamsLiteral::small(127, 6),
        ] {
            let p = lit.build().unwrap();
            // The digit term is at most the modulus-switch term at every level, and at most
            // B_ms^2 / 16 for relinearization.
            let b = p.modswitch_noise_for(p.default_plaintext_modulus()).value();
            for level in 1..=p.max_level() {
                let automorphism = p.keyswitch_noise(level, KeySource::Automorphism(3)).value();
                assert!(automorphism <= 2.0 * b * (1.0 + 1e-9));
                let relinearization = p.keyswitch_noise(level, KeySource::Square).value();
                assert!(relinearization <= (b + b * b / 16.0) * (1.0 + 1e-9));
            }
        }
    }

    #[test]
    fn bad_literals_are_typed_errors() {
        let bad = [
            ParamsLiteral::toy().with_r(0),
            ParamsLiteral::toy().with_digits(0),
            ParamsLiteral::toy().with_ctxt_primes(0),
            ParamsLiteral::toy().with_hamming_weight(Some(601)),
            ParamsLiteral {
                m: 1024,
                ..ParamsLiteral::toy()
            },
        ];
        for lit in bad {
            assert!(lit.build().is_err(), "{lit:?}");
        }
        assert!(matches!(
            ParamsLiteral::named("huge"),
            Err(BgvError::UnknownSet(_))
        ));
    }

    /// Every field outside its documented range is refused by name before any prime is
    /// generated; prime_bits 0 and 1 used to overflow in the special-prime count.
    #[test]
    fn literals_outside_their_bounds_name_the_field() {
        let field_of = |lit: ParamsLiteral| match lit.build() {
            Err(BgvError::LiteralOutOfRange { field, .. }) => field,
            other => panic!("{lit:?}: expected LiteralOutOfRange, got {other:?}"),
        };
        let small = || ParamsLiteral::small(127, 4);
        for bits in [0, 1, 19, 63, u32::MAX] {
            let lit = ParamsLiteral {
                special_bits: bits,
                ..small()
            };
            assert_eq!(field_of(lit), "special_bits");
            let runs = vec![PrimeRun::new(50, 2), PrimeRun::new(bits, 1)];
            assert_eq!(field_of(small().with_chain(runs)), "chain bits");
        }
        assert_eq!(field_of(small().with_chain(vec![])), "chain runs");
        let empty_run = vec![PrimeRun::new(50, 2), PrimeRun::new(40, 0)];
        assert_eq!(field_of(small().with_chain(empty_run)), "chain count");
        let huge_run = vec![PrimeRun::new(50, usize::MAX)];
        assert_eq!(field_of(small().with_chain(huge_run)), "ctxt_primes");
        let too_long = vec![PrimeRun::new(50, 150), PrimeRun::new(40, 51)];
        assert_eq!(field_of(small().with_chain(too_long)), "ctxt_primes");
        assert_eq!(field_of(small().with_r(17)), "r");
        assert_eq!(field_of(small().with_digits(5)), "digits");
        assert_eq!(field_of(small().with_ctxt_primes(201)), "ctxt_primes");
        assert_eq!(
            field_of(small().with_hamming_weight(Some(0))),
            "hamming_weight"
        );
        for m in [1, 32769, usize::MAX] {
            assert_eq!(field_of(ParamsLiteral { m, ..small() }), "m");
        }
        let name = "x".repeat(65);
        assert_eq!(field_of(ParamsLiteral { name, ..small() }), "name bytes");
        let orders = ParamsLiteral {
            gens: vec![2],
            orders: vec![0],
            ..small()
        };
        assert_eq!(field_of(orders), "order");
        let dimensions = ParamsLiteral {
            gens: vec![2; 9],
            orders: vec![1; 9],
            ..small()
        };
        assert_eq!(field_of(dimensions), "dimensions");
    }

    /// The pathological literal of issue #13 (200 primes at m = 32767: seconds and gigabytes
    /// of chain before the old check) is refused by its size, directly and from an artifact.
    #[test]
    fn oversized_chains_are_refused_before_they_are_built() {
        let huge = ParamsLiteral::paper().with_ctxt_primes(200);
        let refused = |result: Result<Params, BgvError>| {
            assert!(
                matches!(
                    result,
                    Err(BgvError::LiteralOutOfRange {
                        field: "residues",
                        ..
                    })
                ),
                "{result:?}"
            )
        };
        let started = std::time::Instant::now();
        refused(huge.build());
        let wire = ParamsWire {
            literal: huge,
            ctxt_moduli: vec![],
            special_moduli: vec![],
        };
        let bytes = nit_ring::serial::seal("bgv.params", &wire).unwrap();
        refused(Params::from_bytes(&bytes));
        println!("refused in {:?}", started.elapsed());
        assert!(started.elapsed().as_secs() < 1, "{:?}", started.elapsed());
    }

    /// t = 2^r must divide q - 1 for every prime: at m = 1023 the primes are = 1 mod 2^12
    /// only, so r = 16 (which built and then decrypted wrong) is refused, naming t and a prime.
    #[test]
    fn plaintext_modulus_must_divide_every_prime_minus_one() {
        for lit in [
            ParamsLiteral::toy().with_ctxt_primes(4).with_r(16),
            ParamsLiteral::toy().with_ctxt_primes(4).with_r(13),
            ParamsLiteral::small(127, 4).with_r(16),
            ParamsLiteral::small(127, 4).with_r(10),
        ] {
            match lit.build() {
                Err(BgvError::PlaintextModulusNotInChain { t, prime }) => {
                    assert_eq!(t, 1 << lit.r);
                    assert_ne!(prime % t, 1);
                }
                other => panic!("{lit:?}: {other:?}"),
            }
        }
        for lit in [
            ParamsLiteral::toy().with_ctxt_primes(4).with_r(12),
            ParamsLiteral::small(127, 4).with_r(9),
        ] {
            let params = lit.build().unwrap();
            let all = params
                .ctxt_basis(params.max_level())
                .moduli()
                .into_iter()
                .chain(params.special_basis().moduli());
            assert!(all.into_iter().all(|q| q % params.t() == 1));
        }
        // The largest t the toy ring allows encrypts and decrypts.
        let mut s =
            crate::tests::setup(ParamsLiteral::toy().with_ctxt_primes(4).with_r(12), &[], 7);
        let m = crate::tests::random_plaintext(&s.params, &mut s.rng);
        let ct = s.sk.encrypt(&m, &mut s.rng).unwrap();
        assert_eq!(s.sk.decrypt(&ct).unwrap(), m);
    }

    #[test]
    fn wire_round_trip_and_tampering() {
        let p = ParamsLiteral::small(255, 4).build().unwrap();
        let wire = p.to_wire();
        assert_eq!(
            Params::from_wire(&wire).unwrap().fingerprint(),
            p.fingerprint()
        );
        let mut altered = wire.clone();
        altered.ctxt_moduli.swap(0, 1);
        assert!(Params::from_wire(&altered).is_err());
    }
}
