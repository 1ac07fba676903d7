//! GF(2)[X], bit-packed: the coefficient of X^i is bit (i mod 64) of word i / 64.
//!
//! Invariant of [`Gf2Poly`]: no trailing zero word, so equal polynomials have equal word vectors
//! and the zero polynomial has no words. [`Gf2Reducer`] reduces bit vectors modulo one fixed
//! polynomial (Phi_m mod 2) with word-aligned XORs of pre-shifted copies.

use super::zx2r::CyclotomicFold;
use crate::cyclotomic::{factorize, Cyclotomic};

/// A polynomial over GF(2), bit-packed into u64 words.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Gf2Poly {
    words: Vec<u64>,
}

/// dst ^= src * X^shift, over the words dst covers (dst must be long enough).
fn xor_shifted(dst: &mut [u64], src: &[u64], shift: usize) {
    let (word, bit) = (shift / 64, shift % 64);
    if bit == 0 {
        for (d, &s) in dst[word..].iter_mut().zip(src) {
            *d ^= s;
        }
        return;
    }
    let mut carry = 0u64;
    for (i, &s) in src.iter().enumerate() {
        dst[word + i] ^= (s << bit) | carry;
        carry = s >> (64 - bit);
    }
    if carry != 0 {
        dst[word + src.len()] ^= carry;
    }
}

impl Gf2Poly {
    /// The zero polynomial (no words).
    pub fn zero() -> Self {
        Gf2Poly { words: Vec::new() }
    }

    /// The constant polynomial 1.
    pub fn one() -> Self {
        Gf2Poly { words: vec![1] }
    }

    /// The polynomial whose coefficient of X^i is bit i of the words.
    pub fn from_words(mut words: Vec<u64>) -> Self {
        while words.last() == Some(&0) {
            words.pop();
        }
        Gf2Poly { words }
    }

    /// The polynomial sum_i (c_i mod 2) X^i.
    pub fn from_coefficients(coefficients: &[u64]) -> Self {
        let mut words = vec![0u64; coefficients.len().div_ceil(64)];
        for (i, &c) in coefficients.iter().enumerate() {
            words[i / 64] |= (c & 1) << (i % 64);
        }
        Self::from_words(words)
    }

    /// The packed coefficients: bit i % 64 of word i / 64 is the coefficient of X^i; no
    /// trailing zero word (empty for zero).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// The degree, or None for the zero polynomial.
    pub fn degree(&self) -> Option<usize> {
        let top = *self.words.last()?;
        Some(64 * (self.words.len() - 1) + 63 - top.leading_zeros() as usize)
    }

    /// True for the zero polynomial (no words).
    pub fn is_zero(&self) -> bool {
        self.words.is_empty()
    }

    /// The coefficient of X^i (false past the degree).
    pub fn coefficient(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    /// Coefficients c_0, .., c_deg as 0/1.
    pub fn coefficients(&self) -> Vec<u64> {
        let len = self.degree().map_or(0, |deg| deg + 1);
        (0..len).map(|i| self.coefficient(i) as u64).collect()
    }

    /// self + other over GF(2): the XOR of the words.
    pub fn add(&self, other: &Gf2Poly) -> Gf2Poly {
        let mut words = vec![0u64; self.words.len().max(other.words.len())];
        for (w, &a) in words.iter_mut().zip(&self.words) {
            *w = a;
        }
        for (w, &b) in words.iter_mut().zip(&other.words) {
            *w ^= b;
        }
        Self::from_words(words)
    }

    /// Schoolbook product: one shifted XOR of the longer factor per set bit of the shorter.
    pub fn mul(&self, other: &Gf2Poly) -> Gf2Poly {
        let (short, long) = if self.words.len() <= other.words.len() {
            (self, other)
        } else {
            (other, self)
        };
        let Some(short_degree) = short.degree() else {
            return Gf2Poly::zero();
        };
        let mut words = vec![0u64; short.words.len() + long.words.len()];
        for i in 0..=short_degree {
            if short.coefficient(i) {
                xor_shifted(&mut words, &long.words, i);
            }
        }
        Self::from_words(words)
    }

    /// The remainder of self modulo a nonzero polynomial.
    pub fn rem(&self, modulus: &Gf2Poly) -> Gf2Poly {
        let modulus_degree = modulus
            .degree()
            .expect("invariant: Gf2Poly::rem needs a nonzero modulus");
        let mut words = self.words.clone();
        words.push(0);
        let mut top = self.degree();
        while let Some(t) = top.filter(|&t| t >= modulus_degree) {
            xor_shifted(&mut words, &modulus.words, t - modulus_degree);
            top = (0..t).rev().find(|&i| (words[i / 64] >> (i % 64)) & 1 == 1);
        }
        Self::from_words(words)
    }

    /// self * other mod `modulus` (nonzero).
    pub fn mul_mod(&self, other: &Gf2Poly, modulus: &Gf2Poly) -> Gf2Poly {
        self.mul(other).rem(modulus)
    }

    /// Greatest common divisor by Euclid (monic, as every nonzero GF(2) polynomial is);
    /// gcd(a, 0) = a.
    pub fn gcd(&self, other: &Gf2Poly) -> Gf2Poly {
        let (mut a, mut b) = (self.clone(), other.clone());
        while !b.is_zero() {
            let r = a.rem(&b);
            a = b;
            b = r;
        }
        a
    }

    /// X^(2^k) mod f by k squarings.
    fn x_to_two_power_mod(k: usize, f: &Gf2Poly) -> Gf2Poly {
        let mut x = Gf2Poly::from_words(vec![2]).rem(f);
        for _ in 0..k {
            x = x.mul_mod(&x, f);
        }
        x
    }

    /// Rabin's test: f of degree n >= 1 is irreducible over GF(2) iff X^(2^n) = X mod f and
    /// gcd(X^(2^(n/q)) - X, f) = 1 for every prime q dividing n.
    pub fn is_irreducible(&self) -> bool {
        let Some(n) = self.degree().filter(|&n| n >= 1) else {
            return false;
        };
        let x = Gf2Poly::from_words(vec![2]).rem(self);
        if Self::x_to_two_power_mod(n, self) != x {
            return false;
        }
        factorize(n as u64).iter().all(|&(q, _)| {
            let power = Self::x_to_two_power_mod(n / q as usize, self);
            power.add(&x).gcd(self).degree() == Some(0)
        })
    }

    /// HElib's order on factors (src/PAlgebra.cpp, `poly_comp`): lexicographic with the
    /// constant term most significant, i.e. compare c_0, c_1, ... and the first smaller
    /// coefficient decides; a proper prefix is smaller.
    pub fn helib_less(&self, other: &Gf2Poly) -> bool {
        let (na, nb) = (
            self.degree().map_or(0, |d| d + 1),
            other.degree().map_or(0, |d| d + 1),
        );
        match (0..na.min(nb)).find(|&i| self.coefficient(i) != other.coefficient(i)) {
            Some(i) => !self.coefficient(i),
            None => na < nb,
        }
    }
}

/// a's bits [start, start + len) as words (bit i of the result = bit start + i of a).
fn extract_bits(a: &[u64], start: usize, len: usize) -> Vec<u64> {
    let (word, bit) = (start / 64, start % 64);
    (0..len.div_ceil(64))
        .map(|i| {
            let low = a.get(word + i).map_or(0, |w| w >> bit);
            let high = if bit == 0 {
                0
            } else {
                a.get(word + i + 1).map_or(0, |w| w << (64 - bit))
            };
            let value = low | high;
            if 64 * (i + 1) > len {
                value & ((1u64 << (len % 64)) - 1)
            } else {
                value
            }
        })
        .collect()
}

/// Reduction of bit vectors modulo a fixed f of degree n >= 1: 64 copies f * X^s (s < 64)
/// make every step one word-aligned XOR run that clears the top set bit. For f = Phi_m mod 2
/// a [`CyclotomicFold`] first shortens inputs of degree < m with a few block XORs.
#[derive(Clone, Debug)]
pub struct Gf2Reducer {
    degree: usize,
    shifted: Vec<Vec<u64>>,
    fold: Option<CyclotomicFold>,
}

impl Gf2Reducer {
    /// The reducer modulo a nonzero f, with the 64 shifted copies f * X^s, s < 64.
    pub fn new(f: &Gf2Poly) -> Self {
        let degree = f
            .degree()
            .expect("invariant: Gf2Reducer needs a nonzero modulus");
        let shifted = (0..64)
            .map(|s| {
                let mut words = vec![0u64; (degree + s) / 64 + 1];
                xor_shifted(&mut words, f.words(), s);
                words
            })
            .collect();
        Gf2Reducer {
            degree,
            shifted,
            fold: None,
        }
    }

    /// Reduction modulo Phi_m mod 2, for inputs of degree < m.
    pub fn cyclotomic(ring: &Cyclotomic) -> Self {
        let coefficients: Vec<u64> = ring.polynomial().iter().map(|&c| (c & 1) as u64).collect();
        Gf2Reducer {
            fold: Some(CyclotomicFold::new(ring)),
            ..Self::new(&Gf2Poly::from_coefficients(&coefficients))
        }
    }

    /// Reduces the bit vector `a` in place modulo f: afterwards only bits below deg f may be
    /// set, and the value mod f is unchanged (with a fold: `a` must have degree < m).
    pub fn reduce(&self, a: &mut [u64]) {
        if let Some(fold) = self.fold {
            let start = fold.folded_len();
            let top = extract_bits(a, start, fold.block);
            for (i, word) in a.iter_mut().enumerate().skip(start / 64) {
                if 64 * i >= start {
                    *word = 0;
                } else {
                    *word &= (1u64 << (start % 64)) - 1;
                }
            }
            for part in 0..fold.parts - 1 {
                xor_shifted(a, &top, part * fold.block);
            }
        }
        let n = self.degree;
        for word_index in (n / 64..a.len()).rev() {
            loop {
                let mut word = a[word_index];
                if word_index == n / 64 {
                    word &= !((1u64 << (n % 64)) - 1);
                }
                if word == 0 {
                    break;
                }
                let top = word_index * 64 + 63 - word.leading_zeros() as usize;
                let shift = top - n;
                let copy = &self.shifted[shift % 64];
                for (d, &s) in a[shift / 64..].iter_mut().zip(copy) {
                    *d ^= s;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn poly(bits: u64) -> Gf2Poly {
        Gf2Poly::from_words(vec![bits])
    }

    #[test]
    fn product_and_remainder_agree_with_small_integer_model() {
        // (X^2 + X + 1)(X + 1) = X^3 + 1.
        assert_eq!(poly(0b111).mul(&poly(0b11)), poly(0b1001));
        assert_eq!(poly(0b1001).rem(&poly(0b111)), Gf2Poly::zero());
        assert_eq!(poly(0b1000).rem(&poly(0b111)), poly(1));
        let seed = 11;
        println!("seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..50 {
            let a = Gf2Poly::from_words((0..3).map(|_| rng.gen()).collect());
            let b = Gf2Poly::from_words((0..2).map(|_| rng.gen()).collect());
            let f = Gf2Poly::from_words(vec![rng.gen::<u64>() | 1, 1]);
            let q_times_f_plus_r = a.mul(&b).rem(&f);
            assert_eq!(q_times_f_plus_r, a.rem(&f).mul(&b.rem(&f)).rem(&f));
            assert!(q_times_f_plus_r.degree().is_none_or(|d| d < 64));
        }
    }

    #[test]
    fn rabin_test_matches_trial_division() {
        for bits in 2u64..512 {
            let f = poly(bits);
            let n = f.degree().unwrap();
            let by_trial = n >= 1
                && (2u64..bits)
                    .map(poly)
                    .filter(|g| g.degree().unwrap() >= 1 && 2 * g.degree().unwrap() <= n)
                    .all(|g| !f.rem(&g).is_zero());
            assert_eq!(f.is_irreducible(), by_trial, "f = {bits:b}");
        }
    }

    #[test]
    fn helib_order_compares_constant_term_first() {
        // X^2 + X + 1 (c = 1,1,1) vs X^2 + 1 (c = 1,0,1): the second is smaller at c_1.
        assert!(poly(0b101).helib_less(&poly(0b111)));
        assert!(!poly(0b111).helib_less(&poly(0b101)));
        assert!(!poly(0b101).helib_less(&poly(0b101)));
    }

    #[test]
    fn reducer_matches_long_division() {
        let seed = 12;
        println!("seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for degree in [1usize, 63, 64, 65, 200] {
            let mut f_words = vec![0u64; degree / 64 + 1];
            for w in f_words.iter_mut() {
                *w = rng.gen();
            }
            f_words[degree / 64] &= (1u64 << (degree % 64)) - 1;
            f_words[degree / 64] |= 1u64 << (degree % 64);
            let f = Gf2Poly::from_words(f_words);
            let reducer = Gf2Reducer::new(&f);
            let mut a: Vec<u64> = (0..9).map(|_| rng.gen()).collect();
            let expect = Gf2Poly::from_words(a.clone()).rem(&f);
            reducer.reduce(&mut a);
            assert_eq!(Gf2Poly::from_words(a), expect, "degree {degree}");
        }
    }

    #[test]
    fn cyclotomic_fold_then_reduction_matches_long_division() {
        let seed = 13;
        println!("seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for m in [31usize, 105, 121, 1023, 4369, 32767] {
            let ring = Cyclotomic::new(m).unwrap();
            let reducer = Gf2Reducer::cyclotomic(&ring);
            let coefficients: Vec<u64> =
                ring.polynomial().iter().map(|&c| (c & 1) as u64).collect();
            let phi_m = Gf2Poly::from_coefficients(&coefficients);
            let mut a: Vec<u64> = (0..m.div_ceil(64)).map(|_| rng.gen()).collect();
            if m % 64 != 0 {
                *a.last_mut().unwrap() &= (1u64 << (m % 64)) - 1;
            }
            let expect = Gf2Poly::from_words(a.clone()).rem(&phi_m);
            reducer.reduce(&mut a);
            assert_eq!(Gf2Poly::from_words(a), expect, "m = {m}");
        }
    }
}
