//! Table 2 of Nandakumar et al. (2019): one NN2 first-layer neuron on encrypted data: 64
//! encrypted 8-bit inputs times 64 encrypted 16-bit weights plus a 16-bit bias, one sample per
//! slot, weights replicated, 30-bit exact result. A plain harness: each measurement runs in a
//! child process (`RAYON_NUM_THREADS` = 1 or 2) so its peak resident memory is its own.
//!
//!     cargo bench --bench table2            # both sets, 1 and 2 threads
//!     cargo bench --bench table2 -- toy     # one set
//!     TABLE2_THREADS=2 cargo bench --bench table2 -- paper   # one thread count
//!
//! Every measurement decrypts the neuron and compares it with the plaintext backend, and
//! prints one machine-readable line:
//! `table2 set=toy threads=1 seconds=.. cpu_seconds=.. ands=16531 depth=17 primes=.. peak_mb=..
//! ands_at_primes=12:..,11:.. mod_switches=..` (`cpu_seconds`: the neuron's CPU time over all
//! threads, steadier than the wall time on a shared machine; `ands_at_primes`: how many
//! products are formed on how many primes; `mod_switches`: the switches they need).
//!
//! Primes: before any key is made, the neuron is replayed on noise states alone
//! (`nit_bgv::NoiseState`: the evaluator's level and noise rules, without residues) on chains
//! of 8, 9, ... primes; the first that carries it is the one measured (`table2-primes` line:
//! the capacity it leaves, and how the chain one prime shorter fails). The replay also gives
//! `ands_at_primes` and `mod_switches`, exact for the encrypted run (the rules are
//! deterministic). Both sets use 2 key-switching digits (toy: 0.94x the CPU time of 3 at equal
//! primes, docs/BENCHMARKS.md).
//!
//! Memory: the 1,552 inputs, weights and bias bits are held as seeded secret-key encryptions
//! (`SeededCiphertext`: c_0 and the seed of c_1, half a ciphertext) and expanded just before
//! each gate that reads them; the carry-save tree forms partial products only when an adder
//! takes them (nit-nn's `csa`). Every measurement also predicts 1 to 30 threads from the
//! measured CPU time per AND and the neuron's ANDs per depth (`widths`): ANDs of one depth
//! are independent, so T threads need `sum_d ceil(widths[d] / T)` AND-times at least (the
//! prediction ignores the memory bandwidth threads share and the adder chunks of `8 x
//! threads` that bound a layer's parallelism).

// The process allocator the engine is tuned for (jemalloc with huge pages).
fhe_nit::install_jemalloc!();
use fhe_nit::cpu_time::cpu_seconds;
use nit_bgv::ciphertext::Plaintext;
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::{BgvError, NoiseState, Params, ParamsLiteral, SeededCiphertext};
use nit_nn::bitsliced::{
    dot, AdderKind, Bit, BitInt, BitSimd, BitslicedError, CountingBackend, PlainBackend, PlainError,
};
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_ring::sample::seeded_rng;
use rand::Rng;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

const TERMS: usize = 64;
const WIDTH: usize = 30;

/// A parameter set of the table: its literal (the chain's length is searched) and the paper's
/// row.
struct Set {
    name: &'static str,
    literal: ParamsLiteral,
    paper: &'static str,
}

fn sets() -> Vec<Set> {
    vec![
        Set {
            name: "toy",
            literal: ParamsLiteral::toy().with_digits(2),
            paper: "213 / 60 / 33 / 20 / 14 s on 1 / 4 / 8 / 16 / 30 threads",
        },
        Set {
            name: "paper",
            literal: ParamsLiteral::paper().with_digits(2),
            paper: "919 s on 30 threads",
        },
    ]
}

/// Shortest chain the search tries (the neuron's depth 17 needs far more).
const FEWEST_PRIMES: usize = 8;
/// Longest chain the search tries (the paper's 15 primes).
const MOST_PRIMES: usize = 15;

/// The neuron's ANDs per depth (`widths[d]` ANDs produce depth d + 1): ANDs of one depth
/// are independent, so T threads need at least `sum_d ceil(widths[d] / T)` AND-times.
#[derive(Default)]
struct DepthHistogram {
    widths: std::sync::Mutex<Vec<u64>>,
}

impl BitSimd for DepthHistogram {
    type Bits = usize;
    type Public = ();
    type Error = std::convert::Infallible;
    fn slots(&self) -> usize {
        1
    }
    fn constant(&self, _: bool) -> Result<usize, Self::Error> {
        Ok(0)
    }
    fn public(&self, _: &[bool]) -> Result<(), Self::Error> {
        Ok(())
    }
    fn xor(&self, a: &usize, b: &usize) -> Result<usize, Self::Error> {
        Ok(*a.max(b))
    }
    fn not(&self, a: &usize) -> Result<usize, Self::Error> {
        Ok(*a)
    }
    fn and(&self, a: &usize, b: &usize) -> Result<usize, Self::Error> {
        let depth = *a.max(b);
        let mut widths = self.widths.lock().unwrap_or_else(|e| e.into_inner());
        if widths.len() <= depth {
            widths.resize(depth + 1, 0);
        }
        widths[depth] += 1;
        Ok(depth + 1)
    }
    fn xor_public(&self, a: &usize, _: &()) -> Result<usize, Self::Error> {
        Ok(*a)
    }
    fn and_public(&self, a: &usize, _: &()) -> Result<usize, Self::Error> {
        Ok(*a)
    }
    fn rotate(&self, a: &usize, _: i64) -> Result<usize, Self::Error> {
        Ok(*a)
    }
    fn depth(&self, a: &usize) -> usize {
        *a
    }
}

/// The neuron's AND widths per depth.
fn neuron_widths() -> Vec<u64> {
    let backend = DepthHistogram::default();
    let fresh = |w: usize| BitInt::from_bits(vec![Bit::Var(0); w]).expect("positive width");
    let xs: Vec<_> = (0..TERMS).map(|_| fresh(8)).collect();
    let ws: Vec<_> = (0..TERMS).map(|_| fresh(16)).collect();
    dot(
        &backend,
        &xs,
        &ws,
        Some(&fresh(16)),
        WIDTH,
        AdderKind::Sklansky,
    )
    .expect("the histogram backend cannot fail");
    let widths = backend.widths.lock().unwrap_or_else(|e| e.into_inner());
    widths.clone()
}

/// A vector of the noise replay: its level and noise bound, and its AND-depth.
#[derive(Clone, Copy)]
struct Traced {
    state: NoiseState,
    depth: usize,
}

/// The neuron on noise states alone (`NoiseState`: the evaluator's rules without residues),
/// counting where its ANDs run: `ands_at[l]` products formed on l primes, and the modulus
/// switches (an operand brought down to its product's level, the higher operand of a XOR
/// brought down to the other's).
struct Replay<'p> {
    params: &'p Params,
    ands_at: Mutex<BTreeMap<usize, u64>>,
    switches: Mutex<u64>,
}

impl<'p> Replay<'p> {
    fn new(params: &'p Params) -> Self {
        Replay {
            params,
            ands_at: Mutex::default(),
            switches: Mutex::default(),
        }
    }

    fn switched(&self, moved: usize) {
        *self.switches.lock().unwrap_or_else(|e| e.into_inner()) += moved as u64;
    }

    fn one(&self) -> Plaintext {
        Plaintext::constant(self.params, 1)
    }
}

impl BitSimd for Replay<'_> {
    type Bits = Traced;
    type Public = Plaintext;
    type Error = BgvError;
    fn slots(&self) -> usize {
        1
    }
    fn constant(&self, bit: bool) -> Result<Traced, BgvError> {
        let p = Plaintext::constant(self.params, bit as u64);
        Ok(Traced {
            state: NoiseState::trivial(self.params, &p),
            depth: 0,
        })
    }
    fn public(&self, bits: &[bool]) -> Result<Plaintext, BgvError> {
        Plaintext::new(self.params, self.params.slots()?.encode_bits(bits)?)
    }
    fn xor(&self, a: &Traced, b: &Traced) -> Result<Traced, BgvError> {
        self.switched(usize::from(a.state.level != b.state.level));
        Ok(Traced {
            state: a.state.add(b.state, self.params)?,
            depth: a.depth.max(b.depth),
        })
    }
    fn not(&self, a: &Traced) -> Result<Traced, BgvError> {
        Ok(Traced {
            state: a.state.add_plain(&self.one(), self.params)?,
            depth: a.depth,
        })
    }
    fn and(&self, a: &Traced, b: &Traced) -> Result<Traced, BgvError> {
        let state = a.state.multiply(b.state, self.params)?;
        self.switched(
            [a, b]
                .iter()
                .filter(|x| x.state.level != state.level)
                .count(),
        );
        *self
            .ands_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(state.level)
            .or_default() += 1;
        Ok(Traced {
            state,
            depth: a.depth.max(b.depth) + 1,
        })
    }
    fn xor_public(&self, a: &Traced, m: &Plaintext) -> Result<Traced, BgvError> {
        Ok(Traced {
            state: a.state.add_plain(m, self.params)?,
            depth: a.depth,
        })
    }
    fn and_public(&self, a: &Traced, m: &Plaintext) -> Result<Traced, BgvError> {
        Ok(Traced {
            state: a.state.mul_plain(m, self.params)?,
            depth: a.depth,
        })
    }
    fn rotate(&self, _: &Traced, _: i64) -> Result<Traced, BgvError> {
        // The neuron has no rotation; the replay holds no key-switching keys for one.
        Err(BgvError::MissingGaloisKey { exponent: 0 })
    }
    fn depth(&self, a: &Traced) -> usize {
        a.depth
    }
}

/// What the replay of the neuron on one chain found.
struct ReplayReport {
    /// Capacity the least of the 30 result bits keeps.
    capacity_left: f64,
    ands_at: BTreeMap<usize, u64>,
    switches: u64,
}

/// The neuron replayed on fresh secret-key encryptions of `params`' top level.
fn replay_neuron(params: &Params) -> Result<ReplayReport, BgvError> {
    let replay = Replay::new(params);
    let fresh = |w: usize| {
        let bit = Bit::Var(Traced {
            state: NoiseState::fresh_secret(params),
            depth: 0,
        });
        BitInt::from_bits(vec![bit; w]).expect("positive width")
    };
    let xs: Vec<_> = (0..TERMS).map(|_| fresh(8)).collect();
    let ws: Vec<_> = (0..TERMS).map(|_| fresh(16)).collect();
    let out = dot(
        &replay,
        &xs,
        &ws,
        Some(&fresh(16)),
        WIDTH,
        AdderKind::Sklansky,
    )
    .map_err(|e| match e {
        BitslicedError::Backend(e) => e,
        other => BgvError::InvalidParameters(other.to_string()),
    })?;
    let capacity_left = out
        .bits()
        .iter()
        .filter_map(|b| match b {
            Bit::Var(t) => Some(t.state.capacity(params)),
            Bit::Const(_) => None,
        })
        .fold(f64::INFINITY, f64::min);
    let switches = *replay.switches.lock().unwrap_or_else(|e| e.into_inner());
    Ok(ReplayReport {
        capacity_left,
        ands_at: replay
            .ands_at
            .into_inner()
            .unwrap_or_else(|e| e.into_inner()),
        switches,
    })
}

/// The shortest chain of `set` (8 to 15 primes) the replay carries the neuron on, its
/// parameters and report, and how the chain one prime shorter failed.
fn fewest_primes(set: &Set) -> (usize, Params, ReplayReport, String) {
    let mut shorter = String::from("not tried");
    for primes in FEWEST_PRIMES..=MOST_PRIMES {
        let params = set
            .literal
            .clone()
            .with_ctxt_primes(primes)
            .build()
            .expect("a valid set");
        match replay_neuron(&params) {
            Ok(report) => return (primes, params, report, shorter),
            Err(e) => shorter = format!("\"{e}\""),
        }
    }
    panic!("no chain of at most {MOST_PRIMES} primes carries the neuron: {shorter}");
}

/// An operand or a result of the encrypted neuron: inputs, weights and bias are held seeded
/// (half a ciphertext) until a gate reads them.
#[derive(Clone)]
enum Stored {
    Seeded(SeededCiphertext),
    Full(EncryptedBits),
}

impl Stored {
    /// The ciphertext (a seeded one expanded now).
    fn full(&self) -> Cow<'_, EncryptedBits> {
        match self {
            Stored::Seeded(s) => Cow::Owned(EncryptedBits {
                ct: s.expand(),
                depth: 0,
            }),
            Stored::Full(e) => Cow::Borrowed(e),
        }
    }
}

/// The encrypted backend on [`Stored`] vectors: every gate expands its seeded operands and
/// returns a full ciphertext; a layer's ANDs (with their expansions) run in parallel.
struct Operands<'a> {
    inner: &'a EncryptedBackend,
}

impl BitSimd for Operands<'_> {
    type Bits = Stored;
    type Public = <EncryptedBackend as BitSimd>::Public;
    type Error = BgvError;
    fn slots(&self) -> usize {
        self.inner.slots()
    }
    fn constant(&self, bit: bool) -> Result<Stored, BgvError> {
        self.inner.constant(bit).map(Stored::Full)
    }
    fn public(&self, bits: &[bool]) -> Result<Self::Public, BgvError> {
        self.inner.public(bits)
    }
    fn xor(&self, a: &Stored, b: &Stored) -> Result<Stored, BgvError> {
        self.inner.xor(&a.full(), &b.full()).map(Stored::Full)
    }
    fn not(&self, a: &Stored) -> Result<Stored, BgvError> {
        self.inner.not(&a.full()).map(Stored::Full)
    }
    fn and(&self, a: &Stored, b: &Stored) -> Result<Stored, BgvError> {
        self.inner.and(&a.full(), &b.full()).map(Stored::Full)
    }
    fn and_many(&self, pairs: &[(&Stored, &Stored)]) -> Result<Vec<Stored>, BgvError> {
        pairs.par_iter().map(|(a, b)| self.and(a, b)).collect()
    }
    fn xor_public(&self, a: &Stored, m: &Self::Public) -> Result<Stored, BgvError> {
        self.inner.xor_public(&a.full(), m).map(Stored::Full)
    }
    fn and_public(&self, a: &Stored, m: &Self::Public) -> Result<Stored, BgvError> {
        self.inner.and_public(&a.full(), m).map(Stored::Full)
    }
    fn rotate(&self, a: &Stored, k: i64) -> Result<Stored, BgvError> {
        self.inner.rotate(&a.full(), k).map(Stored::Full)
    }
    fn depth(&self, a: &Stored) -> usize {
        match a {
            Stored::Seeded(_) => 0,
            Stored::Full(e) => e.depth,
        }
    }
}

/// AND count and depth of the neuron, from the counting backend.
fn neuron_cost(slots: usize) -> (u64, usize) {
    let backend = CountingBackend::new(slots);
    let fresh = |w: usize| {
        BitInt::from_bits((0..w).map(|_| Bit::Var(backend.input())).collect())
            .expect("positive width")
    };
    let xs: Vec<_> = (0..TERMS).map(|_| fresh(8)).collect();
    let ws: Vec<_> = (0..TERMS).map(|_| fresh(16)).collect();
    let out = dot(
        &backend,
        &xs,
        &ws,
        Some(&fresh(16)),
        WIDTH,
        AdderKind::Sklansky,
    )
    .expect("the counting backend cannot fail");
    (backend.counts().and, out.depth(&backend))
}

/// One measurement in this process: the neuron on `set`'s shortest chain that carries it,
/// checked against the plaintext backend.
fn measure(set: &Set) {
    let threads = rayon::current_num_threads();
    let (level, params, replayed, shorter) = fewest_primes(set);
    println!(
        "table2-primes set={} primes={level} capacity_left={:.1} shorter_chain={shorter}",
        set.name, replayed.capacity_left
    );
    let mut rng = seeded_rng(2019);
    let sk = SecretKey::generate(&params, &mut rng).expect("key generation");
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).expect("relinearization key");
    let eval = Evaluator::new(&params, sk.id(), keys).expect("evaluator");
    let backend = EncryptedBackend::new(eval).expect("slots");
    let slots = backend.slots();
    let draw = |rng: &mut nit_ring::sample::SecureRng, width: usize| -> Vec<i64> {
        let half = 1i64 << (width - 1);
        (0..slots).map(|_| rng.gen_range(-half..half)).collect()
    };
    let xs: Vec<Vec<i64>> = (0..TERMS).map(|_| draw(&mut rng, 8)).collect();
    let ws: Vec<Vec<i64>> = (0..TERMS).map(|_| draw(&mut rng, 16)).collect();
    let bias = draw(&mut rng, 16);
    let mut encrypt = |v: &[i64], width: usize| {
        BitInt::encode(v, width, slots, |bits| {
            sk.encrypt_bits_compact(bits, &mut rng).map(Stored::Seeded)
        })
        .expect("encryption")
    };
    let exs: Vec<_> = xs.iter().map(|v| encrypt(v, 8)).collect();
    let ews: Vec<_> = ws.iter().map(|v| encrypt(v, 16)).collect();
    let eb = encrypt(&bias, 16);
    let operands = Operands { inner: &backend };
    let (started, cpu_started) = (Instant::now(), cpu_seconds());
    let out = dot(&operands, &exs, &ews, Some(&eb), WIDTH, AdderKind::Sklansky);
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_started;
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            println!(
                "table2 set={} threads={threads} primes={level} error=\"{e}\"",
                set.name
            );
            std::process::exit(1);
        }
    };
    let plain = PlainBackend::new(slots).expect("slots");
    let encode = |v: &[i64], w: usize| {
        BitInt::encode(v, w, slots, |b| plain.encode(b)).expect("plain encoding")
    };
    let pxs: Vec<_> = xs.iter().map(|v| encode(v, 8)).collect();
    let pws: Vec<_> = ws.iter().map(|v| encode(v, 16)).collect();
    let expected = dot(
        &plain,
        &pxs,
        &pws,
        Some(&encode(&bias, 16)),
        WIDTH,
        AdderKind::Sklansky,
    )
    .and_then(|o| o.decode(slots, |b| Ok::<_, PlainError>(plain.decode(b))))
    .expect("plaintext neuron");
    let found = out
        .decode(slots, |b| backend.decrypt(&sk, &b.full()))
        .expect("decryption");
    assert_eq!(
        found, expected,
        "the encrypted neuron differs from the plaintext one"
    );
    let (ands, depth) = neuron_cost(slots);
    let lowest = out
        .bits()
        .iter()
        .filter_map(|b| match b {
            Bit::Var(e) => Some(e.full().ct.level()),
            Bit::Const(_) => None,
        })
        .min()
        .unwrap_or(level);
    let ands_at: Vec<String> = replayed
        .ands_at
        .iter()
        .rev()
        .map(|(l, n)| format!("{l}:{n}"))
        .collect();
    println!(
        "table2 set={} threads={threads} seconds={seconds:.2} cpu_seconds={cpu:.2} ands={ands} depth={depth} primes={level} final_primes={lowest} ms_per_and={:.3} slots={slots} peak_mb={} ands_at_primes={} mod_switches={}",
        set.name,
        1000.0 * seconds / ands as f64,
        fhe_nit::peak_memory::peak_resident_mb(),
        ands_at.join(","),
        replayed.switches
    );
    // One thread's time per AND: the neuron's CPU seconds (XORs, switches and expansions
    // included) over its ANDs, steadier than the wall time on a shared machine.
    let widths = neuron_widths();
    let per_and = cpu / ands as f64;
    let predicted: Vec<String> = [1u64, 2, 4, 8, 16, 30]
        .iter()
        .map(|&t| {
            let slots_used: u64 = widths.iter().map(|w| w.div_ceil(t)).sum();
            format!("{t}:{:.1}", per_and * slots_used as f64)
        })
        .collect();
    println!(
        "table2-predicted set={} cpu_ms_per_and={:.3} seconds_by_threads={} widths={widths:?}",
        set.name,
        1000.0 * per_and,
        predicted.join(",")
    );
}

fn main() {
    if let Ok(name) = std::env::var("TABLE2_SET") {
        let set = sets()
            .into_iter()
            .find(|s| s.name == name)
            .expect("TABLE2_SET names a set of the table");
        measure(&set);
        return;
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let exe = std::env::current_exe().expect("the harness's own path");
    for set in sets() {
        if !filter.is_empty() && !filter.iter().any(|f| set.name.contains(f.as_str())) {
            continue;
        }
        println!("# {}: paper's Table 2 row: {}", set.name, set.paper);
        let threads: Vec<usize> = match std::env::var("TABLE2_THREADS") {
            Ok(t) => t.split(',').filter_map(|x| x.parse().ok()).collect(),
            Err(_) => vec![1, 2],
        };
        for threads in threads {
            let status = Command::new(&exe)
                .env("TABLE2_SET", set.name)
                .env("RAYON_NUM_THREADS", threads.to_string())
                .status()
                .expect("the harness can run itself");
            if !status.success() {
                println!("table2 set={} threads={threads} failed", set.name);
            }
        }
    }
}
