//! The public material recryption needs, made by the owner of the secret key s:
//! - BK = Enc_s(s) mod 2^e at the top of the chain (the inner product c_0' + c_1' BK turns a
//!   ciphertext switched to the modulus 2^e back into an encryption of c_0' + c_1' s mod 2^e);
//! - at t = 2: the automorphism keys of SlotsToCoeffs (no relinearization: nothing is
//!   multiplied at t = 2);
//! - at t = 2^e: relinearization and the automorphism keys of CoeffsToSlots and the trace;
//! - at t = 2^k, 2 <= k < e: relinearization, for digit extraction's products at each
//!   precision.
//!
//! Every key set is made for its own t (a key with noise term t e serves only ciphertexts mod
//! t), so a missing or mismatched set is a typed error of the evaluator, never a corrupted
//! result.
//!
//! Serialized in nit-ring's checked envelope (tag "bootstrap.key"), each part in its own
//! nit-bgv envelope; loading checks e, the parameters, one key id throughout, the plaintext
//! modulus of every set and of BK.

use crate::coeffs_to_slots::CoeffsToSlots;
use crate::digit_extraction::DigitExtraction;
use crate::error::BootstrapError;
use crate::slots_to_coeffs::SlotsToCoeffs;
use crate::thin_structure::ThinStructure;
use nit_bgv::{Ciphertext, EvaluationKeys, KeyId, Params, SecretKey};
use nit_ring::sample::SecureRng;
use nit_ring::serial::{open, seal};
use serde::{Deserialize, Serialize};

const KEY_TAG: &str = "bootstrap.key";

#[derive(Serialize, Deserialize)]
struct BootstrappingKeyWire {
    e: u32,
    /// BK in its own "bgv.ciphertext" envelope.
    encrypted_key: Vec<u8>,
    /// Each set in its own "bgv.evaluation-keys" envelope, t = 2 first.
    key_sets: Vec<Vec<u8>>,
}

/// Enc_s(s) mod 2^e and the key sets of every plaintext modulus recryption computes at.
#[derive(Clone, Debug)]
pub struct BootstrappingKey {
    params: Params,
    e: u32,
    key_id: KeyId,
    encrypted_key: Ciphertext,
    /// One set per plaintext modulus: 2 first, then 2^2 .. 2^e.
    key_sets: Vec<EvaluationKeys>,
}

/// The automorphism exponents a map's keyed terms use.
fn exponents(keys: Vec<u64>) -> Vec<usize> {
    keys.into_iter().map(|h| h as usize).collect()
}

impl BootstrappingKey {
    /// The material for recryption with plaintext bits e (the switch to 2^e keeps the bit in
    /// the top digit; e - 1 digits are removed afterwards), from the secure generator `rng`.
    pub fn generate(sk: &SecretKey, e: u32, rng: &mut SecureRng) -> Result<Self, BootstrapError> {
        let params = sk.params();
        let t_e = params.plaintext_modulus(e)?;
        let structure = ThinStructure::new(params.slots()?)?;
        let stoc = SlotsToCoeffs::new(&structure, 1)?;
        let ctos = CoeffsToSlots::new(&structure, e)?;
        let mut key_sets = vec![EvaluationKeys::generate(
            sk,
            false,
            &exponents(stoc.map().key_exponents()),
            rng,
        )?];
        for bits in 2..e {
            let t = params.plaintext_modulus(bits)?;
            key_sets.push(EvaluationKeys::generate_for(sk, t, true, &[], rng)?);
        }
        key_sets.push(EvaluationKeys::generate_for(
            sk,
            t_e,
            true,
            &exponents(ctos.map().key_exponents()),
            rng,
        )?);
        Ok(BootstrappingKey {
            params: params.clone(),
            e,
            key_id: sk.id(),
            encrypted_key: sk.encrypt_own_key(t_e, rng)?,
            key_sets,
        })
    }

    /// The bits e of the plaintext modulus 2^e the ciphertext is switched to.
    pub fn e(&self) -> u32 {
        self.e
    }

    /// The secret key this material belongs to.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// BK = Enc_s(s) mod 2^e.
    pub fn encrypted_key(&self) -> &Ciphertext {
        &self.encrypted_key
    }

    /// The key sets, one per plaintext modulus (2, then 2^2 .. 2^e).
    pub fn key_sets(&self) -> &[EvaluationKeys] {
        &self.key_sets
    }

    /// A sealed "bootstrap.key" envelope (keys compressed to their b-parts and seeds).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BootstrapError> {
        let params = &self.params;
        let wire = BootstrappingKeyWire {
            e: self.e,
            encrypted_key: self.encrypted_key.to_bytes()?,
            key_sets: self
                .key_sets
                .iter()
                .map(|set| set.to_bytes(params, self.key_id))
                .collect::<Result<_, _>>()?,
        };
        Ok(seal(KEY_TAG, &wire)?)
    }

    /// Loads and checks a bootstrapping key for `params`: e >= 2 that digit extraction supports and the
    /// chain carries, BK mod 2^e, sets for t = 2, 2^2, .., 2^e in that order, one key id throughout.
    pub fn from_bytes(bytes: &[u8], params: &Params) -> Result<Self, BootstrapError> {
        let wire: BootstrappingKeyWire = open(KEY_TAG, bytes)?;
        let e = wire.e;
        if e < 2 {
            return Err(BootstrapError::PlaintextModulusBits(e));
        }
        DigitExtraction::recryption(e)?;
        let t_e = params.plaintext_modulus(e)?;
        let encrypted_key = Ciphertext::from_bytes(&wire.encrypted_key, params)?;
        if encrypted_key.plaintext_modulus() != t_e {
            return Err(BootstrapError::PlaintextModulusMismatch {
                left: encrypted_key.plaintext_modulus().bits(),
                right: e,
            });
        }
        let key_id = encrypted_key.key_id();
        if wire.key_sets.len() != e as usize {
            return Err(BootstrapError::MissingKeys(
                "some plaintext modulus 2^k, k <= e",
            ));
        }
        let key_sets = wire
            .key_sets
            .iter()
            .zip(1..)
            .map(|(bytes, bits)| {
                let (set, id) = EvaluationKeys::from_bytes(bytes, params)?;
                if id != key_id {
                    return Err(BootstrapError::ForeignKeySet(bits));
                }
                if set.plaintext_modulus() != Some(params.plaintext_modulus(bits)?) {
                    return Err(BootstrapError::MissingKeys(
                        "a plaintext modulus 2^k, k <= e",
                    ));
                }
                Ok(set)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BootstrappingKey {
            params: params.clone(),
            e,
            key_id,
            encrypted_key,
            key_sets,
        })
    }

    /// Bytes of residues held: every key and BK.
    pub fn size_bytes(&self) -> usize {
        self.key_sets
            .iter()
            .map(EvaluationKeys::size_bytes)
            .sum::<usize>()
            + self.encrypted_key.size_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recryption::Bootstrapper;
    use nit_bgv::ParamsLiteral;
    use nit_ring::sample::seeded_rng;

    fn params() -> Params {
        ParamsLiteral::small(255, 16)
            .with_hamming_weight(Some(64))
            .build()
            .unwrap()
    }

    fn reseal(e: u32, encrypted_key: &Ciphertext, sets: Vec<Vec<u8>>) -> Vec<u8> {
        let wire = BootstrappingKeyWire {
            e,
            encrypted_key: encrypted_key.to_bytes().unwrap(),
            key_sets: sets,
        };
        seal(KEY_TAG, &wire).unwrap()
    }

    fn set_bytes(key: &BootstrappingKey) -> Vec<Vec<u8>> {
        key.key_sets
            .iter()
            .map(|set| set.to_bytes(&key.params, key.key_id).unwrap())
            .collect()
    }

    /// Files mixing two secret keys, missing a set, or with BK of another modulus are refused
    /// by name; a key whose CoeffsToSlots set is empty is refused by the bootstrapper.
    #[test]
    fn mixed_incomplete_and_mismatched_keys_are_typed_errors() {
        let params = params();
        let mut rng = seeded_rng(311);
        let sk = SecretKey::generate(&params, &mut rng).unwrap();
        let other = SecretKey::generate(&params, &mut rng).unwrap();
        let key = BootstrappingKey::generate(&sk, 6, &mut rng).unwrap();
        let foreign = BootstrappingKey::generate(&other, 6, &mut rng).unwrap();

        let mut mixed = set_bytes(&key);
        mixed[2] = set_bytes(&foreign)[2].clone();
        assert_eq!(
            BootstrappingKey::from_bytes(&reseal(6, &key.encrypted_key, mixed), &params).err(),
            Some(BootstrapError::ForeignKeySet(3))
        );

        let mut short = set_bytes(&key);
        short.pop();
        assert!(matches!(
            BootstrappingKey::from_bytes(&reseal(6, &key.encrypted_key, short), &params),
            Err(BootstrapError::MissingKeys(_))
        ));

        let mut swapped = set_bytes(&key);
        swapped.swap(1, 2);
        assert!(matches!(
            BootstrappingKey::from_bytes(&reseal(6, &key.encrypted_key, swapped), &params),
            Err(BootstrapError::MissingKeys(_))
        ));

        let five = BootstrappingKey::generate(&sk, 5, &mut rng).unwrap();
        assert_eq!(
            BootstrappingKey::from_bytes(&reseal(6, &five.encrypted_key, set_bytes(&key)), &params)
                .err(),
            Some(BootstrapError::PlaintextModulusMismatch { left: 5, right: 6 })
        );
        assert_eq!(
            BootstrappingKey::from_bytes(&reseal(1, &key.encrypted_key, Vec::new()), &params).err(),
            Some(BootstrapError::PlaintextModulusBits(1))
        );

        let mut incomplete = key.clone();
        let last = incomplete.key_sets.len() - 1;
        let t = params.plaintext_modulus(6).unwrap();
        incomplete.key_sets[last] =
            EvaluationKeys::generate_for(&sk, t, true, &[], &mut rng).unwrap();
        assert!(matches!(
            Bootstrapper::new(&params, incomplete),
            Err(BootstrapError::MissingKey { bits: 6, .. })
        ));
    }
}
