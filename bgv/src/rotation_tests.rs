//! Rotations against the slot model: decode, move slot contents, compare.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::params::ParamsLiteral;
use crate::rotation::{
    rotate_along_exponents, rotate_exponents, rotate_step_exponents, shift_exponents,
};
use crate::tests::{check_after, setup, Setup};
use rand::Rng;

fn encrypt_bits(s: &mut Setup, bits: &[bool]) -> Ciphertext {
    let p = s.eval.encode_bits(bits).unwrap();
    s.sk.encrypt(&p, &mut s.rng).unwrap()
}

fn decrypt_bits(s: &Setup, ct: &Ciphertext) -> Vec<bool> {
    let p = s.sk.decrypt(ct).unwrap();
    s.params.slots().unwrap().decode_bits(p.coeffs()).unwrap()
}

/// Model of rotate_along: the slot with coordinates c receives the content of c - k e_dim.
fn model_along<T: Clone>(s: &Setup, values: &[T], dim: usize, k: i64) -> Vec<T> {
    let cube = s.params.slots().unwrap().hypercube().clone();
    let order = cube.dims()[dim].order as i64;
    (0..values.len())
        .map(|slot| {
            let mut c = cube.coordinates(slot);
            c[dim] = ((c[dim] as i64 - k).rem_euclid(order)) as usize;
            values[cube.index(&c)].clone()
        })
        .collect()
}

fn model_full<T: Clone>(values: &[T], k: i64) -> Vec<T> {
    let l = values.len() as i64;
    (0..l)
        .map(|i| values[(i - k).rem_euclid(l) as usize].clone())
        .collect()
}

/// Which keys a setup gets for full rotations: the direct terms of rotate(k), or the
/// per-dimension keys of the step-by-step method.
#[derive(Clone, Copy, Debug)]
enum FullKeys {
    Direct,
    Steps,
}

fn keyed_setup(
    lit: ParamsLiteral,
    seed: u64,
    along: &[(usize, i64)],
    full: &[i64],
    full_keys: FullKeys,
) -> Setup {
    let params = lit.clone().build().unwrap();
    let mut exponents = Vec::new();
    for &(dim, k) in along {
        exponents.extend(rotate_along_exponents(&params, dim, k).unwrap());
    }
    for &k in full {
        exponents.extend(match full_keys {
            FullKeys::Direct => rotate_exponents(&params, k).unwrap(),
            FullKeys::Steps => rotate_step_exponents(&params, k).unwrap(),
        });
    }
    setup(lit, &exponents, seed)
}

/// Rotations along dimensions and full rotations (with either key set) on random bits:
/// decryption against the slot model, measured noise against the estimate.
fn check_rotations(lit: ParamsLiteral, seed: u64, along: &[(usize, i64)], full: &[i64]) {
    for full_keys in [FullKeys::Direct, FullKeys::Steps] {
        let mut s = keyed_setup(lit.clone(), seed, along, full, full_keys);
        let l = s.params.slots().unwrap().slots();
        let bits: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
        let ct = encrypt_bits(&mut s, &bits);
        for &(dim, k) in along {
            let out = s.eval.rotate_along(&ct, dim, k).unwrap();
            assert_eq!(
                decrypt_bits(&s, &out),
                model_along(&s, &bits, dim, k),
                "dim {dim} k {k}"
            );
            let expect = s.eval.encode_bits(&model_along(&s, &bits, dim, k)).unwrap();
            check_after(&s, &out, &expect, &format!("rotate_along({dim}, {k})"), 1);
        }
        for &k in full {
            let out = s.eval.rotate(&ct, k).unwrap();
            assert_eq!(decrypt_bits(&s, &out), model_full(&bits, k), "rotate {k}");
            let expect = s.eval.encode_bits(&model_full(&bits, k)).unwrap();
            check_after(&s, &out, &expect, &format!("rotate({k}), {full_keys:?}"), 1);
        }
    }
}

#[test]
fn one_step_rotations_need_only_their_terms_keys() {
    let params = ParamsLiteral::paper().build().unwrap();
    let cube = params.slots().unwrap().hypercube().clone();
    // Known answer: rotate(1) at m = 32767 is three automorphisms (the bad last dimension
    // with and without its wrap, and the carry into dimension 1).
    assert_eq!(rotate_exponents(&params, 1).unwrap().len(), 3);
    for k in [1i64, 7, 31, -1] {
        let direct = rotate_exponents(&params, k).unwrap();
        let terms = cube.automorphism_terms(&cube.rotate(k));
        assert!(terms.len() <= 1 << cube.dims().len());
        for exponent in shift_exponents(&params, k).unwrap() {
            assert!(direct.contains(&exponent), "shift({k}) uses {exponent}");
        }
    }
}

#[test]
fn rotations_along_every_dimension_of_toy_match_the_slot_model() {
    check_rotations(
        ParamsLiteral::toy().with_ctxt_primes(6),
        80,
        &[(0, 1), (0, 7), (0, -3), (1, 1), (1, 5)],
        &[1, 7, 59, -13],
    );
}

#[test]
fn rotations_on_a_small_ring_with_a_bad_dimension_match_the_slot_model() {
    // m = 255: 16 slots, dimension 0 (generator 7, order 8) is bad (7^8 a power of 2).
    let lit = ParamsLiteral::small(255, 6);
    let along = [(0, 1), (0, 3), (0, -2), (1, 1)];
    let full = [1i64, 5, 11, -1];
    check_rotations(lit.clone(), 84, &along, &full);
    let mut s = keyed_setup(lit, 85, &along, &full, FullKeys::Direct);
    let slots = s.params.slots().unwrap().clone();
    assert!(!slots.hypercube().dims()[0].good);
    let values: Vec<Vec<u64>> = (0..slots.slots())
        .map(|_| (0..slots.d()).map(|_| s.rng.gen_range(0..2)).collect())
        .collect();
    let p = Plaintext::new(&s.params, slots.encode_full(&values).unwrap()).unwrap();
    let ct = s.sk.encrypt(&p, &mut s.rng).unwrap();
    let decode = |s: &Setup, ct: &Ciphertext| {
        slots
            .decode_full(s.sk.decrypt(ct).unwrap().coeffs())
            .unwrap()
    };
    for (dim, k) in along {
        let out = s.eval.rotate_along(&ct, dim, k).unwrap();
        assert_eq!(
            decode(&s, &out),
            model_along(&s, &values, dim, k),
            "full slots, dim {dim}, k {k}"
        );
    }
    for k in full {
        let out = s.eval.rotate(&ct, k).unwrap();
        assert_eq!(
            decode(&s, &out),
            model_full(&values, k),
            "full slots, rotate {k}"
        );
    }
}

#[test]
fn rotations_along_the_bad_dimension_of_paper_match_the_slot_model() {
    let lit = ParamsLiteral::paper().with_ctxt_primes(4);
    let mut s = keyed_setup(lit, 81, &[(2, 1), (2, 7)], &[], FullKeys::Direct);
    let slots = s.params.slots().unwrap().clone();
    assert!(!slots.hypercube().dims()[2].good);
    let l = slots.slots();
    let bits: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
    let ct = encrypt_bits(&mut s, &bits);
    let d = slots.d();
    let full: Vec<Vec<u64>> = (0..l)
        .map(|_| (0..d).map(|_| s.rng.gen_range(0..2)).collect())
        .collect();
    let encoded = Plaintext::new(&s.params, slots.encode_full(&full).unwrap()).unwrap();
    let ct_full = s.sk.encrypt(&encoded, &mut s.rng).unwrap();
    for k in [1, 7] {
        let out = s.eval.rotate_along(&ct, 2, k).unwrap();
        assert_eq!(
            decrypt_bits(&s, &out),
            model_along(&s, &bits, 2, k),
            "bits, k {k}"
        );
        let out = s.eval.rotate_along(&ct_full, 2, k).unwrap();
        let decoded = slots
            .decode_full(s.sk.decrypt(&out).unwrap().coeffs())
            .unwrap();
        assert_eq!(decoded, model_along(&s, &full, 2, k), "full slots, k {k}");
    }
}

#[test]
fn shifts_fill_with_zeros_and_frobenius_squares_slots() {
    let lit = ParamsLiteral::toy().with_ctxt_primes(6);
    for full_keys in [FullKeys::Steps, FullKeys::Direct] {
        let mut s = keyed_setup(lit.clone(), 82, &[], &[3, -5], full_keys);
        let l = s.params.slots().unwrap().slots();
        let bits: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
        let ct = encrypt_bits(&mut s, &bits);
        for k in [3i64, -5, l as i64, 0] {
            let out = s.eval.shift(&ct, k).unwrap();
            let expect: Vec<bool> = (0..l as i64)
                .map(|i| i - k >= 0 && i - k < l as i64 && bits[(i - k) as usize])
                .collect();
            assert_eq!(decrypt_bits(&s, &out), expect, "shift {k}, {full_keys:?}");
            if k == l as i64 {
                // Everything shifted out: the zero ciphertext, with no noise at all.
                assert_eq!(s.sk.measure_noise(&out).unwrap(), 0.0);
                assert_eq!(out.noise_bound(), crate::noise::NoiseBound::ZERO);
            } else {
                let expect = s.eval.encode_bits(&expect).unwrap();
                check_after(&s, &out, &expect, &format!("shift({k}), {full_keys:?}"), 1);
            }
        }
    }
    let mut s = keyed_setup(lit, 82, &[], &[], FullKeys::Direct);
    let mut more = s.eval.keys().clone();
    more.add_automorphisms(&s.sk, &[2], &mut s.rng).unwrap();
    let eval = crate::evaluator::Evaluator::new(&s.params, s.sk.id(), more).unwrap();
    let l = s.params.slots().unwrap().slots();
    let bits: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
    let ct = encrypt_bits(&mut s, &bits);
    // Bits are fixed by Frobenius; a full slot value x becomes x^2.
    assert_eq!(decrypt_bits(&s, &eval.frobenius(&ct, 1).unwrap()), bits);
    let slots = s.params.slots().unwrap().clone();
    let full: Vec<Vec<u64>> = (0..l)
        .map(|_| (0..slots.d()).map(|_| s.rng.gen_range(0..2)).collect())
        .collect();
    let ct =
        s.sk.encrypt(
            &Plaintext::new(&s.params, slots.encode_full(&full).unwrap()).unwrap(),
            &mut s.rng,
        )
        .unwrap();
    let out = slots
        .decode_full(
            s.sk.decrypt(&eval.frobenius(&ct, 1).unwrap())
                .unwrap()
                .coeffs(),
        )
        .unwrap();
    let squared: Vec<Vec<u64>> = full
        .iter()
        .map(|x| slots.slot_frobenius(x, 1).unwrap())
        .collect();
    assert_eq!(out, squared);
}

#[test]
fn a_missing_rotation_key_names_the_automorphism() {
    let mut s = setup(ParamsLiteral::toy().with_ctxt_primes(4), &[], 83);
    let l = s.params.slots().unwrap().slots();
    let ct = encrypt_bits(&mut s, &vec![true; l]);
    let err = s.eval.rotate_along(&ct, 0, 1).unwrap_err();
    assert_eq!(
        err,
        crate::error::BgvError::MissingGaloisKey { exponent: 838 }
    );
    assert!(s.eval.rotate_along(&ct, 5, 1).is_err());
}

/// permute_base_slots on bits: each power of each generator moves slot contents as the slot
/// model's automorphism action says (the Frobenius a bit ignores), with one key each; the
/// nested sums over every dimension's powers hold the parity of all slots in every slot; a
/// power past the order is refused. On a ring with a bad dimension and on toy.
#[test]
fn generator_powers_permute_bits_and_their_sums_cover_every_slot() {
    for (lit, seed) in [
        (ParamsLiteral::small(255, 6), 91),
        (ParamsLiteral::toy().with_ctxt_primes(6), 92),
    ] {
        let params = lit.clone().build().unwrap();
        let cube = params.slots().unwrap().hypercube().clone();
        let exponents = crate::rotation::all_rotation_exponents(&params).unwrap();
        let mut s = setup(lit, &exponents, seed);
        let l = s.params.slots().unwrap().slots();
        let bits: Vec<bool> = (0..l).map(|_| s.rng.gen()).collect();
        let ct = encrypt_bits(&mut s, &bits);
        let m = params.m() as u64;
        let mut total = ct.clone();
        for (dim, dimension) in cube.dims().iter().enumerate() {
            let mut h = 1u64;
            let mut sum = total.clone();
            for k in 0..dimension.order {
                let out = s.eval.permute_base_slots(&ct, dim, k).unwrap();
                let action = cube.automorphism_action(h).unwrap();
                let expected: Vec<bool> = action.iter().map(|&(from, _)| bits[from]).collect();
                assert_eq!(decrypt_bits(&s, &out), expected, "dim {dim} power {k}");
                if k > 0 {
                    let moved = s.eval.permute_base_slots(&total, dim, k).unwrap();
                    sum = s.eval.add(&sum, &moved).unwrap();
                }
                h = h * dimension.gen % m;
            }
            total = sum;
            assert!(matches!(
                s.eval.permute_base_slots(&ct, dim, dimension.order),
                Err(BgvError::GeneratorPowerOutOfRange { .. })
            ));
        }
        let parity = bits.iter().filter(|&&b| b).count() % 2 == 1;
        assert_eq!(decrypt_bits(&s, &total), vec![parity; l], "m = {m}");
    }
}
