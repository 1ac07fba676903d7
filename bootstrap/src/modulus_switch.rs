//! Step 4 of thin recryption, in the clear: the switch of a ciphertext (c_0, c_1) mod Q_in
//! (plaintext modulus 2, key s') to the modulus 2^e, rounding in the powerful basis
//! (BOOTSTRAP_NOTES 3.4).
//!
//! With c_0 + c_1 s' = a + 2E (mod Q_in), Q_in odd and h = (Q_in + 1)/2 = 2^-1 mod Q_in:
//!   h c_0 + h c_1 s' = (Q_in/2) a + (a/2 + E)   (mod Q_in),
//!   c_i' = round(2^e [h c_i]_{Q_in} / Q_in) mod 2^e, coefficient-wise in the powerful basis,
//!   c_0' + c_1' s' = 2^(e-1) a + eps   (mod 2^e),
//!   eps = 2^e (a/2 + E)/Q_in - tau_0 - tau_1 s',  |tau_i| <= 1/2 per powerful coefficient.
//! The bit a mod 2 is the top digit as long as |eps| < 2^(e-2) once 2^(e-2) is added. The
//! spread of tau_0 + tau_1 s' is read coefficient-wise in this basis (sigma_eps, notes
//! section 1): rounding in another representation would inflate it.
//!
//! Output: powerful coefficients centred in (-2^(e-1), 2^(e-1)], ready for the inverse lift.

use crate::error::BootstrapError;
use nit_ring::powerful::PowerfulBasis;
use nit_ring::CoeffPoly;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::ToPrimitive;

/// A ciphertext over Z_(2^e), both parts by their powerful coefficients in
/// (-2^(e-1), 2^(e-1)].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerfulCiphertext {
    e: u32,
    parts: [Vec<i64>; 2],
}

impl PowerfulCiphertext {
    /// The modulus 2^e of the coefficients.
    pub fn e(&self) -> u32 {
        self.e
    }

    /// (c_0', c_1') in the powerful basis.
    pub fn parts(&self) -> &[Vec<i64>; 2] {
        &self.parts
    }
}

/// Largest e: centred coefficients and their sums stay far inside i64.
pub const MAX_TWO_POWER_BITS: u32 = 32;

/// (c_0, c_1) over Q_in (any representatives of degree < m, one RNS basis) to
/// (c_0', c_1') mod 2^e in the powerful basis `basis` (see the module doc).
pub fn switch_to_two_power(
    basis: &PowerfulBasis,
    parts: [&CoeffPoly; 2],
    e: u32,
) -> Result<PowerfulCiphertext, BootstrapError> {
    if !(2..=MAX_TWO_POWER_BITS).contains(&e) {
        return Err(BootstrapError::PlaintextModulusBits(e));
    }
    let rns = parts[0].basis();
    if parts[1].basis() != rns {
        return Err(nit_ring::RingError::BasisMismatch {
            left: rns.moduli(),
            right: parts[1].basis().moduli(),
        }
        .into());
    }
    let q = BigInt::from(rns.product().clone());
    let two_q = &q * 2;
    let modulus = 1i64 << e;
    let switch = |part: &CoeffPoly| -> Result<Vec<i64>, BootstrapError> {
        // h c mod q_i = c / 2 mod q_i on every row.
        let halved: Vec<Vec<u64>> = part
            .rows()
            .iter()
            .zip(rns.tables())
            .map(|(row, table)| {
                let q_i = table.modulus();
                let half = q_i.inv(2).expect("invariant: RNS primes are odd");
                row.iter().map(|&c| q_i.mul(c, half)).collect()
            })
            .collect();
        let halved = CoeffPoly::from_rows(rns.clone(), halved)?;
        let powerful = basis.poly_to_powerful(&halved)?;
        // round(2^e c / Q) = floor((2^(e+1) c + Q) / 2Q) for c in (-Q/2, Q/2].
        powerful
            .to_bigint_centered()
            .iter()
            .map(|c| {
                let rounded = ((c << (e + 1)) + &q).div_floor(&two_q);
                let reduced = rounded
                    .to_i64()
                    .expect("invariant: |round(2^e c / Q)| <= 2^(e-1) + 1")
                    .rem_euclid(modulus);
                Ok(if reduced > modulus / 2 {
                    reduced - modulus
                } else {
                    reduced
                })
            })
            .collect()
    };
    Ok(PowerfulCiphertext {
        e,
        parts: [switch(parts[0])?, switch(parts[1])?],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nit_ring::prime::generate_primes;
    use nit_ring::{Cyclotomic, DcrtPoly, Modulus, RnsBasis};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::sync::Arc;

    /// Random ternary key of exactly `weight` nonzero coefficients among phi.
    fn sparse_key(phi: usize, weight: usize, rng: &mut ChaCha8Rng) -> Vec<i64> {
        let mut key = vec![0i64; phi];
        let mut placed = 0;
        while placed < weight {
            let at = rng.gen_range(0..phi);
            if key[at] == 0 {
                key[at] = if rng.gen_bool(0.5) { 1 } else { -1 };
                placed += 1;
            }
        }
        key
    }

    /// One ciphertext of random bits (one per powerful coefficient) under a fresh key of the
    /// given weight, switched to 2^e; returns eps per coefficient after checking that every
    /// bit is the top digit of c_0' + c_1' s' + 2^(e-2). eps is recomputed with exact
    /// integers: c_1' s' mod X^m - 1, converted to the powerful basis mod 2^61 - 1.
    fn switched_errors(
        rns: &RnsBasis,
        basis: &PowerfulBasis,
        weight: usize,
        e: u32,
        seed: u64,
    ) -> Vec<i64> {
        let (m, phi) = (basis.m(), basis.len());
        let big = Modulus::new((1 << 61) - 1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let key = sparse_key(phi, weight, &mut rng);
        let bits: Vec<i64> = (0..phi).map(|_| rng.gen_range(0..=1)).collect();
        // a + 2E, a given by its powerful coefficients (lifted), E small.
        let mut message = basis.lift(&bits).unwrap();
        for c in message.iter_mut() {
            *c += 2 * rng.gen_range(-20..=20);
        }
        let c1 = DcrtPoly::uniform(rns, &mut rng);
        let s = DcrtPoly::from_i64(rns, &key).unwrap();
        let c0 = DcrtPoly::from_i64(rns, &message)
            .unwrap()
            .sub(&c1.mul(&s).unwrap())
            .unwrap();
        let switched =
            switch_to_two_power(basis, [&c0.to_coeff_unreduced(), &c1.to_coeff()], e).unwrap();
        let [c0p, c1p] = switched.parts();
        let lifted = basis.lift(c1p).unwrap();
        let mut product = vec![0i64; m];
        for (j, &k) in key.iter().enumerate().filter(|(_, &k)| k != 0) {
            for (i, &c) in lifted.iter().enumerate() {
                product[(i + j) % m] += c * k;
            }
        }
        let product: Vec<u64> = product.iter().map(|&c| big.from_i64(c)).collect();
        let product = basis.to_powerful(&product, &big).unwrap();
        let modulus = 1i64 << e;
        c0p.iter()
            .zip(&product)
            .zip(&bits)
            .map(|((&c0j, &pj), &bit)| {
                assert!(c0j <= modulus / 2 && c0j > -modulus / 2);
                let u = (c0j + big.center(pj)).rem_euclid(modulus);
                assert_eq!(
                    (u + (modulus >> 2)).rem_euclid(modulus) >> (e - 1),
                    bit,
                    "seed {seed}"
                );
                (u - (bit << (e - 1)) + modulus / 2).rem_euclid(modulus) - modulus / 2
            })
            .collect()
    }

    /// The notes' known answer (section 3.4) at m = 1023 with two 50-bit primes: every bit
    /// survives, |eps| < 2^(e-2), and eps is centred with the spread of the notes' table
    /// (7.43 at weight 120, 5.43 at weight 64, within 10%), as rounding to nearest in this
    /// basis predicts.
    #[test]
    fn switched_ciphertext_holds_every_bit_in_its_top_digit() {
        let m = 1023;
        let ring = Arc::new(Cyclotomic::new(m).unwrap());
        let rns = RnsBasis::new(ring.clone(), &generate_primes(m, 50, 2, &[]).unwrap()).unwrap();
        let basis = PowerfulBasis::new(&ring, &[11, 93]).unwrap();
        for (weight, e, sigma) in [(64usize, 8u32, 5.43), (120, 9, 7.43)] {
            let errors: Vec<i64> = (0..100)
                .flat_map(|seed| switched_errors(&rns, &basis, weight, e, seed))
                .collect();
            let largest = errors.iter().map(|x| x.abs()).max().unwrap();
            let n = errors.len() as f64;
            let mean = errors.iter().sum::<i64>() as f64 / n;
            let spread = (errors
                .iter()
                .map(|&x| (x as f64 - mean).powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            println!(
                "weight {weight}, e = {e}: max |eps| {largest}, mean {mean:.3}, sigma {spread:.2}"
            );
            assert!(largest < 1 << (e - 2), "weight {weight}: |eps| {largest}");
            assert!(mean.abs() < 0.25, "weight {weight}: mean {mean}");
            assert!(
                (spread / sigma - 1.0).abs() < 0.1,
                "weight {weight}: sigma {spread}"
            );
        }
    }

    #[test]
    fn bad_width_and_mixed_bases_are_typed_errors() {
        let ring = Arc::new(Cyclotomic::new(1023).unwrap());
        let primes = generate_primes(1023, 50, 3, &[]).unwrap();
        let one = RnsBasis::new(ring.clone(), &primes[..2]).unwrap();
        let other = RnsBasis::new(ring.clone(), &primes[1..]).unwrap();
        let basis = PowerfulBasis::new(&ring, &[11, 93]).unwrap();
        let a = CoeffPoly::from_i64(one, &[0; 600]).unwrap();
        let b = CoeffPoly::from_i64(other, &[0; 600]).unwrap();
        assert_eq!(
            switch_to_two_power(&basis, [&a, &a], 1),
            Err(BootstrapError::PlaintextModulusBits(1))
        );
        assert!(matches!(
            switch_to_two_power(&basis, [&a, &b], 8),
            Err(BootstrapError::Ring(
                nit_ring::RingError::BasisMismatch { .. }
            ))
        ));
        let zero = switch_to_two_power(&basis, [&a, &a], 8).unwrap();
        assert_eq!(zero.parts()[0], vec![0; 600]);
        assert_eq!(zero.e(), 8);
    }
}
