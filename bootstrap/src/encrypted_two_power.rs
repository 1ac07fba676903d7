//! [`TwoPowerArithmetic`] on BGV ciphertexts: a value is a ciphertext whose plaintext modulus
//! 2^t is its own (`nit_bgv::PlaintextModulus`), so digit extraction runs encrypted exactly as
//! on the native model. Sums, differences and products need one t (the evaluator's
//! `PlaintextModulusMismatch`), products the evaluator's keys for that t
//! (`Evaluator::with_keys_for`); division and multiplication by 2^k change t (`two_power` in
//! nit-bgv).

use crate::error::BootstrapError;
use crate::two_power_arithmetic::TwoPowerArithmetic;
use nit_bgv::{Ciphertext, Evaluator};

/// Ciphertexts as elements of Z_(2^t), computed on by `evaluator`.
#[derive(Clone, Copy, Debug)]
pub struct EncryptedTwoPower<'a> {
    evaluator: &'a Evaluator,
}

impl<'a> EncryptedTwoPower<'a> {
    /// The arithmetic of `evaluator` (with key sets for every t the circuit multiplies at).
    pub fn new(evaluator: &'a Evaluator) -> Self {
        EncryptedTwoPower { evaluator }
    }
}

impl TwoPowerArithmetic for EncryptedTwoPower<'_> {
    type Value = Ciphertext;
    type Error = BootstrapError;

    fn modulus_bits(&self, x: &Ciphertext) -> u32 {
        x.plaintext_modulus().bits()
    }

    fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.add(a, b)?)
    }

    fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.sub(a, b)?)
    }

    fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.multiply(a, b)?)
    }

    fn square(&self, a: &Ciphertext) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.square(a)?)
    }

    fn mul_constant(&self, a: &Ciphertext, c: u64) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.mul_constant(a, c)?)
    }

    fn divide_by_two_power(&self, a: &Ciphertext, k: u32) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.divide_by_two_power(a, k)?)
    }

    fn multiply_by_two_power(&self, a: &Ciphertext, k: u32) -> Result<Ciphertext, BootstrapError> {
        Ok(self.evaluator.multiply_by_two_power(a, k)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digit_extraction::DigitExtraction;
    use crate::two_power_arithmetic::{IntegersModTwoPower, Residue};
    use nit_bgv::{EvaluationKeys, ParamsLiteral, Plaintext, SecretKey};
    use nit_ring::sample::seeded_rng;
    use nit_ring::slots::SlotRing;
    use rand::Rng;

    /// Recryption's digit extraction (keep the top bit of z mod 2^e) on encrypted thin slot
    /// values equals the native model slot by slot, and the divisions lead down to t = 2.
    #[test]
    fn encrypted_digit_extraction_matches_the_native_model() {
        const M: usize = 127;
        const E: u32 = 5;
        let params = ParamsLiteral::small(M, 12).build().unwrap();
        let mut rng = seeded_rng(151);
        println!("seed 151, m = {M}, e = {E}");
        let sk = SecretKey::generate(&params, &mut rng).unwrap();
        let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).unwrap();
        let mut evaluator = Evaluator::new(&params, sk.id(), keys).unwrap();
        for bits in 2..=E {
            let t = params.plaintext_modulus(bits).unwrap();
            let keys = EvaluationKeys::generate_for(&sk, t, true, &[], &mut rng).unwrap();
            evaluator = evaluator.with_keys_for(keys).unwrap();
        }
        let slots = SlotRing::new(M, E).unwrap();
        let z: Vec<u64> = (0..slots.slots())
            .map(|_| rng.gen_range(0..1 << E))
            .collect();
        let t = params.plaintext_modulus(E).unwrap();
        let plaintext = Plaintext::with_modulus(&params, t, slots.encode_thin(&z).unwrap());
        let ct = sk.encrypt(&plaintext.unwrap(), &mut rng).unwrap();
        let extraction = DigitExtraction::recryption(E).unwrap();
        let out = extraction
            .extract(&EncryptedTwoPower::new(&evaluator), &ct)
            .unwrap();
        assert_eq!(out.plaintext_modulus().bits(), 1);
        let measured = sk.measure_noise(&out).unwrap().log2();
        println!(
            "level {} of 12, noise 2^{measured:.1} <= 2^{:.1}",
            out.level(),
            out.noise_bound().log2()
        );
        assert!(measured <= out.noise_bound().log2());
        let decrypted = sk.decrypt(&out).unwrap();
        let got = SlotRing::new(M, 1)
            .unwrap()
            .decode_thin(decrypted.coeffs())
            .unwrap();
        for (slot, (&x, &bit)) in z.iter().zip(&got).enumerate() {
            let model = extraction
                .extract(&IntegersModTwoPower, &Residue::new(x, E).unwrap())
                .unwrap();
            assert_eq!(bit, model.value(), "slot {slot}: z = {x}");
            assert_eq!(bit, x >> (E - 1));
        }
    }
}
