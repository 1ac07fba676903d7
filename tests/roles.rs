//! The owner and provider roles through the `fhe-nit` binary on `toy`: keygen, pretrain,
//! encrypt, train, decrypt, and the bad inputs the provider and owner must refuse with a
//! typed error naming the file. The contract: one encrypted fine-tuning step on the first 60
//! samples, decrypted, equals the plaintext fixed-point trainer's step from the same start.

// Links the facade, whose allocator (jemalloc with huge pages) serves this program.
use fhe_nit as _;
use nit_nn::bitsliced::{AdderKind, TotalSumMethod};
use nit_nn::data::{default_data_dir, normalized_dataset, prepare, Dataset, Mnist, Normalization};
use nit_nn::model::{FixedTrainer, Learner, ModelFile, ModelKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_fhe-nit");
const SIZES: [usize; 4] = [64, 32, 16, 10];

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("roles-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fhe_nit(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn succeeds(args: &[&str]) -> String {
    let out = fhe_nit(args);
    assert!(
        out.status.success(),
        "fhe-nit {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command that must fail; returns its error message.
fn fails(args: &[&str]) -> String {
    let out = fhe_nit(args);
    assert!(!out.status.success(), "fhe-nit {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `train --keys keys --data data --start start --out out`, which must fail; returns
/// its error message.
fn train_fails(keys: &Path, data: &Path, start: &Path, out: &Path) -> String {
    fails(&[
        "train",
        "--keys",
        path(keys),
        "--data",
        path(data),
        "--start",
        path(start),
        "--out",
        path(out),
    ])
}

/// Owner keys, the provider's start model (seed 3) and one encrypted batch of the first 60
/// training images through its frozen layers, made once.
struct Owner {
    keys: PathBuf,
    start: PathBuf,
    data: PathBuf,
}

fn owner() -> &'static Owner {
    static OWNER: OnceLock<Owner> = OnceLock::new();
    OWNER.get_or_init(|| {
        let dir = scratch("owner");
        let keys = dir.join("keys");
        let data = dir.join("data");
        let start = dir.join("start.json");
        succeeds(&[
            "pretrain",
            "--reserve",
            "60",
            "--seed",
            "3",
            "--out",
            path(&start),
        ]);
        let printed = succeeds(&["keygen", "--set", "toy", "--out", path(&keys)]);
        for file in [
            "secret.key",
            "public.key",
            "evaluation.keys",
            "params.bin",
            "bootstrapping.key",
        ] {
            assert!(
                printed.contains(file),
                "keygen does not list {file}: {printed}"
            );
        }
        // The provider's bootstrapping key loads against the provider's parameters and
        // recrypts the owner's ciphertexts.
        let public = keys.join("public");
        let params =
            nit_bgv::Params::from_bytes(&std::fs::read(public.join("params.bin")).unwrap())
                .unwrap();
        let sk = nit_bgv::SecretKey::from_bytes(
            &std::fs::read(keys.join("secret.key")).unwrap(),
            &params,
        )
        .unwrap();
        let key = nit_bootstrap::BootstrappingKey::from_bytes(
            &std::fs::read(public.join("bootstrapping.key")).unwrap(),
            &params,
        )
        .unwrap();
        let bootstrapper = nit_bootstrap::Bootstrapper::new(&params, key).unwrap();
        let bits: Vec<bool> = (0..params.slots().unwrap().slots())
            .map(|i| i % 3 == 0)
            .collect();
        let ct = sk
            .encrypt_bits(&bits, &mut nit_ring::sample::seeded_rng(5))
            .unwrap();
        assert_eq!(
            sk.decrypt_bits(&bootstrapper.recrypt(&ct).unwrap())
                .unwrap(),
            bits
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(keys.join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "secret.key is readable by others");
        }
        let printed = succeeds(&[
            "encrypt",
            "--keys",
            path(&keys),
            "--samples",
            "60",
            "--start",
            path(&start),
            "--out",
            path(&data),
        ]);
        assert!(printed.contains("bytes per sample"), "{printed}");
        let levels: Vec<usize> = printed
            .split("samples at ")
            .nth(1)
            .and_then(|rest| rest.split(" primes").next())
            .map(|s| s.split(" of ").filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default();
        assert!(
            matches!(levels[..], [level, top] if level < top),
            "samples not below the top level: {printed}"
        );
        Owner { keys, start, data }
    })
}

/// The first `n` training images normalized with `normalization`, or (None) as
/// `train-plain --train-samples n` prepares them.
fn first_samples(n: usize, normalization: Option<Normalization>) -> Dataset {
    let mut mnist = Mnist::load(&default_data_dir()).unwrap();
    mnist.train = mnist.train.truncated(n);
    let geometry = ModelKind::Nn2.geometry();
    match normalization {
        Some(normalization) => normalized_dataset(&mnist.train, geometry, normalization).unwrap(),
        None => prepare(&mnist, geometry).unwrap().train,
    }
}

/// `train-plain --arith fixed` uses ripple adders, the provider Sklansky adders and
/// carry-save sums: the same integers, so the same weights, full and fine-tuning.
#[test]
fn ripple_and_sklansky_steps_give_the_same_weights_on_an_mnist_batch() {
    let data = first_samples(60, None);
    let batch: Vec<usize> = (0..60).collect();
    for frozen in [0, 2] {
        let step = |adder, sum| {
            let mut trainer = FixedTrainer::new(&SIZES, 7, 4, adder, sum).unwrap();
            trainer.circuit = trainer.circuit.clone().with_frozen_layers(frozen).unwrap();
            let start = trainer.weights.clone();
            trainer.step(&data, &batch).unwrap();
            assert_ne!(trainer.weights, start, "the step changed nothing");
            trainer.weights
        };
        assert_eq!(
            step(AdderKind::Ripple, TotalSumMethod::Adder(AdderKind::Ripple)),
            step(
                AdderKind::Sklansky,
                TotalSumMethod::CarrySave(AdderKind::Sklansky)
            ),
            "frozen layers: {frozen}"
        );
    }
}

#[test]
fn provider_refuses_the_owner_directory_with_the_secret_key() {
    let owner = owner();
    let out = scratch("secret-present");
    let message = train_fails(&owner.keys, &owner.data, &owner.start, &out);
    assert!(
        message.contains("secret.key") && message.contains("holds the secret key"),
        "{message}"
    );
}

#[test]
fn provider_refuses_the_secret_key_as_public_key() {
    let owner = owner();
    let dir = scratch("secret-as-public");
    let public = dir.join("public");
    std::fs::create_dir_all(&public).unwrap();
    for file in ["params.bin", "evaluation.keys"] {
        std::fs::copy(owner.keys.join("public").join(file), public.join(file)).unwrap();
    }
    std::fs::copy(owner.keys.join("secret.key"), public.join("public.key")).unwrap();
    let message = train_fails(&public, &owner.data, &owner.start, &dir.join("model"));
    assert!(
        message.contains("public.key") && message.contains("not a bgv.public-key"),
        "{message}"
    );
}

#[test]
fn provider_refuses_data_under_another_key() {
    let owner = owner();
    let dir = scratch("other-key");
    let other = dir.join("keys");
    succeeds(&["keygen", "--set", "toy", "--out", path(&other)]);
    let message = train_fails(
        &other.join("public"),
        &owner.data,
        &owner.start,
        &dir.join("model"),
    );
    assert!(
        message.contains("batch-0000.bin") && message.contains("encrypted under key"),
        "{message}"
    );
}

#[test]
fn provider_refuses_features_of_another_start_model() {
    let owner = owner();
    let dir = scratch("other-start");
    let other = dir.join("other.json");
    succeeds(&[
        "pretrain",
        "--reserve",
        "60",
        "--seed",
        "4",
        "--epochs",
        "1",
        "--out",
        path(&other),
    ]);
    let message = train_fails(
        &owner.keys.join("public"),
        &owner.data,
        &other,
        &dir.join("model"),
    );
    assert!(
        message.contains("batch-0000.bin") && message.contains("another start model"),
        "{message}"
    );
}

#[test]
fn provider_refuses_truncated_and_altered_batches() {
    let owner = owner();
    let bytes = std::fs::read(owner.data.join("batch-0000.bin")).unwrap();
    let mut altered = bytes.clone();
    altered[bytes.len() / 3] ^= 0x10;
    for (name, damaged, what) in [
        (
            "truncated",
            bytes[..bytes.len() - 1000].to_vec(),
            "length mismatch",
        ),
        ("altered", altered, "checksum mismatch"),
    ] {
        let dir = scratch(name);
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("batch-0000.bin"), damaged).unwrap();
        let message = train_fails(
            &owner.keys.join("public"),
            &data,
            &owner.start,
            &dir.join("model"),
        );
        assert!(
            message.contains("batch-0000.bin") && message.contains(what),
            "{name}: {message}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// `--full` (AND-depth 198) runs with recryption: the provider sets it up, prints the
/// predicted cost of a step of every layer (NN2's 2,295,727 ANDs) and its memory (at least
/// one neuron's replicated row: 65 x 16 ciphertexts of 2 x 600 x 8 bytes on each of at least
/// 2 primes, 20 MB) and goes on to the data,
/// where the 16 features made for fine-tuning are refused as input of the 64-input network
/// (a full step on toy takes CPU hours, so the suite stops it there).
#[test]
fn full_step_starts_with_recryption() {
    let owner = owner();
    let out = scratch("full");
    let output = fhe_nit(&[
        "train",
        "--keys",
        path(&owner.keys.join("public")),
        "--data",
        path(&owner.data),
        "--full",
        "--out",
        path(&out),
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("AND levels after a refresh") && stdout.contains("2295727 ANDs"),
        "{stdout}"
    );
    let growth_mb: u64 = stdout
        .split("ciphertexts peak ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no memory prediction in {stdout}"));
    assert!((20..10_000).contains(&growth_mb), "{stdout}");
    assert!(
        stderr.contains("batch-0000.bin") && stderr.contains("the network takes 64 inputs"),
        "{stderr}"
    );
}

/// A chain too short to multiply after a refresh (toy with 4 or 8 primes) is refused before
/// any data is read, naming the key directory and the remedy.
#[test]
fn provider_refuses_a_chain_too_short_for_recryption() {
    let owner = owner();
    for primes in ["4", "8"] {
        let dir = scratch(&format!("short-{primes}"));
        let keys = dir.join("keys");
        succeeds(&[
            "keygen",
            "--set",
            "toy",
            "--primes",
            primes,
            "--out",
            path(&keys),
        ]);
        let public = keys.join("public");
        let message = train_fails(&public, &owner.data, &owner.start, &dir.join("model"));
        assert!(
            message.contains(path(&public)) && message.contains("keygen --primes"),
            "{primes} primes: {message}"
        );
    }
}

/// The bootstrapping key the provider loads: a missing, truncated, altered or foreign
/// (another owner's) file is a typed error naming it.
#[test]
fn provider_refuses_a_missing_damaged_or_foreign_bootstrapping_key() {
    let owner = owner();
    let public = owner.keys.join("public");
    let bytes = std::fs::read(public.join("bootstrapping.key")).unwrap();
    let mut altered = bytes.clone();
    altered[bytes.len() / 2] ^= 0x01;
    let foreign = {
        let dir = scratch("foreign-bootstrapping-keys");
        succeeds(&["keygen", "--set", "toy", "--out", path(&dir)]);
        std::fs::read(dir.join("public").join("bootstrapping.key")).unwrap()
    };
    for (name, file, what) in [
        ("missing", None, "No such file"),
        (
            "truncated",
            Some(bytes[..bytes.len() - 1000].to_vec()),
            "length mismatch",
        ),
        ("altered", Some(altered), "checksum mismatch"),
        ("foreign", Some(foreign), "encrypted under key"),
    ] {
        let dir = scratch(&format!("bootstrapping-{name}"));
        let keys = dir.join("public");
        std::fs::create_dir_all(&keys).unwrap();
        for file in ["params.bin", "public.key", "evaluation.keys"] {
            std::fs::copy(public.join(file), keys.join(file)).unwrap();
        }
        if let Some(file) = file {
            std::fs::write(keys.join("bootstrapping.key"), file).unwrap();
        }
        let message = train_fails(&keys, &owner.data, &owner.start, &dir.join("model"));
        assert!(
            message.contains("bootstrapping.key") && message.contains(what),
            "{name}: {message}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// Runs `train` with `args`, which must succeed, and checks that the recrypting backend made
/// the refreshes the counting backend predicted (with `refreshed`: the packed refresh of the
/// weights before a second step too) and the capacity guard none. Returns stdout.
fn train_as_predicted(args: &[String], refreshed: bool) -> String {
    let output = fhe_nit(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    let count = |after: &str| -> u64 {
        stdout
            .split(after)
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count after {after:?} in {stdout}"))
    };
    let predicted = count("rotations, ")
        + if refreshed {
            count("refreshes, and ")
        } else {
            0
        };
    assert!(
        stderr.contains(&format!("{predicted} refreshes (0 by the capacity guard)")),
        "predicted {predicted}: {stderr}"
    );
    stdout
}

/// The contract for `--full`: one encrypted step of every NN2 layer on the first 60
/// images (`keygen --set toy`, `encrypt`, `train --full --steps 1 --seed 3`, `decrypt`)
/// writes the weights `train-plain --arith fixed --train-samples 60 --epochs 1 --seed 3`
/// writes, with the predicted refreshes and none from the guard. About an hour of 2 cores
/// and 10 GB: `cargo test --release --test roles -- --ignored --nocapture full_step_equals`.
#[test]
#[ignore = "about an hour on 2 cores: 2.3 million ANDs and 2,066 refreshes at m = 1023"]
fn full_step_equals_train_plain_fixed() {
    let dir = scratch("full-contract");
    let (keys, data, model) = (dir.join("keys"), dir.join("data"), dir.join("model"));
    succeeds(&["keygen", "--set", "toy", "--out", path(&keys)]);
    succeeds(&[
        "encrypt",
        "--keys",
        path(&keys),
        "--samples",
        "60",
        "--out",
        path(&data),
    ]);
    let started = std::time::Instant::now();
    let args: Vec<String> = [
        "train",
        "--keys",
        path(&keys.join("public")),
        "--data",
        path(&data),
        "--full",
        "--steps",
        "1",
        "--seed",
        "3",
        "--out",
        path(&model),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let printed = train_as_predicted(&args, false);
    println!(
        "{printed}train --full --steps 1: {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let decrypted = dir.join("model.json");
    succeeds(&[
        "decrypt",
        "--keys",
        path(&keys),
        "--model",
        path(&model),
        "--out",
        path(&decrypted),
    ]);
    let plain = dir.join("plain");
    succeeds(&[
        "train-plain",
        "--arith",
        "fixed",
        "--train-samples",
        "60",
        "--epochs",
        "1",
        "--seed",
        "3",
        "--out",
        path(&plain),
    ]);
    let found = ModelFile::read(&decrypted).unwrap().network().unwrap();
    let expected = ModelFile::read(&plain.join("model.json"))
        .unwrap()
        .network()
        .unwrap();
    assert_eq!(
        found.weights, expected.weights,
        "weights after one full step"
    );
    let initial = FixedTrainer::new(
        ModelKind::Nn2.layer_sizes(),
        3,
        4,
        AdderKind::Ripple,
        TotalSumMethod::Adder(AdderKind::Ripple),
    )
    .unwrap()
    .dequantized();
    assert_ne!(
        found.weights, initial.weights,
        "the step changed no weight: the test proves nothing"
    );
}

/// The contract of issue #17 in fine-tuning mode: `train --steps 1` on the first 60 samples
/// and `decrypt` write the weights of the plaintext fixed-point trainer (ripple adders, as
/// `train-plain --arith fixed`) stepped once from the provider's start model on those
/// samples; `--steps 2 --resume` (the weights refreshed packed by recryption first) those
/// of its second step; each with the predicted refreshes. Also: decrypt refuses a model
/// under another key, and a finished run refuses `--resume` for the steps it already holds.
///
/// One encrypted step on toy takes minutes (docs/BENCHMARKS.md), so it is out of the
/// default suite: `cargo test --release --test roles -- --ignored --nocapture`.
#[test]
#[ignore]
fn encrypted_fine_tuning_step_equals_the_fixed_point_trainer() {
    let owner = owner();
    let dir = scratch("contract");
    let model = dir.join("model");
    let decrypted = dir.join("model.json");
    let public = owner.keys.join("public");
    let train = |steps: &str, extra: &[&str]| {
        let mut args = vec![
            "train",
            "--keys",
            path(&public),
            "--data",
            path(&owner.data),
            "--steps",
            steps,
            "--start",
            path(&owner.start),
            "--out",
            path(&model),
        ];
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let start = ModelFile::read(&owner.start).unwrap();
    let mut expected = FixedTrainer::from_network(
        &start.network().unwrap(),
        4,
        AdderKind::Ripple,
        TotalSumMethod::Adder(AdderKind::Ripple),
    )
    .unwrap();
    expected.circuit = expected.circuit.clone().with_frozen_layers(2).unwrap();
    let data = first_samples(60, Some(start.normalization()));
    // Step 1, then step 2 resumed from its checkpoint (the weights refreshed packed first).
    for (steps, extra) in [("1", vec![]), ("2", vec!["--resume"])] {
        train_as_predicted(&train(steps, &extra), !extra.is_empty());
        succeeds(&[
            "decrypt",
            "--keys",
            path(&owner.keys),
            "--model",
            path(&model),
            "--out",
            path(&decrypted),
        ]);
        expected.step(&data, &(0..60).collect::<Vec<_>>()).unwrap();
        let found = ModelFile::read(&decrypted).unwrap();
        assert_eq!(found.normalization(), start.normalization());
        assert_eq!(
            found.network().unwrap().weights,
            expected.dequantized().weights,
            "after {steps} steps"
        );
        assert_ne!(
            found.network().unwrap().weights,
            start.network().unwrap().weights,
            "the step changed no weight: the test proves nothing"
        );
    }
    let printed = succeeds(&["eval", "--model", path(&decrypted)]);
    assert!(printed.contains("test accuracy"), "{printed}");

    let resumed = train("2", &["--resume"]);
    let message = fails(&resumed.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(message.contains("already holds 2 steps"), "{message}");

    let other = dir.join("other");
    succeeds(&["keygen", "--set", "toy", "--out", path(&other)]);
    let message = fails(&[
        "decrypt",
        "--keys",
        path(&other),
        "--model",
        path(&model),
        "--out",
        path(&dir.join("wrong.json")),
    ]);
    assert!(
        message.contains("model.enc") && message.contains("encrypted under key"),
        "{message}"
    );
}
