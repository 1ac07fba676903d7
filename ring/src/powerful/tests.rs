//! The powerful basis against schoolbook models: polynomial products and reductions mod
//! Phi_m, multivariate products reduced through tables of X_i^t mod Phi_{m_i} built by
//! `Cyclotomic::reduce_i128`, and the rounding-error spread of BOOTSTRAP_NOTES 1.

use super::*;
use crate::cyclotomic::multiplicative_order;
use crate::prime::generate_primes;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// The Mersenne prime 2^61 - 1: large enough that the models never wrap in a way that hides
/// an error, unrelated to the ring.
fn big_prime() -> Modulus {
    Modulus::new((1 << 61) - 1)
}

fn random_residues(n: usize, q: &Modulus, rng: &mut ChaCha8Rng) -> Vec<u64> {
    (0..n).map(|_| rng.gen_range(0..q.value())).collect()
}

fn basis(m: usize, factors: &[usize]) -> (Cyclotomic, PowerfulBasis) {
    let ring = Cyclotomic::new(m).unwrap();
    let basis = PowerfulBasis::new(&ring, factors).unwrap();
    (ring, basis)
}

/// a mod Phi_m over Z_q for any length of a: fold mod X^m - 1 (Phi_m | X^m - 1), then
/// schoolbook division by Phi_m.
fn reduce_model(ring: &Cyclotomic, q: &Modulus, a: &[u64]) -> Vec<u64> {
    let (m, phi) = (ring.m(), ring.phi());
    let mut r = vec![0u64; m];
    for (i, &c) in a.iter().enumerate() {
        r[i % m] = q.add(r[i % m], c);
    }
    let f: Vec<(usize, u64)> = ring.polynomial()[..phi]
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0)
        .map(|(j, &c)| (j, q.from_i64(c)))
        .collect();
    for top in (phi..m).rev() {
        let c = r[top];
        for &(j, fj) in &f {
            r[top - phi + j] = q.sub(r[top - phi + j], q.mul(c, fj));
        }
    }
    r.truncate(phi);
    r
}

/// a b mod (X^m - 1) over Z_q, skipping zero coefficients of b; reduce_model finishes it.
fn cyclic_product(m: usize, q: &Modulus, a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut c = vec![0u64; m];
    for (j, &bj) in b.iter().enumerate().filter(|(_, &bj)| bj != 0) {
        for (i, &ai) in a.iter().enumerate() {
            let at = (i + j) % m;
            c[at] = q.add(c[at], q.mul(ai, bj));
        }
    }
    c
}

/// The product in (x)_i Z_q[X_i]/Phi_{m_i}: multivariate schoolbook into extents
/// 2 phi_i - 1, then each dimension mapped through the table X_i^t mod Phi_{m_i}.
fn tensor_product_model(factors: &[usize], q: &Modulus, a: &[u64], b: &[u64]) -> Vec<u64> {
    let phis: Vec<usize> = factors
        .iter()
        .map(|&f| euler_phi(f as u64) as usize)
        .collect();
    let wide: Vec<usize> = phis.iter().map(|p| 2 * p - 1).collect();
    let unflatten = |mut flat: usize, extents: &[usize]| {
        let mut c = vec![0; extents.len()];
        for (ci, &e) in c.iter_mut().zip(extents).rev() {
            *ci = flat % e;
            flat /= e;
        }
        c
    };
    let flatten =
        |c: &[usize], extents: &[usize]| c.iter().zip(extents).fold(0, |f, (&x, &e)| f * e + x);
    let mut product = vec![0u64; wide.iter().product()];
    for (kb, &vb) in b.iter().enumerate().filter(|(_, &v)| v != 0) {
        let cb = unflatten(kb, &phis);
        for (ka, &va) in a.iter().enumerate() {
            let ca = unflatten(ka, &phis);
            let sum: Vec<usize> = ca.iter().zip(&cb).map(|(x, y)| x + y).collect();
            let at = flatten(&sum, &wide);
            product[at] = q.add(product[at], q.mul(va, vb));
        }
    }
    let mut extents = wide.clone();
    for (i, &mi) in factors.iter().enumerate() {
        let small = Cyclotomic::new(mi).unwrap();
        let powers: Vec<Vec<u64>> = (0..wide[i])
            .map(|t| {
                let mut monomial = vec![0i128; t + 1];
                monomial[t] = 1;
                small
                    .reduce_i128(&monomial)
                    .iter()
                    .map(|&c| q.from_i64(c as i64))
                    .collect()
            })
            .collect();
        let mut narrow = extents.clone();
        narrow[i] = phis[i];
        let mut next = vec![0u64; narrow.iter().product()];
        for (k, &v) in product.iter().enumerate().filter(|(_, &v)| v != 0) {
            let mut c = unflatten(k, &extents);
            let t = c[i];
            for (j, &pw) in powers[t].iter().enumerate() {
                c[i] = j;
                let at = flatten(&c, &narrow);
                next[at] = q.add(next[at], q.mul(v, pw));
            }
        }
        product = next;
        extents = narrow;
    }
    product
}

#[test]
fn named_rings_take_the_maps_factorization_from_the_hypercube() {
    for (m, factors, shape, d) in [
        (1023, vec![11, 93], vec![10, 60], 10),
        (32767, vec![31, 7, 151], vec![30, 6, 150], 15),
    ] {
        let ring = Cyclotomic::new(m).unwrap();
        let cube = Hypercube::new(&ring).unwrap();
        let basis = PowerfulBasis::from_hypercube(&ring, &cube).unwrap();
        assert_eq!(basis.factors(), factors, "m = {m}");
        assert_eq!(basis.shape(), shape, "m = {m}");
        assert_eq!(basis.len(), ring.phi());
        // Generator i is 1 modulo every other factor: X_l for l != i is fixed by it.
        for (i, dim) in cube.dims().iter().enumerate() {
            for (l, &ml) in factors.iter().enumerate() {
                assert_eq!(
                    dim.gen % ml as u64 == 1,
                    l != i,
                    "m = {m}, gen {i}, factor {ml}"
                );
            }
        }
        // Special factor last: 2 has the full slot degree d modulo it.
        assert_eq!(multiplicative_order(2, *factors.last().unwrap() as u64), d);
    }
}

#[test]
fn crt_exponents_are_known_answers() {
    // m = 1023 = 11 * 93: 93^-1 = 9 mod 11, 11^-1 = 17 mod 93, so X = X_0^9 X_1^17.
    let (_, toy) = basis(1023, &[11, 93]);
    assert_eq!(toy.crt_exponents(), vec![9, 17]);
    assert_eq!(toy.factor_exponents(1), vec![9, 17]);
    assert_eq!(toy.factor_exponents(93), vec![1, 0]);
    assert_eq!(toy.factor_exponents(11), vec![0, 1]);
    assert_eq!(toy.exponent(&[1, 0]).unwrap(), 93);
    assert_eq!(toy.exponent(&[9, 17]).unwrap(), 1);
    // m = 32767 = 31 * 7 * 151: cofactors 1057, 4681, 217.
    let (_, paper) = basis(32767, &[31, 7, 151]);
    for (u, (mi, cofactor)) in paper
        .crt_exponents()
        .iter()
        .zip([(31, 1057), (7, 4681), (151, 217)])
    {
        assert_eq!(u * cofactor % mi, 1);
    }
    assert_eq!(paper.exponent(&[0, 0, 1]).unwrap(), 217);
}

#[test]
fn every_exponent_is_reached_once_and_indices_invert() {
    for (m, factors) in [(105, vec![3, 5, 7]), (63, vec![9, 7]), (1023, vec![11, 93])] {
        let (_, basis) = basis(m, &factors);
        let mut seen = vec![false; m];
        for index in 0..basis.len() {
            let monomial = basis.monomial(index).unwrap();
            assert_eq!(basis.index(&monomial).unwrap(), index);
            let e = basis.exponent(&monomial).unwrap();
            assert!(!seen[e], "m = {m}: exponent {e} twice");
            seen[e] = true;
            assert_eq!(
                basis.factor_exponents(e),
                monomial,
                "m = {m}: CRT of e(J) is J"
            );
        }
    }
}

#[test]
fn known_monomials_map_to_the_predicted_polynomial_and_back() {
    let q = big_prime();
    for (m, factors, stride) in [
        (105, vec![3, 5, 7], 1),
        (63, vec![9, 7], 1),
        (1023, vec![11, 93], 7),
        (32767, vec![31, 7, 151], 4001),
    ] {
        let (ring, basis) = basis(m, &factors);
        for index in (0..basis.len()).step_by(stride) {
            let monomial = basis.monomial(index).unwrap();
            let mut unit = vec![0u64; basis.len()];
            unit[index] = 1;
            // X^J = prod_i (X^{m/m_i})^{j_i}, a power of X whose exponent the model folds mod m.
            let exponent: usize = factors
                .iter()
                .zip(&monomial)
                .map(|(&mi, &j)| j * (m / mi))
                .sum();
            let mut power = vec![0u64; exponent + 1];
            power[exponent] = 1;
            let predicted = reduce_model(&ring, &q, &power);
            assert_eq!(
                basis.to_coefficients(&unit, &q).unwrap(),
                predicted,
                "m = {m}, J = {monomial:?}"
            );
            assert_eq!(
                basis.to_powerful(&predicted, &q).unwrap(),
                unit,
                "m = {m}, J = {monomial:?}"
            );
        }
    }
}

#[test]
fn round_trips_on_random_polynomials() {
    let q = big_prime();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for (m, factors) in [
        (105, vec![3, 5, 7]),
        (105, vec![15, 7]),
        (63, vec![9, 7]),
        (1023, vec![3, 11, 31]),
        (1023, vec![11, 93]),
        (32767, vec![31, 7, 151]),
    ] {
        let (ring, basis) = basis(m, &factors);
        let a = random_residues(ring.phi(), &q, &mut rng);
        let powerful = basis.to_powerful(&a, &q).unwrap();
        assert_eq!(
            basis.to_coefficients(&powerful, &q).unwrap(),
            a,
            "m = {m} {factors:?}"
        );
        let t = random_residues(ring.phi(), &q, &mut rng);
        let lifted = basis.lift(&t).unwrap();
        assert_eq!(lifted.len(), m);
        assert_eq!(
            reduce_model(&ring, &q, &lifted),
            basis.to_coefficients(&t, &q).unwrap()
        );
        assert_eq!(
            basis.to_powerful(&lifted, &q).unwrap(),
            t,
            "m = {m} {factors:?}: lift"
        );
        // Any representative of degree < m: a + (X^5 + 3) Phi_m has the same coordinates.
        let mut shifted = a.clone();
        shifted.resize(m, 0);
        for (j, &f) in ring.polynomial().iter().enumerate() {
            for (k, c) in [(5, 1), (0, 3)] {
                shifted[j + k] = q.add(shifted[j + k], q.from_i64(f * c));
            }
        }
        assert_eq!(
            basis.to_powerful(&shifted, &q).unwrap(),
            powerful,
            "m = {m} {factors:?}"
        );
    }
}

#[test]
fn product_is_coordinate_wise_along_the_tensor_structure() {
    let q = big_prime();
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for (m, factors, sparse) in [
        (105, vec![3, 5, 7], false),
        (63, vec![9, 7], false),
        (1023, vec![11, 93], false),
        (32767, vec![31, 7, 151], true),
    ] {
        let (ring, basis) = basis(m, &factors);
        let a = random_residues(ring.phi(), &q, &mut rng);
        // At m = 32767 the second factor is a few powerful monomials, so both models stay cheap.
        let tb: Vec<u64> = if sparse {
            let mut t = vec![0; ring.phi()];
            for _ in 0..3 {
                t[rng.gen_range(0..ring.phi())] = rng.gen_range(0..q.value());
            }
            t
        } else {
            random_residues(ring.phi(), &q, &mut rng)
        };
        let b = basis.lift(&tb).unwrap();
        let ab = reduce_model(&ring, &q, &cyclic_product(m, &q, &a, &b));
        let ta = basis.to_powerful(&a, &q).unwrap();
        assert_eq!(
            basis.to_powerful(&ab, &q).unwrap(),
            tensor_product_model(&factors, &q, &ta, &tb),
            "m = {m}"
        );
    }
}

/// Sigma of eps = tau_0 + tau_1 s' read in the powerful basis, tau uniform in [-1/2, 1/2]
/// per powerful coefficient, s' ternary of weight h in the coefficient basis: the spread the
/// notes measured (table in section 1) when they sized the digits to remove. A few tau
/// coefficients reach every output (X_i^{m_i - 1} expands to a whole fiber), so one key's
/// estimate is noisy: pool many keys. Returns (sigma, max |eps|).
fn rounding_error_spread(
    m: usize,
    factors: &[usize],
    weight: usize,
    keys: usize,
    seed: u64,
) -> (f64, f64) {
    const SCALE: f64 = (1u64 << 20) as f64;
    let q = big_prime();
    let (ring, basis) = basis(m, factors);
    let phi = ring.phi();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let uniform = |rng: &mut ChaCha8Rng| -> Vec<u64> {
        (0..phi)
            .map(|_| q.from_i64(rng.gen_range(-(1i64 << 19)..=1 << 19)))
            .collect()
    };
    let (mut sum, mut squares, mut count, mut largest) = (0f64, 0f64, 0usize, 0f64);
    for _ in 0..keys {
        let mut key = vec![0u64; phi];
        let mut placed = 0;
        while placed < weight {
            let at = rng.gen_range(0..phi);
            if key[at] == 0 {
                key[at] = q.from_i64(if rng.gen_bool(0.5) { 1 } else { -1 });
                placed += 1;
            }
        }
        let (tau0, tau1) = (uniform(&mut rng), uniform(&mut rng));
        // tau_1 s' mod X^m - 1 is a representative of degree < m: to_powerful reduces it.
        let product = cyclic_product(m, &q, &basis.lift(&tau1).unwrap(), &key);
        let product = basis.to_powerful(&product, &q).unwrap();
        for (&x, &y) in tau0.iter().zip(&product) {
            let eps = q.center(q.add(x, y)) as f64 / SCALE;
            sum += eps;
            squares += eps * eps;
            count += 1;
            largest = f64::max(largest, eps.abs());
        }
    }
    let mean = sum / count as f64;
    ((squares / count as f64 - mean * mean).sqrt(), largest)
}

/// The notes' table: (weight, measured sigma, e). The bit survives while |eps| < 2^(e-2), and
/// e was sized for 10 sigma: no sample may come near it.
fn check_rounding_error_spread(
    m: usize,
    factors: &[usize],
    keys: usize,
    table: [(usize, f64, u32); 2],
) {
    for (weight, expected, e) in table {
        let (sigma, largest) = rounding_error_spread(m, factors, weight, keys, weight as u64);
        println!("m = {m}, weight {weight}: sigma {sigma:.2}, max |eps| {largest:.1}");
        assert!(
            (sigma / expected - 1.0).abs() < 0.1,
            "m = {m}, weight {weight}: sigma {sigma}"
        );
        assert!(
            largest < (1u64 << (e - 2)) as f64,
            "m = {m}, weight {weight}: |eps| {largest}"
        );
    }
}

#[test]
fn rounding_error_spread_matches_the_notes_at_m_1023() {
    // BOOTSTRAP_NOTES section 1: sigma 7.43 (weight 120, e = 9), 5.43 (weight 64, e = 8).
    check_rounding_error_spread(1023, &[11, 93], 200, [(120, 7.43, 9), (64, 5.43, 8)]);
}

#[test]
fn rounding_error_spread_matches_the_notes_at_m_32767() {
    // Sigma 8.28 (weight 120, e = 9) and 5.51-5.73 (weight 64, e = 8).
    check_rounding_error_spread(32767, &[31, 7, 151], 40, [(120, 8.28, 9), (64, 5.62, 8)]);
}

#[test]
fn rns_polynomials_convert_row_by_row() {
    let ring = Arc::new(Cyclotomic::new(1023).unwrap());
    let rns = RnsBasis::new(ring.clone(), &generate_primes(1023, 50, 2, &[]).unwrap()).unwrap();
    let basis = PowerfulBasis::new(&ring, &[11, 93]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let small: Vec<i64> = (0..ring.phi())
        .map(|_| rng.gen_range(-1000..=1000))
        .collect();
    let poly = CoeffPoly::from_i64(rns.clone(), &small).unwrap();
    let powerful = basis.poly_to_powerful(&poly).unwrap();
    // The integer powerful coefficients, computed mod 2^61 - 1 and centred, match the CRT.
    let q = big_prime();
    let residues: Vec<u64> = small.iter().map(|&c| q.from_i64(c)).collect();
    let expected: Vec<BigInt> = basis
        .to_powerful(&residues, &q)
        .unwrap()
        .iter()
        .map(|&x| BigInt::from(q.center(x)))
        .collect();
    assert_eq!(powerful.to_bigint_centered(), expected);
    let back = basis.powerful_to_poly(&powerful).unwrap();
    assert_eq!(back.len(), 1023);
    assert_eq!(basis.poly_to_powerful(&back).unwrap(), powerful);
    let rebuilt = PowerfulPoly::from_rows(rns.clone(), powerful.rows().to_vec()).unwrap();
    assert_eq!(rebuilt, powerful);
}

#[test]
fn bad_input_is_a_typed_error() {
    let ring = Cyclotomic::new(1023).unwrap();
    for factors in [vec![], vec![11, 31], vec![1023, 1], vec![11, 93, 1]] {
        assert_eq!(
            PowerfulBasis::new(&ring, &factors),
            Err(RingError::PowerfulFactors {
                m: 1023,
                factors: factors.clone()
            }),
            "{factors:?}"
        );
    }
    let ring63 = Cyclotomic::new(63).unwrap();
    assert_eq!(
        PowerfulBasis::new(&ring63, &[3, 21]),
        Err(RingError::PowerfulFactors {
            m: 63,
            factors: vec![3, 21]
        }),
        "not coprime"
    );
    // 956 = 584 * 838^5 spans the same box as 584 but is not 1 modulo 11: no aligned factors.
    let skew = Hypercube::with_generators(&ring, &[838, 956], &[10, 6]).unwrap();
    assert_eq!(
        PowerfulBasis::from_hypercube(&ring, &skew),
        Err(RingError::PowerfulFactors {
            m: 1023,
            factors: vec![11, 1023]
        })
    );
    let basis = PowerfulBasis::new(&ring, &[11, 93]).unwrap();
    let q = big_prime();
    assert!(matches!(
        basis.to_powerful(&[0; 599], &q),
        Err(RingError::Length { .. })
    ));
    assert!(matches!(
        basis.lift(&[0u64; 1023]),
        Err(RingError::Length { .. })
    ));
    let mut unreduced = vec![0u64; 600];
    unreduced[3] = q.value();
    assert_eq!(
        basis.to_powerful(&unreduced, &q),
        Err(RingError::Unreduced {
            value: q.value(),
            q: q.value()
        })
    );
    assert!(basis.exponent(&[10, 0]).is_err());
    assert!(basis.exponent(&[1]).is_err());
    assert!(basis.monomial(600).is_err());
    let other = Arc::new(Cyclotomic::new(31).unwrap());
    let rns = RnsBasis::new(other, &generate_primes(31, 50, 1, &[]).unwrap()).unwrap();
    let poly = CoeffPoly::from_i64(rns, &[1; 30]).unwrap();
    assert_eq!(
        basis.poly_to_powerful(&poly),
        Err(RingError::RingMismatch {
            expected: 1023,
            found: 31
        })
    );
}

/// Slot model: X_i = X^{m/m_i} is seen by the slots through their coordinate along dimension
/// i only (the generators of the other dimensions are 1 mod m_i), and X_i takes D_i distinct
/// values along it, so the linear maps' matrices W_i (BOOTSTRAP_NOTES 3.2) are Vandermonde
/// matrices of distinct roots of unity.
fn check_factor_variables_follow_their_dimension(m: usize) {
    let slots = crate::slots::SlotRing::new(m, 8).unwrap();
    let ring = Cyclotomic::new(m).unwrap();
    let basis = PowerfulBasis::from_hypercube(&ring, slots.hypercube()).unwrap();
    let cube = slots.hypercube();
    for (i, dim) in cube.dims().iter().enumerate() {
        for j in [1, 2, basis.shape()[i] - 1] {
            let mut monomial = vec![0; basis.shape().len()];
            monomial[i] = j;
            let mut unit = vec![0u64; basis.len()];
            unit[basis.index(&monomial).unwrap()] = 1;
            let values = slots.decode_full(&basis.lift(&unit).unwrap()).unwrap();
            let mut along: Vec<Option<&Vec<u64>>> = vec![None; dim.order];
            for (slot, value) in values.iter().enumerate() {
                let c = cube.coordinate(slot, i);
                match along[c] {
                    Some(seen) => assert_eq!(seen, value, "m = {m}: X_{i}^{j} at slot {slot}"),
                    None => along[c] = Some(value),
                }
            }
            if j == 1 {
                let mut distinct: Vec<&Vec<u64>> = along.iter().map(|v| v.unwrap()).collect();
                distinct.sort();
                distinct.dedup();
                assert_eq!(
                    distinct.len(),
                    dim.order,
                    "m = {m}: X_{i} along dimension {i}"
                );
            }
        }
    }
}

#[test]
fn factor_variables_follow_their_hypercube_dimension_at_m_1023() {
    check_factor_variables_follow_their_dimension(1023);
}

#[test]
#[ignore = "builds the m = 32767 slot tables; cargo test -p nit-ring --release -- --ignored factor_variables"]
fn factor_variables_follow_their_hypercube_dimension_at_m_32767() {
    check_factor_variables_follow_their_dimension(32767);
}
