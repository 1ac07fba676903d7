//! CoeffsToSlots with the trace, thin (BOOTSTRAP_NOTES 3.6; Halevi-Shoup, ia.cr/2014/873,
//! Appendix A): a plaintext U mod 2^e goes to the slot vector (U_J(e))_e of its thin powerful
//! coefficients; every other coefficient is ignored.
//!
//! The slots of U are sum_J U_J prod_i (value of X_i^(j_i) at coordinate c_i). Three steps:
//! 1. Every non-special dimension i: MatMul1D with W_i^(-1) over GR(2^e, d) (W_i is a
//!    Vandermonde matrix of distinct roots of unity, invertible mod 2). Afterwards slot
//!    (.., t, ..) holds sum_j U_(.., j, ..) alpha_(t,j), alpha_(t,j) = value of X_s^j at
//!    coordinate t of the special dimension s, j < phi(m_s).
//! 2. Special dimension: MatMul1D with A' where, for every t,
//!    sum_(t') Tr(A'[t][t'] alpha_(t',j)) = [j = d t] for all j < phi(m_s):
//!    with Tr(a alpha) = sum_k a_k Tr(Y^k alpha), one phi(m_s) x phi(m_s) system over Z_(2^e)
//!    in the d coordinates of each A'[t][t'], the same matrix M[j][(t', k)] = Tr(Y^k alpha_(t',j))
//!    for every t, so A'[t] is column d t of M^(-1) (M is invertible: the trace form of the
//!    unramified GR is nondegenerate and the thick map is a bijection).
//! 3. The trace sum_(j<d) sigma_(2^j): slot (.., t, ..) becomes U_(.., d t, ..). Last, since
//!    the trace does not commute with GR constants.
//!
//! Cost: one hoisted sum per dimension as in SlotsToCoeffs, plus one sum of d - 1 keyed terms.

use crate::error::BootstrapError;
use crate::local_ring_matrix::{
    invert, GaloisRingElements, LocalRing, SlotMatrix, TwoAdicIntegers,
};
use crate::slot_linear_map::{SlotLinearMap, WeightedAutomorphismSum};
use crate::thin_structure::ThinStructure;

/// The map with its factors.
#[derive(Clone, Debug)]
pub struct CoeffsToSlots {
    /// (dimension, matrix) in the order applied, before the trace.
    factors: Vec<(usize, SlotMatrix)>,
    map: SlotLinearMap,
}

impl CoeffsToSlots {
    /// The map at plaintext modulus 2^bits (bits = e in recryption).
    pub fn new(thin: &ThinStructure, bits: u32) -> Result<Self, BootstrapError> {
        let ring = thin.ring_at(bits)?;
        let gr = GaloisRingElements::new(&ring);
        let mut factors = Vec::with_capacity(thin.dims().len());
        for dim in (0..thin.dims().len()).filter(|&i| i != thin.special()) {
            let inverse = invert(
                &gr,
                &thin.slot_matrix(bits, dim)?,
                "W_i of a non-special dimension",
            )?;
            factors.push((dim, inverse));
        }
        factors.push((thin.special(), special_matrix(thin, bits)?));
        let mut sums = factors
            .iter()
            .map(|(dim, matrix)| WeightedAutomorphismSum::matmul1d(&ring, *dim, matrix))
            .collect::<Result<Vec<_>, _>>()?;
        sums.push(WeightedAutomorphismSum::trace(&ring));
        Ok(CoeffsToSlots {
            factors,
            map: SlotLinearMap::new(sums),
        })
    }

    /// The hoisted sums BGV runs (the last one is the trace).
    pub fn map(&self) -> &SlotLinearMap {
        &self.map
    }

    /// (dimension, matrix) in the order the sums apply them, before the trace.
    pub fn factors(&self) -> &[(usize, SlotMatrix)] {
        &self.factors
    }
}

/// A' of step 2 over GR(2^bits, d).
fn special_matrix(thin: &ThinStructure, bits: u32) -> Result<SlotMatrix, BootstrapError> {
    let ring = thin.ring_at(bits)?;
    let gr = GaloisRingElements::new(&ring);
    let integers = TwoAdicIntegers::new(bits);
    let s = thin.special();
    let dimension = thin.dimension(s)?;
    let d = ring.d();
    // trace_of_power[u] = Tr(Y^u), u < 2d - 1.
    let y = gr.basis_vector(1);
    let trace_of_power: Vec<u64> = (0..2 * d - 1)
        .map(|u| gr.trace(&gr.pow(&y, u as u64)))
        .collect();
    // M[j][t' d + k] = Tr(Y^k alpha_(t',j)) = sum_i alpha_i Tr(Y^(k+i)).
    let mut system = vec![vec![0u64; dimension.phi]; dimension.phi];
    for t_prime in 0..dimension.order {
        for (j, row) in system.iter_mut().enumerate() {
            let alpha = thin.monomial_value(&ring, s, t_prime, j);
            for k in 0..d {
                row[t_prime * d + k] = alpha.iter().enumerate().fold(0, |acc, (i, &a)| {
                    integers.add(&acc, &integers.mul(&a, &trace_of_power[k + i]))
                });
            }
        }
    }
    let inverse = invert(
        &integers,
        &system,
        "the trace system of the special dimension",
    )?;
    Ok((0..dimension.order)
        .map(|t| {
            (0..dimension.order)
                .map(|t_prime| (0..d).map(|k| inverse[t_prime * d + k][d * t]).collect())
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_ring_matrix::multiply;
    use crate::slots_to_coeffs::SlotsToCoeffs;
    use crate::test_rings::{multiply_along, random_slots, ring, rng, thin};
    use rand::Rng;

    fn structure(m: usize) -> ThinStructure {
        ThinStructure::new(&ring(m, 1)).unwrap()
    }

    /// Slots of the plaintext with powerful coefficients `powerful` mod 2^bits.
    fn slots_of(structure: &ThinStructure, bits: u32, powerful: &[u64]) -> Vec<Vec<u64>> {
        let ring = structure.ring_at(bits).unwrap();
        ring.decode_full(&structure.basis().lift(powerful).unwrap())
            .unwrap()
    }

    #[test]
    fn coeffs_to_slots_of_a_constant_is_the_constant_in_slot_zero() {
        for (m, bits) in [(1023, 8), (255, 8), (1023, 1)] {
            let structure = structure(m);
            let ctos = CoeffsToSlots::new(&structure, bits).unwrap();
            let ring = structure.ring_at(bits).unwrap();
            let c = 0xb5 & (ring.plaintext_modulus() - 1);
            let mut constant = vec![0u64; ring.phi()];
            constant[0] = c;
            let output = ctos
                .map()
                .apply(&ring.decode_full(&constant).unwrap())
                .unwrap();
            let mut expect = vec![0u64; ring.slots()];
            expect[0] = c;
            assert_eq!(output, thin(&ring, &expect), "m = {m}, bits {bits}");
        }
    }

    /// The strongest known answer: random powerful coefficients everywhere, the output is the
    /// thin ones, U_J(e) in slot e.
    fn reads_the_thin_coefficients(m: usize, bits: u32, seed: u64) {
        let structure = structure(m);
        let ctos = CoeffsToSlots::new(&structure, bits).unwrap();
        let mut rng = rng(seed);
        let powerful: Vec<u64> = (0..structure.basis().len())
            .map(|_| rng.gen_range(0..1 << bits))
            .collect();
        let output = ctos
            .map()
            .apply(&slots_of(&structure, bits, &powerful))
            .unwrap();
        let expect: Vec<u64> = (0..structure.ring().slots())
            .map(|e| {
                powerful[structure
                    .basis()
                    .index(&structure.thin_position(e))
                    .unwrap()]
            })
            .collect();
        assert_eq!(
            output,
            thin(&structure.ring_at(bits).unwrap(), &expect),
            "m = {m}, bits {bits}"
        );
    }

    #[test]
    fn coeffs_to_slots_reads_the_thin_powerful_coefficients_at_toy() {
        for (bits, seed) in [(2, 80), (8, 81), (9, 82), (16, 83)] {
            reads_the_thin_coefficients(1023, bits, seed);
        }
    }

    #[test]
    fn coeffs_to_slots_reads_the_thin_powerful_coefficients_with_a_bad_dimension() {
        for (bits, seed) in [(2, 84), (8, 85), (12, 86)] {
            reads_the_thin_coefficients(255, bits, seed);
        }
    }

    #[test]
    fn coeffs_to_slots_inverts_slots_to_coeffs_on_thin_values() {
        for (m, bits, seed) in [(1023, 8, 87), (1023, 9, 88), (255, 8, 89), (255, 5, 90)] {
            let structure = structure(m);
            let stoc = SlotsToCoeffs::new(&structure, bits).unwrap();
            let ctos = CoeffsToSlots::new(&structure, bits).unwrap();
            let ring = structure.ring_at(bits).unwrap();
            let mut rng = rng(seed);
            let b: Vec<u64> = (0..ring.slots())
                .map(|_| rng.gen_range(0..ring.plaintext_modulus()))
                .collect();
            let round_trip = ctos
                .map()
                .apply(&stoc.map().apply(&thin(&ring, &b)).unwrap())
                .unwrap();
            assert_eq!(round_trip, thin(&ring, &b), "m = {m}, bits {bits}");
        }
    }

    /// cargo test --release -p nit-bootstrap -- --ignored coeffs_to_slots_at_paper
    #[test]
    #[ignore = "m = 32767: about 10 seconds"]
    fn coeffs_to_slots_at_paper_reads_thin_coefficients_and_inverts_slots_to_coeffs() {
        reads_the_thin_coefficients(32767, 8, 91);
        let structure = structure(32767);
        let stoc = SlotsToCoeffs::new(&structure, 8).unwrap();
        let ctos = CoeffsToSlots::new(&structure, 8).unwrap();
        let ring = structure.ring_at(8).unwrap();
        let mut rng = rng(92);
        let b: Vec<u64> = (0..ring.slots()).map(|_| rng.gen_range(0..256)).collect();
        let round_trip = ctos
            .map()
            .apply(&stoc.map().apply(&thin(&ring, &b)).unwrap())
            .unwrap();
        assert_eq!(round_trip, thin(&ring, &b));
        assert_eq!(counts(32767), (4, 66, 70, 66));
    }

    #[test]
    fn inverse_slot_matrices_are_inverses() {
        let structure = structure(1023);
        let ctos = CoeffsToSlots::new(&structure, 8).unwrap();
        let ring = structure.ring_at(8).unwrap();
        let gr = GaloisRingElements::new(&ring);
        let (dim, inverse) = &ctos.factors()[0];
        let w = structure.slot_matrix(8, *dim).unwrap();
        let product = multiply(&gr, &w, inverse);
        for (i, row) in product.iter().enumerate() {
            for (j, x) in row.iter().enumerate() {
                assert_eq!(x, &if i == j { gr.one() } else { gr.zero() });
            }
        }
    }

    /// The term list against the direct products along each dimension and the slot-wise trace.
    #[test]
    fn coeffs_to_slots_terms_equal_the_direct_product() {
        for (m, bits) in [(1023, 8), (255, 8)] {
            let structure = structure(m);
            let ctos = CoeffsToSlots::new(&structure, bits).unwrap();
            let ring = ring(m, bits);
            let gr = GaloisRingElements::new(&ring);
            let x = random_slots(&mut rng(93), &ring, ring.slots());
            let direct: Vec<Vec<u64>> = ctos
                .factors()
                .iter()
                .fold(x.clone(), |y, (dim, w)| multiply_along(&ring, *dim, w, &y))
                .iter()
                .map(|v| {
                    let mut t = gr.zero();
                    t[0] = gr.trace(v);
                    t
                })
                .collect();
            assert_eq!(ctos.map().apply(&x).unwrap(), direct, "m = {m}");
        }
    }

    /// (key switches, keyed terms, constants, distinct keys) of the map at t = 2^8.
    fn counts(m: usize) -> (usize, usize, usize, usize) {
        let ctos = CoeffsToSlots::new(&structure(m), 8).unwrap();
        let map = ctos.map();
        println!(
            "m = {m}: {} key switches, {} keyed terms, {} constants, {} distinct keys",
            map.key_switches(),
            map.keyed_terms(),
            map.constants(),
            map.key_exponents().len()
        );
        (
            map.key_switches(),
            map.keyed_terms(),
            map.constants(),
            map.key_exponents().len(),
        )
    }

    /// Notes, section 0: 14 + 9 keyed terms in 2 + 1 sums at m = 1023.
    #[test]
    fn coeffs_to_slots_counts_keys_and_constants() {
        assert_eq!(counts(1023), (3, 23, 26, 23));
        assert_eq!(counts(255), (3, 22, 25, 22));
        for m in [1023, 255] {
            let stoc_keys = SlotsToCoeffs::new(&structure(m), 1)
                .unwrap()
                .map()
                .key_exponents();
            let ctos_keys = CoeffsToSlots::new(&structure(m), 8)
                .unwrap()
                .map()
                .key_exponents();
            assert!(stoc_keys.iter().all(|h| ctos_keys.contains(h)), "m = {m}");
        }
    }
}
