//! The slot ring Z_{2^r}[X]/Phi_m = GR(2^r, d)^l: the precomputed tables and their accessors.
//!
//! Conventions (docs/SLOTS.md): F_1 is HElib's smallest factor of Phi_m mod 2, F~_1 its Hensel
//! lift and Y the class of X in GR = Z_{2^r}[Y]/F~_1. Slot i (representative t = T[i],
//! t' = t^{-1} mod m) of a plaintext a holds a(Y^{t'}) in GR, the image of a mod F~_t under
//! X -> Y^{t'}; its d coefficients on 1, Y, .., Y^{d-1} are the "full" slot content.
//! All tables are built once modulo 2^32 (r-independent) and shared behind an Arc.

use super::factorization::{factor_cyclotomic_mod_two, inverse_mod};
use super::galois_ring::GaloisRing;
use super::gf2x::{Gf2Poly, Gf2Reducer};
use super::hensel::{lift_factor, LIFT_BITS};
use super::hypercube::Hypercube;
use super::simd::step_index;
use super::zx2r::CyclotomicReducer;
use crate::cyclotomic::Cyclotomic;
use crate::error::RingError;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct SlotTables {
    pub(crate) ring: Cyclotomic,
    pub(crate) cube: Hypercube,
    pub(crate) factors: Vec<Gf2Poly>,
    pub(crate) galois: GaloisRing,
    /// t'_i = T[i]^{-1} mod m.
    pub(crate) inverse_representatives: Vec<u32>,
    /// The slot-1 idempotent of Z_{2^32}[X]/(X^m - 1): e[k] = m^{-1} Tr(Y^{-k}), k < m.
    /// Slot i's idempotent is sigma_{T[i]}(e), with coefficients e[t'_i j mod m].
    pub(crate) idempotent: Vec<u32>,
    /// constant_terms[k] = constant coefficient of Y^k, k < m.
    pub(crate) constant_terms: Vec<u32>,
    /// Bit-packed rows of `words` words: row i = slot i's idempotent mod 2 (m bits).
    pub(crate) idempotent_bits: Vec<u64>,
    /// Bit-packed rows: row i bit j = constant coefficient of Y^{t'_i j} mod 2, so the
    /// constant coefficient of slot i mod 2 is parity(row i AND a) (m bits).
    pub(crate) functional_bits: Vec<u64>,
    /// ceil(m / 64).
    pub(crate) words: usize,
    pub(crate) reducer_two: Gf2Reducer,
    pub(crate) reducer: CyclotomicReducer,
    build_time: Duration,
}

/// The slot algebra of Z_{2^r}[X]/Phi_m(X): hypercube, factors, encoding tables. Cloning is
/// cheap (the tables are shared); [`SlotRing::with_modulus_bits`] reuses them for another r.
#[derive(Clone, Debug)]
pub struct SlotRing {
    pub(crate) tables: Arc<SlotTables>,
    pub(crate) r: u32,
}

/// One bit-packed row per slot: row i bit j = table[t'_i j mod m] & 1, j < m.
fn permuted_bit_rows(table: &[u32], inverse_representatives: &[u32], words: usize) -> Vec<u64> {
    let m = table.len();
    let mut rows = vec![0u64; inverse_representatives.len() * words];
    rows.par_chunks_mut(words)
        .zip(inverse_representatives.par_iter())
        .for_each(|(row, &t_inverse)| {
            let mut index = 0usize;
            for (w, word) in row.iter_mut().enumerate() {
                let mut bits = 0u64;
                for b in 0..64.min(m - 64 * w) {
                    bits |= ((table[index] & 1) as u64) << b;
                    index = step_index(index, t_inverse as usize, m);
                }
                *word = bits;
            }
        });
    rows
}

impl SlotRing {
    /// The slot ring for odd m and plaintext modulus 2^r (1 <= r <= 32), with HElib's
    /// generators for m = 1023 and 32767 and automatically found ones otherwise.
    pub fn new(m: usize, r: u32) -> Result<Self, RingError> {
        let ring = Cyclotomic::new(m)?;
        let cube = Hypercube::new(&ring)?;
        Self::from_hypercube(ring, cube, r)
    }

    /// The slot ring with the given hypercube generators and orders (validated).
    pub fn with_generators(
        m: usize,
        r: u32,
        gens: &[u64],
        orders: &[usize],
    ) -> Result<Self, RingError> {
        let ring = Cyclotomic::new(m)?;
        let cube = Hypercube::with_generators(&ring, gens, orders)?;
        Self::from_hypercube(ring, cube, r)
    }

    /// Builds every table for a ring and one of its hypercubes.
    pub fn from_hypercube(ring: Cyclotomic, cube: Hypercube, r: u32) -> Result<Self, RingError> {
        check_modulus_bits(r)?;
        let start = Instant::now();
        let m = ring.m();
        let factors = factor_cyclotomic_mod_two(&cube)?;
        let galois = GaloisRing::new(lift_factor(&factors[0], m), m);
        let inverse_representatives: Vec<u32> = cube
            .representatives()
            .iter()
            .map(|&t| inverse_mod(t as u64, m as u64) as u32)
            .collect();
        let m_inverse = inverse_mod(m as u64 % (1 << 32), 1 << 32) as u32;
        let idempotent: Vec<u32> = (0..m)
            .map(|k| m_inverse.wrapping_mul(galois.trace()[(m - k) % m]))
            .collect();
        let constant_terms: Vec<u32> = (0..m).map(|k| galois.power(k)[0]).collect();
        let words = m.div_ceil(64);
        let idempotent_bits = permuted_bit_rows(&idempotent, &inverse_representatives, words);
        let functional_bits = permuted_bit_rows(&constant_terms, &inverse_representatives, words);
        let reducer_two = Gf2Reducer::cyclotomic(&ring);
        let reducer = CyclotomicReducer::new(&ring);
        let tables = SlotTables {
            ring,
            cube,
            factors,
            galois,
            inverse_representatives,
            idempotent,
            constant_terms,
            idempotent_bits,
            functional_bits,
            words,
            reducer_two,
            reducer,
            build_time: Duration::ZERO,
        };
        let build_time = start.elapsed();
        Ok(SlotRing {
            tables: Arc::new(SlotTables {
                build_time,
                ..tables
            }),
            r,
        })
    }

    /// The same tables for plaintext modulus 2^r.
    pub fn with_modulus_bits(&self, r: u32) -> Result<Self, RingError> {
        check_modulus_bits(r)?;
        Ok(SlotRing {
            tables: self.tables.clone(),
            r,
        })
    }

    /// Cyclotomic index m.
    pub fn m(&self) -> usize {
        self.tables.ring.m()
    }

    /// Ring dimension phi(m) = d * l: coefficients per plaintext.
    pub fn phi(&self) -> usize {
        self.tables.ring.phi()
    }

    /// d = ord_m(2): every slot is GR(2^r, d).
    pub fn d(&self) -> usize {
        self.tables.cube.d()
    }

    /// l = phi(m) / d.
    pub fn slots(&self) -> usize {
        self.tables.cube.slots()
    }

    /// r in the plaintext modulus 2^r.
    pub fn modulus_bits(&self) -> u32 {
        self.r
    }

    /// 2^r.
    pub fn plaintext_modulus(&self) -> u64 {
        1u64 << self.r
    }

    /// The ring Z[X]/Phi_m the plaintexts live in (mod 2^r).
    pub fn cyclotomic(&self) -> &Cyclotomic {
        &self.tables.ring
    }

    /// The slot order: generators, orders and representatives of Z_m^*/<2>.
    pub fn hypercube(&self) -> &Hypercube {
        &self.tables.cube
    }

    /// T[0..l], the slot representatives.
    pub fn representatives(&self) -> &[u32] {
        self.tables.cube.representatives()
    }

    /// F_{T[i]} mod 2 in slot order (factors()[0] = F_1).
    pub fn factors(&self) -> &[Gf2Poly] {
        &self.tables.factors
    }

    /// F~_1 mod 2^r, d + 1 coefficients (monic): the modulus of GR(2^r, d) = Z_{2^r}[Y]/F~_1.
    pub fn slot_modulus(&self) -> Vec<u64> {
        self.mask_all(self.tables.galois.modulus())
    }

    /// The lifted factors F~_{T[i]} mod 2^r in slot order (d + 1 coefficients each), computed
    /// on demand as prod_j (X - Y^{t'_i 2^j}) in GR; their product is Phi_m mod 2^r.
    pub fn lifted_factors(&self) -> Vec<Vec<u64>> {
        self.tables
            .inverse_representatives
            .par_iter()
            .map(|&t_inverse| {
                self.mask_all(&self.tables.galois.minimal_polynomial(t_inverse as usize))
            })
            .collect()
    }

    /// Wall-clock time spent building the tables.
    pub fn build_time(&self) -> Duration {
        self.tables.build_time
    }

    pub(crate) fn mask(&self) -> u32 {
        if self.r == LIFT_BITS {
            u32::MAX
        } else {
            (1u32 << self.r) - 1
        }
    }

    pub(crate) fn mask_all(&self, values: &[u32]) -> Vec<u64> {
        values.iter().map(|&v| (v & self.mask()) as u64).collect()
    }

    /// Checks one slot element: d coefficients below 2^r; returns them as u32.
    pub(crate) fn check_element(&self, x: &[u64]) -> Result<Vec<u32>, RingError> {
        if x.len() != self.d() {
            return Err(RingError::Length {
                expected: self.d(),
                found: x.len(),
            });
        }
        self.check_values(x)
    }

    /// Checks that every value is below 2^r; returns them as u32.
    pub(crate) fn check_values(&self, values: &[u64]) -> Result<Vec<u32>, RingError> {
        values
            .iter()
            .map(|&v| {
                if v < self.plaintext_modulus() {
                    Ok(v as u32)
                } else {
                    Err(RingError::Unreduced {
                        value: v,
                        q: self.plaintext_modulus(),
                    })
                }
            })
            .collect()
    }

    /// x + y in GR(2^r, d).
    pub fn slot_add(&self, x: &[u64], y: &[u64]) -> Result<Vec<u64>, RingError> {
        let (x, y) = (self.check_element(x)?, self.check_element(y)?);
        let sum: Vec<u32> = x.iter().zip(&y).map(|(a, b)| a.wrapping_add(*b)).collect();
        Ok(self.mask_all(&sum))
    }

    /// x * y in GR(2^r, d).
    pub fn slot_mul(&self, x: &[u64], y: &[u64]) -> Result<Vec<u64>, RingError> {
        let (x, y) = (self.check_element(x)?, self.check_element(y)?);
        Ok(self.mask_all(&self.tables.galois.mul(&x, &y)))
    }

    /// The Frobenius power phi^e(x) (x -> x^(2^e) on GF(2^d), Y -> Y^(2^e) on GR).
    pub fn slot_frobenius(&self, x: &[u64], e: usize) -> Result<Vec<u64>, RingError> {
        let x = self.check_element(x)?;
        Ok(self.mask_all(&self.tables.galois.frobenius(&x, e % self.d())))
    }
}

fn check_modulus_bits(r: u32) -> Result<(), RingError> {
    if (1..=LIFT_BITS).contains(&r) {
        Ok(())
    } else {
        Err(RingError::PlaintextModulusBits(r))
    }
}

#[cfg(test)]
mod tests {
    use crate::slots::test_support::*;
    use crate::slots::zx2r::mul;

    #[test]
    fn lifted_factors_multiply_to_phi_m_mod_two_to_the_r_and_reduce_to_the_factors() {
        for m in SMALL_RINGS.into_iter().chain([1023, 32767]) {
            for r in [16u32, 32] {
                let ring = ring(m, r);
                let lifted = ring.lifted_factors();
                let product = lifted.iter().fold(vec![1u32], |acc, f| {
                    let f: Vec<u32> = f.iter().map(|&c| c as u32).collect();
                    mul(&acc, &f)
                });
                let phi_m: Vec<u64> = ring
                    .cyclotomic()
                    .polynomial()
                    .iter()
                    .map(|&c| (c as u32) as u64 & (ring.plaintext_modulus() - 1))
                    .collect();
                let product: Vec<u64> = product
                    .iter()
                    .map(|&c| c as u64 & (ring.plaintext_modulus() - 1))
                    .collect();
                assert_eq!(product, phi_m, "m = {m}, r = {r}");
                assert_eq!(lifted[0], ring.slot_modulus());
                for (f, g) in lifted.iter().zip(ring.factors()) {
                    let reduced: Vec<u64> = f.iter().map(|&c| c & 1).collect();
                    assert_eq!(reduced, g.coefficients(), "m = {m}: lift of F_t");
                }
            }
        }
        assert!(ring(31, 1).with_modulus_bits(33).is_err());
    }
}
