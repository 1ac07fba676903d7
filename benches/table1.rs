//! Table 1 of Nandakumar et al. (2019): one NN2 SGD step (64-32-16-10, one sample per slot)
//! on encrypted data with recryption. A plain harness; every measurement runs in a child
//! process (`RAYON_NUM_THREADS` = 1 or 2) so its CPU time and peak memory are its own.
//!
//!     cargo bench --bench table1                    # everything below (the toy step: hours)
//!     cargo bench --bench table1 -- toy             # the measured toy step, 1 and 2 threads
//!     TABLE1_THREADS=2 cargo bench --bench table1 -- toy
//!     cargo bench --bench table1 -- costs-toy       # per-operation costs at toy, predicted toy step
//!     cargo bench --bench table1 -- costs-paper     # the same at m = 32767: predicted rows
//!
//! `toy`: the step of tests/support/recrypted_step.rs on `toy` cut to 23 primes (the test
//! `full_nn2_step_with_recryption_on_toy`, its checks included: weights bit-identical to the
//! fixed-point trainer, layers equal to the plaintext backend, refreshes equal to the counting
//! prediction). One line:
//! `table1 set=toy threads=.. seconds=.. cpu_seconds=.. forward=.. backward=.. update=..
//! weight_refresh=.. refreshes=.. predicted_refreshes=.. ands=.. rotations=.. depth=..
//! deepest_segment=.. peak_mb=..` (phases in wall seconds: forward = the Forward parts,
//! backward = output and hidden deltas, update = weight steps (batch sums) and updates; the
//! recryptions inside them are `refreshes` x `refresh_ms`).
//!
//! `costs-<set>` (1 thread, CPU time): measures on the set one AND (product, relinearization, the
//! evaluator's switching) at every level from the top down to 2 primes, one rotation and one
//! XOR at every level, and one recryption; L from the recrypting backend's probe. Then, for NN2
//! and NN1 with the weights refreshed packed and for NN2 refreshed bit by bit (the paper's
//! way), the counting backend's exact counts under the policy with that L (ANDs by depth,
//! rotations by depth, XORs, refreshes) give the predicted time on one thread:
//!   T1 = sum_d ands[d] and(l(d)) + sum_d rot[d] rot(l(d)) + xors xor(P_r) + refreshes refresh,
//!   l(d) = max(2, P_r - round((d - 1)(P_r - 2) / L)),
//! P_r the primes a refreshed ciphertext keeps (a value at depth d since its last refresh has
//! used d - 1 of the L levels, the last of them on 2 primes). T threads: T1 / T (ideal).
//! Each `table1-predicted` line prints that basis.

// The process allocator the engine is tuned for (jemalloc with huge pages).
fhe_nit::install_jemalloc!();
use fhe_nit::cpu_time::cpu_seconds;
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::rotation::{all_rotation_exponents, rotate_along_exponents};
use nit_bgv::ParamsLiteral;
use nit_bootstrap::{recryption_bits, Bootstrapper, BootstrappingKey};
use nit_nn::bitsliced::{BitSimd, SlotCycles};
use nit_nn::encrypted::{hypercube_cycles, EncryptedBackend, EncryptedBits};
use nit_nn::model::{counted_step_with_refresh, step_cost, FixedCircuit, StepPart, WeightRefresh};
use nit_nn::recrypting::RecryptingBackend;
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::process::Command;
use std::sync::Arc;

// Shared with the other includer (tests/encrypted_training.rs or benches/table1.rs); each
// uses part of it.
#[allow(dead_code)]
#[path = "../tests/support/recrypted_step.rs"]
mod recrypted_step;

/// Ciphertext primes of the toy chain (the ignored test's `TOY_PRIMES`).
const TOY_PRIMES: usize = 23;
const NN2: [usize; 4] = [64, 32, 16, 10];
const NN1: [usize; 4] = [784, 128, 32, 10];

fn circuit(sizes: &[usize]) -> FixedCircuit {
    FixedCircuit::new(
        sizes,
        recrypted_step::LR_SHIFT,
        recrypted_step::ADDER,
        recrypted_step::SUM,
    )
    .expect("the table's networks are valid")
}

/// The measured toy step (child process).
fn measure_toy() {
    let threads = rayon::current_num_threads();
    let cpu = cpu_seconds();
    let literal = ParamsLiteral::toy().with_ctxt_primes(TOY_PRIMES);
    let run = recrypted_step::run(literal, &NN2, 41, true);
    let cpu = cpu_seconds() - cpu;
    let phase = |keep: fn(&StepPart) -> bool| -> f64 {
        run.parts
            .iter()
            .filter(|(p, _)| keep(p))
            .map(|(_, s)| s)
            .sum()
    };
    let forward = phase(|p| matches!(p, StepPart::Forward(_)));
    let backward = phase(|p| matches!(p, StepPart::OutputDelta | StepPart::HiddenDelta(_)));
    let update = phase(|p| matches!(p, StepPart::WeightSteps(_) | StepPart::Update(_)));
    let cost = step_cost(&circuit(&NN2), run.cycles.clone()).expect("NN2 counts");
    let deepest = run.counted.iter().map(|p| p.deepest_and).max().unwrap_or(0);
    println!(
        "table1 set=toy threads={threads} slots={} primes={} refreshed_primes={} L={} seconds={:.1} setup_seconds={:.1} cpu_seconds={cpu:.1} forward={forward:.1} backward={backward:.1} update={update:.1} weight_refresh={:.1} refresh_ms={:.1} refreshes={} predicted_refreshes={} guard_refreshes={} ands={} rotations={} depth={} deepest_segment={deepest} peak_mb={}",
        run.slots,
        run.primes,
        run.refreshed_primes,
        run.levels,
        forward + backward + update + run.weight_refresh_seconds,
        run.setup_seconds,
        run.weight_refresh_seconds,
        run.refresh_seconds * 1e3,
        run.refreshes,
        run.predicted_refreshes,
        run.guard_refreshes,
        cost.step.and,
        cost.step.rotate,
        cost.step_depth,
        run.peak_mb
    );
}

/// Per-operation costs on a set, in seconds, measured on this process's threads.
struct Costs {
    /// and[l]: one AND of two ciphertexts on l primes (index 0, 1 unused).
    and: Vec<f64>,
    /// rot[l]: one slot permutation of the batch sums (the first generator of the
    /// hypercube: one automorphism with its key switch) on l primes.
    rot: Vec<f64>,
    /// xor[l]: one XOR on l primes.
    xor: Vec<f64>,
    refresh: f64,
    /// Primes a refreshed ciphertext keeps.
    refreshed_primes: usize,
    /// L of the recrypting backend's probe.
    levels: usize,
    /// Bytes of one ciphertext per prime (2 phi 8).
    bytes_per_prime: usize,
    /// Bytes of the evaluation keys the step needs (relinearization and one rotation key per
    /// exponent of `all_rotation_exponents`, in memory) and of the bootstrapping key.
    key_bytes: usize,
    slots: usize,
    /// The slot cycles of the batch sums.
    cycles: SlotCycles,
}

impl Costs {
    /// The level a product at depth d (since the last refresh) is formed on.
    fn level(&self, depth: usize) -> usize {
        let p = self.refreshed_primes as f64;
        let used = (depth.max(1) - 1) as f64 * (p - 2.0) / self.levels as f64;
        (p - used).round().max(2.0) as usize
    }

    /// Predicted one-thread seconds of what `backend` counted, split into ANDs, rotations,
    /// XORs and refreshes.
    fn predict(&self, counted: &nit_nn::bitsliced::CountingBackend) -> [f64; 4] {
        let ands: f64 = counted
            .ands_by_depth()
            .iter()
            .enumerate()
            .map(|(i, &n)| n as f64 * self.and[self.level(i + 1)])
            .sum();
        let rotations: f64 = counted
            .rotations_by_depth()
            .iter()
            .enumerate()
            .map(|(d, &n)| n as f64 * self.rot[self.level(d)])
            .sum();
        let counts = counted.counts();
        let xors = (counts.xor + counts.not + counts.xor_public + counts.and_public) as f64
            * self.xor[self.refreshed_primes];
        [ands, rotations, xors, counts.refresh as f64 * self.refresh]
    }
}

/// The mean CPU seconds of `f` (this process, all threads; steadier than wall time on a
/// shared machine) after one warm-up run: at least `reps` runs and at least 0.3 s of CPU.
fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    let start = cpu_seconds();
    let mut runs = 0;
    while runs < reps || cpu_seconds() - start < 0.3 {
        std::hint::black_box(f());
        runs += 1;
    }
    (cpu_seconds() - start) / runs as f64
}

fn measure_costs(name: &str, literal: ParamsLiteral, reps: usize) -> Costs {
    let params = literal.build().expect("the set builds");
    let mut rng = seeded_rng(71);
    let sk = SecretKey::generate(&params, &mut rng).expect("secret key");
    let pk = sk.public_key(&mut rng).expect("public key");
    // Keys of the measured slot permutation only (g_1^1, with g_1^{1 - ord} on a bad
    // dimension); the step's key memory counts one key of that size per exponent of
    // `all_rotation_exponents`.
    let exponents = rotate_along_exponents(&params, 0, 1).expect("rotation exponents");
    let keys = EvaluationKeys::generate(&sk, true, &exponents, &mut rng).expect("keys");
    let one_key = keys
        .automorphism(exponents[0])
        .expect("a key of the first generator")
        .memory_bytes();
    let all = all_rotation_exponents(&params)
        .expect("rotation exponents")
        .len();
    let eval_key_bytes = keys
        .relinearization()
        .expect("relinearization key")
        .memory_bytes()
        + all * one_key;
    let inner = EncryptedBackend::new(Evaluator::new(&params, sk.id(), keys).expect("evaluator"))
        .expect("backend");
    let key = BootstrappingKey::generate(&sk, recryption_bits(&params), &mut rng).expect("bk");
    let key_bytes = eval_key_bytes + key.size_bytes();
    let bootstrapper = Arc::new(Bootstrapper::new(&params, key).expect("bootstrapper"));
    let slots = inner.slots();
    let cycles = SlotCycles::of(&inner);
    let random = |rng: &mut _| -> Vec<bool> { (0..slots).map(|_| Rng::gen(rng)).collect() };
    let a = inner
        .encrypt(&pk, &random(&mut rng), &mut rng)
        .expect("encrypt");
    let b = inner
        .encrypt(&pk, &random(&mut rng), &mut rng)
        .expect("encrypt");
    let refresh = timed(reps.div_ceil(4), || {
        bootstrapper.recrypt(&a.ct).expect("recrypt")
    });
    let refreshed_primes = bootstrapper.recrypt(&a.ct).expect("recrypt").level();
    let top = params.max_level();
    let at = |x: &EncryptedBits, level: usize| EncryptedBits {
        ct: inner
            .evaluator()
            .mod_switch_to(&x.ct, level)
            .expect("switch"),
        depth: 0,
    };
    let (mut and, mut rot, mut xor) = (vec![0.0; top + 1], vec![0.0; top + 1], vec![0.0; top + 1]);
    for level in 2..=top {
        let (x, y) = (at(&a, level), at(&b, level));
        and[level] = timed(reps, || inner.and(&x, &y).expect("and"));
        rot[level] = timed(reps, || inner.permute_slots(&x, 0, 1).expect("permute"));
        xor[level] = timed(reps, || inner.xor(&x, &y).expect("xor"));
    }
    let backend =
        RecryptingBackend::new(inner, bootstrapper, &pk, &mut rng).expect("recrypting backend");
    let costs = Costs {
        and,
        rot,
        xor,
        refresh,
        refreshed_primes,
        levels: backend.levels_after_refresh(),
        bytes_per_prime: 2 * params.phi() * 8,
        key_bytes,
        slots,
        cycles,
    };
    let ms = |v: &[f64]| -> String {
        (2..=top)
            .rev()
            .map(|l| format!("{l}:{:.3}", v[l] * 1e3))
            .collect::<Vec<_>>()
            .join(",")
    };
    println!(
        "table1-costs set={name} threads={} slots={slots} primes={top} refreshed_primes={refreshed_primes} L={} refresh_ms={:.1} keys_mb={} and_ms={} permute_ms={} xor_ms={} peak_mb={}",
        rayon::current_num_threads(),
        costs.levels,
        refresh * 1e3,
        key_bytes >> 20,
        ms(&costs.and),
        ms(&costs.rot),
        ms(&costs.xor),
        fhe_nit::peak_memory::peak_resident_mb()
    );
    costs
}

/// Predicted rows on a set (child process, 1 thread).
fn predict(name: &str, literal: ParamsLiteral, reps: usize, networks: &[(&str, &[usize])]) {
    let costs = measure_costs(name, literal, reps);
    for &(net, sizes) in networks {
        for refresh in [WeightRefresh::Packed, WeightRefresh::EachBit] {
            if net == "NN1" && refresh == WeightRefresh::EachBit {
                continue;
            }
            let counted = counted_step_with_refresh(
                &circuit(sizes),
                costs.cycles.clone(),
                costs.levels as u32,
                refresh,
            )
            .expect("counted step");
            let [ands, rotations, xors, refreshes] = costs.predict(&counted);
            let one = ands + rotations + xors + refreshes;
            let counts = counted.counts();
            println!(
                "table1-predicted set={name} net={net} weights={} slots={} seconds_1_thread={one:.0} seconds_2_threads={:.0} seconds_30_threads={:.0} and_seconds={ands:.0} rotation_seconds={rotations:.0} xor_seconds={xors:.0} refresh_seconds={refreshes:.0} ands={} rotations={} xors={} refreshes={} L={} samples_per_hour_1_thread={:.1} basis=counting_backend_exact_counts_x_costs_measured_above_l(d)=max(2,P_r-round((d-1)(P_r-2)/L))_T_threads=T1/T",
                match refresh {
                    WeightRefresh::Packed => "packed",
                    WeightRefresh::EachBit => "each_bit",
                },
                costs.slots,
                one / 2.0,
                one / 30.0,
                counts.and,
                counts.rotate,
                counts.xor,
                counts.refresh,
                costs.levels,
                costs.slots as f64 * 3600.0 / one
            );
        }
    }
    predict_memory(name, &costs, if name == "paper" { 1 } else { 2 });
}

/// The counts alone at `slots` slots under the policy with L = `TABLE1_L` (default 10, the
/// L measured at m = 32767: docs/BOOTSTRAP.md): no keys, for a machine without the memory
/// for `costs-paper`. Prints the ANDs and rotations by depth for a cost model applied by hand.
fn count_only(literal: ParamsLiteral) {
    let params = literal.build().expect("the set builds");
    let cycles = hypercube_cycles(&params).expect("the set's hypercube");
    let slots = cycles.slots();
    let levels: u32 = std::env::var("TABLE1_L")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(10);
    for (net, sizes, refresh) in [
        ("NN2", &NN2[..], WeightRefresh::Packed),
        ("NN2", &NN2[..], WeightRefresh::EachBit),
        ("NN1", &NN1[..], WeightRefresh::Packed),
    ] {
        let counted = counted_step_with_refresh(&circuit(sizes), cycles.clone(), levels, refresh)
            .expect("counted step");
        let counts = counted.counts();
        println!(
            "table1-counts net={net} weights={refresh:?} slots={slots} L={levels} ands={} rotations={} xors={} refreshes={} deepest={} ands_by_depth={:?} rotations_by_depth={:?}",
            counts.and,
            counts.rotate,
            counts.xor + counts.not + counts.xor_public + counts.and_public,
            counts.refresh,
            counted.max_depth(),
            counted.ands_by_depth(),
            counted.rotations_by_depth()
        );
    }
}

/// Peak memory of one NN2 step with the weights packed at rest (16 x (ceil(2080 / l) +
/// ceil(528 / l) + ceil(170 / l)) ciphertexts: 752 at 60 slots, 64 at 1800) and replicated
/// just in time for the neuron that uses them (nit-nn's `LayerWeights`), `in_flight` neurons
/// at a time (`FixedCircuit::with_neurons_in_flight`; toy's measured run: 2, one per
/// thread; paper: 1): keys + inputs (64 x 8 at the top) + activations and slopes (2 x 58
/// neurons x 8 bits, kept for the backward pass) and the deltas of two adjacent layers (at
/// most 48 x 8) + packed weights + per neuron in flight its replicated weights (65 x 16) and
/// its dot product's working set (about 1,500 ciphertexts, docs/BENCHMARKS.md, Table 2), all
/// but the inputs on P_r primes.
fn predict_memory(name: &str, costs: &Costs, in_flight: usize) {
    let at = |count: usize, primes: usize| (count * primes * costs.bytes_per_prime) as f64;
    let top = costs.and.len() - 1;
    let p = costs.refreshed_primes;
    let packed: usize = [2080usize, 528, 170]
        .iter()
        .map(|n| 16 * n.div_ceil(costs.slots))
        .sum();
    let parts = [
        ("keys", costs.key_bytes as f64),
        ("inputs", at(64 * 8, top)),
        ("layer_values", at((2 * 58 + 48) * 8, p)),
        ("packed_weights", at(packed, p)),
        ("neuron_weights", at(in_flight * 65 * 16, p)),
        ("dot_working_set", at(in_flight * 1500, p)),
    ];
    let total: f64 = parts.iter().map(|(_, b)| b).sum();
    let list: Vec<String> = parts
        .iter()
        .map(|(n, b)| format!("{n}:{:.0}", b / 1e6))
        .collect();
    println!(
        "table1-memory set={name} net=NN2 weights=packed_at_rest_{packed}_ciphertexts neurons_in_flight={in_flight} predicted_peak_mb={:.0} parts_mb={} replicated_weights_mb={:.0}",
        total / 1e6,
        list.join(","),
        at(44_448, p) / 1e6
    );
}

fn main() {
    if let Ok(child) = std::env::var("TABLE1_CHILD") {
        match child.as_str() {
            "toy" => measure_toy(),
            "costs-toy" => predict(
                "toy",
                ParamsLiteral::toy().with_ctxt_primes(TOY_PRIMES),
                40,
                &[("NN2", &NN2)],
            ),
            "costs-paper" => predict(
                "paper",
                ParamsLiteral::paper(),
                4,
                &[("NN2", &NN2), ("NN1", &NN1)],
            ),
            "counts-paper" => count_only(ParamsLiteral::paper()),
            other => eprintln!("TABLE1_CHILD={other}: no such measurement"),
        }
        return;
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| f == name);
    let exe = std::env::current_exe().expect("the harness's own path");
    let run = |child: &str, threads: usize| {
        let status = Command::new(&exe)
            .env("TABLE1_CHILD", child)
            .env("RAYON_NUM_THREADS", threads.to_string())
            .status()
            .expect("the harness can run itself");
        if !status.success() {
            println!("table1 child={child} threads={threads} failed");
        }
    };
    println!("# paper's Table 1, NN2 mini-batch (60 samples) at m = 1023: 9 h 24 min on 1 thread, 40 min on 30 threads");
    if wanted("toy") {
        let threads: Vec<usize> = match std::env::var("TABLE1_THREADS") {
            Ok(t) => t.split(',').filter_map(|x| x.parse().ok()).collect(),
            Err(_) => vec![1, 2],
        };
        for threads in threads {
            run("toy", threads);
        }
    }
    for child in ["costs-toy", "costs-paper", "counts-paper"] {
        if wanted(child) {
            run(child, 1);
        }
    }
}
