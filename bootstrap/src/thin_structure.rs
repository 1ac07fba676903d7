//! The thin structure shared by SlotsToCoeffs and CoeffsToSlots (BOOTSTRAP_NOTES 1, 3.2).
//!
//! The hypercube's dimensions are aligned with a coprime factorization m = prod m_i
//! (dimension i <-> m_i = m / gcd(g_i - 1, m), nit-ring's `PowerfulBasis::from_hypercube`):
//! g_i = 1 mod m_k for k != i. Exactly one dimension s is special, with D_s d = phi(m_s);
//! every other has D_i = phi(m_i). The thin position of slot e = (e_i) is the powerful
//! monomial X^J(e), J(e)_i = e_i (i != s), J(e)_s = d e_s, with X_i = X^(m/m_i).
//!
//! Slot matrices: W_i[c][j] = value, at a slot with coordinate c in dimension i, of the
//! monomial X_i^(j step_i) (step_i = 1, or d for the special dimension), j, c < D_i.
//! Invariant: a slot T = prod g_k^(e_k) sees X_i only through T mod m_i = g_i^(e_i) mod m_i,
//! so W_i does not depend on the other coordinates, and the slots of sum_e b_e X^J(e) are
//! (W_0 (x) .. (x) W_(n-1)) b. The values are those of the engine's full-slot decoder: slot
//! values are multiplicative, so the value of X^k is the k-th power of the decoded X.

use crate::error::BootstrapError;
use crate::local_ring_matrix::{GaloisRingElements, SlotMatrix};
use nit_ring::slots::SlotRing;
use nit_ring::PowerfulBasis;

/// One hypercube dimension with its tensor factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThinDimension {
    /// m_i: the factor of m whose units the generator moves through.
    pub factor: usize,
    /// phi(m_i), the number of powerful monomials X_i^0 .. X_i^(phi - 1).
    pub phi: usize,
    /// D_i, the side of the hypercube.
    pub order: usize,
    /// g_i^(D_i) = 1 mod m (the engine's `Dimension::good`).
    pub good: bool,
    /// The special dimension (D_i d = phi(m_i)).
    pub special: bool,
    /// 1, or d for the special dimension: the thin coordinate J_i = step e_i.
    pub step: usize,
}

/// The thin layout of one slot ring (any plaintext modulus 2^r; see the module doc).
#[derive(Clone, Debug)]
pub struct ThinStructure {
    ring: SlotRing,
    basis: PowerfulBasis,
    dims: Vec<ThinDimension>,
    special: usize,
    /// The decoded slot values of X in GR(2^32, d); reduced mod 2^r where used.
    x_values: Vec<Vec<u64>>,
}

impl ThinStructure {
    /// The thin structure of the ring's hypercube, or a typed error when its dimensions are
    /// not aligned with a coprime factorization with one special factor.
    pub fn new(ring: &SlotRing) -> Result<Self, BootstrapError> {
        let basis = PowerfulBasis::from_hypercube(ring.cyclotomic(), ring.hypercube())?;
        let d = ring.d();
        let dims: Vec<ThinDimension> = ring
            .hypercube()
            .dims()
            .iter()
            .zip(basis.factors().into_iter().zip(basis.shape()))
            .enumerate()
            .map(|(i, (dim, (factor, phi)))| {
                let special = dim.order * d == phi && d > 1;
                if dim.order != phi && !special {
                    return Err(BootstrapError::DimensionNotThin {
                        dim: i,
                        factor,
                        phi,
                        order: dim.order,
                        d,
                    });
                }
                Ok(ThinDimension {
                    factor,
                    phi,
                    order: dim.order,
                    good: dim.good,
                    special,
                    step: if special { d } else { 1 },
                })
            })
            .collect::<Result<_, _>>()?;
        // prod D_i = phi(m)/d and prod phi(m_i) = phi(m): exactly one D_i is phi(m_i)/d.
        let special = dims
            .iter()
            .position(|dim| dim.special)
            .expect("invariant: prod D_i = phi(m)/d, so one dimension has D_i = phi(m_i)/d");
        let mut x = vec![0u64; ring.phi()];
        x[1] = 1;
        let x_values = ring.with_modulus_bits(32)?.decode_full(&x)?;
        Ok(ThinStructure {
            ring: ring.clone(),
            basis,
            dims,
            special,
            x_values,
        })
    }

    /// The slot ring at its plaintext modulus.
    pub fn ring(&self) -> &SlotRing {
        &self.ring
    }

    /// The powerful basis of the maps' factorization.
    pub fn basis(&self) -> &PowerfulBasis {
        &self.basis
    }

    /// One entry per hypercube dimension, in the hypercube's order.
    pub fn dims(&self) -> &[ThinDimension] {
        &self.dims
    }

    /// The index of the special dimension.
    pub fn special(&self) -> usize {
        self.special
    }

    /// J(e): the powerful monomial of the slot's thin position.
    pub fn thin_position(&self, slot: usize) -> Vec<usize> {
        let cube = self.ring.hypercube();
        self.dims
            .iter()
            .enumerate()
            .map(|(i, dim)| cube.coordinate(slot, i) * dim.step)
            .collect()
    }

    /// The thin polynomial sum_e b_e X^J(e) as powerful coefficients: what SlotsToCoeffs
    /// makes of the thin slot values `b` (one per slot).
    pub fn thin_polynomial(&self, b: &[u64]) -> Result<Vec<u64>, BootstrapError> {
        let mut coefficients = vec![0u64; self.basis.len()];
        for (slot, &value) in b.iter().enumerate() {
            coefficients[self.basis.index(&self.thin_position(slot))?] = value;
        }
        Ok(coefficients)
    }

    /// The slot with coordinate c in dimension `dim` and 0 in every other.
    pub(crate) fn axis_slot(&self, dim: usize, c: usize) -> usize {
        let mut coordinates = vec![0; self.dims.len()];
        coordinates[dim] = c;
        self.ring.hypercube().index(&coordinates)
    }

    /// The value of X_dim^j = X^(j m / m_dim) at the slot with coordinate c in `dim` (and 0
    /// elsewhere), in GR(2^r, d) for the given ring's r.
    pub(crate) fn monomial_value(
        &self,
        ring: &SlotRing,
        dim: usize,
        c: usize,
        j: usize,
    ) -> Vec<u64> {
        let gr = GaloisRingElements::new(ring);
        let mask = ring.plaintext_modulus() - 1;
        let x: Vec<u64> = self.x_values[self.axis_slot(dim, c)]
            .iter()
            .map(|&v| v & mask)
            .collect();
        let exponent = (j * (self.ring.m() / self.dims[dim].factor)) % self.ring.m();
        gr.pow(&x, exponent as u64)
    }

    /// The slot ring with the same tables at plaintext modulus 2^bits.
    pub fn ring_at(&self, bits: u32) -> Result<SlotRing, BootstrapError> {
        Ok(self.ring.with_modulus_bits(bits)?)
    }

    /// W_dim over GR(2^bits, d): W[c][j] = slot value at coordinate c of X_dim^(j step).
    pub fn slot_matrix(&self, bits: u32, dim: usize) -> Result<SlotMatrix, BootstrapError> {
        let dimension = self.dimension(dim)?;
        let ring = self.ring_at(bits)?;
        Ok((0..dimension.order)
            .map(|c| {
                (0..dimension.order)
                    .map(|j| self.monomial_value(&ring, dim, c, j * dimension.step))
                    .collect()
            })
            .collect())
    }

    pub(crate) fn dimension(&self, dim: usize) -> Result<ThinDimension, BootstrapError> {
        self.dims.get(dim).copied().ok_or(BootstrapError::Ring(
            nit_ring::RingError::DimensionOutOfRange {
                dim,
                dims: self.dims.len(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rings::ring;

    #[test]
    fn thin_positions_are_the_known_answers_at_toy_and_the_bad_ring() {
        let toy = ThinStructure::new(&ring(1023, 1)).unwrap();
        assert_eq!(toy.basis().factors(), vec![11, 93]);
        assert_eq!(toy.special(), 1);
        assert!(toy.dims().iter().all(|d| d.good));
        let cube = toy.ring().hypercube();
        for slot in 0..60 {
            let e = cube.coordinates(slot);
            assert_eq!(toy.thin_position(slot), vec![e[0], 10 * e[1]]);
        }
        let bad = ThinStructure::new(&ring(255, 1)).unwrap();
        assert_eq!(bad.basis().factors(), vec![85, 3]);
        assert_eq!((bad.special(), bad.dims()[0].good), (0, false));
        for slot in 0..16 {
            let e = bad.ring().hypercube().coordinates(slot);
            assert_eq!(bad.thin_position(slot), vec![8 * e[0], e[1]]);
        }
    }

    #[test]
    fn hypercubes_not_aligned_with_a_factorization_are_typed_errors() {
        for m in [105, 4369] {
            let unaligned = SlotRing::new(m, 1).unwrap();
            assert!(matches!(
                ThinStructure::new(&unaligned).err(),
                Some(BootstrapError::Ring(
                    nit_ring::RingError::PowerfulFactors { .. }
                ))
            ));
        }
        let single = ThinStructure::new(&SlotRing::new(127, 1).unwrap()).unwrap();
        assert_eq!(
            single.dims()[0].step,
            7,
            "m = 127: one dimension, the special one"
        );
    }

    /// The powers of the decoded X agree with the engine's decoder applied to each monomial
    /// X^(j m/m_i) itself, at every slot with coordinate c (so W_i ignores the others).
    #[test]
    fn slot_matrices_are_the_decoded_monomials_at_every_slot_of_the_coordinate() {
        for (m, r) in [(1023, 1), (1023, 9), (255, 1), (255, 9)] {
            let base = ring(m, r);
            let thin = ThinStructure::new(&base).unwrap();
            let cube = base.hypercube();
            for (i, dim) in thin.dims().iter().enumerate() {
                let w = thin.slot_matrix(r, i).unwrap();
                for j in 0..dim.order {
                    let mut monomial = vec![0u64; m];
                    monomial[j * dim.step * (m / dim.factor) % m] = 1;
                    let decoded = base.decode_full(&monomial).unwrap();
                    for (slot, value) in decoded.iter().enumerate() {
                        assert_eq!(
                            value,
                            &w[cube.coordinate(slot, i)][j],
                            "m = {m}, r = {r}, dim {i}, j = {j}, slot {slot}"
                        );
                    }
                }
            }
        }
    }
}
