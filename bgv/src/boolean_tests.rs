//! The boolean SIMD API against plain bit vectors.

use crate::params::ParamsLiteral;
use crate::rotation::rotate_exponents;
use crate::tests::setup;
use rand::Rng;
use rayon::prelude::*;

/// Capacity below which a pool entry is replaced by a fresh encryption.
const REFRESH_CAPACITY_BITS: f64 = 40.0;

/// `count` random operations (and, xor, not, rotate, and/xor with a public mask) over a pool
/// of ciphertexts with their plain models; every result is decrypted and compared. An AND
/// the evaluator refuses (`NoiseBudgetExhausted`) refreshes its operands and is redrawn.
/// Returns (decryption errors, refusals).
fn random_operations(seed: u64, count: usize) -> (usize, usize) {
    let lit = ParamsLiteral::toy().with_ctxt_primes(12);
    let params = lit.clone().build().unwrap();
    let shifts = [1i64, 3, 17, -5];
    let exponents: Vec<usize> = shifts
        .iter()
        .flat_map(|&k| rotate_exponents(&params, k).unwrap())
        .collect();
    let mut s = setup(lit, &exponents, seed);
    let l = s.params.slots().unwrap().slots();
    let mut pool: Vec<(crate::ciphertext::Ciphertext, Vec<bool>)> = (0..6)
        .map(|_| {
            let bits: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
            (s.sk.encrypt_bits(&bits, &mut s.rng).unwrap(), bits)
        })
        .collect();
    let (mut errors, mut refusals, mut done) = (0, 0, 0);
    while done < count {
        let (i, j) = (
            s.rng.gen_range(0..pool.len()),
            s.rng.gen_range(0..pool.len()),
        );
        let (a, b) = (&pool[i], &pool[j]);
        let (ct, bits) = match s.rng.gen_range(0..6) {
            0 => match s.eval.and(&a.0, &b.0) {
                Ok(ct) => (ct, a.1.iter().zip(&b.1).map(|(x, y)| x & y).collect()),
                Err(crate::error::BgvError::NoiseBudgetExhausted { .. }) => {
                    refusals += 1;
                    for k in [i, j] {
                        let fresh: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
                        pool[k] = (s.sk.encrypt_bits(&fresh, &mut s.rng).unwrap(), fresh);
                    }
                    continue;
                }
                Err(e) => panic!("{e}"),
            },
            1 => (
                s.eval.xor(&a.0, &b.0).unwrap(),
                a.1.iter().zip(&b.1).map(|(x, y)| x ^ y).collect(),
            ),
            2 => (s.eval.not(&a.0).unwrap(), a.1.iter().map(|x| !x).collect()),
            3 => {
                let k = shifts[s.rng.gen_range(0..shifts.len())];
                let rotated = (0..l as i64)
                    .map(|x| a.1[(x - k).rem_euclid(l as i64) as usize])
                    .collect();
                (s.eval.rotate(&a.0, k).unwrap(), rotated)
            }
            4 => {
                let mask: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
                let p = s.eval.encode_bits(&mask).unwrap();
                let masked = a.1.iter().zip(&mask).map(|(x, y)| x & y).collect();
                (s.eval.mul_plain(&a.0, &p).unwrap(), masked)
            }
            _ => {
                let mask: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
                let p = s.eval.encode_bits(&mask).unwrap();
                let flipped = a.1.iter().zip(&mask).map(|(x, y)| x ^ y).collect();
                (s.eval.add_plain(&a.0, &p).unwrap(), flipped)
            }
        };
        done += 1;
        if s.sk.decrypt_bits(&ct).unwrap() != bits {
            errors += 1;
        }
        let target = s.rng.gen_range(0..pool.len());
        pool[target] = if ct.capacity(&s.params) < REFRESH_CAPACITY_BITS {
            let fresh: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
            (s.sk.encrypt_bits(&fresh, &mut s.rng).unwrap(), fresh)
        } else {
            (ct, bits)
        };
    }
    (errors, refusals)
}

#[test]
fn ten_thousand_random_operations_on_toy_decrypt_without_error() {
    let results: Vec<(usize, usize)> = (0..2u64)
        .into_par_iter()
        .map(|stream| random_operations(90 + stream, 5_000))
        .collect();
    let errors: usize = results.iter().map(|r| r.0).sum();
    let refusals: usize = results.iter().map(|r| r.1).sum();
    println!("10000 operations: {errors} decryption errors, {refusals} refused ANDs");
    assert_eq!(errors, 0);
    assert!(refusals < 500, "{refusals} refusals");
}

#[test]
fn select_constants_and_public_key_bits() {
    let mut s = setup(ParamsLiteral::toy().with_ctxt_primes(6), &[], 95);
    let l = s.params.slots().unwrap().slots();
    let pk = s.sk.public_key(&mut s.rng).unwrap();
    let draw =
        |rng: &mut nit_ring::sample::SecureRng| (0..l).map(|_| rng.gen()).collect::<Vec<bool>>();
    let (c, a, b) = (draw(&mut s.rng), draw(&mut s.rng), draw(&mut s.rng));
    let enc = |bits: &[bool], s: &mut crate::tests::Setup| {
        pk.encrypt_bits(&s.params, bits, &mut s.rng).unwrap()
    };
    let (cc, ca, cb) = (enc(&c, &mut s), enc(&a, &mut s), enc(&b, &mut s));
    let chosen = s.eval.select(&cc, &ca, &cb).unwrap();
    let expect: Vec<bool> = (0..l).map(|i| if c[i] { a[i] } else { b[i] }).collect();
    assert_eq!(s.sk.decrypt_bits(&chosen).unwrap(), expect);
    for bit in [false, true] {
        let k = s.eval.constant_bits(bit).unwrap();
        assert_eq!(s.sk.decrypt_bits(&k).unwrap(), vec![bit; l]);
        let mixed = s.eval.and(&k, &ca).unwrap();
        assert_eq!(
            s.sk.decrypt_bits(&mixed).unwrap(),
            a.iter().map(|x| x & bit).collect::<Vec<_>>()
        );
    }
    assert!(s.sk.encrypt_bits(&[true; 3], &mut s.rng).is_err());
}

#[test]
fn paper_bit_operations_match_the_slot_model_and_their_noise_estimates() {
    let mut s = setup(ParamsLiteral::paper().with_ctxt_primes(4), &[], 96);
    let l = s.params.slots().unwrap().slots();
    let pk = s.sk.public_key(&mut s.rng).unwrap();
    let draw =
        |rng: &mut nit_ring::sample::SecureRng| (0..l).map(|_| rng.gen()).collect::<Vec<bool>>();
    let (a, b, mask) = (draw(&mut s.rng), draw(&mut s.rng), draw(&mut s.rng));
    let ca = pk.encrypt_bits(&s.params, &a, &mut s.rng).unwrap();
    let cb = s.sk.encrypt_bits(&b, &mut s.rng).unwrap();
    let zip = |f: fn(bool, bool) -> bool, x: &[bool], y: &[bool]| -> Vec<bool> {
        x.iter().zip(y).map(|(p, q)| f(*p, *q)).collect()
    };
    let mask_p = s.eval.encode_bits(&mask).unwrap();
    let cases: Vec<(&str, crate::ciphertext::Ciphertext, Vec<bool>, usize)> = vec![
        ("public-key encryption", ca.clone(), a.clone(), 0),
        (
            "xor",
            s.eval.xor(&ca, &cb).unwrap(),
            zip(|p, q| p ^ q, &a, &b),
            0,
        ),
        (
            "and",
            s.eval.and(&ca, &cb).unwrap(),
            zip(|p, q| p & q, &a, &b),
            1,
        ),
        (
            "not",
            s.eval.not(&ca).unwrap(),
            a.iter().map(|p| !p).collect(),
            0,
        ),
        (
            "and with a mask",
            s.eval.mul_plain(&ca, &mask_p).unwrap(),
            zip(|p, q| p & q, &a, &mask),
            1,
        ),
        (
            "modulus switch",
            s.eval.mod_switch_to(&ca, 2).unwrap(),
            a.clone(),
            0,
        ),
    ];
    for (what, ct, expect, products) in cases {
        assert_eq!(s.sk.decrypt_bits(&ct).unwrap(), expect, "{what}");
        let p = s.eval.encode_bits(&expect).unwrap();
        crate::tests::check_after(&s, &ct, &p, what, products);
    }
}
