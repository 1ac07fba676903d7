//! Linear maps on slot vectors as sums of automorphisms with full slot constants, the data a
//! BGV hoisted automorphism sum with general plaintext constants consumes.
//!
//! A [`WeightedAutomorphismSum`] is x -> sum_t c_t * sigma_(h_t)(x): the automorphism
//! X -> X^(h_t), then the slot-wise product by the constant c_t (one GR(2^r, d) element per
//! slot). In BGV it is one hoisted sum: one key switch (none if every h_t = 1), per keyed term
//! an inner product with the key of h_t, per term a product by the plaintext encode_full(c_t).
//! A [`SlotLinearMap`] is a sequence of such sums, applied one after the other.
//!
//! MatMul1D along dimension i with matrix W (D x D): y[c] = sum_j W[c_i][j] x[c with c_i = j]
//! = sum_(s<D) diag_s * rot_s(x), diag_s[c] = W[c_i][c_i - s mod D], rot_s = the slot model's
//! rotate1D(i, s) (content at coordinate c_i moves to c_i + s). Each rotation is realized by
//! the slot model's automorphism terms: one exponent g_i^s with the full mask on a good
//! dimension; on a bad one g_i^s on the coordinates >= s and g_i^(s-D) on the others, so the
//! constants are diag_s * M_s and diag_s * (1 - M_s). Terms with the same exponent are merged,
//! terms whose constant is zero dropped. Invariant: applying the terms through the slot
//! model's automorphism action equals the matrix-vector product along the dimension.

use crate::error::BootstrapError;
use crate::local_ring_matrix::{GaloisRingElements, LocalRing, SlotMatrix};
use nit_ring::slots::SlotRing;

/// One term c * sigma_h(x).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedAutomorphism {
    /// h in Z_m^*: the automorphism X -> X^h (1: the identity, no key needed).
    pub exponent: u64,
    /// c: one GR(2^r, d) element per slot (d coordinates each, below 2^r).
    pub constant: Vec<Vec<u64>>,
}

impl WeightedAutomorphism {
    /// True when the term needs a key switch (h != 1).
    pub fn is_keyed(&self) -> bool {
        self.exponent != 1
    }

    /// True when c = 1 in every slot (no plaintext product needed: the trace's terms).
    pub fn constant_is_one(&self) -> bool {
        self.constant
            .iter()
            .all(|c| c.first() == Some(&1) && c[1..].iter().all(|&v| v == 0))
    }
}

/// x -> sum_t c_t * sigma_(h_t)(x) at plaintext modulus 2^r (one hoisted sum in BGV).
#[derive(Clone, Debug)]
pub struct WeightedAutomorphismSum {
    ring: SlotRing,
    terms: Vec<WeightedAutomorphism>,
}

impl WeightedAutomorphismSum {
    /// The sum of the given terms over `ring` (its plaintext modulus is the constants').
    pub fn new(ring: &SlotRing, terms: Vec<WeightedAutomorphism>) -> Result<Self, BootstrapError> {
        for term in &terms {
            check_slots(ring, &term.constant)?;
            if ring.hypercube().locate(term.exponent).is_none() {
                return Err(nit_ring::RingError::NotAUnit(term.exponent as usize).into());
            }
        }
        Ok(WeightedAutomorphismSum {
            ring: ring.clone(),
            terms,
        })
    }

    /// MatMul1D along `dim` with the D x D matrix `matrix` over GR(2^r, d) (module doc).
    pub fn matmul1d(
        ring: &SlotRing,
        dim: usize,
        matrix: &SlotMatrix,
    ) -> Result<Self, BootstrapError> {
        let cube = ring.hypercube();
        let order = cube.dimension(dim)?.order;
        check_matrix(ring, matrix, order)?;
        let gr = GaloisRingElements::new(ring);
        let mut terms: Vec<WeightedAutomorphism> = Vec::new();
        for s in 0..order {
            let diagonal: Vec<Vec<u64>> = (0..ring.slots())
                .map(|slot| {
                    let c = cube.coordinate(slot, dim);
                    matrix[c][(c + order - s) % order].clone()
                })
                .collect();
            for rotation in cube.automorphism_terms(&cube.rotate1d(dim, s as i64)?) {
                let constant: Vec<Vec<u64>> = diagonal
                    .iter()
                    .zip(&rotation.mask)
                    .map(|(value, &selected)| if selected { value.clone() } else { gr.zero() })
                    .collect();
                add_term(&gr, &mut terms, rotation.exponent, constant);
            }
        }
        Ok(WeightedAutomorphismSum {
            ring: ring.clone(),
            terms,
        })
    }

    /// The trace of every slot, sum_(j<d) sigma_(2^j)(x): X -> X^2 is the Frobenius in every
    /// slot, so slot contents become Tr(x) in Z_(2^r). Constants 1.
    pub fn trace(ring: &SlotRing) -> Self {
        let gr = GaloisRingElements::new(ring);
        let terms = (0..ring.d())
            .map(|j| WeightedAutomorphism {
                exponent: ring.hypercube().frobenius_exponent(j),
                constant: vec![gr.one(); ring.slots()],
            })
            .collect();
        WeightedAutomorphismSum {
            ring: ring.clone(),
            terms,
        }
    }

    /// The terms c_t * sigma_(h_t); each h_t is a unit mod m, each c_t has l slots.
    pub fn terms(&self) -> &[WeightedAutomorphism] {
        &self.terms
    }

    /// The slot ring (and plaintext modulus 2^r) of the constants.
    pub fn ring(&self) -> &SlotRing {
        &self.ring
    }

    /// The terms as BGV consumes them: (h, the plaintext encode_full(c) whose slots are c),
    /// phi(m) coefficients in [0, 2^r) each.
    pub fn encoded_terms(&self) -> Result<Vec<(u64, Vec<u64>)>, BootstrapError> {
        self.terms
            .iter()
            .map(|term| Ok((term.exponent, self.ring.encode_full(&term.constant)?)))
            .collect()
    }

    /// The number of terms that need a key (h != 1).
    pub fn keyed_terms(&self) -> usize {
        self.terms.iter().filter(|t| t.is_keyed()).count()
    }

    /// The slot model of the sum: sum_t c_t * (slots of sigma_(h_t)(x)).
    pub fn apply(&self, slots: &[Vec<u64>]) -> Result<Vec<Vec<u64>>, BootstrapError> {
        check_slots(&self.ring, slots)?;
        let gr = GaloisRingElements::new(&self.ring);
        let mut sum = vec![gr.zero(); self.ring.slots()];
        for term in &self.terms {
            let moved = self.ring.automorphism_model(slots, term.exponent)?;
            for ((acc, c), x) in sum.iter_mut().zip(&term.constant).zip(&moved) {
                *acc = gr.add(acc, &gr.mul(c, x));
            }
        }
        Ok(sum)
    }
}

/// A linear map as hoisted sums applied in sequence (one key switch each).
#[derive(Clone, Debug)]
pub struct SlotLinearMap {
    sums: Vec<WeightedAutomorphismSum>,
}

impl SlotLinearMap {
    /// The map x -> sums[k-1](..(sums[0](x))): the first sum is applied first.
    pub fn new(sums: Vec<WeightedAutomorphismSum>) -> Self {
        SlotLinearMap { sums }
    }

    /// The sums in order of application.
    pub fn sums(&self) -> &[WeightedAutomorphismSum] {
        &self.sums
    }

    /// Key switches: the sums with at least one keyed term.
    pub fn key_switches(&self) -> usize {
        self.sums.iter().filter(|s| s.keyed_terms() > 0).count()
    }

    /// Keyed terms over all sums (inner products with a key).
    pub fn keyed_terms(&self) -> usize {
        self.sums
            .iter()
            .map(WeightedAutomorphismSum::keyed_terms)
            .sum()
    }

    /// Terms over all sums (plaintext constants to encode and multiply).
    pub fn constants(&self) -> usize {
        self.sums.iter().map(|s| s.terms.len()).sum()
    }

    /// The distinct exponents h != 1 whose keys the map needs, ascending.
    pub fn key_exponents(&self) -> Vec<u64> {
        let mut exponents: Vec<u64> = self
            .sums
            .iter()
            .flat_map(|s| s.terms.iter().filter(|t| t.is_keyed()).map(|t| t.exponent))
            .collect();
        exponents.sort_unstable();
        exponents.dedup();
        exponents
    }

    /// The slot model of the map: every sum in turn.
    pub fn apply(&self, slots: &[Vec<u64>]) -> Result<Vec<Vec<u64>>, BootstrapError> {
        self.sums
            .iter()
            .try_fold(slots.to_vec(), |x, sum| sum.apply(&x))
    }
}

/// Adds c * sigma_h to the terms: merged with an existing term of exponent h, dropped if zero.
fn add_term(
    gr: &GaloisRingElements,
    terms: &mut Vec<WeightedAutomorphism>,
    exponent: u64,
    constant: Vec<Vec<u64>>,
) {
    if constant.iter().all(|c| c.iter().all(|&v| v == 0)) {
        return;
    }
    match terms.iter_mut().find(|t| t.exponent == exponent) {
        Some(term) => {
            for (acc, c) in term.constant.iter_mut().zip(&constant) {
                *acc = gr.add(acc, c);
            }
        }
        None => terms.push(WeightedAutomorphism { exponent, constant }),
    }
}

/// l slots of d coordinates below 2^r.
pub(crate) fn check_slots(ring: &SlotRing, slots: &[Vec<u64>]) -> Result<(), BootstrapError> {
    if slots.len() != ring.slots() {
        return Err(nit_ring::RingError::Length {
            expected: ring.slots(),
            found: slots.len(),
        }
        .into());
    }
    slots.iter().try_for_each(|x| check_element(ring, x))
}

fn check_element(ring: &SlotRing, x: &[u64]) -> Result<(), BootstrapError> {
    if x.len() != ring.d() {
        return Err(nit_ring::RingError::Length {
            expected: ring.d(),
            found: x.len(),
        }
        .into());
    }
    match x.iter().find(|&&v| v >= ring.plaintext_modulus()) {
        Some(&value) => Err(nit_ring::RingError::Unreduced {
            value,
            q: ring.plaintext_modulus(),
        }
        .into()),
        None => Ok(()),
    }
}

fn check_matrix(ring: &SlotRing, matrix: &SlotMatrix, order: usize) -> Result<(), BootstrapError> {
    if matrix.len() != order {
        return Err(nit_ring::RingError::Length {
            expected: order,
            found: matrix.len(),
        }
        .into());
    }
    for row in matrix {
        if row.len() != order {
            return Err(nit_ring::RingError::Length {
                expected: order,
                found: row.len(),
            }
            .into());
        }
        row.iter().try_for_each(|x| check_element(ring, x))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rings::{multiply_along, random_slots, ring, rng};
    use crate::{CoeffsToSlots, SlotsToCoeffs, ThinStructure};

    fn random_matrix(ring: &SlotRing, order: usize, seed: u64) -> SlotMatrix {
        let mut rng = rng(seed);
        (0..order)
            .map(|_| random_slots(&mut rng, ring, order))
            .collect()
    }

    /// Random matrices along every dimension (good and bad): the term list through the slot
    /// model's automorphism action equals the matrix-vector product along the dimension.
    #[test]
    fn matmul1d_terms_equal_the_product_along_the_dimension() {
        for (m, r) in [(1023, 1), (1023, 8), (255, 1), (255, 8)] {
            let ring = ring(m, r);
            for (dim, dimension) in ring.hypercube().dims().iter().enumerate() {
                let matrix = random_matrix(&ring, dimension.order, 50 + dim as u64);
                let sum = WeightedAutomorphismSum::matmul1d(&ring, dim, &matrix).unwrap();
                let x = random_slots(&mut rng(60), &ring, ring.slots());
                assert_eq!(
                    sum.apply(&x).unwrap(),
                    multiply_along(&ring, dim, &matrix, &x),
                    "m = {m}, r = {r}, dim {dim}"
                );
                let expected_terms = if dimension.good {
                    dimension.order
                } else {
                    2 * dimension.order - 1
                };
                assert_eq!(sum.terms().len(), expected_terms, "m = {m}, dim {dim}");
                assert!(!sum
                    .terms()
                    .iter()
                    .any(WeightedAutomorphism::constant_is_one));
            }
        }
    }

    /// sum_t c_t(X) a(X^(h_t)) mod (Phi_m, 2^r) by substitution and a cyclic schoolbook
    /// product, reduced by the slot ring.
    fn evaluate_on_polynomials(sum: &WeightedAutomorphismSum, a: &[u64]) -> Vec<u64> {
        let ring = sum.ring();
        let (m, mask) = (ring.m(), ring.plaintext_modulus() - 1);
        let mut total = vec![0u64; m];
        for (exponent, constant) in sum.encoded_terms().unwrap() {
            let mut moved = vec![0u64; m];
            for (j, &c) in a.iter().enumerate() {
                let at = (j as u64 * exponent % m as u64) as usize;
                moved[at] = moved[at].wrapping_add(c);
            }
            for (i, &x) in constant.iter().enumerate().filter(|(_, &x)| x != 0) {
                for (j, &y) in moved.iter().enumerate() {
                    let at = (i + j) % m;
                    total[at] = total[at].wrapping_add(x.wrapping_mul(y));
                }
            }
        }
        let total: Vec<u64> = total.iter().map(|&v| v & mask).collect();
        ring.reduce(&total).unwrap()
    }

    /// What BGV will compute, on plaintext polynomials: the encoded constants times the
    /// substituted input, summed, decodes to the slot model of every sum of both maps.
    #[test]
    fn encoded_terms_on_polynomials_agree_with_the_slot_model() {
        for (m, bits) in [(1023, 1), (255, 8)] {
            let thin = ThinStructure::new(&ring(m, 1)).unwrap();
            let stoc = SlotsToCoeffs::new(&thin, bits).unwrap();
            let ctos = CoeffsToSlots::new(&thin, bits).unwrap();
            let ring = ring(m, bits);
            let x = random_slots(&mut rng(62), &ring, ring.slots());
            let a = ring.encode_full(&x).unwrap();
            for sum in stoc.map().sums().iter().chain(ctos.map().sums()) {
                assert_eq!(
                    ring.decode_full(&evaluate_on_polynomials(sum, &a)).unwrap(),
                    sum.apply(&x).unwrap(),
                    "m = {m}, bits {bits}"
                );
            }
        }
    }

    #[test]
    fn trace_sums_the_frobenius_images_of_every_slot() {
        let ring = ring(255, 8);
        let gr = GaloisRingElements::new(&ring);
        let x = random_slots(&mut rng(61), &ring, ring.slots());
        let trace = WeightedAutomorphismSum::trace(&ring);
        assert!(trace
            .terms()
            .iter()
            .all(WeightedAutomorphism::constant_is_one));
        let traced = trace.apply(&x).unwrap();
        for (t, value) in traced.iter().zip(&x) {
            let mut expect = gr.zero();
            expect[0] = gr.trace(value);
            assert_eq!(t, &expect);
        }
    }

    #[test]
    fn malformed_constants_and_slots_are_typed_errors() {
        let ring = ring(1023, 4);
        let zero = vec![vec![0u64; ring.d()]; ring.slots()];
        let term = |exponent, constant| WeightedAutomorphism { exponent, constant };
        assert_eq!(
            WeightedAutomorphismSum::new(&ring, vec![term(33, zero.clone())]).err(),
            Some(nit_ring::RingError::NotAUnit(33).into())
        );
        let mut large = zero.clone();
        large[5][2] = 16;
        assert_eq!(
            WeightedAutomorphismSum::new(&ring, vec![term(2, large)]).err(),
            Some(nit_ring::RingError::Unreduced { value: 16, q: 16 }.into())
        );
        let sum = WeightedAutomorphismSum::new(&ring, vec![term(2, zero)]).unwrap();
        assert!(sum.apply(&[vec![0; 10]]).is_err());
        assert!(
            WeightedAutomorphismSum::matmul1d(&ring, 0, &vec![vec![vec![0; 10]; 3]; 3]).is_err()
        );
    }
}
