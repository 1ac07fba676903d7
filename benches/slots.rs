//! Slot benchmarks: `slots/tables/<set>` (one-off table construction), `slots/encode_bits/<set>`,
//! `slots/decode_bits/<set>`, and the thin / full encoders and decoders, for toy (m = 1023) and
//! paper (m = 32767). Fixed seeds: reproducible inputs, not secrets.

use criterion::{black_box, criterion_main, Criterion};
use nit_ring::slots::SlotRing;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

// Timed like the binary: jemalloc with huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

fn slot_benches(c: &mut Criterion) {
    for (set, m) in [("toy", 1023usize), ("paper", 32767)] {
        let mut group = c.benchmark_group("slots");
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(5));
        group.bench_function(format!("tables/{set}"), |b| {
            b.iter(|| SlotRing::new(black_box(m), 1).unwrap())
        });
        let ring = SlotRing::new(m, 1).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let bits: Vec<bool> = (0..ring.slots()).map(|_| rng.gen()).collect();
        let encoded = ring.encode_bits(&bits).unwrap();
        group.bench_function(format!("encode_bits/{set}"), |b| {
            b.iter(|| ring.encode_bits(black_box(&bits)).unwrap())
        });
        group.bench_function(format!("decode_bits/{set}"), |b| {
            b.iter(|| ring.decode_bits(black_box(&encoded)).unwrap())
        });
        let ring = ring.with_modulus_bits(16).unwrap();
        let thin: Vec<u64> = (0..ring.slots())
            .map(|_| rng.gen_range(0..1 << 16))
            .collect();
        let encoded = ring.encode_thin(&thin).unwrap();
        group.bench_function(format!("encode_thin/{set}"), |b| {
            b.iter(|| ring.encode_thin(black_box(&thin)).unwrap())
        });
        group.bench_function(format!("decode_thin/{set}"), |b| {
            b.iter(|| ring.decode_thin(black_box(&encoded)).unwrap())
        });
        let full: Vec<Vec<u64>> = (0..ring.slots())
            .map(|_| (0..ring.d()).map(|_| rng.gen_range(0..1 << 16)).collect())
            .collect();
        let encoded = ring.encode_full(&full).unwrap();
        group.bench_function(format!("encode_full/{set}"), |b| {
            b.iter(|| ring.encode_full(black_box(&full)).unwrap())
        });
        group.bench_function(format!("decode_full/{set}"), |b| {
            b.iter(|| ring.decode_full(black_box(&encoded)).unwrap())
        });
        group.finish();
    }
}

/// criterion_group! makes a public, undocumented function: kept in a private module, it is
/// not part of the crate's documented surface.
mod group {
    criterion::criterion_group!(benches, super::slot_benches);
}
criterion_main!(group::benches);
