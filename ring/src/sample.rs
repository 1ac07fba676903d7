//! Samplers for RLWE: secrets with an exact Hamming weight, discrete Gaussian errors, and the
//! generators they draw from.
//!
//! Secrets and errors must come from [`SecureRng`] seeded by the operating system
//! ([`secure_rng`]); [`seeded_rng`] exists for tests and reproducible benchmarks only.
//! Samples are coefficient vectors of length phi(m) (the basis of degree < phi), turned into
//! DoubleCRT form once by the caller.

use crate::error::RingError;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The cryptographically secure generator for secrets, errors and uniform key parts.
pub type SecureRng = ChaCha20Rng;

/// A ChaCha20 generator seeded from the operating system's entropy source.
pub fn secure_rng() -> SecureRng {
    ChaCha20Rng::from_entropy()
}

/// A ChaCha20 generator from a fixed seed: FOR TESTS AND REPRODUCIBLE BENCHMARKS ONLY. Keys
/// made from it are predictable.
pub fn seeded_rng(seed: u64) -> SecureRng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Standard deviation of the RLWE error, per coefficient.
pub const ERROR_STD_DEV: f64 = 3.2;

/// Tail cut of the discrete Gaussian: |e| <= 8 sigma = 25 for sigma = 3.2 (HElib's
/// HELIB_GAUSS_TRUNC). Pr[|N(0, 3.2^2)| > 25.6] is about 6e-16 per coefficient, so the cut
/// changes the distribution by less than 2^-35 over a 27000-coefficient sample.
pub fn gaussian_tail_cut(sigma: f64) -> i64 {
    (8.0 * sigma).floor() as i64
}

/// n coefficients in {-1, 0, 1} with exactly h nonzero, positions and signs uniform.
pub fn ternary_with_weight<R: Rng + ?Sized>(
    n: usize,
    h: usize,
    rng: &mut R,
) -> Result<Vec<i64>, RingError> {
    if h > n {
        return Err(RingError::Length {
            expected: n,
            found: h,
        });
    }
    let mut coeffs = vec![0i64; n];
    for i in sample(rng, n, h) {
        coeffs[i] = if rng.gen::<bool>() { 1 } else { -1 };
    }
    Ok(coeffs)
}

/// n coefficients uniform in {-1, 0, 1} (a dense ternary secret).
pub fn ternary_dense<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<i64> {
    (0..n).map(|_| rng.gen_range(-1..=1)).collect()
}

/// n samples of the discrete Gaussian D_{Z, sigma} cut at `gaussian_tail_cut(sigma)`, by
/// rejection from the uniform distribution on [-cut, cut] with acceptance exp(-x^2 / 2 sigma^2).
pub fn discrete_gaussian<R: Rng + ?Sized>(n: usize, sigma: f64, rng: &mut R) -> Vec<i64> {
    let cut = gaussian_tail_cut(sigma);
    let denominator = 2.0 * sigma * sigma;
    (0..n)
        .map(|_| loop {
            let x = rng.gen_range(-cut..=cut);
            if rng.gen::<f64>() < (-((x * x) as f64) / denominator).exp() {
                break x;
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamming_weight_is_exact_for_both_sets() {
        let mut rng = seeded_rng(1);
        for (n, h) in [(600, 120), (27000, 120), (27000, 27000), (31, 0)] {
            let s = ternary_with_weight(n, h, &mut rng).unwrap();
            assert_eq!(s.len(), n);
            assert_eq!(s.iter().filter(|&&c| c != 0).count(), h);
            assert!(s.iter().all(|c| c.abs() <= 1));
        }
        assert!(ternary_with_weight(10, 11, &mut rng).is_err());
    }

    #[test]
    fn gaussian_moments_and_tail_cut() {
        let mut rng = seeded_rng(2);
        let e = discrete_gaussian(27000, ERROR_STD_DEV, &mut rng);
        let mean = e.iter().sum::<i64>() as f64 / e.len() as f64;
        let var = e.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / e.len() as f64;
        // Standard error of the mean ~ 3.2/sqrt(27000) = 0.02; of the variance ~ 0.09.
        assert!(mean.abs() < 0.1, "mean {mean}");
        assert!((var.sqrt() - 3.2).abs() < 0.1, "std {}", var.sqrt());
        assert!(e.iter().all(|x| x.abs() <= 25));
        assert_eq!(gaussian_tail_cut(3.2), 25);
    }

    #[test]
    fn dense_ternary_hits_all_three_values() {
        let mut rng = seeded_rng(3);
        let s = ternary_dense(600, &mut rng);
        for v in [-1, 0, 1] {
            let count = s.iter().filter(|&&c| c == v).count();
            assert!((150..250).contains(&count), "{v}: {count}");
        }
    }

    #[test]
    fn os_seeded_generators_differ() {
        let (mut a, mut b) = (secure_rng(), secure_rng());
        assert_ne!(a.gen::<[u64; 4]>(), b.gen::<[u64; 4]>());
    }
}
