//! SlotsToCoeffs, thin (BOOTSTRAP_NOTES 3.2; Halevi-Shoup, ia.cr/2014/873, Appendix A):
//! the slot vector b goes to the plaintext sum_e b_e X^J(e), the thin powerful monomials of
//! [`ThinStructure`].
//!
//! The slots of that plaintext are (W_0 (x) .. (x) W_(n-1)) b, so the map is one MatMul1D
//! with W_i per dimension, special dimension first (HElib's order; the factors commute). In
//! recryption t = 2 and the constants are over GF(2^d) = GR(2, d); any 2^r works the same.
//! Cost: one hoisted sum per dimension, D_i constants each (2 D_i - 1 on a bad dimension).

use crate::error::BootstrapError;
use crate::local_ring_matrix::SlotMatrix;
use crate::slot_linear_map::{SlotLinearMap, WeightedAutomorphismSum};
use crate::thin_structure::ThinStructure;

/// The map with its factors.
#[derive(Clone, Debug)]
pub struct SlotsToCoeffs {
    /// (dimension, W_dim) in the order applied.
    factors: Vec<(usize, SlotMatrix)>,
    map: SlotLinearMap,
}

impl SlotsToCoeffs {
    /// The map with constants over GR(2^bits, d) (bits = 1 in recryption).
    pub fn new(thin: &ThinStructure, bits: u32) -> Result<Self, BootstrapError> {
        let ring = thin.ring_at(bits)?;
        let order = std::iter::once(thin.special())
            .chain((0..thin.dims().len()).filter(|&i| i != thin.special()));
        let factors = order
            .map(|dim| Ok((dim, thin.slot_matrix(bits, dim)?)))
            .collect::<Result<Vec<_>, BootstrapError>>()?;
        let sums = factors
            .iter()
            .map(|(dim, matrix)| WeightedAutomorphismSum::matmul1d(&ring, *dim, matrix))
            .collect::<Result<_, _>>()?;
        Ok(SlotsToCoeffs {
            factors,
            map: SlotLinearMap::new(sums),
        })
    }

    /// The hoisted sums BGV runs.
    pub fn map(&self) -> &SlotLinearMap {
        &self.map
    }

    /// (dimension, W_dim) in the order the sums apply them.
    pub fn factors(&self) -> &[(usize, SlotMatrix)] {
        &self.factors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rings::{multiply_along, random_slots, ring, rng, thin};
    use nit_ring::zq::Modulus;
    use rand::Rng;

    /// The powerful coefficients (mod 2^bits) of the plaintext whose slots are `slots`.
    fn powerful_coefficients(structure: &ThinStructure, bits: u32, slots: &[Vec<u64>]) -> Vec<u64> {
        let ring = structure.ring_at(bits).unwrap();
        let poly = ring.encode_full(slots).unwrap();
        structure
            .basis()
            .to_powerful(&poly, &Modulus::new(1 << bits))
            .unwrap()
    }

    fn one_hot_is_one_powerful_monomial(m: usize, slots: &[usize]) {
        let structure = ThinStructure::new(&ring(m, 1)).unwrap();
        let stoc = SlotsToCoeffs::new(&structure, 1).unwrap();
        let l = structure.ring().slots();
        for &e in slots {
            let mut b = vec![0u64; l];
            b[e] = 1;
            let output = stoc.map().apply(&thin(structure.ring(), &b)).unwrap();
            assert_eq!(
                powerful_coefficients(&structure, 1, &output),
                structure.thin_polynomial(&b).unwrap(),
                "m = {m}, slot {e}"
            );
            if e == 0 {
                assert_eq!(output, thin(structure.ring(), &vec![1; l]), "constant 1");
            }
        }
        let ones = stoc
            .map()
            .apply(&thin(structure.ring(), &vec![1; l]))
            .unwrap();
        assert_eq!(
            powerful_coefficients(&structure, 1, &ones),
            structure.thin_polynomial(&vec![1; l]).unwrap(),
            "m = {m}: all ones"
        );
    }

    #[test]
    fn slots_to_coeffs_of_a_one_hot_slot_is_its_powerful_monomial_at_toy() {
        one_hot_is_one_powerful_monomial(1023, &(0..60).collect::<Vec<_>>());
    }

    #[test]
    fn slots_to_coeffs_of_a_one_hot_slot_is_its_powerful_monomial_with_a_bad_dimension() {
        one_hot_is_one_powerful_monomial(255, &(0..16).collect::<Vec<_>>());
    }

    /// cargo test --release -p nit-bootstrap -- --ignored slots_to_coeffs_at_paper
    #[test]
    #[ignore = "m = 32767: about 20 seconds"]
    fn slots_to_coeffs_at_paper_one_hot_and_all_ones() {
        let sample: Vec<usize> = (0..1800).step_by(59).chain([1, 59, 60, 1799]).collect();
        one_hot_is_one_powerful_monomial(32767, &sample);
        assert_eq!(counts(32767), (3, 52, 55, 52));
    }

    /// Thin values mod 2^r (r > 1): the same monomials carry the values.
    #[test]
    fn slots_to_coeffs_of_thin_values_mod_two_to_the_r_is_the_thin_polynomial() {
        for m in [1023, 255] {
            let structure = ThinStructure::new(&ring(m, 1)).unwrap();
            let stoc = SlotsToCoeffs::new(&structure, 9).unwrap();
            let mut rng = rng(70);
            let b: Vec<u64> = (0..structure.ring().slots())
                .map(|_| rng.gen_range(0..1 << 9))
                .collect();
            let output = stoc.map().apply(&thin(&ring(m, 9), &b)).unwrap();
            assert_eq!(
                powerful_coefficients(&structure, 9, &output),
                structure.thin_polynomial(&b).unwrap(),
                "m = {m}"
            );
        }
    }

    /// The term list (what BGV runs) against the direct matrix-vector products along each
    /// dimension, on random full slot contents.
    #[test]
    fn slots_to_coeffs_terms_equal_the_direct_product() {
        for (m, bits) in [(1023, 1), (255, 1), (1023, 8)] {
            let structure = ThinStructure::new(&ring(m, 1)).unwrap();
            let stoc = SlotsToCoeffs::new(&structure, bits).unwrap();
            let ring = ring(m, bits);
            let x = random_slots(&mut rng(71), &ring, ring.slots());
            let direct = stoc
                .factors()
                .iter()
                .fold(x.clone(), |y, (dim, w)| multiply_along(&ring, *dim, w, &y));
            assert_eq!(
                stoc.map().apply(&x).unwrap(),
                direct,
                "m = {m}, bits {bits}"
            );
        }
    }

    /// (key switches, keyed terms, constants, distinct keys) of the map at t = 2.
    fn counts(m: usize) -> (usize, usize, usize, usize) {
        let stoc = SlotsToCoeffs::new(&ThinStructure::new(&ring(m, 1)).unwrap(), 1).unwrap();
        let map = stoc.map();
        let keys = map.key_exponents();
        println!(
            "m = {m}: {} key switches, {} keyed terms, {} constants, keys {keys:?}",
            map.key_switches(),
            map.keyed_terms(),
            map.constants(),
        );
        (
            map.key_switches(),
            map.keyed_terms(),
            map.constants(),
            keys.len(),
        )
    }

    /// Notes, table of section 0: 14 keyed terms in 2 sums at m = 1023 (D = 10 and 6); 255:
    /// D = 8 on the bad dimension (1 + 2 * 7 terms) and D = 2.
    #[test]
    fn slots_to_coeffs_counts_keys_and_constants() {
        assert_eq!(counts(1023), (2, 14, 16, 14));
        assert_eq!(counts(255), (2, 15, 17, 15));
    }
}
