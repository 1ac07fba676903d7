//! SlotsToCoeffs (t = 2) on ciphertexts at m = 1023 and m = 255 (a bad dimension), end to end through BGV's weighted
//! automorphism sums: each hoisted sum of the map becomes one
//! `Evaluator::weighted_automorphism_sum` with the encoded constants of
//! `WeightedAutomorphismSum::encoded_terms`. Known answer: a one-hot slot vector decrypts to
//! its thin powerful monomial X^J(e); every output decodes to the map's slot model.

use nit_bgv::{Ciphertext, EncodedConstant, EvaluationKeys, Evaluator, ParamsLiteral, Plaintext};
use nit_bgv::{Params, SecretKey};
use nit_bootstrap::{SlotsToCoeffs, ThinStructure};
use nit_ring::sample::{seeded_rng, SecureRng};
use nit_ring::Modulus;
use rand::Rng;

/// Slot contents holding the bits `b` in their constant coordinate (thin values).
fn thin_slots(d: usize, b: &[u64]) -> Vec<Vec<u64>> {
    b.iter()
        .map(|&v| {
            let mut x = vec![0u64; d];
            x[0] = v;
            x
        })
        .collect()
}

struct Encrypted {
    params: Params,
    sk: SecretKey,
    eval: Evaluator,
    rng: SecureRng,
}

/// Every sum of the map in turn, each constant encoded at the ciphertext's level.
fn apply_map(e: &Encrypted, stoc: &SlotsToCoeffs, mut ct: Ciphertext) -> Ciphertext {
    for sum in stoc.map().sums() {
        let level = ct.level();
        let encoded: Vec<(usize, EncodedConstant)> = sum
            .encoded_terms()
            .unwrap()
            .into_iter()
            .map(|(h, coeffs)| {
                let plaintext = Plaintext::new(&e.params, coeffs).unwrap();
                (
                    h as usize,
                    e.eval.encode_constant(&plaintext, level).unwrap(),
                )
            })
            .collect();
        let terms: Vec<(usize, &EncodedConstant)> = encoded.iter().map(|(h, c)| (*h, c)).collect();
        ct = e.eval.weighted_automorphism_sum(&ct, &terms).unwrap();
    }
    ct
}

/// One-hot inputs at `one_hot` and a random thin vector through the encrypted map.
fn check_one_hot_inputs(m: usize, one_hot: &[usize], seed: u64) {
    let params = ParamsLiteral::small(m, 6).build().unwrap();
    let ring = params.slots().unwrap().clone();
    let structure = ThinStructure::new(&ring).unwrap();
    let stoc = SlotsToCoeffs::new(&structure, 1).unwrap();
    let exponents: Vec<usize> = stoc
        .map()
        .key_exponents()
        .iter()
        .map(|&h| h as usize)
        .collect();
    let mut rng = seeded_rng(seed);
    println!("m = {m}, seed {seed}");
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let keys = EvaluationKeys::generate(&sk, false, &exponents, &mut rng).unwrap();
    let eval = Evaluator::new(&params, sk.id(), keys).unwrap();
    let mut e = Encrypted {
        params,
        sk,
        eval,
        rng,
    };
    let l = ring.slots();
    let mut inputs: Vec<Vec<u64>> = one_hot
        .iter()
        .map(|&slot| (0..l).map(|i| u64::from(i == slot)).collect())
        .collect();
    inputs.push((0..l).map(|_| e.rng.gen_range(0..2)).collect());
    for b in &inputs {
        let slots = thin_slots(ring.d(), b);
        let p = Plaintext::new(&e.params, ring.encode_full(&slots).unwrap()).unwrap();
        let ct = e.sk.encrypt(&p, &mut e.rng).unwrap();
        let out = apply_map(&e, &stoc, ct);
        let decrypted = e.sk.decrypt(&out).unwrap();
        assert_eq!(
            ring.decode_full(decrypted.coeffs()).unwrap(),
            stoc.map().apply(&slots).unwrap(),
            "slot model, input {b:?}"
        );
        let powerful = structure
            .basis()
            .to_powerful(decrypted.coeffs(), &Modulus::new(2))
            .unwrap();
        assert_eq!(
            powerful,
            structure.thin_polynomial(b).unwrap(),
            "input {b:?}"
        );
        let measured = e.sk.measure_noise(&out).unwrap().log2();
        let estimate = out.noise_bound().log2();
        println!(
            "level {}: measured 2^{measured:.1}, estimate 2^{estimate:.1}",
            out.level()
        );
        assert!(
            measured <= estimate,
            "measured 2^{measured:.1} > 2^{estimate:.1}"
        );
    }
}

#[test]
fn encrypted_slots_to_coeffs_of_a_one_hot_slot_is_its_powerful_monomial_at_m1023() {
    check_one_hot_inputs(1023, &[0, 1, 9, 10, 37, 59], 90);
}

/// m = 255: the special dimension is bad (2 D - 1 terms in its sum).
#[test]
fn encrypted_slots_to_coeffs_of_a_one_hot_slot_is_its_powerful_monomial_with_a_bad_dimension() {
    check_one_hot_inputs(255, &[0, 1, 7, 8, 15], 91);
}
