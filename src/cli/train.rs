//! `fhe-nit train-plain`: SGD on plaintext MNIST, float or fixed point, writing
//! `metrics.csv`, `accuracy.svg` and `model.json` to the output directory after every epoch.
//!
//! Everything that can be refused is refused before the data is loaded: the learning rate
//! (finite, within what the chosen arithmetic supports), the output directory (created and
//! probed with a file), a run to resume. Outputs are written atomically after each epoch, and
//! a failed write or a diverged network (non-finite weights) stops the run at the next batch.

use super::plot::{run_label, svg, Curve, MAX_METRICS_BYTES};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use nit_nn::bitsliced::{AdderKind, TotalSumMethod};
use nit_nn::data::{default_data_dir, prepare, Dataset, Mnist, PreparedMnist};
use nit_nn::files::{ensure_writable_dir, read_text_limited, write_atomic};
use nit_nn::model::float::check_learning_rate;
use nit_nn::model::{
    train, Arithmetic, EpochMetrics, FixedCircuit, FixedTrainer, FloatNetwork, FloatTrainer,
    Learner, ModelError, ModelFile, ModelKind, Progress, TrainConfig,
};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Default learning rate on the batch-sum gradient, float and fixed: 2^-4 (= 3.75 / 60 per
/// mean sample at batch 60).
pub const FLOAT_LR: f64 = 0.0625;

#[derive(Args)]
pub struct TrainPlainArgs {
    /// Network: nn2 (64-32-16-10 on 8x8 inputs) or nn1 (784-128-32-10).
    #[arg(long, default_value = "nn2")]
    pub model: ModelKind,
    /// Arithmetic: float (f64 reference) or fixed (bit-sliced plaintext backend).
    #[arg(long, default_value = "float")]
    pub arith: Arithmetic,
    #[arg(long, default_value_t = 50)]
    pub epochs: usize,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Directory with the MNIST IDX files (default: the repository's data/mnist).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Seed of the initial weights and of the batch shuffles.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Mini-batch size (60 for m = 1023, 1800 for m = 32767).
    #[arg(long, default_value_t = 60)]
    pub batch: usize,
    /// Learning rate on the batch-sum gradient (default 2^-4; a power 2^-t for fixed point;
    /// about 2^-7 suits batch 1800).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Train on the first N training images only.
    #[arg(long)]
    pub train_samples: Option<usize>,
    /// Continue the run saved in --out (its model.json and metrics.csv) after its last
    /// epoch, with the same options: the result equals an uninterrupted run bit for bit.
    #[arg(long)]
    pub resume: bool,
}

/// The epochs already done in `out` and the network saved after the last of them.
struct Saved {
    history: Vec<EpochMetrics>,
    network: FloatNetwork,
}

/// Reads a run to resume, checking that it is the run these options describe.
fn read_saved(args: &TrainPlainArgs) -> Result<Saved, String> {
    let model = ModelFile::read(&args.out.join("model.json")).map_err(|e| e.to_string())?;
    if model.model != args.model || model.arith != args.arith {
        return Err(format!(
            "{} holds a {} {} run, not {} {}",
            args.out.display(),
            model.model,
            model.arith,
            args.model,
            args.arith
        ));
    }
    let history = read_history(&args.out.join("metrics.csv"))?;
    Ok(Saved {
        history,
        network: model.network().map_err(|e| e.to_string())?,
    })
}

/// metrics.csv as written by [`write_outputs`]; epochs must run 1, 2, .. without gaps.
fn read_history(path: &Path) -> Result<Vec<EpochMetrics>, String> {
    let text = read_text_limited(path, MAX_METRICS_BYTES).map_err(|e| e.to_string())?;
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').collect();
            match fields.as_slice() {
                [epoch, loss, accuracy] => match (epoch.parse(), loss.parse(), accuracy.parse()) {
                    (Ok(epoch), Ok(train_loss), Ok(test_accuracy)) if epoch == i + 1 => {
                        Ok(EpochMetrics {
                            epoch,
                            train_loss,
                            test_accuracy,
                        })
                    }
                    _ => Err(format!("{}: bad line {line:?}", path.display())),
                },
                _ => Err(format!("{}: bad line {line:?}", path.display())),
            }
        })
        .collect()
}

/// The fixed-point trainer's adders: ripple everywhere (fewest ANDs on the plaintext backend).
const FIXED_ADDER: AdderKind = AdderKind::Ripple;
const FIXED_SUM: TotalSumMethod = TotalSumMethod::Adder(AdderKind::Ripple);

pub fn run(args: &TrainPlainArgs) -> Result<(), String> {
    let lr = args.lr.unwrap_or(FLOAT_LR);
    let lr_shift = match args.arith {
        Arithmetic::Float => {
            check_learning_rate(lr).map_err(|e| e.to_string())?;
            0
        }
        Arithmetic::Fixed => {
            let t = lr_shift(lr)?;
            FixedCircuit::new(args.model.layer_sizes(), t, FIXED_ADDER, FIXED_SUM)
                .map_err(|e| e.to_string())?;
            t
        }
    };
    if args.batch == 0 {
        return Err("the batch size must be at least 1".into());
    }
    ensure_writable_dir(&args.out).map_err(|e| e.to_string())?;
    let saved = if args.resume {
        Some(read_saved(args)?)
    } else {
        None
    };
    let history = saved.as_ref().map_or_else(Vec::new, |s| s.history.clone());
    if history.len() >= args.epochs {
        return Err(format!(
            "{} already holds {} epochs",
            args.out.display(),
            history.len()
        ));
    }
    let dir = args.data.clone().unwrap_or_else(default_data_dir);
    let mut mnist = Mnist::load(&dir).map_err(|e| e.to_string())?;
    if let Some(n) = args.train_samples {
        mnist.train = mnist.train.truncated(n);
    }
    let data = prepare(&mnist, args.model.geometry()).map_err(|e| e.to_string())?;
    let config = TrainConfig {
        epochs: args.epochs,
        batch: args.batch,
        seed: args.seed,
        first_epoch: history.len() + 1,
    };
    let describe = |arith, network: &FloatNetwork| {
        ModelFile::new(
            args.model,
            arith,
            data.geometry,
            data.normalization,
            network,
        )
    };
    match args.arith {
        Arithmetic::Float => {
            let mut trainer = match saved {
                Some(saved) => FloatTrainer::from_network(saved.network, lr),
                None => FloatTrainer::new(args.model.layer_sizes(), args.seed, lr),
            }
            .map_err(|e| e.to_string())?;
            run_loop(args, &data, config, history, &mut trainer, |t| {
                describe(Arithmetic::Float, &t.network)
            })
        }
        Arithmetic::Fixed => {
            let mut trainer = match saved {
                Some(saved) => {
                    FixedTrainer::from_network(&saved.network, lr_shift, FIXED_ADDER, FIXED_SUM)
                }
                None => FixedTrainer::new(
                    args.model.layer_sizes(),
                    args.seed,
                    lr_shift,
                    FIXED_ADDER,
                    FIXED_SUM,
                ),
            }
            .map_err(|e| e.to_string())?;
            run_loop(args, &data, config, history, &mut trainer, |t| {
                describe(Arithmetic::Fixed, &t.dequantized())
            })
        }
    }
}

/// t with lr = 2^-t: the fixed-point learning rate is a right shift (its range is checked by
/// [`FixedCircuit::new`]).
fn lr_shift(lr: f64) -> Result<usize, String> {
    let t = -lr.log2();
    if lr > 0.0 && t.is_finite() && t >= 0.0 && t.fract() == 0.0 {
        // t is a whole number in [0, 1075) here, so the conversion is exact.
        Ok(t as usize)
    } else {
        Err(format!("fixed point needs a learning rate 2^-t, got {lr}"))
    }
}

/// A learner that refuses its next step once saving the outputs has failed, so that the loop
/// stops at the failure instead of training on to the end.
struct StopOnSaveError<'a, L> {
    learner: &'a mut L,
    failure: &'a RefCell<Option<ModelError>>,
}

impl<L: Learner> Learner for StopOnSaveError<'_, L> {
    fn step(&mut self, data: &Dataset, batch: &[usize]) -> Result<f64, ModelError> {
        match self.failure.borrow_mut().take() {
            Some(error) => Err(error),
            None => self.learner.step(data, batch),
        }
    }

    fn accuracy(&self, data: &Dataset) -> Result<f64, ModelError> {
        self.learner.accuracy(data)
    }
}

/// Drives `train` with a progress bar and rewrites the outputs after each epoch.
fn run_loop<L: Learner>(
    args: &TrainPlainArgs,
    data: &PreparedMnist,
    config: TrainConfig,
    mut history: Vec<EpochMetrics>,
    learner: &mut L,
    snapshot: impl Fn(&L) -> ModelFile,
) -> Result<(), String> {
    let batches = data.train.len() / config.batch.max(1);
    let remaining = config.epochs + 1 - config.first_epoch;
    let bar = ProgressBar::new((batches * remaining) as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {msg} ETA {eta}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let failure = RefCell::new(None);
    let mut guarded = StopOnSaveError {
        learner,
        failure: &failure,
    };
    let result = train(
        &mut guarded,
        &data.train,
        &data.test,
        config,
        |progress, learner| match progress {
            Progress::Batch {
                epoch,
                batch,
                batches,
                loss,
            } => {
                bar.inc(1);
                bar.set_message(format!(
                    "epoch {epoch}/{} batch {}/{batches} loss {loss:.4}",
                    config.epochs,
                    batch + 1
                ));
            }
            Progress::Epoch(metrics) => {
                let line = format!(
                    "epoch {:>3}: train loss {:.5}, test accuracy {:.2}% ({:.0} s)",
                    metrics.epoch,
                    metrics.train_loss,
                    metrics.test_accuracy * 100.0,
                    started.elapsed().as_secs_f64()
                );
                if bar.is_hidden() {
                    eprintln!("{line}");
                } else {
                    bar.println(line);
                }
                history.push(metrics);
                if let Err(e) = write_outputs(&args.out, &history, &snapshot(learner.learner)) {
                    failure.borrow_mut().get_or_insert(e);
                }
            }
        },
    );
    bar.finish_and_clear();
    result.map_err(|e| e.to_string())?;
    if let Some(e) = failure.into_inner() {
        return Err(e.to_string());
    }
    eprintln!(
        "wrote {} after {} epochs ({} in this run) in {:.0} s",
        args.out.display(),
        history.len(),
        remaining,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes model.json (refused if the network diverged), metrics.csv and accuracy.svg, each
/// atomically.
fn write_outputs(
    out: &Path,
    history: &[EpochMetrics],
    model: &ModelFile,
) -> Result<(), ModelError> {
    model.validate()?;
    let mut csv = String::from("epoch,train_loss,test_accuracy\n");
    for m in history {
        let _ = writeln!(
            csv,
            "{},{:.6},{:.4}",
            m.epoch, m.train_loss, m.test_accuracy
        );
    }
    write_atomic(&out.join("metrics.csv"), csv.as_bytes())?;
    model.write(&out.join("model.json"))?;
    let curve = Curve {
        label: run_label(model),
        points: history
            .iter()
            .map(|m| (m.epoch as f64, m.test_accuracy))
            .collect(),
    };
    Ok(write_atomic(
        &out.join("accuracy.svg"),
        svg(&[curve]).as_bytes(),
    )?)
}
