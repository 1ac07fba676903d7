//! The provider's start model for encrypted fine-tuning, and `fhe-nit pretrain`.
//!
//! Nandakumar et al. 2019 (Sec. 6) suggest fine-tuning on encrypted data as the next task:
//! the provider pretrains NN2 in plaintext on its own images (here the MNIST training set
//! minus the first N, which the owner encrypts), quantized to 16 bits (F = 12), and publishes
//! it. Its first two layers stay frozen: their weights are public, so the owner runs them on
//! her samples in plaintext and encrypts their outputs (16 activations, 8 bits, F = 7); the
//! provider trains the last layer (16 -> 10, 170 weights) on those ciphertexts. The trainable
//! layer computes exactly the bits it would compute after running the frozen layers on
//! encrypted images (`FixedCircuit::step_from_features`), at a fraction of the depth and
//! memory.

use super::artifacts::{read_model_json, write_model_json};
use clap::Args;
use nit_nn::bitsliced::{AdderKind, PlainBackend, TotalSumMethod};
use nit_nn::data::{default_data_dir, prepare, Dataset, Mnist, Normalization};
use nit_nn::model::fixed_format::{quantize, WEIGHT_FRAC, WIDE};
use nit_nn::model::fixed_trainer::{decode_checked, encode_inputs};
use nit_nn::model::{
    train, Arithmetic, FixedCircuit, FixedTrainer, FixedWeights, FloatTrainer, ModelFile,
    ModelKind, TrainConfig,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Learning rate 2^-4 on the batch sum, as `train-plain`'s default.
pub const LR_SHIFT: usize = 4;
/// The provider's adders: Sklansky and carry-save total sums (least AND-depth).
/// `train-plain --arith fixed` uses ripple adders: the same integers (tests/roles.rs).
pub const ADDER: AdderKind = AdderKind::Sklansky;
pub const SUM: TotalSumMethod = TotalSumMethod::CarrySave(AdderKind::Sklansky);
/// Layers kept public in fine-tuning: all but the last.
pub const FROZEN_LAYERS: usize = 2;

#[derive(Args)]
pub struct PretrainArgs {
    /// Leave out the first N training images (the owner's).
    #[arg(long, default_value_t = 60)]
    pub reserve: usize,
    /// Plaintext epochs (float SGD, batch 60, lr 2^-4).
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory with the MNIST IDX files (default: the repository's data/mnist).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The start model to write (model.json format).
    #[arg(long)]
    pub out: PathBuf,
}

/// NN2's fixed-point circuit, its first `frozen` layers frozen.
pub fn circuit(frozen: usize) -> Result<FixedCircuit, String> {
    FixedCircuit::new(ModelKind::Nn2.layer_sizes(), LR_SHIFT, ADDER, SUM)
        .and_then(|c| c.with_frozen_layers(frozen))
        .map_err(|e| e.to_string())
}

/// The model.json of fixed-point NN2 weights (16 bits, F = 12).
pub fn model_file(
    weights: Vec<Vec<i64>>,
    normalization: Normalization,
) -> Result<ModelFile, String> {
    let trainer = FixedTrainer {
        circuit: circuit(0)?,
        weights,
    };
    Ok(ModelFile::new(
        ModelKind::Nn2,
        Arithmetic::Fixed,
        ModelKind::Nn2.geometry(),
        normalization,
        &trainer.dequantized(),
    ))
}

/// A start model: its 16-bit weights and preprocessing statistics.
pub struct StartModel {
    pub weights: Vec<Vec<i64>>,
    pub normalization: Normalization,
}

impl StartModel {
    /// Reads a fixed-point NN2 model.json; its weights must be 16-bit multiples of 2^-12.
    pub fn read(path: &Path) -> Result<Self, String> {
        let file = read_model_json(path).map_err(|e| e.to_string())?;
        let named = |e: nit_nn::model::ModelError| format!("{}: {e}", path.display());
        let network = file.network().map_err(named)?;
        if network.sizes != ModelKind::Nn2.layer_sizes()
            || file.geometry() != ModelKind::Nn2.geometry()
        {
            return Err(format!(
                "{}: a network {:?}, fine-tuning needs NN2 {:?}",
                path.display(),
                network.sizes,
                ModelKind::Nn2.layer_sizes()
            ));
        }
        let trainer = FixedTrainer::from_network(&network, LR_SHIFT, ADDER, SUM).map_err(named)?;
        Ok(Self {
            weights: trainer.weights,
            normalization: file.normalization(),
        })
    }

    /// The identity of the frozen layers (first 16 bytes of SHA-256 of their weights).
    pub fn fingerprint(&self) -> [u8; 16] {
        let frozen = &self.weights[..FROZEN_LAYERS];
        let bytes: Vec<u8> = frozen
            .iter()
            .flatten()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        nit_ring::serial::fingerprint(&bytes)
    }

    /// The frozen layers' outputs on `samples` of `data` (plaintext, the owner's side):
    /// `features[j][slot]`, 8 bits, F = 7.
    pub fn features(&self, data: &Dataset, samples: &[usize]) -> Result<Vec<Vec<i64>>, String> {
        let circuit = circuit(FROZEN_LAYERS)?;
        let backend = PlainBackend::new(samples.len()).map_err(|e| e.to_string())?;
        let x = encode_inputs(&backend, data, samples).map_err(|e| e.to_string())?;
        let weights = FixedWeights::constants(&self.weights).map_err(|e| e.to_string())?;
        let pass = circuit
            .forward(&backend, &weights, &x)
            .map_err(|e| e.to_string())?;
        pass.activations[FROZEN_LAYERS]
            .iter()
            .map(|a| decode_checked(&backend, a).map_err(|e| e.to_string()))
            .collect()
    }
}

/// NN2 pretrained in float on the training images after the first `reserve`, quantized.
pub fn pretrain(
    mnist_dir: Option<&Path>,
    reserve: usize,
    epochs: usize,
    seed: u64,
) -> Result<ModelFile, String> {
    let dir = mnist_dir.map_or_else(default_data_dir, Path::to_path_buf);
    let mnist = Mnist::load(&dir).map_err(|e| e.to_string())?;
    let data = prepare(&mnist, ModelKind::Nn2.geometry()).map_err(|e| e.to_string())?;
    let skip = reserve.min(data.train.len());
    let own = Dataset {
        dim: data.train.dim,
        features: data.train.features[skip * data.train.dim..].to_vec(),
        labels: data.train.labels[skip..].to_vec(),
    };
    let sizes = ModelKind::Nn2.layer_sizes();
    let mut trainer = FloatTrainer::new(sizes, seed, 1.0 / (1u64 << LR_SHIFT) as f64)
        .map_err(|e| e.to_string())?;
    let config = TrainConfig {
        epochs,
        batch: 60,
        seed,
        first_epoch: 1,
    };
    train(&mut trainer, &own, &data.test, config, |_, _| {}).map_err(|e| e.to_string())?;
    let weights = trainer
        .network
        .weights
        .iter()
        .map(|w| w.iter().map(|&v| quantize(v, WEIGHT_FRAC, WIDE)).collect())
        .collect();
    model_file(weights, data.normalization)
}

pub fn run(args: &PretrainArgs) -> Result<(), String> {
    let started = Instant::now();
    let file = pretrain(args.data.as_deref(), args.reserve, args.epochs, args.seed)?;
    write_model_json(&args.out, &file).map_err(|e| e.to_string())?;
    println!(
        "pretrained NN2 ({} epochs on the training images after the first {}) in {:.1} s: {}",
        args.epochs,
        args.reserve,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
