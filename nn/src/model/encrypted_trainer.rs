//! The encrypted trainer: the generic fixed-point step of [`FixedCircuit`] on BGV ciphertexts
//! (the service provider's side). One sample per slot; every weight bit is one ciphertext
//! holding that bit in all slots (replicated), so the step computes, slot for slot, the same
//! bits as the plaintext trainer, and the decrypted weights equal its weights bit for bit.
//!
//! Frozen layers (fine-tuning, [`FixedCircuit::with_frozen_layers`]) keep public weights:
//! their bits are circuit constants and their products fold into public multiplications.
//! Trainable layers are encrypted under the data owner's public key.

use super::batch::BitslicedBatch;
use super::error::ModelError;
use super::fixed::{FixedCircuit, FixedWeights, StepTrace};
use crate::bitsliced::BitSimd;
use crate::data::Dataset;
use crate::encrypted::{EncryptedBackend, EncryptedBits};
use nit_bgv::keys::{PublicKey, SecretKey};
use nit_ring::sample::SecureRng;

/// A fixed-point circuit and the encrypted backend it runs on.
#[derive(Clone, Debug)]
pub struct EncryptedTrainer {
    circuit: FixedCircuit,
    backend: EncryptedBackend,
}

/// Encrypted weights: frozen layers public, trainable layers under the owner's key.
pub type EncryptedWeights = FixedWeights<EncryptedBackend>;

impl EncryptedTrainer {
    /// The trainer of `circuit` on `backend` (its evaluator holds the public evaluation keys).
    pub fn new(circuit: FixedCircuit, backend: EncryptedBackend) -> Self {
        Self { circuit, backend }
    }

    /// The step's circuit.
    pub fn circuit(&self) -> &FixedCircuit {
        &self.circuit
    }

    /// The encrypted backend.
    pub fn backend(&self) -> &EncryptedBackend {
        &self.backend
    }

    /// Samples per batch: one per slot.
    pub fn batch_size(&self) -> usize {
        self.backend.slots()
    }

    /// The model's weights (16-bit, F = 12, row-major per layer as in [`FixedWeights`]):
    /// frozen layers as public constants, the others encrypted under `pk` bit by bit.
    pub fn encrypt_weights(
        &self,
        pk: &PublicKey,
        weights: &[Vec<i64>],
        rng: &mut SecureRng,
    ) -> Result<EncryptedWeights, ModelError> {
        let frozen = self.circuit.frozen_layers().min(weights.len());
        let public = FixedWeights::<EncryptedBackend>::constants(&weights[..frozen])?;
        let encrypted = FixedWeights::<EncryptedBackend>::encode(
            &weights[frozen..],
            self.batch_size(),
            |bits| self.backend.encrypt(pk, bits, rng),
        )?;
        let mut layers = public.layers;
        layers.extend(encrypted.layers);
        Ok(FixedWeights { layers })
    }

    /// Encrypts the batch `samples` of `data` under `pk` (the data owner's side): exactly
    /// [`Self::batch_size`] samples.
    pub fn encrypt_batch(
        &self,
        pk: &PublicKey,
        data: &Dataset,
        samples: &[usize],
        rng: &mut SecureRng,
    ) -> Result<BitslicedBatch<EncryptedBackend>, ModelError> {
        BitslicedBatch::encode(data, samples, self.batch_size(), |bits| {
            self.backend.encrypt(pk, bits, rng)
        })
    }

    /// One SGD step on the encrypted batch: updates `weights` in place and returns the
    /// encrypted forward pass (computed with the weights before the update) and deltas.
    pub fn step(
        &self,
        weights: &mut EncryptedWeights,
        batch: &BitslicedBatch<EncryptedBackend>,
    ) -> Result<StepTrace<EncryptedBackend>, ModelError> {
        self.circuit
            .step_traced(&self.backend, weights, &batch.inputs, &batch.labels)
    }

    /// Decrypts the weights (the data owner's side); every slot of a weight must agree.
    pub fn decrypt_weights(
        &self,
        sk: &SecretKey,
        weights: &EncryptedWeights,
    ) -> Result<Vec<Vec<i64>>, ModelError> {
        weights.decode(self.batch_size(), |bits: &EncryptedBits| {
            self.backend.decrypt(sk, bits)
        })
    }
}
