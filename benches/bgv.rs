//! BGV benchmarks per parameter set (`toy`, `paper`, and `toy-600`: m = 1023 with HElib's
//! 12-prime reference chain): key generation, encryption,
//! decryption; at the top of the chain, at 12 primes (600 bits, HElib's chain for its
//! reference timings) and half-way down: multiply + relinearize, rotate1D on a good and
//! (paper) a bad dimension, the full rotation by one slot (in one step with its own keys, and
//! dimension by dimension with the per-dimension keys HElib uses), modulus switching; and a
//! square at 3 primes. Fixed seeds: reproducible benchmarks, not secrets.

use criterion::{criterion_main, BenchmarkId, Criterion};
use nit_bgv::ciphertext::Plaintext;
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, KeySource, SecretKey};
use nit_bgv::rotation::{rotate_along_exponents, rotate_exponents, rotate_step_exponents};
use nit_bgv::ParamsLiteral;
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::time::Duration;

// Timed like the binary: jemalloc with huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

/// Ciphertext primes (50 bits each) of a 600-bit chain.
const HELIB_CHAIN_PRIMES: usize = 12;

fn bgv_benches(c: &mut Criterion) {
    // `toy-600`: m = 1023 with HElib's reference chain (12 primes, 600 bits, c = 3), whose
    // special primes are sized for that chain rather than for `toy`'s 60-prime one.
    let sets = [
        ("toy", ParamsLiteral::toy()),
        (
            "toy-600",
            ParamsLiteral::toy().with_ctxt_primes(HELIB_CHAIN_PRIMES),
        ),
        ("paper", ParamsLiteral::paper()),
    ];
    for (name, literal) in sets {
        let params = literal.build().unwrap();
        let mut rng = seeded_rng(7);
        let sk = SecretKey::generate(&params, &mut rng).unwrap();
        let cube = params.slots().unwrap().hypercube().clone();
        let good = cube.dims()[0].gen as usize;
        let bad = cube.dims().iter().position(|d| !d.good);
        let mut exponents = vec![good];
        exponents.extend(rotate_exponents(&params, 1).unwrap());
        if let Some(dim) = bad {
            exponents.extend(rotate_along_exponents(&params, dim, 1).unwrap());
        }
        let keys = EvaluationKeys::generate(&sk, true, &exponents, &mut rng).unwrap();
        println!(
            "{name}: evaluation keys {} bytes compressed (relinearization + the rotations benchmarked)",
            keys.size_bytes()
        );
        let step_exponents = rotate_step_exponents(&params, 1).unwrap();
        let step_keys = EvaluationKeys::generate(&sk, false, &step_exponents, &mut rng).unwrap();
        let eval = Evaluator::new(&params, sk.id(), keys).unwrap();
        let eval_steps = Evaluator::new(&params, sk.id(), step_keys).unwrap();
        let m = Plaintext::new(
            &params,
            (0..params.phi()).map(|_| rng.gen_range(0..2)).collect(),
        )
        .unwrap();
        let top = params.max_level();
        let mut group = c.benchmark_group("bgv");
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(if name == "paper" { 20 } else { 5 }));
        group.bench_function(BenchmarkId::new("keygen", name), |b| {
            b.iter(|| {
                sk.key_switch_key(KeySource::Automorphism(good), &mut rng)
                    .unwrap()
            })
        });
        let pk = sk.public_key(&mut rng).unwrap();
        group.bench_function(BenchmarkId::new("encrypt", name), |b| {
            b.iter(|| pk.encrypt(&params, &m, &mut rng).unwrap())
        });
        let ct = pk.encrypt(&params, &m, &mut rng).unwrap();
        let other = pk.encrypt(&params, &m, &mut rng).unwrap();
        group.bench_function(BenchmarkId::new("decrypt", name), |b| {
            b.iter(|| sk.decrypt(&ct).unwrap())
        });
        // 12 primes = 600 bits, the size of HElib's bootstrappable chain that the reference
        // timings in docs/BENCHMARKS.md were taken with.
        let mut levels = vec![top, HELIB_CHAIN_PRIMES, top / 2];
        levels.dedup();
        for level in levels {
            let ct = eval.mod_switch_to(&ct, level).unwrap();
            let other = eval.mod_switch_to(&other, level).unwrap();
            let tag = format!("{name}/{level}-primes");
            // Two distinct ciphertexts: a product, not the square's shortcut.
            group.bench_function(BenchmarkId::new("mul_relin", &tag), |b| {
                b.iter(|| eval.multiply(&ct, &other).unwrap())
            });
            group.bench_function(BenchmarkId::new("rotate1d_good", &tag), |b| {
                b.iter(|| eval.rotate_along(&ct, 0, 1).unwrap())
            });
            if let Some(dim) = bad {
                group.bench_function(BenchmarkId::new("rotate1d_bad", &tag), |b| {
                    b.iter(|| eval.rotate_along(&ct, dim, 1).unwrap())
                });
            }
            group.bench_function(BenchmarkId::new("rotate_full", &tag), |b| {
                b.iter(|| eval.rotate(&ct, 1).unwrap())
            });
            group.bench_function(BenchmarkId::new("rotate_full_steps", &tag), |b| {
                b.iter(|| eval_steps.rotate(&ct, 1).unwrap())
            });
            group.bench_function(BenchmarkId::new("modswitch", &tag), |b| {
                b.iter(|| eval.mod_switch_to(&ct, level - 1).unwrap())
            });
        }
        // HElib's reference also squares at 3 primes (the bottom of its chain).
        let low = eval.mod_switch_to(&ct, 3).unwrap();
        group.bench_function(
            BenchmarkId::new("square", format!("{name}/3-primes")),
            |b| b.iter(|| eval.square(&low).unwrap()),
        );
        group.finish();
    }
}

/// criterion_group! makes a public, undocumented function: kept in a private module, it is
/// not part of the crate's documented surface.
mod group {
    criterion::criterion_group!(benches, super::bgv_benches);
}
criterion_main!(group::benches);
