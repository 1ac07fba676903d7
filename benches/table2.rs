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
//! `table2 set=toy threads=1 seconds=.. ands=16531 depth=17 primes=.. peak_mb=..`.
//! Inputs and weights are encrypted at the top of the chain and switched down to the fewest
//! primes that carry the neuron (`primes`; toy: 13, which leave 15 bits of capacity at the
//! end; 12 fail), and the backend switches every product down as soon as it is formed
//! (`EncryptedBackend::with_eager_switching`), so every AND runs at the lowest modulus the
//! evaluator's noise rule allows. With one thread the harness also predicts 4 to 30 threads from
//! the measured time per AND and the neuron's ANDs per depth (`widths`): ANDs of one depth are
//! independent, so T threads need `sum_d ceil(widths[d] / T)` AND-times at least (the
//! prediction ignores the XORs and the memory bandwidth that threads share).

// The process allocator the engine is tuned for (jemalloc with huge pages).
fhe_nit::install_jemalloc!();
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::ParamsLiteral;
use nit_nn::bitsliced::{
    dot, AdderKind, Bit, BitInt, BitSimd, CountingBackend, PlainBackend, PlainError,
};
use nit_nn::encrypted::EncryptedBackend;
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::process::Command;
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
            literal: ParamsLiteral::toy().with_ctxt_primes(13),
            operand_primes: 13,
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

/// Peak resident memory of this process (VmHWM), in MB.
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
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
    let backend = EncryptedBackend::new(eval)
        .expect("slots")
        .with_eager_switching(true);
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
    let started = Instant::now();
    let out = dot(&backend, &exs, &ews, Some(&eb), WIDTH, AdderKind::Sklansky);
    let seconds = started.elapsed().as_secs_f64();
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
    println!(
        "table2 set={} threads={threads} seconds={seconds:.2} ands={ands} depth={depth} primes={level} final_primes={lowest} ms_per_and={:.3} slots={slots} peak_mb={}",
        set.name,
        1000.0 * seconds / ands as f64,
        peak_mb()
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
