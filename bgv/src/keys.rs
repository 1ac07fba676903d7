//! Keys: the secret key s, the public key, and key-switching keys (relinearization s^2 -> s,
//! automorphisms s(X^k) -> s), generated only on request.
//!
//! A key-switching key from s' to s is, for each digit j (primes D_j of the chain):
//!   (b_j, a_j) = (-a_j s + t e_j + P G_j s',  a_j)  mod Q P,
//! for one plaintext modulus t, which the key carries: switching a ciphertext mod t' with it
//! leaves t e_j-sized terms that are not 0 mod t' when t' does not divide t, so a key serves
//! ciphertexts of its own t only (`KeyPlaintextModulusMismatch`). [`EvaluationKeys`] is one
//! key set of one t; an evaluator holds one set per t it computes at.
//! G_j the CRT idempotent of digit j (1 mod D_j, 0 mod the other digits); P G_j is then
//! P mod q on the primes of D_j and 0 elsewhere. The a_j come from a 32-byte seed (ChaCha20),
//! so a key travels as seed + b_j (the compressed form); in memory a_j is expanded.

use crate::error::{hex, BgvError};
use crate::params::Params;
use crate::plaintext_modulus::PlaintextModulus;
use nit_ring::sample::{
    discrete_gaussian, ternary_dense, ternary_with_weight, SecureRng, ERROR_STD_DEV,
};
use nit_ring::{DcrtPoly, RnsBasis};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::sync::{Arc, OnceLock};

/// Identity of a secret key and everything derived from it (16 random bytes).
pub type KeyId = [u8; 16];

/// The secret key: a ternary s (Hamming weight h, or dense) in DoubleCRT form on all primes.
#[derive(Clone)]
pub struct SecretKey {
    pub(crate) params: Params,
    pub(crate) id: KeyId,
    pub(crate) coeffs: Vec<i64>,
    /// s on every ciphertext and special prime (extended basis of the top level).
    pub(crate) s: DcrtPoly,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", hex(&self.id))
    }
}

/// The public key (b, a) = (-a s + t e, a) mod Q at the top level.
#[derive(Clone, Debug)]
pub struct PublicKey {
    pub(crate) params_id: [u8; 16],
    pub(crate) key_id: KeyId,
    pub(crate) b: DcrtPoly,
    pub(crate) a: DcrtPoly,
    pub(crate) seed: [u8; 32],
}

/// What a key-switching key switches from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum KeySource {
    /// s^2 (relinearization).
    Square,
    /// s(X^k) (the automorphism X -> X^k).
    Automorphism(usize),
}

/// A key-switching key (b_j, a_j) for every digit, on the extended top-level basis Q P.
#[derive(Clone, Debug)]
pub struct KeySwitchKey {
    pub(crate) params_id: [u8; 16],
    pub(crate) key_id: KeyId,
    pub(crate) source: KeySource,
    /// The t of the noise term t e_j.
    pub(crate) t: PlaintextModulus,
    pub(crate) seed: [u8; 32],
    pub(crate) b: Vec<DcrtPoly>,
    pub(crate) a: Vec<DcrtPoly>,
    /// The special primes' rows as spectra, built by the first unmasked key switch.
    pub(crate) spectra: OnceLock<SpecialSpectra>,
}

/// A key's rows on the special primes as N^{-1}-normalized spectra
/// (`Dft::normalized_spectrum_of_values`), `b[j][s]` and `a[j][s]` for digit j and special
/// prime s: key switching multiplies the raised digits by them mod X^m - 1 without going
/// through the values (see `keyswitch`). Derived data, about 2.4 times the special rows
/// (19 MB per key at m = 32767).
#[derive(Clone)]
pub(crate) struct SpecialSpectra {
    pub(crate) b: Vec<Vec<Vec<u64>>>,
    pub(crate) a: Vec<Vec<Vec<u64>>>,
}

impl std::fmt::Debug for SpecialSpectra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let primes = self.b.first().map_or(0, Vec::len);
        write!(
            f,
            "SpecialSpectra({} digits x {primes} primes)",
            self.b.len()
        )
    }
}

/// The a-parts of a key from its seed: a_j uniform on `basis`, drawn in digit order.
pub(crate) fn expand_seed(basis: &RnsBasis, seed: [u8; 32], count: usize) -> Vec<DcrtPoly> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    (0..count)
        .map(|_| DcrtPoly::uniform(basis, &mut rng))
        .collect()
}

impl SecretKey {
    /// A fresh secret key from the secure generator `rng` (see `nit_ring::sample`).
    pub fn generate(params: &Params, rng: &mut SecureRng) -> Result<Self, BgvError> {
        let coeffs = match params.hamming_weight() {
            Some(h) => ternary_with_weight(params.phi(), h, rng)?,
            None => ternary_dense(params.phi(), rng),
        };
        let s = DcrtPoly::from_i64(params.extended_basis(params.max_level()), &coeffs)?;
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        Ok(SecretKey {
            params: params.clone(),
            id,
            coeffs,
            s,
        })
    }

    /// Fingerprint stamped on every key and ciphertext derived from this key (16 random bytes).
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The parameter set the key was generated for.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// s on the first `level` ciphertext primes.
    pub(crate) fn at_level(&self, level: usize) -> DcrtPoly {
        self.s.truncate(level).expect("invariant: level <= L")
    }

    /// t e for a fresh Gaussian e, on `basis`.
    fn scaled_error(
        &self,
        t: PlaintextModulus,
        basis: &RnsBasis,
        rng: &mut SecureRng,
    ) -> Result<DcrtPoly, BgvError> {
        let t = t.value() as i64;
        let e: Vec<i64> = discrete_gaussian(self.params.phi(), ERROR_STD_DEV, rng)
            .into_iter()
            .map(|x| x * t)
            .collect();
        Ok(DcrtPoly::from_i64(basis, &e)?)
    }

    /// The public key (b, a) = (-a s + t e, a) on the top-level ciphertext primes.
    pub fn public_key(&self, rng: &mut SecureRng) -> Result<PublicKey, BgvError> {
        let level = self.params.max_level();
        let basis = self.params.ctxt_basis(level);
        let seed: [u8; 32] = rng.gen();
        let a = expand_seed(basis, seed, 1).remove(0);
        let mut b = self.scaled_error(self.params.default_plaintext_modulus(), basis, rng)?;
        b.sub_assign(&a.mul(&self.at_level(level))?)?;
        Ok(PublicKey {
            params_id: self.params.fingerprint(),
            key_id: self.id,
            b,
            a,
            seed,
        })
    }

    /// The key switching from `source` (s^2 or s(X^k)) back to s, for the parameters' t.
    pub fn key_switch_key(
        &self,
        source: KeySource,
        rng: &mut SecureRng,
    ) -> Result<KeySwitchKey, BgvError> {
        self.key_switch_key_for(source, self.params.default_plaintext_modulus(), rng)
    }

    /// The key switching from `source` back to s for ciphertexts mod t (noise term t e_j).
    pub fn key_switch_key_for(
        &self,
        source: KeySource,
        t: PlaintextModulus,
        rng: &mut SecureRng,
    ) -> Result<KeySwitchKey, BgvError> {
        let params = &self.params;
        params.check_plaintext_modulus(t)?;
        let level = params.max_level();
        let basis = params.extended_basis(level);
        let from = match source {
            KeySource::Square => self.s.mul(&self.s)?,
            KeySource::Automorphism(k) => self.s.automorphism(k)?,
        };
        let seed: [u8; 32] = rng.gen();
        let digits = params.digit_ranges();
        let a = expand_seed(basis, seed, digits.len());
        let special_product = params.special_basis().product().clone();
        let mut b = Vec::with_capacity(digits.len());
        for (digit, a_j) in digits.iter().zip(&a) {
            let mut b_j = self.scaled_error(t, basis, rng)?;
            b_j.sub_assign(&a_j.mul(&self.s)?)?;
            // P G_j: P mod q on the digit's primes, 0 on the others and on the special primes.
            let gadget: Vec<u64> = basis
                .tables()
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if digit.contains(&i) {
                        (&special_product % t.q())
                            .iter_u64_digits()
                            .next()
                            .unwrap_or(0)
                    } else {
                        0
                    }
                })
                .collect();
            let mut term = from.clone();
            term.mul_scalars_assign(&gadget)?;
            b_j.add_assign(&term)?;
            b.push(b_j);
        }
        Ok(KeySwitchKey {
            params_id: params.fingerprint(),
            key_id: self.id,
            source,
            t,
            seed,
            b,
            a,
            spectra: OnceLock::new(),
        })
    }
}

impl PublicKey {
    /// Fingerprint of the secret key this public key encrypts to.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
}

impl KeySwitchKey {
    /// The key s' this key switches from (to s): s^2 or s(X^k).
    pub fn source(&self) -> KeySource {
        self.source
    }

    /// The plaintext modulus of the ciphertexts this key switches.
    pub fn plaintext_modulus(&self) -> PlaintextModulus {
        self.t
    }

    /// Ok when the key serves a ciphertext mod t (`KeyPlaintextModulusMismatch` otherwise).
    pub(crate) fn check_modulus(&self, t: PlaintextModulus) -> Result<(), BgvError> {
        if self.t == t {
            Ok(())
        } else {
            Err(BgvError::KeyPlaintextModulusMismatch {
                key: self.t.bits(),
                ciphertext: t.bits(),
            })
        }
    }

    /// The special rows' spectra, built on first use (sequentially: the builder must not
    /// wait on rayon tasks that could re-enter this cell on the same thread).
    pub(crate) fn special_spectra(&self, params: &Params) -> &SpecialSpectra {
        self.spectra.get_or_init(|| {
            let top = params.max_level();
            let basis = params.extended_basis(top);
            let spectra = |parts: &[DcrtPoly]| -> Vec<Vec<Vec<u64>>> {
                parts
                    .iter()
                    .map(|part| {
                        (top..basis.len())
                            .map(|pos| {
                                basis.tables()[pos].normalized_spectrum_of_values(&part.rows()[pos])
                            })
                            .collect()
                    })
                    .collect()
            };
            SpecialSpectra {
                b: spectra(&self.b),
                a: spectra(&self.a),
            }
        })
    }

    /// Bytes held in memory: b_j and a_j on every prime, plus the special spectra once built.
    pub fn memory_bytes(&self) -> usize {
        let rows: usize = self
            .b
            .iter()
            .chain(&self.a)
            .map(|p| p.rows().iter().map(Vec::len).sum::<usize>())
            .sum();
        let spectra: usize = self.spectra.get().map_or(0, |s| {
            s.b.iter()
                .chain(&s.a)
                .flatten()
                .map(Vec::len)
                .sum::<usize>()
        });
        (rows + spectra) * 8
    }

    /// Bytes of the compressed form: the b_j rows and a 32-byte seed.
    pub fn size_bytes(&self) -> usize {
        self.b
            .iter()
            .map(|p| p.rows().len() * p.rows()[0].len() * 8)
            .sum::<usize>()
            + 32
    }
}

/// The evaluation keys a computation asked for at one plaintext modulus t: relinearization
/// and automorphisms, every key made for that t (an empty set serves any t).
#[derive(Clone, Debug, Default)]
pub struct EvaluationKeys {
    pub(crate) relinearization: Option<Arc<KeySwitchKey>>,
    pub(crate) automorphisms: std::collections::BTreeMap<usize, Arc<KeySwitchKey>>,
}

impl EvaluationKeys {
    /// Generates the relinearization key and one automorphism key per requested exponent
    /// (exponents are reduced mod m; 1 needs no key), for the parameters' t.
    pub fn generate(
        sk: &SecretKey,
        relinearization: bool,
        exponents: &[usize],
        rng: &mut SecureRng,
    ) -> Result<Self, BgvError> {
        let t = sk.params.default_plaintext_modulus();
        Self::generate_for(sk, t, relinearization, exponents, rng)
    }

    /// [`Self::generate`] for ciphertexts mod t.
    pub fn generate_for(
        sk: &SecretKey,
        t: PlaintextModulus,
        relinearization: bool,
        exponents: &[usize],
        rng: &mut SecureRng,
    ) -> Result<Self, BgvError> {
        let mut keys = EvaluationKeys::default();
        if relinearization {
            let key = sk.key_switch_key_for(KeySource::Square, t, rng)?;
            keys.relinearization = Some(Arc::new(key));
        }
        keys.add_automorphisms_for(sk, t, exponents, rng)?;
        Ok(keys)
    }

    /// Every key of the set: relinearization first, then the automorphisms by exponent.
    fn all_keys(&self) -> impl Iterator<Item = &Arc<KeySwitchKey>> {
        self.relinearization
            .iter()
            .chain(self.automorphisms.values())
    }

    /// The t of every key in the set (None when empty).
    pub fn plaintext_modulus(&self) -> Option<PlaintextModulus> {
        self.all_keys().map(|key| key.t).next()
    }

    /// Adds keys for more automorphism exponents, at the set's t (the parameters' when the
    /// set is empty).
    pub fn add_automorphisms(
        &mut self,
        sk: &SecretKey,
        exponents: &[usize],
        rng: &mut SecureRng,
    ) -> Result<(), BgvError> {
        let t = self
            .plaintext_modulus()
            .unwrap_or_else(|| sk.params.default_plaintext_modulus());
        self.add_automorphisms_for(sk, t, exponents, rng)
    }

    fn add_automorphisms_for(
        &mut self,
        sk: &SecretKey,
        t: PlaintextModulus,
        exponents: &[usize],
        rng: &mut SecureRng,
    ) -> Result<(), BgvError> {
        let m = sk.params.m();
        for &k in exponents {
            let k = k % m;
            if k != 1 && !self.automorphisms.contains_key(&k) {
                let key = sk.key_switch_key_for(KeySource::Automorphism(k), t, rng)?;
                self.automorphisms.insert(k, Arc::new(key));
            }
        }
        Ok(())
    }

    /// The s^2 -> s key, or [`BgvError::MissingRelinearizationKey`].
    pub fn relinearization(&self) -> Result<&KeySwitchKey, BgvError> {
        self.relinearization
            .as_deref()
            .ok_or(BgvError::MissingRelinearizationKey)
    }

    /// The s(X^k) -> s key for k in [0, m) (exponents are stored reduced mod m), or
    /// [`BgvError::MissingGaloisKey`].
    pub fn automorphism(&self, k: usize) -> Result<&KeySwitchKey, BgvError> {
        self.automorphisms
            .get(&k)
            .map(|k| k.as_ref())
            .ok_or(BgvError::MissingGaloisKey { exponent: k })
    }

    /// Exponents with a key.
    pub fn automorphism_exponents(&self) -> Vec<usize> {
        self.automorphisms.keys().copied().collect()
    }

    /// Bytes all keys hold in memory (each key's [`KeySwitchKey::memory_bytes`]: its rows and
    /// the special spectra built so far).
    pub fn memory_bytes(&self) -> usize {
        self.all_keys().map(|k| k.memory_bytes()).sum()
    }

    /// Compressed size of all keys in bytes.
    pub fn size_bytes(&self) -> usize {
        self.all_keys().map(|k| k.size_bytes()).sum()
    }
}
