//! MNIST: IDX loading and the paper's preprocessing (crop, bicubic downscale, normalization).
//!
//! - [`idx`]: the IDX container (big-endian header, unsigned bytes), raw or gzipped.
//! - [`mnist`]: the four MNIST files as typed images and labels.
//! - [`bicubic`]: separable antialiased bicubic resampling (Keys a = -0.5, Pillow's convention).
//! - [`preprocess`]: crop, downscale, vectorize, normalize by the training set's mean and std.

pub mod bicubic;
pub mod error;
pub mod idx;
pub mod mnist;
pub mod preprocess;

pub use error::{DataError, IdxError};
pub use idx::{decode_idx, parse_idx, IdxArray};
pub use mnist::{default_data_dir, LabeledImages, Mnist, DIGITS};
pub use preprocess::{
    normalized_dataset, prepare, Dataset, InputGeometry, Normalization, PreparedMnist,
};
