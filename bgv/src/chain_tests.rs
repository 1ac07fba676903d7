//! Chains of mixed prime sizes (`ParamsLiteral::chain`) against independent models: the
//! primes against `generate_primes` called per size, drops by small primes against the
//! plaintext model and the noise estimate, the AND chain against its prediction.

use crate::ciphertext::Ciphertext;
use crate::literal::PrimeRun;
use crate::params::{Params, ParamsLiteral};
use crate::tests::{and_depth, check, check_after, model_product, random_plaintext, setup};
use nit_ring::prime::{generate_primes, prime_step};

/// m = 127 with four 50-bit primes, then two of 30 and two of 24 bits at the top: the first
/// drops remove 24 bits, then 30, then 50.
fn fine_top() -> ParamsLiteral {
    ParamsLiteral::small(127, 8).with_chain(vec![
        PrimeRun::new(50, 4),
        PrimeRun::new(30, 2),
        PrimeRun::new(24, 2),
    ])
}

fn bits_of(q: u64) -> u32 {
    64 - q.leading_zeros()
}

#[test]
fn a_mixed_chain_holds_the_largest_primes_of_each_size_in_literal_order() {
    let interleaved = ParamsLiteral::small(127, 6).with_chain(vec![
        PrimeRun::new(40, 1),
        PrimeRun::new(30, 2),
        PrimeRun::new(40, 2),
        PrimeRun::new(30, 1),
    ]);
    for lit in [fine_top(), interleaved] {
        let params = lit.build().unwrap();
        let ctxt = params.ctxt_basis(params.max_level()).moduli();
        let sizes: Vec<u32> = ctxt.iter().map(|&q| bits_of(q)).collect();
        assert_eq!(sizes, lit.prime_sizes());
        // Model: per size, generate_primes' list (largest first), read along the chain.
        for bits in [24, 30, 40, 50] {
            let along: Vec<u64> = ctxt
                .iter()
                .copied()
                .filter(|&q| bits_of(q) == bits)
                .collect();
            let expect = generate_primes(127, bits, along.len(), &[]).unwrap();
            assert_eq!(along, expect, "{bits}-bit primes");
        }
        let special = params.special_basis().moduli();
        assert!(special.iter().all(|&q| bits_of(q) == lit.special_bits));
        assert!(special.iter().all(|q| !ctxt.contains(q)));
        assert!(ctxt
            .iter()
            .chain(&special)
            .all(|&q| q % prime_step(127) == 1));
        // Each level's modulus is the product of its primes, whatever their sizes.
        for level in 1..=params.max_level() {
            let log2: f64 = ctxt[..level].iter().map(|&q| (q as f64).log2()).sum();
            assert!((params.log2_q(level) - log2).abs() < 1e-9);
        }
    }
}

/// A uniform chain generates the primes one call to `generate_primes` for L + K primes gave
/// before chains had runs: ciphertext primes first, then the special ones.
#[test]
fn uniform_chains_keep_their_primes() {
    for lit in [
        ParamsLiteral::toy(),
        ParamsLiteral::small(127, 8).with_prime_bits(30),
    ] {
        let params = lit.build().unwrap();
        let mut all = params.ctxt_basis(params.max_level()).moduli();
        all.extend(params.special_basis().moduli());
        let bits = lit.special_bits;
        assert_eq!(all, generate_primes(lit.m, bits, all.len(), &[]).unwrap());
    }
}

/// Dropping one small prime at a time: each switch removes that prime's bits from the
/// modulus, decrypts to the model and keeps the measured noise under its estimate.
#[test]
fn drops_by_small_primes_decrypt_within_their_estimates() {
    let mut s = setup(fine_top(), &[], 140);
    let (a, b) = (
        random_plaintext(&s.params, &mut s.rng),
        random_plaintext(&s.params, &mut s.rng),
    );
    let ca = s.sk.encrypt(&a, &mut s.rng).unwrap();
    let cb = s.sk.encrypt(&b, &mut s.rng).unwrap();
    let product = s.eval.multiply(&ca, &cb).unwrap();
    let ab = model_product(&s.params, &a, &b);
    check_after(&s, &product, &ab, "product at the top", 1);
    let mut ct: Ciphertext = product;
    let mut dropped_bits = Vec::new();
    while ct.level() > 3 {
        let level = ct.level();
        let q = s.params.ctxt_basis(level).moduli()[level - 1];
        let next = s.eval.mod_switch_to(&ct, level - 1).unwrap();
        let removed = s.params.log2_q(level) - s.params.log2_q(level - 1);
        assert!((removed - (q as f64).log2()).abs() < 1e-9);
        dropped_bits.push(bits_of(q));
        check_after(
            &s,
            &next,
            &ab,
            &format!("dropped a {}-bit prime", bits_of(q)),
            1,
        );
        ct = next;
    }
    assert_eq!(dropped_bits, [24, 24, 30, 30, 50]);
    // A fresh ciphertext switched by both small primes at once.
    let fresh = s.sk.encrypt(&a, &mut s.rng).unwrap();
    check(
        &s,
        &s.eval.mod_switch_to(&fresh, 6).unwrap(),
        &a,
        "fresh, 48 bits dropped",
    );
}

/// The AND chain x <- x AND y (fresh y) on a chain with small primes at the top decrypts to
/// the model at every step (noise under its estimate) and reaches the predicted depth.
#[test]
fn and_chain_on_a_mixed_chain_reaches_its_prediction() {
    let lit = fine_top();
    let predicted = crate::evaluator::supported_and_depth(&lit.build().unwrap());
    let depth = and_depth(lit, 141);
    println!("m = 127, 4 x 50 + 2 x 30 + 2 x 24 bits: AND depth {depth}");
    assert_eq!(depth, predicted);
}

#[test]
fn mixed_chains_round_trip_and_refuse_a_changed_chain() {
    let params = fine_top().build().unwrap();
    let restored = Params::from_bytes(&params.to_bytes().unwrap()).unwrap();
    assert_eq!(restored.fingerprint(), params.fingerprint());
    assert_eq!(restored.to_wire(), params.to_wire());
    // The same primes in another order are another chain.
    let reordered = fine_top().with_chain(vec![
        PrimeRun::new(24, 2),
        PrimeRun::new(30, 2),
        PrimeRun::new(50, 4),
    ]);
    assert_ne!(
        reordered.build().unwrap().fingerprint(),
        params.fingerprint()
    );
    let mut wire = params.to_wire();
    wire.literal = reordered;
    assert!(Params::from_wire(&wire).is_err());
}

/// A size with no prime = 1 mod 2Nm (at m = 32767 every such prime has at least 36 bits),
/// or with too few, is a typed error.
#[test]
fn sizes_without_enough_primes_are_typed_errors() {
    let paper = || ParamsLiteral::paper().with_ctxt_primes(4);
    let few = paper().with_chain(vec![PrimeRun::new(50, 3), PrimeRun::new(30, 1)]);
    assert!(matches!(
        few.build(),
        Err(crate::BgvError::Ring(nit_ring::RingError::PrimeBits {
            bits: 30,
            ..
        }))
    ));
    let many = paper().with_chain(vec![PrimeRun::new(50, 3), PrimeRun::new(36, 2)]);
    assert!(matches!(
        many.build(),
        Err(crate::BgvError::Ring(
            nit_ring::RingError::NotEnoughPrimes { bits: 36, .. }
        ))
    ));
}

/// x <- x * x from a fresh encryption: the number of squares that decrypted to the model
/// (noise under its estimate) before the budget ran out. The estimate's looseness is not
/// bounded here: squaring doubles it in bits until a modulus switch brings it back to B_ms.
fn square_depth(lit: ParamsLiteral, seed: u64) -> usize {
    let mut s = setup(lit, &[], seed);
    let mut x = random_plaintext(&s.params, &mut s.rng);
    let mut cx = s.sk.encrypt(&x, &mut s.rng).unwrap();
    let mut depth = 0;
    loop {
        match s.eval.square(&cx) {
            Ok(next) => {
                x = model_product(&s.params, &x, &x);
                cx = next;
                depth += 1;
                assert_eq!(s.sk.decrypt(&cx).unwrap(), x, "square {depth}");
                let measured = s.sk.measure_noise(&cx).unwrap().log2();
                let estimate = cx.noise_bound().log2();
                assert!(
                    measured <= estimate,
                    "square {depth}: 2^{measured} > 2^{estimate}"
                );
            }
            Err(crate::BgvError::NoiseBudgetExhausted { .. }) => return depth,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}

/// The squaring chain reaches `supported_tree_depth` (from a fresh encryption) on a uniform and on a mixed chain of
/// 400 and 308 bits: 11 and 10 squares (the fine one wastes fewer bits per square).
#[test]
fn square_chains_reach_their_prediction() {
    for (lit, seed) in [(ParamsLiteral::small(127, 8), 142), (fine_top(), 143)] {
        let predicted = {
            let params = lit.build().unwrap();
            crate::evaluator::supported_tree_depth(
                &params,
                params.max_level(),
                params.fresh_noise_secret(),
            )
        };
        let depth = square_depth(lit.clone(), seed);
        println!("{:?}: square depth {depth}", lit.chain);
        assert_eq!(depth, predicted);
    }
}

#[test]
fn chains_parse_from_text() {
    assert_eq!(
        PrimeRun::parse_chain("50x10, 40x6").unwrap(),
        vec![PrimeRun::new(50, 10), PrimeRun::new(40, 6)]
    );
    for bad in ["", "50", "50x", "x3", "50x3,", "50x-1", "fiftyx3", "50x3x2"] {
        assert!(
            matches!(
                PrimeRun::parse_chain(bad),
                Err(crate::BgvError::InvalidParameters(_))
            ),
            "{bad:?}"
        );
    }
}

/// `with_ctxt_primes` keeps the first primes of the chain, or lengthens its last run.
#[test]
fn cutting_a_mixed_chain_keeps_its_first_primes() {
    let cut = |n: usize| fine_top().with_ctxt_primes(n).chain;
    assert_eq!(cut(5), vec![PrimeRun::new(50, 4), PrimeRun::new(30, 1)]);
    assert_eq!(cut(3), vec![PrimeRun::new(50, 3)]);
    assert_eq!(
        cut(10),
        vec![
            PrimeRun::new(50, 4),
            PrimeRun::new(30, 2),
            PrimeRun::new(24, 4)
        ]
    );
    assert_eq!(
        fine_top().with_ctxt_primes(7).prime_sizes(),
        [50, 50, 50, 50, 30, 30, 24]
    );
    assert!(cut(0).is_empty());
}
