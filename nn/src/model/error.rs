//! Typed errors of training, saving and loading models.

use crate::data::DataError;
use crate::files::FileError;
use std::path::PathBuf;
use thiserror::Error;

/// Why training, saving or loading a model failed.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The data could not be loaded or preprocessed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A model file could not be read or written, or is larger than any model.
    #[error(transparent)]
    File(#[from] FileError),
    /// A model file is not the JSON of a model.
    #[error("{path}: not a model file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The layers of a model file do not chain or do not match their declared sizes.
    #[error("inconsistent model: {0}")]
    Inconsistent(String),
    /// A weight or a normalization constant that is infinite or NaN (e.g. a diverged run).
    #[error("non-finite value in the model: {0}")]
    NonFinite(String),
    /// A batch size of zero or larger than the training set.
    #[error("batch size {batch} is not in 1..={samples}")]
    BadBatch {
        /// The batch size asked for.
        batch: usize,
        /// Training samples available.
        samples: usize,
    },
    /// A learning rate that is not a positive finite number (float) or not 2^-k (fixed).
    #[error("learning rate {0} is not usable here: {1}")]
    BadLearningRate(f64, &'static str),
    /// The bit-sliced backend failed (noise budget, keys, slot counts).
    #[error("bit-sliced backend: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}
