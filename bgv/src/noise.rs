//! Noise: high-probability bounds on the canonical-embedding norm, and its measurement.
//!
//! The noise of a ciphertext c at modulus Q is x = [c_0 + c_1 s (+ c_2 s^2)]_Q = m + t e, a
//! polynomial of degree < phi. Its canonical norm is ||x||_can = max_{j in Z_m^*} |x(w^j)|,
//! w = exp(2 pi i / m). Products are bounded exactly by products of norms, since the embedding
//! is a ring map. A polynomial whose n coefficients are independent with variance v has
//! embedding values of variance n v; `SCALE` = 7 standard deviations bounds the largest of
//! phi <= 2^15 such values except with probability below 2^-55 (complex Gaussian tails:
//! Pr[|Z| > k sd] = e^{-k^2}). The product XY of two independent such values (variances V_X,
//! V_Y) has Pr[|XY| > c sqrt(V_X V_Y)] = 2c K_1(2c) ~ sqrt(pi c) e^{-2c}; `PRODUCT_SCALE` = 20
//! makes that below 2^-40 over phi points, tighter than the product of the two bounds (49).
//! Decryption is correct while the coefficients of x stay below Q/2, and
//! ||x||_coeff <= norm_factor(m) ||x||_can (the row-sum norm of the inverse Vandermonde
//! matrix of Phi_m).

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use rustfft::num_complex::Complex64;
use rustfft::FftPlanner;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Standard deviations in a high-probability bound.
pub const SCALE: f64 = 7.0;

/// Bound factor for the product of two independent random polynomials (see above).
pub const PRODUCT_SCALE: f64 = 20.0;

/// Bound on ||p||_can for n independent coefficients of variance `variance`.
pub fn bound_for_variance(n: usize, variance: f64) -> f64 {
    SCALE * (n as f64 * variance).sqrt()
}

/// Bound on ||a b||_can for independent a, b with embedding variances v_a, v_b.
pub fn bound_for_product(v_a: f64, v_b: f64) -> f64 {
    PRODUCT_SCALE * (v_a * v_b).sqrt()
}

/// Canonical norm of a polynomial with real coefficients (any length <= m): the largest
/// |p(w^j)| over the units j of Z_m.
pub fn canonical_norm(coeffs: &[f64], m: usize) -> f64 {
    let mut buf: Vec<Complex64> = (0..m)
        .map(|i| Complex64::new(coeffs.get(i).copied().unwrap_or(0.0), 0.0))
        .collect();
    FftPlanner::<f64>::new()
        .plan_fft_forward(m)
        .process(&mut buf);
    buf.iter()
        .enumerate()
        .filter(|(j, _)| nit_ring::cyclotomic::gcd(*j as u64, m as u64) == 1)
        .map(|(_, v)| v.norm())
        .fold(0.0, f64::max)
}

/// Canonical norm of a big-integer polynomial (converted to f64: relative error 2^-52).
pub fn canonical_norm_big(coeffs: &[BigInt], m: usize) -> f64 {
    let reals: Vec<f64> = coeffs
        .iter()
        .map(|c| c.to_f64().unwrap_or(f64::MAX))
        .collect();
    canonical_norm(&reals, m)
}

/// Known values of norm_factor: m = 1023 as computed by `compute_norm_factor` (6.02992, equal
/// to HElib's `polyNormBnd` printout 6.0299, tested; rounded up), m = 32767 from HElib's printout (too
/// large to compute here).
const KNOWN_NORM_FACTORS: [(usize, f64); 2] = [(1023, 6.03), (32767, 20.0214)];

static NORM_FACTOR_CACHE: OnceLock<Mutex<HashMap<usize, f64>>> = OnceLock::new();

/// Largest phi(m) for which norm_factor is computed directly (cost O(phi^2 (m - phi))).
const COMPUTED_NORM_FACTOR_MAX_PHI: usize = 1200;

/// max_k sum_j |(V^{-1})_{k j}|: the coefficient-from-canonical operator norm. Computed by
/// reducing each Lagrange polynomial L_j = (1/m) sum_i w^{-ij} X^i modulo Phi_m; cached per m.
pub fn norm_factor(m: usize) -> Option<f64> {
    if let Some(&(_, f)) = KNOWN_NORM_FACTORS.iter().find(|e| e.0 == m) {
        return Some(f);
    }
    let cache = NORM_FACTOR_CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(&f) = cache.lock().ok()?.get(&m) {
        return Some(f);
    }
    let factor = compute_norm_factor(m)?;
    cache.lock().ok()?.insert(m, factor);
    Some(factor)
}

/// The direct computation behind `norm_factor`.
fn compute_norm_factor(m: usize) -> Option<f64> {
    let ring = nit_ring::Cyclotomic::new(m).ok()?;
    let phi = ring.phi();
    if phi > COMPUTED_NORM_FACTOR_MAX_PHI {
        return None;
    }
    let f: Vec<(usize, f64)> = ring.polynomial()[..phi]
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0)
        .map(|(k, &c)| (k, c as f64))
        .collect();
    let mut row_sums = vec![0.0f64; phi];
    for &j in ring.units() {
        let mut lagrange: Vec<Complex64> = (0..m)
            .map(|i| {
                let angle = -2.0 * std::f64::consts::PI * ((i * j as usize) % m) as f64 / m as f64;
                Complex64::from_polar(1.0 / m as f64, angle)
            })
            .collect();
        for top in (phi..m).rev() {
            let c = lagrange[top];
            for &(k, fk) in &f {
                lagrange[top - phi + k] -= c * fk;
            }
        }
        for (sum, v) in row_sums.iter_mut().zip(&lagrange[..phi]) {
            *sum += v.norm();
        }
    }
    Some(row_sums.into_iter().fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_factor_of_the_toy_ring_matches_helib() {
        // HElib prints polyNormBnd = 6.0299 for m = 1023.
        let f = compute_norm_factor(1023).unwrap();
        assert!((f - 6.0299).abs() < 0.01, "{f}");
        assert_eq!(norm_factor(32767), Some(20.0214));
    }

    #[test]
    fn canonical_norm_of_constants_and_monomials() {
        assert!((canonical_norm(&[3.0], 31) - 3.0).abs() < 1e-9);
        assert!((canonical_norm(&[0.0, -2.0], 105) - 2.0).abs() < 1e-9);
        // 1 + X at w^j has modulus 2|cos(pi j / m)|, largest at j = 1.
        let expect = 2.0 * (std::f64::consts::PI / 31.0).cos();
        assert!((canonical_norm(&[1.0, 1.0], 31) - expect).abs() < 1e-9);
    }

    #[test]
    fn coefficients_are_bounded_by_norm_factor_times_canonical_norm() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for m in [31usize, 105, 255] {
            let factor = norm_factor(m).unwrap();
            let phi = nit_ring::cyclotomic::euler_phi(m as u64) as usize;
            for _ in 0..20 {
                let p: Vec<f64> = (0..phi).map(|_| rng.gen_range(-100.0..100.0)).collect();
                let max = p.iter().fold(0.0f64, |a, b| a.max(b.abs()));
                assert!(max <= factor * canonical_norm(&p, m) * (1.0 + 1e-9));
            }
        }
    }
}
