//! Operations that scale the plaintext by a constant, and the two that change a ciphertext's
//! plaintext modulus t = 2^k (digit extraction's interface, `nit-bootstrap`'s
//! `TwoPowerArithmetic`).
//!
//! For c with [c_0 + c_1 s]_{Q_l} = x = m + 2^k e:
//! - c * a (a an integer, centered mod t): x a = a m + 2^k (a e), plaintext a m mod 2^k,
//!   noise ||x a||_can = |a| nu exactly;
//! - c * 2^-j mod Q_l, for m = 0 mod 2^j (0 < j < k): x 2^-j = m / 2^j + 2^(k-j) e, which is
//!   the integer x / 2^j since 2^j divides every coefficient of x: plaintext m / 2^j mod
//!   2^(k-j), noise nu / 2^j. When m is not = 0 mod 2^j the result decrypts to garbage: the
//!   condition is the caller's (digit extraction establishes it), no evaluator can see it;
//! - c * 2^j: x 2^j = 2^j m + 2^(k+j) e, plaintext 2^j m mod 2^(k+j), noise 2^j nu; the chain
//!   must carry 2^(k+j) (`Params::plaintext_modulus`).
//!
//! Raising t the other way (a t = 2 value read mod 2^e) is not an operation on one ciphertext:
//! recryption forms c_0' + c_1' Enc_{2^e}(s') from a ciphertext switched to q' = 2^e, i.e.
//! `add_plain` and `mul_plain` with plaintexts made by `Plaintext::with_modulus` at 2^e on an
//! encryption of s' at 2^e (BOOTSTRAP_NOTES 3.4-3.5).

use crate::ciphertext::Ciphertext;
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::noise::NoiseBound;

impl Evaluator {
    /// c a: the plaintext times the integer a, mod the ciphertext's t (no level, no key).
    pub fn mul_constant(&self, ct: &Ciphertext, a: u64) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let a = ct.t.centered(a);
        let mut out = ct.clone();
        out.parts
            .iter_mut()
            .for_each(|part| part.mul_scalar_assign(a));
        out.noise *= NoiseBound::of(a.unsigned_abs() as f64);
        self.checked(out, "multiply by a constant")
    }

    /// The plaintext m (= 0 mod 2^j) divided by 2^j, mod t / 2^j: multiplies by 2^-j mod Q_l
    /// (j = 0 leaves c as it is). `BadTwoPowerDivision` unless j < k for t = 2^k.
    pub fn divide_by_two_power(&self, ct: &Ciphertext, j: u32) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let bits = ct.t.bits();
        if j >= bits {
            return Err(BgvError::BadTwoPowerDivision { bits, shift: j });
        }
        if j == 0 {
            return Ok(ct.clone());
        }
        let t = self.params().plaintext_modulus(bits - j)?;
        let inverses: Vec<u64> = self
            .params()
            .ctxt_basis(ct.level())
            .tables()
            .iter()
            .map(|table| {
                let q = table.modulus();
                q.inv(q.pow(2, u64::from(j)))
                    .expect("invariant: ciphertext primes are odd")
            })
            .collect();
        let mut out = ct.clone();
        for part in &mut out.parts {
            part.mul_scalars_assign(&inverses)?;
        }
        out.noise = ct.noise.divided_by_log2(f64::from(j));
        out.t = t;
        Ok(out)
    }

    /// 2^j m mod 2^(k+j) for t = 2^k: multiplies by 2^j; `PlaintextModulusOutOfRange` when the
    /// chain does not carry 2^(k+j).
    pub fn multiply_by_two_power(&self, ct: &Ciphertext, j: u32) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        let t = self
            .params()
            .plaintext_modulus(ct.t.bits().saturating_add(j))?;
        let mut out = ct.clone();
        out.parts
            .iter_mut()
            .for_each(|part| part.mul_scalar_assign(1 << j));
        out.noise = ct.noise.divided_by_log2(-f64::from(j));
        out.t = t;
        self.checked(out, "multiply by a power of two")
    }
}
