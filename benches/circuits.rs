//! Plaintext-backend throughput of the bit-sliced circuits, in samples (slots) per second:
//! 8-bit add, 8x16 signed multiply, the sigmoid lookup 8 -> 8, and one NN2 first-layer
//! neuron (64 terms of 8-bit x 16-bit plus a 16-bit bias), at 60 (`toy`) and 1800 (`paper`)
//! slots; and the same circuits on the encrypted backend (BGV `toy`, 60 slots, the chain cut
//! to 18 primes, enough for an NN2 neuron), with the cost of one AND (multiply + relinearize) at the level they run.
//! Run: `cargo bench --bench circuits`. Fixed seeds: reproducible benchmarks, not secrets.

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::ParamsLiteral;
use nit_nn::bitsliced::{
    add, dot, lookup_public, multiply, AdderKind, BitInt, BitSimd, PlainBackend, PublicTable,
};
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_ring::sample::seeded_rng;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

// Timed like the binary: jemalloc with huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

const SLOT_COUNTS: [(usize, &str); 2] = [(60, "toy"), (1800, "paper")];

fn random_int(backend: &PlainBackend, rng: &mut ChaCha8Rng, width: usize) -> BitInt<PlainBackend> {
    let half = 1i64 << (width - 1);
    let values: Vec<i64> = (0..backend.slots())
        .map(|_| rng.gen_range(-half..half))
        .collect();
    BitInt::encode(&values, width, backend.slots(), |b| backend.encode(b))
        .expect("random values fit their width")
}

fn sigmoid() -> PublicTable {
    PublicTable::from_signed_fn::<()>(8, 8, |x| {
        let y = 1.0 / (1.0 + (-(x as f64) / 16.0).exp());
        ((y * 128.0).round() as i64).min(127)
    })
    .expect("the sigmoid table is 8 -> 8")
}

fn circuits(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(2019);
    let table = sigmoid();
    for (slots, name) in SLOT_COUNTS {
        let backend = PlainBackend::new(slots).expect("positive slot count");
        let x8 = random_int(&backend, &mut rng, 8);
        let y8 = random_int(&backend, &mut rng, 8);
        let w16 = random_int(&backend, &mut rng, 16);
        let xs: Vec<_> = (0..64).map(|_| random_int(&backend, &mut rng, 8)).collect();
        let ws: Vec<_> = (0..64)
            .map(|_| random_int(&backend, &mut rng, 16))
            .collect();

        let mut group = c.benchmark_group("circuits/plain");
        group.throughput(Throughput::Elements(slots as u64));
        for kind in [AdderKind::Ripple, AdderKind::Sklansky] {
            group.bench_function(BenchmarkId::new(format!("add8_{kind:?}"), name), |b| {
                b.iter(|| add(&backend, black_box(&x8), black_box(&y8), kind))
            });
        }
        group.bench_function(BenchmarkId::new("mul8x16", name), |b| {
            b.iter(|| {
                multiply(
                    &backend,
                    black_box(&x8),
                    black_box(&w16),
                    24,
                    AdderKind::Sklansky,
                )
            })
        });
        group.bench_function(BenchmarkId::new("sigmoid8", name), |b| {
            b.iter(|| lookup_public(&backend, black_box(&x8), &table))
        });
        group.bench_function(BenchmarkId::new("neuron64", name), |b| {
            b.iter(|| {
                dot(
                    &backend,
                    black_box(&xs),
                    &ws,
                    Some(&w16),
                    30,
                    AdderKind::Sklansky,
                )
            })
        });
        group.finish();
    }
}

fn encrypted_int(
    backend: &EncryptedBackend,
    sk: &SecretKey,
    rng: &mut nit_ring::sample::SecureRng,
    width: usize,
) -> BitInt<EncryptedBackend> {
    let half = 1i64 << (width - 1);
    let values: Vec<i64> = (0..backend.slots())
        .map(|_| rng.gen_range(-half..half))
        .collect();
    BitInt::encode(&values, width, backend.slots(), |b| {
        backend.encrypt_secret(sk, b, rng)
    })
    .expect("random values fit their width")
}

fn encrypted(c: &mut Criterion) {
    let params = ParamsLiteral::toy()
        .with_ctxt_primes(18)
        .build()
        .expect("toy builds");
    let mut rng = seeded_rng(2019);
    let sk = SecretKey::generate(&params, &mut rng).expect("key generation");
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).expect("relinearization key");
    let eval = Evaluator::new(&params, sk.id(), keys).expect("keys match");
    let backend = EncryptedBackend::new(eval).expect("toy has slots");
    let x8 = encrypted_int(&backend, &sk, &mut rng, 8);
    let y8 = encrypted_int(&backend, &sk, &mut rng, 8);
    let w16 = encrypted_int(&backend, &sk, &mut rng, 16);
    let table = sigmoid();
    let bit: &EncryptedBits = match &x8.bits()[0] {
        nit_nn::bitsliced::Bit::Var(bits) => bits,
        nit_nn::bitsliced::Bit::Const(_) => unreachable!("encrypted inputs are variables"),
    };
    let mut group = c.benchmark_group("circuits/encrypted");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("and", "toy"), |b| {
        b.iter(|| backend.and(black_box(bit), bit).expect("budget"))
    });
    group.bench_function(BenchmarkId::new("add8_Ripple", "toy"), |b| {
        b.iter(|| add(&backend, black_box(&x8), &y8, AdderKind::Ripple).expect("budget"))
    });
    group.bench_function(BenchmarkId::new("sigmoid8", "toy"), |b| {
        b.iter(|| lookup_public(&backend, black_box(&x8), &table).expect("budget"))
    });
    group.bench_function(BenchmarkId::new("mul8x16", "toy"), |b| {
        b.iter(|| {
            multiply(&backend, black_box(&x8), &w16, 24, AdderKind::Sklansky).expect("budget")
        })
    });
    group.finish();
}

/// criterion_group! makes public, undocumented functions: kept in a private module, they are
/// not part of the crate's documented surface.
mod group {
    criterion::criterion_group! {
        name = encrypted_benches;
        config = criterion::Criterion::default()
            .warm_up_time(std::time::Duration::from_secs(1))
            .measurement_time(std::time::Duration::from_secs(10));
        targets = super::encrypted
    }

    criterion::criterion_group! {
        name = benches;
        config = criterion::Criterion::default()
            .sample_size(20)
            .warm_up_time(std::time::Duration::from_millis(500))
            .measurement_time(std::time::Duration::from_secs(2));
        targets = super::circuits
    }
}
criterion_main!(group::benches, group::encrypted_benches);
