//! Slot rotations with HElib's semantics (`Ptxt::rotate1D`, `EncryptedArray::rotate`).
//!
//! rotate_along(dim, k): the content at coordinate c of dimension `dim` moves to (c + k) mod
//! ord, other coordinates fixed. On a good dimension (g^ord = 1) that is the automorphism
//! X -> X^{g^k}. On a bad one, g^ord = T[w] 2^f: slots that wrap around are displaced by w
//! and get Frobenius f, so (HElib's mask method) A = sigma_{g^k}(c) is right on the slots
//! with new coordinate >= k, B = sigma_{g^{k - ord}}(c) on the others, and the result is
//! M A + (1 - M) B with M the 0/1 mask of the former: two terms of one hoisted
//! `automorphism_sum`, so one key switch's transforms.
//!
//! rotate(k): slot i (linear index, last dimension fastest) moves to i + k mod l. Directly,
//! when the keys of its terms exist (`rotate_exponents`): every destination u takes its
//! content from sigma_h(c) with h = T[u] / T[u - k], so rotate(k) = sum_h M_h sigma_h(c)
//! (`Hypercube::automorphism_terms`; at most 2^n terms, 3 for k = 1 at m = 32767), one hoisted
//! key switch. Otherwise, dimension by dimension with the per-dimension keys
//! (`rotate_step_exponents`, a subset of `all_rotation_exponents`): with k in mixed radix
//! (k_1, .., k_n), rotate the last dimension by k_n; then for each earlier dimension j, the
//! slots whose lower coordinates carried (a 0/1 mask C of the coordinates after j, which a
//! rotation along j leaves in place) move by k_j + 1 and the others by k_j:
//! c <- (1 - C) rot_j(c, k_j) + C rot_j(c, k_j + 1), again one automorphism sum per dimension.
//! Masks are plaintext products: no AND depth, noise times ||M||_can.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::params::Params;
use nit_ring::slots::{AutomorphismTerm, Hypercube};

fn pow_mod(base: u64, exponent: u64, m: u64) -> u64 {
    let (mut result, mut b, mut e) = (1 % m, base % m, exponent);
    while e > 0 {
        if e & 1 == 1 {
            result = result * b % m;
        }
        b = b * b % m;
        e >>= 1;
    }
    result
}

fn cube(params: &Params) -> Result<&Hypercube, BgvError> {
    Ok(params.slots()?.hypercube())
}

/// The automorphism exponents rotate_along(dim, k) uses (keys to generate): the keyed terms
/// of the slot move it applies, g^k on a good dimension, g^k and g^{k - ord} on a bad one.
pub fn rotate_along_exponents(params: &Params, dim: usize, k: i64) -> Result<Vec<usize>, BgvError> {
    let c = cube(params)?;
    Ok(keyed_exponents(
        &c.automorphism_terms(&c.rotate1d(dim, k)?),
        params.m(),
    ))
}

/// The automorphism exponents of rotate(k) in one step: the terms of the slot move.
pub fn rotate_exponents(params: &Params, k: i64) -> Result<Vec<usize>, BgvError> {
    let c = cube(params)?;
    Ok(keyed_exponents(
        &c.automorphism_terms(&c.rotate(k)),
        params.m(),
    ))
}

/// The automorphism exponents of shift(k) in one step (a subset of rotate(k)'s).
pub fn shift_exponents(params: &Params, k: i64) -> Result<Vec<usize>, BgvError> {
    let c = cube(params)?;
    Ok(keyed_exponents(
        &c.automorphism_terms(&c.shift(k)),
        params.m(),
    ))
}

/// The exponents of `terms` that need a key (all but the identity), sorted.
fn keyed_exponents(terms: &[AutomorphismTerm], m: usize) -> Vec<usize> {
    let mut exponents: Vec<usize> = terms
        .iter()
        .map(|term| term.exponent as usize % m)
        .filter(|&h| h != 1)
        .collect();
    exponents.sort_unstable();
    exponents.dedup();
    exponents
}

/// The automorphism exponents rotate(k) uses dimension by dimension (when the direct keys
/// of [`rotate_exponents`] are absent).
pub fn rotate_step_exponents(params: &Params, k: i64) -> Result<Vec<usize>, BgvError> {
    let c = cube(params)?;
    let l = c.slots() as i64;
    let k = k.rem_euclid(l) as usize;
    let mut exponents = Vec::new();
    if k == 0 {
        return Ok(exponents);
    }
    let n = c.dims().len();
    for dim in 0..n {
        let kj = c.coordinate(k, dim) as i64;
        exponents.extend(rotate_along_exponents(params, dim, kj)?);
        if dim + 1 < n {
            exponents.extend(rotate_along_exponents(params, dim, kj + 1)?);
        }
    }
    exponents.sort_unstable();
    exponents.dedup();
    Ok(exponents)
}

/// Every exponent any rotation uses (HElib's `addSome1DMatrices` without baby-step/giant-step):
/// g_j^e for each dimension j and 1 <= e < ord_j, and g_j^{e - ord_j} on bad dimensions.
pub fn all_rotation_exponents(params: &Params) -> Result<Vec<usize>, BgvError> {
    let c = cube(params)?;
    let mut exponents = Vec::new();
    for (dim, d) in c.dims().iter().enumerate() {
        for e in 1..d.order as i64 {
            exponents.extend(rotate_along_exponents(params, dim, e)?);
        }
    }
    exponents.sort_unstable();
    exponents.dedup();
    Ok(exponents)
}

impl Evaluator {
    /// The plaintext with slot bits `bits` (0/1 masks and constants).
    pub fn encode_bits(&self, bits: &[bool]) -> Result<Plaintext, BgvError> {
        let coeffs = self.params().slots()?.encode_bits(bits)?;
        Plaintext::new(self.params(), coeffs)
    }

    fn mask(&self, predicate: impl Fn(usize) -> bool) -> Result<Plaintext, BgvError> {
        let l = self.params().slots()?.slots();
        self.encode_bits(&(0..l).map(predicate).collect::<Vec<_>>())
    }

    /// sigma_{g^k} for the generator g of hypercube dimension `dim` and 0 <= k < ord (k = 0:
    /// the ciphertext itself): one automorphism, one key switch (key g^k, which
    /// [`all_rotation_exponents`] makes), no mask. On slots that hold elements of Z_t (bits
    /// for t = 2), which every Frobenius fixes, it permutes the slots as Z_m^* / <2> acts on
    /// itself: slot u receives the content of the slot whose class is g^k T[u]. As the
    /// classes are the products g_1^{a_1} .. g_n^{a_n} with 0 <= a_j < ord_j, each once,
    ///   total(x) = S_1(S_2(..S_n(x))),  S_j(y) = sum_{0 <= k < ord_j} sigma_{g_j^k}(y),
    /// holds the sum of all slots of x in every slot: a sum over all slots in single
    /// automorphisms, where [`Self::rotate`] by k takes one or two hoisted sums of up to 2^n
    /// masked terms. (On slots with other contents of GF(p^d) the result is not a rotation.)
    pub fn permute_base_slots(
        &self,
        ct: &Ciphertext,
        dim: usize,
        k: usize,
    ) -> Result<Ciphertext, BgvError> {
        let c = cube(self.params())?;
        let dimension = c.dimension(dim)?;
        if k >= dimension.order {
            return Err(BgvError::GeneratorPowerOutOfRange {
                dim,
                power: k,
                order: dimension.order,
            });
        }
        if k == 0 {
            return Ok(ct.clone());
        }
        let (forward, _) = c.rotate1d_exponents(dim, k as i64)?;
        self.automorphism(ct, forward as usize)
    }

    /// rotate1D: coordinate c of `dim` moves to (c + k) mod ord_dim.
    pub fn rotate_along(
        &self,
        ct: &Ciphertext,
        dim: usize,
        k: i64,
    ) -> Result<Ciphertext, BgvError> {
        let c = cube(self.params())?;
        let terms = c.automorphism_terms(&c.rotate1d(dim, k)?);
        self.automorphism_sum(ct, &terms)
    }

    /// rotate: slot i moves to i + k mod l (linear index, last dimension fastest).
    pub fn rotate(&self, ct: &Ciphertext, k: i64) -> Result<Ciphertext, BgvError> {
        let c = cube(self.params())?;
        let direct = c.automorphism_terms(&c.rotate(k));
        if self.has_keys_for(&direct) {
            return self.automorphism_sum(ct, &direct);
        }
        let l = c.slots();
        let k = k.rem_euclid(l as i64) as usize;
        let n = c.dims().len();
        let digit = |dim: usize| c.coordinate(k, dim);
        let last = n - 1;
        let mut out = self.rotate_along(ct, last, digit(last) as i64)?;
        // carry[slot]: the slot's lower coordinates carried into the current dimension.
        let mut carry: Vec<bool> = (0..l)
            .map(|s| c.coordinate(s, last) < digit(last))
            .collect();
        for dim in (0..last).rev() {
            let kj = digit(dim);
            let mut terms: Vec<AutomorphismTerm> = Vec::new();
            for (amount, carried) in [(kj, false), (kj + 1, true)] {
                for term in c.automorphism_terms(&c.rotate1d(dim, amount as i64)?) {
                    let mask: Vec<bool> = term
                        .mask
                        .iter()
                        .zip(&carry)
                        .map(|(&m, &from_carry)| m && from_carry == carried)
                        .collect();
                    match terms.iter_mut().find(|t| t.exponent == term.exponent) {
                        Some(t) => t.mask.iter_mut().zip(&mask).for_each(|(a, &b)| *a |= b),
                        None => terms.push(AutomorphismTerm { mask, ..term }),
                    }
                }
            }
            out = self.automorphism_sum(&out, &terms)?;
            carry = (0..l)
                .map(|s| {
                    let x = c.coordinate(s, dim);
                    if carry[s] {
                        x < kj + 1
                    } else {
                        x < kj
                    }
                })
                .collect();
        }
        Ok(out)
    }

    /// Shift with zero fill: slot i moves to i + k; slots left empty hold 0. In one step
    /// with the keys of [`shift_exponents`], else a rotation and a mask.
    pub fn shift(&self, ct: &Ciphertext, k: i64) -> Result<Ciphertext, BgvError> {
        let c = cube(self.params())?;
        let direct = c.automorphism_terms(&c.shift(k));
        if self.has_keys_for(&direct) {
            return self.automorphism_sum(ct, &direct);
        }
        let l = c.slots() as i64;
        let rotated = self.rotate(ct, k)?;
        let mask = self.mask(|slot| {
            let slot = slot as i64;
            if k >= 0 {
                slot >= k
            } else {
                slot < l + k
            }
        })?;
        self.mul_plain(&rotated, &mask)
    }

    /// Frobenius x -> x^(2^e) in every slot: the automorphism X -> X^(2^e).
    pub fn frobenius(&self, ct: &Ciphertext, e: usize) -> Result<Ciphertext, BgvError> {
        let exponent = pow_mod(2, e as u64, self.params().m() as u64) as usize;
        self.automorphism(ct, exponent)
    }
}
