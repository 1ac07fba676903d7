//! One SGD step of the generic fixed-point circuit on ciphertexts with recryption
//! (`RecryptingBackend`), checked against the fixed-point plaintext trainer and the counting
//! backend. Shared by tests/encrypted_training.rs (the checks) and benches/table1.rs (the
//! figures): both include this file with `#[path]`.
//!
//! Keys, the bootstrapping key and the data come from fixed seeds. The packed weights are
//! encrypted and switched down at once to the level a refreshed ciphertext has (the level
//! they need: a weight enters the products at depth 0, like a refreshed value), so they take
//! as little memory as the chain allows.

use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, PublicKey, SecretKey};
use nit_bgv::rotation::all_rotation_exponents;
use nit_bgv::ParamsLiteral;
use nit_bootstrap::{recryption_bits, Bootstrapper, BootstrappingKey};
use nit_nn::bitsliced::{AdderKind, BitInt, BitSimd, PlainBackend, SlotCycles, TotalSumMethod};
use nit_nn::data::Dataset;
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::model::Learner;
use nit_nn::model::{
    counted_step_with_refresh, step_parts_with_refresh, BitslicedBatch, FixedCircuit, FixedTrainer,
    FixedWeights, PartCost, StepObserver, StepPart, StepTrace, WeightRefresh,
};
use nit_nn::recrypting::RecryptingBackend;
use nit_ring::sample::{seeded_rng, SecureRng};
use rand::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const LR_SHIFT: usize = 4;
pub const ADDER: AdderKind = AdderKind::Sklansky;
pub const SUM: TotalSumMethod = TotalSumMethod::CarrySave(AdderKind::Sklansky);

/// What one recrypted step measured and counted.
pub struct RecryptedStep {
    /// Slots (samples in the batch).
    pub slots: usize,
    /// The slot cycles the batch sums run over (the hypercube's dimensions).
    pub cycles: SlotCycles,
    /// Ciphertext primes of the chain.
    pub primes: usize,
    /// Primes a refreshed ciphertext keeps (the packed weights sit there).
    pub refreshed_primes: usize,
    /// L: AND levels a refreshed value carries (the probe's).
    pub levels: usize,
    /// Wall seconds of one recryption, the mean of a few in a row (setup, one at a time).
    pub refresh_seconds: f64,
    /// Keys, bootstrapping key, probe and encryption of weights and batch.
    pub setup_seconds: f64,
    /// Each part of the step in the order it ran, with its wall seconds.
    pub parts: Vec<(StepPart, f64)>,
    /// The packed refresh of every weight after the step.
    pub weight_refresh_seconds: f64,
    /// Refreshes of the step and of the packed weight refresh (the depth policy's).
    pub refreshes: u64,
    /// Refreshes the capacity guard added (unpredicted).
    pub guard_refreshes: u64,
    /// The counting backend's prediction of `refreshes` under the same policy.
    pub predicted_refreshes: u64,
    /// The counting backend's parts of the step under the same policy.
    pub counted: Vec<PartCost>,
    /// Peak resident memory of the process after the step (MB).
    pub peak_mb: u64,
}

/// `samples` synthetic samples of `dim` features in [0, 1) with labels 0..10.
pub fn synthetic(dim: usize, samples: usize, seed: u64) -> Dataset {
    let mut rng = seeded_rng(seed);
    Dataset {
        dim,
        features: (0..dim * samples)
            .map(|_| rng.gen_range(0.0..1.0))
            .collect(),
        labels: (0..samples).map(|_| rng.gen_range(0..10u8)).collect(),
    }
}

/// Times the parts of a step (each from its start to the next one's) and, with `log`, prints
/// each part's start and every tenth of its units to stderr.
struct PartClock {
    started: Instant,
    log: bool,
    starts: Mutex<Vec<(StepPart, Instant, usize)>>,
    done: AtomicUsize,
}

impl StepObserver for PartClock {
    fn start(&self, part: StepPart, units: usize) {
        self.done.store(0, Ordering::Relaxed);
        if self.log {
            eprintln!(
                "[{:8.1} s] {part:?}: {units} units (peak {} MB so far)",
                self.started.elapsed().as_secs_f64(),
                fhe_nit::peak_memory::peak_resident_mb()
            );
        }
        self.starts
            .lock()
            .unwrap()
            .push((part, Instant::now(), units));
    }

    fn unit_done(&self, part: StepPart) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.log {
            let units = self.starts.lock().unwrap().last().map_or(0, |s| s.2);
            if units >= 10 && done.is_multiple_of(units / 10) {
                eprintln!(
                    "[{:8.1} s]   {part:?}: {done} / {units}",
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}

/// Runs one step of `sizes` on `literal` with recryption, weights refreshed packed after it,
/// and asserts: decrypted weights equal the fixed-point trainer's bit for bit (and differ from
/// the initial ones), activations, slopes and deltas equal the plaintext backend's layer by
/// layer, and the refreshes equal the counting backend's prediction with none from the guard.
pub fn run(literal: ParamsLiteral, sizes: &[usize], seed: u64, log: bool) -> RecryptedStep {
    let clock = Instant::now();
    let (sk, pk, inner, mut rng) = setup(literal, seed);
    let params = inner.evaluator().params().clone();
    let key = BootstrappingKey::generate(&sk, recryption_bits(&params), &mut rng).unwrap();
    let bootstrapper = Arc::new(Bootstrapper::new(&params, key).unwrap());
    let slots = inner.slots();
    let probe = inner.encrypt(&pk, &vec![true; slots], &mut rng).unwrap();
    let timed = Instant::now();
    let rounds = 4;
    let mut refreshed_primes = 0;
    for _ in 0..rounds {
        refreshed_primes = bootstrapper.recrypt(&probe.ct).unwrap().level();
    }
    let refresh_seconds = timed.elapsed().as_secs_f64() / rounds as f64;
    let backend = RecryptingBackend::new(inner, bootstrapper, &pk, &mut rng).unwrap();
    let levels = backend.levels_after_refresh();

    let circuit = FixedCircuit::new(sizes, LR_SHIFT, ADDER, SUM).unwrap();
    let cycles = SlotCycles::of(&backend);
    let counted = step_parts_with_refresh(&circuit, cycles.clone(), levels as u32).unwrap();
    let deepest = counted.iter().map(|p| p.deepest_and).max().unwrap_or(0);
    if log {
        eprintln!(
            "m = {}, {} primes, {slots} slots: L = {levels}, deepest segment {deepest}, refreshed ciphertexts keep {refreshed_primes} primes, {:.1} ms per refresh",
            params.m(),
            params.max_level(),
            refresh_seconds * 1e3
        );
    }
    assert!(
        (deepest as usize) < levels,
        "the chain carries {levels} AND levels after a refresh, the step's deepest segment is {deepest}"
    );

    let data = synthetic(sizes[0], slots, seed + 1);
    let batch: Vec<usize> = (0..slots).collect();
    let mut expected = FixedTrainer::new(sizes, seed, LR_SHIFT, ADDER, SUM).unwrap();
    expected.circuit = circuit.clone();
    let initial = expected.weights.clone();
    expected.step(&data, &batch).unwrap();

    let (plain, plain_trace) = plain_step(&circuit, &initial, &data, &batch);

    let evaluator = backend.inner().evaluator();
    let mut weights = FixedWeights::<RecryptingBackend>::encode(&initial, slots, |b| {
        let fresh = backend.inner().encrypt(&pk, b, &mut rng)?;
        Ok::<_, nit_bgv::BgvError>(EncryptedBits {
            ct: evaluator.mod_switch_to(&fresh.ct, refreshed_primes)?,
            depth: 0,
        })
    })
    .unwrap();
    let inputs = BitslicedBatch::<RecryptingBackend>::encode(&data, &batch, slots, |b| {
        backend.inner().encrypt(&pk, b, &mut rng)
    })
    .unwrap();
    let setup_seconds = clock.elapsed().as_secs_f64();

    let observer = PartClock {
        started: Instant::now(),
        log,
        starts: Mutex::new(Vec::new()),
        done: AtomicUsize::new(0),
    };
    let trace = circuit
        .step_observed(
            &backend,
            &mut weights,
            &inputs.inputs,
            &inputs.labels,
            &observer,
        )
        .unwrap();
    let step_end = Instant::now();
    let starts = observer.starts.into_inner().unwrap();
    let parts: Vec<(StepPart, f64)> = starts
        .iter()
        .enumerate()
        .map(|(i, (part, start, _))| {
            let end = starts.get(i + 1).map_or(step_end, |next| next.1);
            (*part, (end - *start).as_secs_f64())
        })
        .collect();
    if log {
        eprintln!(
            "step done in {:.1} s; refreshing the weights packed",
            observer.started.elapsed().as_secs_f64()
        );
    }
    let timed = Instant::now();
    weights.refresh_packed(&backend, 0).unwrap();
    let weight_refresh_seconds = timed.elapsed().as_secs_f64();
    let peak_mb = fhe_nit::peak_memory::peak_resident_mb();

    let decrypt_all = |xs: &[BitInt<RecryptingBackend>]| -> Vec<Vec<i64>> {
        xs.iter()
            .map(|x| {
                x.decode(slots, |b| backend.inner().decrypt(&sk, b))
                    .unwrap()
            })
            .collect()
    };
    assert_layers_equal(&trace, &plain_trace, &plain, decrypt_all);
    let decrypted = weights
        .decode(slots, |b| backend.inner().decrypt(&sk, b))
        .unwrap();
    assert_eq!(decrypted, expected.weights, "weights after one step");
    assert_ne!(
        decrypted, initial,
        "the step changed no weight: the test proves nothing"
    );

    let counting = counted_step_with_refresh(
        &circuit,
        cycles.clone(),
        levels as u32,
        WeightRefresh::Packed,
    )
    .unwrap();
    let run = RecryptedStep {
        slots,
        cycles,
        primes: params.max_level(),
        refreshed_primes,
        levels,
        refresh_seconds,
        setup_seconds,
        parts,
        weight_refresh_seconds,
        refreshes: backend.refreshes(),
        guard_refreshes: backend.guard_refreshes(),
        predicted_refreshes: counting.counts().refresh,
        counted,
        peak_mb,
    };
    if log {
        eprintln!(
            "refreshes {} (predicted {}), guard {}, peak {} MB, weights equal the fixed-point trainer's",
            run.refreshes, run.predicted_refreshes, run.guard_refreshes, run.peak_mb
        );
    }
    assert_eq!(run.refreshes, run.predicted_refreshes);
    assert_eq!(
        run.guard_refreshes, 0,
        "refreshes the counting backend cannot predict"
    );
    run
}

/// Keys and an encrypted backend on `literal` (relinearization and every rotation key) from
/// `seed`, and the generator they were drawn from, to draw on.
pub fn setup(
    literal: ParamsLiteral,
    seed: u64,
) -> (SecretKey, PublicKey, EncryptedBackend, SecureRng) {
    let params = literal.build().unwrap();
    let mut rng = seeded_rng(seed);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let pk = sk.public_key(&mut rng).unwrap();
    let exponents = all_rotation_exponents(&params).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, &exponents, &mut rng).unwrap();
    let backend = EncryptedBackend::new(Evaluator::new(&params, sk.id(), keys).unwrap()).unwrap();
    (sk, pk, backend, rng)
}

/// The step of `circuit` from `initial` on `batch` of `data`, on plaintext vectors (one
/// sample per slot): the reference the encrypted step's layers are compared with.
pub fn plain_step(
    circuit: &FixedCircuit,
    initial: &[Vec<i64>],
    data: &Dataset,
    batch: &[usize],
) -> (PlainBackend, StepTrace<PlainBackend>) {
    let slots = batch.len();
    let plain = PlainBackend::new(slots).unwrap();
    let mut weights =
        FixedWeights::<PlainBackend>::encode(initial, slots, |b| plain.encode(b)).unwrap();
    let inputs =
        BitslicedBatch::<PlainBackend>::encode(data, batch, slots, |b| plain.encode(b)).unwrap();
    let trace = circuit
        .step_traced(&plain, &mut weights, &inputs.inputs, &inputs.labels)
        .unwrap();
    (plain, trace)
}

/// Asserts that a traced step's activations, slopes and deltas (decrypted by `decrypt`) equal
/// the plaintext backend's layer by layer, naming the first list and layer that differs.
/// Layer l of each list: activations count the input as layer 0, slopes and deltas start at
/// layer 1.
pub fn assert_layers_equal<B: BitSimd>(
    trace: &StepTrace<B>,
    plain_trace: &StepTrace<PlainBackend>,
    plain: &PlainBackend,
    decrypt: impl Fn(&[BitInt<B>]) -> Vec<Vec<i64>>,
) {
    let plain_all = |xs: &[BitInt<PlainBackend>]| -> Vec<Vec<i64>> {
        xs.iter()
            .map(|x| {
                x.decode(plain.slots(), |b| {
                    Ok::<_, nit_nn::bitsliced::PlainError>(plain.decode(b))
                })
                .unwrap()
            })
            .collect()
    };
    let lists = [
        (
            "activations",
            0,
            &trace.pass.activations,
            &plain_trace.pass.activations,
        ),
        ("slopes", 1, &trace.pass.slopes, &plain_trace.pass.slopes),
        ("deltas", 1, &trace.deltas, &plain_trace.deltas),
    ];
    for (what, first, found, expect) in lists {
        for (l, (found, expect)) in found.iter().zip(expect).enumerate() {
            assert_eq!(
                decrypt(found),
                plain_all(expect),
                "{what} of layer {}",
                l + first
            );
        }
    }
}
