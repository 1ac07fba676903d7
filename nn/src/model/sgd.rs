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

/// Epochs, batch size and the seed of the shuffling stream. `first_epoch` (1-based) resumes a
/// run: epochs `1..first_epoch` are taken as done, their shuffles are drawn and discarded, so a
/// run resumed from the weights after epoch `e` with `first_epoch = e + 1` sees exactly the
/// batches of an uninterrupted run.
#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    /// The last epoch to run (1-based).
    pub epochs: usize,
    /// Samples per batch.
    pub batch: usize,
    /// Seed of the shuffling stream.
    pub seed: u64,
    /// The first epoch to run (1-based; above 1 to resume).
    pub first_epoch: usize,
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
        /// The epoch (1-based).
        epoch: usize,
        /// The batch (0-based).
        batch: usize,
        /// Batches in the epoch.
        batches: usize,
        /// Mean loss of the batch, before its update.
        loss: f64,
    },
    /// An epoch is done.
    Epoch(EpochMetrics),
}

/// Per-epoch metrics: mean training loss over the epoch's batches and test accuracy after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochMetrics {
    /// The epoch (1-based).
    pub epoch: usize,
    /// Mean training loss over its batches.
    pub train_loss: f64,
    /// Test accuracy after it, in [0, 1].
    pub test_accuracy: f64,
}

/// The batches of one epoch: a fresh permutation of `0..samples`, cut into `samples / batch`
/// consecutive chunks (the remainder sits out this epoch).
pub fn epoch_batches(rng: &mut ChaCha20Rng, samples: usize, batch: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..samples).collect();
    order.shuffle(rng);
    order.chunks_exact(batch).map(<[usize]>::to_vec).collect()
}

/// Runs epochs `config.first_epoch..=config.epochs` of SGD, reporting through `observer`
/// (which also sees the
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
        if epoch < config.first_epoch {
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitsliced::{AdderKind, TotalSumMethod};
    use crate::data::{default_data_dir, prepare, InputGeometry, Mnist, PreparedMnist};
    use crate::model::{FixedTrainer, FloatNetwork, FloatTrainer};

    fn small_mnist() -> PreparedMnist {
        let mut mnist = Mnist::load(&default_data_dir()).unwrap();
        mnist.train = mnist.train.truncated(300);
        mnist.test = mnist.test.truncated(200);
        prepare(&mnist, InputGeometry::NN2).unwrap()
    }

    fn config(first_epoch: usize) -> TrainConfig {
        TrainConfig {
            epochs: 3,
            batch: 60,
            seed: 7,
            first_epoch,
        }
    }

    /// Three epochs in one go equal one epoch, a save through the dequantized network, and two
    /// resumed epochs: same weights bit for bit and same metrics for the resumed epochs.
    #[test]
    fn resumed_fixed_run_equals_uninterrupted_run() {
        let data = small_mnist();
        let fixed = |net: Option<&FloatNetwork>| {
            match net {
                None => FixedTrainer::new(
                    &[64, 32, 16, 10],
                    7,
                    4,
                    AdderKind::Ripple,
                    TotalSumMethod::Adder(AdderKind::Ripple),
                ),
                Some(net) => FixedTrainer::from_network(
                    net,
                    4,
                    AdderKind::Ripple,
                    TotalSumMethod::Adder(AdderKind::Ripple),
                ),
            }
            .unwrap()
        };
        let mut whole = fixed(None);
        let all = train(&mut whole, &data.train, &data.test, config(1), |_, _| {}).unwrap();
        let mut first = fixed(None);
        let mut one = config(1);
        one.epochs = 1;
        train(&mut first, &data.train, &data.test, one, |_, _| {}).unwrap();
        let mut resumed = fixed(Some(&first.dequantized()));
        let rest = train(&mut resumed, &data.train, &data.test, config(2), |_, _| {}).unwrap();
        assert_eq!(resumed.weights, whole.weights);
        assert_eq!(rest, all[1..]);
        assert_ne!(first.weights, whole.weights, "the later epochs must train");
    }

    #[test]
    fn resumed_float_run_equals_uninterrupted_run() {
        let data = small_mnist();
        let sizes = [64, 32, 16, 10];
        let mut whole = FloatTrainer::new(&sizes, 7, 0.0625).unwrap();
        let all = train(&mut whole, &data.train, &data.test, config(1), |_, _| {}).unwrap();
        let mut first = FloatTrainer::new(&sizes, 7, 0.0625).unwrap();
        let mut one = config(1);
        one.epochs = 1;
        train(&mut first, &data.train, &data.test, one, |_, _| {}).unwrap();
        let mut resumed = FloatTrainer::from_network(first.network.clone(), 0.0625).unwrap();
        let rest = train(&mut resumed, &data.train, &data.test, config(2), |_, _| {}).unwrap();
        assert_eq!(resumed.network.weights, whole.network.weights);
        assert_eq!(rest, all[1..]);
    }

    #[test]
    fn fixed_resume_refuses_weights_off_the_grid() {
        let net = FloatNetwork::from_weights(vec![2, 1], vec![vec![0.5, 0.25, 1e-9]]).unwrap();
        assert!(matches!(
            FixedTrainer::from_network(
                &net,
                4,
                AdderKind::Ripple,
                TotalSumMethod::Adder(AdderKind::Ripple)
            ),
            Err(ModelError::Inconsistent(_))
        ));
    }
}
