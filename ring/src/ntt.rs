//! The power-of-two negacyclic NTT mod q: the one module that names the backend (tfhe-ntt).
//!
//! `forward` maps coefficients of a polynomial mod (X^N + 1, q) to its values at the odd powers
//! of a primitive 2N-th root, in an order the backend chooses (bit-reversed); `inverse` undoes
//! it up to the factor N. The crate uses the transform only as a convolution engine:
//! inverse(forward(a) * forward(b) / N) = a * b mod (X^N + 1), so the order never matters.

use tfhe_ntt::prime64::Plan;

/// A negacyclic NTT plan of size N (a power of two >= 16) for a prime q = 1 mod 2N.
#[derive(Clone, Debug)]
pub struct NttPlan {
    plan: Plan,
}

impl NttPlan {
    /// None unless N is a power of two >= 16 and q is a prime = 1 mod 2N.
    pub fn new(size: usize, q: u64) -> Option<Self> {
        Plan::try_new(size, q).map(|plan| NttPlan { plan })
    }

    /// Transform length N, a power of two >= 16.
    pub fn size(&self) -> usize {
        self.plan.ntt_size()
    }

    /// In place, inputs reduced mod q, outputs reduced mod q.
    #[inline]
    pub fn forward(&self, buf: &mut [u64]) {
        self.plan.fwd(buf);
    }

    /// In place; returns N times the coefficients.
    #[inline]
    pub fn inverse(&self, buf: &mut [u64]) {
        self.plan.inv(buf);
    }

    /// lhs <- lhs * rhs / N pointwise (the N^{-1} of `inverse` folded in), on equal slices
    /// whose length is a multiple of 8 (the backend's vector width; it would skip a shorter
    /// tail), e.g. a prefix of an N-word buffer.
    #[inline]
    pub fn mul_normalized(&self, lhs: &mut [u64], rhs: &[u64]) {
        assert!(
            lhs.len() == rhs.len() && lhs.len().is_multiple_of(8),
            "invariant: equal lengths, a multiple of 8"
        );
        self.plan.mul_assign_normalize(lhs, rhs);
    }

    /// acc <- acc + lhs * rhs pointwise (no N^{-1}), on equal slices of length N.
    #[inline]
    pub fn mul_accumulate(&self, acc: &mut [u64], lhs: &[u64], rhs: &[u64]) {
        assert!(
            acc.len() == self.size() && lhs.len() == acc.len() && rhs.len() == acc.len(),
            "invariant: operands of length N"
        );
        self.plan.mul_accumulate(acc, lhs, rhs);
    }

    /// values <- values / N.
    #[inline]
    pub fn normalize(&self, values: &mut [u64]) {
        self.plan.normalize(values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prime::generate_primes;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn negacyclic_product_matches_schoolbook() {
        let n = 64;
        let q = generate_primes(31, 40, 1, &[]).unwrap()[0];
        let plan = NttPlan::new(n, q).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let a: Vec<u64> = (0..n).map(|_| rng.gen_range(0..q)).collect();
        let b: Vec<u64> = (0..n).map(|_| rng.gen_range(0..q)).collect();
        let md = crate::Modulus::new(q);
        let mut expect = vec![0u64; n];
        for (i, &ai) in a.iter().enumerate() {
            for (j, &bj) in b.iter().enumerate() {
                let p = md.mul(ai, bj);
                let k = (i + j) % n;
                expect[k] = if i + j < n {
                    md.add(expect[k], p)
                } else {
                    md.sub(expect[k], p)
                };
            }
        }
        let (mut fa, mut fb) = (a.clone(), b.clone());
        plan.forward(&mut fa);
        plan.forward(&mut fb);
        plan.mul_normalized(&mut fa, &fb);
        plan.inverse(&mut fa);
        assert_eq!(fa, expect);
        let mut round = a.clone();
        plan.forward(&mut round);
        plan.inverse(&mut round);
        plan.normalize(&mut round);
        assert_eq!(round, a);
    }

    #[test]
    fn plan_rejects_bad_sizes_and_moduli() {
        let q = generate_primes(31, 40, 1, &[]).unwrap()[0];
        assert!(NttPlan::new(8, q).is_none());
        assert!(NttPlan::new(48, q).is_none());
        assert!(NttPlan::new(64, q + 2).is_none());
    }
}
