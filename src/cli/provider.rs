//! `fhe-nit train`: the service provider's side. It holds only KEYS/public and the encrypted
//! batches, and runs the fixed-point SGD step of `train-plain --arith fixed` on ciphertexts.
//!
//! Default: encrypted fine-tuning (Nandakumar et al. 2019, Sec. 6: the suggested next task).
//! The provider pretrains NN2 in plaintext on MNIST images the owner did not encrypt (the
//! training set minus the owner's first N), quantizes it to 16 bits (F = 12), keeps its first
//! two layers public and frozen, and trains the last layer (16 -> 10, 170 weights) encrypted
//! under the owner's public key. One such step has AND-depth 59, which the toy chain carries.
//! `--full` trains all layers from the seed's N(0, 0.1^2) weights, as `train-plain --arith
//! fixed --seed S` starts; its AND-depth 198 exceeds every leveled chain here, so the run stops
//! at once with the noise-budget estimate until recryption lands.
//!
//! Adders: Sklansky prefix adders and carry-save total sums (the least AND-depth).
//! `train-plain` uses ripple adders; every adder computes the same integers, so the weights
//! agree bit for bit (tests/roles.rs checks it on an MNIST batch).

use super::artifacts::{
    batch_file, write_model_json, EncryptedBatch, EncryptedModel, ModelShape, PublicMaterial,
    Stamp, MODEL,
};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use nit_bgv::evaluator::Evaluator;
use nit_nn::bitsliced::{AdderKind, Bit, TotalSumMethod};
use nit_nn::data::{default_data_dir, normalized_dataset, Dataset, Mnist, Normalization};
use nit_nn::encrypted::EncryptedBackend;
use nit_nn::model::encrypted_trainer::EncryptedWeights;
use nit_nn::model::fixed_format::{quantize, WEIGHT_FRAC, WIDE};
use nit_nn::model::{
    step_cost, train, Arithmetic, EncryptedTrainer, FixedCircuit, FixedTrainer, FloatTrainer,
    ModelFile, ModelKind, TrainConfig,
};
use nit_ring::sample::secure_rng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Learning rate 2^-4 on the batch sum, as `train-plain`'s default.
pub const LR_SHIFT: usize = 4;
pub const ADDER: AdderKind = AdderKind::Sklansky;
pub const SUM: TotalSumMethod = TotalSumMethod::CarrySave(AdderKind::Sklansky);
/// Layers kept public in fine-tuning: all but the last.
pub const FROZEN_LAYERS: usize = 2;
/// Plaintext pretraining epochs of the provider's start model (float SGD, batch 60).
pub const PRETRAIN_EPOCHS: usize = 3;
/// Modulus one AND level costs on the toy chain, measured: what the depth check assumes.
pub const BITS_PER_AND_LEVEL: f64 = 28.0;
/// The provider's plaintext start model, written beside the encrypted one.
pub const START_MODEL: &str = "start.json";

#[derive(Args)]
pub struct TrainArgs {
    /// The provider's keys: KEYS/public as written by `keygen` (no secret key).
    #[arg(long)]
    pub keys: PathBuf,
    /// The encrypted data set written by `encrypt`.
    #[arg(long)]
    pub data: PathBuf,
    /// SGD steps, one batch each (batches taken in order, cycling).
    #[arg(long, default_value_t = 1)]
    pub steps: usize,
    /// Seed of the start model (pretraining, or the initial weights with --full).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory: model.enc after every step, start.json (the public start model).
    #[arg(long)]
    pub out: PathBuf,
    /// Continue from the checkpoint in --out (same keys, data and options).
    #[arg(long)]
    pub resume: bool,
    /// Train every layer from the seed's initial weights (needs recryption on toy).
    #[arg(long)]
    pub full: bool,
    /// MNIST IDX files for the provider's pretraining (default: the repository's data/mnist).
    #[arg(long)]
    pub mnist: Option<PathBuf>,
}

/// The circuit the run trains: NN2, frozen layers unless `full`.
pub fn circuit(full: bool) -> Result<FixedCircuit, String> {
    let frozen = if full { 0 } else { FROZEN_LAYERS };
    FixedCircuit::new(ModelKind::Nn2.layer_sizes(), LR_SHIFT, ADDER, SUM)
        .and_then(|c| c.with_frozen_layers(frozen))
        .map_err(|e| e.to_string())
}

/// The provider's data: the MNIST training images after the owner's first `owner_samples`,
/// normalized with the owner's statistics (so frozen layers see the owner's input scale).
fn provider_data(
    mnist: &Mnist,
    normalization: Normalization,
    owner_samples: usize,
) -> Result<(Dataset, Dataset), String> {
    let geometry = ModelKind::Nn2.geometry();
    let all = normalized_dataset(&mnist.train, geometry, normalization).map_err(|e| e.to_string())?;
    let skip = owner_samples.min(all.len());
    let train = Dataset {
        dim: all.dim,
        features: all.features[skip * all.dim..].to_vec(),
        labels: all.labels[skip..].to_vec(),
    };
    let test = normalized_dataset(&mnist.test, geometry, normalization).map_err(|e| e.to_string())?;
    Ok((train, test))
}

/// The start weights (16 bits, F = 12): the seed's initial weights (`full`), else NN2
/// pretrained in float on the provider's images and quantized.
pub fn start_weights(
    full: bool,
    seed: u64,
    mnist_dir: Option<&Path>,
    normalization: Normalization,
    owner_samples: usize,
) -> Result<Vec<Vec<i64>>, String> {
    let sizes = ModelKind::Nn2.layer_sizes();
    if full {
        return FixedTrainer::new(sizes, seed, LR_SHIFT, ADDER, SUM)
            .map(|t| t.weights)
            .map_err(|e| e.to_string());
    }
    let dir = mnist_dir.map_or_else(default_data_dir, Path::to_path_buf);
    let mnist = Mnist::load(&dir).map_err(|e| e.to_string())?;
    let (train_set, test_set) = provider_data(&mnist, normalization, owner_samples)?;
    let mut trainer = FloatTrainer::new(sizes, seed, 1.0 / (1u64 << LR_SHIFT) as f64)
        .map_err(|e| e.to_string())?;
    let config = TrainConfig {
        epochs: PRETRAIN_EPOCHS,
        batch: 60,
        seed,
        first_epoch: 1,
    };
    train(&mut trainer, &train_set, &test_set, config, |_, _| {}).map_err(|e| e.to_string())?;
    Ok(trainer
        .network
        .weights
        .iter()
        .map(|w| w.iter().map(|&v| quantize(v, WEIGHT_FRAC, WIDE)).collect())
        .collect())
}

/// The model.json of fixed-point NN2 weights.
pub fn model_file(
    weights: Vec<Vec<i64>>,
    normalization: Normalization,
) -> Result<ModelFile, String> {
    let trainer = FixedTrainer {
        circuit: circuit(true)?,
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

/// Refuses a circuit the chain cannot carry, before any work: depth times the measured cost
/// of one AND level against the chain's modulus.
fn check_depth(trainer: &EncryptedTrainer, keys: &Path) -> Result<(), String> {
    let params = trainer.backend().evaluator().params();
    let cost = step_cost(trainer.circuit(), trainer.batch_size()).map_err(|e| e.to_string())?;
    let needed = cost.step_depth as f64 * BITS_PER_AND_LEVEL;
    let held = params.log2_q(params.max_level());
    if needed > held {
        return Err(format!(
            "{}: noise budget: one step has AND-depth {} ({} ANDs), about {needed:.0} bits of modulus at {BITS_PER_AND_LEVEL} bits per level; this chain holds {held:.0} bits. Without recryption (not implemented yet) it cannot run; encrypted fine-tuning (without --full) fits the toy chain",
            keys.display(),
            cost.step_depth,
            cost.step.and
        ));
    }
    Ok(())
}

/// The lowest level of an encrypted weight bit (what the chain has left).
fn lowest_level(weights: &EncryptedWeights) -> usize {
    weights
        .layers
        .iter()
        .flatten()
        .flat_map(|w| w.bits())
        .filter_map(|b| match b {
            Bit::Var(v) => Some(v.ct.level()),
            Bit::Const(_) => None,
        })
        .min()
        .unwrap_or(0)
}

/// Reads batch `index` of `dir`, checking it belongs to the set (`batches`, statistics).
fn read_batch(
    dir: &Path,
    index: usize,
    material: &PublicMaterial,
    expected: Option<(usize, Normalization)>,
) -> Result<EncryptedBatch, String> {
    let path = dir.join(batch_file(index));
    let dim = ModelKind::Nn2.layer_sizes()[0];
    let batch = EncryptedBatch::read(&path, &material.params, material.key_id(), dim)
        .map_err(|e| e.to_string())?;
    let found = (batch.batches, batch.normalization);
    if batch.index != index || expected.is_some_and(|e| e != found) {
        return Err(format!(
            "{}: batch {} of another data set, not batch {index} of this one",
            path.display(),
            batch.index
        ));
    }
    Ok(batch)
}

pub fn run(args: &TrainArgs) -> Result<(), String> {
    let material = PublicMaterial::load(&args.keys).map_err(|e| e.to_string())?;
    let first = read_batch(&args.data, 0, &material, None)?;
    let set = (first.batches, first.normalization);
    let params = material.params.clone();
    let key_id = material.key_id();
    let stamp = Stamp {
        params_id: params.fingerprint(),
        key_id,
    };
    let evaluator = Evaluator::new(&params, key_id, material.evaluation_keys.clone())
        .map_err(|e| format!("{}: {e}", args.keys.display()))?;
    let backend = EncryptedBackend::new(evaluator).map_err(|e| e.to_string())?;
    let trainer = EncryptedTrainer::new(circuit(args.full)?, backend);
    check_depth(&trainer, &args.keys)?;
    let batches = first.batches;
    let shape = ModelShape {
        sizes: ModelKind::Nn2.layer_sizes().to_vec(),
        frozen_layers: trainer.circuit().frozen_layers(),
        lr_shift: LR_SHIFT,
        seed: args.seed,
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let checkpoint = args.out.join(MODEL);
    let started = Instant::now();
    let mut model = if args.resume {
        let model = EncryptedModel::read(&checkpoint, &params, key_id, Some(&shape))
            .map_err(|e| e.to_string())?;
        if model.normalization != first.normalization {
            return Err(format!(
                "{}: trained on another data set than {}",
                checkpoint.display(),
                args.data.display()
            ));
        }
        model
    } else {
        let start = start_weights(
            args.full,
            args.seed,
            args.mnist.as_deref(),
            first.normalization,
            batches * trainer.batch_size(),
        )?;
        let start_path = args.out.join(START_MODEL);
        write_model_json(&start_path, &model_file(start.clone(), first.normalization)?)
            .map_err(|e| e.to_string())?;
        let weights = trainer
            .encrypt_weights(&material.public_key, &start, &mut secure_rng())
            .map_err(|e| e.to_string())?;
        println!(
            "start model in {} ({}); {} weights encrypted, {:.1} s",
            start_path.display(),
            if args.full {
                "the seed's initial weights"
            } else {
                "pretrained in plaintext, last layer to train"
            },
            start[shape.frozen_layers..].iter().map(Vec::len).sum::<usize>(),
            started.elapsed().as_secs_f64()
        );
        EncryptedModel {
            shape: shape.clone(),
            normalization: first.normalization,
            steps: 0,
            weights,
        }
    };
    if model.steps >= args.steps {
        return Err(format!(
            "{} already holds {} steps",
            checkpoint.display(),
            model.steps
        ));
    }
    let bar = ProgressBar::new(args.steps as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} train step {pos}/{len} [{bar:30}] {elapsed_precise} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(model.steps as u64);
    bar.enable_steady_tick(Duration::from_millis(500));
    let mut loaded = Some(first);
    while model.steps < args.steps {
        let index = model.steps % batches;
        let batch = match loaded.take() {
            Some(b) if b.index == index => b,
            _ => read_batch(&args.data, index, &material, Some(set))?,
        };
        bar.set_message(format!("on batch {index}"));
        let step_started = Instant::now();
        trainer
            .step(&mut model.weights, &batch.batch)
            .map_err(|e| format!("step {}: {e}", model.steps + 1))?;
        model.steps += 1;
        let bytes = model.write(&checkpoint, stamp).map_err(|e| e.to_string())?;
        bar.println(format!(
            "step {}: {:.1} s, weights at level {} of {}, checkpoint {} ({bytes} bytes)",
            model.steps,
            step_started.elapsed().as_secs_f64(),
            lowest_level(&model.weights),
            params.max_level(),
            checkpoint.display()
        ));
        bar.set_position(model.steps as u64);
    }
    bar.finish_and_clear();
    println!(
        "trained to step {} in {:.1} s; encrypted model in {}",
        args.steps,
        started.elapsed().as_secs_f64(),
        checkpoint.display()
    );
    Ok(())
}
