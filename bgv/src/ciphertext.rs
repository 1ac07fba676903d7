//! Plaintexts and ciphertexts.
//!
//! A plaintext is a polynomial of degree < phi with coefficients in [0, t). A ciphertext at
//! level l is (c_0, c_1) (or (c_0, c_1, c_2) between a product and its relinearization) mod
//! Q_l = q_0 .. q_{l-1} with  [c_0 + c_1 s (+ c_2 s^2)]_{Q_l} = m + t e  (the BGV invariant;
//! every prime is = 1 mod t, so no scaling factor is carried). Both carry their own t = 2^k
//! (`PlaintextModulus`, the parameters' 2^r unless made otherwise); operands of one operation
//! must agree on it. `noise` is a high-probability
//! bound on ||m + t e||_can, held as its logarithm (`NoiseBound`); decryption is correct while
//! norm_factor * noise < Q_l / 2.

use crate::error::{check_key_id, check_same_modulus, BgvError};
use crate::keys::KeyId;
use crate::noise::NoiseBound;
use crate::params::Params;
use crate::plaintext_modulus::PlaintextModulus;
use nit_ring::DcrtPoly;

/// A plaintext polynomial: phi(m) coefficients in [0, t).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plaintext {
    coeffs: Vec<u64>,
    t: PlaintextModulus,
}

impl Plaintext {
    /// A plaintext mod the parameters' t = 2^r: phi(m) coefficients (else
    /// [`BgvError::PlaintextLength`]), each in [0, t) (else [`BgvError::PlaintextRange`]).
    pub fn new(params: &Params, coeffs: Vec<u64>) -> Result<Self, BgvError> {
        Self::with_modulus(params, params.default_plaintext_modulus(), coeffs)
    }

    /// A plaintext mod t (which the chain must carry).
    pub fn with_modulus(
        params: &Params,
        t: PlaintextModulus,
        coeffs: Vec<u64>,
    ) -> Result<Self, BgvError> {
        params.check_plaintext_modulus(t)?;
        if coeffs.len() != params.phi() {
            return Err(BgvError::PlaintextLength {
                expected: params.phi(),
                found: coeffs.len(),
            });
        }
        if let Some(&value) = coeffs.iter().find(|&&c| c >= t.value()) {
            return Err(BgvError::PlaintextRange {
                value,
                t: t.value(),
            });
        }
        Ok(Plaintext { coeffs, t })
    }

    /// The constant polynomial c mod the parameters' t.
    pub fn constant(params: &Params, c: u64) -> Self {
        let t = params.default_plaintext_modulus();
        let mut coeffs = vec![0; params.phi()];
        coeffs[0] = t.reduce(c);
        Plaintext { coeffs, t }
    }

    /// The plaintext's modulus t.
    pub fn plaintext_modulus(&self) -> PlaintextModulus {
        self.t
    }

    /// The phi(m) coefficients, each in [0, t), low degree first.
    pub fn coeffs(&self) -> &[u64] {
        &self.coeffs
    }

    /// Coefficients centered in (-t/2, t/2] for the plaintext's own t, the small
    /// representative used in products.
    pub fn centered(&self) -> Vec<i64> {
        self.coeffs.iter().map(|&c| self.t.centered(c)).collect()
    }

    /// ||p||_can of the centered representative.
    pub fn canonical_norm(&self, params: &Params) -> f64 {
        let reals: Vec<f64> = self.centered().iter().map(|&c| c as f64).collect();
        crate::noise::canonical_norm(&reals, params.m())
    }
}

/// A BGV ciphertext, stamped with its parameters and secret key.
#[derive(Clone, Debug)]
pub struct Ciphertext {
    pub(crate) params_id: [u8; 16],
    pub(crate) key_id: KeyId,
    pub(crate) parts: Vec<DcrtPoly>,
    pub(crate) noise: NoiseBound,
    pub(crate) t: PlaintextModulus,
}

impl Ciphertext {
    /// The plaintext modulus t this ciphertext encrypts modulo.
    pub fn plaintext_modulus(&self) -> PlaintextModulus {
        self.t
    }

    /// Ok when `other` has the same plaintext modulus (`PlaintextModulusMismatch` otherwise).
    pub(crate) fn check_modulus(&self, other: PlaintextModulus) -> Result<(), BgvError> {
        check_same_modulus(self.t, other)
    }

    /// Number of ciphertext primes in use.
    pub fn level(&self) -> usize {
        self.parts[0].basis().len()
    }

    /// 2 after relinearization, 3 right after a product.
    pub fn size(&self) -> usize {
        self.parts.len()
    }

    /// The noise bound (on the canonical norm of m + t e).
    pub fn noise_bound(&self) -> NoiseBound {
        self.noise
    }

    /// Fingerprint of the secret key the ciphertext decrypts under.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Fingerprint of the parameters the ciphertext belongs to ([`Params::fingerprint`]).
    pub fn params_id(&self) -> [u8; 16] {
        self.params_id
    }

    /// (c_0, c_1) or (c_0, c_1, c_2) in evaluation form mod Q_l, l = [`Ciphertext::level`].
    pub fn parts(&self) -> &[DcrtPoly] {
        &self.parts
    }

    /// Bits left before decryption fails: log2(Q_l / 2) - log2(norm_factor * noise).
    pub fn capacity(&self, params: &Params) -> f64 {
        // The bound covers m + t e whatever t is: the capacity does not depend on t.
        params.capacity_at(self.level(), self.noise)
    }

    /// Size in bytes of the residues.
    pub fn size_bytes(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.rows().len() * p.rows()[0].len() * 8)
            .sum()
    }

    pub(crate) fn check_key(&self, key: &KeyId) -> Result<(), BgvError> {
        check_key_id(&self.key_id, key)
    }
}
