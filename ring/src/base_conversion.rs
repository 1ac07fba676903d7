//! Fast RNS base conversion of the centered representative (Halevi-Polyakov-Shoup style, with
//! a floating-point correction that makes it exact away from ties).
//!
//! For x given by residues x_i modulo the primes p_i of a basis with product D:
//! y_i = [x_i (D/p_i)^{-1}]_{p_i}, v = sum_i y_i (D/p_i) = x (mod D) with 0 <= v < kD, and
//! u = round(sum_i y_i / p_i) makes v - uD the representative of x in [-D/2, D/2) (up to one
//! D when sum_i y_i/p_i lies within 2^-40 of a half-integer). Its residues modulo target
//! primes and modulo 2^64 (wrapping) follow from the precomputed (D/p_i) and D.

use crate::ifma;
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
    /// The kernels' tables when `ifma::available()` and every prime is below 2^51: per
    /// source prime the scale factor, per target prime its cofactor multipliers and D.
    vectorized: Option<Vectorized>,
}

#[derive(Debug, Clone)]
struct Vectorized {
    factors: Vec<ifma::ScaleFactor>,
    cofactors: Vec<Vec<ifma::Multiplier>>,
    products: Vec<ifma::Multiplier>,
}

/// The source-side half of a conversion, shared by every target prime: for coefficient c of n,
/// `ys[i n + c] = y_i = [x_i (D/p_i)^{-1}]_{p_i}` (one row per source prime) and
/// `correction[c] = u = round(sum_i y_i/p_i)` (less any multiples of D added with
/// [`ScaledResidues::add_multiples_of_product`]); the converted value is
/// `sum_i y_i (D/p_i) - u D`. `correction_bound` bounds every |u| (0 <= u <= k before any
/// multiples are added).
#[derive(Debug, Clone)]
pub struct ScaledResidues {
    k: usize,
    n: usize,
    ys: Vec<u64>,
    correction: Vec<i64>,
    correction_bound: u64,
}

impl ScaledResidues {
    /// Number of coefficients.
    pub fn len(&self) -> usize {
        self.correction.len()
    }

    /// True when there are no coefficients (n = 0).
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
        let added = k.iter().map(|kc| kc.unsigned_abs()).max().unwrap_or(0);
        self.correction_bound = self.correction_bound.saturating_add(added);
    }
}

fn mod_u64(x: &BigUint, q: u64) -> u64 {
    (x % q).iter_u64_digits().next().unwrap_or(0)
}

/// One parallel task of [`BaseConverter::scale`]: its first coefficient, its part of every y
/// row and of the corrections.
type ScaleChunk<'a> = (usize, Vec<&'a mut [u64]>, &'a mut [i64]);

/// Coefficients handled per parallel task in [`BaseConverter::scale`].
const SCALE_CHUNK: usize = 4096;

impl BaseConverter {
    /// Precomputes (D/p_i)^{-1} mod p_i, (D/p_i) mod q_j, D mod q_j and their wrapping
    /// (mod 2^64) forms for converting from `from` (product D) to `to`.
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
        let cofactors: Vec<Vec<u64>> = to
            .moduli()
            .iter()
            .map(|&q| cofactor_big.iter().map(|c| mod_u64(c, q)).collect())
            .collect();
        let product_mod_target: Vec<u64> =
            to.moduli().iter().map(|&q| mod_u64(&product, q)).collect();
        let vectorized = ifma::serves(from.moduli().into_iter().chain(to.moduli())).then(|| {
            let multiplier = |w: u64, q: u64| ifma::Multiplier {
                w,
                w_shoup: ifma::shoup52(w, q),
            };
            Vectorized {
                factors: from
                    .moduli()
                    .iter()
                    .zip(&cofactor_inverses)
                    .map(|(&p, &(inverse, _))| ifma::ScaleFactor {
                        p,
                        inverse,
                        inverse_shoup: ifma::shoup52(inverse, p),
                        reciprocal: 1.0 / p as f64,
                    })
                    .collect(),
                cofactors: to
                    .moduli()
                    .iter()
                    .zip(&cofactors)
                    .map(|(&q, row)| row.iter().map(|&w| multiplier(w, q)).collect())
                    .collect(),
                products: to
                    .moduli()
                    .iter()
                    .zip(&product_mod_target)
                    .map(|(&q, &d)| multiplier(d, q))
                    .collect(),
            }
        });
        BaseConverter {
            vectorized,
            cofactors,
            product_mod_target,
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

    /// Source basis, primes p_i with product D.
    pub fn from_basis(&self) -> &RnsBasis {
        &self.from
    }

    /// Target basis, primes q_j.
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
        let rows: Vec<&[u64]> = rows.iter().map(|r| r.as_ref()).collect();
        assert!(
            rows.iter().all(|r| r.len() == n),
            "invariant: rows of one length"
        );
        let mut ys = vec![0u64; k * n];
        let mut correction = vec![0i64; n];
        // Chunks of coefficients in parallel, each writing its slice of every y row.
        let mut y_rows: Vec<&mut [u64]> = ys.chunks_mut(n.max(1)).collect();
        let mut chunks: Vec<ScaleChunk> = Vec::new();
        for (index, corrections) in correction.chunks_mut(SCALE_CHUNK).enumerate() {
            let len = corrections.len();
            let parts = y_rows
                .iter_mut()
                .map(|row| {
                    let (head, tail) = std::mem::take(row).split_at_mut(len);
                    *row = tail;
                    head
                })
                .collect();
            chunks.push((index * SCALE_CHUNK, parts, corrections));
        }
        chunks
            .into_par_iter()
            .for_each(|(first, mut ys, corrections)| {
                let sources: Vec<&[u64]> = rows
                    .iter()
                    .map(|r| &r[first..first + corrections.len()])
                    .collect();
                self.scale_chunk(&sources, &mut ys, corrections);
            });
        ScaledResidues {
            k,
            n,
            ys,
            correction,
            correction_bound: k as u64,
        }
    }

    /// `scale` on one chunk: `ys[i]` and `corrections` are the chunk's parts of the outputs.
    fn scale_chunk(&self, sources: &[&[u64]], ys: &mut [&mut [u64]], corrections: &mut [i64]) {
        let len = corrections.len();
        let done = match &self.vectorized {
            // Every prime is below 2^51, so are the residues.
            Some(v) => ifma::scale(&v.factors, sources, ys, corrections),
            None => 0,
        };
        let tables = self.from.tables();
        for c in done..len {
            let mut fraction = 0.0f64;
            for (i, row) in ys.iter_mut().enumerate() {
                let md = tables[i].modulus();
                let (inv, inv_shoup) = self.cofactor_inverses[i];
                let y = md.mul_shoup(sources[i][c], inv, inv_shoup);
                row[c] = y;
                fraction += y as f64 * self.inverse_primes[i];
            }
            // fraction >= 0: adding 1/2 and truncating rounds it (no libm call).
            corrections[c] = (fraction + 0.5) as i64;
        }
    }

    /// Row `j` of the conversion: `out[c] = (sum_i y_i (D/p_i) - u D) mod q_j`, the centered
    /// representative modulo the j-th target prime. Products are summed in 128 bits and
    /// reduced once per `lazy_terms` (or, with the IFMA kernels, reduced term by term).
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
        let n = scaled.n;
        let done = match &self.vectorized {
            // Exact: y_i < p_i < 2^51, the multipliers are reduced mod q_j and every
            // |u| <= correction_bound < q_j.
            Some(v) if scaled.correction_bound < md.value() => ifma::target_row(
                md.value(),
                &v.cofactors[j],
                v.products[j],
                &scaled.ys,
                &scaled.correction,
                out,
            ),
            _ => 0,
        };
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
        // With every term summed lazily the correction joins the sum unreduced (one chunk, as
        // `lazy_terms` was sized for); otherwise it is reduced first and the sum reduced
        // between chunks of `lazy_terms` terms.
        let lazy = self.lazy_terms;
        let all_lazy = lazy >= scaled.k;
        for (c, x) in out.iter_mut().enumerate().skip(done) {
            let mut acc = correction(scaled.correction[c]);
            if !all_lazy {
                acc %= md.value() as u128;
            }
            for (chunk, ws) in cofactors.chunks(lazy).enumerate() {
                if chunk > 0 {
                    acc = md.reduce_u128(acc) as u128;
                }
                for (offset, &w) in ws.iter().enumerate() {
                    acc += scaled.ys[(chunk * lazy + offset) * n + c] as u128 * w as u128;
                }
            }
            *x = md.reduce_u128(acc);
        }
    }

    /// The centered representative modulo 2^64 (wrapping), per coefficient.
    pub fn low_bits(&self, scaled: &ScaledResidues) -> Vec<u64> {
        let mut low: Vec<u64> = scaled
            .correction
            .iter()
            .map(|&u| 0u64.wrapping_sub((u as u64).wrapping_mul(self.product_wrapping)))
            .collect();
        for (row, &w) in scaled
            .ys
            .chunks(scaled.n.max(1))
            .zip(&self.cofactors_wrapping)
        {
            for (x, &y) in low.iter_mut().zip(row) {
                *x = x.wrapping_add(y.wrapping_mul(w));
            }
        }
        low
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
    use rand::{Rng, SeedableRng};
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
            // The IFMA kernels (used for 50-bit primes where the CPU has them) and the scalar
            // path must both be exact; 500 coefficients leave a tail of 4 past the kernels.
            assert_eq!(conv.vectorized.is_some(), bits == 50 && ifma::available());
            let mut scalar = conv.clone();
            scalar.vectorized = None;
            let shifts: Vec<i64> = (0..values.len()).map(|_| rng.gen_range(-8..=8)).collect();
            for conv in [&conv, &scalar] {
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
                // v + s_c D for the multiples callers add (negative corrections included),
                // small ones and ones beyond the primes (which the kernels must leave to the
                // scalar path).
                let huge: Vec<i64> = shifts.iter().map(|s| s << 53).collect();
                for shifts in [&shifts, &huge] {
                    let mut scaled = conv.scale(&rows);
                    scaled.add_multiples_of_product(shifts);
                    let mut out = vec![0u64; values.len()];
                    for j in 0..to.len() {
                        conv.target_row(&scaled, j, &mut out);
                        for (c, v) in values.iter().enumerate() {
                            let shifted = v + BigInt::from(shifts[c]) * &d;
                            assert_eq!(out[c], to.decompose(&shifted)[j]);
                        }
                    }
                }
            }
        }
    }
}
