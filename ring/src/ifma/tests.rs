//! Both paths of every wrapper against native 128-bit arithmetic.

use super::*;
use crate::prime::generate_primes;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A prime the kernels serve (50 bits) and one they do not (61 bits, near the 2^62 limit
/// where the scalar sums must be reduced term by term).
fn primes() -> [u64; 2] {
    [
        generate_primes(1023, 50, 1, &[]).unwrap()[0],
        generate_primes(1023, 61, 1, &[]).unwrap()[0],
    ]
}

fn random_rows(rng: &mut ChaCha8Rng, count: usize, n: usize, q: u64) -> Vec<Vec<u64>> {
    (0..count)
        .map(|_| (0..n).map(|_| rng.gen_range(0..q)).collect())
        .collect()
}

fn view(rows: &[Vec<u64>]) -> Vec<&[u64]> {
    rows.iter().map(|r| &r[..]).collect()
}

/// x y mod q in native 128-bit arithmetic (independent of `Modulus`).
fn mul_model(x: u64, y: u64, q: u64) -> u64 {
    (x as u128 * y as u128 % q as u128) as u64
}

/// Both paths of the key-switching products against native 128-bit arithmetic, with and
/// without a mask, for 1 to 4 terms (4 is past the kernel's limit), on a length that
/// leaves a tail past the kernel's blocks of 8. Where the CPU lacks IFMA both paths run
/// scalar code and are still checked against the model.
#[test]
fn dot_products_on_both_paths_match_wide_integer_model() {
    eprintln!("IFMA kernels available: {}", available());
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let n = 43;
    for q in primes() {
        let md = Modulus::new(q);
        for terms in 1..=4 {
            let x = random_rows(&mut rng, terms, n, q);
            let b = random_rows(&mut rng, terms, n, q);
            let a = random_rows(&mut rng, terms, n, q);
            let [mask, start0, start1] = [(); 3].map(|_| random_rows(&mut rng, 1, n, q));
            for masked in [false, true] {
                let mask = masked.then_some(&mask[0][..]);
                let model = |keys: &[Vec<u64>], start: &[u64]| -> Vec<u64> {
                    (0..n)
                        .map(|c| {
                            let s = (0..terms)
                                .fold(0u64, |acc, j| (acc + mul_model(x[j][c], keys[j][c], q)) % q);
                            let s = mask.map_or(s, |m| mul_model(s, m[c], q));
                            (start[c] + s) % q
                        })
                        .collect()
                };
                let expect = (model(&b, &start0[0]), model(&a, &start1[0]));
                let mut results = Vec::new();
                for path in Path::ALL {
                    let (mut out0, mut out1) = (start0[0].clone(), start1[0].clone());
                    dot_products(
                        path,
                        &md,
                        &view(&x),
                        &view(&b),
                        &view(&a),
                        mask,
                        [&mut out0, &mut out1],
                    )
                    .unwrap();
                    let context = format!("{path:?}, q = {q}, {terms} terms, mask {masked}");
                    assert_eq!((&out0, &out1), (&expect.0, &expect.1), "{context}");
                    results.push((out0, out1));
                }
                assert_eq!(results[0], results[1]);
            }
        }
    }
}

/// Every length the kernel relies on is checked before it runs: a short or missing row
/// is a typed error on both paths, and the outputs are untouched.
#[test]
fn dot_products_with_mismatched_lengths_are_typed_errors() {
    let q = primes()[0];
    let md = Modulus::new(q);
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let n = 64;
    let rows = random_rows(&mut rng, 3, n, q);
    let short = random_rows(&mut rng, 1, 8, q);
    let full = view(&rows);
    let mut one_short = full.clone();
    one_short[1] = &short[0];
    let length = Err(RingError::Length {
        expected: n,
        found: 8,
    });
    for path in Path::ALL {
        let (mut out0, mut out1) = (vec![0u64; n], vec![0u64; n]);
        let mut run = |x: &[&[u64]], b: &[&[u64]], a: &[&[u64]], mask: Option<&[u64]>| {
            dot_products(path, &md, x, b, a, mask, [&mut out0, &mut out1])
        };
        assert_eq!(run(&full, &full, &full, Some(&short[0])), length);
        assert_eq!(run(&one_short, &full, &full, None), length);
        assert_eq!(run(&full, &one_short, &full, None), length);
        assert_eq!(run(&full, &full, &one_short, None), length);
        assert_eq!(
            run(&full, &full[..2], &full, None),
            Err(RingError::Length {
                expected: 3,
                found: 2
            })
        );
        assert_eq!((out0.iter().sum::<u64>(), out1.iter().sum::<u64>()), (0, 0));
        let mut short_out = vec![0u64; 8];
        assert_eq!(
            dot_products(
                path,
                &md,
                &full,
                &full,
                &full,
                None,
                [&mut out0, &mut short_out]
            ),
            length
        );
    }
}

/// Both paths of the pointwise products (with and without the addend) against native
/// 128-bit arithmetic, on lengths with and without a tail.
#[test]
fn products_on_both_paths_match_wide_integer_model() {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    for q in primes() {
        let md = Modulus::new(q);
        for n in [8, 43] {
            let [acc, x, y] = [(); 3].map(|_| random_rows(&mut rng, 1, n, q).remove(0));
            let multiplied: Vec<u64> = (0..n).map(|c| mul_model(acc[c], y[c], q)).collect();
            let accumulated: Vec<u64> = (0..n)
                .map(|c| (acc[c] + mul_model(x[c], y[c], q)) % q)
                .collect();
            for path in Path::ALL {
                let mut out = acc.clone();
                products(path, &md, &mut out, None, &y);
                assert_eq!(out, multiplied, "{path:?}, q = {q}, n = {n}");
                let mut out = acc.clone();
                products(path, &md, &mut out, Some(&x), &y);
                assert_eq!(out, accumulated, "{path:?}, q = {q}, n = {n}, with x");
            }
        }
    }
}

/// Both paths of the gathered difference against native arithmetic, with indices that
/// reach the last value.
#[test]
fn gathered_difference_on_both_paths_matches_wide_integer_model() {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    for q in primes() {
        let md = Modulus::new(q);
        let (n, len) = (43, 100);
        let row = random_rows(&mut rng, 1, n, q).remove(0);
        let values = random_rows(&mut rng, 1, len, q).remove(0);
        let mut index: Vec<u32> = (0..n).map(|_| rng.gen_range(0..len as u32)).collect();
        index[3] = len as u32 - 1;
        let w = rng.gen_range(0..q);
        let expect: Vec<u64> = (0..n)
            .map(|c| mul_model((row[c] + q - values[index[c] as usize]) % q, w, q))
            .collect();
        for path in Path::ALL {
            let mut out = row.clone();
            gathered_difference(path, &md, &mut out, &values, &index, w);
            assert_eq!(out, expect, "{path:?}, q = {q}");
        }
    }
}

/// An index outside the values never reaches the kernel's gather.
#[test]
#[should_panic(expected = "invariant: one index per entry")]
fn gathered_difference_refuses_an_index_outside_the_values() {
    let q = primes()[0];
    let mut row = vec![1u64; 16];
    let mut index = vec![0u32; 16];
    index[2] = 16;
    gathered_difference(
        Path::Vectorized,
        &Modulus::new(q),
        &mut row,
        &[0u64; 16],
        &index,
        3,
    );
}
