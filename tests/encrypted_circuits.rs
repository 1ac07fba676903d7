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
