//! Homomorphic operations on ciphertexts of one parameter set and one secret key.
//!
//! Noise rules (bounds on ||m + t e||_can): sum nu_1 + nu_2; product by a plaintext p:
//! nu ||p||_can; product nu_1 nu_2 (+ relinearization noise); modulus switch by D:
//! nu / D + B_ms; automorphism nu (+ key-switching noise), since X -> X^k permutes the
//! canonical embedding. The chain is managed by noise: before a product each operand drops
//! primes by HElib's rule (while nu >= 2 B_ms q_last), and both go on down to the level that
//! leaves the product the most capacity (`product_level`).
//! Every operation that would leave negative capacity fails with `NoiseBudgetExhausted`.
//! Operands of one operation share their plaintext modulus t (`PlaintextModulusMismatch`), and
//! key switching uses the key set made for the ciphertext's t (`KeyPlaintextModulusMismatch`
//! when the evaluator holds none); `two_power` has the operations that change t.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::encoded_constant::MaskCache;
use crate::error::{check_same_modulus, BgvError};
use crate::keys::{EvaluationKeys, KeyId, KeySource};
use crate::keyswitch::{check_key, in_pool, key_switch};
use crate::modswitch::{lowest_safe_level, mod_switch};
use crate::noise::NoiseBound;
use crate::params::Params;
use crate::plaintext_modulus::PlaintextModulus;
use nit_ring::DcrtPoly;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// HElib's rule: drop primes while nu >= 2 B_ms q_last (each drop then costs at most a bit
/// of capacity and keeps the bound, and the slack it carries over the noise, near B_ms). The
/// level a ciphertext mod t of noise bound `noise` at `level` goes to at least before a product.
pub(crate) fn natural_level(
    params: &Params,
    t: PlaintextModulus,
    mut level: usize,
    mut noise: NoiseBound,
) -> usize {
    let b_ms = params.modswitch_noise_for(t);
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

/// The level a product of two ciphertexts mod t is formed at, from their (level, bound) pairs:
/// of the levels l at or below both operands' natural levels (HElib's rule) that keep their
/// plaintexts, the one leaving the product the most capacity,
///   log2(Q_l / 2) - log2(norm_factor (nu_a(l) nu_b(l) + ks_l)),   nu(l) = nu / D + B_ms,
/// (ks_l relinearization's key-switching bound; nu(l) = nu at the operand's own level), the
/// highest such level on ties. Dropping a prime q costs log2 q bits of modulus and takes up to
/// log2 q bits off each factor's bound, so for two deep factors (a square above all) it pays
/// once nu >= ~sqrt(q) B_ms, where HElib's per-operand rule waits for nu >= 2 B_ms q and the
/// product then carries up to 2 log2 q bits more. With one fresh factor (bound B_ms after any
/// switch) a further drop cannot pay but for the key-switching term (x / (x / q + B_ms) < q),
/// so such chains keep HElib's levels.
pub(crate) fn product_level(
    params: &Params,
    t: PlaintextModulus,
    a: (usize, NoiseBound),
    b: (usize, NoiseBound),
) -> usize {
    let top = natural_level(params, t, a.0, a.1).min(natural_level(params, t, b.0, b.1));
    let capacity = |level: usize| {
        let switched = |(from, noise): (usize, NoiseBound)| {
            params.switched_noise_for(noise, from, level, 2, t)
        };
        let product =
            switched(a) * switched(b) + params.keyswitch_noise_for(level, KeySource::Square, t);
        params.capacity_at(level, product)
    };
    let keeps_plaintext = |level: usize| {
        params.check_switch(t, a.0, level).is_ok() && params.check_switch(t, b.0, level).is_ok()
    };
    let mut best = (top, capacity(top));
    for level in (1..top).rev().filter(|&level| keeps_plaintext(level)) {
        let c = capacity(level);
        if c > best.1 {
            best = (level, c);
        }
    }
    best.0
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
    let t = params.default_plaintext_modulus();
    loop {
        let common = product_level(params, t, (level, noise), (top, fresh));
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

/// The depth of a balanced tree of ANDs the noise estimates allow from ciphertexts at `level`
/// with bound `noise`: x <- x * x' with x' an independent ciphertext in the same state (both
/// factors deep at every level, as in a circuit's AND layers), replaying the evaluator's level
/// and noise rules. From fresh secret-key encryptions: `(params.max_level(),
/// params.fresh_noise_secret())`.
pub fn supported_tree_depth(params: &Params, mut level: usize, mut noise: NoiseBound) -> usize {
    let t = params.default_plaintext_modulus();
    let mut depth = 0;
    loop {
        let common = product_level(params, t, (level, noise), (level, noise));
        let factor = params.switched_noise(noise, level, common, 2);
        let product = factor * factor + params.keyswitch_noise(common, KeySource::Square);
        if params.capacity_at(common, factor) < 0.0 || params.capacity_at(common, product) < 0.0 {
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
    /// Key sets for plaintext moduli other than the parameters' (`with_keys_for`).
    other_keys: BTreeMap<PlaintextModulus, Arc<EvaluationKeys>>,
    masks: Arc<MaskCache>,
}

impl Evaluator {
    /// The evaluator for the secret key `key_id` with `keys`, made for the parameters' t; every
    /// key in `keys` must carry the fingerprints of `params` and of `key_id` (else
    /// [`BgvError::ParamsMismatch`] or [`BgvError::KeyMismatch`]).
    pub fn new(params: &Params, key_id: KeyId, keys: EvaluationKeys) -> Result<Self, BgvError> {
        check_key_set(params, &key_id, &keys, params.default_plaintext_modulus())?;
        Ok(Evaluator {
            params: params.clone(),
            key_id,
            keys: Arc::new(keys),
            other_keys: BTreeMap::new(),
            masks: Arc::default(),
        })
    }

    /// Adds (or replaces) the key set for the plaintext modulus its keys were made for; an
    /// empty set changes nothing.
    pub fn with_keys_for(mut self, keys: EvaluationKeys) -> Result<Self, BgvError> {
        let Some(t) = keys.plaintext_modulus() else {
            return Ok(self);
        };
        check_key_set(&self.params, &self.key_id, &keys, t)?;
        if t == self.params.default_plaintext_modulus() {
            self.keys = Arc::new(keys);
        } else {
            self.other_keys.insert(t, Arc::new(keys));
        }
        Ok(self)
    }

    /// The key set for ciphertexts mod t (`KeyPlaintextModulusMismatch` when there is none).
    pub fn keys_for(&self, t: PlaintextModulus) -> Result<&EvaluationKeys, BgvError> {
        let default = self.params.default_plaintext_modulus();
        if t == default {
            return Ok(&self.keys);
        }
        self.other_keys.get(&t).map(|keys| keys.as_ref()).ok_or(
            BgvError::KeyPlaintextModulusMismatch {
                key: default.bits(),
                ciphertext: t.bits(),
            },
        )
    }

    /// The parameter set every accepted ciphertext belongs to.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The relinearization and automorphism keys, as checked by [`Evaluator::new`].
    pub fn keys(&self) -> &EvaluationKeys {
        &self.keys
    }

    /// Bytes the key sets for every plaintext modulus hold in memory
    /// ([`EvaluationKeys::memory_bytes`]).
    pub fn key_memory_bytes(&self) -> usize {
        std::iter::once(&self.keys)
            .chain(self.other_keys.values())
            .map(|k| k.memory_bytes())
            .sum()
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
        self.params.check_switch(ct.t, ct.level(), level)?;
        let switched = in_pool(|| mod_switch(&self.params, ct, level));
        self.checked(switched, "modulus switch")
    }

    /// The lowest level at which `ct`, switched down, keeps at least `bits` of capacity and
    /// its plaintext (every dropped prime 1 mod its t); its own level when none lower does.
    pub fn lowest_level_with_capacity(&self, ct: &Ciphertext, bits: f64) -> usize {
        lowest_safe_level(&self.params, ct, bits)
    }

    /// The level a product of `a` and `b` is formed at (see [`product_level`]): of those at
    /// or below HElib's levels for both, the one leaving the product the most capacity.
    pub fn product_level(&self, a: &Ciphertext, b: &Ciphertext) -> usize {
        product_level(
            &self.params,
            a.t,
            (a.level(), a.noise),
            (b.level(), b.noise),
        )
    }

    fn at_common_level(
        &self,
        a: &Ciphertext,
        b: &Ciphertext,
    ) -> Result<(Ciphertext, Ciphertext), BgvError> {
        self.check(a)?;
        self.check(b)?;
        check_same_modulus(a.t, b.t)?;
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

    /// -a: every part negated; same level and noise bound.
    pub fn negate(&self, a: &Ciphertext) -> Result<Ciphertext, BgvError> {
        self.check(a)?;
        let mut out = a.clone();
        out.parts.iter_mut().for_each(DcrtPoly::neg_assign);
        Ok(out)
    }

    /// p on the primes of `level`, for a ciphertext mod t (a plaintext encoded for another t
    /// is `PlaintextModulusMismatch`).
    fn plain_poly(
        &self,
        level: usize,
        t: PlaintextModulus,
        p: &Plaintext,
    ) -> Result<DcrtPoly, BgvError> {
        check_same_modulus(t, p.plaintext_modulus())?;
        Ok(DcrtPoly::from_i64(
            self.params.ctxt_basis(level),
            &p.centered(),
        )?)
    }

    /// ct + p.
    pub fn add_plain(&self, ct: &Ciphertext, p: &Plaintext) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let mut out = ct.clone();
        out.parts[0].add_assign(&self.plain_poly(ct.level(), ct.t, p)?)?;
        out.noise += NoiseBound::of(p.canonical_norm(&self.params));
        self.checked(out, "add plaintext")
    }

    /// ct * p.
    pub fn mul_plain(&self, ct: &Ciphertext, p: &Plaintext) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let poly = self.plain_poly(ct.level(), ct.t, p)?;
        let mut out = ct.clone();
        for part in &mut out.parts {
            part.mul_assign(&poly)?;
        }
        out.noise *= NoiseBound::of(p.canonical_norm(&self.params)).at_least_one();
        self.checked(out, "multiply by plaintext")
    }

    /// Both operands of a product at the level leaving it the most capacity (operands already
    /// there are used in place; a square, b = a, switches its one operand once: None).
    fn common_operands<'c>(
        &self,
        a: &'c Ciphertext,
        b: &'c Ciphertext,
    ) -> Result<(Cow<'c, Ciphertext>, Option<Cow<'c, Ciphertext>>), BgvError> {
        self.check(a)?;
        self.check(b)?;
        check_same_modulus(a.t, b.t)?;
        for ct in [a, b] {
            if ct.parts.len() != 2 {
                return Err(BgvError::NotRelinearized(ct.parts.len()));
            }
        }
        let level = self.product_level(a, b);
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
    /// both to their product level.
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
            t: a.t,
            params_id: a.params_id,
            key_id: a.key_id,
        })
    }

    /// The relinearization key for ciphertexts mod t.
    fn relinearization_key(&self, t: PlaintextModulus) -> Result<&crate::KeySwitchKey, BgvError> {
        let key = self.keys_for(t)?.relinearization()?;
        key.check_modulus(t)?;
        Ok(key)
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
        let key = self.relinearization_key(ct.t)?;
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
        ct.noise += self
            .params
            .keyswitch_noise_for(ct.level(), KeySource::Square, ct.t);
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
            let key = self.relinearization_key(a.t)?;
            let d2 = a.parts[1].mul(&b.parts[1])?;
            let (low, switched) = rayon::join(
                || linear_parts(&a, b),
                || key_switch(&self.params, key, Cow::Owned(d2)),
            );
            let (d0, d1) = low?;
            let product = Ciphertext {
                parts: vec![d0, d1],
                noise,
                t: a.t,
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

/// Ok when every key of `keys` belongs to `params` and the secret key `key_id` and was made for
/// plaintext modulus t.
fn check_key_set(
    params: &Params,
    key_id: &KeyId,
    keys: &EvaluationKeys,
    t: PlaintextModulus,
) -> Result<(), BgvError> {
    for key in keys
        .relinearization
        .iter()
        .chain(keys.automorphisms.values())
    {
        params.check(&key.params_id)?;
        check_key(key, key_id)?;
        key.check_modulus(t)?;
    }
    Ok(())
}
