//! A polynomial of Z_Q[X]/Phi_m(X) in evaluation (DoubleCRT) form.
//!
//! Invariant: row i holds the values a(zeta_i^j) mod q_i for the phi(m) units j of Z_m in
//! increasing order (zeta_i the primitive m-th root of prime i's DFT tables), one row per prime
//! of the basis, each residue in [0, q_i). Sums and products are pointwise; the automorphism
//! X -> X^k permutes each row: (sigma_k a)(zeta^j) = a(zeta^{kj}).

use super::{check_same_basis, parallel, CoeffPoly};
use crate::dft::Dft;
use crate::error::RingError;
use crate::ifma::{self, Path};
use crate::rns::RnsBasis;
use crate::zq::Modulus;
use rand::Rng;
use rayon::prelude::*;

/// row <- row * y pointwise mod q.
fn mul_row(md: &Modulus, row: &mut [u64], y: &[u64]) {
    ifma::products(Path::Vectorized, md, row, None, y);
}

/// row <- row + x * y pointwise mod q.
fn mul_add_row(md: &Modulus, row: &mut [u64], x: &[u64], y: &[u64]) {
    ifma::products(Path::Vectorized, md, row, Some(x), y);
}

/// An element of Z_Q[X]/Phi_m in evaluation form: `rows[i][j]` = a(zeta_i^{u_j}) mod q_i for
/// the j-th unit u_j of Z_m (increasing), in [0, q_i); phi(m) values per row, one row per prime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcrtPoly {
    basis: RnsBasis,
    rows: Vec<Vec<u64>>,
}

/// Applies `f(modulus, row)` to every row, in parallel when the polynomial is large.
fn for_each_row(
    basis: &RnsBasis,
    rows: &mut [Vec<u64>],
    f: impl Fn(&Modulus, &mut Vec<u64>) + Sync,
) {
    if parallel(basis) {
        rows.par_iter_mut()
            .zip(basis.tables())
            .for_each(|(row, t)| f(t.modulus(), row));
    } else {
        rows.iter_mut()
            .zip(basis.tables())
            .for_each(|(row, t)| f(t.modulus(), row));
    }
}

/// `f(row, tables)` for every row, in parallel when the polynomial is large.
fn transform_rows(
    basis: &RnsBasis,
    rows: &[Vec<u64>],
    f: impl Fn(&[u64], &Dft) -> Vec<u64> + Sync,
) -> Vec<Vec<u64>> {
    if parallel(basis) {
        rows.par_iter()
            .zip(basis.tables())
            .map(|(row, t)| f(row, t))
            .collect()
    } else {
        rows.iter()
            .zip(basis.tables())
            .map(|(row, t)| f(row, t))
            .collect()
    }
}

impl DcrtPoly {
    /// The zero polynomial: phi(m) zeros per prime of `basis`.
    pub fn zero(basis: &RnsBasis) -> Self {
        DcrtPoly {
            rows: vec![vec![0; basis.ring().phi()]; basis.len()],
            basis: basis.clone(),
        }
    }

    /// Rows given directly (length phi(m), residues reduced).
    pub fn from_rows(basis: RnsBasis, rows: Vec<Vec<u64>>) -> Result<Self, RingError> {
        let checked = CoeffPoly::from_rows(basis, rows)?;
        if checked.len() != checked.basis.ring().phi() {
            return Err(RingError::Length {
                expected: checked.basis.ring().phi(),
                found: checked.len(),
            });
        }
        Ok(DcrtPoly {
            basis: checked.basis,
            rows: checked.rows,
        })
    }

    /// A uniformly random element of Z_Q[X]/Phi_m (uniform residues in every row).
    pub fn uniform<R: Rng + ?Sized>(basis: &RnsBasis, rng: &mut R) -> Self {
        let rows = basis
            .tables()
            .iter()
            .map(|t| {
                (0..basis.ring().phi())
                    .map(|_| rng.gen_range(0..t.q()))
                    .collect()
            })
            .collect();
        DcrtPoly {
            basis: basis.clone(),
            rows,
        }
    }

    /// Forward DFT of every row.
    pub fn from_coeff(poly: &CoeffPoly) -> Self {
        let phi = poly.basis.ring().phi();
        let rows = transform_rows(&poly.basis, &poly.rows, |row, t| {
            let mut values = vec![0u64; phi];
            t.forward(row, &mut values);
            values
        });
        DcrtPoly {
            basis: poly.basis.clone(),
            rows,
        }
    }

    /// Small signed coefficients (length phi(m) or m) to evaluation form.
    pub fn from_i64(basis: &RnsBasis, coeffs: &[i64]) -> Result<Self, RingError> {
        Ok(Self::from_coeff(&CoeffPoly::from_i64(
            basis.clone(),
            coeffs,
        )?))
    }

    fn inverse_rows(&self, reduce: bool) -> CoeffPoly {
        let (m, phi) = (self.basis.ring().m(), self.basis.ring().phi());
        let rows = transform_rows(&self.basis, &self.rows, |row, t| {
            let mut coeffs = vec![0u64; if reduce { phi } else { m }];
            if reduce {
                t.inverse(row, &mut coeffs);
            } else {
                t.inverse_unreduced(row, &mut coeffs);
            }
            coeffs
        });
        CoeffPoly {
            basis: self.basis.clone(),
            rows,
        }
    }

    /// Coefficients of the representative of degree < phi(m).
    pub fn to_coeff(&self) -> CoeffPoly {
        self.inverse_rows(true)
    }

    /// Coefficients of the degree < m representative b with b = 0 mod Phi_e for e | m, e < m
    /// (no reduction by Phi_m: coefficients as small as the reduced ones up to ~sqrt(m/phi)).
    pub fn to_coeff_unreduced(&self) -> CoeffPoly {
        self.inverse_rows(false)
    }

    /// The primes q_i, one per row.
    pub fn basis(&self) -> &RnsBasis {
        &self.basis
    }

    /// One row per prime: the phi(m) values mod q_i at zeta_i^j, units j increasing.
    pub fn rows(&self) -> &[Vec<u64>] {
        &self.rows
    }

    /// The rows, giving up the polynomial (to transform them in place).
    pub fn into_rows(self) -> Vec<Vec<u64>> {
        self.rows
    }

    fn zip_assign(
        &mut self,
        other: &DcrtPoly,
        op: impl Fn(&Modulus, u64, u64) -> u64 + Sync,
    ) -> Result<(), RingError> {
        check_same_basis(&self.basis, &other.basis)?;
        self.rows_apply([other], |md, row, [o]| {
            for (x, &y) in row.iter_mut().zip(o) {
                *x = op(md, *x, y);
            }
        });
        Ok(())
    }

    /// self <- self + other pointwise mod each q_i; [`RingError::BasisMismatch`] unless both
    /// share one basis.
    pub fn add_assign(&mut self, other: &DcrtPoly) -> Result<(), RingError> {
        self.zip_assign(other, |md, a, b| md.add(a, b))
    }

    /// self <- self - other pointwise mod each q_i; [`RingError::BasisMismatch`] unless both
    /// share one basis.
    pub fn sub_assign(&mut self, other: &DcrtPoly) -> Result<(), RingError> {
        self.zip_assign(other, |md, a, b| md.sub(a, b))
    }

    /// self <- self * other pointwise mod each q_i (the product in Z_Q[X]/Phi_m);
    /// [`RingError::BasisMismatch`] unless both share one basis.
    pub fn mul_assign(&mut self, other: &DcrtPoly) -> Result<(), RingError> {
        check_same_basis(&self.basis, &other.basis)?;
        self.rows_apply([other], |md, row, [y]| mul_row(md, row, y));
        Ok(())
    }

    /// self *= other, with `other` on a basis that starts with this one's primes (the same
    /// polynomial modulo a multiple of Q): its leading rows are used, nothing is copied.
    pub fn mul_assign_prefix(&mut self, other: &DcrtPoly) -> Result<(), RingError> {
        let k = self.basis.len();
        if other.basis.len() < k || other.basis.prefix(k) != self.basis {
            return Err(RingError::BasisMismatch {
                left: self.basis.moduli(),
                right: other.basis.moduli(),
            });
        }
        self.rows_apply([other], |md, row, [y]| mul_row(md, row, y));
        Ok(())
    }

    /// self + other; allocating form of [`DcrtPoly::add_assign`].
    pub fn add(&self, other: &DcrtPoly) -> Result<DcrtPoly, RingError> {
        let mut r = self.clone();
        r.add_assign(other)?;
        Ok(r)
    }

    /// self - other; allocating form of [`DcrtPoly::sub_assign`].
    pub fn sub(&self, other: &DcrtPoly) -> Result<DcrtPoly, RingError> {
        let mut r = self.clone();
        r.sub_assign(other)?;
        Ok(r)
    }

    /// self * other in Z_Q[X]/Phi_m; allocating form of [`DcrtPoly::mul_assign`].
    pub fn mul(&self, other: &DcrtPoly) -> Result<DcrtPoly, RingError> {
        let mut r = self.clone();
        r.mul_assign(other)?;
        Ok(r)
    }

    /// self += a * b pointwise (the middle term of a ciphertext tensor product).
    pub fn mul_add_assign(&mut self, a: &DcrtPoly, b: &DcrtPoly) -> Result<(), RingError> {
        check_same_basis(&self.basis, &a.basis)?;
        check_same_basis(&self.basis, &b.basis)?;
        self.rows_apply([a, b], |md, row, [x, y]| mul_add_row(md, row, x, y));
        Ok(())
    }

    /// `apply(q_i, self_i, [o_i for o in others])` on every row i (bases already checked
    /// equal), over the primes in parallel when the ring is large enough.
    fn rows_apply<const N: usize>(
        &mut self,
        others: [&DcrtPoly; N],
        apply: impl Fn(&Modulus, &mut [u64], [&[u64]; N]) + Sync,
    ) {
        let tables = self.basis.tables();
        let one = |(i, row): (usize, &mut Vec<u64>)| {
            apply(tables[i].modulus(), row, others.map(|o| &o.rows[i][..]))
        };
        if parallel(&self.basis) {
            self.rows.par_iter_mut().enumerate().for_each(one);
        } else {
            self.rows.iter_mut().enumerate().for_each(one);
        }
    }

    /// self <- -self mod each q_i.
    pub fn neg_assign(&mut self) {
        for_each_row(&self.basis, &mut self.rows, |md, row| {
            row.iter_mut().for_each(|x| *x = md.neg(*x))
        });
    }

    /// -self; allocating form of [`DcrtPoly::neg_assign`].
    pub fn neg(&self) -> DcrtPoly {
        let mut r = self.clone();
        r.neg_assign();
        r
    }

    /// Multiplies by the integer c (reduced mod each prime).
    pub fn mul_scalar_assign(&mut self, c: i64) {
        let scalars: Vec<u64> = self
            .basis
            .tables()
            .iter()
            .map(|t| t.modulus().from_i64(c))
            .collect();
        self.mul_scalars_assign(&scalars)
            .expect("invariant: one scalar per prime of the basis");
    }

    /// Multiplies row i by scalars[i] (a constant given by its residues, one per prime).
    pub fn mul_scalars_assign(&mut self, scalars: &[u64]) -> Result<(), RingError> {
        if scalars.len() != self.basis.len() {
            return Err(RingError::Length {
                expected: self.basis.len(),
                found: scalars.len(),
            });
        }
        let apply = |((row, &c), t): ((&mut Vec<u64>, &u64), &std::sync::Arc<crate::dft::Dft>)| {
            let md = t.modulus();
            let c = md.reduce(c);
            let c_shoup = md.shoup(c);
            row.iter_mut()
                .for_each(|x| *x = md.mul_shoup(*x, c, c_shoup));
        };
        if parallel(&self.basis) {
            self.rows
                .par_iter_mut()
                .zip(scalars)
                .zip(self.basis.tables())
                .for_each(apply);
        } else {
            self.rows
                .iter_mut()
                .zip(scalars)
                .zip(self.basis.tables())
                .for_each(apply);
        }
        Ok(())
    }

    /// sigma_k: X -> X^k for k a unit mod m.
    pub fn automorphism(&self, k: usize) -> Result<DcrtPoly, RingError> {
        let perm = self
            .basis
            .ring()
            .automorphism_permutation(k)
            .ok_or(RingError::NotAUnit(k))?;
        self.permuted(&perm)
    }

    /// The values read through `perm` (`Cyclotomic::automorphism_permutation(k)`, a
    /// permutation of 0..phi): row[c] -> row[perm[c]], i.e. sigma_k. `perm` must have phi
    /// entries, each below phi (typed errors otherwise: the result keeps rows of length phi).
    pub fn permuted(&self, perm: &[u32]) -> Result<DcrtPoly, RingError> {
        let phi = self.basis.ring().phi();
        if perm.len() != phi {
            return Err(RingError::Length {
                expected: phi,
                found: perm.len(),
            });
        }
        if let Some(&index) = perm.iter().find(|&&p| p as usize >= phi) {
            return Err(RingError::PermutationIndex { index, phi });
        }
        let rows = self
            .rows
            .iter()
            .map(|row| perm.iter().map(|&p| row[p as usize]).collect())
            .collect();
        Ok(DcrtPoly {
            basis: self.basis.clone(),
            rows,
        })
    }

    /// Keeps the first `count` primes (the same polynomial modulo a divisor of Q).
    pub fn truncate(&self, count: usize) -> Result<DcrtPoly, RingError> {
        if count > self.basis.len() {
            return Err(RingError::Length {
                expected: self.basis.len(),
                found: count,
            });
        }
        Ok(DcrtPoly {
            basis: self.basis.prefix(count),
            rows: self.rows[..count].to_vec(),
        })
    }

    /// The same polynomial (its centered representative mod Q) on `basis`, a basis that
    /// starts with this one's primes: exact CRT to integers, then residues and DFTs on the
    /// added primes.
    pub fn extend(&self, basis: &RnsBasis) -> Result<DcrtPoly, RingError> {
        let k = self.basis.len();
        if basis.len() < k || basis.prefix(k) != self.basis {
            return Err(RingError::BasisMismatch {
                left: self.basis.moduli(),
                right: basis.moduli(),
            });
        }
        let coeffs = self.to_coeff().to_bigint_centered();
        let added = basis.select(k..basis.len());
        let extra = DcrtPoly::from_coeff(&CoeffPoly::from_bigint(added, &coeffs)?);
        let mut rows = self.rows.clone();
        rows.extend(extra.rows);
        Ok(DcrtPoly {
            basis: basis.clone(),
            rows,
        })
    }
}
