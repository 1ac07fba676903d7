//! Square matrices over the local rings of the linear maps, Z_(2^r) and GR(2^r, d), and their
//! inverses by Gauss-Jordan elimination.
//!
//! Both rings are local with maximal ideal (2): x is a unit iff x mod 2 != 0 (an odd integer;
//! a Galois-ring element with an odd coordinate). A matrix is invertible iff it is invertible
//! mod 2, and then every column of the remaining block has a unit entry, so elimination with
//! unit pivots never stalls. Inverse of a unit: y_0 = x^(2^d - 2) is the inverse mod 2 (the
//! units of GF(2^d) have order 2^d - 1; d = 1 for Z_(2^r)), then Newton's step
//! y <- y (2 - x y) doubles the number of correct bits: 1 - x y_(i+1) = (1 - x y_i)^2.
//! Invariant: every element handled is reduced (coordinates below 2^r; d of them in GR).

use crate::error::BootstrapError;
use nit_ring::slots::SlotRing;

/// A matrix over GR(2^r, d): rows of entries, each entry d coordinates on 1, Y, .., Y^(d-1).
pub type SlotMatrix = Vec<Vec<Vec<u64>>>;

/// The ring operations Gauss-Jordan elimination needs.
pub(crate) trait LocalRing {
    type Element: Clone + PartialEq;
    fn zero(&self) -> Self::Element;
    fn one(&self) -> Self::Element;
    fn add(&self, a: &Self::Element, b: &Self::Element) -> Self::Element;
    fn sub(&self, a: &Self::Element, b: &Self::Element) -> Self::Element;
    fn mul(&self, a: &Self::Element, b: &Self::Element) -> Self::Element;
    /// x mod 2 != 0.
    fn is_unit(&self, x: &Self::Element) -> bool;
    /// Bits r of the modulus 2^r (Newton iterations needed: ceil(log2 r)).
    fn modulus_bits(&self) -> u32;
    /// x^(2^d - 2): the inverse of a unit x modulo 2.
    fn inverse_mod_two(&self, x: &Self::Element) -> Self::Element;

    /// The inverse of a unit x mod 2^r (Newton from the inverse mod 2).
    fn inverse(&self, x: &Self::Element) -> Self::Element {
        let two = self.add(&self.one(), &self.one());
        let mut y = self.inverse_mod_two(x);
        let mut correct_bits = 1;
        while correct_bits < self.modulus_bits() {
            y = self.mul(&y, &self.sub(&two, &self.mul(x, &y)));
            correct_bits *= 2;
        }
        y
    }
}

/// Z_(2^r), 1 <= r <= 63, elements in [0, 2^r).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TwoAdicIntegers {
    bits: u32,
}

impl TwoAdicIntegers {
    pub(crate) fn new(bits: u32) -> Self {
        TwoAdicIntegers { bits }
    }

    fn reduce(&self, x: u64) -> u64 {
        x & ((1u64 << self.bits) - 1)
    }
}

impl LocalRing for TwoAdicIntegers {
    type Element = u64;
    fn zero(&self) -> u64 {
        0
    }
    fn one(&self) -> u64 {
        1
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        self.reduce(a.wrapping_add(*b))
    }
    fn sub(&self, a: &u64, b: &u64) -> u64 {
        self.reduce(a.wrapping_sub(*b))
    }
    fn mul(&self, a: &u64, b: &u64) -> u64 {
        self.reduce(a.wrapping_mul(*b))
    }
    fn is_unit(&self, x: &u64) -> bool {
        x & 1 == 1
    }
    fn modulus_bits(&self) -> u32 {
        self.bits
    }
    fn inverse_mod_two(&self, _: &u64) -> u64 {
        1
    }
}

/// GR(2^r, d) through the slot ring's arithmetic (the engine's slot contents).
#[derive(Clone, Copy, Debug)]
pub(crate) struct GaloisRingElements<'a> {
    ring: &'a SlotRing,
}

impl<'a> GaloisRingElements<'a> {
    pub(crate) fn new(ring: &'a SlotRing) -> Self {
        GaloisRingElements { ring }
    }

    /// x^k by square and multiply.
    pub(crate) fn pow(&self, x: &[u64], mut k: u64) -> Vec<u64> {
        let (mut base, mut result) = (x.to_vec(), self.one());
        while k != 0 {
            if k & 1 == 1 {
                result = self.mul(&result, &base);
            }
            base = self.mul(&base, &base);
            k >>= 1;
        }
        result
    }

    /// The trace sum_(f<d) phi^f(x), an element of Z_(2^r) (the constant coordinate).
    pub(crate) fn trace(&self, x: &[u64]) -> u64 {
        let sum = (0..self.ring.d()).fold(self.zero(), |acc, f| {
            let image = self
                .ring
                .slot_frobenius(x, f)
                .expect("invariant: GR elements of this crate are reduced with d coordinates");
            self.add(&acc, &image)
        });
        sum[0]
    }

    /// Y^k as an element (k < d: a basis vector).
    pub(crate) fn basis_vector(&self, k: usize) -> Vec<u64> {
        let mut y = self.zero();
        y[k] = 1;
        y
    }
}

impl LocalRing for GaloisRingElements<'_> {
    type Element = Vec<u64>;
    fn zero(&self) -> Vec<u64> {
        vec![0; self.ring.d()]
    }
    fn one(&self) -> Vec<u64> {
        self.basis_vector(0)
    }
    fn add(&self, a: &Vec<u64>, b: &Vec<u64>) -> Vec<u64> {
        let mask = self.ring.plaintext_modulus() - 1;
        a.iter()
            .zip(b)
            .map(|(x, y)| x.wrapping_add(*y) & mask)
            .collect()
    }
    fn sub(&self, a: &Vec<u64>, b: &Vec<u64>) -> Vec<u64> {
        let mask = self.ring.plaintext_modulus() - 1;
        a.iter()
            .zip(b)
            .map(|(x, y)| x.wrapping_sub(*y) & mask)
            .collect()
    }
    fn mul(&self, a: &Vec<u64>, b: &Vec<u64>) -> Vec<u64> {
        self.ring
            .slot_mul(a, b)
            .expect("invariant: GR elements of this crate are reduced with d coordinates")
    }
    fn is_unit(&self, x: &Vec<u64>) -> bool {
        x.iter().any(|c| c & 1 == 1)
    }
    fn modulus_bits(&self) -> u32 {
        self.ring.modulus_bits()
    }
    fn inverse_mod_two(&self, x: &Vec<u64>) -> Vec<u64> {
        self.pow(x, (1u64 << self.ring.d()) - 2)
    }
}

/// The inverse of a square matrix over a local ring; [`BootstrapError::SingularMatrix`] when
/// it is not invertible mod 2 (`what` names the matrix in the error).
pub(crate) fn invert<R: LocalRing>(
    ring: &R,
    matrix: &[Vec<R::Element>],
    what: &'static str,
) -> Result<Vec<Vec<R::Element>>, BootstrapError> {
    let n = matrix.len();
    if matrix.iter().any(|row| row.len() != n) {
        return Err(BootstrapError::SingularMatrix(what));
    }
    let mut left: Vec<Vec<R::Element>> = matrix.to_vec();
    let mut right: Vec<Vec<R::Element>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { ring.one() } else { ring.zero() })
                .collect()
        })
        .collect();
    for column in 0..n {
        let pivot = (column..n)
            .find(|&row| ring.is_unit(&left[row][column]))
            .ok_or(BootstrapError::SingularMatrix(what))?;
        left.swap(column, pivot);
        right.swap(column, pivot);
        let inverse = ring.inverse(&left[column][column]);
        for j in 0..n {
            left[column][j] = ring.mul(&inverse, &left[column][j]);
            right[column][j] = ring.mul(&inverse, &right[column][j]);
        }
        for row in (0..n).filter(|&row| row != column) {
            let factor = left[row][column].clone();
            if factor == ring.zero() {
                continue;
            }
            for j in 0..n {
                let l = ring.mul(&factor, &left[column][j]);
                left[row][j] = ring.sub(&left[row][j], &l);
                let r = ring.mul(&factor, &right[column][j]);
                right[row][j] = ring.sub(&right[row][j], &r);
            }
        }
    }
    Ok(right)
}

/// The product of two square matrices (the tests' check of an inverse).
#[cfg(test)]
pub(crate) fn multiply<R: LocalRing>(
    ring: &R,
    a: &[Vec<R::Element>],
    b: &[Vec<R::Element>],
) -> Vec<Vec<R::Element>> {
    a.iter()
        .map(|row| {
            (0..b.first().map_or(0, Vec::len))
                .map(|j| {
                    row.iter().zip(b).fold(ring.zero(), |acc, (x, b_row)| {
                        ring.add(&acc, &ring.mul(x, &b_row[j]))
                    })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn identity<R: LocalRing>(ring: &R, n: usize) -> Vec<Vec<R::Element>> {
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i == j { ring.one() } else { ring.zero() })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn inverses_of_units_hold_mod_two_to_the_r() {
        let integers = TwoAdicIntegers::new(61);
        for x in [1u64, 3, 12345, (1 << 61) - 1] {
            assert_eq!(integers.mul(&x, &integers.inverse(&x)), 1, "x = {x}");
        }
        let ring = SlotRing::new(1023, 12).unwrap();
        let gr = GaloisRingElements::new(&ring);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20 {
            let mut x: Vec<u64> = (0..ring.d()).map(|_| rng.gen_range(0..1 << 12)).collect();
            x[3] |= 1;
            assert_eq!(gr.mul(&x, &gr.inverse(&x)), gr.one());
        }
    }

    #[test]
    fn random_matrices_times_their_inverse_are_the_identity() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        println!("seed 8");
        let integers = TwoAdicIntegers::new(9);
        let ring = SlotRing::new(255, 9).unwrap();
        let gr = GaloisRingElements::new(&ring);
        let (mut z_done, mut gr_done) = (0, 0);
        while z_done < 3 || gr_done < 3 {
            let z: Vec<Vec<u64>> = (0..12)
                .map(|_| (0..12).map(|_| rng.gen_range(0..1 << 9)).collect())
                .collect();
            if let Ok(inverse) = invert(&integers, &z, "random") {
                assert_eq!(multiply(&integers, &z, &inverse), identity(&integers, 12));
                assert_eq!(multiply(&integers, &inverse, &z), identity(&integers, 12));
                z_done += 1;
            }
            let g: SlotMatrix = (0..5)
                .map(|_| {
                    (0..5)
                        .map(|_| (0..ring.d()).map(|_| rng.gen_range(0..1 << 9)).collect())
                        .collect()
                })
                .collect();
            if let Ok(inverse) = invert(&gr, &g, "random") {
                assert_eq!(multiply(&gr, &g, &inverse), identity(&gr, 5));
                gr_done += 1;
            }
        }
        let singular = vec![vec![2u64, 4], vec![1, 3]];
        assert_eq!(
            invert(&integers, &singular, "even column"),
            Err(BootstrapError::SingularMatrix("even column"))
        );
    }
}
