//! The files the data owner and the service provider exchange, and their typed errors.
//!
//! Layout of a key directory written by `keygen`:
//!   KEYS/secret.key                 the owner's secret key (mode 0600), never handed over;
//!   KEYS/public/params.bin          the parameters;
//!   KEYS/public/public.key          the public key;
//!   KEYS/public/evaluation.keys     relinearization and rotation keys.
//! An encrypted data set is DATA/batch-NNNN.bin, one file per batch of `slots` samples; an
//! encrypted model is MODEL/model.enc (the checkpoint after the last step). Every file is a
//! nit-ring checked envelope (magic, tag, length, SHA-256) whose payload names the parameter
//! fingerprint and the key id it belongs to; ciphertexts inside are nit-bgv's own sealed
//! ciphertext bytes. Every write goes to a temporary file in the same directory and is renamed
//! into place, so an interrupted run never leaves a half-written artifact.

use nit_bgv::ciphertext::Ciphertext;
use nit_bgv::error::hex;
use nit_bgv::keys::{EvaluationKeys, KeyId, PublicKey, SecretKey};
use nit_bgv::params::Params;
use nit_bgv::BgvError;
use nit_nn::bitsliced::{Bit, BitInt};
use nit_nn::data::Normalization;
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::model::{BitslicedBatch, FixedWeights, ModelError};
use nit_ring::serial::{open, seal};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const SECRET_KEY: &str = "secret.key";
pub const PUBLIC_DIR: &str = "public";
pub const PARAMS: &str = "params.bin";
pub const PUBLIC_KEY: &str = "public.key";
pub const EVALUATION_KEYS: &str = "evaluation.keys";
pub const MODEL: &str = "model.enc";
const BATCH_TAG: &str = "fhe-nit.encrypted-batch";
const MODEL_TAG: &str = "fhe-nit.encrypted-model";

/// What went wrong with an artifact; every variant names the file.
#[derive(Debug, Error)]
pub enum ArtifactError {
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
    #[error("{path}: {what}")]
    Mismatch { path: PathBuf, what: String },
    #[error("{path}: {source}")]
    Model {
        path: PathBuf,
        #[source]
        source: ModelError,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError + '_ {
    move |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    }
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

/// Writes `bytes` to `path` atomically: a temporary file in the same directory (created with
/// `mode` on Unix), flushed to disk, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ArtifactError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(io(path)(e));
    }
    Ok(())
}

pub fn read(path: &Path) -> Result<Vec<u8>, ArtifactError> {
    std::fs::read(path).map_err(io(path))
}

/// Everything the provider holds: parameters, public key, evaluation keys.
pub struct PublicMaterial {
    pub params: Params,
    pub public_key: PublicKey,
    pub evaluation_keys: EvaluationKeys,
}

impl PublicMaterial {
    /// Loads `dir` (KEYS/public); refuses a directory that holds a secret key.
    pub fn load(dir: &Path) -> Result<Self, ArtifactError> {
        let secret = dir.join(SECRET_KEY);
        if secret.exists() {
            return Err(ArtifactError::SecretKeyPresent { path: secret });
        }
        let params = load_params(dir)?;
        let path = dir.join(PUBLIC_KEY);
        let public_key = PublicKey::from_bytes(&read(&path)?, &params).map_err(bgv(&path))?;
        let path = dir.join(EVALUATION_KEYS);
        let (evaluation_keys, key_id) =
            EvaluationKeys::from_bytes(&read(&path)?, &params).map_err(bgv(&path))?;
        check_key(&path, public_key.key_id(), key_id)?;
        Ok(Self {
            params,
            public_key,
            evaluation_keys,
        })
    }

    pub fn key_id(&self) -> KeyId {
        self.public_key.key_id()
    }
}

pub fn load_params(public_dir: &Path) -> Result<Params, ArtifactError> {
    let path = public_dir.join(PARAMS);
    Params::from_bytes(&read(&path)?).map_err(bgv(&path))
}

/// The owner's secret key from KEYS/ (parameters from KEYS/public).
pub fn load_secret(dir: &Path) -> Result<SecretKey, ArtifactError> {
    let params = load_params(&dir.join(PUBLIC_DIR))?;
    let path = dir.join(SECRET_KEY);
    SecretKey::from_bytes(&read(&path)?, &params).map_err(bgv(&path))
}

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

/// One bit of an integer on the wire: a public constant or a sealed ciphertext and its
/// AND-depth.
#[derive(Serialize, Deserialize)]
enum BitWire {
    Const(bool),
    Var { depth: usize, ciphertext: Vec<u8> },
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
    pub fn write(&self, path: &Path, stamp: Stamp) -> Result<u64, ArtifactError> {
        let wire = BatchWire {
            stamp,
            index: self.index,
            batches: self.batches,
            normalization: self.normalization,
            start: self.start,
            inputs: self
                .batch
                .inputs
                .iter()
                .map(integer_to_wire)
                .collect::<Result<_, _>>()
                .map_err(bgv(path))?,
            labels: self
                .batch
                .labels
                .iter()
                .map(bit_to_wire)
                .collect::<Result<_, _>>()
                .map_err(bgv(path))?,
        };
        let bytes = seal(BATCH_TAG, &wire).map_err(bgv(path))?;
        write_atomic(path, &bytes, 0o644)?;
        Ok(bytes.len() as u64)
    }

    /// Loads a batch of `params` under `key_id`, checking its shape against `dim` inputs.
    pub fn read(
        path: &Path,
        params: &Params,
        key_id: KeyId,
        dim: usize,
    ) -> Result<Self, ArtifactError> {
        let wire: BatchWire = open(BATCH_TAG, &read(path)?).map_err(bgv(path))?;
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
            .map(|layer| layer.iter().map(integer_to_wire).collect())
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
        write_atomic(path, &bytes, 0o644)?;
        Ok(bytes.len() as u64)
    }

    /// Loads a model of `params` under `key_id`; `expected` (if given) must be its shape.
    pub fn read(
        path: &Path,
        params: &Params,
        key_id: KeyId,
        expected: Option<&ModelShape>,
    ) -> Result<Self, ArtifactError> {
        let wire: ModelWire = open(MODEL_TAG, &read(path)?).map_err(bgv(path))?;
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
        let rows: Vec<usize> = shape.sizes.windows(2).map(|s| s[1] * (s[0] + 1)).collect();
        let found: Vec<usize> = wire.layers.iter().map(Vec::len).collect();
        if rows != found {
            return Err(ArtifactError::Mismatch {
                path: path.to_path_buf(),
                what: format!(
                    "layers of {found:?} weights for a network {:?}",
                    shape.sizes
                ),
            });
        }
        let layers = wire
            .layers
            .into_iter()
            .map(|layer| {
                layer
                    .into_iter()
                    .map(|bits| integer_from_wire(path, bits, params, key_id))
                    .collect()
            })
            .collect::<Result<_, _>>()?;
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
    write_atomic(path, text.as_bytes(), 0o644)
}

/// Reads a model.json, naming the file in the error.
pub fn read_model_json(path: &Path) -> Result<nit_nn::model::ModelFile, ArtifactError> {
    nit_nn::model::ModelFile::read(path).map_err(model(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nit_bgv::ParamsLiteral;
    use nit_nn::data::Dataset;
    use nit_ring::sample::seeded_rng;

    /// A small ring (m = 127, 18 slots, NOT SECURE) with a secret and public key.
    fn keys(seed: u64) -> (Params, SecretKey, PublicKey) {
        let params = ParamsLiteral::small(127, 3).build().unwrap();
        let mut rng = seeded_rng(seed);
        let sk = SecretKey::generate(&params, &mut rng).unwrap();
        let pk = sk.public_key(&mut rng).unwrap();
        (params, sk, pk)
    }

    fn stamp(params: &Params, pk: &PublicKey) -> Stamp {
        Stamp {
            params_id: params.fingerprint(),
            key_id: pk.key_id(),
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fhe-nit-artifacts-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A model of sizes [2, 10]: the first layer public, the second encrypted.
    fn model(params: &Params, pk: &PublicKey) -> EncryptedModel {
        let mut rng = seeded_rng(3);
        let slots = params.slots().unwrap().slots();
        let weights: Vec<Vec<i64>> = vec![(0..30).map(|i| i * 37 - 500).collect()];
        let encrypted = FixedWeights::<EncryptedBackend>::encode(&weights, slots, |bits| {
            pk.encrypt_bits(params, bits, &mut rng)
                .map(|ct| EncryptedBits { ct, depth: 0 })
        })
        .unwrap();
        let public = FixedWeights::<EncryptedBackend>::constants(&[vec![5; 2 * 2]]).unwrap();
        EncryptedModel {
            shape: ModelShape {
                sizes: vec![1, 2, 10],
                frozen_layers: 1,
                lr_shift: 4,
                start: [9; 16],
            },
            normalization: Normalization {
                mean: 1.0,
                std: 2.0,
            },
            steps: 3,
            weights: FixedWeights {
                layers: public.layers.into_iter().chain(encrypted.layers).collect(),
            },
        }
    }

    #[test]
    fn model_checkpoint_round_trips_bit_for_bit() {
        let (params, sk, pk) = keys(1);
        let dir = scratch("round-trip");
        let path = dir.join(MODEL);
        let written = model(&params, &pk);
        written.write(&path, stamp(&params, &pk)).unwrap();
        let read_back =
            EncryptedModel::read(&path, &params, pk.key_id(), Some(&written.shape)).unwrap();
        assert_eq!(read_back.steps, 3);
        assert_eq!(read_back.normalization, written.normalization);
        for (a, b) in written
            .weights
            .layers
            .iter()
            .flatten()
            .zip(read_back.weights.layers.iter().flatten())
        {
            for (x, y) in a.bits().iter().zip(b.bits()) {
                match (x, y) {
                    (Bit::Const(p), Bit::Const(q)) => assert_eq!(p, q),
                    (Bit::Var(p), Bit::Var(q)) => {
                        assert_eq!(p.ct.to_bytes().unwrap(), q.ct.to_bytes().unwrap());
                        assert_eq!(p.depth, q.depth);
                    }
                    _ => panic!("a constant bit came back as a ciphertext or back"),
                }
            }
        }
        let slots = params.slots().unwrap().slots();
        let decrypted = read_back
            .weights
            .decode(slots, |bits: &EncryptedBits| sk.decrypt_bits(&bits.ct))
            .unwrap();
        assert_eq!(
            decrypted[1],
            (0..30).map(|i| i * 37 - 500).collect::<Vec<i64>>()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn model_of_another_network_is_refused_naming_the_file() {
        let (params, _, pk) = keys(1);
        let dir = scratch("other-network");
        let path = dir.join(MODEL);
        let written = model(&params, &pk);
        written.write(&path, stamp(&params, &pk)).unwrap();
        let nn2 = ModelShape {
            sizes: vec![64, 32, 16, 10],
            ..written.shape.clone()
        };
        let error = EncryptedModel::read(&path, &params, pk.key_id(), Some(&nn2))
            .err()
            .unwrap();
        assert!(matches!(error, ArtifactError::Mismatch { .. }), "{error}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn batch_under_another_key_is_refused_naming_the_file() {
        let (params, _, pk) = keys(1);
        let (_, _, other) = keys(2);
        let dir = scratch("other-key");
        let path = dir.join(batch_file(0));
        let slots = params.slots().unwrap().slots();
        let data = Dataset {
            dim: 2,
            features: (0..2 * slots).map(|i| i as f64 / 40.0).collect(),
            labels: (0..slots).map(|i| (i % 10) as u8).collect(),
        };
        let mut rng = seeded_rng(4);
        let samples: Vec<usize> = (0..slots).collect();
        let batch = BitslicedBatch::encode(&data, &samples, slots, |bits| {
            pk.encrypt_bits(&params, bits, &mut rng)
                .map(|ct| EncryptedBits { ct, depth: 0 })
        })
        .unwrap();
        let file = EncryptedBatch {
            index: 0,
            batches: 1,
            normalization: Normalization {
                mean: 0.0,
                std: 1.0,
            },
            start: None,
            batch,
        };
        file.write(&path, stamp(&params, &pk)).unwrap();
        assert!(EncryptedBatch::read(&path, &params, pk.key_id(), 2).is_ok());
        let error = EncryptedBatch::read(&path, &params, other.key_id(), 2)
            .err()
            .unwrap();
        assert!(
            matches!(error, ArtifactError::KeyMismatch { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("batch-0000.bin"), "{error}");
        let error = EncryptedBatch::read(&path, &params, pk.key_id(), 64)
            .err()
            .unwrap();
        assert!(matches!(error, ArtifactError::Mismatch { .. }), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn truncated_and_altered_files_are_refused_naming_the_file() {
        let (params, _, pk) = keys(1);
        let dir = scratch("damaged");
        let path = dir.join(MODEL);
        model(&params, &pk)
            .write(&path, stamp(&params, &pk))
            .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let truncated = dir.join("truncated.enc");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        let mut altered_bytes = bytes.clone();
        altered_bytes[bytes.len() / 2] ^= 1;
        let altered = dir.join("altered.enc");
        std::fs::write(&altered, &altered_bytes).unwrap();
        for (file, what) in [
            (&truncated, "length mismatch"),
            (&altered, "checksum mismatch"),
        ] {
            let error = EncryptedModel::read(file, &params, pk.key_id(), None)
                .err()
                .unwrap();
            assert!(matches!(error, ArtifactError::Bgv { .. }), "{error}");
            let message = error.to_string();
            assert!(
                message.contains(&file.display().to_string()) && message.contains(what),
                "{message}"
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn secret_key_is_refused_as_public_keys() {
        let (params, sk, _) = keys(1);
        let dir = scratch("secret-as-public");
        std::fs::write(dir.join(PARAMS), params.to_bytes().unwrap()).unwrap();
        std::fs::write(dir.join(PUBLIC_KEY), sk.to_bytes().unwrap()).unwrap();
        let error = PublicMaterial::load(&dir).err().unwrap();
        let message = error.to_string();
        assert!(matches!(error, ArtifactError::Bgv { .. }), "{message}");
        assert!(
            message.contains("public.key") && message.contains("not a bgv.public-key"),
            "{message}"
        );
        std::fs::write(dir.join(SECRET_KEY), sk.to_bytes().unwrap()).unwrap();
        let error = PublicMaterial::load(&dir).err().unwrap();
        assert!(
            matches!(error, ArtifactError::SecretKeyPresent { .. }),
            "{error}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file_and_sets_the_mode() {
        let dir = scratch("atomic");
        let path = dir.join("secret.key");
        write_atomic(&path, b"first", 0o600).unwrap();
        write_atomic(&path, b"second", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("secret.key")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let missing = dir.join("no-such-dir").join("x");
        assert!(matches!(
            write_atomic(&missing, b"x", 0o644),
            Err(ArtifactError::Io { .. })
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
