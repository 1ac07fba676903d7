//! `fhe-nit encrypt`: the data owner's side. The first N MNIST training images, bit-sliced
//! one sample per slot, labels one-hot, encrypted with the owner's secret key: one file per
//! batch of `slots` samples. The owner holds the secret key, so she encrypts symmetrically
//! with c_1 expanded from a seed and stores each ciphertext as c_0 and the seed, half the
//! bytes of a public-key encryption (`nit_bgv::SecretKey::encrypt_bits_seeded_at`); the
//! provider expands c_1 again on loading.
//!
//! Every ciphertext is encrypted at the lowest level that carries a segment between two
//! refreshes of the provider's step (`RecryptingBackend::lowest_input_level`, found with the
//! public material the owner hands over: the same recrypting backend the provider builds),
//! not at the top: the samples enter the step like refreshed values, so the refreshes stay
//! as predicted, in fewer primes.
//!
//! With `--start` (fine-tuning, see [`super::start`]): the images normalized with the start
//! model's statistics go through its frozen layers in plaintext, and their 16 outputs (8 bits,
//! F = 7) are encrypted. Without: the images themselves, preprocessed as `train-plain
//! --train-samples N` does (NN2: central 24 x 24 resized to 8 x 8, normalized with the N
//! images' statistics), quantized to 8 bits (F = 5).

use super::artifacts::{
    batch_file, check_key, load_secret, ArtifactError, EncryptedBatch, PublicMaterial, Stamp,
    PUBLIC_DIR,
};
use super::provider::recrypting_backend;
use super::start::StartModel;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use nit_bgv::keys::SecretKey;
use nit_nn::bitsliced::{Bit, BitInt, BitSimd};
use nit_nn::data::{default_data_dir, normalized_dataset, prepare, Dataset, Mnist, Normalization};
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::model::batch::label_columns;
use nit_nn::model::fixed_format::NARROW;
use nit_nn::model::{BitslicedBatch, ModelKind};
use nit_ring::sample::secure_rng;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct EncryptArgs {
    /// The owner's key directory (written by `keygen`): secret.key and public/params.bin.
    #[arg(long)]
    pub keys: PathBuf,
    /// Encrypt the first N training images (whole batches of `slots` samples).
    #[arg(long)]
    pub samples: usize,
    /// Directory with the MNIST IDX files (default: the repository's data/mnist).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The provider's start model (from `pretrain`): encrypt the outputs of its frozen layers.
    #[arg(long)]
    pub start: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// What the owner encrypts: the samples and, in fine-tuning, the start model.
pub struct OwnerData {
    pub samples: Dataset,
    pub normalization: Normalization,
    pub start: Option<StartModel>,
}

/// The first `samples` training images of NN2: normalized with the start model's statistics
/// (fine-tuning), else as `train-plain --train-samples` prepares them.
pub fn owner_data(
    dir: Option<&Path>,
    samples: usize,
    start: Option<StartModel>,
) -> Result<OwnerData, String> {
    let dir = dir.map_or_else(default_data_dir, Path::to_path_buf);
    let mut mnist = Mnist::load(&dir).map_err(|e| e.to_string())?;
    if samples > mnist.train.len() {
        return Err(format!(
            "--samples {samples}: {} holds {} training images",
            dir.display(),
            mnist.train.len()
        ));
    }
    mnist.train = mnist.train.truncated(samples);
    let geometry = ModelKind::Nn2.geometry();
    let (samples, normalization) = match &start {
        Some(model) => (
            normalized_dataset(&mnist.train, geometry, model.normalization)
                .map_err(|e| e.to_string())?,
            model.normalization,
        ),
        None => {
            let prepared = prepare(&mnist, geometry).map_err(|e| e.to_string())?;
            (prepared.train, prepared.normalization)
        }
    };
    Ok(OwnerData {
        samples,
        normalization,
        start,
    })
}

pub fn run(args: &EncryptArgs) -> Result<(), String> {
    let sk = load_secret(&args.keys).map_err(|e| e.to_string())?;
    let start = args.start.as_deref().map(StartModel::read).transpose()?;
    let data = owner_data(args.data.as_deref(), args.samples, start)?;
    let level = input_level(&sk, &args.keys)?;
    encrypt(&sk, level, &data, &args.out)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The level the samples are encrypted at: the lowest at which a fresh encryption carries a
/// segment between refreshes on the recrypting backend of `keys`/public (which must be the
/// public material of `sk`).
pub fn input_level(sk: &SecretKey, keys: &Path) -> Result<usize, String> {
    let started = Instant::now();
    let public = keys.join(PUBLIC_DIR);
    let material = PublicMaterial::load(&public).map_err(|e| e.to_string())?;
    check_key(&public, sk.id(), material.key_id()).map_err(|e| e.to_string())?;
    let backend = recrypting_backend(&material, &public)?;
    let probe: Vec<bool> = (0..backend.slots()).map(|i| i % 3 == 0).collect();
    let mut rng = secure_rng();
    let level = backend
        .lowest_input_level(|level| {
            sk.encrypt_bits_seeded_at(&probe, level, &mut rng)
                .map(|(ct, _)| ct)
        })
        .map_err(|e| format!("{}: {e}", public.display()))?;
    println!(
        "samples at {level} of {} primes: the lowest level that carries the {} AND levels between refreshes ({:.1} s to find)",
        sk.params().max_level(),
        backend.levels_after_refresh(),
        started.elapsed().as_secs_f64()
    );
    Ok(level)
}

/// Encrypts every whole batch of `data.train` into `out` at `level` primes; returns the bytes
/// written.
pub fn encrypt(
    sk: &SecretKey,
    level: usize,
    data: &OwnerData,
    out: &Path,
) -> Result<u64, ArtifactError> {
    let params = sk.params();
    let bgv = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArtifactError::Bgv { path, source }
    };
    let slots = params.slots().map_err(bgv(out))?.slots();
    let batches = data.samples.len() / slots;
    if batches == 0 {
        return Err(ArtifactError::Mismatch {
            path: out.to_path_buf(),
            what: format!(
                "{} samples do not fill one batch of {slots} (one sample per slot)",
                data.samples.len()
            ),
        });
    }
    std::fs::create_dir_all(out).map_err(|source| ArtifactError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let stamp = Stamp {
        params_id: params.fingerprint(),
        key_id: sk.id(),
    };
    let bar = ProgressBar::new(batches as u64).with_style(
        ProgressStyle::with_template(
            "encrypt {elapsed_precise} [{bar:30}] batch {pos}/{len} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut rng = secure_rng();
    let mut total = 0;
    for index in 0..batches {
        let path = out.join(batch_file(index));
        let samples: Vec<usize> = (index * slots..(index + 1) * slots).collect();
        let (batch, seeds) =
            encrypt_batch(sk, level, data, &samples, &mut rng).map_err(|what| {
                ArtifactError::Mismatch {
                    path: path.clone(),
                    what,
                }
            })?;
        let file = EncryptedBatch {
            index,
            batches,
            normalization: data.normalization,
            start: data.start.as_ref().map(StartModel::fingerprint),
            batch,
        };
        total += file.write_seeded(&path, stamp, &seeds)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let samples = batches * slots;
    println!(
        "encrypted {samples} samples ({batches} batches of {slots}) into {} in {:.1} s: {total} bytes, {} bytes per sample",
        out.display(),
        started.elapsed().as_secs_f64(),
        total / samples as u64
    );
    if samples < data.samples.len() {
        println!(
            "the last {} samples do not fill a batch and were left out",
            data.samples.len() - samples
        );
    }
    Ok(total)
}

/// One batch: the images (F = 5) or the frozen layers' outputs (F = 7), and the labels,
/// with the seeds of its ciphertexts in the order [`EncryptedBatch::write_seeded`] takes them
/// (every bit is encrypted, inputs bit by bit, then labels).
fn encrypt_batch(
    sk: &SecretKey,
    level: usize,
    data: &OwnerData,
    samples: &[usize],
    rng: &mut nit_ring::sample::SecureRng,
) -> Result<(BitslicedBatch<EncryptedBackend>, Vec<[u8; 32]>), String> {
    let slots = samples.len();
    let mut seeds = Vec::new();
    let mut encrypt = |bits: &[bool]| {
        sk.encrypt_bits_seeded_at(bits, level, rng)
            .map(|(ct, seed)| {
                seeds.push(seed);
                EncryptedBits { ct, depth: 0 }
            })
    };
    let batch = match &data.start {
        None => BitslicedBatch::encode(&data.samples, samples, slots, encrypt)
            .map_err(|e| e.to_string()),
        Some(start) => {
            let inputs = start
                .features(&data.samples, samples)?
                .iter()
                .map(|values| BitInt::encode(values, NARROW, slots, &mut encrypt))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            let labels = label_columns(&data.samples, samples)
                .iter()
                .map(|column| encrypt(column).map(Bit::Var))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            Ok(BitslicedBatch { inputs, labels })
        }
    }?;
    Ok((batch, seeds))
}
