//! The mini-batch SGD loop shared by the float and fixed-point trainers: each epoch shuffles
//! the training indices (ChaCha20, deterministic from the seed) and cuts them into
//! floor(n / batch) batches, so samples are drawn without replacement within an epoch.

use super::error::ModelError;
use crate::data::Dataset;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A network with an SGD step; the loop below drives it.
pub trait Learner {
    /// One SGD step on `batch` (indices into `data`); returns the mean per-sample loss
    /// ||a_L - y||^2 / 2 of the batch, computed before the update.
    fn step(&mut self, data: &Dataset, batch: &[usize]) -> Result<f64, ModelError>;

    /// Fraction of `data` classified correctly (arg-max of the outputs).
    fn accuracy(&self, data: &Dataset) -> Result<f64, ModelError>;
}

/// Epochs, batch size and the seed of the shuffling stream.
#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch: usize,
    pub seed: u64,
}

/// ChaCha20 stream for the initial weights.
pub const INIT_STREAM: u64 = 0;
/// ChaCha20 stream for the per-epoch shuffles.
pub const SHUFFLE_STREAM: u64 = 1;

/// The random generator of `stream` for `seed`: init and shuffling never share randomness.
pub fn rng_for(seed: u64, stream: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// What the loop reports as it goes.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// Batch `batch` (0-based) of `batches` in epoch `epoch` (1-based) is done.
    Batch {
        epoch: usize,
        batch: usize,
        batches: usize,
        loss: f64,
    },
    /// An epoch is done.
    Epoch(EpochMetrics),
}

/// Per-epoch metrics: mean training loss over the epoch's batches and test accuracy after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub train_loss: f64,
    pub test_accuracy: f64,
}

/// The batches of one epoch: a fresh permutation of `0..samples`, cut into `samples / batch`
/// consecutive chunks (the remainder sits out this epoch).
pub fn epoch_batches(rng: &mut ChaCha20Rng, samples: usize, batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..samples).collect();
    order.shuffle(rng);
    order.chunks_exact(batch).map(<[usize]>::to_vec).collect()
}

/// Runs `config.epochs` epochs of SGD, reporting through `observer` (which also sees the
/// learner, e.g. to save it after each epoch).
pub fn train<L: Learner>(
    learner: &mut L,
    train: &Dataset,
    test: &Dataset,
    config: TrainConfig,
    mut observer: impl FnMut(Progress, &L),
) -> Result<Vec<EpochMetrics>, ModelError> {
    if config.batch == 0 || config.batch > train.len() {
        return Err(ModelError::BadBatch {
            batch: config.batch,
            samples: train.len(),
        });
    }
    let mut rng = rng_for(config.seed, SHUFFLE_STREAM);
    let mut history = Vec::with_capacity(config.epochs);
    for epoch in 1..=config.epochs {
        let batches = epoch_batches(&mut rng, train.len(), config.batch);
        let mut total = 0.0;
        for (index, batch) in batches.iter().enumerate() {
            let loss = learner.step(train, batch)?;
            total += loss;
            observer(
                Progress::Batch {
                    epoch,
                    batch: index,
                    batches: batches.len(),
                    loss,
                },
                learner,
            );
        }
        let metrics = EpochMetrics {
            epoch,
            train_loss: total / batches.len() as f64,
            test_accuracy: learner.accuracy(test)?,
        };
        observer(Progress::Epoch(metrics), learner);
        history.push(metrics);
    }
    Ok(history)
}
