//! Polynomials of Z_Q[X]/Phi_m(X) over an RNS basis, typed by representation:
//! [`CoeffPoly`] holds coefficients, [`DcrtPoly`] holds values at the primitive m-th roots
//! (DoubleCRT). Only [`DcrtPoly`] multiplies; conversions cost one DFT per prime.

mod coeff;
mod dcrt;
#[cfg(test)]
mod tests;

pub use coeff::CoeffPoly;
pub use dcrt::DcrtPoly;

use crate::error::RingError;
use crate::rns::RnsBasis;

/// Below this many residues per operation, rayon's hand-off costs more than it saves.
const PARALLEL_THRESHOLD: usize = 1 << 14;

pub(crate) fn parallel(basis: &RnsBasis) -> bool {
    basis.len() * basis.ring().phi() >= PARALLEL_THRESHOLD
}

pub(crate) fn check_same_basis(left: &RnsBasis, right: &RnsBasis) -> Result<(), RingError> {
    if left == right {
        Ok(())
    } else {
        Err(RingError::BasisMismatch {
            left: left.moduli(),
            right: right.moduli(),
        })
    }
}
