//! DoubleCRT arithmetic against schoolbook models over Z_q[X]/Phi_m(X).

use super::{CoeffPoly, DcrtPoly};
use crate::cyclotomic::Cyclotomic;
use crate::error::RingError;
use crate::prime::generate_primes;
use crate::rns::RnsBasis;
use crate::zq::Modulus;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

fn basis(m: usize, primes: usize) -> RnsBasis {
    let ring = Arc::new(Cyclotomic::new(m).unwrap());
    RnsBasis::new(ring, &generate_primes(m, 50, primes, &[]).unwrap()).unwrap()
}

/// Folds a polynomial of any degree modulo X^m - 1 (exact, since Phi_m | X^m - 1), then
/// divides by Phi_m, skipping its zero coefficients.
fn reduce_model(ring: &Cyclotomic, md: &Modulus, a: &[u64]) -> Vec<u64> {
    let (m, phi) = (ring.m(), ring.phi());
    let mut r = vec![0u64; m];
    for (i, &c) in a.iter().enumerate() {
        r[i % m] = md.add(r[i % m], c);
    }
    let f: Vec<(usize, u64)> = ring.polynomial()[..phi]
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0)
        .map(|(j, &c)| (j, md.from_i64(c)))
        .collect();
    for top in (phi..m).rev() {
        let c = r[top];
        if c != 0 {
            for &(j, fj) in &f {
                r[top - phi + j] = md.sub(r[top - phi + j], md.mul(c, fj));
            }
        }
    }
    r.truncate(phi);
    r
}

/// Schoolbook a * b mod (Phi_m, q), with u128 accumulators (q < 2^50, phi < 2^17).
fn schoolbook_product(ring: &Cyclotomic, md: &Modulus, a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut acc = vec![0u128; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        if x != 0 {
            for (j, &y) in b.iter().enumerate() {
                acc[i + j] += x as u128 * y as u128;
            }
        }
    }
    // Each sum has at most phi < 2^15 products of two 50-bit residues: below 2^124.
    let reduced: Vec<u64> = acc.iter().map(|&v| md.reduce_u128(v)).collect();
    reduce_model(ring, md, &reduced)
}

fn random_coeffs(rng: &mut ChaCha8Rng, basis: &RnsBasis) -> CoeffPoly {
    let rows = basis
        .tables()
        .iter()
        .map(|t| {
            (0..basis.ring().phi())
                .map(|_| rng.gen_range(0..t.q()))
                .collect()
        })
        .collect();
    CoeffPoly::from_rows(basis.clone(), rows).unwrap()
}

fn check_products(m: usize, primes: usize, trials: usize, seed: u64) {
    let basis = basis(m, primes);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..trials {
        let (a, b) = (
            random_coeffs(&mut rng, &basis),
            random_coeffs(&mut rng, &basis),
        );
        let product = DcrtPoly::from_coeff(&a)
            .mul(&DcrtPoly::from_coeff(&b))
            .unwrap()
            .to_coeff();
        for (i, t) in basis.tables().iter().enumerate() {
            let expect = schoolbook_product(basis.ring(), t.modulus(), &a.rows()[i], &b.rows()[i]);
            assert_eq!(product.rows()[i], expect, "m = {m}, prime {i}, seed {seed}");
        }
    }
}

#[test]
fn product_matches_schoolbook_on_small_rings() {
    for (seed, m) in [31, 105, 127, 255].into_iter().enumerate() {
        check_products(m, 3, 20, seed as u64);
    }
}

#[test]
fn product_matches_schoolbook_for_toy_ring() {
    check_products(1023, 2, 3, 100);
}

#[test]
fn product_matches_schoolbook_for_paper_ring() {
    check_products(32767, 1, 2, 200);
}

#[test]
fn automorphism_matches_naive_substitution() {
    let mut rng = ChaCha8Rng::seed_from_u64(300);
    for m in [31, 105, 255, 1023, 32767] {
        let basis = basis(m, 2);
        let ring = basis.ring().clone();
        let a = random_coeffs(&mut rng, &basis);
        let dcrt = DcrtPoly::from_coeff(&a);
        for _ in 0..3 {
            let k = loop {
                let k = rng.gen_range(1..m);
                if ring.unit_position(k).is_some() {
                    break k;
                }
            };
            let image = dcrt.automorphism(k).unwrap().to_coeff();
            for (i, t) in basis.tables().iter().enumerate() {
                let mut substituted = vec![0u64; m];
                for (e, &c) in a.rows()[i].iter().enumerate() {
                    substituted[e * k % m] = c;
                }
                let expect = reduce_model(&ring, t.modulus(), &substituted);
                assert_eq!(image.rows()[i], expect, "m = {m}, k = {k}");
            }
        }
        let prime_factor = ring.factorization()[0].0 as usize;
        assert!(dcrt.automorphism(prime_factor).is_err());
    }
}

#[test]
fn sums_negation_and_scalars_are_pointwise_consistent() {
    let basis = basis(255, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(400);
    let (a, b) = (
        random_coeffs(&mut rng, &basis),
        random_coeffs(&mut rng, &basis),
    );
    let (da, db) = (DcrtPoly::from_coeff(&a), DcrtPoly::from_coeff(&b));
    assert_eq!(da.add(&db).unwrap().to_coeff(), a.add(&b).unwrap());
    assert_eq!(da.sub(&db).unwrap().add(&db).unwrap(), da);
    assert_eq!(da.add(&da.neg()).unwrap(), DcrtPoly::zero(&basis));
    let mut scaled = da.clone();
    scaled.mul_scalar_assign(-3);
    let three = da.add(&da).unwrap().add(&da).unwrap();
    assert_eq!(scaled.add(&three).unwrap(), DcrtPoly::zero(&basis));
    let mut acc = DcrtPoly::zero(&basis);
    acc.mul_add_assign(&da, &db).unwrap();
    assert_eq!(acc, da.mul(&db).unwrap());
}

#[test]
fn mismatched_bases_are_rejected() {
    let basis = basis(255, 3);
    let a = DcrtPoly::zero(&basis);
    let b = DcrtPoly::zero(&basis.prefix(2));
    assert!(a.add(&b).is_err());
    assert!(a.mul(&b).is_err());
    assert!(a.truncate(4).is_err());
    assert!(b.extend(&basis.select([1, 0, 2])).is_err());
}

/// The public operations that take raw lengths or indices refuse bad ones with typed errors,
/// so no polynomial ever holds a row shorter than phi (which the vectorized products would
/// read past): a short or out-of-range permutation, a wrong number of scalars.
#[test]
fn bad_permutations_and_scalar_counts_are_typed_errors() {
    let basis = basis(255, 3);
    let phi = basis.ring().phi();
    let a = DcrtPoly::uniform(&basis, &mut ChaCha8Rng::seed_from_u64(8));
    let identity: Vec<u32> = (0..phi as u32).collect();
    assert_eq!(a.permuted(&identity).unwrap(), a);
    assert_eq!(
        a.permuted(&identity[..8]),
        Err(RingError::Length {
            expected: phi,
            found: 8
        })
    );
    let mut outside = identity.clone();
    outside[5] = phi as u32;
    assert_eq!(
        a.permuted(&outside),
        Err(RingError::PermutationIndex {
            index: phi as u32,
            phi
        })
    );
    let mut b = a.clone();
    assert_eq!(
        b.mul_scalars_assign(&[1, 1]),
        Err(RingError::Length {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(b, a, "a refused operation leaves the polynomial as it was");
    b.mul_scalars_assign(&[1, 1, 1]).unwrap();
    assert_eq!(b, a);
}

#[test]
fn truncate_and_extend_keep_the_integer_polynomial() {
    let big = basis(1023, 4);
    let mut rng = ChaCha8Rng::seed_from_u64(500);
    let coeffs: Vec<i64> = (0..600)
        .map(|_| rng.gen_range(-1_000_000..1_000_000))
        .collect();
    let full = DcrtPoly::from_i64(&big, &coeffs).unwrap();
    let low = full.truncate(2).unwrap();
    assert_eq!(low.basis(), &big.prefix(2));
    assert_eq!(low.extend(&big).unwrap(), full);
    let back: Vec<i64> = full
        .to_coeff()
        .to_bigint_centered()
        .iter()
        .map(|c| i64::try_from(c).unwrap())
        .collect();
    assert_eq!(back, coeffs);
}

#[test]
fn unreduced_coefficients_are_a_representative() {
    let basis = basis(1023, 2);
    let mut rng = ChaCha8Rng::seed_from_u64(600);
    let a = random_coeffs(&mut rng, &basis);
    let dcrt = DcrtPoly::from_coeff(&a);
    let b = dcrt.to_coeff_unreduced();
    assert_eq!(b.len(), 1023);
    assert_eq!(DcrtPoly::from_coeff(&b), dcrt);
}

/// A product by a polynomial on a longer basis equals the product by its truncation; a basis
/// that does not start with the left operand's primes is a typed error.
#[test]
fn product_by_a_polynomial_on_a_longer_basis_uses_its_leading_rows() {
    let big = basis(1023, 4);
    let mut rng = ChaCha8Rng::seed_from_u64(700);
    let small_coeffs = |rng: &mut ChaCha8Rng| -> Vec<i64> {
        (0..600).map(|_| rng.gen_range(-1000..1000)).collect()
    };
    let a = DcrtPoly::from_i64(&big.prefix(2), &small_coeffs(&mut rng)).unwrap();
    let b = DcrtPoly::from_i64(&big, &small_coeffs(&mut rng)).unwrap();
    let mut product = a.clone();
    product.mul_assign_prefix(&b).unwrap();
    assert_eq!(product, a.mul(&b.truncate(2).unwrap()).unwrap());
    let mut wide = b.clone();
    assert!(matches!(
        wide.mul_assign_prefix(&a),
        Err(RingError::BasisMismatch { .. })
    ));
    let other = DcrtPoly::from_i64(&big.select(1..3), &small_coeffs(&mut rng)).unwrap();
    let mut shifted = a.clone();
    assert!(matches!(
        shifted.mul_assign_prefix(&other),
        Err(RingError::BasisMismatch { .. })
    ));
}
