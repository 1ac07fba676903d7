//! The plaintext modulus t = 2^k of one plaintext or ciphertext.
//!
//! A ciphertext at level l satisfies [c_0 + c_1 s]_{Q_l} = m + t e with its own t, which may
//! change along its life (thin recryption: 2 -> 2^e -> 2^(e-i) -> 2). The rule a chain imposes
//! (invariant of every `PlaintextModulus` a [`crate::Params`] hands out): t divides q - 1 for
//! every ciphertext prime q. Modulus switching by D = a product of dropped primes maps the
//! plaintext m to m D^{-1} mod t (`modswitch`), so it keeps m exactly when D = 1 mod t; the
//! rule makes every drop of the chain satisfy that. Key switching divides by the special
//! modulus P_l after multiplying by the gadget P G_j, so the factor cancels for any t and the
//! special primes impose nothing.
//!
//! At m = 1023 every prime is = 1 mod 2^12 only (k <= 12); at m = 32767, mod 2^17.

use serde::{Deserialize, Serialize};

/// Largest exponent k the type represents: centered residues and t^2 stay exact in i64/f64.
pub const MAX_PLAINTEXT_BITS: u32 = 62;

/// t = 2^k with 1 <= k <= [`MAX_PLAINTEXT_BITS`]. Obtained from
/// [`crate::Params::plaintext_modulus`], which checks the chain carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlaintextModulus {
    bits: u32,
}

impl PlaintextModulus {
    /// 2^bits; the caller (`Params`) has checked the range and the chain.
    pub(crate) fn from_checked_bits(bits: u32) -> Self {
        assert!(
            (1..=MAX_PLAINTEXT_BITS).contains(&bits),
            "invariant: plaintext modulus exponent checked by Params"
        );
        PlaintextModulus { bits }
    }

    /// k, with t = 2^k.
    pub fn bits(self) -> u32 {
        self.bits
    }

    /// t.
    pub fn value(self) -> u64 {
        1 << self.bits
    }

    /// x mod t.
    pub fn reduce(self, x: u64) -> u64 {
        x & (self.value() - 1)
    }

    /// The representative of x mod t in (-t/2, t/2].
    pub fn centered(self, x: u64) -> i64 {
        let x = self.reduce(x);
        if x > self.value() / 2 {
            x as i64 - self.value() as i64
        } else {
            x as i64
        }
    }

    /// True when the product of `primes` is = 1 mod t: dropping them in a modulus switch
    /// keeps the plaintext (t divides 2^64, so the product mod 2^64 decides).
    pub fn survives_drop_of(self, primes: &[u64]) -> bool {
        let product = primes.iter().fold(1u64, |acc, &q| acc.wrapping_mul(q));
        self.reduce(product) == 1
    }
}

impl std::fmt::Display for PlaintextModulus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "2^{}", self.bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centered_residues_match_native_integers() {
        let t = PlaintextModulus::from_checked_bits(4);
        assert_eq!(t.value(), 16);
        let centered: Vec<i64> = (0..16).map(|x| t.centered(x)).collect();
        for (x, c) in centered.iter().enumerate() {
            assert_eq!((c + 16) % 16, x as i64);
            assert!((-7..=8).contains(c));
        }
        assert_eq!(t.centered(17), 1);
    }

    /// The switching rule: a drop keeps m iff the dropped product is = 1 mod t.
    #[test]
    fn drop_rule_follows_the_product_mod_t() {
        let t = PlaintextModulus::from_checked_bits(3);
        assert!(t.survives_drop_of(&[17, 9]));
        assert!(!t.survives_drop_of(&[13]));
        // 5 * 13 = 65 = 1 mod 8: a pair of primes may satisfy the rule when neither does.
        assert!(t.survives_drop_of(&[5, 13]));
        assert!(t.survives_drop_of(&[]));
    }
}
