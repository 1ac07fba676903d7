//! Hybrid key switching (Gentry-Halevi-Smart): for d mod Q_l under s', find (k_0, k_1) mod
//! Q_l with k_0 + k_1 s = d s' + eps, eps = 0 mod t, ||eps||_can <= keyswitch_noise(l, source).
//!
//! 1. Digits: d_j = the centered representative of d mod D_j' (D_j' = D_j restricted to the
//!    level), so d = sum_j d_j G_j mod Q_l. The level's rows go through one inverse DFT each;
//!    per digit, the scaled residues of fast base conversion are computed once.
//! 2. Inner products, one extended prime at a time: d_j mod that prime is d's own row when the
//!    prime is in digit j, else one converted row and one forward DFT; then
//!    (u_0, u_1) = sum_j d_j (b_j, a_j) = (P d s' + t sum_j d_j e_j - u_1 s, u_1) mod Q_l P,
//!    summed in 128 bits and reduced once. Raised digits are never stored whole.
//! 3. Division by P with t-preserving rounding (`modswitch::Rescaling`): the special primes'
//!    rows of u_0 and u_1 go back to coefficients right after step 2 computed them, and each
//!    ciphertext prime's rows are divided by P right after step 2 computed them, so that
//!    each prime's transform tables are visited once.
//!
//! Hoisting ([`key_switch_sum`]): the terms M_i sigma_i of a sum sum_i M_i sigma_i(d) share
//! steps 1 and 2's digits, because sigma commutes with the digit decomposition and with base
//! conversion (both act on integer coefficients, and sigma_i(d_j) has the canonical norm of
//! d_j): on the evaluation points sigma_i is the permutation x[c] -> x[pi_i(c)], so the raised
//! digits of sigma_i(d) are those of d read through pi_i. The switched terms are multiplied by
//! their masks and summed mod Q_l P before the one division by P:
//! round(sum_i M_i u^i / P) = sum_i M_i u^i / P + a single rounding error.
//!
//! Special primes: level l uses the first K_l of the K special primes (`Params::special_count`,
//! fewer below the top where the digits are smaller, and one fewer for relinearization, see
//! `params`): P above stands for their product P_l,
//! and d for d (P / P_l)^{-1} mod Q_l (see [`unused_special_inverses`]).
//!
//! DFT count at level l with K_l special primes and c' digits meeting the level, for any
//! number of terms: l inverse + (c' (l + K_l) - l) forward for the digits, 2 (K_l inverse +
//! l forward) for P_l; for one unmasked term the special primes' part is K_l (c' + 2) NTTs
//! (half a DFT each) instead (`Switch::special_row`).

use crate::error::{check_key_id, check_same_modulus, BgvError};
use crate::keys::{KeySource, KeySwitchKey, SpecialSpectra};
use crate::modswitch::Rescaling;
use crate::params::Params;
use nit_ring::base_conversion::{BaseConverter, ScaledResidues};
use nit_ring::ifma;
use nit_ring::{DcrtPoly, RnsBasis};
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

/// Indices, in the extended top-level basis, of the rows of a switching basis at `level`.
fn extended_rows(params: &Params, level: usize, special_count: usize) -> Vec<usize> {
    let top = params.max_level();
    (0..level).chain(top..top + special_count).collect()
}

/// (P / P_l)^{-1} mod q for each prime q of the level, None when the switch uses all K special
/// primes (P_l = P). Reduced mod Q_l P_l, a key's b_j + a_j s = t e_j + P G_j s' is a key for
/// the gadget P_l (P / P_l) G_j, so d is switched as d (P / P_l)^{-1}: its digits stay below
/// D_j' / 2 and sum_j d_j (P / P_l) G_j = d mod Q_l.
fn unused_special_inverses(
    params: &Params,
    level: usize,
    special_count: usize,
) -> Option<Vec<u64>> {
    let special = params.special_basis().moduli();
    let unused = &special[special_count..];
    if unused.is_empty() {
        return None;
    }
    let inverses = params.ctxt_basis(level).tables().iter().map(|table| {
        let md = table.modulus();
        let product = unused.iter().fold(1, |acc, &p| md.mul(acc, md.reduce(p)));
        md.inv(product)
            .expect("invariant: distinct primes are coprime")
    });
    Some(inverses.collect())
}

/// One digit at a level: its primes (positions in the ciphertext basis), the conversion to
/// the other extended primes and the digit's scaled residues.
struct Digit {
    own: Range<usize>,
    converter: Arc<BaseConverter>,
    scaled: ScaledResidues,
}

impl Digit {
    /// Position of extended row `pos` among the converter's targets (the rows outside `own`).
    fn target_index(&self, pos: usize) -> usize {
        if pos < self.own.start {
            pos
        } else {
            pos - self.own.len()
        }
    }
}

/// The digits meeting `level`, prepared from the unreduced coefficients of d's rows.
fn digits(params: &Params, extended: &RnsBasis, coeffs: &[Vec<u64>], level: usize) -> Vec<Digit> {
    let ctxt = params.ctxt_basis(level);
    params
        .digit_ranges()
        .iter()
        .filter(|digit| digit.start < level)
        .map(|digit| {
            let own = digit.start..digit.end.min(level);
            let others = (0..extended.len()).filter(|i| !own.contains(i));
            let converter = params.converter(&ctxt.select(own.clone()), &extended.select(others));
            let scaled = converter.scale(&coeffs[own.clone()]);
            Digit {
                own,
                converter,
                scaled,
            }
        })
        .collect()
}

/// One term M sigma of a hoisted key switch: the key from sigma(s') to s, the evaluation-point
/// permutation of sigma (`Cyclotomic::automorphism_permutation`; None for the identity) and
/// the plaintext constant M (a 0/1 mask or any polynomial) on the extended basis of the level
/// (None for M = 1). The permutation must be
/// that of the key's own automorphism (`KeySwitchKey::source`): a single unmasked term applies
/// sigma to the special primes' rows from the key's exponent.
pub struct SwitchTerm<'a> {
    pub key: &'a KeySwitchKey,
    pub permutation: Option<&'a [u32]>,
    pub mask: Option<&'a DcrtPoly>,
}

/// Applies `key` to d (on the ciphertext primes of its level): returns (k_0, k_1). An owned
/// d is scaled in place when the level uses fewer special primes (no copy).
pub fn key_switch(
    params: &Params,
    key: &KeySwitchKey,
    d: Cow<'_, DcrtPoly>,
) -> Result<(DcrtPoly, DcrtPoly), BgvError> {
    let term = SwitchTerm {
        key,
        permutation: None,
        mask: None,
    };
    in_pool(|| switch_sum(params, d, &[term]))
}

/// Per-thread buffers of one extended row: a converted digit (m coefficients), the raised
/// digits, the permuted digits and the permuted own row (phi each); for a
/// special row by spectra, a digit's spectrum and the two sums (N each).
struct RowBuffers {
    converted: Vec<u64>,
    raised: Vec<Vec<u64>>,
    permuted: Vec<Vec<u64>>,
    own: Vec<u64>,
    spectrum: Vec<u64>,
    sums: [Vec<u64>; 2],
}

impl RowBuffers {
    fn empty() -> Self {
        RowBuffers {
            converted: Vec::new(),
            raised: Vec::new(),
            permuted: Vec::new(),
            own: Vec::new(),
            spectrum: Vec::new(),
            sums: [Vec::new(), Vec::new()],
        }
    }

    /// Sizes every buffer for (m, phi, N) with at least `digits` digit rows (rows past those
    /// are kept, unread). Contents are stale: every reader of a buffer in `Switch::row`,
    /// `Switch::special_row` and `Rescaling::divide_row` overwrites it first.
    fn fit(&mut self, m: usize, phi: usize, digits: usize, n: usize) {
        let [sum0, sum1] = &mut self.sums;
        for buffer in [&mut self.spectrum, sum0, sum1] {
            buffer.resize(n, 0);
        }
        self.converted.resize(m, 0);
        for rows in [&mut self.raised, &mut self.permuted] {
            if rows.len() < digits {
                rows.resize_with(digits, Vec::new);
            }
            rows.iter_mut().for_each(|row| row.resize(phi, 0));
        }
        self.own.resize(phi, 0);
    }
}

/// Row buffers kept across key switches, one per task running at once (fresh ones cost an
/// allocation, page faults and zeroing of about 3 MB per rayon task at m = 32767). A pool
/// rather than one per thread: a task waiting in `rayon::join` may run another one meanwhile.
static ROW_BUFFERS: Mutex<Vec<RowBuffers>> = Mutex::new(Vec::new());

/// Runs `f` with row buffers from the pool, sized for (m, phi, digits, N).
fn with_row_buffers<R>(
    (m, phi, n): (usize, usize, usize),
    digits: usize,
    f: impl FnOnce(&mut RowBuffers) -> R,
) -> R {
    let pool = || ROW_BUFFERS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut buffers = pool().pop().unwrap_or_else(RowBuffers::empty);
    buffers.fit(m, phi, digits, n);
    let out = f(&mut buffers);
    pool().push(buffers);
    out
}

/// The shared state of one (hoisted) key switch at a level: d, its digits and the terms.
struct Switch<'a> {
    d: &'a DcrtPoly,
    digits: Vec<Digit>,
    terms: &'a [SwitchTerm<'a>],
    extended: &'a RnsBasis,
    /// Index in the keys' (top-level extended) rows of each extended row of the level.
    key_rows: Vec<usize>,
    /// The permutation of the only term, when there is one: the raised digits are then
    /// produced already permuted by the forward DFTs (`Dft::forward_permuted`).
    permutation: Option<&'a [u32]>,
    /// Whether the products run on `ifma::dot_products` (CPU support, primes below 2^51, at
    /// most 3 digits).
    vectorized: bool,
    /// For one unmasked term: its key's special spectra and automorphism exponent (None for
    /// s^2); the special rows are then computed by `special_row`.
    spectral: Option<(&'a SpecialSpectra, Option<usize>)>,
}

impl Switch<'_> {
    /// Special row `pos` of (u_0, u_1) for one unmasked term, as coefficients mod X^m - 1
    /// (degree < m): sum_j sigma(d_j) (b_j, a_j) with one spectrum per raised digit
    /// (sigma applied to its coefficients) and the key's prepared spectra; three NTTs for one
    /// digit where the values route takes a forward and two inverse DFTs (six).
    fn special_row(
        &self,
        pos: usize,
        (spectra, exponent): (&SpecialSpectra, Option<usize>),
        buffers: &mut RowBuffers,
    ) -> (Vec<u64>, Vec<u64>) {
        let table = &self.extended.tables()[pos];
        let special = pos - self.d.basis().len();
        let RowBuffers {
            converted,
            spectrum,
            sums: [sum0, sum1],
            ..
        } = buffers;
        sum0.fill(0);
        sum1.fill(0);
        for (j, digit) in self.digits.iter().enumerate() {
            digit
                .converter
                .target_row(&digit.scaled, digit.target_index(pos), converted);
            table.spectrum(converted, exponent, spectrum);
            table.spectrum_mul_accumulate(sum0, spectrum, &spectra.b[j][special]);
            table.spectrum_mul_accumulate(sum1, spectrum, &spectra.a[j][special]);
        }
        let m = converted.len();
        let coefficients = |sum: &mut [u64]| {
            let mut c = vec![0u64; m];
            table.cyclic_coefficients(sum, &mut c);
            c
        };
        rayon::join(|| coefficients(sum0), || coefficients(sum1))
    }

    /// Row `pos` of the extended basis of sum_i M_i (u_0^i, u_1^i): the digits raised to this
    /// prime (d's own row for the digit holding it, else one converted row and one forward
    /// DFT), read through each term's permutation (by the DFTs' output gather when there is
    /// one term), times the term's key rows, masked.
    fn row(&self, pos: usize, buffers: &mut RowBuffers) -> (Vec<u64>, Vec<u64>) {
        let table = &self.extended.tables()[pos];
        let md = table.modulus();
        let phi = buffers.own.len();
        for (digit, values) in self.digits.iter().zip(buffers.raised.iter_mut()) {
            if !digit.own.contains(&pos) {
                let j = digit.target_index(pos);
                digit
                    .converter
                    .target_row(&digit.scaled, j, &mut buffers.converted);
                table.forward_permuted(&buffers.converted, values, self.permutation);
            } else if let Some(permutation) = self.permutation {
                for (x, &source) in buffers.own.iter_mut().zip(permutation) {
                    *x = self.d.rows()[pos][source as usize];
                }
            }
        }
        let parts: Vec<&[u64]> = self
            .digits
            .iter()
            .zip(buffers.raised.iter())
            .map(
                |(digit, values)| match (digit.own.contains(&pos), self.permutation) {
                    (false, _) => &values[..],
                    (true, None) => &self.d.rows()[pos][..],
                    (true, Some(_)) => &buffers.own[..],
                },
            )
            .collect();
        let key_row = self.key_rows[pos];
        let mut out0 = vec![0u64; phi];
        let mut out1 = vec![0u64; phi];
        for term in self.terms {
            // The key has one (b_j, a_j) per digit of the parameters (checked on load).
            let b: Vec<&[u64]> = term.key.b.iter().map(|b| &b.rows()[key_row][..]).collect();
            let a: Vec<&[u64]> = term.key.a.iter().map(|a| &a.rows()[key_row][..]).collect();
            let mask = term.mask.map(|mask| &mask.rows()[pos][..]);
            // sigma(d_j) at this prime: d_j's values read through the permutation, gathered
            // into contiguous rows first (the products below then stream sequentially).
            let inputs: Vec<&[u64]> = match term.permutation {
                Some(permutation) if self.permutation.is_none() => {
                    for (dst, part) in buffers.permuted.iter_mut().zip(&parts) {
                        for (x, &source) in dst.iter_mut().zip(permutation) {
                            *x = part[source as usize];
                        }
                    }
                    buffers.permuted[..parts.len()]
                        .iter()
                        .map(|row| &row[..])
                        .collect()
                }
                _ => parts.clone(),
            };
            let path = if self.vectorized {
                ifma::Path::Vectorized
            } else {
                ifma::Path::Scalar
            };
            // The level's digits pair with the first of the key's (b_j, a_j).
            let digits = inputs.len();
            ifma::dot_products(
                path,
                md,
                &inputs,
                &b[..digits],
                &a[..digits],
                mask,
                [&mut out0, &mut out1],
            )
            .expect("invariant: inputs, key rows and masks are rows of length phi");
        }
        (out0, out1)
    }
}

/// (k_0, k_1) = round(sum_i M_i (u_0^i, u_1^i) / P) mod Q_l, with u^i the switched extended
/// pair of sigma_i(d) under term i's key: k_0 + k_1 s = sum_i M_i sigma_i(d) s_i' + eps, with
/// ||eps||_can <= sum_i ||M_i||_can (keyswitch_noise(l, source) - B_ms) + B_ms.
///
/// Each prime's transform tables (about 5.5 MB per prime at m = 32767, too many primes to
/// stay in cache together) are used in one visit: a special prime's rows of u are computed and at
/// once brought back to coefficients; then, with delta known, a ciphertext prime's rows are
/// computed and divided by P.
pub fn key_switch_sum(
    params: &Params,
    d: &DcrtPoly,
    terms: &[SwitchTerm],
) -> Result<(DcrtPoly, DcrtPoly), BgvError> {
    in_pool(|| switch_sum(params, Cow::Borrowed(d), terms))
}

/// Runs `f` on a rayon worker: called from outside the pool, every parallel region would
/// otherwise be injected into it and wait for a sleeping worker on its own (a dozen per key
/// switch); inside a worker this is a plain call.
pub(crate) fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

fn switch_sum(
    params: &Params,
    d: Cow<'_, DcrtPoly>,
    terms: &[SwitchTerm],
) -> Result<(DcrtPoly, DcrtPoly), BgvError> {
    let level = d.basis().len();
    if level == 0 || level > params.max_level() || *d.basis() != *params.ctxt_basis(level) {
        return Err(BgvError::BadLevel {
            requested: level,
            max: params.max_level(),
        });
    }
    // Relinearization's smaller special modulus only when every term switches from s^2.
    let source = terms
        .iter()
        .map(|term| term.key.source)
        .find(|source| *source != KeySource::Square)
        .unwrap_or(KeySource::Square);
    let extended = params.switching_basis(level, source);
    let special_count = extended.len() - level;
    // Every key's noise term is t e_j for one t, which the division by P must preserve.
    let t = terms
        .first()
        .map_or(params.default_plaintext_modulus(), |term| term.key.t);
    for term in terms {
        params.check(&term.key.params_id)?;
        check_same_modulus(t, term.key.t)?;
        if let Some(mask) = term.mask {
            if *mask.basis() != *extended {
                return Err(BgvError::LevelMismatch {
                    left: mask.basis().len(),
                    right: extended.len(),
                });
            }
        }
    }
    let (m, phi) = (params.ring().m(), params.phi());
    let d = match unused_special_inverses(params, level, special_count) {
        Some(inverses) => {
            let mut scaled = d.into_owned();
            scaled.mul_scalars_assign(&inverses)?;
            Cow::Owned(scaled)
        }
        None => d,
    };
    let d = d.as_ref();
    let coeffs = d.to_coeff_unreduced();
    let digits = digits(params, extended, coeffs.rows(), level);
    drop(coeffs);
    let digit_count = digits.len();
    let switch = Switch {
        d,
        terms,
        extended,
        key_rows: extended_rows(params, level, special_count),
        permutation: match terms {
            [term] => term.permutation,
            _ => None,
        },
        vectorized: digit_count <= 3 && ifma::serves(extended.moduli()),
        digits,
        spectral: match terms {
            [term] if term.mask.is_none() => match (term.key.source, term.permutation) {
                (KeySource::Square, None) => Some(None),
                (KeySource::Automorphism(k), Some(_)) => Some(Some(k)),
                _ => None,
            }
            .map(|exponent| (term.key.special_spectra(params), exponent)),
            _ => None,
        },
    };
    let n = extended.tables()[0].spectrum_len();
    let sizes = (m, phi, if switch.spectral.is_some() { n } else { 0 });
    let target = params.ctxt_basis(level);
    let rescaling = Rescaling::new(params, t, extended, target);
    let special: Vec<(Vec<u64>, Vec<u64>)> = (level..extended.len())
        .into_par_iter()
        .map(|pos| {
            if let Some(spectral) = switch.spectral {
                return with_row_buffers(sizes, digit_count, |b| {
                    switch.special_row(pos, spectral, b)
                });
            }
            let (u0, u1) = with_row_buffers(sizes, digit_count, |b| switch.row(pos, b));
            let table = &extended.tables()[pos];
            let inverse = |u: Vec<u64>| {
                let mut c = vec![0u64; m];
                table.inverse_unreduced(&u, &mut c);
                c
            };
            rayon::join(|| inverse(u0), || inverse(u1))
        })
        .collect();
    let (tail0, tail1): (Vec<_>, Vec<_>) = special.into_iter().unzip();
    let (delta0, delta1) = rayon::join(|| rescaling.delta(&tail0), || rescaling.delta(&tail1));
    drop((tail0, tail1));
    let (k0, k1): (Vec<Vec<u64>>, Vec<Vec<u64>>) = (0..level)
        .into_par_iter()
        .map(|pos| {
            let (u0, u1) = with_row_buffers(sizes, digit_count, |b| switch.row(pos, b));
            let divide = |mut u: Vec<u64>, delta: &ScaledResidues| {
                with_row_buffers(sizes, 0, |buffers| {
                    rescaling.divide_row(pos, &mut u, delta, &mut buffers.converted);
                    u
                })
            };
            rayon::join(|| divide(u0, &delta0), || divide(u1, &delta1))
        })
        .unzip();
    Ok((
        DcrtPoly::from_rows(target.clone(), k0)?,
        DcrtPoly::from_rows(target.clone(), k1)?,
    ))
}

/// Checks that a key was made from the secret key `expected`.
pub fn check_key(key: &KeySwitchKey, expected: &[u8; 16]) -> Result<(), BgvError> {
    check_key_id(&key.key_id, expected)
}
