//! Weighted automorphism sums with full slot constants against the slot model: random
//! GR(2^r, d) contents, random constants per slot, slot for slot after decryption; measured
//! noise against the estimate.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::encoded_constant::EncodedConstant;
use crate::error::BgvError;
use crate::params::ParamsLiteral;
use crate::tests::{setup, Setup};
use rand::Rng;

/// How far the estimate of a sum of up to 8 terms may lie above the measured noise.
const SUM_SLACK_BITS: f64 = 10.0;

/// `count` random slot contents (d coordinates below t each).
fn random_slots(s: &mut Setup, count: usize) -> Vec<Vec<u64>> {
    let ring = s.params.slots().unwrap();
    let (d, t) = (ring.d(), ring.plaintext_modulus());
    (0..count)
        .map(|_| (0..d).map(|_| s.rng.gen_range(0..t)).collect())
        .collect()
}

fn plaintext_of_slots(s: &Setup, slots: &[Vec<u64>]) -> Plaintext {
    let coeffs = s.params.slots().unwrap().encode_full(slots).unwrap();
    Plaintext::new(&s.params, coeffs).unwrap()
}

/// The slot model: sum_i c_i * (slots of sigma_(h_i)(x)).
fn model(s: &Setup, x: &[Vec<u64>], terms: &[(usize, Vec<Vec<u64>>)]) -> Vec<Vec<u64>> {
    let ring = s.params.slots().unwrap();
    let mut sum = vec![vec![0u64; ring.d()]; ring.slots()];
    for (exponent, constant) in terms {
        let moved = ring.automorphism_model(x, *exponent as u64).unwrap();
        for ((acc, c), y) in sum.iter_mut().zip(constant).zip(&moved) {
            *acc = ring.slot_add(acc, &ring.slot_mul(c, y).unwrap()).unwrap();
        }
    }
    sum
}

/// The constant 1 in every slot.
fn ones(s: &Setup) -> Vec<Vec<u64>> {
    let ring = s.params.slots().unwrap();
    let mut one = vec![0u64; ring.d()];
    one[0] = 1;
    vec![one; ring.slots()]
}

/// Applies the terms (h, slot constants) at the ciphertext's level (constants encoded at
/// `encode_level`), checks the slots against the model and the measured noise against the
/// estimate; returns the result.
fn check_sum(
    s: &mut Setup,
    ct: &Ciphertext,
    x: &[Vec<u64>],
    terms: &[(usize, Vec<Vec<u64>>)],
    encode_level: usize,
    what: &str,
) -> Ciphertext {
    let encoded: Vec<EncodedConstant> = terms
        .iter()
        .map(|(_, c)| {
            s.eval
                .encode_constant(&plaintext_of_slots(s, c), encode_level)
                .unwrap()
        })
        .collect();
    let pairs: Vec<(usize, &EncodedConstant)> = terms
        .iter()
        .zip(&encoded)
        .map(|((h, _), c)| (*h, c))
        .collect();
    let out = s.eval.weighted_automorphism_sum(ct, &pairs).unwrap();
    let decrypted = s.sk.decrypt(&out).unwrap();
    let slots = s
        .params
        .slots()
        .unwrap()
        .decode_full(decrypted.coeffs())
        .unwrap();
    assert_eq!(slots, model(s, x, terms), "{what}: slots");
    let measured = s.sk.measure_noise(&out).unwrap().log2();
    let estimate = out.noise_bound().log2();
    println!(
        "{what}: {} terms at level {}, measured 2^{measured:.1}, estimate 2^{estimate:.1}",
        terms.len(),
        out.level()
    );
    assert!(
        measured <= estimate,
        "{what}: measured noise 2^{measured:.1} above the estimate 2^{estimate:.1}"
    );
    // Each term's bound ||c||_can (nu + ks) adds up in the worst case where the measured
    // sum of independent terms grows like a square root: a few bits more than `SLACK_BITS`.
    assert!(
        estimate - measured <= SUM_SLACK_BITS,
        "{what}: estimate 2^{estimate:.1} looser than {SUM_SLACK_BITS} bits over 2^{measured:.1}"
    );
    out
}

/// Keyed terms (from `keyed`), the identity and a constant-one term, random constants.
fn random_terms(s: &mut Setup, keyed: &[usize]) -> Vec<(usize, Vec<Vec<u64>>)> {
    let l = s.params.slots().unwrap().slots();
    let mut terms: Vec<(usize, Vec<Vec<u64>>)> =
        keyed.iter().map(|&h| (h, random_slots(s, l))).collect();
    terms.push((1, random_slots(s, l)));
    terms.push((keyed[0], ones(s)));
    terms
}

fn check_random_constants(lit: ParamsLiteral, seed: u64, keyed: impl Fn(&Setup) -> Vec<usize>) {
    let probe = setup(lit.clone(), &[], seed);
    let exponents = keyed(&probe);
    let mut s = setup(lit, &exponents, seed);
    let name = s.params.name().to_string();
    let l = s.params.slots().unwrap().slots();
    let x = random_slots(&mut s, l);
    let p = plaintext_of_slots(&s, &x);
    let ct = s.sk.encrypt(&p, &mut s.rng).unwrap();
    let top = s.params.max_level();
    let terms = random_terms(&mut s, &exponents);
    check_sum(&mut s, &ct, &x, &terms, top, &format!("{name}, top level"));
    // Constants encoded at the top serve a lower level (rows selected, no DFT).
    let low = s.eval.mod_switch_to(&ct, top - 2).unwrap();
    check_sum(
        &mut s,
        &low,
        &x,
        &terms,
        top,
        &format!("{name}, two primes down"),
    );
    // Identity and constant-one terms only: no key switch.
    let unkeyed = vec![(1, random_slots(&mut s, l)), (1, ones(&s))];
    check_sum(
        &mut s,
        &ct,
        &x,
        &unkeyed,
        top,
        &format!("{name}, identity only"),
    );
}

/// The generator of every dimension, its square and the Frobenius X -> X^2.
fn generator_exponents(s: &Setup) -> Vec<usize> {
    let m = s.params.m();
    let cube = s.params.slots().unwrap().hypercube().clone();
    let mut exponents: Vec<usize> = cube
        .dims()
        .iter()
        .flat_map(|dim| {
            let g = dim.gen as usize % m;
            [g, g * g % m]
        })
        .chain([2])
        .collect();
    exponents.sort_unstable();
    exponents.dedup();
    exponents
}

#[test]
fn weighted_sum_with_gf2d_constants_matches_slot_model_at_m1023() {
    check_random_constants(ParamsLiteral::small(1023, 6), 80, generator_exponents);
}

/// m = 255 has a bad dimension: the two exponents of its rotation by one (g and g^(1 - ord))
/// carry independent constants.
#[test]
fn weighted_sum_with_gf2d_constants_matches_slot_model_with_a_bad_dimension() {
    check_random_constants(ParamsLiteral::small(255, 6), 81, |s| {
        let cube = s.params.slots().unwrap().hypercube().clone();
        let bad = cube.dims().iter().position(|d| !d.good).unwrap();
        let mut exponents = crate::rotation::rotate_along_exponents(&s.params, bad, 1).unwrap();
        exponents.extend(generator_exponents(s));
        exponents.sort_unstable();
        exponents.dedup();
        exponents
    });
}

/// t = 2^4: the constants are GR(2^4, d) elements, centered in (-8, 8].
#[test]
fn weighted_sum_with_galois_ring_constants_matches_slot_model() {
    check_random_constants(
        ParamsLiteral::small(255, 8).with_r(4),
        82,
        generator_exponents,
    );
}

#[test]
fn weighted_sum_rejects_low_constants_foreign_constants_and_missing_keys() {
    let mut s = setup(ParamsLiteral::small(255, 4), &[], 83);
    let l = s.params.slots().unwrap().slots();
    let x = random_slots(&mut s, l);
    let p = plaintext_of_slots(&s, &x);
    let ct = s.sk.encrypt(&p, &mut s.rng).unwrap();
    let values = random_slots(&mut s, l);
    let c = plaintext_of_slots(&s, &values);
    let low = s.eval.encode_constant(&c, 2).unwrap();
    assert!(matches!(
        s.eval.weighted_automorphism_sum(&ct, &[(1, &low)]),
        Err(BgvError::LevelMismatch { .. })
    ));
    let top = s.eval.encode_constant(&c, 4).unwrap();
    assert_eq!(
        s.eval.weighted_automorphism_sum(&ct, &[(2, &top)]).err(),
        Some(BgvError::MissingGaloisKey { exponent: 2 })
    );
    assert!(matches!(
        s.eval.encode_constant(&c, 5),
        Err(BgvError::BadLevel { .. })
    ));
    let other = setup(ParamsLiteral::small(255, 5), &[], 84);
    let foreign =
        EncodedConstant::new(&other.params, &Plaintext::constant(&other.params, 1), 4).unwrap();
    assert!(matches!(
        s.eval.weighted_automorphism_sum(&ct, &[(1, &foreign)]),
        Err(BgvError::ParamsMismatch { .. })
    ));
    assert!(foreign.is_one() && foreign.size_bytes() == 0);
    let phi = s.params.phi();
    let expected = s.params.extended_basis(4).len() * phi * 8;
    assert_eq!(top.size_bytes(), expected);
}
