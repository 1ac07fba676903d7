//! Serialized BGV artifacts: parameters, secret/public/evaluation keys, ciphertexts.
//!
//! Every artifact travels in `nit_ring::serial`'s checked envelope (magic, tag, length,
//! SHA-256 digest) and carries the fingerprint of its parameters (and of its secret key where
//! it has one); loading validates both, the level, the number of parts and every residue.
//! Keys travel compressed: the uniform a-parts are regenerated from their 32-byte seeds.

use crate::ciphertext::Ciphertext;
use crate::encryption::PHASE_TOLERANCE_BITS;
use crate::error::BgvError;
use crate::keys::{
    expand_seed, EvaluationKeys, KeyId, KeySource, KeySwitchKey, PublicKey, SecretKey,
};
use crate::noise::{canonical_norm_log2_big, NoiseBound};
use crate::params::{Params, ParamsWire};
use nit_ring::serial::{open, seal};
use nit_ring::{DcrtPoly, RnsBasis};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const PARAMS_TAG: &str = "bgv.params";
const SECRET_TAG: &str = "bgv.secret-key";
const PUBLIC_TAG: &str = "bgv.public-key";
const EVALUATION_TAG: &str = "bgv.evaluation-keys";
const CIPHERTEXT_TAG: &str = "bgv.ciphertext";

pub(crate) fn polynomial(basis: &RnsBasis, rows: Vec<Vec<u64>>) -> Result<DcrtPoly, BgvError> {
    Ok(DcrtPoly::from_rows(basis.clone(), rows)?)
}

#[derive(Serialize, Deserialize)]
struct SecretKeyWire {
    params_id: [u8; 16],
    key_id: KeyId,
    coeffs: Vec<i64>,
}

#[derive(Serialize, Deserialize)]
struct PublicKeyWire {
    params_id: [u8; 16],
    key_id: KeyId,
    seed: [u8; 32],
    b: Vec<Vec<u64>>,
}

#[derive(Serialize, Deserialize)]
struct KeySwitchKeyWire {
    source: KeySource,
    /// k of the key's plaintext modulus t = 2^k.
    plaintext_bits: u32,
    seed: [u8; 32],
    b: Vec<Vec<Vec<u64>>>,
}

#[derive(Serialize, Deserialize)]
struct EvaluationKeysWire {
    params_id: [u8; 16],
    key_id: KeyId,
    keys: Vec<KeySwitchKeyWire>,
}

#[derive(Serialize, Deserialize)]
struct CiphertextWire {
    params_id: [u8; 16],
    key_id: KeyId,
    level: usize,
    /// k of the plaintext modulus t = 2^k (checked against what the chain carries).
    plaintext_bits: u32,
    /// log2 of the noise bound (-inf for the zero ciphertext).
    noise_log2: f64,
    parts: Vec<Vec<Vec<u64>>>,
}

impl Params {
    /// A sealed "bgv.params" envelope of the [`ParamsWire`]: the literal and the primes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BgvError> {
        Ok(seal(PARAMS_TAG, &self.to_wire())?)
    }

    /// Rebuilds and validates parameters (the chain must be the one the literal generates).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BgvError> {
        Params::from_wire(&open::<ParamsWire>(PARAMS_TAG, bytes)?)
    }
}

/// Ok when `coeffs` is a secret the parameters allow: phi coefficients in {-1, 0, 1} (compared
/// as values, so i64::MIN, whose absolute value wraps, is refused) with Hamming weight exactly
/// h for a weight-h key, and within 7 standard deviations of the mean 2 phi / 3 for a dense
/// ternary key (the noise bounds assume Var s = 2 phi / 3; the binomial weight leaves that
/// window with probability below 2^-35).
fn check_secret_coefficients(coeffs: &[i64], params: &Params) -> Result<(), BgvError> {
    let phi = params.phi();
    if coeffs.len() != phi {
        return Err(nit_ring::RingError::Length {
            expected: phi,
            found: coeffs.len(),
        }
        .into());
    }
    if let Some(&c) = coeffs.iter().find(|c| !(-1..=1).contains(*c)) {
        return Err(BgvError::SecretKeyNotTernary(c));
    }
    let weight = coeffs.iter().filter(|&&c| c != 0).count();
    let (min, max) = match params.hamming_weight() {
        Some(h) => (h, h),
        None => {
            let mean = 2.0 * phi as f64 / 3.0;
            let deviation = crate::noise::SCALE * (2.0 * phi as f64 / 9.0).sqrt();
            (
                ((mean - deviation).ceil() as usize).max(1),
                ((mean + deviation).floor() as usize).min(phi),
            )
        }
    };
    if !(min..=max).contains(&weight) {
        return Err(BgvError::SecretKeyWeight { weight, min, max });
    }
    Ok(())
}

impl SecretKey {
    /// A sealed "bgv.secret-key" envelope: fingerprints and the phi(m) ternary coefficients of
    /// s, unencrypted (keep the bytes secret).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BgvError> {
        Ok(seal(
            SECRET_TAG,
            &SecretKeyWire {
                params_id: self.params.fingerprint(),
                key_id: self.id,
                coeffs: self.coeffs.clone(),
            },
        )?)
    }

    /// Loads a secret key of `params`, checking that its coefficients are in {-1, 0, 1} and its
    /// Hamming weight is h (or, for a dense key, within 7 standard deviations of 2 phi / 3).
    pub fn from_bytes(bytes: &[u8], params: &Params) -> Result<Self, BgvError> {
        let wire: SecretKeyWire = open(SECRET_TAG, bytes)?;
        params.check(&wire.params_id)?;
        check_secret_coefficients(&wire.coeffs, params)?;
        let s = DcrtPoly::from_i64(params.extended_basis(params.max_level()), &wire.coeffs)?;
        Ok(SecretKey {
            params: params.clone(),
            id: wire.key_id,
            coeffs: wire.coeffs,
            s,
        })
    }
}

impl PublicKey {
    /// A sealed "bgv.public-key" envelope, compressed: b and the 32-byte seed of a.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BgvError> {
        Ok(seal(
            PUBLIC_TAG,
            &PublicKeyWire {
                params_id: self.params_id,
                key_id: self.key_id,
                seed: self.seed,
                b: self.b.rows().to_vec(),
            },
        )?)
    }

    /// Loads a public key of `params` (top level), re-expanding a from its seed and checking
    /// the residues of b.
    pub fn from_bytes(bytes: &[u8], params: &Params) -> Result<Self, BgvError> {
        let wire: PublicKeyWire = open(PUBLIC_TAG, bytes)?;
        params.check(&wire.params_id)?;
        let basis = params.ctxt_basis(params.max_level());
        Ok(PublicKey {
            params_id: wire.params_id,
            key_id: wire.key_id,
            b: polynomial(basis, wire.b)?,
            a: expand_seed(basis, wire.seed, 1).remove(0),
            seed: wire.seed,
        })
    }

    /// Bytes of the compressed form (b and a 32-byte seed).
    pub fn size_bytes(&self) -> usize {
        self.b.rows().len() * self.b.rows()[0].len() * 8 + 32
    }
}

impl EvaluationKeys {
    /// All keys of one secret key, compressed (b-parts and seeds).
    pub fn to_bytes(&self, params: &Params, key_id: KeyId) -> Result<Vec<u8>, BgvError> {
        let keys = self
            .relinearization
            .iter()
            .chain(self.automorphisms.values())
            .map(|k| {
                crate::keyswitch::check_key(k, &key_id)?;
                params.check(&k.params_id)?;
                Ok(KeySwitchKeyWire {
                    source: k.source,
                    plaintext_bits: k.t.bits(),
                    seed: k.seed,
                    b: k.b.iter().map(|p| p.rows().to_vec()).collect(),
                })
            })
            .collect::<Result<Vec<_>, BgvError>>()?;
        Ok(seal(
            EVALUATION_TAG,
            &EvaluationKeysWire {
                params_id: params.fingerprint(),
                key_id,
                keys,
            },
        )?)
    }

    /// Loads and validates keys (one plaintext modulus the chain carries for all of them);
    /// returns them with the secret-key identity they belong to.
    pub fn from_bytes(bytes: &[u8], params: &Params) -> Result<(Self, KeyId), BgvError> {
        let wire: EvaluationKeysWire = open(EVALUATION_TAG, bytes)?;
        params.check(&wire.params_id)?;
        let basis = params.extended_basis(params.max_level());
        let digits = params.digit_ranges().len();
        let mut out = EvaluationKeys::default();
        for key in wire.keys {
            if key.b.len() != digits {
                return Err(nit_ring::RingError::Length {
                    expected: digits,
                    found: key.b.len(),
                }
                .into());
            }
            let b = key
                .b
                .into_iter()
                .map(|rows| polynomial(basis, rows))
                .collect::<Result<Vec<_>, _>>()?;
            let t = params.plaintext_modulus(key.plaintext_bits)?;
            if let Some(set) = out.plaintext_modulus() {
                crate::error::check_same_modulus(set, t)?;
            }
            let loaded = Arc::new(KeySwitchKey {
                params_id: wire.params_id,
                key_id: wire.key_id,
                source: key.source,
                t,
                seed: key.seed,
                a: expand_seed(basis, key.seed, digits),
                b,
                spectra: std::sync::OnceLock::new(),
            });
            match key.source {
                KeySource::Square => out.relinearization = Some(loaded),
                KeySource::Automorphism(k) => {
                    if params.ring().unit_position(k).is_none() || k >= params.m() {
                        return Err(nit_ring::RingError::NotAUnit(k).into());
                    }
                    out.automorphisms.insert(k, loaded);
                }
            }
        }
        Ok((out, wire.key_id))
    }
}

/// Ok when the bound claimed for a trivial ciphertext (c_0, 0) covers its phase c_0:
/// ||[c_0]_Q||_can <= nu (the claim is the plaintext's norm at the top, plus what modulus and
/// key switching add below it).
fn check_trivial_bound(params: &Params, c0: &DcrtPoly, noise: NoiseBound) -> Result<(), BgvError> {
    let phase = c0.to_coeff().to_bigint_centered();
    let measured_bits = canonical_norm_log2_big(&phase, params.m());
    if measured_bits > noise.log2() + PHASE_TOLERANCE_BITS {
        return Err(BgvError::NoiseBoundExceeded {
            measured_bits,
            bound_bits: noise.log2(),
        });
    }
    Ok(())
}

impl Ciphertext {
    /// A sealed "bgv.ciphertext" envelope: fingerprints, level, log2 of the noise bound and
    /// the rows of every part.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BgvError> {
        Ok(seal(
            CIPHERTEXT_TAG,
            &CiphertextWire {
                params_id: self.params_id,
                key_id: self.key_id,
                level: self.level(),
                plaintext_bits: self.t.bits(),
                noise_log2: self.noise.log2(),
                parts: self.parts.iter().map(|p| p.rows().to_vec()).collect(),
            },
        )?)
    }

    /// Loads a ciphertext of `params`, validating its level, parts and residues, and its noise
    /// bound as far as a loader can: a number (not NaN or +inf), and no lower than any
    /// ciphertext at its level carries (a fresh encryption's at the top, B_ms below); for a
    /// trivial ciphertext (c_0, 0), whose phase is c_0, the bound is checked against c_0
    /// itself. Decryption checks the rest ([`SecretKey::decrypt`]).
    pub fn from_bytes(bytes: &[u8], params: &Params) -> Result<Self, BgvError> {
        let wire: CiphertextWire = open(CIPHERTEXT_TAG, bytes)?;
        let header = CiphertextHeader {
            params_id: wire.params_id,
            key_id: wire.key_id,
            level: wire.level,
            plaintext_bits: wire.plaintext_bits,
            noise_log2: wire.noise_log2,
        };
        let basis = header.basis(params)?;
        if !(2..=3).contains(&wire.parts.len()) {
            return Err(BgvError::NotRelinearized(wire.parts.len()));
        }
        let parts = wire
            .parts
            .into_iter()
            .map(|rows| polynomial(basis, rows))
            .collect::<Result<Vec<_>, _>>()?;
        header.ciphertext(params, parts)
    }
}

/// What a stored ciphertext states besides its parts; each field is a claim the loader checks.
#[derive(Serialize, Deserialize)]
pub(crate) struct CiphertextHeader {
    pub(crate) params_id: [u8; 16],
    pub(crate) key_id: KeyId,
    pub(crate) level: usize,
    /// k of the plaintext modulus t = 2^k (checked against what the chain carries).
    pub(crate) plaintext_bits: u32,
    /// log2 of the noise bound (-inf for the zero ciphertext).
    pub(crate) noise_log2: f64,
}

impl CiphertextHeader {
    pub(crate) fn of(ct: &Ciphertext) -> Self {
        CiphertextHeader {
            params_id: ct.params_id,
            key_id: ct.key_id,
            level: ct.level(),
            plaintext_bits: ct.t.bits(),
            noise_log2: ct.noise.log2(),
        }
    }

    /// The basis of the parts at the claimed level, once the parameters and the level
    /// (1..=L) are checked.
    pub(crate) fn basis<'a>(&self, params: &'a Params) -> Result<&'a RnsBasis, BgvError> {
        params.check(&self.params_id)?;
        if self.level == 0 || self.level > params.max_level() {
            return Err(BgvError::BadLevel {
                requested: self.level,
                max: params.max_level(),
            });
        }
        Ok(params.ctxt_basis(self.level))
    }

    /// The ciphertext of `parts` (on [`Self::basis`]), checking the plaintext modulus and the
    /// noise claim (see [`Ciphertext::from_bytes`]).
    pub(crate) fn ciphertext(
        self,
        params: &Params,
        parts: Vec<DcrtPoly>,
    ) -> Result<Ciphertext, BgvError> {
        let t = params.plaintext_modulus(self.plaintext_bits)?;
        let noise = NoiseBound::from_log2(self.noise_log2)
            .ok_or_else(|| nit_ring::RingError::Corrupt("noise bound is NaN or infinite".into()))?;
        let trivial = parts[1..]
            .iter()
            .all(|part| part.rows().iter().flatten().all(|&x| x == 0));
        if trivial {
            check_trivial_bound(params, &parts[0], noise)?;
        } else {
            let least = params.least_noise(self.level);
            if noise < least {
                return Err(BgvError::NoiseClaimTooLow {
                    claimed_bits: noise.log2(),
                    least_bits: least.log2(),
                });
            }
        }
        Ok(Ciphertext {
            params_id: self.params_id,
            key_id: self.key_id,
            parts,
            noise,
            t,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamsLiteral;
    use crate::tests::{random_plaintext, setup};
    use nit_ring::RingError;

    #[test]
    fn artifacts_round_trip() {
        let mut s = setup(ParamsLiteral::small(127, 4), &[3, 5], 70);
        let params = Params::from_bytes(&s.params.to_bytes().unwrap()).unwrap();
        assert_eq!(params.fingerprint(), s.params.fingerprint());
        let sk = SecretKey::from_bytes(&s.sk.to_bytes().unwrap(), &params).unwrap();
        let pk = s.sk.public_key(&mut s.rng).unwrap();
        let pk = PublicKey::from_bytes(&pk.to_bytes().unwrap(), &params).unwrap();
        let m = random_plaintext(&params, &mut s.rng);
        let ct = pk.encrypt(&params, &m, &mut s.rng).unwrap();
        let ct = Ciphertext::from_bytes(&ct.to_bytes().unwrap(), &params).unwrap();
        assert_eq!(sk.decrypt(&ct).unwrap(), m);
        let bytes = s.eval.keys().to_bytes(&params, s.sk.id()).unwrap();
        let (keys, id) = EvaluationKeys::from_bytes(&bytes, &params).unwrap();
        assert_eq!(id, s.sk.id());
        assert_eq!(keys.automorphism_exponents(), vec![3, 5]);
        let eval = crate::evaluator::Evaluator::new(&params, id, keys).unwrap();
        let product = eval.multiply(&ct, &ct).unwrap();
        assert_eq!(
            sk.decrypt(&product).unwrap(),
            crate::tests::model_product(&params, &m, &m)
        );
        assert!(bytes.len() < s.eval.keys().size_bytes() + 1024);
    }

    #[test]
    fn corrupt_and_mismatched_artifacts_are_typed_errors() {
        let mut s = setup(ParamsLiteral::small(127, 4), &[], 71);
        let other = ParamsLiteral::small(127, 5).build().unwrap();
        let m = random_plaintext(&s.params, &mut s.rng);
        let ct = s.sk.encrypt(&m, &mut s.rng).unwrap();
        let bytes = ct.to_bytes().unwrap();
        assert!(matches!(
            Ciphertext::from_bytes(&bytes, &other),
            Err(BgvError::ParamsMismatch { .. })
        ));
        assert!(matches!(
            Ciphertext::from_bytes(&bytes[..bytes.len() - 3], &s.params),
            Err(BgvError::Ring(RingError::Corrupt(_)))
        ));
        let mut altered = bytes.clone();
        altered[40] ^= 1;
        assert!(matches!(
            Ciphertext::from_bytes(&altered, &s.params),
            Err(BgvError::Ring(RingError::Corrupt(_)))
        ));
        assert!(matches!(
            SecretKey::from_bytes(&bytes, &s.params),
            Err(BgvError::Ring(RingError::Corrupt(_)))
        ));
        let wire = CiphertextWire {
            params_id: s.params.fingerprint(),
            key_id: s.sk.id(),
            level: 9,
            plaintext_bits: 1,
            noise_log2: 1.0,
            parts: vec![],
        };
        assert!(matches!(
            Ciphertext::from_bytes(&seal(CIPHERTEXT_TAG, &wire).unwrap(), &s.params),
            Err(BgvError::BadLevel { .. })
        ));
        let wire = CiphertextWire {
            level: 3,
            parts: vec![ct.parts[0].rows().to_vec(); 2],
            ..wire
        };
        assert!(matches!(
            Ciphertext::from_bytes(&seal(CIPHERTEXT_TAG, &wire).unwrap(), &s.params),
            Err(BgvError::Ring(RingError::Length { .. }))
        ));
        let keys = s.eval.keys().to_bytes(&s.params, s.sk.id()).unwrap();
        assert!(EvaluationKeys::from_bytes(&keys, &other).is_err());
        let stranger = crate::keys::SecretKey::generate(&s.params, &mut s.rng).unwrap();
        assert!(matches!(
            s.eval.keys().to_bytes(&s.params, stranger.id()),
            Err(BgvError::KeyMismatch { .. })
        ));
        let params_bytes = s.params.to_bytes().unwrap();
        assert!(Params::from_bytes(&params_bytes[..10]).is_err());
    }

    /// A sealed secret key with the given coefficients, for `params`.
    fn secret_key_bytes(params: &Params, coeffs: Vec<i64>) -> Vec<u8> {
        let wire = SecretKeyWire {
            params_id: params.fingerprint(),
            key_id: [7; 16],
            coeffs,
        };
        seal(SECRET_TAG, &wire).unwrap()
    }

    /// i64::MIN (whose absolute value wraps to itself, below 1) and 2 are not ternary; a weight
    /// other than h, or far from 2 phi / 3 for a dense key, is not one the parameters allow.
    #[test]
    fn secret_keys_must_be_ternary_with_an_allowed_weight() {
        let weighted = ParamsLiteral::small(127, 3)
            .with_hamming_weight(Some(40))
            .build()
            .unwrap();
        let phi = weighted.phi();
        let with_weight = |w: usize| -> Vec<i64> {
            (0..phi)
                .map(|i| if i < w { [1, -1][i % 2] } else { 0 })
                .collect()
        };
        let load = |params: &Params, coeffs: Vec<i64>| {
            SecretKey::from_bytes(&secret_key_bytes(params, coeffs), params)
        };
        assert!(load(&weighted, with_weight(40)).is_ok());
        for bad in [i64::MIN, i64::MAX, 2, -2] {
            let mut coeffs = with_weight(39);
            coeffs[100] = bad;
            assert!(
                matches!(load(&weighted, coeffs), Err(BgvError::SecretKeyNotTernary(c)) if c == bad)
            );
        }
        for w in [0, 39, 41, phi] {
            assert!(matches!(
                load(&weighted, with_weight(w)),
                Err(BgvError::SecretKeyWeight { weight, min: 40, max: 40 }) if weight == w
            ));
        }
        let dense = ParamsLiteral::small(127, 3).build().unwrap();
        assert!(load(&dense, with_weight(84)).is_ok());
        for w in [0, 1, 40, phi] {
            assert!(matches!(
                load(&dense, with_weight(w)),
                Err(BgvError::SecretKeyWeight { .. })
            ));
        }
        assert!(matches!(
            load(&dense, vec![1; phi - 1]),
            Err(BgvError::Ring(RingError::Length { .. }))
        ));
    }

    /// `ct` re-sealed after changing its wire form with `tamper` (the envelope's digest has
    /// no key: anyone can do this).
    fn resealed(ct: &Ciphertext, tamper: impl FnOnce(&mut CiphertextWire)) -> Vec<u8> {
        let mut wire: CiphertextWire = open(CIPHERTEXT_TAG, &ct.to_bytes().unwrap()).unwrap();
        tamper(&mut wire);
        seal(CIPHERTEXT_TAG, &wire).unwrap()
    }

    /// Noise claims that are not numbers, or lower than a fresh encryption's bound (or a
    /// modulus switch's, the lower of the two, below the top), are refused by the loader;
    /// honest bounds load (also a fresh encryption made below the top).
    #[test]
    fn loader_refuses_impossible_noise_claims() {
        let mut s = setup(ParamsLiteral::small(127, 4), &[], 72);
        let m = random_plaintext(&s.params, &mut s.rng);
        let fresh = s.sk.encrypt(&m, &mut s.rng).unwrap();
        let low = s.eval.mod_switch_to(&fresh, 2).unwrap();
        let fresh_low = s.sk.encrypt_at(&m, 2, &mut s.rng).unwrap();
        for ct in [&fresh, &low, &fresh_low] {
            let honest = Ciphertext::from_bytes(&ct.to_bytes().unwrap(), &s.params).unwrap();
            assert_eq!(honest.noise_bound(), ct.noise_bound());
            assert_eq!(s.sk.decrypt(&honest).unwrap(), m);
            let least = s.params.least_noise(ct.level()).log2();
            for claim in [0.0, least - 0.5, f64::NEG_INFINITY] {
                let bytes = resealed(ct, |w| w.noise_log2 = claim);
                assert!(
                    matches!(
                        Ciphertext::from_bytes(&bytes, &s.params),
                        Err(BgvError::NoiseClaimTooLow { .. })
                    ),
                    "claim 2^{claim}"
                );
            }
            for claim in [f64::NAN, f64::INFINITY] {
                let bytes = resealed(ct, |w| w.noise_log2 = claim);
                assert!(matches!(
                    Ciphertext::from_bytes(&bytes, &s.params),
                    Err(BgvError::Ring(RingError::Corrupt(_)))
                ));
            }
        }
        // A trivial ciphertext (c_0, 0) may carry less, but no less than its own c_0.
        let trivial = s.eval.trivial(&m).unwrap();
        let bytes = trivial.to_bytes().unwrap();
        assert_eq!(
            s.sk.decrypt(&Ciphertext::from_bytes(&bytes, &s.params).unwrap())
                .unwrap(),
            m
        );
        let bytes = resealed(&trivial, |w| w.noise_log2 = f64::NEG_INFINITY);
        assert!(matches!(
            Ciphertext::from_bytes(&bytes, &s.params),
            Err(BgvError::NoiseBoundExceeded { .. })
        ));
        let zero = s.eval.sub(&fresh, &fresh).unwrap();
        let bytes = resealed(&zero, |w| w.noise_log2 = f64::NEG_INFINITY);
        let zero = Ciphertext::from_bytes(&bytes, &s.params).unwrap();
        assert!(s
            .sk
            .decrypt(&zero)
            .unwrap()
            .coeffs()
            .iter()
            .all(|&c| c == 0));
    }

    /// A lowered bound that passes the loader, a ciphertext relabelled to another key, and a
    /// secret key relabelled to the ciphertext's key each end in `NoiseBoundExceeded`, never in
    /// a plaintext (they decrypted to garbage before).
    #[test]
    fn tampered_ciphertexts_and_keys_fail_decryption_with_a_typed_error() {
        let mut s = setup(ParamsLiteral::small(127, 4), &[], 73);
        let m = random_plaintext(&s.params, &mut s.rng);
        let fresh = s.sk.encrypt(&m, &mut s.rng).unwrap();
        // Plaintext products at the lowest level until the budget runs out: a genuinely
        // noisy ciphertext, which a lowered bound would let the evaluator carry on with.
        let mask = random_plaintext(&s.params, &mut s.rng);
        let mut deep = s.eval.mod_switch_to(&fresh, 1).unwrap();
        while let Ok(next) = s.eval.mul_plain(&deep, &mask) {
            deep = next;
        }
        assert!(s.sk.decrypt(&deep).is_ok());
        println!(
            "deep: level {}, bound 2^{:.1}, measured 2^{:.1}",
            deep.level(),
            deep.noise_bound().log2(),
            s.sk.measure_coefficient_noise(&deep).unwrap().log2()
        );
        let least = s.params.least_noise(deep.level()).log2();
        let lowered = resealed(&deep, |w| w.noise_log2 = least);
        let lowered = Ciphertext::from_bytes(&lowered, &s.params).unwrap();
        assert!(matches!(
            s.sk.decrypt(&lowered),
            Err(BgvError::NoiseBoundExceeded { .. })
        ));
        let stranger = SecretKey::generate(&s.params, &mut s.rng).unwrap();
        let low = s.eval.mod_switch_to(&fresh, 2).unwrap();
        for ct in [&fresh, &low] {
            let relabelled = resealed(ct, |w| w.key_id = stranger.id());
            let relabelled = Ciphertext::from_bytes(&relabelled, &s.params).unwrap();
            match stranger.decrypt(&relabelled) {
                Err(BgvError::NoiseBoundExceeded {
                    measured_bits,
                    bound_bits,
                }) => {
                    println!("wrong key: phase 2^{measured_bits:.1}, bound 2^{bound_bits:.1}");
                    assert!(measured_bits > bound_bits + 20.0);
                }
                other => panic!("relabelled ciphertext decrypted: {other:?}"),
            }
        }
        let impostor = SecretKeyWire {
            params_id: s.params.fingerprint(),
            key_id: s.sk.id(),
            coeffs: stranger.coeffs.clone(),
        };
        let impostor =
            SecretKey::from_bytes(&seal(SECRET_TAG, &impostor).unwrap(), &s.params).unwrap();
        assert!(matches!(
            impostor.decrypt(&fresh),
            Err(BgvError::NoiseBoundExceeded { .. })
        ));
        assert!(matches!(
            stranger.decrypt(&fresh),
            Err(BgvError::KeyMismatch { .. })
        ));
    }
}
