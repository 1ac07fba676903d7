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

use crate::coeffs_to_slots::CoeffsToSlots;
use crate::error::BootstrapError;
use crate::slots_to_coeffs::SlotsToCoeffs;
use crate::thin_structure::ThinStructure;
use nit_bgv::{Ciphertext, EvaluationKeys, KeyId, SecretKey};
use nit_ring::sample::SecureRng;

/// Enc_s(s) mod 2^e and the key sets of every plaintext modulus recryption computes at.
#[derive(Clone, Debug)]
pub struct BootstrappingKey {
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

    /// Bytes of residues held: every key and BK.
    pub fn size_bytes(&self) -> usize {
        self.key_sets
            .iter()
            .map(EvaluationKeys::size_bytes)
            .sum::<usize>()
            + self.encrypted_key.size_bytes()
    }
}
