//! Digit extraction for p = 2: from z in Z_(2^e), remove the v lowest binary digits and return
//! floor(z / 2^v) mod 2^(e-v); thin recryption takes v = e - 1 and keeps the top bit
//! (BOOTSTRAP_NOTES 3.7; the schedule is HElib's digit-by-digit removal, Halevi-Shoup 2015,
//! with the low-product retain circuits of Geelen-Iliashenko-Kang-Vercauteren, ePrint 2022/1364).
//!
//! Retain circuits R(y, p): a value = lsb(y) (mod 2^p), lsb(y) = y mod 2 in {0, 1}.
//! - Gikv: a = y^2 = lsb (mod 4); b = a^2 (mod 16); c = (121 b + 94 a)^2 + 112 a (mod 2^8);
//!   f = (226 b + 113 c)(8 a + 2 b + 301 c) + 1984 a + 528 b + 22620 c (mod 2^16):
//!   1, 2, 3, 4 products for precision 2, 4, 8, 16 bits.
//! - Squaring: y^(2^j) = lsb (mod 2^(j+2)) for j >= 2 and y^2 = lsb (mod 4): 1 product for 2
//!   bits, 2 for 3 or 4 bits, p - 2 for p >= 4.
//!
//! Schedule (precisions in bits; d_i[p] = the cheapest rung of digit i's circuit with
//! precision >= p):
//!   y_i = (z - sum_{k<i} 2^k d_k[i-k+1]) / 2^i    in Z_(2^(e-i)), lsb(y_i) = bit i of z
//!   d_i = R(y_i, e-i)                               at plaintext modulus 2^(e-i)
//!   out = (z - sum_{i<v} 2^i d_i[e-i]) / 2^v        in Z_(2^(e-v))
//! Correct because 2^k d_k[p] = 2^k bit_k (mod 2^(k+p)): the subtracted sum agrees with the low
//! digits of z exactly as far as the next division needs.
//!
//! Cost (products, depth) for v = e - 1, both counted by [`DigitExtraction::cost`]:
//!   e = 8: Gikv 17 (per digit 3,3,3,3,2,2,1), squaring 23; depth 7.
//!   e = 9: Gikv 21, squaring 30; depth 8.   (HElib's extractDigits: 28 and 36.)
//! Digit i's input y_i sits at depth i, its circuit output at depth i + products.

use crate::error::BootstrapError;
use crate::two_power_arithmetic::{Counted, IntegersModTwoPower, Residue, TwoPowerArithmetic};

/// The circuit computing lsb(y) to a higher 2-adic precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetainCircuit {
    /// GIKV's low-product polynomials (precision up to 16 bits).
    Gikv,
    /// Repeated squaring (no constants; more products).
    Squaring,
}

/// Largest precision the Gikv circuits reach.
pub const GIKV_MAX_PRECISION: u32 = 16;

impl RetainCircuit {
    /// Products needed to reach `precision` bits (0 for precision <= 1: y itself).
    pub fn products(self, precision: u32) -> u32 {
        match (self, precision) {
            (_, 0..=1) => 0,
            (_, 2) => 1,
            (_, 3..=4) => 2,
            (RetainCircuit::Gikv, 5..=8) => 3,
            (RetainCircuit::Gikv, _) => 4,
            (RetainCircuit::Squaring, p) => p - 2,
        }
    }

    /// The rungs (precision in bits, value) of R(y, p) up to the first with precision >=
    /// `precision`, starting with y itself (precision 1).
    pub fn retain<A: TwoPowerArithmetic>(
        self,
        arithmetic: &A,
        y: &A::Value,
        precision: u32,
    ) -> Result<Vec<(u32, A::Value)>, A::Error> {
        if self == RetainCircuit::Gikv && precision > GIKV_MAX_PRECISION {
            return Err(BootstrapError::RetainPrecision(precision).into());
        }
        let mut rungs = vec![(1, y.clone())];
        if precision <= 1 {
            return Ok(rungs);
        }
        let a = arithmetic.square(y)?;
        rungs.push((2, a.clone()));
        if precision <= 2 {
            return Ok(rungs);
        }
        let b = arithmetic.square(&a)?;
        rungs.push((4, b.clone()));
        match self {
            RetainCircuit::Gikv => {
                if precision > 4 {
                    let a94 = arithmetic.mul_constant(&a, 94)?;
                    let a112 = arithmetic.mul_constant(&a, 112)?;
                    let base = arithmetic.add(&arithmetic.mul_constant(&b, 121)?, &a94)?;
                    let c = arithmetic.add(&arithmetic.square(&base)?, &a112)?;
                    rungs.push((8, c.clone()));
                    if precision > 8 {
                        let f = gikv_sixteen(arithmetic, &a, &b, &c)?;
                        rungs.push((16, f));
                    }
                }
            }
            RetainCircuit::Squaring => {
                let (mut reached, mut power) = (4, b);
                while reached < precision {
                    power = arithmetic.square(&power)?;
                    reached += 1;
                    rungs.push((reached, power.clone()));
                }
            }
        }
        Ok(rungs)
    }
}

/// f = (226 b + 113 c)(8 a + 2 b + 301 c) + 1984 a + 528 b + 22620 c = lsb (mod 2^16).
fn gikv_sixteen<A: TwoPowerArithmetic>(
    arithmetic: &A,
    a: &A::Value,
    b: &A::Value,
    c: &A::Value,
) -> Result<A::Value, A::Error> {
    let combination = |terms: &[(&A::Value, u64)]| -> Result<A::Value, A::Error> {
        let mut sum = arithmetic.mul_constant(terms[0].0, terms[0].1)?;
        for (value, constant) in &terms[1..] {
            sum = arithmetic.add(&sum, &arithmetic.mul_constant(value, *constant)?)?;
        }
        Ok(sum)
    };
    let left = combination(&[(b, 226), (c, 113)])?;
    let right = combination(&[(a, 8), (b, 2), (c, 301)])?;
    let linear = combination(&[(a, 1984), (b, 528), (c, 22620)])?;
    arithmetic.add(&arithmetic.mul(&left, &right)?, &linear)
}

/// The cheapest rung with precision >= p (rungs are in increasing precision).
fn rung<V>(rungs: &[(u32, V)], precision: u32) -> &V {
    let (_, value) = rungs
        .iter()
        .find(|(reached, _)| *reached >= precision)
        .expect("invariant: digit k's circuit reaches precision e - k, the most any step asks");
    value
}

/// Products and multiplicative depth of a circuit run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitCost {
    /// Number of ciphertext products (`mul` and `square`), each one relinearization.
    pub products: usize,
    /// Multiplicative depth of the output: levels consumed.
    pub depth: u32,
}

/// Every intermediate of one extraction: y_i, the rungs of d_i, and the output.
#[derive(Clone, Debug)]
pub struct Extraction<V> {
    /// inputs[i] = y_i in Z_(2^(e-i)).
    pub inputs: Vec<V>,
    /// digits[i] = the rungs (precision in bits, value) of R(y_i, e - i).
    pub digits: Vec<Vec<(u32, V)>>,
    /// floor(z / 2^v) mod 2^(e-v).
    pub output: V,
}

/// Removal of the v lowest digits of z in Z_(2^e) (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigitExtraction {
    e: u32,
    v: u32,
    circuit: RetainCircuit,
}

impl DigitExtraction {
    /// Removes v digits from Z_(2^e), 1 <= v < e (Gikv: e <= 16).
    pub fn new(e: u32, v: u32, circuit: RetainCircuit) -> Result<Self, BootstrapError> {
        if v == 0 || v >= e || e > crate::two_power_arithmetic::MAX_MODULUS_BITS {
            return Err(BootstrapError::DigitCount { e, v });
        }
        if circuit == RetainCircuit::Gikv && e > GIKV_MAX_PRECISION {
            return Err(BootstrapError::RetainPrecision(e));
        }
        Ok(DigitExtraction { e, v, circuit })
    }

    /// Thin recryption's extraction: v = e - 1 digits removed, the top bit kept, Gikv circuits.
    pub fn recryption(e: u32) -> Result<Self, BootstrapError> {
        Self::new(e, e.saturating_sub(1), RetainCircuit::Gikv)
    }

    /// e: the input lives in Z_(2^e).
    pub fn e(&self) -> u32 {
        self.e
    }

    /// v, the number of low digits removed, 1 <= v < e: the output lives in Z_(2^(e-v)).
    pub fn v(&self) -> u32 {
        self.v
    }

    /// The retain circuit R(y, p) used for every digit.
    pub fn circuit(&self) -> RetainCircuit {
        self.circuit
    }

    /// Products digit i's circuit needs: it must reach precision e - i (the output's).
    pub fn digit_products(&self) -> Vec<u32> {
        (0..self.v)
            .map(|i| self.circuit.products(self.e - i))
            .collect()
    }

    /// floor(z / 2^v) mod 2^(e-v) for z in Z_(2^e).
    pub fn extract<A: TwoPowerArithmetic>(
        &self,
        arithmetic: &A,
        z: &A::Value,
    ) -> Result<A::Value, A::Error> {
        Ok(self.extract_with_intermediates(arithmetic, z)?.output)
    }

    /// [`Self::extract`], keeping every y_i and every rung of every digit.
    pub fn extract_with_intermediates<A: TwoPowerArithmetic>(
        &self,
        arithmetic: &A,
        z: &A::Value,
    ) -> Result<Extraction<A::Value>, A::Error> {
        let bits = arithmetic.modulus_bits(z);
        if bits != self.e {
            return Err(BootstrapError::PlaintextModulusMismatch {
                left: bits,
                right: self.e,
            }
            .into());
        }
        let (mut inputs, mut digits) = (Vec::new(), Vec::new());
        for i in 0..self.v {
            // z - sum_{k<i} 2^k d_k[i-k+1], divisible by 2^i.
            let removed = self.remove_digits(arithmetic, z, &digits, |k| i - k + 1)?;
            let y = arithmetic.divide_by_two_power(&removed, i)?;
            digits.push(self.circuit.retain(arithmetic, &y, self.e - i)?);
            inputs.push(y);
        }
        let removed = self.remove_digits(arithmetic, z, &digits, |k| self.e - k)?;
        let output = arithmetic.divide_by_two_power(&removed, self.v)?;
        Ok(Extraction {
            inputs,
            digits,
            output,
        })
    }

    /// z - sum_k 2^k d_k[precision(k)] over the digits extracted so far, in Z_(2^e).
    fn remove_digits<A: TwoPowerArithmetic>(
        &self,
        arithmetic: &A,
        z: &A::Value,
        digits: &[Vec<(u32, A::Value)>],
        precision: impl Fn(u32) -> u32,
    ) -> Result<A::Value, A::Error> {
        let mut removed = z.clone();
        for (k, rungs) in (0u32..).zip(digits) {
            let digit = rung(rungs, precision(k));
            let lifted = match k {
                0 => digit.clone(),
                _ => arithmetic.multiply_by_two_power(digit, k)?,
            };
            removed = arithmetic.sub(&removed, &lifted)?;
        }
        Ok(removed)
    }

    /// Products and depth, counted by running the schedule once on the native model.
    pub fn cost(&self) -> Result<CircuitCost, BootstrapError> {
        let counted = Counted::new(IntegersModTwoPower);
        let z = crate::two_power_arithmetic::Tracked::input(Residue::new(0, self.e)?);
        let output = self.extract(&counted, &z)?;
        Ok(CircuitCost {
            products: counted.products(),
            depth: output.depth,
        })
    }
}

#[cfg(test)]
mod tests;
