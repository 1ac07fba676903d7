//! Bad inputs to the `fhe-nit` binary end in an error message and a non-zero exit, before any
//! long work: each case passes `--data` a directory that does not exist, so an error about
//! anything else proves the check ran before the MNIST files were loaded.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the binary, expects it to fail, and returns its standard error.
fn fails(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_fhe-nit"))
        .args(args)
        .output()
        .expect("the fhe-nit binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "fhe-nit {args:?} should fail with an error; stderr: {stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhe-nit-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const NO_DATA: &str = "/nonexistent/fhe-nit-cli-test";

fn train_plain(out: &Path, arith: &str, lr: &str) -> String {
    // `--lr=x`: a separate "-0.0625" would parse as a flag.
    fails(&[
        "train-plain",
        "--arith",
        arith,
        &format!("--lr={lr}"),
        "--epochs",
        "1",
        "--data",
        NO_DATA,
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn learning_rates_outside_the_arithmetic_are_refused_before_training() {
    let out = scratch("lr");
    for lr in ["1e308", "NaN", "inf", "-0.0625", "0", "512"] {
        let stderr = train_plain(&out, "float", lr);
        assert!(stderr.contains("learning rate"), "{lr}: {stderr}");
    }
    // 2^-40 is a power of two, but every fixed-point update would round to zero.
    for lr in ["1e308", "0.5", "0.05", "9.094947017729282e-13"] {
        let stderr = train_plain(&out, "fixed", lr);
        assert!(stderr.contains("learning rate"), "{lr}: {stderr}");
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "nothing written"
    );
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn an_output_directory_that_cannot_be_written_is_refused_before_training() {
    let dir = scratch("out");
    let file = dir.join("a-file");
    std::fs::write(&file, b"").unwrap();
    let out = file.join("run");
    let stderr = train_plain(&out, "float", "0.0625");
    assert!(stderr.contains(out.to_str().unwrap()), "{stderr}");
    assert!(!stderr.contains("MNIST"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A model.json of NN2 (every weight 0.5) whose first row has `first_row_len` values (65 is
/// right: 64 weights and the bias), or with no layers at all when `layers` is false.
fn nn2_model(layers: bool, first_row_len: usize) -> String {
    let layer = |inputs: usize, outputs: usize, first: usize| {
        let rows: Vec<String> = (0..outputs)
            .map(|r| {
                let n = if r == 0 { first } else { inputs + 1 };
                format!("[{}]", vec!["0.5"; n].join(","))
            })
            .collect();
        format!(
            r#"{{"inputs":{inputs},"outputs":{outputs},"weights":[{}]}}"#,
            rows.join(",")
        )
    };
    let body = if layers {
        [
            layer(64, 32, first_row_len),
            layer(32, 16, 33),
            layer(16, 10, 17),
        ]
        .join(",")
    } else {
        String::new()
    };
    format!(
        r#"{{"model":"nn2","arith":"float","input":{{"crop":24,"size":8,"mean":45.5,"std":70.9}},"layers":[{body}]}}"#
    )
}

fn eval(model: &Path) -> String {
    fails(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        NO_DATA,
    ])
}

#[test]
fn model_files_are_validated_when_loaded() {
    let dir = scratch("model");
    let model = dir.join("model.json");
    std::fs::write(&model, nn2_model(false, 0)).unwrap();
    assert!(eval(&model).contains("no layers"));
    std::fs::write(&model, nn2_model(true, 64)).unwrap();
    let stderr = eval(&model);
    assert!(stderr.contains("inconsistent model"), "{stderr}");
    std::fs::write(&model, nn2_model(true, 65).replacen("0.5", "1e999", 1)).unwrap();
    assert!(eval(&model).contains("not a model file"));
    // The well-formed file passes validation and reaches the data loader.
    std::fs::write(&model, nn2_model(true, 65)).unwrap();
    assert!(eval(&model).contains("missing MNIST file"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn oversized_files_are_refused_without_reading_them() {
    let dir = scratch("large");
    let model = dir.join("model.json");
    // Sparse files: 16 MiB + 1 and 64 MiB + 1 bytes of zeros that take no disk space.
    std::fs::File::create(&model)
        .unwrap()
        .set_len((16 << 20) + 1)
        .unwrap();
    assert!(eval(&model).contains("larger than"));
    let images = dir.join("train-images-idx3-ubyte");
    std::fs::File::create(&images)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let stderr = fails(&[
        "train-plain",
        "--epochs",
        "1",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        dir.join("run").to_str().unwrap(),
    ]);
    assert!(stderr.contains("larger than"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `params --json --set toy` carries the recryption object, its refresh measured (toy's keys
/// are small): the AND levels a refreshed value carries and a failure bound below 2^-80.
#[test]
fn params_json_reports_recryption() {
    let output = Command::new(env!("CARGO_BIN_EXE_fhe-nit"))
        .args(["params", "--json", "--set", "toy"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sets: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let recryption = &sets[0]["recryption"];
    assert_eq!(recryption["e"], 9);
    assert_eq!(recryption["digits_removed"], 8);
    assert!(recryption["failure_log2_per_refresh"].as_f64().unwrap() < -80.0);
    let levels = recryption["and_levels_after_refresh"]
        .as_u64()
        .expect("measured at toy");
    assert!(levels >= 20, "{levels} AND levels after a refresh");
    assert_eq!(
        recryption["measured"]["and_levels_after_refresh"].as_u64(),
        Some(levels)
    );
}
