//! The integers modulo m and the cyclotomic polynomial Phi_m(X).
//!
//! Phi_m = prod_{d | m} (X^d - 1)^{mu(m/d)}, computed exactly over Z by multiplying and dividing
//! by the binomials X^d - 1 (each division is exact). deg Phi_m = phi(m).

use serde::{Deserialize, Serialize};

/// Prime factorization of m as (prime, exponent), primes increasing.
pub fn factorize(mut m: u64) -> Vec<(u64, u32)> {
    let mut factors = Vec::new();
    let mut p = 2;
    while p * p <= m {
        if m.is_multiple_of(p) {
            let mut e = 0;
            while m.is_multiple_of(p) {
                m /= p;
                e += 1;
            }
            factors.push((p, e));
        }
        p += 1;
    }
    if m > 1 {
        factors.push((m, 1));
    }
    factors
}

/// Euler's phi(m).
pub fn euler_phi(m: u64) -> u64 {
    factorize(m)
        .iter()
        .fold(m, |acc, &(p, _)| acc / p * (p - 1))
}

/// Greatest common divisor (Euclid); gcd(a, 0) = a.
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The Moebius function.
fn moebius(n: u64) -> i32 {
    let f = factorize(n);
    if f.iter().any(|&(_, e)| e > 1) {
        0
    } else if f.len().is_multiple_of(2) {
        1
    } else {
        -1
    }
}

/// Multiplicative order of a modulo m (gcd(a, m) = 1, m > 1).
pub fn multiplicative_order(a: u64, m: u64) -> u64 {
    let mut x = a % m;
    let mut k = 1;
    while x != 1 {
        x = (x as u128 * a as u128 % m as u128) as u64;
        k += 1;
    }
    k
}

/// Phi_m(X) over Z, coefficients from X^0 to X^phi(m).
pub fn cyclotomic_polynomial(m: u64) -> Vec<i64> {
    let mut poly = vec![1i64];
    let divisors: Vec<u64> = (1..=m).filter(|d| m.is_multiple_of(*d)).collect();
    // Multiply first by every (X^d - 1) with mu = +1, then divide by those with mu = -1.
    for &d in &divisors {
        if moebius(m / d) == 1 {
            let mut next = vec![0i64; poly.len() + d as usize];
            for (i, &c) in poly.iter().enumerate() {
                next[i + d as usize] += c;
                next[i] -= c;
            }
            poly = next;
        }
    }
    for &d in &divisors {
        if moebius(m / d) == -1 {
            // Divide by X^d - 1: q_{i} = -(p_i - q_{i-d}) read from the low end.
            let d = d as usize;
            let n = poly.len() - d;
            let mut quotient = vec![0i64; n];
            for i in 0..n {
                let earlier = if i >= d { quotient[i - d] } else { 0 };
                quotient[i] = earlier - poly[i];
            }
            poly = quotient;
        }
    }
    poly
}

/// The ring description Z[X]/Phi_m(X) for odd m: m, phi(m), the units of Z_m in increasing
/// order (the evaluation points zeta^i of the DoubleCRT form) and their positions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Cyclotomic {
    m: usize,
    phi: usize,
    units: Vec<u32>,
    /// unit_index[i] = position of i in `units`, or u32::MAX when gcd(i, m) > 1.
    unit_index: Vec<u32>,
    phi_m: Vec<i64>,
}

impl TryFrom<u64> for Cyclotomic {
    type Error = crate::error::RingError;
    fn try_from(m: u64) -> Result<Self, Self::Error> {
        Cyclotomic::new(m as usize)
    }
}

impl From<Cyclotomic> for u64 {
    fn from(c: Cyclotomic) -> u64 {
        c.m as u64
    }
}

/// Largest supported m: the NTT for 2m - 1 points must stay a reasonable size.
pub const MAX_M: usize = 1 << 17;

impl Cyclotomic {
    /// The ring for odd m in [3, 2^17].
    pub fn new(m: usize) -> Result<Self, crate::error::RingError> {
        if m < 3 || m.is_multiple_of(2) || m > MAX_M {
            return Err(crate::error::RingError::UnsupportedM(m));
        }
        let units: Vec<u32> = (1..m as u64)
            .filter(|&i| gcd(i, m as u64) == 1)
            .map(|i| i as u32)
            .collect();
        let mut unit_index = vec![u32::MAX; m];
        for (pos, &u) in units.iter().enumerate() {
            unit_index[u as usize] = pos as u32;
        }
        Ok(Cyclotomic {
            m,
            phi: units.len(),
            units,
            unit_index,
            phi_m: cyclotomic_polynomial(m as u64),
        })
    }

    /// Cyclotomic index m: odd, in [3, 2^17].
    pub fn m(&self) -> usize {
        self.m
    }

    /// Ring dimension phi(m) = |Z_m^*| = deg Phi_m.
    pub fn phi(&self) -> usize {
        self.phi
    }

    /// Elements of Z_m^* in increasing order.
    pub fn units(&self) -> &[u32] {
        &self.units
    }

    /// Position of the unit i in `units()`, or None if gcd(i, m) > 1.
    pub fn unit_position(&self, i: usize) -> Option<usize> {
        let pos = self.unit_index[i % self.m];
        (pos != u32::MAX).then_some(pos as usize)
    }

    /// Phi_m(X) over Z, low degree first (monic, degree phi).
    pub fn polynomial(&self) -> &[i64] {
        &self.phi_m
    }

    /// Prime factorization of m.
    pub fn factorization(&self) -> Vec<(u64, u32)> {
        factorize(self.m as u64)
    }

    /// Reduces an integer polynomial of any degree modulo Phi_m (schoolbook; for tests,
    /// plaintexts and other off-hot-path uses).
    pub fn reduce_i128(&self, poly: &[i128]) -> Vec<i128> {
        let mut p = poly.to_vec();
        let phi = self.phi;
        for top in (phi..p.len()).rev() {
            let c = p[top];
            if c != 0 {
                for (j, &f) in self.phi_m[..phi].iter().enumerate() {
                    p[top - phi + j] -= c * f as i128;
                }
            }
        }
        p.resize(phi, 0);
        p
    }

    /// The permutation of evaluation points performed by the automorphism X -> X^k: the value
    /// of sigma_k(a) at zeta^{u_j} is the value of a at zeta^{k u_j}, so
    /// `result[j] = position of (k * units[j] mod m)`. None if gcd(k, m) > 1.
    pub fn automorphism_permutation(&self, k: usize) -> Option<Vec<u32>> {
        self.unit_position(k)?;
        Some(
            self.units
                .iter()
                .map(|&u| self.unit_index[(u as usize * k) % self.m])
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_small_cyclotomics() {
        assert_eq!(cyclotomic_polynomial(1), vec![-1, 1]);
        assert_eq!(cyclotomic_polynomial(3), vec![1, 1, 1]);
        assert_eq!(cyclotomic_polynomial(5), vec![1, 1, 1, 1, 1]);
        assert_eq!(cyclotomic_polynomial(9), vec![1, 0, 0, 1, 0, 0, 1]);
        assert_eq!(
            cyclotomic_polynomial(15),
            vec![1, -1, 0, 1, -1, 1, 0, -1, 1]
        );
        assert_eq!(
            cyclotomic_polynomial(21),
            vec![1, -1, 0, 1, -1, 0, 1, 0, -1, 1, 0, -1, 1]
        );
        // Phi_105 is the first with a coefficient of absolute value 2 (-2 at X^7 and X^41).
        let p105 = cyclotomic_polynomial(105);
        assert_eq!(p105.len(), 49);
        assert_eq!(p105[7], -2);
        assert_eq!(p105[41], -2);
        assert_eq!(p105.iter().map(|c| c.abs()).max(), Some(2));
    }

    #[test]
    fn degree_is_phi_and_product_over_divisors_is_x_m_minus_1() {
        for m in [31u64, 105, 127, 255, 1023, 4369] {
            let p = cyclotomic_polynomial(m);
            assert_eq!(p.len() as u64 - 1, euler_phi(m));
            let mut prod = vec![1i128];
            for d in (1..=m).filter(|d| m % d == 0) {
                let f = cyclotomic_polynomial(d);
                let mut next = vec![0i128; prod.len() + f.len() - 1];
                for (i, &a) in prod.iter().enumerate() {
                    for (j, &b) in f.iter().enumerate() {
                        next[i + j] += a * b as i128;
                    }
                }
                prod = next;
            }
            let mut expect = vec![0i128; m as usize + 1];
            expect[0] = -1;
            expect[m as usize] = 1;
            assert_eq!(prod, expect, "m = {m}");
        }
    }

    #[test]
    fn named_ring_facts() {
        let toy = Cyclotomic::new(1023).unwrap();
        assert_eq!(toy.phi(), 600);
        assert_eq!(toy.factorization(), vec![(3, 1), (11, 1), (31, 1)]);
        let paper = Cyclotomic::new(32767).unwrap();
        assert_eq!(paper.phi(), 27000);
        assert_eq!(paper.factorization(), vec![(7, 1), (31, 1), (151, 1)]);
        assert_eq!(multiplicative_order(2, 1023), 10);
        assert_eq!(multiplicative_order(2, 32767), 15);
        assert!(Cyclotomic::new(1024).is_err());
        assert!(Cyclotomic::new(1).is_err());
    }
}
