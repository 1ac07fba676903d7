//! The float (f64) reference network and its SGD step (docs/ARCHITECTURE.md, section 5).
//!
//! Layer l maps a_{l-1} (n_{l-1} values) to a_l = sigmoid(W_l [a_{l-1}; 1]), W_l an
//! n_l x (n_{l-1} + 1) matrix, row-major, bias in the last column. Loss per sample
//! L = ||a_L - y||^2 / 2 with one-hot y. Backpropagation:
//!   delta_L = (a_L - y) a_L (1 - a_L),
//!   delta_l = (W_{l+1}^T delta_{l+1})[..n_l] a_l (1 - a_l),
//!   dW_l = sum over the batch of delta_l [a_{l-1}; 1]^T,
//! and the step is W_l <- W_l - lr dW_l (the batch sum, not the mean: 1/batch is part of lr).

use super::error::ModelError;
use super::sgd::{rng_for, Learner, INIT_STREAM};
use crate::data::Dataset;
use rand::Rng;
use rayon::prelude::*;

/// sigma(z) = 1 / (1 + e^-z).
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// A fully connected sigmoid network; invariant: `weights[l].len() == sizes[l+1] * (sizes[l]
/// + 1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatNetwork {
    /// Neurons per layer, input first.
    pub sizes: Vec<usize>,
    /// Per layer, the n_l x (n_{l-1} + 1) matrix row-major, bias last.
    pub weights: Vec<Vec<f64>>,
}

/// One standard normal sample by Box-Muller (keeps the dependency set to `rand`).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.gen::<f64>();
    let v: f64 = rng.gen();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

impl FloatNetwork {
    /// All weights and biases drawn from N(0, 0.1^2), layer by layer, row by row.
    pub fn random(sizes: &[usize], rng: &mut impl Rng) -> Self {
        let weights = sizes
            .windows(2)
            .map(|w| {
                (0..w[1] * (w[0] + 1))
                    .map(|_| 0.1 * standard_normal(rng))
                    .collect()
            })
            .collect();
        Self {
            sizes: sizes.to_vec(),
            weights,
        }
    }

    /// Builds a network from explicit matrices (row = output neuron, bias last); `None` if a
    /// matrix does not have `sizes[l+1] * (sizes[l] + 1)` entries.
    pub fn from_weights(sizes: Vec<usize>, weights: Vec<Vec<f64>>) -> Option<Self> {
        let consistent = sizes.len() == weights.len() + 1
            && sizes
                .windows(2)
                .zip(&weights)
                .all(|(w, m)| m.len() == w[1] * (w[0] + 1));
        consistent.then_some(Self { sizes, weights })
    }

    /// Number of weight layers.
    pub fn layers(&self) -> usize {
        self.weights.len()
    }

    /// All activations `[a_0 = x, a_1, ..., a_L]`.
    pub fn forward(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut activations = vec![x.to_vec()];
        for (l, w) in self.weights.iter().enumerate() {
            let inputs = self.sizes[l];
            let a = &activations[l];
            let next = w
                .chunks_exact(inputs + 1)
                .map(|row| {
                    let z: f64 = row[..inputs].iter().zip(a).map(|(w, a)| w * a).sum();
                    sigmoid(z + row[inputs])
                })
                .collect();
            activations.push(next);
        }
        activations
    }

    /// The arg-max output neuron (the predicted digit).
    pub fn predict(&self, x: &[f64]) -> usize {
        argmax(self.forward(x).last().map_or(&[][..], Vec::as_slice))
    }

    /// Fraction of `data` classified correctly.
    pub fn accuracy(&self, data: &Dataset) -> f64 {
        let correct = (0..data.len())
            .into_par_iter()
            .filter(|&i| self.predict(data.sample(i)) == usize::from(data.labels[i]))
            .count();
        correct as f64 / data.len().max(1) as f64
    }

    /// Adds this sample's dW_l to `gradient` and returns its loss ||a_L - y||^2 / 2.
    fn accumulate(&self, x: &[f64], label: u8, gradient: &mut [Vec<f64>]) -> f64 {
        let activations = self.forward(x);
        let output = &activations[self.layers()];
        let mut loss = 0.0;
        let mut delta: Vec<f64> = output
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                let error = a - if k == usize::from(label) { 1.0 } else { 0.0 };
                loss += error * error / 2.0;
                error * a * (1.0 - a)
            })
            .collect();
        for l in (0..self.layers()).rev() {
            let inputs = self.sizes[l];
            let a = &activations[l];
            for (row, &d) in gradient[l].chunks_exact_mut(inputs + 1).zip(&delta) {
                for (g, &x) in row[..inputs].iter_mut().zip(a) {
                    *g += d * x;
                }
                row[inputs] += d;
            }
            if l > 0 {
                let mut back = vec![0.0; inputs];
                for (row, &d) in self.weights[l].chunks_exact(inputs + 1).zip(&delta) {
                    for (b, &w) in back.iter_mut().zip(&row[..inputs]) {
                        *b += w * d;
                    }
                }
                delta = back
                    .iter()
                    .zip(a)
                    .map(|(b, &a)| b * a * (1.0 - a))
                    .collect();
            }
        }
        loss
    }

    fn zero_gradient(&self) -> Vec<Vec<f64>> {
        self.weights.iter().map(|w| vec![0.0; w.len()]).collect()
    }

    /// One SGD step on the samples `batch` of `data`: W <- W - lr * sum dW. Returns the mean
    /// loss of the batch before the step.
    pub fn step(&mut self, data: &Dataset, batch: &[usize], lr: f64) -> f64 {
        let chunk = batch.len().div_ceil(rayon::current_num_threads()).max(1);
        let (gradient, loss) = batch
            .par_chunks(chunk)
            .map(|part| {
                let mut gradient = self.zero_gradient();
                let loss: f64 = part
                    .iter()
                    .map(|&i| self.accumulate(data.sample(i), data.labels[i], &mut gradient))
                    .sum();
                (gradient, loss)
            })
            .reduce(
                || (self.zero_gradient(), 0.0),
                |(mut g, l), (h, m)| {
                    for (g, h) in g.iter_mut().zip(&h) {
                        g.iter_mut().zip(h).for_each(|(g, h)| *g += h);
                    }
                    (g, l + m)
                },
            );
        for (w, g) in self.weights.iter_mut().zip(&gradient) {
            w.iter_mut().zip(g).for_each(|(w, g)| *w -= lr * g);
        }
        loss / batch.len().max(1) as f64
    }
}

/// The float trainer: a network and its learning rate (applied to the batch sum).
#[derive(Clone, Debug)]
pub struct FloatTrainer {
    /// The network being trained.
    pub network: FloatNetwork,
    /// The learning rate on the batch-sum gradient.
    pub lr: f64,
}

/// The largest learning rate accepted, 2^8: 4096 times the default 2^-4. Above about 2^4 the
/// first steps already saturate every sigmoid (the training stalls, it does not learn), and a
/// rate like 1e308 overflows the weights to infinities whose products are NaN. Runs that
/// still diverge below this bound are caught when the model is saved
/// ([`ModelFile::validate`](super::ModelFile::validate) refuses non-finite weights).
pub const MAX_LEARNING_RATE: f64 = 256.0;

/// Accepts a learning rate in (0, [`MAX_LEARNING_RATE`]].
pub fn check_learning_rate(lr: f64) -> Result<(), ModelError> {
    if lr.is_finite() && lr > 0.0 && lr <= MAX_LEARNING_RATE {
        Ok(())
    } else {
        Err(ModelError::BadLearningRate(
            lr,
            "the float trainer needs 0 < lr <= 2^8",
        ))
    }
}

impl FloatTrainer {
    /// A network with `sizes` drawn from the init stream of `seed`.
    pub fn new(sizes: &[usize], seed: u64, lr: f64) -> Result<Self, ModelError> {
        Self::from_network(
            FloatNetwork::random(sizes, &mut rng_for(seed, INIT_STREAM)),
            lr,
        )
    }

    /// Resumes from a saved network.
    pub fn from_network(network: FloatNetwork, lr: f64) -> Result<Self, ModelError> {
        check_learning_rate(lr)?;
        Ok(Self { network, lr })
    }
}

impl Learner for FloatTrainer {
    fn step(&mut self, data: &Dataset, batch: &[usize]) -> Result<f64, ModelError> {
        Ok(self.network.step(data, batch, self.lr))
    }

    fn accuracy(&self, data: &Dataset) -> Result<f64, ModelError> {
        Ok(self.network.accuracy(data))
    }
}

/// Index of the largest value (the first one on ties); 0 for an empty slice.
pub fn argmax(values: &[f64]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn learning_rates_outside_the_arithmetic_are_refused() {
        for lr in [2.0f64.powi(-30), 0.0625, 1.0, MAX_LEARNING_RATE] {
            assert!(check_learning_rate(lr).is_ok(), "{lr}");
        }
        for lr in [
            0.0,
            -0.0625,
            f64::NAN,
            f64::INFINITY,
            1e308,
            MAX_LEARNING_RATE * 2.0,
        ] {
            assert!(
                matches!(
                    FloatTrainer::new(&[4, 2], 1, lr),
                    Err(ModelError::BadLearningRate(..))
                ),
                "{lr}"
            );
        }
    }

    /// The analytic gradient matches central finite differences of the loss.
    #[test]
    fn backpropagation_matches_finite_differences() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let mut net = FloatNetwork::random(&[5, 4, 3], &mut rng);
        for w in net.weights.iter_mut().flatten() {
            *w *= 10.0;
        }
        let x: Vec<f64> = (0..5).map(|i| i as f64 / 4.0 - 0.5).collect();
        let data = Dataset {
            dim: 5,
            features: x.clone(),
            labels: vec![1],
        };
        let mut gradient = net.zero_gradient();
        net.accumulate(&x, 1, &mut gradient);
        let loss = |net: &FloatNetwork| {
            let mut scratch = net.zero_gradient();
            net.accumulate(data.sample(0), 1, &mut scratch)
        };
        for (l, layer) in gradient.iter().enumerate() {
            for (k, analytic) in layer.iter().enumerate() {
                let h = 1e-6;
                let mut plus = net.clone();
                plus.weights[l][k] += h;
                let mut minus = net.clone();
                minus.weights[l][k] -= h;
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
                assert!((numeric - analytic).abs() < 1e-6, "layer {l} weight {k}");
            }
        }
    }

    /// One epoch on the first 6000 training images reaches 85% test accuracy. Batch 60 makes
    /// only 100 steps, too few to leave the sigmoid/quadratic-loss plateau, so this uses
    /// batch 1 and lr 1 (seed 1: 85.9%; seeds 1..=5 give 84.4% to 87.1%).
    #[test]
    fn nn2_reaches_85_percent_in_one_epoch_on_6000_samples() {
        use crate::data::{default_data_dir, prepare, Mnist};
        use crate::model::sgd::{train, TrainConfig};
        let mut mnist = Mnist::load(&default_data_dir()).unwrap();
        mnist.train = mnist.train.truncated(6000);
        let data = prepare(&mnist, crate::data::InputGeometry::NN2).unwrap();
        let mut trainer = FloatTrainer::new(&[64, 32, 16, 10], 1, 1.0).unwrap();
        let config = TrainConfig {
            epochs: 1,
            batch: 1,
            seed: 1,
            first_epoch: 1,
        };
        let history = train(&mut trainer, &data.train, &data.test, config, |_, _| {}).unwrap();
        assert!(history[0].test_accuracy >= 0.85, "{:?}", history[0]);
    }
}
