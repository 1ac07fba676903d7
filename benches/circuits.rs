//! Plaintext-backend throughput of the bit-sliced circuits, in samples (slots) per second:
//! 8-bit add, 8x16 signed multiply, the sigmoid lookup 8 -> 8, and one NN2 first-layer
//! neuron (64 terms of 8-bit x 16-bit plus a 16-bit bias), at 60 (`toy`) and 1800 (`paper`)
//! slots. Run: `cargo bench --bench circuits`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nit_nn::bitsliced::{
    add, dot, lookup_public, multiply, AdderKind, BitInt, BitSimd, PlainBackend, PublicTable,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

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

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = circuits
}
criterion_main!(benches);
