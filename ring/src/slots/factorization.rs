//! Phi_m = F_{T[0]} F_{T[1]} .. F_{T[l-1]} mod 2, each factor irreducible of degree d, in slot
//! order.
//!
//! Construction (no generic factorization of a degree-phi polynomial): in an auxiliary field
//! GF(2^d) = GF(2)[Z]/(P) take zeta of exact order m; the factor of the coset u<2> is the
//! minimal polynomial prod_{j<d} (X - zeta^{u 2^j}). F_1 is the smallest factor in HElib's
//! order (`Gf2Poly::helib_less`: c_0 most significant, then c_1, ...), say the one of zeta^w.
//! With rho = zeta^w (a root of F_1), F_t is the minimal polynomial of rho^{1/t}, i.e. of
//! zeta^{w t^{-1}} (HElib: "F_t is the minimal poly of x^{1/t} mod F_1"), equivalently
//! gcd(F_1(X^t), Phi_m).

use super::gf2e::Gf2Field;
use super::gf2x::Gf2Poly;
use super::hypercube::Hypercube;
use crate::cyclotomic::factorize;
use crate::error::RingError;

/// Largest slot degree d = ord_m(2) supported (GF(2^d) elements are single u64 words).
pub const MAX_SLOT_DEGREE: usize = 64;

/// a^{-1} mod m for a unit a (extended Euclid).
pub fn inverse_mod(a: u64, m: u64) -> u64 {
    let (mut old_r, mut r) = (a as i128 % m as i128, m as i128);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    assert_eq!(old_r, 1, "invariant: inverse_mod is called on units only");
    old_s.rem_euclid(m as i128) as u64
}

/// An element of exact order m in GF(2^d) (m | 2^d - 1): the first c = 2, 3, .. (as a
/// polynomial in Z) with zeta = c^((2^d - 1)/m) and zeta^(m/q) != 1 for every prime q | m.
fn primitive_root_of_unity(field: &Gf2Field, m: u64) -> u64 {
    let d = field.degree();
    let group_order = if d == 64 { u64::MAX } else { (1u64 << d) - 1 };
    let primes = factorize(m);
    (2u64..)
        .map(|c| field.pow(c, group_order / m))
        .find(|&zeta| primes.iter().all(|&(q, _)| field.pow(zeta, m / q) != 1))
        .expect("invariant: GF(2^d)^* is cyclic of order divisible by m")
}

/// The factors of Phi_m mod 2 in slot order: factors[i] = F_{T[i]}; factors[0] = F_1 is the
/// smallest in HElib's order.
pub fn factor_cyclotomic_mod_two(cube: &Hypercube) -> Result<Vec<Gf2Poly>, RingError> {
    let (m, d) = (cube.m() as u64, cube.d());
    if d > MAX_SLOT_DEGREE {
        return Err(RingError::SlotDegree { m: cube.m(), d });
    }
    let field = Gf2Field::new(&Gf2Field::smallest_irreducible(d));
    let zeta = primitive_root_of_unity(&field, m);
    // by_coset[i] = minimal polynomial of zeta^{T[i]}.
    let by_coset: Vec<Gf2Poly> = cube
        .representatives()
        .iter()
        .map(|&t| field.minimal_polynomial(field.pow(zeta, t as u64)))
        .collect();
    let first = (0..by_coset.len())
        .reduce(|best, i| {
            if by_coset[i].helib_less(&by_coset[best]) {
                i
            } else {
                best
            }
        })
        .expect("invariant: there is at least one slot");
    let w = cube.representatives()[first] as u64;
    Ok(cube
        .representatives()
        .iter()
        .map(|&t| {
            let exponent = w * inverse_mod(t as u64, m) % m;
            let (coset, _) = cube.locate(exponent).expect("invariant: w / t is a unit");
            by_coset[coset].clone()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclotomic::Cyclotomic;

    /// Phi_m mod 2 as a bit-packed polynomial.
    fn cyclotomic_mod_two(ring: &Cyclotomic) -> Gf2Poly {
        let coefficients: Vec<u64> = ring
            .polynomial()
            .iter()
            .map(|&c| c.rem_euclid(2) as u64)
            .collect();
        Gf2Poly::from_coefficients(&coefficients)
    }

    /// Independent irreducibility check for d <= 16: no factor of degree 1..=d/2 divides f
    /// (trial division by every polynomial of that degree).
    fn has_no_small_factor(f: &Gf2Poly) -> bool {
        let d = f.degree().unwrap();
        (2u64..1 << (d / 2 + 1)).all(|g| !f.rem(&Gf2Poly::from_words(vec![g])).is_zero())
    }

    fn check_factorization(m: usize) {
        let ring = Cyclotomic::new(m).unwrap();
        let cube = Hypercube::new(&ring).unwrap();
        let factors = factor_cyclotomic_mod_two(&cube).unwrap();
        assert_eq!(factors.len(), cube.slots());
        let product = factors.iter().fold(Gf2Poly::one(), |acc, f| acc.mul(f));
        assert_eq!(
            product,
            cyclotomic_mod_two(&ring),
            "m = {m}: product is Phi_m mod 2"
        );
        let mut distinct = factors.clone();
        distinct.sort_by_key(|f| f.words().to_vec());
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            factors.len(),
            "m = {m}: factors are distinct"
        );
        for f in &factors {
            assert_eq!(f.degree(), Some(cube.d()));
            assert!(f.is_irreducible(), "m = {m}: Rabin");
            if cube.d() <= 16 {
                assert!(has_no_small_factor(f), "m = {m}: trial division");
            }
            assert!(!f.helib_less(&factors[0]), "m = {m}: F_1 is the smallest");
        }
        // F_t = gcd(F_1(X^t), Phi_m) for the first few slots (X -> X^t on F_1's coefficients).
        let phi_m = cyclotomic_mod_two(&ring);
        let checked = if m > 5000 { 2 } else { 6 };
        for (i, &t) in cube.representatives().iter().enumerate().take(checked) {
            let mut substituted = vec![0u64; cube.d() * t as usize + 1];
            for k in 0..=cube.d() {
                substituted[k * t as usize] = factors[0].coefficient(k) as u64;
            }
            let composed = Gf2Poly::from_coefficients(&substituted).rem(&phi_m);
            assert_eq!(composed.gcd(&phi_m), factors[i], "m = {m}, t = {t}");
        }
    }

    #[test]
    fn factors_multiply_to_phi_m_mod_two_and_are_distinct_irreducibles() {
        for m in [31, 127, 255, 105, 4369, 1023] {
            check_factorization(m);
        }
    }

    #[test]
    fn paper_factors_multiply_to_phi_m_mod_two_and_are_distinct_irreducibles() {
        check_factorization(32767);
    }

    #[test]
    fn inverse_mod_inverts() {
        for a in [1u64, 2, 584, 838, 1022] {
            assert_eq!(a * inverse_mod(a, 1023) % 1023, 1);
        }
    }

    #[test]
    fn degree_beyond_sixty_four_is_a_typed_error() {
        // m = 131: 2 is a primitive root, so d = 130.
        let cube = Hypercube::new(&Cyclotomic::new(131).unwrap()).unwrap();
        assert_eq!(
            factor_cyclotomic_mod_two(&cube),
            Err(RingError::SlotDegree { m: 131, d: 130 })
        );
    }
}
