//! Fast RNS base conversion of the centered representative (Halevi-Polyakov-Shoup style, with
//! a floating-point correction that makes it exact away from ties).
//!
//! For x given by residues x_i modulo the primes p_i of a basis with product D:
//! y_i = [x_i (D/p_i)^{-1}]_{p_i}, v = sum_i y_i (D/p_i) = x (mod D) with 0 <= v < kD, and
//! u = round(sum_i y_i / p_i) makes v - uD the representative of x in [-D/2, D/2) (up to one
//! D when sum_i y_i/p_i lies within 2^-40 of a half-integer). Its residues modulo target
//! primes and modulo 2^64 (wrapping) follow from the precomputed (D/p_i) and D.

use crate::rns::RnsBasis;
use num_bigint::BigUint;
use rayon::prelude::*;

/// Conversion tables from `from` to `to` (bases of one ring, disjoint or not).
#[derive(Debug, Clone)]
pub struct BaseConverter {
    from: RnsBasis,
    to: RnsBasis,
    /// (D/p_i)^{-1} mod p_i and its Shoup companion.
    cofactor_inverses: Vec<(u64, u64)>,
    /// cofactors[j][i] = (D/p_i) mod q_j.
    cofactors: Vec<Vec<u64>>,
    /// D mod q_j.
    product_mod_target: Vec<u64>,
    /// (D/p_i) mod 2^64 and D mod 2^64.
    cofactors_wrapping: Vec<u64>,
    product_wrapping: u64,
    inverse_primes: Vec<f64>,
}

fn mod_u64(x: &BigUint, q: u64) -> u64 {
    (x % q).iter_u64_digits().next().unwrap_or(0)
}

impl BaseConverter {
    pub fn new(from: &RnsBasis, to: &RnsBasis) -> Self {
        let product = from.product().clone();
        let cofactor_big: Vec<BigUint> = from.moduli().iter().map(|&p| &product / p).collect();
        let cofactor_inverses = from
            .tables()
            .iter()
            .zip(&cofactor_big)
            .map(|(t, c)| {
                let md = t.modulus();
                let inv = md
                    .inv(mod_u64(c, md.value()))
                    .expect("invariant: distinct primes are coprime");
                (inv, md.shoup(inv))
            })
            .collect();
        let wrap = |x: &BigUint| x.iter_u64_digits().next().unwrap_or(0);
        BaseConverter {
            cofactors: to
                .moduli()
                .iter()
                .map(|&q| cofactor_big.iter().map(|c| mod_u64(c, q)).collect())
                .collect(),
            product_mod_target: to.moduli().iter().map(|&q| mod_u64(&product, q)).collect(),
            cofactors_wrapping: cofactor_big.iter().map(wrap).collect(),
            product_wrapping: wrap(&product),
            inverse_primes: from.moduli().iter().map(|&p| 1.0 / p as f64).collect(),
            cofactor_inverses,
            from: from.clone(),
            to: to.clone(),
        }
    }

    pub fn from_basis(&self) -> &RnsBasis {
        &self.from
    }

    pub fn to_basis(&self) -> &RnsBasis {
        &self.to
    }

    /// Converts coefficient rows (one per prime of `from`, all of length n) to the centered
    /// representative's rows modulo each prime of `to`, and its value modulo 2^64.
    pub fn convert(&self, rows: &[Vec<u64>]) -> (Vec<Vec<u64>>, Vec<u64>) {
        let k = self.from.len();
        assert_eq!(rows.len(), k, "invariant: one row per source prime");
        let n = rows.first().map_or(0, Vec::len);
        let tables = self.from.tables();
        let mut scaled = vec![0u64; k * n];
        let mut correction = vec![0u64; n];
        scaled
            .par_chunks_mut(k)
            .zip(correction.par_iter_mut())
            .enumerate()
            .for_each(|(c, (ys, corr))| {
                let mut fraction = 0.0f64;
                for i in 0..k {
                    let md = tables[i].modulus();
                    let (inv, inv_shoup) = self.cofactor_inverses[i];
                    let y = md.mul_shoup(rows[i][c], inv, inv_shoup);
                    ys[i] = y;
                    fraction += y as f64 * self.inverse_primes[i];
                }
                *corr = fraction.round() as u64;
            });
        let target_rows = self
            .to
            .tables()
            .par_iter()
            .enumerate()
            .map(|(j, t)| {
                let md = t.modulus();
                let q = md.value();
                let cof: Vec<(u64, u64)> = self.cofactors[j]
                    .iter()
                    .map(|&c| (c, md.shoup(c)))
                    .collect();
                let d_mod = self.product_mod_target[j];
                let d_shoup = md.shoup(d_mod);
                // Shoup products of any 64-bit input by a fixed residue, accumulated lazily
                // below 2q and reduced once.
                (0..n)
                    .map(|c| {
                        let ys = &scaled[c * k..(c + 1) * k];
                        let mut acc = 0u64;
                        for (&y, &(w, w_shoup)) in ys.iter().zip(&cof) {
                            acc = md.add(acc, md.mul_shoup(y, w, w_shoup));
                        }
                        let fix = md.mul_shoup(correction[c], d_mod, d_shoup);
                        debug_assert!(acc < q && fix < q);
                        md.sub(acc, fix)
                    })
                    .collect()
            })
            .collect();
        let low_bits = (0..n)
            .map(|c| {
                let mut acc = 0u64;
                for i in 0..k {
                    acc = acc
                        .wrapping_add(scaled[c * k + i].wrapping_mul(self.cofactors_wrapping[i]));
                }
                acc.wrapping_sub(correction[c].wrapping_mul(self.product_wrapping))
            })
            .collect();
        (target_rows, low_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclotomic::Cyclotomic;
    use crate::prime::generate_primes;
    use num_bigint::{BigInt, RandBigInt};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::sync::Arc;

    #[test]
    fn centered_representative_reaches_the_target_basis_exactly() {
        let ring = Arc::new(Cyclotomic::new(1023).unwrap());
        let primes = generate_primes(1023, 50, 7, &[]).unwrap();
        let from = RnsBasis::new(ring.clone(), &primes[..3]).unwrap();
        let to = RnsBasis::new(ring, &primes[3..]).unwrap();
        let conv = BaseConverter::new(&from, &to);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let d = BigInt::from(from.product().clone());
        let values: Vec<BigInt> = (0..500)
            .map(|_| rng.gen_bigint_range(&(-&d / 2 + 1), &(&d / 2)))
            .collect();
        let mut rows = vec![Vec::new(); 3];
        for v in &values {
            for (row, r) in rows.iter_mut().zip(from.decompose(v)) {
                row.push(r);
            }
        }
        let (target, low) = conv.convert(&rows);
        for (c, v) in values.iter().enumerate() {
            let expect = to.decompose(v);
            for j in 0..to.len() {
                assert_eq!(target[j][c], expect[j]);
            }
            let wrapped = v.modpow(&BigInt::from(1), &(BigInt::from(1) << 64));
            let wrapped = if wrapped.sign() == num_bigint::Sign::Minus {
                wrapped + (BigInt::from(1) << 64)
            } else {
                wrapped
            };
            assert_eq!(BigInt::from(low[c]), wrapped);
        }
    }
}
