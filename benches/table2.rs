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
//! ands_at_primes=13:..,12:.. mod_switches=..` (`cpu_seconds`: the neuron's CPU time over all
//! threads, steadier than the wall time on a shared machine; `ands_at_primes`: how many
//! products are formed on how many primes; `mod_switches`: the switches they need).
//! Inputs and weights are encrypted at the top of the chain and switched down to the fewest
//! primes that carry the neuron (`primes`), and the evaluator switches each operand down by
//! its noise (HElib's rule) before every product. Toy: 12 primes with 2 key-switching digits
//! (7 special primes; toy's 3 digits need 13 primes and 11 fail with 2), 0.75x the neuron's
//! CPU time on 13 primes with 3 digits (docs/BENCHMARKS.md). With one thread the harness also
//! predicts 4 to 30 threads from the measured time per AND and the neuron's ANDs per depth
//! (`widths`): ANDs of one depth are independent, so T threads need
//! `sum_d ceil(widths[d] / T)` AND-times at least (the prediction ignores the XORs and the
//! memory bandwidth that threads share).

// The process allocator the engine is tuned for (jemalloc with huge pages).
fhe_nit::install_jemalloc!();
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::ParamsLiteral;
use nit_nn::bitsliced::{
    dot, AdderKind, Bit, BitInt, BitSimd, CountingBackend, PlainBackend, PlainError,
};
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

const TERMS: usize = 64;
const WIDTH: usize = 30;

/// A parameter set of the table: its literal and the primes the neuron's operands keep.
struct Set {
    name: &'static str,
    literal: ParamsLiteral,
    operand_primes: usize,
    paper: &'static str,
}

fn sets() -> Vec<Set> {
    vec![
        Set {
            name: "toy",
            literal: ParamsLiteral::toy().with_ctxt_primes(12).with_digits(2),
            operand_primes: 12,
            paper: "213 / 60 / 33 / 20 / 14 s on 1 / 4 / 8 / 16 / 30 threads",
        },
        Set {
            name: "paper",
            literal: ParamsLiteral::paper(),
            operand_primes: 15,
            paper: "919 s on 30 threads",
        },
    ]
}

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

/// The encrypted backend, counting where its ANDs run (exact, from the evaluator's own level
/// rule): `ands_at[l]` products formed on l primes, and the modulus switches (an operand
/// brought down to its product's level, the higher operand of a XOR brought down to the
/// other's).
struct LevelCounter<'a> {
    inner: &'a EncryptedBackend,
    ands_at: Mutex<BTreeMap<usize, u64>>,
    switches: Mutex<u64>,
}

impl LevelCounter<'_> {
    /// Records one product of `a` and `b`.
    fn record(&self, a: &EncryptedBits, b: &EncryptedBits) {
        let eval = self.inner.evaluator();
        let level = eval.product_level(&a.ct, &b.ct);
        let moved = [a, b].iter().filter(|x| x.ct.level() != level).count() as u64;
        *self.switches.lock().unwrap_or_else(|e| e.into_inner()) += moved;
        *self
            .ands_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(level)
            .or_default() += 1;
    }
}

impl BitSimd for LevelCounter<'_> {
    type Bits = EncryptedBits;
    type Public = <EncryptedBackend as BitSimd>::Public;
    type Error = <EncryptedBackend as BitSimd>::Error;
    fn slots(&self) -> usize {
        self.inner.slots()
    }
    fn constant(&self, bit: bool) -> Result<EncryptedBits, Self::Error> {
        self.inner.constant(bit)
    }
    fn public(&self, bits: &[bool]) -> Result<Self::Public, Self::Error> {
        self.inner.public(bits)
    }
    fn xor(&self, a: &EncryptedBits, b: &EncryptedBits) -> Result<EncryptedBits, Self::Error> {
        if a.ct.level() != b.ct.level() {
            *self.switches.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        }
        self.inner.xor(a, b)
    }
    fn not(&self, a: &EncryptedBits) -> Result<EncryptedBits, Self::Error> {
        self.inner.not(a)
    }
    fn and(&self, a: &EncryptedBits, b: &EncryptedBits) -> Result<EncryptedBits, Self::Error> {
        Ok(self.and_many(&[(a, b)])?.remove(0))
    }
    fn and_many(
        &self,
        pairs: &[(&EncryptedBits, &EncryptedBits)],
    ) -> Result<Vec<EncryptedBits>, Self::Error> {
        for (a, b) in pairs {
            self.record(a, b);
        }
        self.inner.and_many(pairs)
    }
    fn xor_public(
        &self,
        a: &EncryptedBits,
        m: &Self::Public,
    ) -> Result<EncryptedBits, Self::Error> {
        self.inner.xor_public(a, m)
    }
    fn and_public(
        &self,
        a: &EncryptedBits,
        m: &Self::Public,
    ) -> Result<EncryptedBits, Self::Error> {
        self.inner.and_public(a, m)
    }
    fn rotate(&self, a: &EncryptedBits, k: i64) -> Result<EncryptedBits, Self::Error> {
        self.inner.rotate(a, k)
    }
    fn depth(&self, a: &EncryptedBits) -> usize {
        self.inner.depth(a)
    }
}

/// CPU seconds (user + system, all threads) this process has used so far: on a shared machine
/// the wall time of a run depends on the other jobs, its CPU time much less.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesized command name: utime and stime are the 12th and
            // 13th, in clock ticks (100 per second on Linux).
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(0.0)
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

/// One measurement in this process: the neuron on `set`, checked against the plaintext
/// backend.
fn measure(set: &Set) {
    let threads = rayon::current_num_threads();
    let params = set.literal.build().expect("a valid set");
    let mut rng = seeded_rng(2019);
    let sk = SecretKey::generate(&params, &mut rng).expect("key generation");
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).expect("relinearization key");
    let eval = Evaluator::new(&params, sk.id(), keys).expect("evaluator");
    let backend = EncryptedBackend::new(eval).expect("slots");
    let slots = backend.slots();
    let level = set.operand_primes.min(params.max_level());
    let draw = |rng: &mut nit_ring::sample::SecureRng, width: usize| -> Vec<i64> {
        let half = 1i64 << (width - 1);
        (0..slots).map(|_| rng.gen_range(-half..half)).collect()
    };
    let xs: Vec<Vec<i64>> = (0..TERMS).map(|_| draw(&mut rng, 8)).collect();
    let ws: Vec<Vec<i64>> = (0..TERMS).map(|_| draw(&mut rng, 16)).collect();
    let bias = draw(&mut rng, 16);
    let mut encrypt = |v: &[i64], width: usize| {
        BitInt::encode(v, width, slots, |bits| {
            let mut e = backend.encrypt_secret(&sk, bits, &mut rng)?;
            e.ct = backend.evaluator().mod_switch_to(&e.ct, level)?;
            Ok::<_, nit_bgv::BgvError>(e)
        })
        .expect("encryption")
    };
    let exs: Vec<_> = xs.iter().map(|v| encrypt(v, 8)).collect();
    let ews: Vec<_> = ws.iter().map(|v| encrypt(v, 16)).collect();
    let eb = encrypt(&bias, 16);
    let counter = LevelCounter {
        inner: &backend,
        ands_at: Mutex::default(),
        switches: Mutex::default(),
    };
    let (started, cpu_started) = (Instant::now(), cpu_seconds());
    let out = dot(&counter, &exs, &ews, Some(&eb), WIDTH, AdderKind::Sklansky);
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
        .decode(slots, |b| backend.decrypt(&sk, b))
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
            Bit::Var(e) => Some(e.ct.level()),
            Bit::Const(_) => None,
        })
        .min()
        .unwrap_or(level);
    let ands_at: Vec<String> = counter
        .ands_at
        .lock()
        .unwrap_or_else(|e| e.into_inner())
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
        counter.switches.lock().unwrap_or_else(|e| e.into_inner())
    );
    if threads == 1 {
        let widths = neuron_widths();
        let per_and = seconds / ands as f64;
        let predicted: Vec<String> = [4u64, 8, 16, 30]
            .iter()
            .map(|&t| {
                let slots_used: u64 = widths.iter().map(|w| w.div_ceil(t)).sum();
                format!("{t}:{:.1}", per_and * slots_used as f64)
            })
            .collect();
        println!(
            "table2-predicted set={} seconds_by_threads={} widths={widths:?}",
            set.name,
            predicted.join(",")
        );
    }
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
