//! `fhe-nit train`: the service provider's side. It holds only KEYS/public, the encrypted
//! batches and (fine-tuning) its own start model, and runs the fixed-point SGD step of
//! `train-plain --arith fixed` on ciphertexts, writing the encrypted model after every step.
//!
//! Default: encrypted fine-tuning ([`super::start`]): `--start` names the pretrained model
//! whose frozen layers made the owner's encrypted features; its last layer is encrypted under
//! the owner's public key and trained. `--full` trains every layer of NN2 from the seed's
//! N(0, 0.1^2) weights on encrypted images, as `train-plain --arith fixed --seed S` starts;
//! its AND-depth 198 exceeds every leveled chain here, so the run stops before any work with
//! the noise-budget estimate until recryption lands.

use super::artifacts::{
    batch_file, ArtifactError, EncryptedBatch, EncryptedModel, ModelShape, PublicMaterial, Stamp,
    MODEL,
};
use super::progress::TrainProgress;
use super::start::{circuit, StartModel, ADDER, FROZEN_LAYERS, LR_SHIFT, SUM};
use clap::Args;
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::KeyId;
use nit_bgv::Params;
use nit_nn::bitsliced::Bit;
use nit_nn::data::Normalization;
use nit_nn::encrypted::EncryptedBackend;
use nit_nn::model::encrypted_trainer::EncryptedWeights;
use nit_nn::model::{step_cost, EncryptedTrainer, FixedTrainer, ModelKind};
use nit_ring::sample::secure_rng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Modulus one AND level costs on the toy chain: a depth-70 step exhausted 2200 bits
/// (docs/BENCHMARKS.md), so at least 31; what the depth check of `--full` assumes.
pub const BITS_PER_AND_LEVEL: f64 = 32.0;

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
    /// Seed of the initial weights (--full).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The pretrained start model (from `pretrain`) whose last layer is fine-tuned.
    #[arg(long)]
    pub start: Option<PathBuf>,
    /// Output directory: model.enc, rewritten after every step.
    #[arg(long)]
    pub out: PathBuf,
    /// Continue from the checkpoint in --out (same keys, data and options).
    #[arg(long)]
    pub resume: bool,
    /// Train every layer from the seed's initial weights (needs recryption on toy).
    #[arg(long)]
    pub full: bool,
    /// Worker threads of the step. Rayon's work stealing nests the per-weight updates, so
    /// each extra thread keeps more of them in flight: one toy fine-tuning step peaked at
    /// about 6 GB on 1 thread and passed 18 GB on 2.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

/// Refuses a circuit the chain cannot carry, before any work: its AND-depth times the
/// measured cost of one level against the chain's modulus.
fn check_depth(trainer: &EncryptedTrainer, keys: &Path) -> Result<(), String> {
    let params = trainer.backend().evaluator().params();
    let cost = step_cost(trainer.circuit(), trainer.batch_size()).map_err(|e| e.to_string())?;
    let needed = cost.step_depth as f64 * BITS_PER_AND_LEVEL;
    let held = params.log2_q(params.max_level());
    if needed > held {
        return Err(format!(
            "{}: noise budget: one step has AND-depth {} ({} ANDs), about {needed:.0} bits of modulus at {BITS_PER_AND_LEVEL} bits per level; this chain holds {held:.0} bits. It cannot run without recryption (not implemented yet); encrypted fine-tuning (--start, without --full) fits the toy chain",
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
    dim: usize,
    expected: Option<(usize, Normalization)>,
) -> Result<EncryptedBatch, String> {
    let path = dir.join(batch_file(index));
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

/// The start weights, the shape of the run and the width of an encrypted sample.
fn start(args: &TrainArgs) -> Result<(Vec<Vec<i64>>, ModelShape, usize), String> {
    let sizes = ModelKind::Nn2.layer_sizes();
    let (weights, frozen_layers, identity) = if args.full {
        let trainer =
            FixedTrainer::new(sizes, args.seed, LR_SHIFT, ADDER, SUM).map_err(|e| e.to_string())?;
        let identity = nit_ring::serial::fingerprint(&args.seed.to_le_bytes());
        (trainer.weights, 0, identity)
    } else {
        let path = args.start.as_deref().ok_or(
            "fine-tuning needs --start (the model `fhe-nit pretrain` writes); --full trains every layer",
        )?;
        let model = StartModel::read(path)?;
        let identity = model.fingerprint();
        (model.weights, FROZEN_LAYERS, identity)
    };
    let shape = ModelShape {
        sizes: sizes.to_vec(),
        frozen_layers,
        lr_shift: LR_SHIFT,
        start: identity,
    };
    Ok((weights, shape, sizes[frozen_layers]))
}

pub fn run(args: &TrainArgs) -> Result<(), String> {
    let material = PublicMaterial::load(&args.keys).map_err(|e| e.to_string())?;
    let (start_weights, shape, dim) = start(args)?;
    let key_id = material.key_id();
    let evaluator = Evaluator::new(&material.params, key_id, material.evaluation_keys.clone())
        .map_err(|e| format!("{}: {e}", args.keys.display()))?;
    let backend = EncryptedBackend::new(evaluator).map_err(|e| e.to_string())?;
    let trainer = EncryptedTrainer::new(circuit(shape.frozen_layers)?, backend);
    if args.full {
        check_depth(&trainer, &args.keys)?;
    }
    let first = read_batch(&args.data, 0, &material, dim, None)?;
    let expected_start = (shape.frozen_layers > 0).then_some(shape.start);
    if first.start != expected_start {
        return Err(format!(
            "{}: {}, this run needs {}",
            args.data.join(batch_file(0)).display(),
            if first.start.is_some() {
                "features of another start model's frozen layers"
            } else {
                "encrypted images"
            },
            if args.full {
                "encrypted images (encrypt without --start)".to_string()
            } else {
                format!(
                    "the outputs of the frozen layers of {} (encrypt --start)",
                    args.start.as_deref().unwrap_or(Path::new("")).display()
                )
            }
        ));
    }
    let set = (first.batches, first.normalization);
    let batches = first.batches;
    let params = material.params.clone();
    let stamp = Stamp {
        params_id: params.fingerprint(),
        key_id,
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let checkpoint = args.out.join(MODEL);
    let started = Instant::now();
    let previous = previous_checkpoint(&checkpoint, args.resume, &params, key_id, &shape)
        .map_err(|e| e.to_string())?;
    let mut model = match previous {
        Some(model) if model.normalization != first.normalization => {
            return Err(format!(
                "{}: trained on another data set than {}",
                checkpoint.display(),
                args.data.display()
            ));
        }
        Some(model) => model,
        None => {
            let weights = trainer
                .encrypt_weights(&material.public_key, &start_weights, &mut secure_rng())
                .map_err(|e| e.to_string())?;
            println!(
                "{} trainable weights encrypted in {:.1} s",
                start_weights[shape.frozen_layers..]
                    .iter()
                    .map(Vec::len)
                    .sum::<usize>(),
                started.elapsed().as_secs_f64()
            );
            EncryptedModel {
                shape: shape.clone(),
                normalization: first.normalization,
                steps: 0,
                weights,
            }
        }
    };
    if model.steps >= args.steps {
        return Err(format!(
            "{} already holds {} steps",
            checkpoint.display(),
            model.steps
        ));
    }
    let progress = TrainProgress::new(args.steps, model.steps);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build()
        .map_err(|e| e.to_string())?;
    let mut loaded = Some(first);
    let next_batch = |index: usize| match loaded.take() {
        Some(b) if b.index == index => Ok(b),
        _ => read_batch(&args.data, index, &material, dim, Some(set)),
    };
    let mut step_number = model.steps;
    let step = |weights: &mut EncryptedWeights, batch: &EncryptedBatch| {
        step_number += 1;
        progress.begin_step(step_number, batch.index);
        let (inputs, labels) = (&batch.batch.inputs, &batch.batch.labels);
        let circuit = trainer.circuit();
        let backend = trainer.backend();
        pool.install(|| {
            if shape.frozen_layers > 0 {
                circuit.step_from_features_observed(backend, weights, inputs, labels, &progress)
            } else {
                circuit.step_observed(backend, weights, inputs, labels, &progress)
            }
        })
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    let report = |model: &EncryptedModel, took: Duration, bytes: u64| {
        progress.end_step(format!(
            "step {}: {:.1} s, weights at level {} of {}, checkpoint {} ({bytes} bytes)",
            model.steps,
            took.as_secs_f64(),
            lowest_level(&model.weights),
            params.max_level(),
            checkpoint.display()
        ));
    };
    let trained = run_steps(
        &mut model,
        args.steps,
        batches,
        next_batch,
        step,
        (&checkpoint, stamp),
        report,
    );
    progress.finish();
    trained?;
    println!(
        "trained to step {} in {:.1} s; encrypted model in {}",
        args.steps,
        started.elapsed().as_secs_f64(),
        checkpoint.display()
    );
    Ok(())
}

/// The checkpoint a run continues. With `resume`: the one at `checkpoint`, which must exist
/// and be a model of `params`, `key_id` and `shape` (a missing, truncated or altered file is
/// a typed error naming it). Without: None, and a checkpoint already there is refused
/// rather than overwritten. Only the renamed file is a checkpoint: the temporary file a
/// write killed midway leaves beside it is never read.
pub(super) fn previous_checkpoint(
    checkpoint: &Path,
    resume: bool,
    params: &Params,
    key_id: KeyId,
    shape: &ModelShape,
) -> Result<Option<EncryptedModel>, ArtifactError> {
    if resume {
        EncryptedModel::read(checkpoint, params, key_id, Some(shape)).map(Some)
    } else if checkpoint.exists() {
        Err(ArtifactError::CheckpointExists {
            path: checkpoint.to_path_buf(),
        })
    } else {
        Ok(None)
    }
}

/// Trains `model` from its step count to `steps`: step k + 1 takes batch k mod `batches`
/// (from `next_batch`), runs `step` on the weights, then writes the checkpoint (atomically,
/// at `checkpoint.0`, stamped `checkpoint.1`) and calls `report` with the step's time and
/// the checkpoint's size. A run killed at any point leaves the checkpoint of its last
/// finished step; since a step is deterministic and the checkpoint holds its ciphertexts
/// exactly, resuming from it gives the uninterrupted run's weights bit for bit.
pub(super) fn run_steps(
    model: &mut EncryptedModel,
    steps: usize,
    batches: usize,
    mut next_batch: impl FnMut(usize) -> Result<EncryptedBatch, String>,
    mut step: impl FnMut(&mut EncryptedWeights, &EncryptedBatch) -> Result<(), String>,
    checkpoint: (&Path, Stamp),
    mut report: impl FnMut(&EncryptedModel, Duration, u64),
) -> Result<(), String> {
    if batches == 0 {
        return Err("the data set holds no batch".into());
    }
    while model.steps < steps {
        let batch = next_batch(model.steps % batches)?;
        let started = Instant::now();
        step(&mut model.weights, &batch).map_err(|e| format!("step {}: {e}", model.steps + 1))?;
        model.steps += 1;
        let bytes = model
            .write(checkpoint.0, checkpoint.1)
            .map_err(|e| e.to_string())?;
        report(model, started.elapsed(), bytes);
    }
    Ok(())
}
