//! The fixed-point trainer on the plaintext backend: a batch of `b` samples fills the `b`
//! slots of a [`PlainBackend`], the generic [`FixedCircuit::step`] runs on it, and the weights
//! are kept as native 16-bit integers between steps (entering the circuit as public
//! constants, as a data owner's model would; an encrypted run encrypts them instead and gets
//! the same bits).

use super::batch::{label_columns, quantized_columns};
use super::error::ModelError;
use super::fixed::{FixedCircuit, ForwardPass};
use super::fixed_format::{dequantize, quantize, ACTIVATION_FRAC, NARROW, WEIGHT_FRAC, WIDE};
use super::fixed_weights::FixedWeights;
use super::float::{argmax, FloatNetwork};
use super::sgd::{rng_for, Learner, INIT_STREAM};
use crate::bitsliced::{AdderKind, Bit, BitInt, BitSimd, PlainBackend, PlainError, TotalSumMethod};
use crate::data::Dataset;
use rayon::prelude::*;

/// Slots per backend when evaluating the test set (independent chunks run in parallel).
const EVAL_SLOTS: usize = 1024;

fn plain(e: PlainError) -> ModelError {
    ModelError::Backend(Box::new(e))
}

/// The fixed-point network (native copies of the 16-bit weights, F = 12) and its circuit.
#[derive(Clone, Debug)]
pub struct FixedTrainer {
    /// The step circuit (sizes, learning rate, adders).
    pub circuit: FixedCircuit,
    /// `weights[l]` row-major `n_{l+1} x (n_l + 1)`, bias last.
    pub weights: Vec<Vec<i64>>,
}

/// The 8-bit inputs (F = 5) of `samples` of `data`, one sample per slot.
pub fn encode_inputs(
    backend: &PlainBackend,
    data: &Dataset,
    samples: &[usize],
) -> Result<Vec<BitInt<PlainBackend>>, ModelError> {
    quantized_columns(data, samples)
        .iter()
        .map(|values| {
            BitInt::encode(values, NARROW, backend.slots(), |b| backend.encode(b))
                .map_err(|e| ModelError::Backend(Box::new(e)))
        })
        .collect()
}

/// The one-hot label bits of `samples`: `out[k]` is "label == k" per slot.
pub fn encode_labels(
    backend: &PlainBackend,
    data: &Dataset,
    samples: &[usize],
) -> Result<Vec<Bit<<PlainBackend as BitSimd>::Bits>>, ModelError> {
    label_columns(data, samples)
        .iter()
        .map(|column| backend.encode(column).map(Bit::Var).map_err(plain))
        .collect()
}

/// Decodes an integer of the plaintext backend, one value per slot (at most 64 bits wide).
pub fn decode_checked(
    backend: &PlainBackend,
    x: &BitInt<PlainBackend>,
) -> Result<Vec<i64>, ModelError> {
    x.decode(backend.slots(), |b| Ok::<_, PlainError>(backend.decode(b)))
        .map_err(|e| ModelError::Backend(Box::new(e)))
}

impl FixedTrainer {
    /// The float network of `seed`'s init stream (N(0, 0.1^2)) quantized to 16 bits, F = 12.
    pub fn new(
        sizes: &[usize],
        seed: u64,
        lr_shift: usize,
        adder: AdderKind,
        sum_method: TotalSumMethod,
    ) -> Result<Self, ModelError> {
        let circuit = FixedCircuit::new(sizes, lr_shift, adder, sum_method)?;
        let float = FloatNetwork::random(sizes, &mut rng_for(seed, INIT_STREAM));
        let weights = float
            .weights
            .iter()
            .map(|w| w.iter().map(|&v| quantize(v, WEIGHT_FRAC, WIDE)).collect())
            .collect();
        Ok(Self { circuit, weights })
    }

    /// Resumes from a saved network whose weights are 16-bit values `q / 2^12` exactly (as
    /// [`Self::dequantized`] writes them); any other weight is an error, never rounded.
    pub fn from_network(
        network: &FloatNetwork,
        lr_shift: usize,
        adder: AdderKind,
        sum_method: TotalSumMethod,
    ) -> Result<Self, ModelError> {
        let circuit = FixedCircuit::new(&network.sizes, lr_shift, adder, sum_method)?;
        let weights = network
            .weights
            .iter()
            .map(|w| {
                w.iter()
                    .map(|&v| {
                        let q = quantize(v, WEIGHT_FRAC, WIDE);
                        if dequantize(q, WEIGHT_FRAC) == v {
                            Ok(q)
                        } else {
                            Err(ModelError::Inconsistent(format!(
                                "weight {v} is not a {WIDE}-bit multiple of 2^-{WEIGHT_FRAC}"
                            )))
                        }
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { circuit, weights })
    }

    /// The dequantized float network (real weights w / 2^12).
    pub fn dequantized(&self) -> FloatNetwork {
        let weights = self
            .weights
            .iter()
            .map(|w| w.iter().map(|&q| dequantize(q, WEIGHT_FRAC)).collect())
            .collect();
        FloatNetwork::from_weights(self.circuit.sizes().to_vec(), weights)
            .expect("fixed weights keep the circuit's shape")
    }

    /// Output activations (8-bit, F = 7) per slot: `out[slot][k]`.
    fn outputs(
        backend: &PlainBackend,
        pass: &ForwardPass<PlainBackend>,
    ) -> Result<Vec<Vec<i64>>, ModelError> {
        let last = pass.activations.last().map_or(&[][..], Vec::as_slice);
        let columns = last
            .iter()
            .map(|a| decode_checked(backend, a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((0..backend.slots())
            .map(|s| columns.iter().map(|c| c[s]).collect())
            .collect())
    }
}

impl Learner for FixedTrainer {
    /// Mean of ||a_L - y||^2 / 2 over the batch, with a_L = q / 128 the 8-bit outputs.
    fn step(&mut self, data: &Dataset, batch: &[usize]) -> Result<f64, ModelError> {
        let backend = PlainBackend::new(batch.len()).map_err(plain)?;
        let x = encode_inputs(&backend, data, batch)?;
        let labels = encode_labels(&backend, data, batch)?;
        let mut weights = FixedWeights::constants(&self.weights)?;
        let pass = self.circuit.step(&backend, &mut weights, &x, &labels)?;
        let outputs = Self::outputs(&backend, &pass)?;
        let loss: f64 = outputs
            .iter()
            .zip(batch)
            .map(|(out, &i)| {
                out.iter()
                    .enumerate()
                    .map(|(k, &q)| {
                        let target = if k == usize::from(data.labels[i]) {
                            1.0
                        } else {
                            0.0
                        };
                        let e = dequantize(q, ACTIVATION_FRAC) - target;
                        e * e / 2.0
                    })
                    .sum::<f64>()
            })
            .sum();
        self.weights =
            weights.decode(backend.slots(), |b| Ok::<_, PlainError>(backend.decode(b)))?;
        Ok(loss / batch.len() as f64)
    }

    /// Arg-max of the 8-bit outputs of the fixed-point forward pass (ties: lowest digit).
    fn accuracy(&self, data: &Dataset) -> Result<f64, ModelError> {
        let weights = FixedWeights::constants(&self.weights)?;
        let indices: Vec<usize> = (0..data.len()).collect();
        let correct = indices
            .par_chunks(EVAL_SLOTS)
            .map(|chunk| {
                let backend = PlainBackend::new(chunk.len()).map_err(plain)?;
                let x = encode_inputs(&backend, data, chunk)?;
                let pass = self.circuit.forward(&backend, &weights, &x)?;
                let outputs = Self::outputs(&backend, &pass)?;
                Ok(outputs
                    .iter()
                    .zip(chunk)
                    .filter(|(out, &i)| {
                        let reals: Vec<f64> = out.iter().map(|&q| q as f64).collect();
                        argmax(&reals) == usize::from(data.labels[i])
                    })
                    .count())
            })
            .collect::<Result<Vec<usize>, ModelError>>()?;
        Ok(correct.iter().sum::<usize>() as f64 / data.len().max(1) as f64)
    }
}
