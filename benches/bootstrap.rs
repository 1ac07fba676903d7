//! Recryption (thin bootstrapping, nit-bootstrap) step by step: SlotsToCoeffs, the switch to
//! 2^e with the inner product with BK, CoeffsToSlots with the trace, digit extraction, and the
//! total, on 1 and 2 threads (a rayon pool of each size), best of `BOOTSTRAP_RUNS` runs
//! (default 5). A plain harness (a run of `paper` takes seconds).
//!
//!     cargo bench --bench bootstrap            # every set
//!     cargo bench --bench bootstrap -- toy     # one set (toy, toy-top20: toy recrypting into
//!                                              # its first 20 primes, toy20: a 20-prime chain,
//!                                              # toy14: the shortest toy chain leaving more than
//!                                              # HElib's 378 bits, paper)
//!
//! Each run decrypts its result and compares it with the input bits. One machine-readable
//! line per measurement:
//! `bootstrap set=toy threads=2 e=9 total_ms=.. stoc_ms=.. switch_ms=.. ctos_ms=.. extract_ms=..
//! capacity_in=.. capacity_out=.. levels_out=.. key_mb=.. peak_mb=..` (peak: this process so
//! far, VmHWM).

// The process allocator the engine is tuned for (jemalloc with huge pages).
fhe_nit::install_jemalloc!();
use nit_bgv::{ParamsLiteral, SecretKey};
use nit_bootstrap::{Bootstrapper, BootstrappingKey};
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::time::Instant;

fn milliseconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

fn measure(name: &str, literal: ParamsLiteral, e: u32, top: Option<usize>, runs: usize) {
    let params = literal.build().expect("the set builds");
    let mut rng = seeded_rng(501);
    let sk = SecretKey::generate(&params, &mut rng).expect("key");
    let start = Instant::now();
    let key = BootstrappingKey::generate(&sk, e, &mut rng).expect("bootstrapping key");
    let keygen = start.elapsed().as_secs_f64();
    let key_mb = key.size_bytes() as f64 / (1 << 20) as f64;
    let mut bootstrapper = Bootstrapper::new(&params, key).expect("bootstrapper");
    if let Some(level) = top {
        bootstrapper = bootstrapper.with_top_level(level).expect("top level");
    }
    let slots = params.slots().expect("slots").slots();
    println!(
        "{name}: m = {}, {} primes, e = {e}, keys {keygen:.1} s, {key_mb:.0} MB",
        params.m(),
        params.max_level()
    );
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut best = [f64::INFINITY; 5];
        let (mut capacity_in, mut capacity_out, mut level_out) = (0.0, 0.0, 0);
        for _ in 0..runs {
            let bits: Vec<bool> = (0..slots).map(|_| rng.gen()).collect();
            let ct = sk.encrypt_bits(&bits, &mut rng).expect("encrypt");
            let (times, out) = pool.install(|| {
                let mut times = [0.0; 5];
                let total = Instant::now();
                let start = Instant::now();
                let coefficients = bootstrapper.slots_to_coeffs(&ct).expect("StoC");
                times[1] = milliseconds(start);
                let start = Instant::now();
                let u = bootstrapper
                    .switch_to_two_power(&coefficients)
                    .expect("switch");
                times[2] = milliseconds(start);
                let start = Instant::now();
                let in_slots = bootstrapper.coeffs_to_slots(&u).expect("CtoS");
                times[3] = milliseconds(start);
                let start = Instant::now();
                let out = bootstrapper.extract_digits(&in_slots).expect("extraction");
                times[4] = milliseconds(start);
                times[0] = milliseconds(total);
                (times, out)
            });
            assert_eq!(sk.decrypt_bits(&out).expect("decrypt"), bits, "{name}");
            for (b, t) in best.iter_mut().zip(times) {
                *b = b.min(t);
            }
            capacity_in = ct.capacity(&params);
            capacity_out = out.capacity(&params);
            level_out = out.level();
        }
        println!(
            "bootstrap set={name} threads={threads} e={e} total_ms={:.1} stoc_ms={:.1} switch_ms={:.1} ctos_ms={:.1} extract_ms={:.1} capacity_in={capacity_in:.0} capacity_out={capacity_out:.0} levels_out={level_out} key_mb={key_mb:.0} peak_mb={}",
            best[0], best[1], best[2], best[3], best[4], fhe_nit::peak_memory::peak_resident_mb()
        );
    }
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = std::env::var("BOOTSTRAP_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let sets = [
        ("toy", ParamsLiteral::toy(), 9, None),
        ("toy-top20", ParamsLiteral::toy(), 9, Some(20)),
        ("toy20", ParamsLiteral::toy().with_ctxt_primes(20), 9, None),
        ("toy14", ParamsLiteral::toy().with_ctxt_primes(14), 9, None),
        ("paper", ParamsLiteral::paper(), 9, None),
    ];
    for (name, literal, e, top) in sets {
        if filter.is_empty() || filter.iter().any(|f| f == name) {
            measure(name, literal, e, top, runs);
        }
    }
}
