//! `fhe-nit train`: the service provider's side. It holds only KEYS/public, the encrypted
//! batches and (fine-tuning) its own start model, and runs the fixed-point SGD step of
//! `train-plain --arith fixed` on ciphertexts, writing the encrypted model after every step.
//!
//! The step runs on the recrypting backend (`nit_nn::recrypting::RecryptingBackend`) with the
//! owner's bootstrapping key: values are recrypted where the trainer starts a new segment
//! (activations, slopes, deltas) and wherever an AND result reaches the L levels a refreshed
//! value carries (measured on a probe at start), so steps of any depth run on one chain. The
//! packed trainable weights are refreshed before every step that follows another, so any
//! number of steps run; the last step's weights are written as they come out of it.
//!
//! Default: encrypted fine-tuning ([`super::start`]): `--start` names the pretrained model
//! whose frozen layers made the owner's encrypted features; its last layer is encrypted under
//! the owner's public key and trained. `--full` trains every layer of NN2 from the seed's
//! N(0, 0.1^2) weights on encrypted images, as `train-plain --arith fixed --seed S` starts
//! (AND-depth 198: 58 min on 2 threads at toy, peak 1.6 GB).

use super::artifacts::{
    batch_file, ArtifactError, EncryptedBatch, EncryptedModel, ModelShape, PublicMaterial, Stamp,
    BOOTSTRAPPING_KEY, MODEL,
};
use super::progress::TrainProgress;
use super::start::{circuit, StartModel, ADDER, FROZEN_LAYERS, LR_SHIFT, SUM};
use clap::Args;
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::KeyId;
use nit_bgv::Params;
use nit_bootstrap::Bootstrapper;
use nit_nn::bitsliced::{GateCounts, ResidentBackend, SlotCycles};
use nit_nn::data::Normalization;
use nit_nn::encrypted::EncryptedBackend;
use nit_nn::model::encrypted_trainer::{rebind_batch, rebind_weights, EncryptedWeights};
use nit_nn::model::{
    resident_step, EncryptedTrainer, FixedCircuit, FixedTrainer, FixedWeights, ModelKind,
};
use nit_nn::recrypting::RecryptingBackend;
use nit_ring::sample::secure_rng;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Train every layer from the seed's initial weights (AND-depth 198: CPU hours on toy).
    #[arg(long)]
    pub full: bool,
    /// Worker threads of the step (default: the machine's cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Neurons of a layer run at once, each with its replicated weights alive (default: as
    /// many as the threads take); 1 bounds a step's memory at m = 32767.
    #[arg(long)]
    pub neurons_in_flight: Option<usize>,
}

/// The worker threads of a run: `threads`, or the cores the OS reports (1 if it cannot).
pub fn worker_threads(threads: Option<usize>) -> usize {
    threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1)
}

/// The chain a step runs on, as the recrypting backend found it.
#[derive(Clone)]
pub struct StepChain {
    /// The slot cycles of the batch sums.
    pub cycles: SlotCycles,
    /// L: AND levels a refreshed value carries.
    pub levels: usize,
    /// Primes a refreshed value keeps (and the owner's samples rest on).
    pub refreshed_primes: usize,
    /// phi(m): the residues per prime.
    pub phi: usize,
}

/// What one step predicts before it runs.
#[derive(Clone, Debug)]
pub struct PredictedStep {
    /// Gates and refreshes of the step.
    pub counts: GateCounts,
    /// Refreshes of the packed weight refresh before a following step.
    pub weight_refreshes: u64,
    /// The most bytes the step's ciphertexts and masks hold at once beyond its operands
    /// (samples, labels and packed weights), from `nit_nn::model`'s ledger.
    pub growth_bytes: u64,
}

/// One step under the recrypting backend's policy on `chain`, run on the resident backend
/// (the counting backend with a ledger of bytes alive) as `EncryptedTrainer::step_observed`
/// runs it (`nit_nn::model::resident_step`): its gates and refreshes, those of the packed
/// weight refresh before a following step, and its memory beyond the operands. `weights` are
/// the start weights (frozen layers public, as the provider holds them).
pub fn predicted_step(
    circuit: &FixedCircuit,
    weights: &[Vec<i64>],
    chain: StepChain,
) -> Result<PredictedStep, String> {
    let backend = ResidentBackend::for_chain(
        chain.cycles,
        chain.refreshed_primes,
        chain.levels,
        chain.phi,
    );
    let step = resident_step(circuit, &backend, weights, backend.bytes_at(0))
        .map_err(|e| e.to_string())?;
    Ok(PredictedStep {
        counts: step.step,
        weight_refreshes: backend.counting().counts().refresh - step.step.refresh,
        growth_bytes: backend.peak() - step.operands,
    })
}

/// The lowest level of an encrypted weight bit (what the chain has left).
fn lowest_level(weights: &EncryptedWeights) -> usize {
    weights
        .vector_bits(0)
        .map(|v| v.ct.level())
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

/// The recrypting backend of the provider's keys: the evaluator of the public evaluation keys,
/// the bootstrapper of the bootstrapping key, L measured on a probe encrypted under the
/// public key. A chain too short to carry two AND levels after a refresh is refused.
pub(super) fn recrypting_backend(
    material: &PublicMaterial,
    keys: &Path,
) -> Result<RecryptingBackend, String> {
    let evaluator = Evaluator::new(
        &material.params,
        material.key_id(),
        material.evaluation_keys.clone(),
    )
    .map_err(|e| format!("{}: {e}", keys.display()))?;
    let backend = EncryptedBackend::new(evaluator).map_err(|e| e.to_string())?;
    let bootstrapper = Bootstrapper::new(&material.params, material.bootstrapping_key.clone())
        .map_err(|e| format!("{}: {e}", keys.join(BOOTSTRAPPING_KEY).display()))?;
    RecryptingBackend::new(
        backend,
        Arc::new(bootstrapper),
        &material.public_key,
        &mut secure_rng(),
    )
    .map_err(|e| {
        format!(
            "{}: the chain of {} primes cannot recrypt and then multiply: {e}; make keys with more primes (keygen --primes)",
            keys.display(),
            material.params.max_level()
        )
    })
}

/// Whether any trainable weight bit has AND-depth above 0 (a step made it; a fresh
/// encryption or a refresh has depth 0).
fn needs_refresh(weights: &EncryptedWeights, frozen: usize) -> bool {
    weights.vector_bits(frozen).any(|v| v.depth > 0)
}

/// The neurons a step runs at once and its prediction: `requested` if given; otherwise as many
/// as the threads take, or one at a time when that step's ciphertexts would not fit in the
/// `available` bytes (None: unknown, taken as enough). `predict(n)` predicts the step with
/// `n` in flight. Refuses a step that does not fit even so, naming the remedy.
fn neurons_in_flight(
    requested: Option<usize>,
    available: Option<u64>,
    mut predict: impl FnMut(Option<usize>) -> Result<PredictedStep, String>,
) -> Result<(Option<usize>, PredictedStep), String> {
    let mb = |b: u64| b / 1_000_000;
    let fits = |p: &PredictedStep| available.is_none_or(|a| p.growth_bytes <= a);
    let mut chosen = requested;
    let mut predicted = predict(chosen)?;
    if requested.is_none() && !fits(&predicted) {
        println!(
            "memory: a neuron per thread needs about {} MB more than the {} MB available; one neuron at a time",
            mb(predicted.growth_bytes),
            available.map_or(0, mb)
        );
        chosen = Some(1);
        predicted = predict(chosen)?;
    }
    if fits(&predicted) {
        return Ok((chosen, predicted));
    }
    Err(format!(
        "the step needs about {} MB more than the {} MB available{}",
        mb(predicted.growth_bytes),
        available.map_or(0, mb),
        if chosen == Some(1) {
            ": this machine cannot hold one step of this set".to_string()
        } else {
            "; run with --neurons-in-flight 1".to_string()
        }
    ))
}

pub fn run(args: &TrainArgs) -> Result<(), String> {
    let material = PublicMaterial::load(&args.keys).map_err(|e| e.to_string())?;
    let (start_weights, shape, dim) = start(args)?;
    let key_id = material.key_id();
    let threads = worker_threads(args.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let backend = pool.install(|| recrypting_backend(&material, &args.keys))?;
    let levels = backend.levels_after_refresh();
    let chain = StepChain {
        cycles: SlotCycles::of(&backend),
        levels,
        refreshed_primes: backend.refreshed_level(),
        phi: material.params.phi(),
    };
    let step_circuit = |neurons: Option<usize>| -> Result<FixedCircuit, String> {
        let c = circuit(shape.frozen_layers)?;
        Ok(match neurons {
            Some(n) => c.with_neurons_in_flight(n),
            None => c,
        })
    };
    let (neurons, predicted) = neurons_in_flight(
        args.neurons_in_flight,
        fhe_nit::peak_memory::available_bytes(),
        |n| predicted_step(&step_circuit(n)?, &start_weights, chain.clone()),
    )?;
    let cost = predicted.counts;
    println!(
        "{} primes, {} AND levels after a refresh ({:.1} s to set up recryption); one step: {} ANDs, {} rotations, {} refreshes, and {} to refresh the weights before a following step; {threads} threads",
        material.params.max_level(),
        levels,
        started.elapsed().as_secs_f64(),
        cost.and,
        cost.rotate,
        cost.refresh,
        predicted.weight_refreshes,
    );
    println!(
        "memory: the step's ciphertexts peak {} MB above its operands (neurons {}; predicted, without allocator slack); {} MB resident now",
        predicted.growth_bytes / 1_000_000,
        neurons.map_or("as many as the threads take".to_string(), |n| format!("{n} at a time")),
        fhe_nit::peak_memory::resident_bytes() / 1_000_000
    );
    let trainer = EncryptedTrainer::new(step_circuit(neurons)?, backend);
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
            let encrypting = Instant::now();
            let weights = trainer
                .encrypt_weights(&material.public_key, &start_weights, &mut secure_rng())
                .and_then(rebind_weights)
                .map_err(|e| e.to_string())?;
            println!(
                "{} trainable weights encrypted in {:.1} s",
                start_weights[shape.frozen_layers..]
                    .iter()
                    .map(Vec::len)
                    .sum::<usize>(),
                encrypting.elapsed().as_secs_f64()
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
    let mut loaded = Some(first);
    let next_batch = |index: usize| match loaded.take() {
        Some(b) if b.index == index => Ok(b),
        _ => read_batch(&args.data, index, &material, dim, Some(set)),
    };
    let mut step_number = model.steps;
    let backend = trainer.backend();
    let step = |weights: &mut EncryptedWeights, batch: EncryptedBatch| {
        step_number += 1;
        progress.begin_step(step_number, batch.index);
        let refresh = needs_refresh(weights, shape.frozen_layers);
        let taken = std::mem::replace(weights, FixedWeights { layers: Vec::new() });
        let (before, guard_before) = (backend.refreshes(), backend.guard_refreshes());
        let trained = pool.install(|| {
            let mut current = rebind_weights(taken)?;
            if refresh {
                trainer.refresh_weights(&mut current)?;
            }
            trainer.step_observed(&mut current, &rebind_batch(batch.batch)?, &progress)?;
            rebind_weights(current)
        });
        *weights = trained.map_err(|e| e.to_string())?;
        Ok(format!(
            "{} refreshes ({} by the capacity guard){}",
            backend.refreshes() - before,
            backend.guard_refreshes() - guard_before,
            if refresh {
                ", weights refreshed first"
            } else {
                ""
            }
        ))
    };
    let report = |model: &EncryptedModel, took: Duration, bytes: u64, note: String| {
        progress.end_step(format!(
            "step {}: {:.1} s, {note}, weights at level {} of {}, checkpoint {} ({bytes} bytes)",
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
    mut step: impl FnMut(&mut EncryptedWeights, EncryptedBatch) -> Result<String, String>,
    checkpoint: (&Path, Stamp),
    mut report: impl FnMut(&EncryptedModel, Duration, u64, String),
) -> Result<(), String> {
    if batches == 0 {
        return Err("the data set holds no batch".into());
    }
    while model.steps < steps {
        let batch = next_batch(model.steps % batches)?;
        let started = Instant::now();
        let note = step(&mut model.weights, batch)
            .map_err(|e| format!("step {}: {e}", model.steps + 1))?;
        model.steps += 1;
        let bytes = model
            .write(checkpoint.0, checkpoint.1)
            .map_err(|e| e.to_string())?;
        report(model, started.elapsed(), bytes, note);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prediction of `mb` megabytes for the step.
    fn growth(mb: u64) -> Result<PredictedStep, String> {
        Ok(PredictedStep {
            counts: GateCounts::default(),
            weight_refreshes: 0,
            growth_bytes: mb * 1_000_000,
        })
    }

    #[test]
    fn a_step_too_large_for_a_neuron_per_thread_runs_one_neuron_at_a_time() {
        let by_neurons = |n: Option<usize>| growth(if n == Some(1) { 8_000 } else { 15_000 });
        let (neurons, predicted) =
            neurons_in_flight(None, Some(10_000_000_000), by_neurons).unwrap();
        assert_eq!(neurons, Some(1));
        assert_eq!(predicted.growth_bytes, 8_000_000_000);
        let (neurons, _) = neurons_in_flight(None, Some(20_000_000_000), by_neurons).unwrap();
        assert_eq!(neurons, None, "a step that fits keeps a neuron per thread");
        let (neurons, _) = neurons_in_flight(None, None, by_neurons).unwrap();
        assert_eq!(neurons, None, "unknown memory is taken as enough");
    }

    #[test]
    fn a_step_that_cannot_fit_is_refused_with_its_remedy() {
        let by_neurons = |n: Option<usize>| growth(if n == Some(1) { 8_000 } else { 15_000 });
        let asked = neurons_in_flight(Some(2), Some(10_000_000_000), by_neurons).unwrap_err();
        assert!(asked.contains("--neurons-in-flight 1"), "{asked}");
        let one = neurons_in_flight(None, Some(5_000_000_000), by_neurons).unwrap_err();
        assert!(one.contains("cannot hold one step"), "{one}");
    }
}
