//! The paper's input pipeline: crop the central `crop x crop` pixels, resize to `size x size`
//! with [`bicubic`](super::bicubic) (skipped when `size == crop`), vectorize row-major, and
//! normalize x -> (x - mean) / std with one scalar mean and std over all features of all
//! training images. Pixels enter as bytes 0..=255 (not rescaled to [0, 1]; the normalization
//! absorbs the scale).
//!
//! NN2: crop 24, size 8 (64 features). NN1: crop 28, size 28 (the 784 raw pixels).

use super::bicubic::resize;
use super::error::DataError;
use super::mnist::{LabeledImages, Mnist};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Crop and output side length of the square preprocessing window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputGeometry {
    /// Side of the central square kept from each 28 x 28 image.
    pub crop: usize,
    /// Side after resizing the crop.
    pub size: usize,
}

impl InputGeometry {
    /// NN2's input: the central 24 x 24 downscaled by 1/3 to 8 x 8.
    pub const NN2: Self = Self { crop: 24, size: 8 };
    /// NN1's input: the full 28 x 28 image.
    pub const NN1: Self = Self { crop: 28, size: 28 };

    /// Number of features, `size^2`.
    pub fn features(&self) -> usize {
        self.size * self.size
    }

    fn check(&self, rows: usize, cols: usize) -> Result<(), DataError> {
        if self.crop == 0
            || self.size == 0
            || self.crop > rows
            || self.crop > cols
            || self.size > self.crop
        {
            return Err(DataError::Geometry {
                crop: self.crop,
                size: self.size,
                rows,
                cols,
            });
        }
        Ok(())
    }

    /// The un-normalized features of one `rows x cols` image (crop, then resize).
    pub fn raw_features(&self, image: &[u8], rows: usize, cols: usize) -> Vec<f64> {
        let top = (rows - self.crop) / 2;
        let left = (cols - self.crop) / 2;
        let cropped: Vec<f64> = (top..top + self.crop)
            .flat_map(|r| (left..left + self.crop).map(move |c| f64::from(image[r * cols + c])))
            .collect();
        if self.size == self.crop {
            cropped
        } else {
            resize(&cropped, self.crop, self.crop, self.size, self.size)
        }
    }
}

/// Scalar normalization statistics of the training features.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// Mean of the training features.
    pub mean: f64,
    /// Their population standard deviation.
    pub std: f64,
}

impl Normalization {
    /// Mean and population standard deviation of all values (std forced positive).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Self {
            mean,
            std: var.sqrt().max(f64::MIN_POSITIVE),
        }
    }

    /// (x - mean) / std.
    pub fn apply(&self, x: f64) -> f64 {
        (x - self.mean) / self.std
    }
}

/// Normalized feature vectors with labels; invariant: `features.len() == labels.len() * dim`.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Features per sample.
    pub dim: usize,
    /// The samples' features, sample after sample.
    pub features: Vec<f64>,
    /// One digit per sample.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The feature vector of sample `index`.
    pub fn sample(&self, index: usize) -> &[f64] {
        &self.features[index * self.dim..(index + 1) * self.dim]
    }
}

/// MNIST after preprocessing, with the statistics used (from the training set only).
#[derive(Clone, Debug)]
pub struct PreparedMnist {
    /// The crop and size applied.
    pub geometry: InputGeometry,
    /// The training set's statistics, applied to both sets.
    pub normalization: Normalization,
    /// The training samples.
    pub train: Dataset,
    /// The test samples.
    pub test: Dataset,
}

fn raw_set(geometry: InputGeometry, set: &LabeledImages) -> Vec<f64> {
    (0..set.len())
        .into_par_iter()
        .flat_map_iter(|i| geometry.raw_features(set.image(i), set.rows, set.cols))
        .collect()
}

/// Preprocesses `set` with `geometry` and given statistics (e.g. those stored with a model).
pub fn normalized_dataset(
    set: &LabeledImages,
    geometry: InputGeometry,
    normalization: Normalization,
) -> Result<Dataset, DataError> {
    geometry.check(set.rows, set.cols)?;
    let mut features = raw_set(geometry, set);
    features
        .iter_mut()
        .for_each(|x| *x = normalization.apply(*x));
    Ok(Dataset {
        dim: geometry.features(),
        features,
        labels: set.labels.clone(),
    })
}

/// Preprocesses both sets with `geometry`, normalizing with the training set's statistics.
pub fn prepare(mnist: &Mnist, geometry: InputGeometry) -> Result<PreparedMnist, DataError> {
    geometry.check(mnist.train.rows, mnist.train.cols)?;
    let mut train = raw_set(geometry, &mnist.train);
    let normalization = Normalization::of(&train);
    train.iter_mut().for_each(|x| *x = normalization.apply(*x));
    Ok(PreparedMnist {
        geometry,
        normalization,
        train: Dataset {
            dim: geometry.features(),
            features: train,
            labels: mnist.train.labels.clone(),
        },
        test: normalized_dataset(&mnist.test, geometry, normalization)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{default_data_dir, Mnist};

    /// Training image 0 (a "5"), central 24 x 24 resized to 8 x 8: Pillow 10's
    /// `Image.fromarray(crop.astype(float32), "F").resize((8, 8), Image.BICUBIC)`.
    const PILLOW_IMAGE_0: [f64; 64] = [
        0.1648, -1.0429, -9.4100, -9.8249, -2.9333, 9.9952, 23.0065, 7.2139, -1.6522, 9.4392,
        101.7300, 150.9106, 190.5071, 152.4086, 132.7723, 26.4624, -1.7348, 8.6423, 133.0989,
        218.1251, 96.8643, 46.7644, -3.1354, -1.3365, 0.1393, -1.5375, -8.3382, 127.2315, 79.7269,
        -6.3609, -2.1930, 0.1063, 0.0000, 0.0897, -2.9087, 7.8371, 140.9081, 138.0125, 3.6515,
        -1.2650, -0.1353, -4.3790, -9.9838, 27.0009, 138.3557, 220.2097, 18.2308, -3.1472, 0.8283,
        36.9369, 127.9476, 216.6536, 158.5440, 39.5818, -2.2902, -0.1133, 27.5520, 155.1702,
        160.1595, 61.5429, -8.9579, -6.0365, 0.0701, 0.0324,
    ];

    #[test]
    fn first_training_image_downscales_to_pillows_bicubic_values() {
        let mnist = Mnist::load(&default_data_dir()).unwrap();
        let features = InputGeometry::NN2.raw_features(mnist.train.image(0), 28, 28);
        assert_eq!(features.len(), 64);
        for (ours, pillow) in features.iter().zip(PILLOW_IMAGE_0) {
            assert!((ours - pillow).abs() < 1e-3, "{ours} vs {pillow}");
        }
    }

    #[test]
    fn prepared_sets_have_the_right_shapes_and_statistics() {
        let mnist = Mnist::load(&default_data_dir()).unwrap();
        for (geometry, mean, std) in [
            (InputGeometry::NN2, 45.5823, 70.8944),
            (InputGeometry::NN1, 33.3184, 78.5675),
        ] {
            let prepared = prepare(&mnist, geometry).unwrap();
            assert_eq!(prepared.train.features.len(), 60000 * geometry.features());
            assert_eq!(prepared.test.features.len(), 10000 * geometry.features());
            assert_eq!(prepared.test.sample(9999).len(), geometry.features());
            assert!((prepared.normalization.mean - mean).abs() < 1e-3);
            assert!((prepared.normalization.std - std).abs() < 1e-3);
            let after = Normalization::of(&prepared.train.features);
            assert!(after.mean.abs() < 1e-9 && (after.std - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn oversized_geometry_is_a_typed_error() {
        let mnist = Mnist::load(&default_data_dir()).unwrap();
        let bad = InputGeometry { crop: 30, size: 8 };
        assert!(matches!(
            prepare(&mnist, bad),
            Err(DataError::Geometry { .. })
        ));
    }
}
