//! The fixed-point formats of the bit-exact trainer (docs/FIXED_POINT.md has the full story).
//!
//! Every quantity is a two's-complement integer q standing for the real q / 2^F, F its
//! number of fractional bits:
//!
//! | quantity | bits | F | real range |
//! |---|---|---|---|
//! | input x (normalized pixel) | 8 | [`INPUT_FRAC`] = 5 | [-4, 3.97] |
//! | activation a = sigma(z) | 8 | [`ACTIVATION_FRAC`] = 7 | [0, 127/128] |
//! | weight and bias w | 16 | [`WEIGHT_FRAC`] = 12 | [-8, 8) |
//! | sigmoid index z | 8 | [`INDEX_FRAC`] = 4 | [-8, 7.94] |
//! | slope sigma'(z) = a(1 - a) | 8 | [`SLOPE_FRAC`] = 9 | [0, 127/512] |
//! | output error e = a - y | 8 | [`ACTIVATION_FRAC`] = 7 | [-1, 127/128] |
//! | back-propagated error W^T delta | 8 | [`ERROR_FRAC`] = 8 | [-0.5, 0.5) |
//! | delta | 8 | [`DELTA_FRAC`] = 10 | [-0.125, 0.125) |
//! | weight step lr * sum dW | 16 | [`WEIGHT_FRAC`] | [-8, 8) |
//!
//! Rescaling by 2^-k is `round_shift_right`: floor(v / 2^k + 1/2) (ties toward +infinity),
//! then saturation to the target width (clamp to [-2^(b-1), 2^(b-1) - 1]).

use crate::bitsliced::PublicTable;

/// Fractional bits of the 8-bit inputs.
pub const INPUT_FRAC: usize = 5;
/// Fractional bits of the 8-bit activations and of the output error.
pub const ACTIVATION_FRAC: usize = 7;
/// Fractional bits of the 16-bit weights, biases and weight steps.
pub const WEIGHT_FRAC: usize = 12;
/// Fractional bits of the 8-bit sigmoid table index.
pub const INDEX_FRAC: usize = 4;
/// Fractional bits of the 8-bit sigmoid slope a(1 - a).
pub const SLOPE_FRAC: usize = 9;
/// Fractional bits of the 8-bit back-propagated error W^T delta.
pub const ERROR_FRAC: usize = 8;
/// Fractional bits of the 8-bit deltas.
pub const DELTA_FRAC: usize = 10;
/// Width of inputs, activations, errors, deltas, table index and slope.
pub const NARROW: usize = 8;
/// Width of weights and weight steps.
pub const WIDE: usize = 16;

/// `round(v * 2^frac)` (half away from zero) clamped to `bits` signed bits.
pub fn quantize(v: f64, frac: usize, bits: usize) -> i64 {
    let half = 1i64 << (bits - 1);
    let scaled = (v * (1u64 << frac) as f64).round();
    if scaled.is_nan() {
        0
    } else {
        (scaled.clamp(-(half as f64), (half - 1) as f64)) as i64
    }
}

/// The real value of q with `frac` fractional bits.
pub fn dequantize(q: i64, frac: usize) -> f64 {
    q as f64 / (1u64 << frac) as f64
}

/// The sigmoid entry for index q (z = q / 2^INDEX_FRAC): `(a, slope)` with
/// a = min(127, round(128 sigma(z))) and slope = min(127, round(512 sigma(z)(1 - sigma(z)))),
/// computed from the exact sigma.
pub fn sigmoid_entry(q: i64) -> (i64, i64) {
    let z = dequantize(q, INDEX_FRAC);
    let s = 1.0 / (1.0 + (-z).exp());
    (
        quantize(s, ACTIVATION_FRAC, NARROW),
        quantize(s * (1.0 - s), SLOPE_FRAC, NARROW),
    )
}

/// The public 8-bit-in, 16-bit-out table: entry q holds a in bits 0..8 and the slope in bits
/// 8..16, so one lookup (one set of shared index monomials) yields both.
pub fn sigmoid_table() -> PublicTable {
    PublicTable::from_signed_fn::<std::convert::Infallible>(NARROW, 2 * NARROW, |q| {
        let (a, slope) = sigmoid_entry(q);
        a | (slope << NARROW)
    })
    .unwrap_or_else(|e| match e {
        crate::bitsliced::BitslicedError::Backend(never) => match never {},
        other => panic!("the 8-bit sigmoid table shape is valid: {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_and_saturates() {
        assert_eq!(quantize(0.5, 7, 8), 64);
        assert_eq!(quantize(1.0, 7, 8), 127);
        assert_eq!(quantize(-1.0, 7, 8), -128);
        assert_eq!(quantize(-5.0, 5, 8), -128);
        assert_eq!(quantize(1.0 / 64.0 * 1.5, 5, 8), 1);
        assert_eq!(dequantize(-96, 5), -3.0);
    }

    #[test]
    fn sigmoid_entries_are_monotone_and_in_range() {
        assert_eq!(sigmoid_entry(0), (64, 127));
        assert_eq!(sigmoid_entry(-128), (0, 0));
        assert_eq!(sigmoid_entry(127), (127, 0));
        for q in -128..127 {
            assert!(sigmoid_entry(q).0 <= sigmoid_entry(q + 1).0);
        }
        assert_eq!(sigmoid_table().entry(0), Some(64 | (127 << 8)));
        assert_eq!(
            sigmoid_table().entry(255),
            sigmoid_entry(-1)
                .0
                .checked_add(sigmoid_entry(-1).1 << 8)
                .map(|e| e as u64)
        );
    }
}
