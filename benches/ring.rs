//! Ring benchmarks: `ring/ntt/<N>` (the floor), `ring/dft_fwd/<m>`, `ring/dft_inv/<m>`,
//! `ring/mul/<m>` and `ring/automorph/<m>` for m = 1023 and 32767 with one 50-bit prime.
//! Fixed seeds: reproducible inputs, not secrets.

use criterion::{black_box, criterion_main, Criterion};
use nit_ring::dft::Dft;
use nit_ring::ntt::NttPlan;
use nit_ring::prime::{generate_primes, ntt_size};
use nit_ring::sample::seeded_rng;
use nit_ring::{Cyclotomic, DcrtPoly, RnsBasis};
use rand::Rng;
use std::sync::Arc;

// Timed like the binary: jemalloc with huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

fn ring_benches(c: &mut Criterion) {
    for m in [1023usize, 32767] {
        let ring = Arc::new(Cyclotomic::new(m).unwrap());
        let q = generate_primes(m, 50, 1, &[]).unwrap()[0];
        let n = ntt_size(m);
        let mut rng = seeded_rng(1);
        let plan = NttPlan::new(n, q).unwrap();
        let mut buf: Vec<u64> = (0..n).map(|_| rng.gen_range(0..q)).collect();
        c.bench_function(&format!("ring/ntt/{n}"), |b| {
            b.iter(|| plan.forward(black_box(&mut buf)))
        });
        let dft = Dft::new(ring.clone(), q).unwrap();
        let coeffs: Vec<u64> = (0..ring.phi()).map(|_| rng.gen_range(0..q)).collect();
        let mut values = vec![0u64; ring.phi()];
        c.bench_function(&format!("ring/dft_fwd/{m}"), |b| {
            b.iter(|| dft.forward(black_box(&coeffs), &mut values))
        });
        let mut back = vec![0u64; ring.phi()];
        c.bench_function(&format!("ring/dft_inv/{m}"), |b| {
            b.iter(|| dft.inverse(black_box(&values), &mut back))
        });
        let mut unreduced = vec![0u64; m];
        c.bench_function(&format!("ring/dft_inv_unreduced/{m}"), |b| {
            b.iter(|| dft.inverse_unreduced(black_box(&values), &mut unreduced))
        });
        let basis = RnsBasis::new(ring.clone(), &[q]).unwrap();
        let x = DcrtPoly::uniform(&basis, &mut rng);
        let y = DcrtPoly::uniform(&basis, &mut rng);
        c.bench_function(&format!("ring/mul/{m}"), |b| {
            b.iter(|| black_box(&x).mul(black_box(&y)).unwrap())
        });
        c.bench_function(&format!("ring/automorph/{m}"), |b| {
            b.iter(|| black_box(&x).automorphism(5).unwrap())
        });
    }
}

/// criterion_group! makes a public, undocumented function: kept in a private module, it is
/// not part of the crate's documented surface.
mod group {
    criterion::criterion_group!(benches, super::ring_benches);
}
criterion_main!(group::benches);
