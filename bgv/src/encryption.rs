//! Encryption (with the public or the secret key), decryption, and noise measurement.
//!
//! Public key: c = (v b + t e_0 + m, v a + t e_1) with v dense ternary, e_i Gaussian.
//! Secret key: c = (-a s + t e + m, a) with a uniform.
//! The t is the plaintext's own (`Plaintext::plaintext_modulus`), and the ciphertext carries
//! it; the public key's noise term is t e for the parameters' t, so public-key encryption
//! takes plaintexts of that t only (`KeyPlaintextModulusMismatch` otherwise).
//! Decryption: x = [c_0 + c_1 s (+ c_2 s^2)]_{Q_l} centered, m = x mod t; the measured noise is
//! ||x||_can.
//!
//! The noise bound a ciphertext carries is a claim (an artifact can be re-sealed with a lower
//! one, or a ciphertext relabelled to another key), so decryption checks the phase against it:
//! an honest x has ||x||_inf <= norm_factor ||x||_can <= norm_factor * max(nu, 1) (the bound
//! holds with probability above 1 - 2^-40), and that is below Q_l / 2 whenever the capacity
//! is not negative. A phase beyond this is `NoiseBoundExceeded`, never a plaintext: under a
//! wrong key x is uniform mod Q_l (2^49 at one 50-bit prime, against 2^12.9 for a fresh `toy`
//! ciphertext under the right one).

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::keys::{PublicKey, SecretKey};
use crate::modswitch::{lowest_safe_level, mod_switch};
use crate::noise::canonical_norm_big;
use crate::noise::NoiseBound;
use crate::params::Params;
use crate::plaintext_modulus::PlaintextModulus;
use nit_ring::sample::{discrete_gaussian, ternary_dense, SecureRng, ERROR_STD_DEV};
use nit_ring::DcrtPoly;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

/// Capacity kept when decryption switches a ciphertext down first.
const DECRYPTION_MARGIN_BITS: f64 = 8.0;

/// How far (in bits) a phase may pass norm_factor * nu before it is refused: room for the
/// rounding of the tabulated norm factors, nothing an attack can use.
pub(crate) const PHASE_TOLERANCE_BITS: f64 = 0.01;

/// log2 |x| (-inf for 0) for an integer of any size (an f64 overflows past 2^1024).
fn log2_magnitude(x: &BigInt) -> f64 {
    let bits = x.bits();
    if bits == 0 {
        return f64::NEG_INFINITY;
    }
    let shift = bits.saturating_sub(64);
    let top = (x.magnitude() >> shift).to_f64().unwrap_or(f64::MAX);
    top.log2() + shift as f64
}

/// Ok when the phase x (centered coefficients) of a ciphertext at `level` with noise bound
/// `noise` satisfies ||x||_inf <= min(norm_factor * max(nu, 1), Q_l / 2), what an honest bound
/// promises (see the module docs); `NoiseBoundExceeded` otherwise.
pub(crate) fn check_phase(
    params: &Params,
    level: usize,
    noise: NoiseBound,
    phase: &[BigInt],
) -> Result<(), BgvError> {
    let measured_bits = phase
        .iter()
        .map(log2_magnitude)
        .fold(f64::NEG_INFINITY, f64::max);
    let bound_bits =
        (params.norm_factor().log2() + noise.at_least_one().log2()).min(params.log2_q(level) - 1.0);
    if measured_bits > bound_bits + PHASE_TOLERANCE_BITS {
        return Err(BgvError::NoiseBoundExceeded {
            measured_bits,
            bound_bits,
        });
    }
    Ok(())
}

fn scaled_error(
    params: &Params,
    t: PlaintextModulus,
    level: usize,
    rng: &mut SecureRng,
) -> Result<DcrtPoly, BgvError> {
    let t = t.value() as i64;
    let e: Vec<i64> = discrete_gaussian(params.phi(), ERROR_STD_DEV, rng)
        .into_iter()
        .map(|x| x * t)
        .collect();
    Ok(DcrtPoly::from_i64(params.ctxt_basis(level), &e)?)
}

fn plaintext_poly(params: &Params, level: usize, m: &Plaintext) -> Result<DcrtPoly, BgvError> {
    params.check_plaintext_modulus(m.plaintext_modulus())?;
    Ok(DcrtPoly::from_i64(params.ctxt_basis(level), &m.centered())?)
}

impl PublicKey {
    /// Encrypts at the top level with fresh randomness from `rng`.
    pub fn encrypt(
        &self,
        params: &Params,
        m: &Plaintext,
        rng: &mut SecureRng,
    ) -> Result<Ciphertext, BgvError> {
        params.check(&self.params_id)?;
        let t = params.default_plaintext_modulus();
        if m.plaintext_modulus() != t {
            return Err(BgvError::KeyPlaintextModulusMismatch {
                key: t.bits(),
                ciphertext: m.plaintext_modulus().bits(),
            });
        }
        let level = params.max_level();
        let basis = params.ctxt_basis(level);
        let v = DcrtPoly::from_i64(basis, &ternary_dense(params.phi(), rng))?;
        let mut c0 = self.b.mul(&v)?;
        c0.add_assign(&scaled_error(params, t, level, rng)?)?;
        c0.add_assign(&plaintext_poly(params, level, m)?)?;
        let mut c1 = self.a.mul(&v)?;
        c1.add_assign(&scaled_error(params, t, level, rng)?)?;
        Ok(Ciphertext {
            t,
            params_id: params.fingerprint(),
            key_id: self.key_id,
            parts: vec![c0, c1],
            noise: params.fresh_noise_public_for(t),
        })
    }
}

impl SecretKey {
    /// Symmetric encryption at the top level (smaller noise than the public key's), mod the
    /// plaintext's own t.
    pub fn encrypt(&self, m: &Plaintext, rng: &mut SecureRng) -> Result<Ciphertext, BgvError> {
        self.encrypt_at(m, self.params.max_level(), rng)
    }

    /// Symmetric encryption at `level` (1 <= level <= max_level, `BadLevel` otherwise): the
    /// ciphertext of [`Self::encrypt`] over the first `level` primes, with the same fresh
    /// noise bound (t e + m does not depend on Q_l), where a top-level encryption switched
    /// down would add the rounding of the switch. For data that enters a circuit needing
    /// fewer levels than the chain has: fewer residues to store, send and compute on.
    pub fn encrypt_at(
        &self,
        m: &Plaintext,
        level: usize,
        rng: &mut SecureRng,
    ) -> Result<Ciphertext, BgvError> {
        let params = &self.params;
        if level == 0 || level > params.max_level() {
            return Err(BgvError::BadLevel {
                requested: level,
                max: params.max_level(),
            });
        }
        let t = m.plaintext_modulus();
        let basis = params.ctxt_basis(level);
        let a = DcrtPoly::uniform(basis, rng);
        let mut c0 = scaled_error(params, t, level, rng)?;
        c0.add_assign(&plaintext_poly(params, level, m)?)?;
        c0.sub_assign(&a.mul(&self.at_level(level))?)?;
        Ok(Ciphertext {
            params_id: params.fingerprint(),
            key_id: self.id,
            parts: vec![c0, a],
            noise: params.fresh_noise_secret_for(t),
            t,
        })
    }

    /// Enc_s(s) mod t at the top level: the key's own coefficients (ternary, -1 as t - 1) as
    /// the plaintext. Recryption's bootstrapping key: the inner product c_0' + c_1' Enc_s(s)
    /// with a ciphertext switched to the modulus t decrypts to [c_0' + c_1' s]_t (circular
    /// security, as in every bootstrappable scheme).
    pub fn encrypt_own_key(
        &self,
        t: PlaintextModulus,
        rng: &mut SecureRng,
    ) -> Result<Ciphertext, BgvError> {
        let coeffs = self.coeffs.iter().map(|&c| t.reduce(c as u64)).collect();
        self.encrypt(&Plaintext::with_modulus(&self.params, t, coeffs)?, rng)
    }

    /// x = [c_0 + c_1 s + c_2 s^2]_{Q_l} as centered integers (degree < phi).
    fn phase(&self, ct: &Ciphertext) -> Result<Vec<BigInt>, BgvError> {
        self.params.check(&ct.params_id)?;
        ct.check_key(&self.id)?;
        let s = self.at_level(ct.level());
        let mut acc = ct.parts[ct.parts.len() - 1].clone();
        for part in ct.parts[..ct.parts.len() - 1].iter().rev() {
            acc.mul_assign(&s)?;
            acc.add_assign(part)?;
        }
        Ok(acc.to_coeff().to_bigint_centered())
    }

    /// Decrypts to the plaintext polynomial mod the ciphertext's t, after switching a copy down to the lowest level
    /// that keeps 8 bits of capacity (the plaintext is unchanged; the work shrinks). Fails
    /// with `NoiseBudgetExhausted` when the noise estimate says the result could be wrong, and
    /// with `NoiseBoundExceeded` when the phase breaks the ciphertext's claimed bound (a
    /// tampered bound or key label, or the wrong key: the result would be garbage).
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<Plaintext, BgvError> {
        self.params.check(&ct.params_id)?;
        ct.check_key(&self.id)?;
        let capacity = ct.capacity(&self.params);
        if capacity < 0.0 {
            return Err(BgvError::NoiseBudgetExhausted {
                operation: "decrypt",
                capacity,
            });
        }
        let level = lowest_safe_level(&self.params, ct, DECRYPTION_MARGIN_BITS);
        let low = if level < ct.level() {
            mod_switch(&self.params, ct, level)
        } else {
            ct.clone()
        };
        let t = BigInt::from(ct.t.value());
        let phase = self.phase(&low)?;
        check_phase(&self.params, low.level(), low.noise, &phase)?;
        let coeffs = phase
            .iter()
            .map(|x| {
                let r = x % &t;
                let r = if r.is_negative() { r + &t } else { r };
                r.to_u64().unwrap_or(0)
            })
            .collect();
        Plaintext::with_modulus(&self.params, ct.t, coeffs)
    }

    /// The measured noise ||m + t e||_can of a ciphertext.
    pub fn measure_noise(&self, ct: &Ciphertext) -> Result<f64, BgvError> {
        Ok(canonical_norm_big(&self.phase(ct)?, self.params.m()))
    }

    /// The largest coefficient |x_k| of m + t e (what must stay below Q_l / 2).
    pub fn measure_coefficient_noise(&self, ct: &Ciphertext) -> Result<f64, BgvError> {
        Ok(self
            .phase(ct)?
            .iter()
            .map(|x| x.abs().to_f64().unwrap_or(f64::MAX))
            .fold(0.0, f64::max))
    }
}
