//! Z_{2^32}[X], coefficients as u32 with wrapping arithmetic (low degree first).
//!
//! Wrapping u32 arithmetic is exact modulo 2^32, hence modulo every 2^r with r <= 32: the slot
//! tables are built once modulo 2^32 and serve every plaintext modulus 2^r by masking.

use super::simd::{avx2_kernel, multiply_accumulate};
use crate::cyclotomic::{factorize, Cyclotomic};

/// Schoolbook product.
pub fn mul(a: &[u32], b: &[u32]) -> Vec<u32> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut product = vec![0u32; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        for (p, &y) in product[i..].iter_mut().zip(b) {
            *p = p.wrapping_add(x.wrapping_mul(y));
        }
    }
    product
}

/// a mod f for monic f of degree n >= 1 (f has n + 1 coefficients, f[n] = 1); returns n
/// coefficients.
pub fn rem_monic(a: &[u32], f: &[u32]) -> Vec<u32> {
    let n = f.len() - 1;
    assert_eq!(
        f[n], 1,
        "invariant: rem_monic divides by a monic polynomial"
    );
    let mut r = a.to_vec();
    r.resize(r.len().max(n), 0);
    for top in (n..r.len()).rev() {
        let c = r[top];
        if c != 0 {
            for (x, &fk) in r[top - n..top].iter_mut().zip(f) {
                *x = x.wrapping_sub(c.wrapping_mul(fk));
            }
        }
    }
    r.truncate(n);
    r
}

/// X^e mod f for monic f, by square and multiply.
pub fn pow_x_mod(e: u64, f: &[u32]) -> Vec<u32> {
    let mut result = rem_monic(&[1], f);
    let mut base = rem_monic(&[0, 1], f);
    let mut e = e;
    while e != 0 {
        if e & 1 == 1 {
            result = rem_monic(&mul(&result, &base), f);
        }
        base = rem_monic(&mul(&base, &base), f);
        e >>= 1;
    }
    result
}

/// The sparse multiple of Phi_m used to shorten a polynomial of degree < m before the dense
/// reduction: for the smallest prime p | m and b = m/p, Phi_m divides
/// S(X) = (X^m - 1)/(X^b - 1) = sum_{k<p} X^{kb}, so X^{(p-1)b + i} = -sum_{k<p-1} X^{kb + i}
/// (mod Phi_m): folding the top block of b coefficients into the p - 1 blocks below leaves
/// degree < (p-1) b (m = 32767: 28086 instead of 32767, against phi = 27000).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CyclotomicFold {
    /// b = m / p: coefficients per block.
    pub block: usize,
    /// p, the smallest prime factor of m: blocks of degree < m.
    pub parts: usize,
}

impl CyclotomicFold {
    /// The fold of ring m, with p its smallest prime factor.
    pub fn new(ring: &Cyclotomic) -> Self {
        let p = factorize(ring.m() as u64)[0].0 as usize;
        CyclotomicFold {
            block: ring.m() / p,
            parts: p,
        }
    }

    /// The degree bound after folding: (p - 1) b.
    pub fn folded_len(&self) -> usize {
        (self.parts - 1) * self.block
    }
}

/// Reduction modulo Phi_m in Z_{2^32}[X] of polynomials of degree < m.
#[derive(Clone, Debug)]
pub struct CyclotomicReducer {
    /// Phi_m(X) mod 2^32, phi + 1 coefficients.
    phi_m: Vec<u32>,
    fold: CyclotomicFold,
}

impl CyclotomicReducer {
    /// Phi_m mod 2^32 and the fold of ring m.
    pub fn new(ring: &Cyclotomic) -> Self {
        // Two's complement truncation is reduction mod 2^32.
        CyclotomicReducer {
            phi_m: ring.polynomial().iter().map(|&c| c as u32).collect(),
            fold: CyclotomicFold::new(ring),
        }
    }

    /// a mod Phi_m (a of degree < m), phi coefficients.
    pub fn reduce(&self, a: &[u32]) -> Vec<u32> {
        let CyclotomicFold { block, parts } = self.fold;
        let n = self.phi_m.len() - 1;
        assert!(
            a.len() <= block * parts,
            "invariant: reduce gets degree < m"
        );
        let mut r = a.to_vec();
        r.resize(block * parts, 0);
        let (low, top) = r.split_at_mut(self.fold.folded_len());
        for part in low.chunks_exact_mut(block) {
            for (x, &t) in part.iter_mut().zip(top.iter()) {
                *x = x.wrapping_sub(t);
            }
        }
        r.truncate(self.fold.folded_len().max(n));
        reduce_dense(&mut r, &self.phi_m);
        r.truncate(n);
        r
    }
}

avx2_kernel! {
    /// Clears r's coefficients from the top down to deg f by subtracting multiples of the
    /// monic f (f[n] = 1 is not applied; the cleared coefficients are dropped by the caller).
    fn reduce_dense(r: &mut [u32], f: &[u32]) {
        let n = f.len() - 1;
        for top in (n..r.len()).rev() {
            let c = r[top];
            if c != 0 {
                multiply_accumulate(&mut r[top - n..top], c.wrapping_neg(), f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn cyclotomic_reduction_matches_the_integer_model() {
        let seed = 21;
        println!("seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for m in [31usize, 105, 121, 1023, 4369] {
            let ring = Cyclotomic::new(m).unwrap();
            let a: Vec<u32> = (0..m).map(|_| rng.gen_range(0..1 << 16)).collect();
            let wide: Vec<i128> = a.iter().map(|&x| x as i128).collect();
            let expect: Vec<u32> = ring
                .reduce_i128(&wide)
                .iter()
                .map(|&x| x.rem_euclid(1 << 32) as u32)
                .collect();
            assert_eq!(CyclotomicReducer::new(&ring).reduce(&a), expect, "m = {m}");
        }
    }

    #[test]
    fn power_of_x_matches_repeated_multiplication() {
        let f = [5u32, 0, 3, 1];
        let mut x_power = vec![1u32];
        for e in 0..40u64 {
            assert_eq!(pow_x_mod(e, &f), rem_monic(&x_power, &f), "e = {e}");
            x_power = rem_monic(&mul(&x_power, &[0, 1]), &f);
        }
    }
}
