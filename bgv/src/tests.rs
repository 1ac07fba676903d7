//! The scheme against a plaintext model: polynomials mod (Phi_m, t), schoolbook products,
//! naive substitution for automorphisms; measured noise against the estimates.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::keys::{EvaluationKeys, KeySource, SecretKey};
use crate::params::{Params, ParamsLiteral};
use nit_ring::sample::{seeded_rng, SecureRng};
use num_traits::ToPrimitive;
use rand::Rng;

/// How loose an estimate may be: at most `SLACK_BITS + SLACK_BITS_PER_PRODUCT * p` bits
/// above the measured noise after p chained products. Each bound is 2-4 bits above the
/// typical maximum it bounds, and the bound of a product is the product of the bounds.
pub(crate) const SLACK_BITS: f64 = 8.0;
pub(crate) const SLACK_BITS_PER_PRODUCT: f64 = 2.5;

pub(crate) struct Setup {
    pub params: Params,
    pub sk: SecretKey,
    pub eval: Evaluator,
    pub rng: SecureRng,
}

pub(crate) fn setup(lit: ParamsLiteral, exponents: &[usize], seed: u64) -> Setup {
    let params = lit.build().unwrap();
    let mut rng = seeded_rng(seed);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, exponents, &mut rng).unwrap();
    let eval = Evaluator::new(&params, sk.id(), keys).unwrap();
    Setup {
        params,
        sk,
        eval,
        rng,
    }
}

pub(crate) fn random_plaintext(params: &Params, rng: &mut SecureRng) -> Plaintext {
    let coeffs = (0..params.phi())
        .map(|_| rng.gen_range(0..params.t()))
        .collect();
    Plaintext::new(params, coeffs).unwrap()
}

/// a * b mod (Phi_m, t).
pub(crate) fn model_product(params: &Params, a: &Plaintext, b: &Plaintext) -> Plaintext {
    let mut acc = vec![0i128; 2 * params.phi() - 1];
    for (i, &x) in a.coeffs().iter().enumerate() {
        for (j, &y) in b.coeffs().iter().enumerate() {
            acc[i + j] += (x * y) as i128;
        }
    }
    reduce_model(params, &acc)
}

pub(crate) fn reduce_model(params: &Params, poly: &[i128]) -> Plaintext {
    let t = params.t() as i128;
    let reduced = params.ring().reduce_i128(poly);
    Plaintext::new(
        params,
        reduced.iter().map(|c| c.rem_euclid(t) as u64).collect(),
    )
    .unwrap()
}

/// Checks decryption against the model and the measured noise against the estimate.
pub(crate) fn check(s: &Setup, ct: &Ciphertext, expect: &Plaintext, what: &str) {
    check_after(s, ct, expect, what, 0)
}

/// `check` for a ciphertext that went through `products` chained products.
pub(crate) fn check_after(
    s: &Setup,
    ct: &Ciphertext,
    expect: &Plaintext,
    what: &str,
    products: usize,
) {
    let slack = SLACK_BITS + SLACK_BITS_PER_PRODUCT * products as f64;
    assert_eq!(&s.sk.decrypt(ct).unwrap(), expect, "{what}: decryption");
    let measured = s.sk.measure_noise(ct).unwrap().log2();
    let estimate = ct.noise_bound().log2();
    println!(
        "{what}: level {}, measured 2^{:.1}, estimate 2^{:.1}, capacity {:.1}",
        ct.level(),
        measured,
        estimate,
        ct.capacity(&s.params)
    );
    assert!(
        measured <= estimate,
        "{what}: measured noise 2^{measured:.1} above the estimate 2^{estimate:.1}",
    );
    assert!(
        estimate - measured <= slack,
        "{what}: estimate 2^{estimate:.1} looser than {slack} bits over measured 2^{measured:.1}",
    );
}

/// The last ring uses 62-bit primes: its key-switching sums and base conversions take the
/// periodically reduced 128-bit paths.
fn small_rings() -> Vec<ParamsLiteral> {
    vec![
        ParamsLiteral::small(127, 8),
        ParamsLiteral::small(255, 8).with_r(4),
        ParamsLiteral::toy().with_ctxt_primes(12),
        ParamsLiteral::small(127, 6).with_prime_bits(62),
    ]
}

#[test]
fn encryption_round_trips_with_secret_and_public_key() {
    for (seed, lit) in small_rings().into_iter().enumerate() {
        let mut s = setup(lit, &[], seed as u64);
        let pk = s.sk.public_key(&mut s.rng).unwrap();
        for _ in 0..3 {
            let m = random_plaintext(&s.params, &mut s.rng);
            let c = s.sk.encrypt(&m, &mut s.rng).unwrap();
            check(&s, &c, &m, "secret-key encryption");
            let c = pk.encrypt(&s.params, &m, &mut s.rng).unwrap();
            check(&s, &c, &m, "public-key encryption");
        }
    }
}

#[test]
fn sums_products_and_plaintext_operations_match_the_model() {
    for (seed, lit) in small_rings().into_iter().enumerate() {
        let mut s = setup(lit, &[], 10 + seed as u64);
        let t = s.params.t();
        let (a, b) = (
            random_plaintext(&s.params, &mut s.rng),
            random_plaintext(&s.params, &mut s.rng),
        );
        let (ca, cb) = (
            s.sk.encrypt(&a, &mut s.rng).unwrap(),
            s.sk.encrypt(&b, &mut s.rng).unwrap(),
        );
        let sum: Vec<u64> = a
            .coeffs()
            .iter()
            .zip(b.coeffs())
            .map(|(x, y)| (x + y) % t)
            .collect();
        let sum = Plaintext::new(&s.params, sum).unwrap();
        check(&s, &s.eval.add(&ca, &cb).unwrap(), &sum, "add");
        let diff: Vec<u64> = a
            .coeffs()
            .iter()
            .zip(b.coeffs())
            .map(|(x, y)| (x + t - y) % t)
            .collect();
        check(
            &s,
            &s.eval.sub(&ca, &cb).unwrap(),
            &Plaintext::new(&s.params, diff).unwrap(),
            "sub",
        );
        check(
            &s,
            &s.eval.add_plain(&ca, &b).unwrap(),
            &sum,
            "add plaintext",
        );
        let product = model_product(&s.params, &a, &b);
        check(
            &s,
            &s.eval.mul_plain(&ca, &b).unwrap(),
            &product,
            "multiply by plaintext",
        );
        let ct = s.eval.multiply(&ca, &cb).unwrap();
        check_after(&s, &ct, &product, "multiply", 1);
        let square = model_product(&s.params, &a, &a);
        check_after(&s, &s.eval.square(&ca).unwrap(), &square, "square", 1);
        let tensor = s.eval.multiply_without_relinearization(&ca, &cb).unwrap();
        check_after(&s, &tensor, &product, "tensor (3 parts)", 1);
        let low = s.eval.mod_switch_to(&ct, ct.level() - 2).unwrap();
        check_after(&s, &low, &product, "modulus switch", 1);
        let neg: Vec<u64> = a.coeffs().iter().map(|x| (t - x) % t).collect();
        check(
            &s,
            &s.eval.negate(&ca).unwrap(),
            &Plaintext::new(&s.params, neg).unwrap(),
            "negate",
        );
    }
}

#[test]
fn automorphisms_match_naive_substitution() {
    let lit = ParamsLiteral::toy().with_ctxt_primes(6);
    let exponents = [2usize, 5, 838, 584, 1022];
    let mut s = setup(lit, &exponents, 30);
    let m = s.params.m();
    let a = random_plaintext(&s.params, &mut s.rng);
    let ca = s.sk.encrypt(&a, &mut s.rng).unwrap();
    for &k in &exponents {
        let mut substituted = vec![0i128; m];
        for (e, &c) in a.coeffs().iter().enumerate() {
            substituted[e * k % m] += c as i128;
        }
        let expect = reduce_model(&s.params, &substituted);
        check(
            &s,
            &s.eval.automorphism(&ca, k).unwrap(),
            &expect,
            "automorphism",
        );
    }
    assert!(matches!(
        s.eval.automorphism(&ca, 4),
        Err(BgvError::MissingGaloisKey { exponent: 4 })
    ));
}

/// Below the top, key switching uses fewer special primes (P_l | P, the keys made mod Q_L P):
/// a square, an automorphism (one term: special rows by spectra) and a full rotation (masked
/// terms: by values) at every level, top down so that buffers sized for more digits are
/// reused, decrypt to the model within the estimate.
#[test]
fn key_switching_at_every_level_with_its_special_primes() {
    let lit = ParamsLiteral::toy().with_ctxt_primes(12);
    let params = lit.clone().build().unwrap();
    let mut exponents = crate::rotation::rotate_exponents(&params, 1).unwrap();
    exponents.push(2);
    let mut s = setup(lit, &exponents, 31);
    let counts = |source| -> Vec<usize> {
        (1..=12)
            .map(|l| s.params.special_count(l, source))
            .collect()
    };
    let relinearization = counts(KeySource::Square);
    let counts = counts(KeySource::Automorphism(2));
    assert_eq!(counts, [2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    assert_eq!(relinearization, [1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
    let m = s.params.m();
    let slots = s.params.slots().unwrap().slots();
    let bits: Vec<bool> = (0..slots).map(|_| s.rng.gen()).collect();
    let a = s.eval.encode_bits(&bits).unwrap();
    let ca = s.sk.encrypt(&a, &mut s.rng).unwrap();
    let square = model_product(&s.params, &a, &a);
    let mut substituted = vec![0i128; m];
    for (e, &c) in a.coeffs().iter().enumerate() {
        substituted[e * 2 % m] += c as i128;
    }
    let frobenius = reduce_model(&s.params, &substituted);
    let rotated: Vec<bool> = (0..slots).map(|i| bits[(i + slots - 1) % slots]).collect();
    let rotated = s.eval.encode_bits(&rotated).unwrap();
    for level in (1..=12).rev() {
        let low = s.eval.mod_switch_to(&ca, level).unwrap();
        let what = format!("level {level}, {} special primes", counts[level - 1]);
        let squared = s.eval.square(&low).unwrap();
        check_after(&s, &squared, &square, &format!("square at {what}"), 1);
        let conjugated = s.eval.automorphism(&low, 2).unwrap();
        check(
            &s,
            &conjugated,
            &frobenius,
            &format!("automorphism at {what}"),
        );
        let turned = s.eval.rotate(&low, 1).unwrap();
        check(&s, &turned, &rotated, &format!("rotation at {what}"));
    }
}

/// A key holds its rows, and its special spectra (2 c K N words) once a key switch used them.
#[test]
fn key_memory_counts_the_spectra_once_built() {
    let s = setup(ParamsLiteral::small(127, 6), &[2], 32);
    let key = s.eval.keys().automorphism(2).unwrap();
    let (c, k) = (
        s.params.digit_ranges().len(),
        s.params.special_basis().len(),
    );
    let rows = 2 * c * (6 + k) * s.params.phi() * 8;
    assert_eq!(key.memory_bytes(), rows);
    let mut rng = seeded_rng(33);
    let ct =
        s.sk.encrypt(&random_plaintext(&s.params, &mut rng), &mut rng)
            .unwrap();
    s.eval.automorphism(&ct, 2).unwrap();
    let n = s.params.special_basis().tables()[0].spectrum_len();
    assert_eq!(key.memory_bytes(), rows + 2 * c * k * n * 8);
}

/// x_{i+1} = x_i * y_i with fresh y_i: returns the number of products that decrypted
/// correctly (each checked against the model and its noise estimate) before the budget ran
/// out.
pub(crate) fn and_depth(lit: ParamsLiteral, seed: u64) -> usize {
    let mut s = setup(lit, &[], seed);
    let bits = |rng: &mut SecureRng, params: &Params| {
        Plaintext::new(
            params,
            (0..params.phi()).map(|_| rng.gen_range(0..2)).collect(),
        )
        .unwrap()
    };
    let mut x = bits(&mut s.rng, &s.params);
    let mut cx = s.sk.encrypt(&x, &mut s.rng).unwrap();
    let mut depth = 0;
    loop {
        let y = bits(&mut s.rng, &s.params);
        let cy = s.sk.encrypt(&y, &mut s.rng).unwrap();
        match s.eval.multiply(&cx, &cy) {
            Ok(next) => {
                x = model_product(&s.params, &x, &y);
                cx = next;
                depth += 1;
                check_after(&s, &cx, &x, &format!("AND depth {depth}"), depth);
            }
            Err(BgvError::NoiseBudgetExhausted { .. }) => return depth,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}

#[test]
fn and_chain_decrypts_until_capacity_runs_out_small_ring() {
    let lit = ParamsLiteral::small(127, 8);
    let predicted = crate::evaluator::supported_and_depth(&lit.build().unwrap());
    let depth = and_depth(lit, 40);
    println!("m = 127, 8 primes: AND depth {depth} (predicted {predicted})");
    assert_eq!(depth, predicted);
}

/// x <- x^2 from a fresh encryption (both factors deep at every level) decrypts with its
/// noise under the estimate until the budget runs out, at exactly `supported_tree_depth`.
#[test]
fn square_chain_reaches_the_predicted_tree_depth() {
    let mut s = setup(ParamsLiteral::small(127, 8), &[], 43);
    let mut x = Plaintext::new(
        &s.params,
        (0..s.params.phi()).map(|_| s.rng.gen_range(0..2)).collect(),
    )
    .unwrap();
    let mut cx = s.sk.encrypt(&x, &mut s.rng).unwrap();
    let predicted = crate::evaluator::supported_tree_depth(
        &s.params,
        s.params.max_level(),
        s.params.fresh_noise_secret(),
    );
    let mut depth = 0;
    while let Ok(next) = s.eval.square(&cx) {
        (x, cx, depth) = (model_product(&s.params, &x, &x), next, depth + 1);
        let measured = s.sk.measure_noise(&cx).unwrap().log2();
        let estimate = cx.noise_bound().log2();
        println!(
            "square {depth}: level {}, measured 2^{measured:.1} <= 2^{estimate:.1}",
            cx.level()
        );
        assert_eq!(s.sk.decrypt(&cx).unwrap(), x, "square {depth}");
        assert!(measured <= estimate, "square {depth}");
    }
    println!("m = 127, 8 primes: tree depth {depth} (predicted {predicted})");
    assert_eq!(depth, predicted);
}

/// The documented AND depth of `toy` (docs/BGV.md).
pub(crate) const TOY_AND_DEPTH: usize = 245;

#[test]
fn and_chain_decrypts_until_capacity_runs_out_toy() {
    let depth = and_depth(ParamsLiteral::toy(), 41);
    println!("toy: AND depth {depth}");
    assert_eq!(depth, TOY_AND_DEPTH);
    assert_eq!(
        crate::evaluator::supported_and_depth(&ParamsLiteral::toy().build().unwrap()),
        depth
    );
}

/// The documented AND depth of `paper` (docs/BGV.md).
pub(crate) const PAPER_AND_DEPTH: usize = 50;

#[test]
fn documented_depths_match_the_estimator() {
    let paper = ParamsLiteral::paper().build().unwrap();
    assert_eq!(
        crate::evaluator::supported_and_depth(&paper),
        PAPER_AND_DEPTH
    );
}

#[test]
#[ignore = "m = 32767: a long chain with schoolbook model products; run with cargo test --release -p nit-bgv -- --ignored"]
fn and_chain_decrypts_until_capacity_runs_out_paper() {
    let depth = and_depth(ParamsLiteral::paper(), 42);
    println!("paper: AND depth {depth}");
    assert_eq!(depth, PAPER_AND_DEPTH);
}

#[test]
fn mismatched_parameters_and_keys_are_rejected() {
    let mut s = setup(ParamsLiteral::small(127, 4), &[], 50);
    let mut other = setup(ParamsLiteral::small(127, 4), &[], 51);
    let m = random_plaintext(&s.params, &mut s.rng);
    let ours = s.sk.encrypt(&m, &mut s.rng).unwrap();
    let theirs = other.sk.encrypt(&m, &mut other.rng).unwrap();
    assert!(matches!(
        s.eval.add(&ours, &theirs),
        Err(BgvError::KeyMismatch { .. })
    ));
    assert!(matches!(
        s.sk.decrypt(&theirs),
        Err(BgvError::KeyMismatch { .. })
    ));
    let third = setup(ParamsLiteral::small(255, 4), &[], 52);
    assert!(matches!(
        third.eval.add(&ours, &ours),
        Err(BgvError::ParamsMismatch { .. })
    ));
    let keys = EvaluationKeys::generate(&other.sk, true, &[], &mut other.rng).unwrap();
    assert!(matches!(
        Evaluator::new(&s.params, s.sk.id(), keys),
        Err(BgvError::KeyMismatch { .. })
    ));
    let no_relin = Evaluator::new(&s.params, s.sk.id(), EvaluationKeys::default()).unwrap();
    assert!(matches!(
        no_relin.multiply(&ours, &ours),
        Err(BgvError::MissingRelinearizationKey)
    ));
    assert!(Plaintext::new(&s.params, vec![0; 3]).is_err());
    assert!(Plaintext::new(&s.params, vec![2; s.params.phi()]).is_err());
}

/// At `toy` (log2 Q = 3000) a bound passes 2^1024, where an f64 value overflowed and
/// operations were refused with "-inf bits of capacity" while about 2000 bits remained: the
/// capacity stays finite and equal to log2(Q_l / 2) - log2(norm_factor * nu), with log2 Q_l
/// counted exactly from the primes, through plaintext products, ANDs and decryption.
#[test]
fn capacity_stays_finite_and_exact_past_the_f64_range_on_toy() {
    let mut s = setup(ParamsLiteral::toy(), &[], 60);
    let exact = |ct: &Ciphertext| {
        let q = s.params.ctxt_basis(ct.level()).product().clone();
        let top = q.bits() - 64;
        let log2_q = (&q >> top).to_f64().unwrap().log2() + top as f64;
        log2_q - 1.0 - s.params.norm_factor().log2() - ct.noise_bound().log2()
    };
    let mut x = random_plaintext(&s.params, &mut s.rng);
    let mut ct = s.sk.encrypt(&x, &mut s.rng).unwrap();
    let top = ct.capacity(&s.params);
    assert!((top - exact(&ct)).abs() < 1e-6, "{top}");
    assert!(top > 2900.0, "{top}");
    let mask = random_plaintext(&s.params, &mut s.rng);
    while ct.noise_bound().log2() < 1100.0 {
        ct = s.eval.mul_plain(&ct, &mask).unwrap();
        x = model_product(&s.params, &x, &mask);
    }
    let capacity = ct.capacity(&s.params);
    println!(
        "bound 2^{:.0}: capacity {capacity:.1}",
        ct.noise_bound().log2()
    );
    assert!(capacity.is_finite() && capacity > 1500.0, "{capacity}");
    assert!((capacity - exact(&ct)).abs() < 1e-6);
    assert_eq!(ct.noise_bound().value(), f64::INFINITY);
    assert_eq!(s.sk.decrypt(&ct).unwrap(), x);
    for depth in 1..=3 {
        let y = random_plaintext(&s.params, &mut s.rng);
        let cy = s.sk.encrypt(&y, &mut s.rng).unwrap();
        ct = s.eval.multiply(&ct, &cy).unwrap();
        x = model_product(&s.params, &x, &y);
        let capacity = ct.capacity(&s.params);
        assert!(
            (capacity - exact(&ct)).abs() < 1e-6,
            "AND {depth}: {capacity}"
        );
        check_after(
            &s,
            &ct,
            &x,
            &format!("AND {depth} after the plaintext products"),
            depth,
        );
    }
}
