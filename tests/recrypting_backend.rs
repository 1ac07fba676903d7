//! Deep circuits on ciphertexts with automatic recryption (`RecryptingBackend`): a chain of
//! sequential ANDs far deeper than the chain carries, equal slot for slot to the plaintext
//! backend, with as many refreshes as the counting backend predicts under the same policy and
//! none from the capacity guard.

use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::{Params, ParamsLiteral};
use nit_bootstrap::{Bootstrapper, BootstrappingKey};
use nit_nn::bitsliced::{BitSimd, CountingBackend, PlainBackend};
use nit_nn::encrypted::{EncryptedBackend, EncryptedBits};
use nit_nn::recrypting::RecryptingBackend;
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::sync::Arc;
use std::time::Instant;

/// y_(k+1) = (y_k AND x_(k mod 3)) XOR z_(k mod 2), `ands` times: depth `ands`.
fn chain<B: BitSimd>(
    backend: &B,
    x: &[B::Bits],
    z: &[B::Bits],
    ands: usize,
) -> Result<B::Bits, B::Error> {
    let mut y = x[0].clone();
    for k in 0..ands {
        let product = backend.and(&y, &x[k % x.len()])?;
        y = backend.xor(&product, &z[k % z.len()])?;
    }
    Ok(y)
}

/// Where the chain's inputs are encrypted.
#[derive(Clone, Copy, PartialEq)]
enum Inputs {
    /// Under the public key at the top level.
    Top,
    /// Under the secret key at the lowest level that carries a segment.
    Lowest,
}

fn run_chain(params: Params, e: u32, ands: usize, seed: u64) {
    run_chain_with(params, e, ands, seed, Inputs::Top);
}

fn run_chain_with(params: Params, e: u32, ands: usize, seed: u64, at: Inputs) {
    let mut rng = seeded_rng(seed);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let pk = sk.public_key(&mut rng).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).unwrap();
    let eval = Evaluator::new(&params, sk.id(), keys).unwrap();
    let key = BootstrappingKey::generate(&sk, e, &mut rng).unwrap();
    let bootstrapper = Arc::new(Bootstrapper::new(&params, key).unwrap());
    let inner = EncryptedBackend::new(eval).unwrap();
    let backend = RecryptingBackend::new(inner, bootstrapper, &pk, &mut rng).unwrap();
    let levels = backend.levels_after_refresh();
    let slots = backend.slots();
    let plain = PlainBackend::new(slots).unwrap();
    let random = |rng: &mut _| -> Vec<bool> { (0..slots).map(|_| Rng::gen(rng)).collect() };
    let xs: Vec<Vec<bool>> = (0..3)
        .map(|i| {
            // Mostly ones, so the running value does not collapse to zero.
            let r = random(&mut rng);
            r.iter().map(|&b| b || i > 0).collect()
        })
        .collect();
    let zs: Vec<Vec<bool>> = (0..2).map(|_| random(&mut rng)).collect();
    let level = match at {
        Inputs::Top => params.max_level(),
        Inputs::Lowest => {
            let probe: Vec<bool> = (0..slots).map(|i| i % 3 == 0).collect();
            let level = backend
                .lowest_input_level(|l| sk.encrypt_bits_seeded_at(&probe, l, &mut rng).map(|c| c.0))
                .unwrap();
            let below = sk.encrypt_bits_seeded_at(&probe, level - 1, &mut rng);
            assert!(
                !backend.carries_a_segment(&below.unwrap().0),
                "level {level} is not the lowest"
            );
            assert!(
                level < params.max_level(),
                "inputs need the whole chain: nothing to save"
            );
            level
        }
    };
    let encrypt = |bits: &Vec<bool>, rng: &mut _| match at {
        Inputs::Top => backend.inner().encrypt(&pk, bits, rng).unwrap(),
        Inputs::Lowest => EncryptedBits {
            ct: sk.encrypt_bits_seeded_at(bits, level, rng).unwrap().0,
            depth: 0,
        },
    };
    let (ex, ez): (Vec<_>, Vec<_>) = (
        xs.iter().map(|b| encrypt(b, &mut rng)).collect(),
        zs.iter().map(|b| encrypt(b, &mut rng)).collect(),
    );
    let px: Vec<_> = xs.iter().map(|b| plain.encode(b).unwrap()).collect();
    let pz: Vec<_> = zs.iter().map(|b| plain.encode(b).unwrap()).collect();

    let start = Instant::now();
    let out = chain(&backend, &ex, &ez, ands).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let expected = plain.decode(&chain(&plain, &px, &pz, ands).unwrap());
    assert_eq!(backend.inner().decrypt(&sk, &out).unwrap(), expected);

    let counting = CountingBackend::with_refresh_after(slots, levels as u32);
    let inputs: Vec<_> = (0..3).map(|_| counting.input()).collect();
    chain(&counting, &inputs, &inputs[..2], ands).unwrap();
    println!(
        "m = {}: {ands} ANDs in {seconds:.2} s, inputs at {level} of {} primes, L = {levels}, refreshes {} (predicted {}), guard {}, capacity left {:.1}",
        params.m(),
        params.max_level(),
        backend.refreshes(),
        counting.counts().refresh,
        backend.guard_refreshes(),
        out.ct.capacity(&params)
    );
    assert_eq!(backend.refreshes(), counting.counts().refresh);
    assert_eq!(backend.guard_refreshes(), 0);
    assert!(backend.refreshes() >= (ands / levels.max(1)).saturating_sub(1) as u64);
}

/// m = 255 with 12 primes: a refreshed value carries a few ANDs; 60 sequential ANDs.
#[test]
fn sixty_sequential_ands_with_recryption_at_m255() {
    let params = ParamsLiteral::small(255, 14)
        .with_hamming_weight(Some(64))
        .build()
        .unwrap();
    run_chain(params, 8, 60, 401);
}

/// Inputs encrypted at the lowest level that carries a segment (fewer primes than the top,
/// and one level lower does not carry it) run the same chain with the predicted refreshes
/// and none from the guard.
#[test]
fn inputs_at_the_lowest_level_that_carries_a_segment_at_m255() {
    let params = ParamsLiteral::small(255, 14)
        .with_hamming_weight(Some(64))
        .build()
        .unwrap();
    run_chain_with(params, 8, 60, 403, Inputs::Lowest);
}

/// The ignored check: 200 sequential ANDs with refreshes on `toy`.
/// `cargo test --release --test recrypting_backend -- --ignored --nocapture`
#[test]
#[ignore = "about a minute: 200 ANDs and their refreshes at m = 1023"]
fn two_hundred_sequential_ands_with_recryption_on_toy() {
    run_chain(ParamsLiteral::toy().build().unwrap(), 9, 200, 402);
}
