//! Arithmetic in Z_q for a word-size prime q < 2^62.
//!
//! Values are kept fully reduced in [0, q). A general product a*b (< 2^124) is reduced by
//! Barrett's method with the 128-bit constant floor(2^128 / q); a product by a fixed operand w
//! uses Shoup's precomputation w' = floor(w * 2^64 / q), so a*w mod q = a*w - hi(a*w')*q - {0, q}.

use serde::{Deserialize, Serialize};

/// A prime modulus q < 2^62 with its Barrett constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "u64", into = "u64")]
pub struct Modulus {
    q: u64,
    /// floor(2^128 / q) split as (low, high) 64-bit words.
    ratio: (u64, u64),
}

impl From<u64> for Modulus {
    fn from(q: u64) -> Self {
        Modulus::new(q)
    }
}

impl From<Modulus> for u64 {
    fn from(m: Modulus) -> u64 {
        m.q
    }
}

/// Largest modulus this module supports: products of two residues must fit in 124 bits.
pub const MAX_MODULUS_BITS: u32 = 62;

impl Modulus {
    /// Builds the Barrett constants for q. Panics if q < 2 or q >= 2^62: moduli come from the
    /// crate's own prime generator or are validated by the caller first.
    pub fn new(q: u64) -> Self {
        assert!(
            (2..1 << MAX_MODULUS_BITS).contains(&q),
            "modulus {q} outside [2, 2^62)"
        );
        let ratio = u128::MAX / q as u128 + u128::from((u128::MAX % q as u128) + 1 == q as u128);
        Modulus {
            q,
            ratio: (ratio as u64, (ratio >> 64) as u64),
        }
    }

    /// q, in [2, 2^62).
    #[inline(always)]
    pub fn value(&self) -> u64 {
        self.q
    }

    /// Number of bits of q.
    pub fn bits(&self) -> u32 {
        64 - self.q.leading_zeros()
    }

    /// x mod q for any 128-bit x < 2^124.
    #[inline(always)]
    pub fn reduce_u128(&self, x: u128) -> u64 {
        let (x0, x1) = (x as u64, (x >> 64) as u64);
        let (r0, r1) = self.ratio;
        // High 128 bits of x * ratio, dropping the lowest partial product's low word.
        let carry = ((x0 as u128 * r0 as u128) >> 64) as u64;
        let mid = x0 as u128 * r1 as u128;
        let (mid_lo, c1) = (mid as u64).overflowing_add(carry);
        let mid_hi = (mid >> 64) as u64 + c1 as u64;
        let mid2 = x1 as u128 * r0 as u128;
        let (_, c2) = (mid2 as u64).overflowing_add(mid_lo);
        let quotient = x1
            .wrapping_mul(r1)
            .wrapping_add((mid2 >> 64) as u64)
            .wrapping_add(mid_hi)
            .wrapping_add(c2 as u64);
        let r = x0.wrapping_sub(quotient.wrapping_mul(self.q));
        self.reduce_once(r)
    }

    /// x mod q for any 64-bit x.
    #[inline(always)]
    pub fn reduce(&self, x: u64) -> u64 {
        if x < self.q {
            x
        } else {
            self.reduce_u128(x as u128)
        }
    }

    /// Reduces a value in [0, 2q).
    #[inline(always)]
    fn reduce_once(&self, x: u64) -> u64 {
        if x >= self.q {
            x - self.q
        } else {
            x
        }
    }

    /// The residue of a signed integer.
    #[inline(always)]
    pub fn from_i64(&self, x: i64) -> u64 {
        let r = self.reduce(x.unsigned_abs());
        if x < 0 {
            self.neg(r)
        } else {
            r
        }
    }

    /// The centered representative in (-q/2, q/2].
    #[inline(always)]
    pub fn center(&self, x: u64) -> i64 {
        if x > self.q / 2 {
            x as i64 - self.q as i64
        } else {
            x as i64
        }
    }

    /// a + b mod q, for a, b in [0, q).
    #[inline(always)]
    pub fn add(&self, a: u64, b: u64) -> u64 {
        self.reduce_once(a + b)
    }

    /// a - b mod q, for a, b in [0, q).
    #[inline(always)]
    pub fn sub(&self, a: u64, b: u64) -> u64 {
        if a >= b {
            a - b
        } else {
            a + self.q - b
        }
    }

    /// -a mod q, for a in [0, q) (0 stays 0).
    #[inline(always)]
    pub fn neg(&self, a: u64) -> u64 {
        if a == 0 {
            0
        } else {
            self.q - a
        }
    }

    /// a * b mod q by Barrett reduction, for a, b in [0, q).
    #[inline(always)]
    pub fn mul(&self, a: u64, b: u64) -> u64 {
        self.reduce_u128(a as u128 * b as u128)
    }

    /// Shoup's precomputed companion floor(w * 2^64 / q) of a fixed multiplicand w < q.
    #[inline(always)]
    pub fn shoup(&self, w: u64) -> u64 {
        (((w as u128) << 64) / self.q as u128) as u64
    }

    /// a * w mod q given w' = shoup(w), for any 64-bit a (the quotient estimate is off by at
    /// most one, so one conditional subtraction suffices).
    #[inline(always)]
    pub fn mul_shoup(&self, a: u64, w: u64, w_shoup: u64) -> u64 {
        let quotient = ((a as u128 * w_shoup as u128) >> 64) as u64;
        let r = a
            .wrapping_mul(w)
            .wrapping_sub(quotient.wrapping_mul(self.q));
        self.reduce_once(r)
    }

    /// base^exp mod q by square-and-multiply (base any u64; x^0 = 1).
    pub fn pow(&self, base: u64, mut exp: u64) -> u64 {
        let mut result = 1 % self.q;
        let mut b = self.reduce(base);
        while exp > 0 {
            if exp & 1 == 1 {
                result = self.mul(result, b);
            }
            b = self.mul(b, b);
            exp >>= 1;
        }
        result
    }

    /// Inverse by Fermat's little theorem (q prime); None for 0.
    pub fn inv(&self, a: u64) -> Option<u64> {
        let a = self.reduce(a);
        (a != 0).then(|| self.pow(a, self.q - 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn barrett_and_shoup_match_u128_remainder() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for q in [2u64, 3, 97, (1 << 31) - 1, 1125899906842597, (1 << 62) - 57] {
            let md = Modulus::new(q);
            for _ in 0..10_000 {
                let a = rng.gen_range(0..q);
                let b = rng.gen_range(0..q);
                let expect = ((a as u128 * b as u128) % q as u128) as u64;
                assert_eq!(md.mul(a, b), expect, "q={q} a={a} b={b}");
                assert_eq!(md.mul_shoup(a, b, md.shoup(b)), expect);
                let x: u128 = rng.gen::<u128>() >> 4;
                assert_eq!(md.reduce_u128(x), (x % q as u128) as u64);
            }
            assert_eq!(md.reduce_u128((q as u128 - 1) * (q as u128 - 1)), 1 % q);
        }
    }

    #[test]
    fn signed_residues_and_inverse() {
        let md = Modulus::new(97);
        assert_eq!(md.from_i64(-1), 96);
        assert_eq!(md.from_i64(-194), 0);
        assert_eq!(md.center(96), -1);
        assert_eq!(md.center(48), 48);
        for a in 1..97 {
            assert_eq!(md.mul(a, md.inv(a).unwrap()), 1);
        }
        assert_eq!(md.inv(0), None);
    }
}
