//! Samplers for RLWE: secrets with an exact Hamming weight, discrete Gaussian errors, and the
//! generator they draw from.
//!
//! Secrets and errors must come from [`SecureRng`], a type of its own that only the operating
//! system seeds ([`secure_rng`], [`SecureRng::from_os`]): it implements neither
//! `SeedableRng` nor `Clone`, so key generation cannot be handed a fixed or repeated seed.
//! `seeded_rng` (a `SecureRng` from a fixed seed, for tests and reproducible benchmarks)
//! exists only in this crate's tests and under the `insecure-fixed-seed` feature, which the
//! workspace enables from dev-dependencies alone. Non-secret randomness (data shuffling, weight
//! initialisation) uses a plain seeded ChaCha generator instead.
//! Samples are coefficient vectors of length phi(m) (the basis of degree < phi), turned into
//! DoubleCRT form once by the caller.

use crate::error::RingError;
use rand::seq::index::sample;
use rand::{CryptoRng, Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The cryptographically secure generator for secrets, errors and uniform key parts: ChaCha20
/// seeded from the operating system's entropy source.
///
/// A seed cannot be supplied:
/// ```compile_fail
/// use rand::SeedableRng;
/// let _ = nit_ring::sample::SecureRng::seed_from_u64(1);
/// ```
pub struct SecureRng(ChaCha20Rng);

impl SecureRng {
    /// A generator seeded from the operating system's entropy source.
    ///
    /// # Panics
    /// If the operating system provides no entropy (nothing secure can be done then).
    pub fn from_os() -> Self {
        SecureRng(ChaCha20Rng::from_entropy())
    }
}

impl RngCore for SecureRng {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl CryptoRng for SecureRng {}

/// Shows no state: the generator's key is as secret as the keys drawn from it.
impl std::fmt::Debug for SecureRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureRng(..)")
    }
}

/// A generator seeded from the operating system's entropy source ([`SecureRng::from_os`]).
pub fn secure_rng() -> SecureRng {
    SecureRng::from_os()
}

/// A [`SecureRng`] from a fixed seed: FOR TESTS AND REPRODUCIBLE BENCHMARKS ONLY, NEVER FOR
/// PRODUCTION: keys made from it are predictable. Present only in this crate's tests and with
/// the `insecure-fixed-seed` feature (which no release build enables).
#[cfg(any(test, feature = "insecure-fixed-seed"))]
pub fn seeded_rng(seed: u64) -> SecureRng {
    SecureRng(ChaCha20Rng::seed_from_u64(seed))
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
        let (mut a, mut b) = (secure_rng(), SecureRng::from_os());
        assert_ne!(a.gen::<[u64; 4]>(), b.gen::<[u64; 4]>());
    }

    /// The fixed-seed generator is ChaCha20 from that seed (reproducible tests), and a
    /// generator's Debug form shows none of its state.
    #[test]
    fn seeded_generator_is_reproducible_and_debug_hides_state() {
        let mut reference = ChaCha20Rng::seed_from_u64(9);
        assert_eq!(seeded_rng(9).gen::<[u64; 4]>(), reference.gen::<[u64; 4]>());
        assert_eq!(format!("{:?}", seeded_rng(9)), "SecureRng(..)");
    }
}
