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
    /// D mod q_j and q_j - (D mod q_j): adding u (q_j - D) subtracts u D without leaving the
    /// naturals.
    product_mod_target: Vec<u64>,
    negated_product: Vec<u64>,
    /// Terms y_i (D/p_i) that fit in a 124-bit accumulator before it must be reduced.
    lazy_terms: usize,
    /// (D/p_i) mod 2^64 and D mod 2^64.
    cofactors_wrapping: Vec<u64>,
    product_wrapping: u64,
    inverse_primes: Vec<f64>,
}

/// The source-side half of a conversion, shared by every target prime: for coefficient c,
/// `ys[c k + i] = y_i = [x_i (D/p_i)^{-1}]_{p_i}` and `correction[c] = u = round(sum_i y_i/p_i)`
/// (less any multiples of D added with [`ScaledResidues::add_multiples_of_product`]); the
/// converted value is `sum_i y_i (D/p_i) - u D`.
#[derive(Debug, Clone)]
pub struct ScaledResidues {
    k: usize,
    ys: Vec<u64>,
    correction: Vec<i64>,
}

impl ScaledResidues {
    /// Number of coefficients.
    pub fn len(&self) -> usize {
        self.correction.len()
    }

    pub fn is_empty(&self) -> bool {
        self.correction.is_empty()
    }

    /// Makes every later conversion yield `v + k[c] D` instead of the centered `v`.
    pub fn add_multiples_of_product(&mut self, k: &[i64]) {
        assert_eq!(
            k.len(),
            self.len(),
            "invariant: one multiple per coefficient"
        );
        for (u, &kc) in self.correction.iter_mut().zip(k) {
            *u -= kc;
        }
    }
}

fn mod_u64(x: &BigUint, q: u64) -> u64 {
    (x % q).iter_u64_digits().next().unwrap_or(0)
}

/// Coefficients handled per parallel task in [`BaseConverter::scale`].
const SCALE_CHUNK: usize = 4096;

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
        // y_i < p_i and cofactors < q_j: each term is below 2^(bits(p) + bits(q)).
        let max_bits = |b: &RnsBasis| b.moduli().iter().map(|q| 64 - q.leading_zeros()).max();
        let term_bits = max_bits(from).unwrap_or(0) + max_bits(to).unwrap_or(0);
        let lazy_terms = if term_bits >= 123 {
            1
        } else {
            (1usize << (123 - term_bits).min(20)).max(1)
        };
        BaseConverter {
            cofactors: to
                .moduli()
                .iter()
                .map(|&q| cofactor_big.iter().map(|c| mod_u64(c, q)).collect())
                .collect(),
            product_mod_target: to.moduli().iter().map(|&q| mod_u64(&product, q)).collect(),
            negated_product: to
                .moduli()
                .iter()
                .map(|&q| (q - mod_u64(&product, q)) % q)
                .collect(),
            lazy_terms,
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

    /// D mod q_j: the source product modulo the j-th target prime.
    pub fn product_mod_target(&self, j: usize) -> u64 {
        self.product_mod_target[j]
    }

    /// The scaled residues y_i and the corrections u of coefficient rows (one per prime of
    /// `from`, all of one length).
    pub fn scale<R: AsRef<[u64]> + Sync>(&self, rows: &[R]) -> ScaledResidues {
        let k = self.from.len();
        assert_eq!(rows.len(), k, "invariant: one row per source prime");
        let n = rows.first().map_or(0, |r| r.as_ref().len());
        let tables = self.from.tables();
        let mut ys = vec![0u64; k * n];
        let mut correction = vec![0i64; n];
        ys.par_chunks_mut(k * SCALE_CHUNK)
            .zip(correction.par_chunks_mut(SCALE_CHUNK))
            .enumerate()
            .for_each(|(chunk, (ys, corrections))| {
                let first = chunk * SCALE_CHUNK;
                for (offset, (ys, corr)) in ys.chunks_exact_mut(k).zip(corrections).enumerate() {
                    let c = first + offset;
                    let mut fraction = 0.0f64;
                    for (i, y) in ys.iter_mut().enumerate() {
                        let md = tables[i].modulus();
                        let (inv, inv_shoup) = self.cofactor_inverses[i];
                        *y = md.mul_shoup(rows[i].as_ref()[c], inv, inv_shoup);
                        fraction += *y as f64 * self.inverse_primes[i];
                    }
                    // fraction >= 0: adding 1/2 and truncating rounds it (no libm call).
                    *corr = (fraction + 0.5) as i64;
                }
            });
        ScaledResidues { k, ys, correction }
    }

    /// Row `j` of the conversion: `out[c] = (sum_i y_i (D/p_i) - u D) mod q_j`, the centered
    /// representative modulo the j-th target prime. Products are summed in 128 bits and
    /// reduced once per `lazy_terms`.
    pub fn target_row(&self, scaled: &ScaledResidues, j: usize, out: &mut [u64]) {
        assert_eq!(
            scaled.k,
            self.from.len(),
            "invariant: scaled by this converter"
        );
        assert_eq!(
            out.len(),
            scaled.len(),
            "invariant: one output per coefficient"
        );
        let md = self.to.tables()[j].modulus();
        let cofactors = &self.cofactors[j];
        let (product, negated_product) = (
            self.product_mod_target[j] as u128,
            self.negated_product[j] as u128,
        );
        // -u D mod q_j as a natural number below 2^(64 + bits(q)).
        let correction = |u: i64| {
            if u >= 0 {
                u as u128 * negated_product
            } else {
                u.unsigned_abs() as u128 * product
            }
        };
        let k = scaled.k;
        if self.lazy_terms >= k {
            for ((x, &u), ys) in out
                .iter_mut()
                .zip(&scaled.correction)
                .zip(scaled.ys.chunks_exact(k))
            {
                let mut acc = correction(u);
                for (&y, &w) in ys.iter().zip(cofactors) {
                    acc += y as u128 * w as u128;
                }
                *x = md.reduce_u128(acc);
            }
            return;
        }
        for (c, (x, &u)) in out.iter_mut().zip(&scaled.correction).enumerate() {
            let ys = &scaled.ys[c * k..(c + 1) * k];
            let mut acc = correction(u) % md.value() as u128;
            for (terms, (ys, cofs)) in ys
                .chunks(self.lazy_terms)
                .zip(cofactors.chunks(self.lazy_terms))
                .enumerate()
            {
                if terms > 0 {
                    acc = md.reduce_u128(acc) as u128;
                }
                for (&y, &w) in ys.iter().zip(cofs) {
                    acc += y as u128 * w as u128;
                }
            }
            *x = md.reduce_u128(acc);
        }
    }

    /// The centered representative modulo 2^64 (wrapping), per coefficient.
    pub fn low_bits(&self, scaled: &ScaledResidues) -> Vec<u64> {
        let k = scaled.k;
        scaled
            .ys
            .chunks_exact(k)
            .zip(&scaled.correction)
            .map(|(ys, &u)| {
                let acc = ys
                    .iter()
                    .zip(&self.cofactors_wrapping)
                    .fold(0u64, |acc, (&y, &w)| acc.wrapping_add(y.wrapping_mul(w)));
                acc.wrapping_sub((u as u64).wrapping_mul(self.product_wrapping))
            })
            .collect()
    }

    /// Converts coefficient rows (one per prime of `from`, all of length n) to the centered
    /// representative's rows modulo each prime of `to`, and its value modulo 2^64.
    pub fn convert<R: AsRef<[u64]> + Sync>(&self, rows: &[R]) -> (Vec<Vec<u64>>, Vec<u64>) {
        let scaled = self.scale(rows);
        let target_rows = (0..self.to.len())
            .into_par_iter()
            .map(|j| {
                let mut out = vec![0u64; scaled.len()];
                self.target_row(&scaled, j, &mut out);
                out
            })
            .collect();
        (target_rows, self.low_bits(&scaled))
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

    /// 50-bit primes (every term summed lazily) and 60-bit primes with 12 source primes (the
    /// 128-bit accumulator must be reduced every 8 terms) against BigInt arithmetic.
    #[test]
    fn centered_representative_reaches_the_target_basis_exactly() {
        let ring = Arc::new(Cyclotomic::new(1023).unwrap());
        for (bits, k, total) in [(50, 3, 7), (60, 12, 15)] {
            let primes = generate_primes(1023, bits, total, &[]).unwrap();
            let from = RnsBasis::new(ring.clone(), &primes[..k]).unwrap();
            let to = RnsBasis::new(ring.clone(), &primes[k..]).unwrap();
            let conv = BaseConverter::new(&from, &to);
            assert!(
                bits < 60 || conv.lazy_terms < k,
                "the 60-bit case must reduce midway"
            );
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let d = BigInt::from(from.product().clone());
            let values: Vec<BigInt> = (0..500)
                .map(|_| rng.gen_bigint_range(&(-&d / 2 + 1), &(&d / 2)))
                .collect();
            let mut rows = vec![Vec::new(); k];
            for v in &values {
                for (row, r) in rows.iter_mut().zip(from.decompose(v)) {
                    row.push(r);
                }
            }
            let (target, low) = conv.convert(&rows);
            for (c, v) in values.iter().enumerate() {
                let expect = to.decompose(v);
                for j in 0..to.len() {
                    assert_eq!(target[j][c], expect[j], "{bits}-bit primes, k = {k}");
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
}
