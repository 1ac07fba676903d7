//! `fhe-nit eval`: test accuracy of a saved `model.json`.

use clap::Args;
use nit_nn::data::{default_data_dir, Mnist};
use nit_nn::model::ModelFile;
use std::path::PathBuf;

#[derive(Args)]
pub struct EvalArgs {
    /// A model.json written by `train-plain`.
    #[arg(long)]
    pub model: PathBuf,
    /// Directory with the MNIST IDX files (default: the repository's data/mnist).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn run(args: &EvalArgs) -> Result<(), String> {
    let model = ModelFile::read(&args.model).map_err(|e| e.to_string())?;
    let dir = args.data.clone().unwrap_or_else(default_data_dir);
    let mnist = Mnist::load(&dir).map_err(|e| e.to_string())?;
    let accuracy = model.evaluate(&mnist).map_err(|e| e.to_string())?;
    println!(
        "{} {}: test accuracy {:.2}% on {} images",
        model.model,
        model.arith,
        accuracy * 100.0,
        mnist.test.len()
    );
    Ok(())
}
