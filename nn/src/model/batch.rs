//! A batch of samples as bit-sliced integers, one sample per slot: `inputs[j]` is feature j of
//! every sample as an 8-bit integer with F = 5 (`q = sat8(round(x 2^5))`), `labels[k]` the bit
//! vector "label == k". Written once over an encoder of bit vectors, so the plaintext trainer
//! encodes and the data owner encrypts exactly the same bits.
//!
//! Invariant: a batch fills every slot (`samples.len() == slots`): the weight gradients are
//! total sums over all slots, so a padding slot would add its own (nonzero) gradient.

use super::error::ModelError;
use super::fixed_format::{quantize, INPUT_FRAC, NARROW};
use crate::bitsliced::{Bit, BitInt, BitSimd};
use crate::data::{Dataset, DIGITS};

/// The inputs and one-hot labels of one batch on backend `B`.
pub struct BitslicedBatch<B: BitSimd> {
    /// `n_0` 8-bit inputs (F = 5), feature j of every sample in `inputs[j]`.
    pub inputs: Vec<BitInt<B>>,
    /// `DIGITS` bit vectors, `labels[k]` = "label == k" per slot.
    pub labels: Vec<Bit<B::Bits>>,
}

impl<B: BitSimd> Clone for BitslicedBatch<B> {
    fn clone(&self) -> Self {
        Self {
            inputs: self.inputs.clone(),
            labels: self.labels.clone(),
        }
    }
}

/// Feature j of `samples` quantized to 8 bits (F = 5): `columns[j][slot]`.
pub fn quantized_columns(data: &Dataset, samples: &[usize]) -> Vec<Vec<i64>> {
    (0..data.dim)
        .map(|j| {
            samples
                .iter()
                .map(|&i| quantize(data.sample(i)[j], INPUT_FRAC, NARROW))
                .collect()
        })
        .collect()
}

/// The one-hot label columns of `samples`: `columns[k][slot]` = "label == k".
pub fn label_columns(data: &Dataset, samples: &[usize]) -> Vec<Vec<bool>> {
    (0..DIGITS)
        .map(|k| {
            samples
                .iter()
                .map(|&i| usize::from(data.labels[i]) == k)
                .collect()
        })
        .collect()
}

impl<B: BitSimd> BitslicedBatch<B> {
    /// Encodes (or encrypts) `samples` of `data` over `slots` slots with `encode_bits`.
    pub fn encode<E: std::error::Error + Send + Sync + 'static>(
        data: &Dataset,
        samples: &[usize],
        slots: usize,
        mut encode_bits: impl FnMut(&[bool]) -> Result<B::Bits, E>,
    ) -> Result<Self, ModelError> {
        if samples.len() != slots {
            return Err(ModelError::BadBatch {
                batch: samples.len(),
                samples: slots,
            });
        }
        if let Some(&i) = samples.iter().find(|&&i| i >= data.len()) {
            return Err(ModelError::Inconsistent(format!(
                "sample {i} of a set of {}",
                data.len()
            )));
        }
        let inputs = quantized_columns(data, samples)
            .iter()
            .map(|values| {
                BitInt::encode(values, NARROW, slots, &mut encode_bits)
                    .map_err(|e| ModelError::Backend(Box::new(e)))
            })
            .collect::<Result<_, _>>()?;
        let labels = label_columns(data, samples)
            .iter()
            .map(|column| {
                encode_bits(column)
                    .map(Bit::Var)
                    .map_err(|e| ModelError::Backend(Box::new(e)))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { inputs, labels })
    }
}
