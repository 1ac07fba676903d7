//! Hybrid key switching (Gentry-Halevi-Smart): for d mod Q_l under s', find (k_0, k_1) mod
//! Q_l with k_0 + k_1 s = d s' + eps, eps = 0 mod t, ||eps||_can <= keyswitch_noise(l).
//!
//! 1. Digits: d_j = the centered representative of d mod D_j' (D_j' = D_j restricted to the
//!    level), so d = sum_j d_j G_j mod Q_l; each d_j is raised to Q_l P by fast base
//!    conversion of its unreduced coefficients (|D_j'| inverse DFTs, the rest forward).
//! 2. Inner products: (u_0, u_1) = sum_j d_j (b_j, a_j) mod Q_l P
//!    = (P d s' + t sum_j d_j e_j - u_1 s, u_1).
//! 3. Division by P with t-preserving rounding (`modswitch::rescale`).

use crate::error::{check_key_id, BgvError};
use crate::keys::KeySwitchKey;
use crate::modswitch::rescale;
use crate::params::Params;
use nit_ring::{CoeffPoly, DcrtPoly};
use rayon::prelude::*;

/// Indices, in the extended top-level basis, of the extended basis at `level`.
fn extended_rows(params: &Params, level: usize) -> Vec<usize> {
    let top = params.max_level();
    (0..level)
        .chain(top..top + params.special_basis().len())
        .collect()
}

/// d_j on the extended basis of `level`, for every digit that meets the level.
fn raise_digits(params: &Params, d: &DcrtPoly, level: usize) -> Vec<DcrtPoly> {
    let extended = params.extended_basis(level);
    let ctxt = params.ctxt_basis(level);
    params
        .digit_ranges()
        .iter()
        .filter(|digit| digit.start < level)
        .map(|digit| {
            let own: Vec<usize> = (digit.start..digit.end.min(level)).collect();
            let others: Vec<usize> = (0..extended.len())
                .filter(|i| !(digit.start..digit.end.min(level)).contains(i))
                .collect();
            let own_basis = ctxt.select(own.iter().copied());
            let other_basis = extended.select(others.iter().copied());
            let own_rows: Vec<Vec<u64>> = own.iter().map(|&i| d.rows()[i].clone()).collect();
            let coeffs = DcrtPoly::from_rows(own_basis.clone(), own_rows.clone())
                .expect("invariant: rows of a valid polynomial")
                .to_coeff_unreduced();
            let converter = params.converter(&own_basis, &other_basis);
            let (converted, _) = converter.convert(coeffs.rows());
            let raised = DcrtPoly::from_coeff(
                &CoeffPoly::from_rows(other_basis, converted).expect("invariant: reduced rows"),
            );
            let mut rows = vec![Vec::new(); extended.len()];
            for (i, row) in own.iter().zip(own_rows) {
                rows[*i] = row;
            }
            for (i, row) in others.iter().zip(raised.rows()) {
                rows[*i] = row.clone();
            }
            DcrtPoly::from_rows(extended.clone(), rows).expect("invariant: assembled rows")
        })
        .collect()
}

/// Applies `key` to d (on the ciphertext primes of its level): returns (k_0, k_1).
pub fn key_switch(
    params: &Params,
    key: &KeySwitchKey,
    d: &DcrtPoly,
) -> Result<(DcrtPoly, DcrtPoly), BgvError> {
    params.check(&key.params_id)?;
    let level = d.basis().len();
    if level == 0 || level > params.max_level() || *d.basis() != *params.ctxt_basis(level) {
        return Err(BgvError::BadLevel {
            requested: level,
            max: params.max_level(),
        });
    }
    let digits = raise_digits(params, d, level);
    let extended = params.extended_basis(level);
    let rows = extended_rows(params, level);
    let inner = |parts: &[DcrtPoly]| -> Vec<Vec<u64>> {
        rows.par_iter()
            .enumerate()
            .map(|(pos, &key_row)| {
                let md = extended.tables()[pos].modulus();
                let mut acc = vec![0u128; params.phi()];
                for (digit, part) in digits.iter().zip(parts) {
                    for ((a, &x), &y) in acc
                        .iter_mut()
                        .zip(&digit.rows()[pos])
                        .zip(&part.rows()[key_row])
                    {
                        *a += x as u128 * y as u128;
                    }
                }
                acc.into_iter().map(|v| md.reduce_u128(v)).collect()
            })
            .collect()
    };
    let u0 = DcrtPoly::from_rows(extended.clone(), inner(&key.b))?;
    let u1 = DcrtPoly::from_rows(extended.clone(), inner(&key.a))?;
    let target = params.ctxt_basis(level);
    let (k0, k1) = rayon::join(
        || rescale(params, &u0, target),
        || rescale(params, &u1, target),
    );
    Ok((k0, k1))
}

/// Checks that a key was made from the secret key `expected`.
pub fn check_key(key: &KeySwitchKey, expected: &[u8; 16]) -> Result<(), BgvError> {
    check_key_id(&key.key_id, expected)
}
