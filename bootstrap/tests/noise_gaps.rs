//! How far the tracked noise bounds lie above the measured noise, operation by operation, on
//! m = 255 (phi = 128, 20 primes, Hamming weight 64): chains of ANDs at their natural levels,
//! products after explicit modulus switches, the constant and power-of-two operations, and the
//! digit-extraction circuit of recryption. Every measured noise is at most its bound, and the
//! gap (log2 bound - log2 measured) stays under a stated number of bits per kind of step, so a
//! rule that loosens fails here.

use nit_bgv::{
    supported_and_depth, Ciphertext, EvaluationKeys, Evaluator, Params, ParamsLiteral, Plaintext,
    SecretKey,
};
use nit_bootstrap::{DigitExtraction, EncryptedTwoPower};
use nit_ring::sample::{seeded_rng, SecureRng};
use nit_ring::slots::SlotRing;
use rand::Rng;

const M: usize = 255;
const E: u32 = 7;

struct Setup {
    params: Params,
    sk: SecretKey,
    evaluator: Evaluator,
    rng: SecureRng,
}

fn setup(seed: u64) -> Setup {
    let params = ParamsLiteral::small(M, 20)
        .with_hamming_weight(Some(64))
        .build()
        .unwrap();
    let mut rng = seeded_rng(seed);
    println!("seed {seed}, m = {M}");
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let keys = EvaluationKeys::generate(&sk, true, &[], &mut rng).unwrap();
    let mut evaluator = Evaluator::new(&params, sk.id(), keys).unwrap();
    for bits in 2..=E {
        let t = params.plaintext_modulus(bits).unwrap();
        let keys = EvaluationKeys::generate_for(&sk, t, true, &[], &mut rng).unwrap();
        evaluator = evaluator.with_keys_for(keys).unwrap();
    }
    Setup {
        params,
        sk,
        evaluator,
        rng,
    }
}

/// log2 bound - log2 measured for `ct`, printed; panics when the bound does not hold.
fn gap(s: &Setup, step: &str, ct: &Ciphertext) -> f64 {
    let measured = s.sk.measure_noise(ct).unwrap().log2();
    let bound = ct.noise_bound().log2();
    println!(
        "  {step:<28} level {:>2}, t = 2^{}: measured 2^{measured:6.1}, bound 2^{bound:6.1}, gap {:5.1}",
        ct.level(),
        ct.plaintext_modulus().bits(),
        bound - measured
    );
    assert!(measured <= bound, "{step}: 2^{measured:.1} > 2^{bound:.1}");
    bound - measured
}

fn fresh_bits(s: &mut Setup) -> Ciphertext {
    let slots = s.params.slots().unwrap().slots();
    let bits: Vec<bool> = (0..slots).map(|_| s.rng.gen()).collect();
    s.sk.encrypt_bits(&bits, &mut s.rng).unwrap()
}

/// Fresh encryptions, x <- x AND fresh, and a balanced tree of ANDs (both operands deep), every
/// product at the operands' natural level.
#[test]
fn and_chains_at_natural_levels() {
    let mut s = setup(301);
    let mut worst: f64 = 0.0;
    let mut x = fresh_bits(&mut s);
    worst = worst.max(gap(&s, "fresh", &x));
    for depth in 1..=6 {
        let y = fresh_bits(&mut s);
        x = s.evaluator.multiply(&x, &y).unwrap();
        worst = worst.max(gap(&s, &format!("chain AND {depth}"), &x));
    }
    let mut layer: Vec<Ciphertext> = (0..16).map(|_| fresh_bits(&mut s)).collect();
    let mut depth = 0;
    while layer.len() > 1 {
        depth += 1;
        layer = layer
            .chunks(2)
            .map(|pair| s.evaluator.multiply(&pair[0], &pair[1]).unwrap())
            .collect();
        worst = worst.max(gap(&s, &format!("tree AND depth {depth}"), &layer[0]));
    }
    println!(
        "worst gap {worst:.1} bits; supported AND depth {}",
        supported_and_depth(&s.params)
    );
    assert!(worst < 21.0, "{worst}");
}

/// Products of operands switched well below their natural level, and the switch itself.
#[test]
fn products_after_modulus_switching() {
    let mut s = setup(302);
    let mut worst: f64 = 0.0;
    let (x, y) = (fresh_bits(&mut s), fresh_bits(&mut s));
    for level in [15, 10, 5] {
        let xs = s.evaluator.mod_switch_to(&x, level).unwrap();
        let ys = s.evaluator.mod_switch_to(&y, level).unwrap();
        worst = worst.max(gap(&s, &format!("switched to {level}"), &xs));
        let product = s.evaluator.multiply(&xs, &ys).unwrap();
        worst = worst.max(gap(&s, "product", &product));
        let square = s.evaluator.square(&product).unwrap();
        worst = worst.max(gap(&s, "its square", &square));
    }
    println!("worst gap {worst:.1} bits");
    assert!(worst < 16.0, "{worst}");
}

/// An encryption of random thin slot values mod 2^E at the top level.
fn fresh_residues(s: &mut Setup) -> (Ciphertext, Vec<u64>) {
    let slots = SlotRing::new(M, E).unwrap();
    let z: Vec<u64> = (0..slots.slots())
        .map(|_| s.rng.gen_range(0..1 << E))
        .collect();
    let t = s.params.plaintext_modulus(E).unwrap();
    let plaintext = Plaintext::with_modulus(&s.params, t, slots.encode_thin(&z).unwrap());
    (s.sk.encrypt(&plaintext.unwrap(), &mut s.rng).unwrap(), z)
}

/// mul_constant by small and large constants, multiply_by_two_power and divide_by_two_power
/// (on even values 2 z).
#[test]
fn constants_and_powers_of_two() {
    let mut s = setup(303);
    let mut worst: f64 = 0.0;
    let (z, _) = fresh_residues(&mut s);
    worst = worst.max(gap(&s, "fresh mod 2^E", &z));
    for c in [3, 45, 113] {
        let scaled = s.evaluator.mul_constant(&z, c).unwrap();
        worst = worst.max(gap(&s, &format!("times {c}"), &scaled));
    }
    let doubled = s.evaluator.multiply_by_two_power(&z, 3).unwrap();
    worst = worst.max(gap(&s, "times 2^3", &doubled));
    let halved = s.evaluator.divide_by_two_power(&doubled, 3).unwrap();
    worst = worst.max(gap(&s, "then divided by 2^3", &halved));
    let square = s.evaluator.square(&z).unwrap();
    worst = worst.max(gap(&s, "square", &square));
    let scaled = s.evaluator.mul_constant(&square, 94).unwrap();
    worst = worst.max(gap(&s, "square times 94", &scaled));
    println!("worst gap {worst:.1} bits");
    assert!(worst < 5.0, "{worst}");
}

/// Recryption's digit extraction (keep the top bit of z mod 2^E) on a fresh encryption: every
/// y_i, every rung of every digit, and the output.
#[test]
fn digit_extraction_intermediates() {
    let mut s = setup(304);
    let (z, values) = fresh_residues(&mut s);
    let mut worst = gap(&s, "z", &z);
    let extraction = DigitExtraction::recryption(E).unwrap();
    let arithmetic = EncryptedTwoPower::new(&s.evaluator);
    let all = extraction
        .extract_with_intermediates(&arithmetic, &z)
        .unwrap();
    for (i, (y, rungs)) in all.inputs.iter().zip(&all.digits).enumerate() {
        worst = worst.max(gap(&s, &format!("y_{i}"), y));
        for (precision, rung) in &rungs[1..] {
            worst = worst.max(gap(&s, &format!("  digit {i} to {precision} bits"), rung));
        }
    }
    worst = worst.max(gap(&s, "output", &all.output));
    let slots = SlotRing::new(M, 1).unwrap();
    let decoded = slots
        .decode_thin(s.sk.decrypt(&all.output).unwrap().coeffs())
        .unwrap();
    assert_eq!(decoded.len(), values.len());
    for (&value, &bit) in values.iter().zip(&decoded) {
        assert_eq!(bit, value >> (E - 1));
    }
    println!(
        "worst gap {worst:.1} bits, output capacity {:.1}",
        all.output.capacity(&s.params)
    );
    assert!(worst < 16.0, "{worst}");
}
