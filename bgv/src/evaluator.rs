//! Homomorphic operations on ciphertexts of one parameter set and one secret key.
//!
//! Noise rules (bounds on ||m + t e||_can): sum nu_1 + nu_2; product by a plaintext p:
//! nu ||p||_can; product nu_1 nu_2 (+ relinearization noise); modulus switch by D:
//! nu / D + B_ms; automorphism nu (+ key-switching noise), since X -> X^k permutes the
//! canonical embedding. The chain is managed by noise (HElib's rule): before a product each
//! operand drops primes while nu >= 2 B_ms q_last (dropping then costs at most one bit of
//! capacity and shrinks the product's noise), then both go to their common level.
//! Every operation that would leave negative capacity fails with `NoiseBudgetExhausted`.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::encoded_constant::MaskCache;
use crate::error::BgvError;
use crate::keys::{EvaluationKeys, KeyId, KeySource};
use crate::keyswitch::{check_key, in_pool, key_switch};
use crate::modswitch::mod_switch;
use crate::noise::NoiseBound;
use crate::params::Params;
use nit_ring::DcrtPoly;
use std::borrow::Cow;
use std::sync::Arc;

/// Drop primes while nu >= 2 B_ms q_last: the level a ciphertext of noise bound `noise` at
/// `level` goes to before a product.
pub(crate) fn natural_level(params: &Params, mut level: usize, mut noise: NoiseBound) -> usize {
    let b_ms = params.modswitch_noise();
    while level > 1 {
        let log2_q = (params.ctxt_basis(level).moduli()[level - 1] as f64).log2();
        if noise.log2() < 1.0 + b_ms.log2() + log2_q {
            break;
        }
        noise = noise.divided_by_log2(log2_q) + b_ms;
        level -= 1;
    }
    level
}

/// The AND depth the noise estimates allow: the length of the chain x <- x * y with fresh
/// secret-key encryptions y, replaying exactly the evaluator's level and noise rules.
pub fn supported_and_depth(params: &Params) -> usize {
    let top = params.max_level();
    let fresh = params.fresh_noise_secret();
    let switched =
        |level: usize, noise: NoiseBound, to: usize| params.switched_noise(noise, level, to, 2);
    let capacity = |level: usize, noise: NoiseBound| params.capacity_at(level, noise);
    let (mut level, mut noise, mut depth) = (top, fresh, 0);
    loop {
        let common = natural_level(params, level, noise).min(natural_level(params, top, fresh));
        let (x, y) = (switched(level, noise, common), switched(top, fresh, common));
        if capacity(common, x) < 0.0 || capacity(common, y) < 0.0 || capacity(common, x * y) < 0.0 {
            return depth;
        }
        let product = x * y + params.keyswitch_noise(common, KeySource::Square);
        if capacity(common, product) < 0.0 {
            return depth;
        }
        (level, noise, depth) = (common, product, depth + 1);
    }
}

/// The parts of (a_0 + a_1 Y)(b_0 + b_1 Y) below Y^2 (Y standing for the secret key):
/// d_0 = a_0 b_0 and d_1 = a_0 b_1 + a_1 b_0.
fn linear_parts(a: &Ciphertext, b: &Ciphertext) -> Result<(DcrtPoly, DcrtPoly), BgvError> {
    let mut d1 = a.parts[0].mul(&b.parts[1])?;
    d1.mul_add_assign(&a.parts[1], &b.parts[0])?;
    Ok((a.parts[0].mul(&b.parts[0])?, d1))
}

/// Evaluates operations with the evaluation keys of one secret key. Send + Sync: share it
/// across threads and run independent operations in parallel.
#[derive(Clone, Debug)]
pub struct Evaluator {
    params: Params,
    key_id: KeyId,
    keys: Arc<EvaluationKeys>,
    masks: Arc<MaskCache>,
}

impl Evaluator {
    pub fn new(params: &Params, key_id: KeyId, keys: EvaluationKeys) -> Result<Self, BgvError> {
        for key in keys
            .relinearization
            .iter()
            .chain(keys.automorphisms.values())
        {
            params.check(&key.params_id)?;
            check_key(key, &key_id)?;
        }
        Ok(Evaluator {
            params: params.clone(),
            key_id,
            keys: Arc::new(keys),
            masks: Arc::default(),
        })
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn keys(&self) -> &EvaluationKeys {
        &self.keys
    }

    /// The secret key this evaluator's keys (and ciphertexts) belong to.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    pub(crate) fn mask_cache(&self) -> &MaskCache {
        &self.masks
    }

    pub(crate) fn check(&self, ct: &Ciphertext) -> Result<(), BgvError> {
        self.params.check(&ct.params_id)?;
        ct.check_key(&self.key_id)
    }

    pub(crate) fn checked(
        &self,
        ct: Ciphertext,
        operation: &'static str,
    ) -> Result<Ciphertext, BgvError> {
        let capacity = ct.capacity(&self.params);
        if capacity < 0.0 {
            Err(BgvError::NoiseBudgetExhausted {
                operation,
                capacity,
            })
        } else {
            Ok(ct)
        }
    }

    /// Switches down to `level` (dropping the last primes, t-preserving rounding).
    pub fn mod_switch_to(&self, ct: &Ciphertext, level: usize) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        if level == 0 || level > ct.level() {
            return Err(BgvError::BadLevel {
                requested: level,
                max: ct.level(),
            });
        }
        if level == ct.level() {
            return Ok(ct.clone());
        }
        let switched = in_pool(|| mod_switch(&self.params, ct, level));
        self.checked(switched, "modulus switch")
    }

    /// The level HElib's rule would bring a ciphertext to before a product.
    pub fn natural_level(&self, ct: &Ciphertext) -> usize {
        natural_level(&self.params, ct.level(), ct.noise)
    }

    fn at_common_level(
        &self,
        a: &Ciphertext,
        b: &Ciphertext,
    ) -> Result<(Ciphertext, Ciphertext), BgvError> {
        self.check(a)?;
        self.check(b)?;
        let level = a.level().min(b.level());
        Ok((self.mod_switch_to(a, level)?, self.mod_switch_to(b, level)?))
    }

    fn combine(
        &self,
        a: &Ciphertext,
        b: &Ciphertext,
        subtract: bool,
    ) -> Result<Ciphertext, BgvError> {
        let (mut a, b) = self.at_common_level(a, b)?;
        if a.parts.len() < b.parts.len() {
            a.parts.push(DcrtPoly::zero(b.parts[0].basis()));
        }
        for (i, part) in b.parts.iter().enumerate() {
            if i < a.parts.len() {
                if subtract {
                    a.parts[i].sub_assign(part)?;
                } else {
                    a.parts[i].add_assign(part)?;
                }
            } else {
                a.parts
                    .push(if subtract { part.neg() } else { part.clone() });
            }
        }
        a.noise += b.noise;
        self.checked(a, if subtract { "sub" } else { "add" })
    }

    /// a + b (at the lower of the two levels).
    pub fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.combine(a, b, false)
    }

    /// a - b.
    pub fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.combine(a, b, true)
    }

    pub fn negate(&self, a: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.check(a)?;
        let mut out = a.clone();
        out.parts.iter_mut().for_each(DcrtPoly::neg_assign);
        Ok(out)
    }

    fn plain_poly(&self, level: usize, p: &Plaintext) -> Result<DcrtPoly, BgvError> {
        Ok(DcrtPoly::from_i64(
            self.params.ctxt_basis(level),
            &p.centered(self.params.t()),
        )?)
    }

    /// ct + p.
    pub fn add_plain(&self, ct: &Ciphertext, p: &Plaintext) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let mut out = ct.clone();
        out.parts[0].add_assign(&self.plain_poly(ct.level(), p)?)?;
        out.noise += NoiseBound::of(p.canonical_norm(&self.params));
        self.checked(out, "add plaintext")
    }

    /// ct * p.
    pub fn mul_plain(&self, ct: &Ciphertext, p: &Plaintext) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let poly = self.plain_poly(ct.level(), p)?;
        let mut out = ct.clone();
        for part in &mut out.parts {
            part.mul_assign(&poly)?;
        }
        out.noise *= NoiseBound::of(p.canonical_norm(&self.params)).at_least_one();
        self.checked(out, "multiply by plaintext")
    }

    /// Both operands of a product at their common level by HElib's rule (operands already
    /// there are used in place; a square, b = a, switches its one operand once: None).
    fn common_operands<'c>(
        &self,
        a: &'c Ciphertext,
        b: &'c Ciphertext,
    ) -> Result<(Cow<'c, Ciphertext>, Option<Cow<'c, Ciphertext>>), BgvError> {
        self.check(a)?;
        self.check(b)?;
        for ct in [a, b] {
            if ct.parts.len() != 2 {
                return Err(BgvError::NotRelinearized(ct.parts.len()));
            }
        }
        let level = self.natural_level(a).min(self.natural_level(b));
        let at_level = |ct: &'c Ciphertext| -> Result<Cow<'c, Ciphertext>, BgvError> {
            if ct.level() == level {
                Ok(Cow::Borrowed(ct))
            } else {
                self.mod_switch_to(ct, level).map(Cow::Owned)
            }
        };
        let square = std::ptr::eq(a, b);
        Ok((at_level(a)?, if square { None } else { Some(at_level(b)?) }))
    }

    /// The tensor product's noise bound a.noise b.noise, refused when it leaves no capacity
    /// at the operands' level.
    fn product_noise(&self, a: &Ciphertext, b: &Ciphertext) -> Result<NoiseBound, BgvError> {
        let noise = a.noise * b.noise;
        let capacity = self.params.capacity_at(a.level(), noise);
        if capacity < 0.0 {
            return Err(BgvError::NoiseBudgetExhausted {
                operation: "multiply",
                capacity,
            });
        }
        Ok(noise)
    }

    /// The tensor product (d_0, d_1, d_2) of two relinearized ciphertexts, after bringing
    /// both to a common level by HElib's rule.
    pub fn multiply_without_relinearization(
        &self,
        a: &Ciphertext,
        b: &Ciphertext,
    ) -> Result<Ciphertext, BgvError> {
        let (a, b) = self.common_operands(a, b)?;
        let b = b.as_deref().unwrap_or(&a);
        let noise = self.product_noise(&a, b)?;
        let d2 = a.parts[1].mul(&b.parts[1])?;
        let (d0, d1) = linear_parts(&a, b)?;
        Ok(Ciphertext {
            parts: vec![d0, d1, d2],
            noise,
            params_id: a.params_id,
            key_id: a.key_id,
        })
    }

    /// Brings a 3-part ciphertext back to 2 parts with the s^2 -> s key.
    pub fn relinearize(&self, ct: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.relinearize_owned(ct.clone())
    }

    /// [`Self::relinearize`], adding the switched part into `ct`'s own rows.
    fn relinearize_owned(&self, mut ct: Ciphertext) -> Result<Ciphertext, BgvError> {
        self.check(&ct)?;
        if ct.parts.len() == 2 {
            return Ok(ct);
        }
        if ct.parts.len() != 3 {
            return Err(BgvError::NotRelinearized(ct.parts.len()));
        }
        let key = self.keys.relinearization()?;
        let d2 = ct
            .parts
            .pop()
            .expect("invariant: three parts checked above");
        let switched = key_switch(&self.params, key, Cow::Owned(d2))?;
        self.add_switched(ct, switched)
    }

    /// (d_0 + k_0, d_1 + k_1) for the parts d_0, d_1 of a tensor product and the switched d_2,
    /// with relinearization's key-switching noise added to the product's.
    fn add_switched(
        &self,
        mut ct: Ciphertext,
        (k0, k1): (DcrtPoly, DcrtPoly),
    ) -> Result<Ciphertext, BgvError> {
        ct.parts[0].add_assign(&k0)?;
        ct.parts[1].add_assign(&k1)?;
        ct.noise += self.params.keyswitch_noise(ct.level(), KeySource::Square);
        self.checked(ct, "relinearize")
    }

    /// a * b, relinearized.
    /// d_2 = a_1 b_1 is formed first and switched while d_0 and d_1 are formed beside it (on
    /// two threads the tensor's products fill the slot an odd number of primes leaves idle).
    pub fn multiply(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext, BgvError> {
        in_pool(|| {
            let (a, b) = self.common_operands(a, b)?;
            let b = b.as_deref().unwrap_or(&a);
            let noise = self.product_noise(&a, b)?;
            let key = self.keys.relinearization()?;
            let d2 = a.parts[1].mul(&b.parts[1])?;
            let (low, switched) = rayon::join(
                || linear_parts(&a, b),
                || key_switch(&self.params, key, Cow::Owned(d2)),
            );
            let (d0, d1) = low?;
            let product = Ciphertext {
                parts: vec![d0, d1],
                noise,
                params_id: a.params_id,
                key_id: a.key_id,
            };
            self.add_switched(product, switched?)
        })
    }

    /// a^2, relinearized.
    pub fn square(&self, a: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.multiply(a, a)
    }

    /// The automorphism X -> X^k (k a unit mod m), switched back to s with its key.
    pub fn automorphism(&self, ct: &Ciphertext, k: usize) -> Result<Ciphertext, BgvError> {
        self.masked_automorphisms(ct, &[(k, None)])
    }
}
