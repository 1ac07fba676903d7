//! The boolean SIMD API: ciphertexts whose l slots hold bits (plaintext modulus 2).
//!
//! Slot-wise xor is addition (no depth), not adds the constant 1 (the constant polynomial 1
//! has 1 in every slot; no depth), and is a product (one level of AND-depth), and/xor with a
//! public mask are plaintext products/sums (no AND-depth; noise times ||mask||_can), rotations
//! are automorphisms (no depth; key-switching noise), select(c, a, b) = b xor (c and (a xor b))
//! costs one AND.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::keys::{PublicKey, SecretKey};
use crate::noise::NoiseBound;
use crate::params::Params;
use nit_ring::sample::SecureRng;
use nit_ring::DcrtPoly;

fn encode(params: &Params, bits: &[bool]) -> Result<Plaintext, BgvError> {
    Plaintext::new(params, params.slots()?.encode_bits(bits)?)
}

impl SecretKey {
    /// [`Self::encrypt_bits`] with c_1 expanded from a fresh 32-byte seed, returned with the
    /// ciphertext: [`Ciphertext::to_seeded_bytes`] stores it in half the bytes.
    pub fn encrypt_bits_seeded(
        &self,
        bits: &[bool],
        rng: &mut SecureRng,
    ) -> Result<(Ciphertext, [u8; 32]), BgvError> {
        self.encrypt_seeded(&encode(&self.params, bits)?, rng)
    }

    /// [`Self::encrypt_bits_seeded`] at `level` primes ([`Self::encrypt_seeded_at`]).
    pub fn encrypt_bits_seeded_at(
        &self,
        bits: &[bool],
        level: usize,
        rng: &mut SecureRng,
    ) -> Result<(Ciphertext, [u8; 32]), BgvError> {
        self.encrypt_seeded_at(&encode(&self.params, bits)?, level, rng)
    }

    /// Encrypts one bit per slot (symmetric).
    pub fn encrypt_bits(&self, bits: &[bool], rng: &mut SecureRng) -> Result<Ciphertext, BgvError> {
        self.encrypt(&encode(&self.params, bits)?, rng)
    }

    /// Decrypts to one bit per slot.
    pub fn decrypt_bits(&self, ct: &Ciphertext) -> Result<Vec<bool>, BgvError> {
        ct.check_modulus(self.params.default_plaintext_modulus())?;
        let p = self.decrypt(ct)?;
        Ok(self.params.slots()?.decode_bits(p.coeffs())?)
    }
}

impl PublicKey {
    /// Encrypts one bit per slot with the public key.
    pub fn encrypt_bits(
        &self,
        params: &Params,
        bits: &[bool],
        rng: &mut SecureRng,
    ) -> Result<Ciphertext, BgvError> {
        self.encrypt(params, &encode(params, bits)?, rng)
    }
}

impl Evaluator {
    /// The noiseless trivial encryption (p, 0) of a public plaintext, at the top level.
    pub fn trivial(&self, p: &Plaintext) -> Result<Ciphertext, BgvError> {
        let params = self.params();
        let basis = params.ctxt_basis(params.max_level());
        let c0 = DcrtPoly::from_i64(basis, &p.centered())?;
        Ok(Ciphertext {
            t: p.plaintext_modulus(),
            params_id: params.fingerprint(),
            key_id: self.key_id(),
            parts: vec![c0, DcrtPoly::zero(basis)],
            noise: NoiseBound::of(p.canonical_norm(params)).at_least_one(),
        })
    }

    /// The same bit in every slot.
    pub fn constant_bits(&self, bit: bool) -> Result<Ciphertext, BgvError> {
        self.trivial(&Plaintext::constant(self.params(), bit as u64))
    }

    /// a xor b slot-wise: the sum a + b (t = 2); no AND-depth.
    pub fn xor(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.add(a, b)
    }

    /// a and b slot-wise: the relinearized product a * b; one level of AND-depth.
    pub fn and(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.multiply(a, b)
    }

    /// not a slot-wise: a + 1 (the constant 1 has 1 in every slot); no AND-depth.
    pub fn not(&self, a: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.add_plain(a, &Plaintext::constant(self.params(), 1))
    }

    /// c ? a : b slot-wise, one AND.
    pub fn select(
        &self,
        c: &Ciphertext,
        a: &Ciphertext,
        b: &Ciphertext,
    ) -> Result<Ciphertext, BgvError> {
        self.xor(b, &self.and(c, &self.xor(a, b)?)?)
    }
}
