//! Security estimate of a parameter set, by HElib's formula (src/Context.cpp,
//! `Context::securityLevel`, HElib 2.3):
//!
//!   security = slope(h) * n / log2(1/alpha) + const(h),   n = phi(m),
//!   log2(1/alpha) = log2(Q * P) - log2(sigma_eff),
//!
//! fitted by HElib's authors to lattice-estimator runs. (slope, const) depend on the secret's
//! Hamming weight h: dense (3.8, -20), 120 (2.4, 19), 150 (2.67, 13), 180 (2.83, 10),
//! 210 (3.0, 6), 240 (3.1, 3), 270 (3.3, 1), 300 (3.3, -3), 330 (3.35, -4), 360 (3.4, -5),
//! 390 (3.45, -7), 420 (3.5, -10), 450 (3.55, -12), linearly interpolated; HElib reports 0 for
//! h < 120. We plug in our own error width sigma_eff = 3.2 (per coefficient; HElib uses
//! 3.2 sqrt(m), which would score higher), so the figure is conservative relative to HElib's.

/// HElib's table of (Hamming weight, slope, constant).
const TABLE: [(f64, f64, f64); 13] = [
    (120.0, 2.4, 19.0),
    (150.0, 2.67, 13.0),
    (180.0, 2.83, 10.0),
    (210.0, 3.0, 6.0),
    (240.0, 3.1, 3.0),
    (270.0, 3.3, 1.0),
    (300.0, 3.3, -3.0),
    (330.0, 3.35, -4.0),
    (360.0, 3.4, -5.0),
    (390.0, 3.45, -7.0),
    (420.0, 3.5, -10.0),
    (450.0, 3.55, -12.0),
    (f64::INFINITY, 3.8, -20.0),
];

/// Estimated bits of security for ring dimension `phi`, total modulus log2(QP), error width
/// `sigma` and secret Hamming weight `hamming` (None = dense ternary).
pub fn estimate(phi: usize, log2_qp: f64, sigma: f64, hamming: Option<usize>) -> f64 {
    let (slope, constant) = match hamming {
        None => (3.8, -20.0),
        Some(h) if (h as f64) < TABLE[0].0 => return 0.0,
        Some(h) => {
            let h = h as f64;
            let upper = TABLE
                .iter()
                .position(|e| e.0 >= h)
                .unwrap_or(TABLE.len() - 1);
            if TABLE[upper].0 == h || upper == 0 || TABLE[upper].0.is_infinite() {
                (TABLE[upper].1, TABLE[upper].2)
            } else {
                let (lo, hi) = (TABLE[upper - 1], TABLE[upper]);
                let f = (h - lo.0) / (hi.0 - lo.0);
                (lo.1 + f * (hi.1 - lo.1), lo.2 + f * (hi.2 - lo.2))
            }
        }
    };
    let log2_alpha_inv = log2_qp - sigma.log2();
    (slope * phi as f64 / log2_alpha_inv + constant).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_helib_figures_for_its_chains() {
        // HElib's bootstrappable 836-bit chain at m = 32767, h = 120, with its sigma
        // 3.2 sqrt(m), scores 97.4 bits; at m = 1023 it scores 20.7.
        let helib_sigma = |m: f64| 3.2 * m.sqrt();
        let paper = estimate(27000, 836.0, helib_sigma(32767.0), Some(120));
        assert!((paper - 97.4).abs() < 0.6, "{paper}");
        let toy = estimate(600, 836.0, helib_sigma(1023.0), Some(120));
        assert!((toy - 20.7).abs() < 0.3, "{toy}");
    }

    #[test]
    fn interpolates_and_handles_dense_and_light_keys() {
        let mid = estimate(27000, 1000.0, 3.2, Some(135));
        let lo = estimate(27000, 1000.0, 3.2, Some(120));
        let hi = estimate(27000, 1000.0, 3.2, Some(150));
        assert!(lo < mid && mid < hi);
        assert_eq!(estimate(27000, 1000.0, 3.2, Some(64)), 0.0);
        let x = 27000.0 / (1000.0 - 3.2f64.log2());
        assert!((estimate(27000, 1000.0, 3.2, None) - (3.8 * x - 20.0)).abs() < 1e-9);
        assert!((estimate(27000, 1000.0, 3.2, Some(1000)) - (3.8 * x - 20.0)).abs() < 1e-9);
    }
}
