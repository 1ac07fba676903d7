//! The encrypted trainer: the generic fixed-point step of [`FixedCircuit`] on BGV ciphertexts
//! (the service provider's side). One sample per slot; the trainable weights are packed, l
//! per ciphertext bit ([`LayerWeights`]), and each neuron gets its weights replicated over the
//! slots when it uses them, so the step computes, slot for slot, the same bits as the
//! plaintext trainer, and the decrypted weights equal its weights bit for bit.
//!
//! The trainer runs on any [`CiphertextBackend`]: the leveled [`EncryptedBackend`], whose
//! chain must carry the whole step, or the [`RecryptingBackend`], which refreshes where the
//! circuit asks and wherever an AND result reaches the depth a refreshed value carries, so
//! any number of steps of any depth run on one chain.
//!
//! Frozen layers (fine-tuning, [`FixedCircuit::with_frozen_layers`]) keep public weights:
//! their bits are circuit constants and their products fold into public multiplications.
//! Trainable layers are encrypted under the data owner's public key.

use super::batch::BitslicedBatch;
use super::error::ModelError;
use super::fixed::{FixedCircuit, StepObserver, StepTrace, Unobserved};
use super::fixed_weights::{FixedWeights, LayerWeights};
use crate::bitsliced::{Bit, BitInt, BitSimd};
use crate::data::Dataset;
use crate::encrypted::{EncryptedBackend, EncryptedBits};
use crate::recrypting::RecryptingBackend;
use nit_bgv::keys::{PublicKey, SecretKey};
use nit_bgv::BgvError;
use nit_bootstrap::BootstrapError;
use nit_ring::sample::SecureRng;

/// A backend whose vectors are [`EncryptedBits`] of one [`EncryptedBackend`]: that backend
/// itself, or one that adds recryption to it. Values move between such backends unchanged
/// ([`rebind_weights`], [`rebind_batch`]).
pub trait CiphertextBackend: BitSimd<Bits = EncryptedBits> {
    /// The encrypted backend underneath (parameters, encryption, decryption).
    fn encrypted(&self) -> &EncryptedBackend;

    /// The level a fresh public-key encryption of an input or a weight is switched down to
    /// before the step: the top for a leveled backend (the step needs the whole chain).
    fn fresh_level(&self, _pk: &PublicKey, _rng: &mut SecureRng) -> Result<usize, ModelError> {
        Ok(self.encrypted().evaluator().params().max_level())
    }
}

impl CiphertextBackend for EncryptedBackend {
    fn encrypted(&self) -> &EncryptedBackend {
        self
    }
}

impl CiphertextBackend for RecryptingBackend {
    fn encrypted(&self) -> &EncryptedBackend {
        self.inner()
    }

    /// The lowest level at which a switched-down public-key encryption still carries a
    /// segment between refreshes ([`RecryptingBackend::lowest_input_level`]): it then enters
    /// the step as a refreshed value would, on fewer primes (`toy`, 24 primes: about 17).
    fn fresh_level(&self, pk: &PublicKey, rng: &mut SecureRng) -> Result<usize, ModelError> {
        let inner = self.inner();
        let probe: Vec<bool> = (0..inner.slots()).map(|i| i % 3 == 0).collect();
        let backend = |e: BootstrapError| ModelError::Backend(Box::new(e));
        let fresh = inner
            .encrypt(pk, &probe, rng)
            .map_err(|e| backend(e.into()))?;
        self.lowest_input_level(|level| inner.evaluator().mod_switch_to(&fresh.ct, level))
            .map_err(backend)
    }
}

/// A fixed-point circuit and the ciphertext backend it runs on.
#[derive(Clone, Debug)]
pub struct EncryptedTrainer<B: CiphertextBackend = EncryptedBackend> {
    circuit: FixedCircuit,
    backend: B,
}

/// Encrypted weights as files hold them: frozen layers public, trainable layers under the
/// owner's key.
pub type EncryptedWeights = FixedWeights<EncryptedBackend>;

/// The same integers as values of backend `B` (bits moved, nothing copied or computed).
fn rebind_ints<A, B>(values: Vec<BitInt<A>>) -> Result<Vec<BitInt<B>>, ModelError>
where
    A: BitSimd<Bits = EncryptedBits>,
    B: BitSimd<Bits = EncryptedBits>,
{
    values
        .into_iter()
        .map(|x| BitInt::from_bits(x.into_bits()).map_err(|e| ModelError::Backend(Box::new(e))))
        .collect()
}

/// Weights of one ciphertext backend as weights of another (the same ciphertexts).
pub fn rebind_weights<A, B>(weights: FixedWeights<A>) -> Result<FixedWeights<B>, ModelError>
where
    A: BitSimd<Bits = EncryptedBits>,
    B: BitSimd<Bits = EncryptedBits>,
{
    let layers = weights
        .layers
        .into_iter()
        .map(|layer| match layer {
            LayerWeights::Public(w) => rebind_ints(w).map(LayerWeights::Public),
            LayerWeights::Packed { groups, len } => {
                rebind_ints(groups).map(|groups| LayerWeights::Packed { groups, len })
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(FixedWeights { layers })
}

/// A batch of one ciphertext backend as a batch of another (the same ciphertexts).
pub fn rebind_batch<A, B>(batch: BitslicedBatch<A>) -> Result<BitslicedBatch<B>, ModelError>
where
    A: BitSimd<Bits = EncryptedBits>,
    B: BitSimd<Bits = EncryptedBits>,
{
    let labels: Vec<Bit<EncryptedBits>> = batch.labels;
    Ok(BitslicedBatch {
        inputs: rebind_ints(batch.inputs)?,
        labels,
    })
}

impl<B: CiphertextBackend> EncryptedTrainer<B> {
    /// The trainer of `circuit` on `backend` (its evaluator holds the public evaluation keys).
    pub fn new(circuit: FixedCircuit, backend: B) -> Self {
        Self { circuit, backend }
    }

    /// The step's circuit.
    pub fn circuit(&self) -> &FixedCircuit {
        &self.circuit
    }

    /// The ciphertext backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Samples per batch: one per slot.
    pub fn batch_size(&self) -> usize {
        self.backend.slots()
    }

    /// The model's weights (16-bit, F = 12, row-major per layer as in [`FixedWeights`]):
    /// frozen layers as public constants, the others packed and encrypted under `pk`.
    pub fn encrypt_weights(
        &self,
        pk: &PublicKey,
        weights: &[Vec<i64>],
        rng: &mut SecureRng,
    ) -> Result<FixedWeights<B>, ModelError> {
        let frozen = self.circuit.frozen_layers().min(weights.len());
        let public = FixedWeights::<B>::constants(&weights[..frozen])?;
        let level = self.backend.fresh_level(pk, rng)?;
        let encrypted = FixedWeights::<B>::encode(&weights[frozen..], self.batch_size(), |bits| {
            self.encrypt_at(pk, bits, level, rng)
        })?;
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
    ) -> Result<BitslicedBatch<B>, ModelError> {
        let level = self.backend.fresh_level(pk, rng)?;
        BitslicedBatch::encode(data, samples, self.batch_size(), |bits| {
            self.encrypt_at(pk, bits, level, rng)
        })
    }

    /// `bits` encrypted under `pk`, switched down to `level` at once.
    fn encrypt_at(
        &self,
        pk: &PublicKey,
        bits: &[bool],
        level: usize,
        rng: &mut SecureRng,
    ) -> Result<EncryptedBits, BgvError> {
        let inner = self.backend.encrypted();
        let fresh = inner.encrypt(pk, bits, rng)?;
        Ok(EncryptedBits {
            ct: inner.evaluator().mod_switch_to(&fresh.ct, level)?,
            depth: 0,
        })
    }

    /// One SGD step on the encrypted batch: updates `weights` in place and returns the
    /// encrypted forward pass (computed with the weights before the update) and deltas.
    pub fn step(
        &self,
        weights: &mut FixedWeights<B>,
        batch: &BitslicedBatch<B>,
    ) -> Result<StepTrace<B>, ModelError> {
        self.step_observed(weights, batch, &Unobserved)
    }

    /// [`Self::step`], telling `observer` how far it is. With frozen layers the batch's
    /// inputs are the frozen layers' outputs ([`FixedCircuit::step_from_features`]), else
    /// the images ([`FixedCircuit::step_traced`]).
    pub fn step_observed(
        &self,
        weights: &mut FixedWeights<B>,
        batch: &BitslicedBatch<B>,
        observer: &dyn StepObserver,
    ) -> Result<StepTrace<B>, ModelError> {
        let (inputs, labels) = (&batch.inputs, &batch.labels);
        if self.circuit.frozen_layers() > 0 {
            self.circuit.step_from_features_observed(
                &self.backend,
                weights,
                inputs,
                labels,
                observer,
            )
        } else {
            self.circuit
                .step_observed(&self.backend, weights, inputs, labels, observer)
        }
    }

    /// Refreshes the packed trainable weights ([`FixedWeights::refresh_packed`]), so the
    /// next step starts from weights of depth 0: 16 ceil(n / l) refreshes per layer of n
    /// trainable weights on a recrypting backend (the identity on a leveled one).
    pub fn refresh_weights(&self, weights: &mut FixedWeights<B>) -> Result<(), ModelError> {
        weights.refresh_packed(&self.backend, self.circuit.frozen_layers())
    }

    /// Decrypts the weights (the data owner's side); the slots past a packed layer's last
    /// weight must hold zero.
    pub fn decrypt_weights(
        &self,
        sk: &SecretKey,
        weights: &FixedWeights<B>,
    ) -> Result<Vec<Vec<i64>>, ModelError> {
        weights.decode(self.batch_size(), |bits: &EncryptedBits| {
            self.backend.encrypted().decrypt(sk, bits)
        })
    }
}
