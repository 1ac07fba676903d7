//! Tests of the exchanged artifacts on a small ring (m = 127, NOT SECURE): round trips bit
//! for bit, and every refusal names the file.

use super::artifacts::*;
use nit_bgv::keys::{PublicKey, SecretKey};
use nit_bgv::BgvError;
use nit_bgv::Params;
use nit_bgv::ParamsLiteral;
use nit_nn::bitsliced::Bit;
use nit_nn::data::Dataset;
use nit_nn::data::Normalization;
use nit_nn::data::DIGITS;
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::files::FileError;
use nit_nn::model::fixed_format::NARROW;
use nit_nn::model::{BitslicedBatch, FixedWeights, LayerWeights};
use nit_ring::sample::seeded_rng;
use std::path::PathBuf;

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
    let dir = std::env::temp_dir().join(format!("fhe-nit-artifacts-{}-{name}", std::process::id()));
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
        .flat_map(LayerWeights::stored)
        .zip(
            read_back
                .weights
                .layers
                .iter()
                .flat_map(LayerWeights::stored),
        )
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

/// A batch is written seeded (c_0 and the seed of c_1 per ciphertext) and reads back to the
/// same bits; seeds that do not fit its ciphertexts are refused before anything is written;
/// a batch under another key is refused naming the file.
#[test]
fn seeded_batch_round_trips_and_under_another_key_is_refused_naming_the_file() {
    let (params, sk, pk) = keys(1);
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
    let mut seeds = Vec::new();
    let batch = BitslicedBatch::encode(&data, &samples, slots, |bits| {
        sk.encrypt_bits_seeded(bits, &mut rng).map(|(ct, seed)| {
            seeds.push(seed);
            EncryptedBits { ct, depth: 0 }
        })
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
    let _ = std::fs::remove_file(&path);
    let stamp = stamp(&params, &pk);
    for wrong in [
        &seeds[1..],
        &seeds.iter().rev().copied().collect::<Vec<_>>()[..],
    ] {
        let error = file.write_seeded(&path, stamp, wrong).err().unwrap();
        assert!(
            matches!(
                &error,
                ArtifactError::Bgv {
                    source: BgvError::SeedMismatch,
                    ..
                }
            ),
            "{error}"
        );
    }
    assert!(!path.exists(), "a refused batch was written");
    let bytes = file.write_seeded(&path, stamp, &seeds).unwrap();
    let full = match &file.batch.labels[0] {
        Bit::Var(v) => v.ct.to_bytes().unwrap().len(),
        Bit::Const(_) => panic!("labels are encrypted"),
    };
    assert!(
        (bytes as usize) < (2 * NARROW + DIGITS) * full * 55 / 100,
        "{bytes} bytes for {} ciphertexts of {full} bytes in full",
        2 * NARROW + DIGITS
    );
    let read = EncryptedBatch::read(&path, &params, pk.key_id(), 2).unwrap();
    let decrypt = |b: &BitslicedBatch<EncryptedBackend>| -> Vec<Vec<bool>> {
        b.inputs
            .iter()
            .flat_map(|x| x.bits())
            .chain(&b.labels)
            .map(|bit| match bit {
                Bit::Var(v) => sk.decrypt_bits(&v.ct).unwrap(),
                Bit::Const(c) => vec![*c; slots],
            })
            .collect()
    };
    assert_eq!(decrypt(&read.batch), decrypt(&file.batch));
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

/// Every artifact read is bounded by its kind's limit: a larger file (or a device) is refused
/// with `TooLarge` naming the file, before the envelope is parsed.
#[test]
fn artifact_reads_above_their_kind_limit_are_refused() {
    let (params, _, pk) = keys(4);
    let dir = scratch("limits");
    let huge = |name: &str, size: u64| {
        let path = dir.join(name);
        std::fs::File::create(&path).unwrap().set_len(size).unwrap();
        path
    };
    let too_large = |error: ArtifactError, name: &str| {
        assert!(
            matches!(&error, ArtifactError::File(FileError::TooLarge { path, .. }) if path.ends_with(name)),
            "{error}"
        );
    };
    let model_path = huge(MODEL, limits::model(&params) + 1);
    too_large(
        EncryptedModel::read(&model_path, &params, pk.key_id(), None)
            .err()
            .unwrap(),
        MODEL,
    );
    let batch = huge("batch-0000.bin", limits::batch(&params, 2) + 1);
    too_large(
        EncryptedBatch::read(&batch, &params, pk.key_id(), 2)
            .err()
            .unwrap(),
        "batch-0000.bin",
    );
    huge(PARAMS, MAX_PARAMS_BYTES + 1);
    too_large(load_params(&dir).err().unwrap(), PARAMS);
    // A device has no size: the read stops one byte past the limit.
    let error = read(std::path::Path::new("/dev/zero"), limits::key(&params))
        .err()
        .unwrap();
    assert!(
        matches!(error, ArtifactError::File(FileError::TooLarge { .. })),
        "{error}"
    );
    // The limits hold the honest files: a model at the top level is far below its limit.
    let written = dir.join("honest.enc");
    let bytes = model(&params, &pk)
        .write(&written, stamp(&params, &pk))
        .unwrap();
    assert!(bytes < limits::model(&params));
    std::fs::remove_dir_all(dir).unwrap();
}
