//! Thin recryption of a ciphertext mod 2 whose slots hold bits b (HElib's `thinReCrypt`,
//! with the switch to 2^e and GIKV digit extraction of docs/BOOTSTRAP.md):
//! 1. switch down to the lowest level that still carries SlotsToCoeffs and the switch to 2^e;
//! 2. SlotsToCoeffs (t = 2): the plaintext a gets the bits at its thin powerful coefficients,
//!    a_J(e) = b_e mod 2;
//! 3. switch down to the lowest level Q_in with e + 3 bits of capacity (so that
//!    2^e ||a/2 + E|| / Q_in < 1/4), then, in the clear, to the modulus 2^e in the powerful
//!    basis: c_0' + c_1' s = 2^(e-1) a + eps (mod 2^e), |eps| small per powerful coefficient
//!    ([`crate::modulus_switch`]);
//! 4. u = c_0' + c_1' BK at the top of the chain, BK = Enc_s(s) mod 2^e: u decrypts to
//!    2^(e-1) a + eps mod 2^e;
//! 5. CoeffsToSlots and the trace (t = 2^e): slot e holds the thin coefficient
//!    2^(e-1) b_e + eps_J(e) mod 2^e;
//! 6. add 2^(e-2) and remove the e - 1 low digits: slot e holds b_e while
//!    |eps_J(e)| < 2^(e-2); the result is a ciphertext mod 2 at a high level.
//!
//! The [`Bootstrapper`] holds only public material ([`BootstrappingKey`]) and is Send + Sync.

use crate::bootstrapping_key::BootstrappingKey;
use crate::coeffs_to_slots::CoeffsToSlots;
use crate::digit_extraction::DigitExtraction;
use crate::encrypted_two_power::EncryptedTwoPower;
use crate::error::BootstrapError;
use crate::modulus_switch::switch_to_two_power;
use crate::slot_linear_map::SlotLinearMap;
use crate::slots_to_coeffs::SlotsToCoeffs;
use crate::thin_structure::ThinStructure;
use nit_bgv::{Ciphertext, EncodedConstant, Evaluator, Params, Plaintext, PlaintextModulus};
use nit_ring::slots::SlotRing;
use std::sync::{Arc, Mutex};

/// Capacity (bits) left after the switch down to Q_in: the term 2^e ||a/2 + E|| / Q_in of the
/// rounding error stays below 2^-2.
const SWITCH_MARGIN_BITS: f64 = 3.0;

/// Bits of capacity a key switch in a hoisted sum may cost beyond the constants' norms
/// (the added key-switching noise is at most about the operand's own at a low level).
const KEY_SWITCH_BITS: f64 = 2.0;

/// sigma_eps^2 per unit of key weight: the spread of the rounding error per powerful
/// coefficient after the switch to 2^e is sigma_eps = sqrt(0.46 h) for a key of weight h
/// (measured at m = 1023: 7.43 at h = 120, 5.43 at h = 64; `modulus_switch` tests).
const EPS_VARIANCE_PER_WEIGHT: f64 = 0.46;

/// sigma_eps = sqrt(0.46 h) for the parameters' key weight h (2 phi / 3 for a dense key).
pub(crate) fn rounding_spread(params: &Params) -> f64 {
    let weight = params.hamming_weight().unwrap_or(2 * params.phi() / 3) as f64;
    (EPS_VARIANCE_PER_WEIGHT * weight).sqrt()
}

/// The e recryption uses for the parameters' key: the smallest with
/// 2^(e-2) >= 0.5 + 10 sigma_eps (a wrong bit needs a 10-sigma rounding error: probability
/// about l erfc(10 / sqrt 2) < 2^-70 per refresh; 9 for weight 120, 8 for weight 64).
pub fn recryption_bits(params: &Params) -> u32 {
    let bound = 0.5 + 10.0 * rounding_spread(params);
    2 + bound.log2().ceil().max(1.0) as u32
}

/// The squarings of `ct` (with `evaluator`'s relinearization key) that keep at least
/// `threshold` bits of capacity, and the last of them (`ct` itself if none does): the AND
/// levels a refreshed value carries before it needs the next refresh.
pub fn squarings_above(
    evaluator: &Evaluator,
    ct: &Ciphertext,
    threshold: f64,
) -> (usize, Ciphertext) {
    let params = evaluator.params();
    let (mut levels, mut value) = (0, ct.clone());
    while let Ok(next) = evaluator.and(&value, &value) {
        if next.capacity(params) < threshold {
            break;
        }
        value = next;
        levels += 1;
    }
    (levels, value)
}

/// One hoisted sum's terms: (automorphism exponent, constant as a plaintext).
type PlainTerms = Vec<(usize, Plaintext)>;

/// A map's constants encoded at one level (they serve every level up to it).
#[derive(Debug)]
struct EncodedMap {
    level: usize,
    sums: Vec<Vec<(usize, EncodedConstant)>>,
}

/// The encoded constants of one map, kept from the last use: encoding costs l + K DFTs per
/// constant, more than the sum that uses it.
#[derive(Debug, Default)]
struct EncodedCache(Mutex<Option<Arc<EncodedMap>>>);

/// Recryption with the public material of one secret key (module doc). Keeps the maps'
/// constants encoded from the first use (CoeffsToSlots at the top level: at `paper` about
/// 70 constants of 4.5 MB).
#[derive(Debug)]
pub struct Bootstrapper {
    encoded_slots_to_coeffs: EncodedCache,
    encoded_coeffs_to_slots: EncodedCache,
    e: u32,
    structure: ThinStructure,
    ring_e: SlotRing,
    slots_to_coeffs: Vec<PlainTerms>,
    coeffs_to_slots: Vec<PlainTerms>,
    /// Capacity SlotsToCoeffs consumes: sum over its sums of log2(sum_i ||c_i||) plus
    /// [`KEY_SWITCH_BITS`] each.
    slots_to_coeffs_bits: f64,
    extraction: DigitExtraction,
    evaluator: Evaluator,
    encrypted_key: Ciphertext,
}

/// The maps' sums as plaintext constants mod t.
fn plain_terms(
    params: &Params,
    t: PlaintextModulus,
    map: &SlotLinearMap,
) -> Result<Vec<PlainTerms>, BootstrapError> {
    map.sums()
        .iter()
        .map(|sum| {
            sum.encoded_terms()?
                .into_iter()
                .map(|(h, coeffs)| Ok((h as usize, Plaintext::with_modulus(params, t, coeffs)?)))
                .collect()
        })
        .collect()
}

/// Ok when the evaluator holds, for plaintext modulus 2^bits, the automorphism key of every
/// keyed term of `map` and, if asked, relinearization.
fn check_keys(
    evaluator: &Evaluator,
    bits: u32,
    map: &SlotLinearMap,
    relinearization: bool,
) -> Result<(), BootstrapError> {
    let t = evaluator.params().plaintext_modulus(bits)?;
    let keys = evaluator.keys_for(t)?;
    if relinearization && keys.relinearization().is_err() {
        return Err(BootstrapError::MissingKey { bits, exponent: 0 });
    }
    for h in map.key_exponents() {
        if keys.automorphism(h as usize).is_err() {
            return Err(BootstrapError::MissingKey { bits, exponent: h });
        }
    }
    Ok(())
}

impl Bootstrapper {
    /// The recryption of ciphertexts under the key of `key` with parameters `params`
    /// (plaintext modulus 2).
    pub fn new(params: &Params, key: BootstrappingKey) -> Result<Self, BootstrapError> {
        if params.r() != 1 {
            return Err(BootstrapError::NotBinary(params.r()));
        }
        let e = key.e();
        let t_e = params.plaintext_modulus(e)?;
        let structure = ThinStructure::new(params.slots()?)?;
        let ring_e = structure.ring_at(e)?;
        let stoc = SlotsToCoeffs::new(&structure, 1)?;
        let ctos = CoeffsToSlots::new(&structure, e)?;
        let slots_to_coeffs = plain_terms(params, params.default_plaintext_modulus(), stoc.map())?;
        let coeffs_to_slots = plain_terms(params, t_e, ctos.map())?;
        let slots_to_coeffs_bits = slots_to_coeffs
            .iter()
            .map(|terms| {
                let growth: f64 = terms
                    .iter()
                    .map(|(_, c)| c.canonical_norm(params).max(1.0))
                    .sum();
                growth.log2() + KEY_SWITCH_BITS
            })
            .sum();
        let mut sets = key.key_sets().iter().cloned();
        let first = sets.next().ok_or(BootstrapError::MissingKeys("t = 2"))?;
        let mut evaluator = Evaluator::new(params, key.key_id(), first)?;
        for set in sets {
            evaluator = evaluator.with_keys_for(set)?;
        }
        check_keys(&evaluator, 1, stoc.map(), false)?;
        for bits in 2..e {
            check_keys(&evaluator, bits, &SlotLinearMap::new(Vec::new()), true)?;
        }
        check_keys(&evaluator, e, ctos.map(), true)?;
        let encrypted_key = key.encrypted_key().clone();
        if encrypted_key.plaintext_modulus() != t_e {
            return Err(BootstrapError::PlaintextModulusMismatch {
                left: encrypted_key.plaintext_modulus().bits(),
                right: e,
            });
        }
        Ok(Bootstrapper {
            encoded_slots_to_coeffs: EncodedCache::default(),
            encoded_coeffs_to_slots: EncodedCache::default(),
            e,
            structure,
            ring_e,
            slots_to_coeffs,
            coeffs_to_slots,
            slots_to_coeffs_bits,
            extraction: DigitExtraction::recryption(e)?,
            evaluator,
            encrypted_key,
        })
    }

    /// Recryption into the first `level` primes instead of the whole chain: BK is switched
    /// down once, so CoeffsToSlots and digit extraction run on `level` primes and the output
    /// keeps about log2 Q_level minus what they consume (the work shrinks in proportion). A
    /// level too low to carry them makes `recrypt` fail with `NoiseBudgetExhausted`.
    pub fn with_top_level(mut self, level: usize) -> Result<Self, BootstrapError> {
        self.encrypted_key = self.evaluator.mod_switch_to(&self.encrypted_key, level)?;
        let mut cache = self
            .encoded_coeffs_to_slots
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *cache = None;
        drop(cache);
        Ok(self)
    }

    /// The level recrypted ciphertexts start from (BK's).
    pub fn top_level(&self) -> usize {
        self.encrypted_key.level()
    }

    /// Bytes the bootstrapping key holds in memory: its key sets (rows and the special spectra
    /// built so far) and the encryption of the secret key.
    pub fn key_memory_bytes(&self) -> usize {
        self.evaluator.key_memory_bytes() + self.encrypted_key.size_bytes()
    }

    /// The bits e of the intermediate plaintext modulus 2^e.
    pub fn e(&self) -> u32 {
        self.e
    }

    /// The thin structure the maps follow (its powerful basis and thin positions J(e)).
    pub fn structure(&self) -> &ThinStructure {
        &self.structure
    }

    /// Capacity (bits) a ciphertext needs for recryption: SlotsToCoeffs and the switch.
    pub fn capacity_needed(&self) -> f64 {
        self.slots_to_coeffs_bits + f64::from(self.e) + SWITCH_MARGIN_BITS
    }

    /// A fresh encryption of the bits in the slots of `ct` (mod 2, 2 parts, at least
    /// [`Self::capacity_needed`] bits of capacity left): the four steps below in turn.
    pub fn recrypt(&self, ct: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        let coefficients = self.slots_to_coeffs(ct)?;
        let u = self.switch_to_two_power(&coefficients)?;
        let slots = self.coeffs_to_slots(&u)?;
        self.extract_digits(&slots)
    }

    /// Steps 1 and 2: down to the lowest level that carries the rest, then SlotsToCoeffs; the
    /// result's plaintext has the bits of the slots at its thin powerful coefficients.
    pub fn slots_to_coeffs(&self, ct: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        let params = self.evaluator.params();
        if ct.plaintext_modulus() != params.default_plaintext_modulus() {
            return Err(BootstrapError::NotBinary(ct.plaintext_modulus().bits()));
        }
        if ct.parts().len() != 2 {
            return Err(BootstrapError::CiphertextParts(ct.parts().len()));
        }
        let needed = self.capacity_needed();
        let capacity = ct.capacity(params);
        if capacity < needed {
            return Err(BootstrapError::CapacityTooLow { capacity, needed });
        }
        let level = self.evaluator.lowest_level_with_capacity(ct, needed);
        let low = self.evaluator.mod_switch_to(ct, level)?;
        self.apply(low, &self.slots_to_coeffs, &self.encoded_slots_to_coeffs)
    }

    /// Steps 3 and 4: down to Q_in, to 2^e in the clear (powerful basis), and c_0' + c_1' BK:
    /// a ciphertext mod 2^e at the top whose plaintext is 2^(e-1) a + eps.
    pub fn switch_to_two_power(&self, ct: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        let params = self.evaluator.params();
        let needed = f64::from(self.e) + SWITCH_MARGIN_BITS;
        let level = self.evaluator.lowest_level_with_capacity(ct, needed);
        let low = self.evaluator.mod_switch_to(ct, level)?;
        if low.parts().len() != 2 {
            return Err(BootstrapError::CiphertextParts(low.parts().len()));
        }
        let capacity = low.capacity(params);
        if capacity < needed {
            return Err(BootstrapError::CapacityTooLow { capacity, needed });
        }
        let parts = low.parts();
        let (c0, c1) = (parts[0].to_coeff(), parts[1].to_coeff());
        let switched = switch_to_two_power(self.structure.basis(), [&c0, &c1], self.e)?;
        let [c0, c1] = switched.parts();
        let product = self
            .evaluator
            .mul_plain(&self.encrypted_key, &self.plaintext_of(c1)?)?;
        Ok(self
            .evaluator
            .add_plain(&product, &self.plaintext_of(c0)?)?)
    }

    /// Steps 5 and 6: CoeffsToSlots and the trace (t = 2^e): slot e holds the thin
    /// coefficient 2^(e-1) b_e + eps_J(e).
    pub fn coeffs_to_slots(&self, u: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        self.apply(
            u.clone(),
            &self.coeffs_to_slots,
            &self.encoded_coeffs_to_slots,
        )
    }

    /// Steps 7 and 8: add 2^(e-2) and remove the e - 1 low digits: the bits mod 2, left at
    /// the level the first square of the result is formed at (`Evaluator::product_level`):
    /// any product would drop those primes first, and below them the bound is near B_ms, so
    /// the capacity it states is close to the measured one (the products of digit extraction
    /// leave a bound tens of bits above the noise).
    pub fn extract_digits(&self, slots: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        let rounding = self.constant(1 << (self.e - 2))?;
        let shifted = self.evaluator.add_plain(slots, &rounding)?;
        let bits = self
            .extraction
            .extract(&EncryptedTwoPower::new(&self.evaluator), &shifted)?;
        let level = self.evaluator.product_level(&bits, &bits);
        if level == bits.level() {
            return Ok(bits);
        }
        Ok(self.evaluator.mod_switch_to(&bits, level)?)
    }

    /// The hoisted sums in turn, with the constants encoded at the ciphertext's level or
    /// above (from `cache` when it holds them at such a level).
    fn apply(
        &self,
        mut ct: Ciphertext,
        sums: &[PlainTerms],
        cache: &EncodedCache,
    ) -> Result<Ciphertext, BootstrapError> {
        let encoded = self.encoded(sums, cache, ct.level())?;
        for terms in &encoded.sums {
            let borrowed: Vec<(usize, &EncodedConstant)> =
                terms.iter().map(|(h, c)| (*h, c)).collect();
            ct = self.evaluator.weighted_automorphism_sum(&ct, &borrowed)?;
        }
        Ok(ct)
    }

    /// The constants of `sums` encoded at `level` or above: the cached ones if their level
    /// serves, else encoded now and cached.
    fn encoded(
        &self,
        sums: &[PlainTerms],
        cache: &EncodedCache,
        level: usize,
    ) -> Result<Arc<EncodedMap>, BootstrapError> {
        let mut slot = cache.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(map) = slot.as_ref().filter(|map| map.level >= level) {
            return Ok(map.clone());
        }
        let sums = sums
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|(h, c)| Ok((*h, self.evaluator.encode_constant(c, level)?)))
                    .collect::<Result<Vec<_>, BootstrapError>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let map = Arc::new(EncodedMap { level, sums });
        *slot = Some(map.clone());
        Ok(map)
    }

    /// The plaintext mod 2^e with the given centred powerful coefficients.
    fn plaintext_of(&self, powerful: &[i64]) -> Result<Plaintext, BootstrapError> {
        let mask = (1u64 << self.e) - 1;
        let lifted: Vec<u64> = self
            .structure
            .basis()
            .lift(powerful)?
            .into_iter()
            .map(|c| c as u64 & mask)
            .collect();
        let coeffs = self.ring_e.reduce(&lifted)?;
        let params = self.evaluator.params();
        Ok(Plaintext::with_modulus(
            params,
            params.plaintext_modulus(self.e)?,
            coeffs,
        )?)
    }

    /// The constant polynomial c mod 2^e.
    fn constant(&self, c: u64) -> Result<Plaintext, BootstrapError> {
        let params = self.evaluator.params();
        let mut coeffs = vec![0u64; params.phi()];
        coeffs[0] = c;
        Ok(Plaintext::with_modulus(
            params,
            params.plaintext_modulus(self.e)?,
            coeffs,
        )?)
    }
}
