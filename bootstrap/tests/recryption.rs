//! End-to-end recryption on small rings: random bits encrypted, recrypted, decrypted equal;
//! measured noise within the estimate; capacity gained.

use nit_bgv::{ParamsLiteral, SecretKey};
use nit_bootstrap::{Bootstrapper, BootstrappingKey};
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::time::Instant;

fn recrypt_random_bits(m: usize, primes: usize, weight: usize, e: u32, seed: u64) {
    let params = ParamsLiteral::small(m, primes)
        .with_hamming_weight(Some(weight))
        .build()
        .unwrap();
    let mut rng = seeded_rng(seed);
    println!(
        "m = {m}, {primes} primes, weight {weight}, e = {e}, seed {seed}, max t bits {}",
        params.max_plaintext_bits()
    );
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let start = Instant::now();
    let key = BootstrappingKey::generate(&sk, e, &mut rng).unwrap();
    println!(
        "keys: {:.1} s, {} MB",
        start.elapsed().as_secs_f64(),
        key.size_bytes() >> 20
    );
    let bootstrapper = Bootstrapper::new(&params, key).unwrap();
    println!("capacity needed {:.1}", bootstrapper.capacity_needed());
    let slots = params.slots().unwrap().slots();
    for round in 0..3 {
        let bits: Vec<bool> = (0..slots).map(|_| rng.gen()).collect();
        let ct = sk.encrypt_bits(&bits, &mut rng).unwrap();
        let start = Instant::now();
        let out = bootstrapper.recrypt(&ct).unwrap();
        let measured = sk.measure_noise(&out).unwrap().log2();
        println!(
            "round {round}: {:.3} s, level {} capacity {:.1} (in: {:.1}), noise 2^{measured:.1} <= 2^{:.1}",
            start.elapsed().as_secs_f64(),
            out.level(),
            out.capacity(&params),
            ct.capacity(&params),
            out.noise_bound().log2()
        );
        assert!(measured <= out.noise_bound().log2());
        assert_eq!(sk.decrypt_bits(&out).unwrap(), bits);
    }
}

#[test]
fn recryption_at_m255_with_a_bad_dimension() {
    recrypt_random_bits(255, 20, 64, 8, 301);
}
