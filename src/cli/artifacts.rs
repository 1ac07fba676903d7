//! The files the data owner and the service provider exchange, and their typed errors.
//!
//! Layout of a key directory written by `keygen`:
//!   KEYS/secret.key                 the owner's secret key (mode 0600), never handed over;
//!   KEYS/public/params.bin          the parameters;
//!   KEYS/public/public.key          the public key;
//!   KEYS/public/evaluation.keys     relinearization and rotation keys;
//!   KEYS/public/bootstrapping.key   the recryption material (the provider's refreshes).
//! An encrypted data set is DATA/batch-NNNN.bin, one file per batch of `slots` samples; an
//! encrypted model is MODEL/model.enc (the checkpoint after the last step). Every file is a
//! nit-ring checked envelope (magic, tag, length, SHA-256) whose payload names the parameter
//! fingerprint and the key id it belongs to; ciphertexts inside are nit-bgv's own sealed
//! ciphertext bytes, seeded in a batch (c_0 and the seed of c_1: the owner encrypts with her
//! secret key). Every read is bounded by its kind's limit ([`limits`]). Every write goes to a
//! temporary file in the same directory and is renamed into place, so an interrupted run
//! never leaves a half-written artifact.

use nit_bgv::ciphertext::Ciphertext;
use nit_bgv::keys::{EvaluationKeys, KeyId, PublicKey, SecretKey};
use nit_bgv::params::Params;
use nit_bgv::BgvError;
use nit_bootstrap::BootstrappingKey;
use nit_nn::bitsliced::{Bit, BitInt};
use nit_nn::data::Normalization;
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::files::{read_limited, write_atomic, FileError};
use nit_nn::model::fixed_format::WIDE;
use nit_nn::model::{BitslicedBatch, FixedWeights, LayerWeights, ModelError, ModelKind};
use nit_ring::serial::{open, seal};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const SECRET_KEY: &str = "secret.key";
pub const PUBLIC_DIR: &str = "public";
pub const PARAMS: &str = "params.bin";
pub const PUBLIC_KEY: &str = "public.key";
pub const EVALUATION_KEYS: &str = "evaluation.keys";
/// The recryption material (`nit_bootstrap::BootstrappingKey`), in KEYS/public/.
pub const BOOTSTRAPPING_KEY: &str = "bootstrapping.key";
pub const MODEL: &str = "model.enc";
const BATCH_TAG: &str = "fhe-nit.encrypted-batch";
const MODEL_TAG: &str = "fhe-nit.encrypted-model";

/// What went wrong with an artifact; every variant names the file.
#[derive(Debug, Error)]
pub enum ArtifactError {
    /// Reading or writing failed, or the file is larger than its kind allows.
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Truncated, altered, of another kind, or of other parameters (the envelope's check).
    #[error("{path}: {source}")]
    Bgv {
        path: PathBuf,
        #[source]
        source: BgvError,
    },
    #[error(
        "{path}: the provider's key directory holds the secret key; hand over {PUBLIC_DIR}/ only"
    )]
    SecretKeyPresent { path: PathBuf },
    #[error("{path}: encrypted under key {found}, the keys given are key {expected}")]
    KeyMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// A run without `--resume` would overwrite an earlier run's checkpoint.
    #[error("{path} holds a checkpoint: continue it with --resume, or train into another --out")]
    CheckpointExists { path: PathBuf },
    #[error("{path}: {what}")]
    Mismatch { path: PathBuf, what: String },
    /// The bootstrapping key could not be made, serialized or read (truncated, altered, of
    /// other parameters).
    #[error("{path}: {source}")]
    Bootstrap {
        path: PathBuf,
        #[source]
        source: nit_bootstrap::BootstrapError,
    },
    #[error("{path}: {source}")]
    Model {
        path: PathBuf,
        #[source]
        source: ModelError,
    },
}

fn bgv<E: Into<BgvError>>(path: &Path) -> impl FnOnce(E) -> ArtifactError + '_ {
    move |e| ArtifactError::Bgv {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

fn model(path: &Path) -> impl FnOnce(ModelError) -> ArtifactError + '_ {
    move |source| ArtifactError::Model {
        path: path.to_path_buf(),
        source,
    }
}

/// The largest params.bin accepted (a toy or paper file is under 1 KiB).
pub const MAX_PARAMS_BYTES: u64 = 1 << 20;
/// What an envelope, stamps and headers may add to the polynomials a file holds.
const FILE_OVERHEAD: u64 = 1 << 20;
/// What one sealed ciphertext may add to its polynomials (envelope, fingerprints, level).
const CIPHERTEXT_OVERHEAD: u64 = 1 << 10;
/// Bytes of one residue on the wire at the most: a u64 as a postcard varint.
const RESIDUE_BYTES: u64 = 10;

/// The most bytes one polynomial of `params` takes on the wire: phi residues on each prime of
/// the top-level extended basis (ciphertext and special primes).
fn polynomial_bytes(params: &Params) -> u64 {
    let primes = params.max_level() + params.special_basis().len();
    (params.phi() * primes) as u64 * RESIDUE_BYTES
}

/// The most bytes one sealed ciphertext of `params` takes: three parts at the top level.
fn ciphertext_bytes(params: &Params) -> u64 {
    3 * polynomial_bytes(params) + CIPHERTEXT_OVERHEAD
}

/// The size limit of each artifact kind, from the parameters and the network NN2: what the
/// largest honest file of the kind can hold, so that a larger one (or a device, or a file
/// that grows while read) is refused with [`FileError::TooLarge`] before it fills memory.
pub mod limits {
    use super::*;

    /// secret.key and public.key: one polynomial each.
    pub fn key(params: &Params) -> u64 {
        polynomial_bytes(params) + FILE_OVERHEAD
    }

    /// bootstrapping.key: the key-switching keys recryption needs (a- and b-parts of every
    /// digit on the extended top-level basis, as `RecryptionBudget::estimate` counts them in
    /// memory, with [`RESIDUE_BYTES`] instead of 8 per residue) and Enc_s(s).
    pub fn bootstrapping_key(params: &Params) -> Result<u64, nit_bootstrap::BootstrapError> {
        let budget = nit_bootstrap::RecryptionBudget::estimate(params)?;
        Ok(budget.key_bytes as u64 / 8 * RESIDUE_BYTES + ciphertext_bytes(params) + FILE_OVERHEAD)
    }

    /// evaluation.keys: the relinearization key and the rotation keys `keygen` writes, each
    /// of at most one digit per prime.
    pub fn evaluation_keys(params: &Params) -> Result<u64, BgvError> {
        let keys = 1 + nit_bgv::rotation::all_rotation_exponents(params)?.len() as u64;
        let digits = (params.max_level() + params.special_basis().len()) as u64;
        Ok(keys * digits * polynomial_bytes(params) + FILE_OVERHEAD)
    }

    /// An encrypted batch of `dim` inputs (at most [`WIDE`] bits each) and the labels.
    pub fn batch(params: &Params, dim: usize) -> u64 {
        (dim * WIDE + nit_nn::data::DIGITS) as u64 * ciphertext_bytes(params) + FILE_OVERHEAD
    }

    /// An encrypted NN2 model: every weight and bias of [`WIDE`] bits encrypted.
    pub fn model(params: &Params) -> u64 {
        let weights: usize = ModelKind::Nn2
            .layer_sizes()
            .windows(2)
            .map(|s| s[1] * (s[0] + 1))
            .sum();
        (weights * WIDE) as u64 * ciphertext_bytes(params) + FILE_OVERHEAD
    }
}

/// The bytes of the artifact at `path`, refused above `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ArtifactError> {
    Ok(read_limited(path, limit)?)
}

/// Writes an artifact atomically (see [`nit_nn::files::write_atomic`]) readable by others.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    Ok(write_atomic(path, bytes)?)
}

/// Everything the provider holds: parameters, public key, evaluation keys and the
/// bootstrapping key.
pub struct PublicMaterial {
    pub params: Params,
    pub public_key: PublicKey,
    pub evaluation_keys: EvaluationKeys,
    pub bootstrapping_key: BootstrappingKey,
}

impl PublicMaterial {
    /// Loads `dir` (KEYS/public); refuses a directory that holds a secret key, and files that
    /// are missing, truncated, altered, of other parameters or of another key.
    pub fn load(dir: &Path) -> Result<Self, ArtifactError> {
        let secret = dir.join(SECRET_KEY);
        if secret.exists() {
            return Err(ArtifactError::SecretKeyPresent { path: secret });
        }
        let params = load_params(dir)?;
        let path = dir.join(PUBLIC_KEY);
        let public_key = PublicKey::from_bytes(&read(&path, limits::key(&params))?, &params)
            .map_err(bgv(&path))?;
        let path = dir.join(EVALUATION_KEYS);
        let limit = limits::evaluation_keys(&params).map_err(bgv(&path))?;
        let (evaluation_keys, key_id) =
            EvaluationKeys::from_bytes(&read(&path, limit)?, &params).map_err(bgv(&path))?;
        check_key(&path, public_key.key_id(), key_id)?;
        let path = dir.join(BOOTSTRAPPING_KEY);
        let bootstrap = |source| ArtifactError::Bootstrap {
            path: path.clone(),
            source,
        };
        let limit = limits::bootstrapping_key(&params).map_err(bootstrap)?;
        let bootstrapping_key =
            BootstrappingKey::from_bytes(&read(&path, limit)?, &params).map_err(bootstrap)?;
        check_key(&path, public_key.key_id(), bootstrapping_key.key_id())?;
        Ok(Self {
            params,
            public_key,
            evaluation_keys,
            bootstrapping_key,
        })
    }

    pub fn key_id(&self) -> KeyId {
        self.public_key.key_id()
    }
}

pub fn load_params(public_dir: &Path) -> Result<Params, ArtifactError> {
    let path = public_dir.join(PARAMS);
    Params::from_bytes(&read(&path, MAX_PARAMS_BYTES)?).map_err(bgv(&path))
}

/// The owner's secret key from KEYS/ (parameters from KEYS/public).
pub fn load_secret(dir: &Path) -> Result<SecretKey, ArtifactError> {
    let params = load_params(&dir.join(PUBLIC_DIR))?;
    let path = dir.join(SECRET_KEY);
    SecretKey::from_bytes(&read(&path, limits::key(&params))?, &params).map_err(bgv(&path))
}

/// The first 6 bytes of a key id in hex, as errors name keys.
fn hex(id: &[u8]) -> String {
    id.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Ok when an artifact stamped with key `found` belongs to key `expected`.
pub fn check_key(path: &Path, expected: KeyId, found: KeyId) -> Result<(), ArtifactError> {
    if expected == found {
        Ok(())
    } else {
        Err(ArtifactError::KeyMismatch {
            path: path.to_path_buf(),
            expected: hex(&expected),
            found: hex(&found),
        })
    }
}

/// One bit of an integer on the wire: a public constant, a sealed ciphertext and its
/// AND-depth, or a fresh seeded ciphertext (c_0 and the seed of c_1, AND-depth 0).
#[derive(Serialize, Deserialize)]
enum BitWire {
    Const(bool),
    Var { depth: usize, ciphertext: Vec<u8> },
    Seeded { ciphertext: Vec<u8> },
}

fn bit_to_wire(bit: &Bit<EncryptedBits>) -> Result<BitWire, BgvError> {
    Ok(match bit {
        Bit::Const(c) => BitWire::Const(*c),
        Bit::Var(v) => BitWire::Var {
            depth: v.depth,
            ciphertext: v.ct.to_bytes()?,
        },
    })
}

fn integer_to_wire(x: &BitInt<EncryptedBackend>) -> Result<Vec<BitWire>, BgvError> {
    x.bits().iter().map(bit_to_wire).collect()
}

/// Rebuilds a bit, checking its ciphertext's parameters and key.
fn bit_from_wire(
    path: &Path,
    bit: BitWire,
    params: &Params,
    key_id: KeyId,
) -> Result<Bit<EncryptedBits>, ArtifactError> {
    match bit {
        BitWire::Const(c) => Ok(Bit::Const(c)),
        BitWire::Var { depth, ciphertext } => {
            let ct = Ciphertext::from_bytes(&ciphertext, params).map_err(bgv(path))?;
            check_key(path, key_id, ct.key_id())?;
            Ok(Bit::Var(EncryptedBits { ct, depth }))
        }
        BitWire::Seeded { ciphertext } => {
            let ct = Ciphertext::from_seeded_bytes(&ciphertext, params).map_err(bgv(path))?;
            check_key(path, key_id, ct.key_id())?;
            Ok(Bit::Var(EncryptedBits { ct, depth: 0 }))
        }
    }
}

/// Rebuilds an integer, checking every ciphertext's parameters and key.
fn integer_from_wire(
    path: &Path,
    bits: Vec<BitWire>,
    params: &Params,
    key_id: KeyId,
) -> Result<BitInt<EncryptedBackend>, ArtifactError> {
    let bits = bits
        .into_iter()
        .map(|b| bit_from_wire(path, b, params, key_id))
        .collect::<Result<Vec<_>, ArtifactError>>()?;
    BitInt::from_bits(bits).map_err(|e| ArtifactError::Mismatch {
        path: path.to_path_buf(),
        what: e.to_string(),
    })
}

/// The header every encrypted artifact carries.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub params_id: [u8; 16],
    pub key_id: KeyId,
}

impl Stamp {
    /// Checks that an artifact at `path` belongs to `params` and `key_id`.
    fn check(&self, path: &Path, params: &Params, key_id: KeyId) -> Result<(), ArtifactError> {
        params.check(&self.params_id).map_err(bgv(path))?;
        check_key(path, key_id, self.key_id)
    }
}

#[derive(Serialize, Deserialize)]
struct BatchWire {
    stamp: Stamp,
    /// Batch index and the number of batches of the set.
    index: usize,
    batches: usize,
    normalization: Normalization,
    start: Option<[u8; 16]>,
    inputs: Vec<Vec<BitWire>>,
    labels: Vec<BitWire>,
}

/// One encrypted batch of `slots` samples and what the provider must know about the set.
pub struct EncryptedBatch {
    pub index: usize,
    pub batches: usize,
    /// The preprocessing statistics (public: the model file records them).
    pub normalization: Normalization,
    /// Fine-tuning: the fingerprint of the start model whose frozen layers made the inputs
    /// (then the inputs are the frozen layers' outputs); None: the inputs are the images.
    pub start: Option<[u8; 16]>,
    pub batch: BitslicedBatch<EncryptedBackend>,
}

/// The file name of batch `index`.
pub fn batch_file(index: usize) -> String {
    format!("batch-{index:04}.bin")
}

impl EncryptedBatch {
    /// Writes the batch with its ciphertexts seeded, half their full size, and returns the
    /// bytes written: `seeds` are the seeds of the fresh
    /// seeded encryptions ([`SecretKey::encrypt_bits_seeded`]) of its ciphertext bits, in
    /// order (inputs bit by bit, then labels). A bit whose c_1 is not its seed's expansion,
    /// or a count of seeds other than of ciphertexts, is `SeedMismatch`.
    pub fn write_seeded(
        &self,
        path: &Path,
        stamp: Stamp,
        seeds: &[[u8; 32]],
    ) -> Result<u64, ArtifactError> {
        let batch = &self.batch;
        let ciphertexts = batch
            .inputs
            .iter()
            .flat_map(|x| x.bits())
            .chain(&batch.labels)
            .filter(|b| matches!(b, Bit::Var(_)))
            .count();
        if ciphertexts != seeds.len() {
            return Err(bgv(path)(BgvError::SeedMismatch));
        }
        let mut seeds = seeds.iter();
        let mut to_wire = |bit: &Bit<EncryptedBits>| match bit {
            Bit::Const(c) => Ok(BitWire::Const(*c)),
            Bit::Var(v) => Ok(BitWire::Seeded {
                ciphertext: v
                    .ct
                    .to_seeded_bytes(*seeds.next().ok_or(BgvError::SeedMismatch)?)?,
            }),
        };
        // In the order of `seeds`: the inputs bit by bit, then the labels.
        let inputs = (batch.inputs.iter())
            .map(|x| x.bits().iter().map(&mut to_wire).collect())
            .collect::<Result<_, BgvError>>()
            .map_err(bgv(path))?;
        let labels = (batch.labels.iter())
            .map(&mut to_wire)
            .collect::<Result<_, _>>()
            .map_err(bgv(path))?;
        let wire = BatchWire {
            stamp,
            index: self.index,
            batches: self.batches,
            normalization: self.normalization,
            start: self.start,
            inputs,
            labels,
        };
        let bytes = seal(BATCH_TAG, &wire).map_err(bgv(path))?;
        write(path, &bytes)?;
        Ok(bytes.len() as u64)
    }

    /// Loads a batch of `params` under `key_id`, checking its shape against `dim` inputs.
    pub fn read(
        path: &Path,
        params: &Params,
        key_id: KeyId,
        dim: usize,
    ) -> Result<Self, ArtifactError> {
        let bytes = read(path, limits::batch(params, dim))?;
        let wire: BatchWire = open(BATCH_TAG, &bytes).map_err(bgv(path))?;
        wire.stamp.check(path, params, key_id)?;
        if wire.inputs.len() != dim || wire.labels.len() != nit_nn::data::DIGITS {
            return Err(ArtifactError::Mismatch {
                path: path.to_path_buf(),
                what: format!(
                    "{} inputs and {} labels, the network takes {dim} inputs and {} labels",
                    wire.inputs.len(),
                    wire.labels.len(),
                    nit_nn::data::DIGITS
                ),
            });
        }
        let inputs = wire
            .inputs
            .into_iter()
            .map(|bits| integer_from_wire(path, bits, params, key_id))
            .collect::<Result<_, _>>()?;
        let labels = wire
            .labels
            .into_iter()
            .map(|bit| bit_from_wire(path, bit, params, key_id))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            index: wire.index,
            batches: wire.batches,
            normalization: wire.normalization,
            start: wire.start,
            batch: BitslicedBatch { inputs, labels },
        })
    }
}

/// What fixes the network an encrypted model trains: a model of another network is refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelShape {
    pub sizes: Vec<usize>,
    pub frozen_layers: usize,
    pub lr_shift: usize,
    /// The start weights' identity: the frozen layers' fingerprint (fine-tuning) or the
    /// seed's (full training).
    pub start: [u8; 16],
}

#[derive(Serialize, Deserialize)]
struct ModelWire {
    stamp: Stamp,
    shape: ModelShape,
    normalization: Normalization,
    /// Steps done.
    steps: usize,
    layers: Vec<Vec<Vec<BitWire>>>,
}

/// An encrypted model checkpoint: frozen layers public, trainable layers encrypted.
pub struct EncryptedModel {
    pub shape: ModelShape,
    pub normalization: Normalization,
    pub steps: usize,
    pub weights: FixedWeights<EncryptedBackend>,
}

impl EncryptedModel {
    pub fn write(&self, path: &Path, stamp: Stamp) -> Result<u64, ArtifactError> {
        let layers = self
            .weights
            .layers
            .iter()
            .map(|layer| layer.stored().iter().map(integer_to_wire).collect())
            .collect::<Result<_, BgvError>>()
            .map_err(bgv(path))?;
        let wire = ModelWire {
            stamp,
            shape: self.shape.clone(),
            normalization: self.normalization,
            steps: self.steps,
            layers,
        };
        let bytes = seal(MODEL_TAG, &wire).map_err(bgv(path))?;
        write(path, &bytes)?;
        Ok(bytes.len() as u64)
    }

    /// Loads a model of `params` under `key_id`; `expected` (if given) must be its shape.
    pub fn read(
        path: &Path,
        params: &Params,
        key_id: KeyId,
        expected: Option<&ModelShape>,
    ) -> Result<Self, ArtifactError> {
        let wire: ModelWire =
            open(MODEL_TAG, &read(path, limits::model(params))?).map_err(bgv(path))?;
        wire.stamp.check(path, params, key_id)?;
        if let Some(shape) = expected {
            if *shape != wire.shape {
                return Err(ArtifactError::Mismatch {
                    path: path.to_path_buf(),
                    what: format!("a model of {:?}, this run trains {:?}", wire.shape, shape),
                });
            }
        }
        let shape = wire.shape;
        // Frozen layers hold one public integer per weight, trainable ones ceil(n / l)
        // packed integers (LayerWeights); the counts are the shape's, whatever the file says.
        let slots = params.slots().map_err(bgv(path))?.slots();
        let weights: Vec<usize> = shape.sizes.windows(2).map(|s| s[1] * (s[0] + 1)).collect();
        let stored: Vec<usize> = weights
            .iter()
            .enumerate()
            .map(|(l, &n)| {
                if l < shape.frozen_layers {
                    n
                } else {
                    n.div_ceil(slots)
                }
            })
            .collect();
        let found: Vec<usize> = wire.layers.iter().map(Vec::len).collect();
        if stored != found {
            return Err(ArtifactError::Mismatch {
                path: path.to_path_buf(),
                what: format!(
                    "layers of {found:?} integers where a network {:?} with {} frozen layers over {slots} slots stores {stored:?}",
                    shape.sizes, shape.frozen_layers
                ),
            });
        }
        let layers = wire
            .layers
            .into_iter()
            .zip(weights)
            .enumerate()
            .map(|(l, (layer, len))| {
                let ints = layer
                    .into_iter()
                    .map(|bits| integer_from_wire(path, bits, params, key_id))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if l < shape.frozen_layers {
                    LayerWeights::Public(ints)
                } else {
                    LayerWeights::Packed { groups: ints, len }
                })
            })
            .collect::<Result<_, ArtifactError>>()?;
        Ok(Self {
            shape,
            normalization: wire.normalization,
            steps: wire.steps,
            weights: FixedWeights { layers },
        })
    }
}

/// Writes a model.json atomically.
pub fn write_model_json(path: &Path, file: &nit_nn::model::ModelFile) -> Result<(), ArtifactError> {
    let text = serde_json::to_string_pretty(file).map_err(|e| {
        model(path)(ModelError::Json {
            path: path.to_path_buf(),
            source: e,
        })
    })?;
    write(path, text.as_bytes())
}

/// Reads a model.json, naming the file in the error.
pub fn read_model_json(path: &Path) -> Result<nit_nn::model::ModelFile, ArtifactError> {
    nit_nn::model::ModelFile::read(path).map_err(model(path))
}
