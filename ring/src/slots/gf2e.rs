//! GF(2^d) = GF(2)[Y]/(P(Y)) for an irreducible P of degree 1 <= d <= 64; an element is a u64
//! whose bit i is the coefficient of Y^i (bits at and above d are zero).
//!
//! Used once per ring to find a primitive m-th root of unity zeta and the minimal polynomials
//! prod_j (X - zeta^{u 2^j}), which are the irreducible factors of Phi_m mod 2.

use super::gf2x::Gf2Poly;

/// GF(2^d) = GF(2)[Y]/(P(Y)), 1 <= d <= 64; elements are u64 with bit i the coefficient of
/// Y^i, bits >= d zero.
#[derive(Clone, Debug)]
pub struct Gf2Field {
    d: usize,
    /// P(Y) - Y^d.
    low: u64,
}

impl Gf2Field {
    /// The field GF(2)[Y]/(P); P must be irreducible of degree in [1, 64].
    pub fn new(modulus: &Gf2Poly) -> Self {
        let d = modulus
            .degree()
            .filter(|&d| (1..=64).contains(&d))
            .expect("invariant: Gf2Field modulus has degree in [1, 64]");
        let low = modulus.words()[0] & Self::mask_of(d);
        Gf2Field { d, low }
    }

    /// The irreducible polynomial of degree d whose coefficients below Y^d, read as a binary
    /// number, are smallest (d in [1, 64]).
    pub fn smallest_irreducible(d: usize) -> Gf2Poly {
        (1u64..)
            .step_by(2)
            .map(|low| {
                let mut words = vec![low & Self::mask_of(d), 0];
                words[d / 64] |= 1u64 << (d % 64);
                Gf2Poly::from_words(words)
            })
            .find(|f| f.is_irreducible())
            .expect("invariant: an irreducible polynomial of every degree exists")
    }

    fn mask_of(d: usize) -> u64 {
        if d == 64 {
            u64::MAX
        } else {
            (1u64 << d) - 1
        }
    }

    /// d = deg P, in [1, 64]: the field has 2^d elements.
    pub fn degree(&self) -> usize {
        self.d
    }

    /// y * Y.
    fn times_y(&self, y: u64) -> u64 {
        let carry = (y >> (self.d - 1)) & 1;
        let shifted = (y << 1) & Self::mask_of(self.d);
        shifted ^ (self.low & carry.wrapping_neg())
    }

    /// a * b mod P (shift-and-add, one reduction by P per bit of b); a, b reduced (bits < d).
    pub fn mul(&self, a: u64, b: u64) -> u64 {
        let (mut a, mut b, mut product) = (a, b, 0u64);
        while b != 0 {
            product ^= a & (b & 1).wrapping_neg();
            b >>= 1;
            a = self.times_y(a);
        }
        product
    }

    /// base^exponent by square-and-multiply; base^0 = 1.
    pub fn pow(&self, base: u64, mut exponent: u64) -> u64 {
        let (mut base, mut result) = (base, 1u64);
        while exponent != 0 {
            if exponent & 1 == 1 {
                result = self.mul(result, base);
            }
            base = self.mul(base, base);
            exponent >>= 1;
        }
        result
    }

    /// The minimal polynomial over GF(2) of a: prod (X - c) over the distinct conjugates
    /// c = a^(2^j). Its coefficients lie in GF(2) (they are fixed by Frobenius).
    pub fn minimal_polynomial(&self, a: u64) -> Gf2Poly {
        // coefficients[i] = coefficient of X^i, in GF(2^d).
        let mut coefficients = vec![1u64];
        let mut conjugate = a;
        loop {
            coefficients.push(0);
            for i in (1..coefficients.len()).rev() {
                coefficients[i] = coefficients[i - 1] ^ self.mul(conjugate, coefficients[i]);
            }
            coefficients[0] = self.mul(conjugate, coefficients[0]);
            conjugate = self.mul(conjugate, conjugate);
            if conjugate == a {
                break;
            }
        }
        assert!(
            coefficients.iter().all(|&c| c <= 1),
            "invariant: a minimal polynomial over GF(2) has coefficients in GF(2)"
        );
        Gf2Poly::from_coefficients(&coefficients)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_irreducibles_are_the_known_ones() {
        // Y^2+Y+1, Y^3+Y+1, Y^4+Y+1, Y^8+Y^4+Y^3+Y+1 (the AES polynomial), Y^64+Y^4+Y^3+Y+1.
        assert_eq!(Gf2Field::smallest_irreducible(2).words(), &[0b111]);
        assert_eq!(Gf2Field::smallest_irreducible(3).words(), &[0b1011]);
        assert_eq!(Gf2Field::smallest_irreducible(4).words(), &[0b10011]);
        assert_eq!(Gf2Field::smallest_irreducible(8).words(), &[0x11b]);
        assert_eq!(Gf2Field::smallest_irreducible(64).words(), &[0b11011, 1]);
    }

    #[test]
    fn multiplicative_group_has_order_two_to_the_d_minus_one() {
        for d in [2usize, 5, 10, 15, 64] {
            let field = Gf2Field::new(&Gf2Field::smallest_irreducible(d));
            for a in [2u64, 3, (0x1234 & Gf2Field::mask_of(d)).max(1)] {
                let order = if d == 64 { u64::MAX } else { (1u64 << d) - 1 };
                assert_eq!(field.pow(a, order), 1, "d = {d}, a = {a}");
            }
        }
    }

    #[test]
    fn minimal_polynomial_of_a_generator_is_the_modulus() {
        let modulus = Gf2Field::smallest_irreducible(10);
        let field = Gf2Field::new(&modulus);
        assert_eq!(field.minimal_polynomial(2), modulus);
        assert_eq!(field.minimal_polynomial(1).words(), &[0b11]);
    }
}
