//! End to end through the `fhe-nit` binary: train-plain (float and fixed, a few batches),
//! resuming a saved run, eval of the saved model, and plot of two runs on one figure.

use std::path::{Path, PathBuf};
use std::process::Command;

// Timed like the binary: jemalloc with huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

fn fhe_nit(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_fhe-nit"))
        .args(args)
        .output()
        .expect("the fhe-nit binary runs");
    assert!(
        output.status.success(),
        "fhe-nit {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fhe-nit-training-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(dir: &Path, arith: &str) {
    train(dir, arith, 1, &[]);
}

fn train(dir: &Path, arith: &str, epochs: usize, extra: &[&str]) {
    let epochs = epochs.to_string();
    let mut args = vec![
        "train-plain",
        "--model",
        "nn2",
        "--arith",
        arith,
        "--epochs",
        &epochs,
        "--train-samples",
        "120",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    fhe_nit(&args);
}

/// Two epochs, or one epoch and a resumed second: the same model.json and metrics.csv bytes.
#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    for arith in ["fixed", "float"] {
        let whole = scratch(&format!("whole-{arith}"));
        let parts = scratch(&format!("parts-{arith}"));
        train(&whole, arith, 2, &[]);
        train(&parts, arith, 1, &[]);
        train(&parts, arith, 2, &["--resume"]);
        for file in ["model.json", "metrics.csv"] {
            let read = |dir: &Path| std::fs::read(dir.join(file)).unwrap();
            assert_eq!(read(&whole), read(&parts), "{arith} {file}");
        }
    }
}

#[test]
fn train_eval_and_plot_write_the_documented_outputs() {
    let float = scratch("float");
    let fixed = scratch("fixed");
    run(&float, "float");
    run(&fixed, "fixed");
    for dir in [&float, &fixed] {
        let metrics = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
        assert!(metrics.starts_with("epoch,train_loss,test_accuracy\n1,"));
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap())
                .unwrap();
        assert_eq!(model["model"], "nn2");
        assert_eq!(model["input"]["crop"], 24);
        assert_eq!(model["input"]["size"], 8);
        assert_eq!(model["layers"][0]["inputs"], 64);
        assert_eq!(
            model["layers"][0]["weights"][31].as_array().unwrap().len(),
            65
        );
        assert_eq!(model["layers"][2]["outputs"], 10);
        assert!(std::fs::read_to_string(dir.join("accuracy.svg"))
            .unwrap()
            .contains("<polyline"));
    }
    let model = fixed.join("model.json");
    let report = fhe_nit(&["eval", "--model", model.to_str().unwrap()]);
    assert!(report.contains("test accuracy"), "{report}");
    let figure = scratch("plot").with_extension("svg");
    fhe_nit(&[
        "plot",
        "--out",
        figure.to_str().unwrap(),
        float.to_str().unwrap(),
        fixed.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(&figure).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert!(svg.contains("NN2 fixed") && svg.contains("NN2 float"));
    for dir in [float, fixed] {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::remove_file(figure).unwrap();
}

#[test]
fn fixed_point_refuses_a_learning_rate_that_is_not_a_power_of_two() {
    let output = Command::new(env!("CARGO_BIN_EXE_fhe-nit"))
        .args([
            "train-plain",
            "--arith",
            "fixed",
            "--lr",
            "0.05",
            "--epochs",
            "1",
        ])
        .args(["--out", scratch("lr").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("2^-t"));
}
