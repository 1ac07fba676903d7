//! Modulus switching with t-preserving rounding (Brakerski-Gentry-Vaikuntanathan; HElib's
//! `scaleDownToSet`): drop the last primes, with product D, of a polynomial c:
//!
//!   c' = (c - delta) / D,  delta = c (mod D),  delta = 0 (mod t),  |delta| <= D (t + 1) / 2,
//!
//! with delta = v + D k, v the centered representative of c mod D (fast base conversion of
//! the unreduced inverse DFT) and k = -v D^{-1} (mod t), centered, t the ciphertext's own
//! plaintext modulus. Then D c' = c (mod t): the plaintext becomes m D^{-1} mod t, unchanged
//! exactly when D = 1 (mod t). Every t a ciphertext may carry divides q - 1 for every prime of
//! the chain (`Params::plaintext_modulus`), and `Evaluator::mod_switch_to` checks the rule
//! for the primes it drops (`Params::check_switch`); key switching's division by P needs no
//! such rule (the key's gadget carries the factor P, see `keys`). The noise becomes
//! noise / D + ||(delta_0 + delta_1 s) / D||_can.

use crate::ciphertext::Ciphertext;
use crate::params::Params;
use crate::plaintext_modulus::PlaintextModulus;
use nit_ring::base_conversion::{BaseConverter, ScaledResidues};
use nit_ring::{DcrtPoly, RnsBasis};
use rayon::prelude::*;
use std::sync::Arc;

/// Inverse of an odd x modulo 2^64 (Newton: y <- y (2 - x y) doubles the correct bits).
fn inverse_mod_2_64(x: u64) -> u64 {
    let mut y = x;
    for _ in 0..6 {
        y = y.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(y)));
    }
    y
}

/// k = -v D^{-1} mod t, centered in (-t/2, t/2], from v mod 2^64 (t divides 2^64).
fn t_correction(t: PlaintextModulus, product: &num_bigint::BigUint, low_bits: &[u64]) -> Vec<i64> {
    let inverse_low = inverse_mod_2_64(product.iter_u64_digits().next().unwrap_or(1));
    low_bits
        .iter()
        .map(|&w| t.centered(w.wrapping_mul(inverse_low).wrapping_neg()))
        .collect()
}

/// Division by the product D of a basis' dropped tail primes, onto the kept prefix `target`:
/// c'_q = (c_q - delta_q) D^{-1} mod q for every kept prime q, delta = v + D k as above.
pub(crate) struct Rescaling<'a> {
    t: PlaintextModulus,
    dropped: RnsBasis,
    target: &'a RnsBasis,
    converter: Arc<BaseConverter>,
    /// D^{-1} mod q_j per kept prime.
    inverses: Vec<u64>,
}

impl<'a> Rescaling<'a> {
    /// Dropping the primes of `basis` past the prefix `target`, delta = 0 mod t.
    pub(crate) fn new(
        params: &Params,
        t: PlaintextModulus,
        basis: &RnsBasis,
        target: &'a RnsBasis,
    ) -> Self {
        let kept = target.len();
        assert!(
            kept < basis.len() && basis.prefix(kept) == *target,
            "invariant: rescaling drops a tail of the basis"
        );
        let dropped = basis.select(kept..basis.len());
        let converter = params.converter(&dropped, target);
        let inverses = target
            .tables()
            .iter()
            .enumerate()
            .map(|(j, table)| {
                table
                    .modulus()
                    .inv(converter.product_mod_target(j))
                    .expect("invariant: distinct primes are coprime")
            })
            .collect();
        Rescaling {
            t,
            dropped,
            target,
            converter,
            inverses,
        }
    }

    /// The dropped primes.
    pub(crate) fn dropped(&self) -> &RnsBasis {
        &self.dropped
    }

    /// delta = v + D k as scaled residues, from the unreduced coefficient rows of c's dropped
    /// part (one row per dropped prime).
    pub(crate) fn delta<R: AsRef<[u64]> + Sync>(&self, tail_coeffs: &[R]) -> ScaledResidues {
        let mut scaled = self.converter.scale(tail_coeffs);
        let k = t_correction(
            self.t,
            self.dropped.product(),
            &self.converter.low_bits(&scaled),
        );
        scaled.add_multiples_of_product(&k);
        scaled
    }

    /// row <- (row - delta) D^{-1} mod q_j for kept prime j (row in evaluation form): one
    /// conversion of delta to q_j, in the caller's buffer `coeffs` (length m), and one forward
    /// DFT fused with the difference (`Dft::scaled_difference`).
    pub(crate) fn divide_row(
        &self,
        j: usize,
        row: &mut [u64],
        delta: &ScaledResidues,
        coeffs: &mut [u64],
    ) {
        self.converter.target_row(delta, j, coeffs);
        self.target.tables()[j].scaled_difference(coeffs, row, self.inverses[j]);
    }
}

/// Drops the last primes (product D) of the common basis of `polys` (the parts of a
/// ciphertext), returning the rescaled polynomials on the remaining prefix `target` (which
/// must be that prefix). Only the dropped rows go through an inverse DFT; then, per kept
/// prime and per polynomial in turn (sharing the prime's transform tables),
/// [`Rescaling::divide_row`].
pub fn rescale_all(
    params: &Params,
    t: PlaintextModulus,
    polys: Vec<DcrtPoly>,
    target: &RnsBasis,
) -> Vec<DcrtPoly> {
    let Some(first) = polys.first() else {
        return Vec::new();
    };
    let basis = first.basis().clone();
    assert!(
        polys.iter().all(|p| *p.basis() == basis),
        "invariant: rescaling drops a tail of one common basis"
    );
    let rescaling = Rescaling::new(params, t, &basis, target);
    let kept = target.len();
    let m = basis.ring().m();
    let mut rows: Vec<Vec<Vec<u64>>> = polys.into_iter().map(DcrtPoly::into_rows).collect();
    let deltas: Vec<_> = rows
        .par_iter_mut()
        .map(|poly_rows| {
            let tail = DcrtPoly::from_rows(rescaling.dropped().clone(), poly_rows.split_off(kept))
                .expect("invariant: rows of a valid polynomial");
            rescaling.delta(tail.to_coeff_unreduced().rows())
        })
        .collect();
    let mut by_prime: Vec<Vec<&mut Vec<u64>>> = (0..kept).map(|_| Vec::new()).collect();
    for poly_rows in rows.iter_mut() {
        for (j, row) in poly_rows.iter_mut().enumerate() {
            by_prime[j].push(row);
        }
    }
    by_prime.par_iter_mut().enumerate().for_each_init(
        || vec![0u64; m],
        |coeffs, (j, prime_rows)| {
            for (row, delta) in prime_rows.iter_mut().zip(&deltas) {
                rescaling.divide_row(j, row, delta, coeffs);
            }
        },
    );
    rows.into_iter()
        .map(|poly_rows| {
            DcrtPoly::from_rows(target.clone(), poly_rows)
                .expect("invariant: kept rows of a valid polynomial")
        })
        .collect()
}

/// Switches every part of `ct` down to `level` (< its level) and updates the noise bound:
/// nu / D + B_ms s^{parts - 2} (B_ms for the ciphertext's t). No capacity check and no check
/// of the dropped primes (`Params::check_switch`): callers decide.
pub fn mod_switch(params: &Params, ct: &Ciphertext, level: usize) -> Ciphertext {
    let target = params.ctxt_basis(level);
    let parts = rescale_all(params, ct.t, ct.parts.clone(), target);
    Ciphertext {
        parts,
        t: ct.t,
        noise: params.switched_noise_for(ct.noise, ct.level(), level, ct.parts.len(), ct.t),
        params_id: ct.params_id,
        key_id: ct.key_id,
    }
}

/// The lowest level at which `ct`, switched down, keeps at least `margin` bits of capacity
/// and its plaintext mod t (its own level if none is lower).
pub fn lowest_safe_level(params: &Params, ct: &Ciphertext, margin: f64) -> usize {
    (1..ct.level())
        .find(|&level| {
            let noise =
                params.switched_noise_for(ct.noise, ct.level(), level, ct.parts.len(), ct.t);
            params.capacity_at(level, noise) >= margin
                && params.check_switch(ct.t, ct.level(), level).is_ok()
        })
        .unwrap_or(ct.level())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamsLiteral;
    use num_bigint::BigInt;
    use rand::SeedableRng;

    #[test]
    fn rescaling_divides_and_rounds_preserving_residues_mod_t() {
        let params = ParamsLiteral::small(255, 5).with_r(4).build().unwrap();
        let top = params.ctxt_basis(5);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let c = DcrtPoly::uniform(top, &mut rng);
        for kept in [4, 2] {
            let target = params.ctxt_basis(kept);
            let t = params.default_plaintext_modulus();
            let out = rescale_all(&params, t, vec![c.clone()], target)
                .pop()
                .unwrap();
            let before = c.to_coeff().to_bigint_centered();
            let after = out.to_coeff().to_bigint_centered();
            let d = BigInt::from(top.select(kept..5).product().clone());
            let t = BigInt::from(params.t());
            let q_kept = BigInt::from(target.product().clone());
            for (x, y) in before.iter().zip(&after) {
                // delta = x - D y (mod Q_kept D) must be = 0 mod t and small.
                let full: BigInt = &q_kept * &d;
                let half: BigInt = &full / 2;
                let mut delta: BigInt = (x - &d * y) % &full;
                if delta > half {
                    delta -= &full;
                } else if delta < -half {
                    delta += &full;
                }
                assert_eq!(&delta % &t, BigInt::from(0));
                // |delta| <= D (t+1)/2 on the unreduced representative, times the
                // coefficient growth of reducing it mod Phi_m (well below 8 for m = 255).
                let bound: BigInt = &d * (params.t() + 1) / 2 * 8u32;
                assert!(delta.magnitude() <= bound.magnitude());
            }
        }
    }
}
