//! The bit-sliced circuits on the encrypted backend (BGV, `toy` ring) decrypt to the
//! plaintext backend's values, with the same AND-depth per output bit.

use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::rotation::all_rotation_exponents;
use nit_bgv::ParamsLiteral;
use nit_nn::bitsliced::conformance::{check_circuits_against_plain, ConformanceConfig};
use nit_nn::encrypted::EncryptedBackend;
use nit_ring::sample::seeded_rng;
use std::sync::Mutex;

// Timed like the binary: jemalloc with huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

#[test]
fn circuits_on_encrypted_toy_match_the_plaintext_backend() {
    // A 24-prime toy chain: AND-depth about 90, enough for every circuit of the suite.
    let params = ParamsLiteral::toy().with_ctxt_primes(24).build().unwrap();
    let mut rng = seeded_rng(2024);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let exponents = all_rotation_exponents(&params).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, &exponents, &mut rng).unwrap();
    let backend = EncryptedBackend::new(Evaluator::new(&params, sk.id(), keys).unwrap()).unwrap();
    let rng = Mutex::new(rng);
    let config = ConformanceConfig {
        seed: 7,
        dot_terms: 3,
        rotations: true,
        check_depth: true,
    };
    let report = check_circuits_against_plain(
        &backend,
        &config,
        |bits| {
            let mut rng = rng.lock().unwrap();
            backend.encrypt_secret(&sk, bits, &mut rng)
        },
        |bits| backend.decrypt(&sk, bits),
    )
    .unwrap();
    for entry in &report {
        println!("{:>24}: AND-depth {}", entry.circuit, entry.depth);
    }
    assert!(report.len() >= 8);
}

/// One NN2 first-layer neuron (64 products of 8-bit inputs by 16-bit weights plus a 16-bit
/// bias, 30-bit result) on encrypted toy, against the plaintext backend, timed, on 12 primes
/// with 2 key-switching digits (3 more than the 9 the table2 bench's noise replay finds
/// enough for these fresh secret-key operands).
#[test]
#[ignore = "about a minute on 2 cores: cargo test --release --test encrypted_circuits -- --ignored --nocapture"]
fn nn2_neuron_on_encrypted_toy_matches_plaintext() {
    use nit_nn::bitsliced::{dot, AdderKind, BitInt, BitSimd, PlainBackend};
    use rand::Rng;
    let params = ParamsLiteral::toy()
        .with_ctxt_primes(12)
        .with_digits(2)
        .build()
        .unwrap();
    let mut rng = seeded_rng(64);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).unwrap();
    let backend = EncryptedBackend::new(Evaluator::new(&params, sk.id(), keys).unwrap()).unwrap();
    let plain = PlainBackend::new(backend.slots()).unwrap();
    let slots = backend.slots();
    let draw = |rng: &mut nit_ring::sample::SecureRng, width: usize| -> Vec<i64> {
        let half = 1i64 << (width - 1);
        (0..slots).map(|_| rng.gen_range(-half..half)).collect()
    };
    let xs: Vec<Vec<i64>> = (0..64).map(|_| draw(&mut rng, 8)).collect();
    let ws: Vec<Vec<i64>> = (0..64).map(|_| draw(&mut rng, 16)).collect();
    let bias = draw(&mut rng, 16);
    let encrypt = |v: &[i64], w: usize, rng: &mut nit_ring::sample::SecureRng| {
        BitInt::encode(v, w, slots, |b| backend.encrypt_secret(&sk, b, rng)).unwrap()
    };
    let exs: Vec<_> = xs.iter().map(|v| encrypt(v, 8, &mut rng)).collect();
    let ews: Vec<_> = ws.iter().map(|v| encrypt(v, 16, &mut rng)).collect();
    let eb = encrypt(&bias, 16, &mut rng);
    let started = std::time::Instant::now();
    let out = dot(&backend, &exs, &ews, Some(&eb), 30, AdderKind::Sklansky).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let encode = |v: &[i64], w: usize| BitInt::encode(v, w, slots, |b| plain.encode(b)).unwrap();
    let pxs: Vec<_> = xs.iter().map(|v| encode(v, 8)).collect();
    let pws: Vec<_> = ws.iter().map(|v| encode(v, 16)).collect();
    let expect = dot(
        &plain,
        &pxs,
        &pws,
        Some(&encode(&bias, 16)),
        30,
        AdderKind::Sklansky,
    )
    .unwrap()
    .decode(slots, |b| {
        Ok::<_, nit_nn::bitsliced::PlainError>(plain.decode(b))
    })
    .unwrap();
    let found = out.decode(slots, |b| backend.decrypt(&sk, b)).unwrap();
    println!(
        "NN2 neuron on encrypted toy (12 primes, 2 digits): {seconds:.1} s, depth {}",
        out.depth(&backend)
    );
    assert_eq!(found, expect);
}
