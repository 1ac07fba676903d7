//! A polynomial in coefficient form over an RNS basis: row i holds the coefficients mod q_i.
//!
//! Invariant: every row has the same length n, either phi(m) (the reduced representative of
//! degree < phi) or m (a representative of degree < m, as the unreduced inverse DFT gives);
//! residues are in [0, q_i).

use super::check_same_basis;
use crate::error::RingError;
use crate::rns::RnsBasis;
use num_bigint::BigInt;

/// A polynomial mod Q = prod q_i in coefficient form: `rows[i][j]` is coefficient j mod q_i,
/// in [0, q_i); every row has length phi(m) or m.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoeffPoly {
    pub(crate) basis: RnsBasis,
    pub(crate) rows: Vec<Vec<u64>>,
}

impl CoeffPoly {
    /// Rows given directly; each must have length phi(m) or m with residues below its prime.
    pub fn from_rows(basis: RnsBasis, rows: Vec<Vec<u64>>) -> Result<Self, RingError> {
        if rows.len() != basis.len() {
            return Err(RingError::Length {
                expected: basis.len(),
                found: rows.len(),
            });
        }
        let (phi, m) = (basis.ring().phi(), basis.ring().m());
        let n = rows.first().map_or(phi, Vec::len);
        for (row, table) in rows.iter().zip(basis.tables()) {
            if row.len() != n || (n != phi && n != m) {
                return Err(RingError::Length {
                    expected: phi,
                    found: row.len(),
                });
            }
            if let Some(&value) = row.iter().find(|&&v| v >= table.q()) {
                return Err(RingError::Unreduced {
                    value,
                    q: table.q(),
                });
            }
        }
        Ok(CoeffPoly { basis, rows })
    }

    /// The polynomial with small signed integer coefficients (length phi(m) or m).
    pub fn from_i64(basis: RnsBasis, coeffs: &[i64]) -> Result<Self, RingError> {
        let rows = basis
            .tables()
            .iter()
            .map(|t| coeffs.iter().map(|&c| t.modulus().from_i64(c)).collect())
            .collect();
        Self::from_rows(basis, rows)
    }

    /// The polynomial with big integer coefficients (length phi(m) or m).
    pub fn from_bigint(basis: RnsBasis, coeffs: &[BigInt]) -> Result<Self, RingError> {
        let mut rows = vec![Vec::with_capacity(coeffs.len()); basis.len()];
        for c in coeffs {
            for (row, r) in rows.iter_mut().zip(basis.decompose(c)) {
                row.push(r);
            }
        }
        Self::from_rows(basis, rows)
    }

    /// The primes q_i, one per row.
    pub fn basis(&self) -> &RnsBasis {
        &self.basis
    }

    /// One row per prime of the basis; row i holds the coefficients mod q_i in [0, q_i).
    pub fn rows(&self) -> &[Vec<u64>] {
        &self.rows
    }

    /// Number of coefficients per row (phi(m) or m).
    pub fn len(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// True when there are no coefficients (only over a basis with no primes).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Coefficients as integers in (-Q/2, Q/2] by CRT.
    pub fn to_bigint_centered(&self) -> Vec<BigInt> {
        let mut residues = vec![0u64; self.basis.len()];
        (0..self.len())
            .map(|k| {
                for (r, row) in residues.iter_mut().zip(&self.rows) {
                    *r = row[k];
                }
                self.basis.reconstruct_centered(&residues)
            })
            .collect()
    }

    /// Coefficient-wise sum (same basis and length).
    pub fn add(&self, other: &CoeffPoly) -> Result<CoeffPoly, RingError> {
        check_same_basis(&self.basis, &other.basis)?;
        if self.len() != other.len() {
            return Err(RingError::Length {
                expected: self.len(),
                found: other.len(),
            });
        }
        let rows = self
            .rows
            .iter()
            .zip(&other.rows)
            .zip(self.basis.tables())
            .map(|((a, b), t)| {
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| t.modulus().add(x, y))
                    .collect()
            })
            .collect();
        Ok(CoeffPoly {
            basis: self.basis.clone(),
            rows,
        })
    }
}
