//! The provider's checkpoints on a small ring (m = 127, NOT SECURE): a run killed after a
//! step and resumed writes the uninterrupted run's checkpoint bit for bit, and what an
//! interrupted write leaves behind is never taken for a checkpoint. The step here is a cheap
//! homomorphic stand-in (every weight bit XOR a label bit of the batch, so the result depends
//! on which batch each step takes); the real step's determinism is the contract test's.

use super::artifacts::*;
use super::provider::{previous_checkpoint, run_steps};
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, PublicKey, SecretKey};
use nit_bgv::{Params, ParamsLiteral};
use nit_nn::bitsliced::{bit, Bit, BitInt};
use nit_nn::data::{Normalization, DIGITS};
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::files::FileError;
use nit_nn::model::encrypted_trainer::EncryptedWeights;
use nit_nn::model::{BitslicedBatch, FixedWeights, LayerWeights};
use nit_ring::sample::seeded_rng;
use std::path::{Path, PathBuf};

const BATCHES: usize = 2;
const NORMALIZATION: Normalization = Normalization {
    mean: 0.5,
    std: 0.25,
};

struct Setup {
    params: Params,
    sk: SecretKey,
    pk: PublicKey,
    backend: EncryptedBackend,
    stamp: Stamp,
    shape: ModelShape,
}

fn setup() -> Setup {
    let params = ParamsLiteral::small(127, 3).build().unwrap();
    let mut rng = seeded_rng(11);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let pk = sk.public_key(&mut rng).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).unwrap();
    let backend = EncryptedBackend::new(Evaluator::new(&params, sk.id(), keys).unwrap()).unwrap();
    let stamp = Stamp {
        params_id: params.fingerprint(),
        key_id: sk.id(),
    };
    let shape = ModelShape {
        sizes: vec![2, 10],
        frozen_layers: 0,
        lr_shift: 4,
        start: [5; 16],
    };
    Setup {
        params,
        sk,
        pk,
        backend,
        stamp,
        shape,
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhe-nit-provider-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Setup {
    fn slots(&self) -> usize {
        self.params.slots().unwrap().slots()
    }

    fn encrypt(&self, bits: &[bool], seed: u64) -> EncryptedBits {
        let ct = self
            .pk
            .encrypt_bits(&self.params, bits, &mut seeded_rng(seed))
            .unwrap();
        EncryptedBits { ct, depth: 0 }
    }

    /// Two batches of no inputs and ten label bits, the same in every slot (so the weights
    /// decode), different between the batches; seeded, as `encrypt` writes them.
    fn write_batches(&self, dir: &Path) {
        let mut rng = seeded_rng(100);
        for index in 0..BATCHES {
            let mut seeds = Vec::new();
            let labels = (0..DIGITS)
                .map(|k| {
                    let bits = vec![(k + index) % 3 == 0; self.slots()];
                    let (ct, seed) = self.sk.encrypt_bits_seeded(&bits, &mut rng).unwrap();
                    seeds.push(seed);
                    Bit::Var(EncryptedBits { ct, depth: 0 })
                })
                .collect();
            let batch = EncryptedBatch {
                index,
                batches: BATCHES,
                normalization: NORMALIZATION,
                start: None,
                batch: BitslicedBatch {
                    inputs: Vec::new(),
                    labels,
                },
            };
            batch
                .write_seeded(&dir.join(batch_file(index)), self.stamp, &seeds)
                .unwrap();
        }
    }

    /// The 30 weights of `shape`, encrypted deterministically (every run starts the same).
    fn fresh_model(&self) -> EncryptedModel {
        let values: Vec<Vec<i64>> = vec![(0..30).map(|i| i * 101 - 1500).collect()];
        let mut seed = 1000;
        let weights = FixedWeights::<EncryptedBackend>::encode(&values, self.slots(), |bits| {
            seed += 1;
            Ok::<_, nit_bgv::BgvError>(self.encrypt(bits, seed))
        })
        .unwrap();
        EncryptedModel {
            shape: self.shape.clone(),
            normalization: NORMALIZATION,
            steps: 0,
            weights,
        }
    }

    /// Trains `model` to `steps` on the batches in `data`, checkpointing to `out`.
    fn train(&self, model: &mut EncryptedModel, steps: usize, data: &Path, out: &Path) {
        let read = |index: usize| {
            EncryptedBatch::read(&data.join(batch_file(index)), &self.params, self.sk.id(), 0)
                .map_err(|e| e.to_string())
        };
        let step = |weights: &mut EncryptedWeights, batch: EncryptedBatch| {
            for layer in &mut weights.layers {
                let LayerWeights::Packed { groups, .. } = layer else {
                    continue;
                };
                for (k, w) in groups.iter_mut().enumerate() {
                    let label = &batch.batch.labels[k % DIGITS];
                    let bits = w
                        .bits()
                        .iter()
                        .map(|b| bit::xor(&self.backend, b, label))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| e.to_string())?;
                    *w = BitInt::from_bits(bits).map_err(|e| e.to_string())?;
                }
            }
            Ok(String::new())
        };
        run_steps(
            model,
            steps,
            BATCHES,
            read,
            step,
            (&out.join(MODEL), self.stamp),
            |_, _, _, _| {},
        )
        .unwrap();
    }

    fn decrypt(&self, model: &EncryptedModel) -> Vec<Vec<i64>> {
        model
            .weights
            .decode(self.slots(), |bits: &EncryptedBits| {
                self.backend.decrypt(&self.sk, bits)
            })
            .unwrap()
    }

    fn resume(&self, out: &Path) -> Result<Option<EncryptedModel>, ArtifactError> {
        previous_checkpoint(
            &out.join(MODEL),
            true,
            &self.params,
            self.sk.id(),
            &self.shape,
        )
    }
}

/// Two steps in one run, and one step, a kill (a temporary file of a half-written
/// checkpoint left beside the checkpoint) and `--resume` to step 2: the same checkpoint,
/// byte for byte, and the same decrypted weights.
#[test]
fn killed_run_resumes_from_its_checkpoint_bit_for_bit() {
    let s = setup();
    let dir = scratch("resume");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    s.write_batches(&data);
    let start = s.decrypt(&s.fresh_model());

    let whole = dir.join("whole");
    std::fs::create_dir_all(&whole).unwrap();
    let mut model = s.fresh_model();
    s.train(&mut model, 2, &data, &whole);
    let uninterrupted = s.decrypt(&model);
    assert_ne!(uninterrupted, start, "the steps changed nothing");

    let killed = dir.join("killed");
    std::fs::create_dir_all(&killed).unwrap();
    let mut model = s.fresh_model();
    s.train(&mut model, 1, &data, &killed);
    drop(model);
    let checkpoint = std::fs::read(killed.join(MODEL)).unwrap();
    std::fs::write(
        killed.join(format!(".{MODEL}.4242.0.tmp")),
        &checkpoint[..checkpoint.len() / 2],
    )
    .unwrap();
    let mut model = s.resume(&killed).unwrap().unwrap();
    assert_eq!(model.steps, 1);
    s.train(&mut model, 2, &data, &killed);
    assert_eq!(s.decrypt(&model), uninterrupted);
    assert_eq!(
        std::fs::read(killed.join(MODEL)).unwrap(),
        std::fs::read(whole.join(MODEL)).unwrap()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--resume` without a checkpoint, or with a checkpoint cut short (a write that bypassed
/// the rename, a copy interrupted), is a typed error naming model.enc; a run without
/// `--resume` refuses to overwrite a checkpoint.
#[test]
fn missing_or_cut_checkpoints_are_refused() {
    let s = setup();
    let dir = scratch("refused");
    let error = s.resume(&dir).err().unwrap();
    assert!(
        matches!(&error, ArtifactError::File(FileError::Io { path, .. }) if path.ends_with(MODEL)),
        "{error}"
    );
    let path = dir.join(MODEL);
    let bytes = s.fresh_model().write(&path, s.stamp).unwrap() as usize;
    let whole = std::fs::read(&path).unwrap();
    std::fs::write(&path, &whole[..bytes - 100]).unwrap();
    let error = s.resume(&dir).err().unwrap();
    assert!(
        matches!(&error, ArtifactError::Bgv { path, .. } if path.ends_with(MODEL))
            && error.to_string().contains("length mismatch"),
        "{error}"
    );
    let error = previous_checkpoint(&path, false, &s.params, s.sk.id(), &s.shape)
        .err()
        .unwrap();
    assert!(
        matches!(&error, ArtifactError::CheckpointExists { path: p } if *p == path),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
