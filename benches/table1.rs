//! Table 1 of Nandakumar et al. (2019): one NN2 SGD step (64-32-16-10, one sample per slot)
//! on encrypted data with recryption. A plain harness; every measurement runs in a child
//! process (`RAYON_NUM_THREADS` = 1 or 2) so its CPU time and peak memory are its own.
//!
//!     cargo bench --bench table1                    # everything below (the toy step: hours)
//!     cargo bench --bench table1 -- toy             # the measured toy step, 1 and 2 threads
//!     TABLE1_THREADS=2 cargo bench --bench table1 -- toy
//!     cargo bench --bench table1 -- costs-toy       # per-operation costs at toy, predicted toy step
//!     TABLE1_TOY_PRIMES=18 cargo bench --bench table1 -- costs-toy   # the same on a shorter chain
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
use nit_nn::bitsliced::{
    primes_at_depth, Bit, BitInt, BitSimd, PlainBackend, PlainError, ResidentBackend, SlotCycles,
};
use nit_nn::encrypted::{hypercube_cycles, EncryptedBackend, EncryptedBits};
use nit_nn::model::{
    counted_step_with_refresh, resident_step, step_cost, unit_weights, FixedCircuit, FixedWeights,
    StepPart, WeightRefresh,
};
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

/// The toy chain `costs-toy` prices: `TABLE1_TOY_PRIMES` primes (a sweep of the chain's length:
/// fewer primes make every operation cheaper and the refreshes more frequent), else
/// [`TOY_PRIMES`].
fn toy_primes() -> usize {
    std::env::var("TABLE1_TOY_PRIMES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(TOY_PRIMES)
}
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
    /// Bytes of one encoded mask (phi coefficients of 8 bytes).
    mask_bytes: usize,
    /// Primes of a fresh encryption (the top of the chain).
    top_primes: usize,
    /// Resident growth while the bootstrapper was built (its tables), measured.
    table_bytes: usize,
    /// Resident growth at the peak of one recryption (its scratch and result), measured.
    scratch_bytes: usize,
    /// Bytes of the evaluation keys the step needs (relinearization and one rotation key per
    /// exponent of `all_rotation_exponents`, in memory, before their first use) and of the
    /// bootstrapping key (after recryptions).
    key_bytes: usize,
    /// Bytes a rotation key adds at its first use (its special spectra).
    spectrum_bytes: usize,
    slots: usize,
    /// The slot cycles of the batch sums.
    cycles: SlotCycles,
}

impl Costs {
    /// The level a product at depth d (since the last refresh) is formed on.
    fn level(&self, depth: usize) -> usize {
        primes_at_depth(self.refreshed_primes, self.levels, depth)
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
    // `all_rotation_exponents`, and the spectra a key builds at its first use once per key
    // the step uses.
    let exponents = rotate_along_exponents(&params, 0, 1).expect("rotation exponents");
    let keys = EvaluationKeys::generate(&sk, true, &exponents, &mut rng).expect("keys");
    let all = all_rotation_exponents(&params)
        .expect("rotation exponents")
        .len();
    let unused_key = keys
        .automorphism(exponents[0])
        .expect("a key of the first generator")
        .memory_bytes();
    let inner = EncryptedBackend::new(Evaluator::new(&params, sk.id(), keys).expect("evaluator"))
        .expect("backend");
    let key = BootstrappingKey::generate(&sk, recryption_bits(&params), &mut rng).expect("bk");
    let before = fhe_nit::peak_memory::resident_bytes();
    let bootstrapper = Arc::new(Bootstrapper::new(&params, key).expect("bootstrapper"));
    let table_bytes = fhe_nit::peak_memory::resident_bytes().saturating_sub(before) as usize;
    let slots = inner.slots();
    let cycles = SlotCycles::of(&inner);
    let random = |rng: &mut _| -> Vec<bool> { (0..slots).map(|_| Rng::gen(rng)).collect() };
    let a = inner
        .encrypt(&pk, &random(&mut rng), &mut rng)
        .expect("encrypt");
    let b = inner
        .encrypt(&pk, &random(&mut rng), &mut rng)
        .expect("encrypt");
    // The first recryption, before the allocator keeps freed pages of earlier ones.
    let scratch =
        fhe_nit::peak_memory::scratch_bytes(|| bootstrapper.recrypt(&a.ct).expect("recrypt"))
            .map_or(0, |(_, bytes)| bytes as usize);
    let refresh = timed(reps.div_ceil(4), || {
        bootstrapper.recrypt(&a.ct).expect("recrypt")
    });
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
    // Key memory once used (the special spectra built): the relinearization key, the measured
    // permutation's key once per exponent of `all_rotation_exponents`, the bootstrapping key.
    let keys = inner.evaluator().keys();
    let one_key = keys
        .automorphism(exponents[0])
        .expect("a key of the first generator")
        .memory_bytes();
    let relinearization = keys
        .relinearization()
        .expect("relinearization key")
        .memory_bytes();
    let key_bytes = relinearization + all * unused_key + bootstrapper.key_memory_bytes();
    let spectrum_bytes = one_key - unused_key;
    let backend =
        RecryptingBackend::new(inner, bootstrapper, &pk, &mut rng).expect("recrypting backend");
    let costs = Costs {
        and,
        rot,
        xor,
        refresh,
        refreshed_primes: backend.refreshed_level(),
        levels: backend.levels_after_refresh(),
        bytes_per_prime: 2 * params.phi() * 8,
        mask_bytes: params.phi() * 8,
        top_primes: top,
        table_bytes,
        scratch_bytes: scratch,
        key_bytes,
        spectrum_bytes,
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
        "table1-costs set={name} threads={} slots={slots} primes={top} refreshed_primes={} L={} refresh_ms={:.1} keys_mb={} and_ms={} permute_ms={} xor_ms={} peak_mb={}",
        rayon::current_num_threads(),
        costs.refreshed_primes,
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

/// The pass `neuron-<set>` measures, on a backend that only counts and keeps its ledger: the
/// forward pass of [64, 1] (one first-layer neuron, one in flight) from 64 samples of 8 bits
/// and the row's 65 packed weights, all on the primes of a refreshed value. Returns the bytes
/// the operands hold.
fn resident_neuron(backend: &ResidentBackend) -> u64 {
    let weights =
        FixedWeights::<ResidentBackend>::encode(&unit_weights(&[64, 1]), backend.slots(), |_| {
            Ok::<_, std::convert::Infallible>(backend.input())
        })
        .expect("counted weights");
    let x: Vec<BitInt<ResidentBackend>> = (0..64)
        .map(|_| {
            BitInt::from_bits((0..8).map(|_| Bit::Var(backend.input())).collect())
                .expect("counted sample")
        })
        .collect();
    let operands = backend.now();
    circuit(&[64, 1])
        .with_neurons_in_flight(1)
        .forward(backend, &weights, &x)
        .expect("counted neuron");
    operands
}

/// The first-layer neuron of `neuron-<set>` (the forward pass of [64, 1] from packed
/// weights, with its refreshes), predicted by the cost model: the check of the model against
/// one measured neuron.
fn predict_neuron(name: &str, costs: &Costs) {
    let neuron = ResidentBackend::for_chain(
        costs.cycles.clone(),
        costs.refreshed_primes,
        costs.levels,
        costs.mask_bytes / 8,
    );
    resident_neuron(&neuron);
    let counted = neuron.counting();
    let [ands, rotations, xors, refreshes] = costs.predict(counted);
    let counts = counted.counts();
    println!(
        "table1-predicted-neuron set={name} net=64-1 seconds_1_thread={:.1} and_seconds={ands:.1} rotation_seconds={rotations:.1} xor_seconds={xors:.1} refresh_seconds={refreshes:.1} ands={} rotations={} refreshes={} L={}",
        ands + rotations + xors + refreshes,
        counts.and,
        counts.rotate,
        counts.refresh,
        costs.levels
    );
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
    predict_neuron(name, &costs);
    // The test harness encrypts the samples at the top of the chain, the CLI on the primes
    // a refreshed value keeps; toy runs a neuron per thread, the paper set one at a time
    // (`train --neurons-in-flight 1`).
    for threads in [1, 2] {
        let in_flight = (name == "paper").then_some(1);
        for primes in [costs.top_primes, costs.refreshed_primes] {
            predict_memory(name, &costs, threads, in_flight, primes);
        }
    }
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

/// Peak memory of one NN2 step with the weights packed at rest and replicated just in time,
/// `in_flight` neurons at a time (None: as many as the threads take) on `threads` threads,
/// predicted as
///   keys + tables + threads x scratch + peak(ledger):
/// the evaluation keys (relinearization, one key per rotation exponent, the spectra of the
/// keys the step's permutations use) and the bootstrapping key, the bootstrapper's tables
/// (measured: resident growth while it was built), and the most bytes the step's ciphertexts
/// and masks hold at once: nit-nn's `resident_step`, the step run
/// on the counting backend with a ledger, a vector of depth d on l(d + 1) primes (the level
/// its next product is formed on, the cost model's l), the samples on `sample_primes`, a mask
/// phi 8 bytes; plus one recryption's scratch per thread (measured: resident growth at the
/// peak of the first one). Left out: the process's own footprint.
fn predict_memory(
    name: &str,
    costs: &Costs,
    threads: usize,
    in_flight: Option<usize>,
    sample_primes: usize,
) {
    let backend = ResidentBackend::for_chain(
        costs.cycles.clone(),
        costs.refreshed_primes,
        costs.levels,
        costs.mask_bytes / 8,
    );
    let nn2 = match in_flight {
        Some(n) => circuit(&NN2).with_neurons_in_flight(n),
        None => circuit(&NN2),
    };
    let sample_bytes = (sample_primes * costs.bytes_per_prime) as u64;
    let step = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(|| resident_step(&nn2, &backend, &unit_weights(&NN2), sample_bytes))
        .expect("resident step");
    let mb = |b: f64| b / 1e6;
    let scratch = threads * costs.scratch_bytes;
    let used_keys = backend
        .permutations_used()
        .iter()
        .filter(|(_, k)| *k > 0)
        .count();
    let key_bytes = costs.key_bytes + used_keys * costs.spectrum_bytes;
    let fixed = (key_bytes + costs.table_bytes + scratch) as f64;
    println!(
        "table1-memory set={name} net=NN2 weights=packed_at_rest threads={threads} neurons_in_flight={} sample_primes={sample_primes} predicted_peak_mb={:.0} keys_mb={:.0} keys_used={used_keys} tables_mb={:.0} scratch_mb={:.0} step_peak_mb={:.0} operands_mb={:.0} part_peaks_mb={} basis=keys+tables+threads_x_recryption_scratch+resident_step_ledger_l(d+1)_primes",
        in_flight.map_or("as_the_threads_take".to_string(), |n| n.to_string()),
        mb(fixed + backend.peak() as f64),
        mb(key_bytes as f64),
        mb(costs.table_bytes as f64),
        mb(scratch as f64),
        mb(backend.peak() as f64),
        mb(step.operands as f64),
        step.part_peaks
            .iter()
            .map(|(part, bytes)| format!("{}:{:.0}", part.map_or("WeightRefresh".to_string(), |p| format!("{p:?}")), mb(*bytes as f64)))
            .collect::<Vec<_>>()
            .join(","),
    );
}

/// One first-layer neuron measured against the memory model: the forward pass of [64, 1]
/// (NN2's first-layer neuron: its row replicated from packed weights, the dot product, the
/// refreshed index, the lookup, the refreshed activation and slope) on the recrypting
/// backend of the set, one neuron in flight, samples and packed weights on the primes a
/// refreshed value keeps (the CLI's layout). Measured: the resident growth above what the
/// keys, tables, samples and weights held before the pass (VmHWM after a reset). Predicted:
/// the resident backend's ledger on the same pass, above its operands, plus one recryption's
/// scratch per thread. The decrypted activation and slope are checked against the plaintext
/// backend's.
fn measure_neuron_memory(name: &str, literal: ParamsLiteral) {
    let threads = rayon::current_num_threads();
    let (sk, pk, inner, mut rng) = recrypted_step::setup(literal, 73);
    let params = inner.evaluator().params().clone();
    let key = BootstrappingKey::generate(&sk, recryption_bits(&params), &mut rng).expect("bk");
    let bootstrapper = Arc::new(Bootstrapper::new(&params, key).expect("bootstrapper"));
    let slots = inner.slots();
    let probe = inner
        .encrypt(&pk, &vec![true; slots], &mut rng)
        .expect("encrypt");
    let scratch =
        fhe_nit::peak_memory::scratch_bytes(|| bootstrapper.recrypt(&probe.ct).expect("recrypt"))
            .map_or(0, |(_, bytes)| bytes);
    let backend = RecryptingBackend::new(inner, bootstrapper.clone(), &pk, &mut rng)
        .expect("recrypting backend");
    let refreshed_primes = backend.refreshed_level();
    let levels = backend.levels_after_refresh();
    let cycles = SlotCycles::of(&backend);
    let sizes = [64, 1];
    let neuron = circuit(&sizes).with_neurons_in_flight(1);
    let row: Vec<i64> = (0..65)
        .map(|_| rng.gen_range(-(1 << 12)..(1 << 12)))
        .collect();
    let samples: Vec<Vec<i64>> = (0..64)
        .map(|_| (0..slots).map(|_| rng.gen_range(0..256) - 128).collect())
        .collect();
    let evaluator = backend.inner().evaluator();
    let mut encrypt = |b: &[bool]| -> Result<EncryptedBits, nit_bgv::BgvError> {
        let fresh = backend.inner().encrypt(&pk, b, &mut rng)?;
        Ok(EncryptedBits {
            ct: evaluator.mod_switch_to(&fresh.ct, refreshed_primes)?,
            depth: 0,
        })
    };
    let weights =
        FixedWeights::<RecryptingBackend>::encode(std::slice::from_ref(&row), slots, &mut encrypt)
            .expect("weights");
    let x: Vec<BitInt<RecryptingBackend>> = samples
        .iter()
        .map(|v| BitInt::encode(v, 8, slots, &mut encrypt).expect("sample"))
        .collect();
    let before = fhe_nit::peak_memory::resident_bytes();
    let (cpu, started) = (cpu_seconds(), std::time::Instant::now());
    let (pass, measured) = fhe_nit::peak_memory::scratch_bytes(|| {
        neuron.forward(&backend, &weights, &x).expect("forward")
    })
    .expect("a resettable high-water mark (Linux)");
    let (seconds, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    let plain = PlainBackend::new(slots).expect("plain backend");
    let plain_weights =
        FixedWeights::<PlainBackend>::encode(std::slice::from_ref(&row), slots, |b| {
            plain.encode(b)
        })
        .expect("plain weights");
    let plain_x: Vec<BitInt<PlainBackend>> = samples
        .iter()
        .map(|v| BitInt::encode(v, 8, slots, |b| plain.encode(b)).expect("plain sample"))
        .collect();
    let expected = neuron
        .forward(&plain, &plain_weights, &plain_x)
        .expect("plain forward");
    let decrypt = |v: &BitInt<RecryptingBackend>| {
        v.decode(slots, |b| backend.inner().decrypt(&sk, b))
            .expect("decrypt")
    };
    let decode = |v: &BitInt<PlainBackend>| {
        v.decode(slots, |b| Ok::<_, PlainError>(plain.decode(b)))
            .expect("decode")
    };
    assert_eq!(
        decrypt(&pass.activations[1][0]),
        decode(&expected.activations[1][0]),
        "the neuron's activation"
    );
    assert_eq!(
        decrypt(&pass.slopes[0][0]),
        decode(&expected.slopes[0][0]),
        "the neuron's slope"
    );

    let model = ResidentBackend::for_chain(cycles, refreshed_primes, levels, params.phi());
    let operands = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(|| resident_neuron(&model));
    let predicted = model.peak() - operands + threads as u64 * scratch;
    let key_bytes =
        backend.inner().evaluator().key_memory_bytes() + bootstrapper.key_memory_bytes();
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "table1-neuron-memory set={name} threads={threads} primes={} refreshed_primes={refreshed_primes} L={levels} seconds={seconds:.1} cpu_seconds={cpu:.1} refreshes={} predicted_refreshes={} before_mb={:.0} keys_mb={:.0} operands_mb={:.0} measured_growth_mb={:.0} predicted_growth_mb={:.0} ratio={:.2} model_ledger_mb={:.0} scratch_mb={:.0} peak_mb={} checked=activation_and_slope_equal_plaintext",
        params.max_level(),
        backend.refreshes(),
        model.counting().counts().refresh,
        mb(before),
        mb(key_bytes as u64),
        mb(operands),
        mb(measured),
        mb(predicted),
        measured as f64 / predicted as f64,
        mb(model.peak() - operands),
        mb(scratch),
        fhe_nit::peak_memory::peak_resident_mb()
    );
}

fn main() {
    if let Ok(child) = std::env::var("TABLE1_CHILD") {
        match child.as_str() {
            "toy" => measure_toy(),
            "costs-toy" => predict(
                "toy",
                ParamsLiteral::toy().with_ctxt_primes(toy_primes()),
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
            "neuron-toy" => {
                measure_neuron_memory("toy", ParamsLiteral::toy().with_ctxt_primes(TOY_PRIMES))
            }
            "neuron-paper" => measure_neuron_memory("paper", ParamsLiteral::paper()),
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
    let neuron_threads: usize = std::env::var("TABLE1_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    for child in ["neuron-toy", "neuron-paper"] {
        if filter.iter().any(|f| f == child) {
            run(child, neuron_threads);
        }
    }
}
