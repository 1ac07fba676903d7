//! Antialiased separable bicubic resampling, the convention of Pillow's `Image.resize(...,
//! BICUBIC)` (and, away from the borders, of MATLAB's `imresize(..., 'bicubic')`).
//!
//! Kernel: Keys' cubic convolution with a = -0.5,
//!   k(x) = (a+2)|x|^3 - (a+3)|x|^2 + 1         for |x| < 1,
//!   k(x) = a|x|^3 - 5a|x|^2 + 8a|x| - 4a       for 1 <= |x| < 2,   0 otherwise.
//! Downscaling by s = in/out > 1 widens the kernel to k(x / s) (support 2s input pixels) so it
//! low-passes before decimating (antialiasing). Output pixel j has centre c = (j + 1/2) s in
//! continuous input coordinates (pixel i covers [i, i+1)); its weights are
//! w_i = k((i + 1/2 - c) / s) over the input pixels i with |i + 1/2 - c| < 2s, normalized to
//! sum 1. Borders: taps outside [0, in) are dropped and the rest renormalized (Pillow), where
//! MATLAB would mirror the image. For MNIST's 24 -> 8 crop (s = 3) only the outermost output
//! rows/columns see the border, and the crop margin there is almost always background.

/// Keys' cubic convolution kernel with a = -0.5 (Catmull-Rom), support [-2, 2].
pub fn keys_cubic(x: f64) -> f64 {
    const A: f64 = -0.5;
    let x = x.abs();
    if x < 1.0 {
        ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        (((x - 5.0) * x + 8.0) * x - 4.0) * A
    } else {
        0.0
    }
}

/// The resampling of one axis from `input` to `output` samples: for each output sample the
/// first input index and the normalized weights of consecutive inputs from there.
#[derive(Clone, Debug)]
pub struct AxisWeights {
    taps: Vec<(usize, Vec<f64>)>,
}

impl AxisWeights {
    /// Weights for resizing an axis of `input` samples to `output` samples (both positive).
    pub fn new(input: usize, output: usize) -> Self {
        assert!(input > 0 && output > 0, "resampling needs non-empty axes");
        let scale = input as f64 / output as f64;
        let widen = scale.max(1.0);
        let support = 2.0 * widen;
        let taps = (0..output)
            .map(|j| {
                let centre = (j as f64 + 0.5) * scale;
                // Pillow's window: [trunc(c - support + 1/2), trunc(c + support + 1/2)).
                let first = ((centre - support + 0.5).max(0.0)) as usize;
                let last = ((centre + support + 0.5) as usize).min(input);
                let raw: Vec<f64> = (first..last)
                    .map(|i| keys_cubic((i as f64 + 0.5 - centre) / widen))
                    .collect();
                let total: f64 = raw.iter().sum();
                (first, raw.iter().map(|w| w / total).collect())
            })
            .collect();
        Self { taps }
    }

    /// Number of output samples.
    pub fn output_len(&self) -> usize {
        self.taps.len()
    }

    /// Applies the weights to a strided line: `sample(i)` is input sample i.
    fn apply(&self, j: usize, sample: impl Fn(usize) -> f64) -> f64 {
        let (first, weights) = &self.taps[j];
        weights
            .iter()
            .enumerate()
            .map(|(t, w)| w * sample(first + t))
            .sum()
    }
}

/// Resizes a row-major `rows x cols` image to `out_rows x out_cols`, horizontally then
/// vertically (the order does not matter in exact arithmetic: the two passes commute).
pub fn resize(
    image: &[f64],
    rows: usize,
    cols: usize,
    out_rows: usize,
    out_cols: usize,
) -> Vec<f64> {
    assert_eq!(image.len(), rows * cols, "image size must be rows * cols");
    let horizontal = AxisWeights::new(cols, out_cols);
    let vertical = AxisWeights::new(rows, out_rows);
    let mut wide = vec![0.0; rows * out_cols];
    for r in 0..rows {
        for c in 0..out_cols {
            wide[r * out_cols + c] = horizontal.apply(c, |i| image[r * cols + i]);
        }
    }
    let mut out = vec![0.0; out_rows * out_cols];
    for r in 0..out_rows {
        for c in 0..out_cols {
            out[r * out_cols + c] = vertical.apply(r, |i| wide[i * out_cols + c]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_interpolates_and_has_partition_of_unity() {
        assert_eq!(keys_cubic(0.0), 1.0);
        assert_eq!(keys_cubic(1.0), 0.0);
        assert_eq!(keys_cubic(2.0), 0.0);
        for step in 0..10 {
            let t = step as f64 / 10.0;
            let sum: f64 = (-2..=2).map(|k| keys_cubic(t + k as f64)).sum();
            assert!((sum - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn third_scale_weights_are_the_widened_kernel_in_the_interior() {
        let axis = AxisWeights::new(24, 8);
        let (first, weights) = &axis.taps[3];
        // Centre 10.5: the 11 pixels 5..=15 at distances -5..=5, weight k(d/3)/3.
        assert_eq!((*first, weights.len()), (5, 12));
        for (t, w) in weights.iter().enumerate() {
            let d = (*first + t) as f64 - 10.0;
            assert!((w - keys_cubic(d / 3.0) / 3.0).abs() < 1e-12);
        }
    }

    #[test]
    fn constant_images_stay_constant() {
        let image = vec![3.25; 24 * 24];
        for v in resize(&image, 24, 24, 8, 8) {
            assert!((v - 3.25).abs() < 1e-12);
        }
    }
}
