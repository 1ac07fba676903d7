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
//!
//! A ciphertext carries its bound as a [`NoiseBound`], held as log2 of the bound: a product of
//! two bounds at `toy` (log2 Q = 3000) easily passes 2^1024, where an f64 value overflows.

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use rustfft::num_complex::Complex64;
use rustfft::FftPlanner;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A bound B >= 0 on a canonical norm, held as log2 B so that no bound a chain can carry
/// overflows. Invariant: log2 B is never NaN and never +inf (B = 0 is log2 B = -inf), so every
/// comparison is meaningful.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct NoiseBound {
    log2: f64,
}

impl NoiseBound {
    /// The bound of a ciphertext with no noise at all (the zero ciphertext).
    pub const ZERO: NoiseBound = NoiseBound {
        log2: f64::NEG_INFINITY,
    };

    /// The bound 2^bits; None for NaN and +inf.
    pub fn from_log2(bits: f64) -> Option<Self> {
        (!bits.is_nan() && bits != f64::INFINITY).then_some(NoiseBound { log2: bits })
    }

    /// The bound `value`; None unless it is finite and >= 0.
    pub fn from_value(value: f64) -> Option<Self> {
        (value.is_finite() && value >= 0.0).then(|| NoiseBound { log2: value.log2() })
    }

    /// A bound computed by one of this crate's formulas from checked parameters.
    pub(crate) fn of(value: f64) -> Self {
        Self::from_value(value).expect("invariant: noise formulas give finite values >= 0")
    }

    /// log2 B (-inf for B = 0).
    pub fn log2(self) -> f64 {
        self.log2
    }

    /// B as an f64 (+inf once B exceeds f64::MAX).
    pub fn value(self) -> f64 {
        self.log2.exp2()
    }

    /// max(B, 1): the bound the capacity and the plaintext products count with.
    pub fn at_least_one(self) -> Self {
        NoiseBound {
            log2: self.log2.max(0.0),
        }
    }

    /// B / 2^bits, for a division by a modulus of `bits` bits (bits finite).
    pub fn divided_by_log2(self, bits: f64) -> Self {
        NoiseBound {
            log2: self.log2 - bits,
        }
    }
}

/// B_1 + B_2 = max * (1 + 2^(min - max)), in the log domain.
impl std::ops::Add for NoiseBound {
    type Output = NoiseBound;
    fn add(self, other: NoiseBound) -> NoiseBound {
        let (high, low) = if self.log2 >= other.log2 {
            (self.log2, other.log2)
        } else {
            (other.log2, self.log2)
        };
        if low == f64::NEG_INFINITY {
            return NoiseBound { log2: high };
        }
        NoiseBound {
            log2: high + (low - high).exp2().ln_1p() / std::f64::consts::LN_2,
        }
    }
}

impl std::ops::AddAssign for NoiseBound {
    fn add_assign(&mut self, other: NoiseBound) {
        *self = *self + other;
    }
}

/// B_1 B_2 = 2^(log2 B_1 + log2 B_2) (0 times anything is 0: -inf plus a finite or -inf).
impl std::ops::Mul for NoiseBound {
    type Output = NoiseBound;
    // A product of bounds is the sum of their logarithms.
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn mul(self, other: NoiseBound) -> NoiseBound {
        NoiseBound {
            log2: self.log2 + other.log2,
        }
    }
}

impl std::ops::MulAssign for NoiseBound {
    fn mul_assign(&mut self, other: NoiseBound) {
        *self = *self * other;
    }
}

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

/// log2 of the canonical norm of a big-integer polynomial of any size (-inf for 0): the
/// coefficients are scaled by 2^-k first so that the largest has at most 512 bits.
pub fn canonical_norm_log2_big(coeffs: &[BigInt], m: usize) -> f64 {
    let bits = coeffs.iter().map(BigInt::bits).max().unwrap_or(0);
    let shift = bits.saturating_sub(512);
    let scaled: Vec<BigInt> = coeffs.iter().map(|c| c >> shift).collect();
    canonical_norm_big(&scaled, m).log2() + shift as f64
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

    /// Sums and products in the log domain agree with f64 arithmetic where it does not
    /// overflow, stay finite past 2^1024, and never produce NaN from 0.
    #[test]
    fn noise_bounds_compose_like_their_values_without_overflow() {
        let values = [0.0, 0.5, 1.0, 3.0, 1e10, 1e150];
        for &a in &values {
            for &b in &values {
                let (x, y) = (NoiseBound::of(a), NoiseBound::of(b));
                let close = |bound: NoiseBound, exact: f64| {
                    exact == 0.0 && bound == NoiseBound::ZERO
                        || (bound.value() / exact - 1.0).abs() < 1e-12
                };
                assert!(close(x + y, a + b), "{a} + {b}");
                assert!(close(x * y, a * b), "{a} * {b}");
            }
        }
        let big = NoiseBound::from_log2(900.0).unwrap();
        assert_eq!((big * big).log2(), 1800.0);
        assert_eq!((big * big + big).log2(), 1800.0);
        assert_eq!((big * big).value(), f64::INFINITY);
        assert_eq!((NoiseBound::ZERO + NoiseBound::ZERO), NoiseBound::ZERO);
        assert_eq!((NoiseBound::ZERO * big), NoiseBound::ZERO);
        assert_eq!(NoiseBound::ZERO.at_least_one().log2(), 0.0);
        assert_eq!(NoiseBound::from_log2(f64::NAN), None);
        assert_eq!(NoiseBound::from_log2(f64::INFINITY), None);
        assert_eq!(NoiseBound::from_value(f64::NAN), None);
        assert_eq!(NoiseBound::from_value(-1.0), None);
        assert_eq!(NoiseBound::from_value(f64::INFINITY), None);
    }

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
        // 2^2000 (1 + X): beyond f64, in the log domain.
        let big = BigInt::from(1) << 2000u32;
        let log2 = canonical_norm_log2_big(&[big.clone(), big], 31);
        assert!((log2 - 2000.0 - expect.log2()).abs() < 1e-9, "{log2}");
        assert_eq!(
            canonical_norm_log2_big(&[BigInt::from(0)], 31),
            f64::NEG_INFINITY
        );
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
