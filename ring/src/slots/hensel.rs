//! Hensel lifting of one factor: the unique monic F~ in Z_{2^32}[X] with F~ = F (mod 2) and
//! F~ | X^m - 1 (mod 2^32), for F an irreducible factor of Phi_m mod 2 (m odd, so X^m - 1 is
//! squarefree mod 2 and the lift exists and is unique).
//!
//! Linear lifting, one bit per step. If g = F~ + 2^k e (mod 2^{k+1}) and h = (X^m - 1)/F~, then
//! X^m - 1 = -2^k e h (mod g, 2^{k+1}), so with R = (X^m - 1) mod g (divisible by 2^k):
//! e = (R / 2^k) h^{-1} (mod g, 2). From f' = g' h (mod g), f = X^m - 1, f' = m X^{m-1} and
//! X^m = 1: h^{-1} = X g'(X) (mod g, 2). The next approximation is g + 2^k e (= g - 2^k e
//! mod 2^{k+1}). All other factors follow from F~ inside the Galois ring (`galois_ring`).

use super::gf2x::Gf2Poly;
use super::zx2r::pow_x_mod;

/// Number of bits of the lift: the tables serve every r <= LIFT_BITS.
pub const LIFT_BITS: u32 = 32;

/// The lift of F (irreducible, F | Phi_m mod 2, degree >= 1) to Z_{2^32}: deg F + 1
/// coefficients, monic, dividing X^m - 1 modulo 2^32.
pub fn lift_factor(f: &Gf2Poly, m: usize) -> Vec<u32> {
    let d = f
        .degree()
        .expect("invariant: lift_factor gets a nonzero factor");
    // X F'(X) over GF(2) keeps the odd-degree terms of F.
    let odd_terms: Vec<u64> = (0..=d)
        .map(|i| (i % 2 == 1 && f.coefficient(i)) as u64)
        .collect();
    let h_inverse = Gf2Poly::from_coefficients(&odd_terms).rem(f);
    let mut g: Vec<u32> = (0..=d).map(|i| f.coefficient(i) as u32).collect();
    for k in 1..LIFT_BITS {
        let mut remainder = pow_x_mod(m as u64, &g);
        remainder[0] = remainder[0].wrapping_sub(1);
        assert!(
            remainder.iter().all(|&c| c & ((1u32 << k) - 1) == 0),
            "invariant: g divides X^m - 1 modulo 2^k before step k"
        );
        let error_bits: Vec<u64> = remainder.iter().map(|&c| ((c >> k) & 1) as u64).collect();
        let correction = Gf2Poly::from_coefficients(&error_bits).mul_mod(&h_inverse, f);
        for (i, coefficient) in g.iter_mut().enumerate().take(d) {
            *coefficient = coefficient.wrapping_add((correction.coefficient(i) as u32) << k);
        }
    }
    let mut remainder = pow_x_mod(m as u64, &g);
    remainder[0] = remainder[0].wrapping_sub(1);
    assert!(
        remainder.iter().all(|&c| c == 0),
        "invariant: the lifted factor divides X^m - 1 modulo 2^32"
    );
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclotomic::Cyclotomic;
    use crate::slots::factorization::factor_cyclotomic_mod_two;
    use crate::slots::hypercube::Hypercube;

    #[test]
    fn lift_reduces_to_the_factor_and_divides_x_to_the_m_minus_one() {
        for m in [31usize, 105, 1023, 32767] {
            let cube = Hypercube::new(&Cyclotomic::new(m).unwrap()).unwrap();
            let factors = factor_cyclotomic_mod_two(&cube).unwrap();
            let lifted = lift_factor(&factors[0], m);
            let reduced: Vec<u64> = lifted.iter().map(|&c| (c & 1) as u64).collect();
            assert_eq!(Gf2Poly::from_coefficients(&reduced), factors[0], "m = {m}");
            assert_eq!(lifted[cube.d()], 1);
        }
    }
}
