//! Arithmetic in Z_(2^t) where every value carries its own t, the interface digit extraction
//! is written against (BOOTSTRAP_NOTES 3.7).
//!
//! A BGV ciphertext with plaintext modulus 2^t satisfies c_0 + c_1 s = x + 2^t E (mod Q). So
//! - multiplying it by 2^-k mod Q divides an x = 0 mod 2^k exactly and leaves plaintext
//!   modulus 2^(t-k) ([`TwoPowerArithmetic::divide_by_two_power`]; the noise shrinks by 2^k);
//! - multiplying by 2^k gives 2^k x + 2^(t+k) E: the value 2^k x mod 2^(t+k)
//!   ([`TwoPowerArithmetic::multiply_by_two_power`]).
//!
//! Sums, differences and products take operands of one t. Only [`TwoPowerArithmetic::mul`]
//! (and `square`) costs a relinearized product and a level; everything else is linear.
//!
//! [`IntegersModTwoPower`] is the native model (u64 residues); [`Counted`] wraps any
//! implementation and counts products and multiplicative depth, so a circuit's cost is
//! measured by running it.

use crate::error::BootstrapError;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Ring operations on values of Z_(2^t), t per value.
pub trait TwoPowerArithmetic {
    /// An element of Z_(2^t) together with its t (a residue, or a ciphertext at modulus 2^t).
    type Value: Clone;
    /// The implementation's error; every [`BootstrapError`] converts into it.
    type Error: From<BootstrapError>;

    /// The t of x: x is an element of Z_(2^t).
    fn modulus_bits(&self, x: &Self::Value) -> u32;
    /// a + b (one t).
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value, Self::Error>;
    /// a - b (one t).
    fn sub(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value, Self::Error>;
    /// a b (one t): a relinearized product, one level.
    fn mul(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value, Self::Error>;
    /// a^2; implementations with a cheaper square override it.
    fn square(&self, a: &Self::Value) -> Result<Self::Value, Self::Error> {
        self.mul(a, a)
    }
    /// c a for an integer constant c (taken mod 2^t).
    fn mul_constant(&self, a: &Self::Value, c: u64) -> Result<Self::Value, Self::Error>;
    /// a / 2^k in Z_(2^(t-k)) for a = 0 mod 2^k, k < t.
    fn divide_by_two_power(&self, a: &Self::Value, k: u32) -> Result<Self::Value, Self::Error>;
    /// 2^k a in Z_(2^(t+k)).
    fn multiply_by_two_power(&self, a: &Self::Value, k: u32) -> Result<Self::Value, Self::Error>;
}

/// Largest t of the native model: products of residues stay in one u64 word mod 2^t.
pub const MAX_MODULUS_BITS: u32 = 63;

/// An element of Z_(2^t): value < 2^t.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Residue {
    value: u64,
    bits: u32,
}

impl Residue {
    /// x mod 2^t for 1 <= t <= 63.
    pub fn new(x: u64, bits: u32) -> Result<Self, BootstrapError> {
        if !(1..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(BootstrapError::PlaintextModulusBits(bits));
        }
        Ok(Residue {
            value: x & mask(bits),
            bits,
        })
    }

    /// The representative in [0, 2^t).
    pub fn value(&self) -> u64 {
        self.value
    }

    /// t.
    pub fn bits(&self) -> u32 {
        self.bits
    }
}

fn mask(bits: u32) -> u64 {
    (1u64 << bits) - 1
}

/// The native model of [`TwoPowerArithmetic`]: plain integers mod 2^t with wrapping u64
/// arithmetic (exact, since 2^t divides 2^64).
#[derive(Clone, Copy, Debug, Default)]
pub struct IntegersModTwoPower;

impl IntegersModTwoPower {
    fn same_modulus(a: &Residue, b: &Residue) -> Result<u32, BootstrapError> {
        if a.bits == b.bits {
            Ok(a.bits)
        } else {
            Err(BootstrapError::PlaintextModulusMismatch {
                left: a.bits,
                right: b.bits,
            })
        }
    }
}

impl TwoPowerArithmetic for IntegersModTwoPower {
    type Value = Residue;
    type Error = BootstrapError;

    fn modulus_bits(&self, x: &Residue) -> u32 {
        x.bits
    }

    fn add(&self, a: &Residue, b: &Residue) -> Result<Residue, BootstrapError> {
        Residue::new(a.value.wrapping_add(b.value), Self::same_modulus(a, b)?)
    }

    fn sub(&self, a: &Residue, b: &Residue) -> Result<Residue, BootstrapError> {
        Residue::new(a.value.wrapping_sub(b.value), Self::same_modulus(a, b)?)
    }

    fn mul(&self, a: &Residue, b: &Residue) -> Result<Residue, BootstrapError> {
        Residue::new(a.value.wrapping_mul(b.value), Self::same_modulus(a, b)?)
    }

    fn mul_constant(&self, a: &Residue, c: u64) -> Result<Residue, BootstrapError> {
        Residue::new(a.value.wrapping_mul(c), a.bits)
    }

    fn divide_by_two_power(&self, a: &Residue, k: u32) -> Result<Residue, BootstrapError> {
        if k >= a.bits {
            return Err(BootstrapError::PlaintextModulusBits(
                a.bits.saturating_sub(k),
            ));
        }
        if a.value & mask(k) != 0 {
            return Err(BootstrapError::NotDivisible {
                value: a.value,
                bits: a.bits,
                k,
            });
        }
        Residue::new(a.value >> k, a.bits - k)
    }

    fn multiply_by_two_power(&self, a: &Residue, k: u32) -> Result<Residue, BootstrapError> {
        let bits = a.bits.saturating_add(k);
        if bits > MAX_MODULUS_BITS {
            return Err(BootstrapError::PlaintextModulusBits(bits));
        }
        Residue::new(a.value << k, bits)
    }
}

/// A value of the wrapped arithmetic with its multiplicative depth (fresh inputs: 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked<V> {
    /// The wrapped arithmetic's value.
    pub value: V,
    /// Number of products on the longest path from a circuit input to this value.
    pub depth: u32,
}

impl<V> Tracked<V> {
    /// A circuit input at depth 0.
    pub fn input(value: V) -> Self {
        Tracked { value, depth: 0 }
    }
}

/// Wraps an arithmetic and counts its products (`mul` and `square`); each value carries its
/// depth: a product is one deeper than its deeper operand, every other operation keeps the
/// deepest operand's depth.
#[derive(Debug, Default)]
pub struct Counted<A> {
    inner: A,
    products: AtomicUsize,
}

impl<A> Counted<A> {
    /// Wraps `inner` with the product count at 0.
    pub fn new(inner: A) -> Self {
        Counted {
            inner,
            products: AtomicUsize::new(0),
        }
    }

    /// Products performed so far.
    pub fn products(&self) -> usize {
        self.products.load(Ordering::Relaxed)
    }

    /// The wrapped arithmetic.
    pub fn inner(&self) -> &A {
        &self.inner
    }
}

impl<A: TwoPowerArithmetic> Counted<A> {
    fn product(&self, value: A::Value, depth: u32) -> Tracked<A::Value> {
        self.products.fetch_add(1, Ordering::Relaxed);
        Tracked {
            value,
            depth: depth + 1,
        }
    }
}

impl<A: TwoPowerArithmetic> TwoPowerArithmetic for Counted<A> {
    type Value = Tracked<A::Value>;
    type Error = A::Error;

    fn modulus_bits(&self, x: &Self::Value) -> u32 {
        self.inner.modulus_bits(&x.value)
    }

    fn add(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value, A::Error> {
        Ok(Tracked {
            value: self.inner.add(&a.value, &b.value)?,
            depth: a.depth.max(b.depth),
        })
    }

    fn sub(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value, A::Error> {
        Ok(Tracked {
            value: self.inner.sub(&a.value, &b.value)?,
            depth: a.depth.max(b.depth),
        })
    }

    fn mul(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value, A::Error> {
        let value = self.inner.mul(&a.value, &b.value)?;
        Ok(self.product(value, a.depth.max(b.depth)))
    }

    fn square(&self, a: &Self::Value) -> Result<Self::Value, A::Error> {
        let value = self.inner.square(&a.value)?;
        Ok(self.product(value, a.depth))
    }

    fn mul_constant(&self, a: &Self::Value, c: u64) -> Result<Self::Value, A::Error> {
        Ok(Tracked {
            value: self.inner.mul_constant(&a.value, c)?,
            depth: a.depth,
        })
    }

    fn divide_by_two_power(&self, a: &Self::Value, k: u32) -> Result<Self::Value, A::Error> {
        Ok(Tracked {
            value: self.inner.divide_by_two_power(&a.value, k)?,
            depth: a.depth,
        })
    }

    fn multiply_by_two_power(&self, a: &Self::Value, k: u32) -> Result<Self::Value, A::Error> {
        Ok(Tracked {
            value: self.inner.multiply_by_two_power(&a.value, k)?,
            depth: a.depth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn residue(x: u64, bits: u32) -> Residue {
        Residue::new(x, bits).unwrap()
    }

    #[test]
    fn native_model_matches_u128_arithmetic_mod_two_power() {
        let z = IntegersModTwoPower;
        for bits in [1u32, 2, 7, 16, 33, 63] {
            let m = 1u128 << bits;
            for (x, y) in [
                (0u64, 0u64),
                (1, u64::MAX),
                (12345, 987654321),
                (u64::MAX, 3),
            ] {
                let (a, b) = (residue(x, bits), residue(y, bits));
                let (xm, ym) = (x as u128 % m, y as u128 % m);
                assert_eq!(a.value() as u128, xm);
                assert_eq!(z.add(&a, &b).unwrap().value() as u128, (xm + ym) % m);
                assert_eq!(z.sub(&a, &b).unwrap().value() as u128, (xm + m - ym) % m);
                assert_eq!(z.mul(&a, &b).unwrap().value() as u128, xm * ym % m);
                assert_eq!(z.square(&a).unwrap().value() as u128, xm * xm % m);
                assert_eq!(z.mul_constant(&a, y).unwrap().value() as u128, xm * ym % m);
            }
        }
    }

    #[test]
    fn powers_of_two_move_the_modulus() {
        let z = IntegersModTwoPower;
        let a = residue(0b1011_0100, 8);
        let halved = z.divide_by_two_power(&a, 2).unwrap();
        assert_eq!((halved.value(), halved.bits()), (0b10_1101, 6));
        let lifted = z.multiply_by_two_power(&halved, 3).unwrap();
        assert_eq!((lifted.value(), lifted.bits()), (0b1_0110_1000, 9));
        assert_eq!(
            z.divide_by_two_power(&a, 3),
            Err(BootstrapError::NotDivisible {
                value: 0b1011_0100,
                bits: 8,
                k: 3
            })
        );
        assert!(z.divide_by_two_power(&a, 8).is_err());
        assert_eq!(
            z.multiply_by_two_power(&residue(1, 60), 4),
            Err(BootstrapError::PlaintextModulusBits(64))
        );
    }

    #[test]
    fn mixed_moduli_and_bad_widths_are_typed_errors() {
        let z = IntegersModTwoPower;
        assert_eq!(
            z.add(&residue(1, 8), &residue(1, 7)),
            Err(BootstrapError::PlaintextModulusMismatch { left: 8, right: 7 })
        );
        assert!(z.mul(&residue(1, 2), &residue(1, 3)).is_err());
        assert!(z.sub(&residue(1, 2), &residue(1, 3)).is_err());
        assert_eq!(
            Residue::new(1, 0),
            Err(BootstrapError::PlaintextModulusBits(0))
        );
        assert_eq!(
            Residue::new(1, 64),
            Err(BootstrapError::PlaintextModulusBits(64))
        );
    }

    #[test]
    fn counting_tracks_products_and_depth() {
        let counted = Counted::new(IntegersModTwoPower);
        let x = Tracked::input(residue(3, 8));
        let x2 = counted.square(&x).unwrap();
        let x3 = counted.mul(&x2, &x).unwrap();
        let x6 = counted.square(&x3).unwrap();
        let sum = counted.add(&x6, &x).unwrap();
        let scaled = counted.mul_constant(&sum, 5).unwrap();
        let lifted = counted.multiply_by_two_power(&scaled, 1).unwrap();
        assert_eq!(counted.products(), 3);
        assert_eq!((x2.depth, x3.depth, x6.depth), (1, 2, 3));
        assert_eq!((sum.depth, scaled.depth, lifted.depth), (3, 3, 3));
        assert_eq!(lifted.value, residue(2 * 5 * (729 + 3), 9));
        assert_eq!(counted.modulus_bits(&lifted), 9);
    }
}
