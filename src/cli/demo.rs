//! `fhe-nit demo` (and `fhe-nit` with no arguments): the paper's Figure 1 on `toy` in one
//! run, as encrypted fine-tuning ([`super::start`]). The owner makes keys; the provider
//! pretrains NN2 in plaintext on its own images and publishes it; the owner encrypts one
//! batch of samples (the outputs of the public frozen layers); the provider, with the public
//! keys only, trains the last layer on them encrypted, with recryption, on all cores; the
//! owner decrypts the model. Prints the time of each phase and the test accuracy before and
//! after.

use super::decrypt::DecryptArgs;
use super::encrypt::{encrypt, input_level, owner_data};
use super::keygen::{generate, literal};
use super::provider::TrainArgs;
use super::start::{pretrain, StartModel};
use super::{artifacts, provider};
use clap::Args;
use nit_nn::data::{default_data_dir, Mnist};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct DemoArgs {
    /// Parameter set.
    #[arg(long, default_value = "toy")]
    pub set: String,
    /// Encrypted samples (whole batches of `slots`).
    #[arg(long, default_value_t = 60)]
    pub samples: usize,
    /// Encrypted SGD steps.
    #[arg(long, default_value_t = 1)]
    pub steps: usize,
    /// Seed of the provider's pretraining.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Working directory (default: a fresh one under the system's temporary directory,
    /// removed at the end).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Directory with the MNIST IDX files (default: the repository's data/mnist).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

impl Default for DemoArgs {
    fn default() -> Self {
        Self {
            set: "toy".into(),
            samples: 60,
            steps: 1,
            seed: 1,
            dir: None,
            data: None,
        }
    }
}

/// Runs `f`, printing its phase name and time.
fn phase<T>(name: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    println!("== {name}");
    let started = Instant::now();
    let out = f()?;
    println!("== {name}: {:.1} s\n", started.elapsed().as_secs_f64());
    Ok(out)
}

fn accuracy(model: &Path, mnist: &Mnist) -> Result<f64, String> {
    artifacts::read_model_json(model)
        .map_err(|e| e.to_string())?
        .evaluate(mnist)
        .map_err(|e| e.to_string())
}

pub fn run(args: &DemoArgs) -> Result<(), String> {
    let started = Instant::now();
    let temporary = args.dir.is_none();
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("fhe-nit-demo-{}", std::process::id()))
    });
    let result = play(args, &dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result?;
    println!("demo done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn play(args: &DemoArgs, dir: &Path) -> Result<(), String> {
    let keys = dir.join("keys");
    let data = dir.join("data");
    let model = dir.join("model");
    let model_json = dir.join("model.json");
    let start = dir.join("start.json");
    let params = literal(&args.set, None)?
        .build()
        .map_err(|e| e.to_string())?;
    phase("owner: keygen", || {
        generate(&params, &keys).map_err(|e| e.to_string())
    })?;
    phase(
        "provider: pretrain NN2 in plaintext on its own images",
        || {
            let file = pretrain(args.data.as_deref(), args.samples, 3, args.seed)?;
            artifacts::write_model_json(&start, &file).map_err(|e| e.to_string())
        },
    )?;
    phase(
        &format!(
            "owner: encrypt {} samples (outputs of the public frozen layers)",
            args.samples
        ),
        || {
            let model = StartModel::read(&start)?;
            let prepared = owner_data(args.data.as_deref(), args.samples, Some(model))?;
            let sk = artifacts::load_secret(&keys).map_err(|e| e.to_string())?;
            let level = input_level(&sk, &keys)?;
            encrypt(&sk, level, &prepared, &data)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    )?;
    phase(
        &format!(
            "provider: {} encrypted fine-tuning step(s) of the last layer",
            args.steps
        ),
        || {
            // Every run makes new keys: a checkpoint an earlier run left in --dir is of other
            // keys, and train refuses to overwrite it. (Should removal fail, train says so.)
            let _ = std::fs::remove_file(model.join(artifacts::MODEL));
            provider::run(&TrainArgs {
                keys: keys.join(artifacts::PUBLIC_DIR),
                data: data.clone(),
                steps: args.steps,
                seed: args.seed,
                start: Some(start.clone()),
                out: model.clone(),
                resume: false,
                full: false,
                threads: None,
                neurons_in_flight: None,
            })
        },
    )?;
    phase("owner: decrypt", || {
        let args = DecryptArgs {
            keys: keys.clone(),
            model: model.clone(),
            out: model_json.clone(),
        };
        super::decrypt::run(&args)
    })?;
    phase("owner: test accuracy", || {
        let dir = args.data.clone().unwrap_or_else(default_data_dir);
        let mnist = Mnist::load(&dir).map_err(|e| e.to_string())?;
        let before = accuracy(&start, &mnist)?;
        let after = accuracy(&model_json, &mnist)?;
        println!(
            "test accuracy on {} images: {:.2}% before (the provider's pretrained model), {:.2}% after encrypted fine-tuning",
            mnist.test.len(),
            before * 100.0,
            after * 100.0
        );
        Ok(())
    })
}
