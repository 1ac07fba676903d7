//! Ciphertexts of their own plaintext modulus t = 2^k against native integers mod 2^k: thin
//! slot values (one integer per slot) through sums, products, modulus switches, constants and
//! the operations that change t, with measured noise against the bound after each; every
//! mismatch of t (operands, plaintexts, keys, chain) is a typed error.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::keys::{EvaluationKeys, KeySource};
use crate::params::{Params, ParamsLiteral};
use crate::plaintext_modulus::PlaintextModulus;
use crate::tests::{setup, Setup};
use nit_ring::sample::SecureRng;
use nit_ring::slots::SlotRing;
use rand::Rng;

/// m = 127: every prime is = 1 mod 2^9, so t up to 2^9; 18 slots.
const M: usize = 127;
const BITS: u32 = 8;

fn ring_setup(seed: u64) -> Setup {
    setup(ParamsLiteral::small(M, 6), &[2], seed)
}

/// An evaluator that also holds the keys for t (relinearization and the Frobenius X -> X^2).
fn with_keys_at(s: &mut Setup, t: PlaintextModulus) -> Evaluator {
    let keys = EvaluationKeys::generate_for(&s.sk, t, true, &[2], &mut s.rng).unwrap();
    s.eval.clone().with_keys_for(keys).unwrap()
}

fn random_values(slots: usize, bits: u32, rng: &mut SecureRng) -> Vec<u64> {
    (0..slots).map(|_| rng.gen_range(0..1u64 << bits)).collect()
}

fn encrypt_thin(s: &mut Setup, t: PlaintextModulus, values: &[u64]) -> Ciphertext {
    let slots = SlotRing::new(M, t.bits()).unwrap();
    let coeffs = slots.encode_thin(values).unwrap();
    let p = Plaintext::with_modulus(&s.params, t, coeffs).unwrap();
    s.sk.encrypt(&p, &mut s.rng).unwrap()
}

/// Decrypts to slot integers mod the ciphertext's t, after checking that the measured noise
/// is within the ciphertext's bound.
fn decrypt_thin(s: &Setup, ct: &Ciphertext, what: &str) -> Vec<u64> {
    let measured = s.sk.measure_noise(ct).unwrap().log2();
    let bound = ct.noise_bound().log2();
    println!(
        "{what}: t = {}, noise 2^{measured:.1} <= 2^{bound:.1}",
        ct.plaintext_modulus()
    );
    assert!(
        measured <= bound,
        "{what}: measured 2^{measured:.1}, bound 2^{bound:.1}"
    );
    let p = s.sk.decrypt(ct).unwrap();
    assert_eq!(p.plaintext_modulus(), ct.plaintext_modulus());
    let slots = SlotRing::new(M, ct.plaintext_modulus().bits()).unwrap();
    slots.decode_thin(p.coeffs()).unwrap()
}

fn model(a: &[u64], b: &[u64], bits: u32, op: impl Fn(u64, u64) -> u64) -> Vec<u64> {
    let mask = (1u64 << bits) - 1;
    a.iter().zip(b).map(|(&x, &y)| op(x, y) & mask).collect()
}

#[test]
fn thin_slot_arithmetic_mod_two_power_matches_native_integers() {
    let mut s = ring_setup(141);
    let t = s.params.plaintext_modulus(BITS).unwrap();
    let eval = with_keys_at(&mut s, t);
    let slots = SlotRing::new(M, BITS).unwrap().slots();
    println!("seed 141, m = {M}, t = {t}, {slots} slots");
    for round in 0..2 {
        let a = random_values(slots, BITS, &mut s.rng);
        let b = random_values(slots, BITS, &mut s.rng);
        let (ca, cb) = (encrypt_thin(&mut s, t, &a), encrypt_thin(&mut s, t, &b));
        assert_eq!(decrypt_thin(&s, &ca, "fresh"), a, "round {round}");
        let sum = eval.add(&ca, &cb).unwrap();
        assert_eq!(
            decrypt_thin(&s, &sum, "add"),
            model(&a, &b, BITS, u64::wrapping_add)
        );
        let difference = eval.sub(&ca, &cb).unwrap();
        let expected = model(&a, &b, BITS, u64::wrapping_sub);
        assert_eq!(decrypt_thin(&s, &difference, "sub"), expected);
        let product = eval.multiply(&ca, &cb).unwrap();
        let expected = model(&a, &b, BITS, u64::wrapping_mul);
        assert_eq!(decrypt_thin(&s, &product, "multiply"), expected);
        let low = eval.mod_switch_to(&product, product.level() - 1).unwrap();
        assert_eq!(decrypt_thin(&s, &low, "mod switch"), expected);
        let c = s.rng.gen_range(0..1u64 << BITS);
        let scaled = eval.mul_constant(&ca, c).unwrap();
        let expected = model(&a, &a, BITS, |x, _| x.wrapping_mul(c));
        assert_eq!(decrypt_thin(&s, &scaled, "constant"), expected);
        // Thin values are fixed by the Frobenius X -> X^2 (Z_(2^k) is its fixed ring).
        let frobenius = eval.automorphism(&ca, 2).unwrap();
        assert_eq!(decrypt_thin(&s, &frobenius, "automorphism"), a);
        let plain = SlotRing::new(M, BITS).unwrap().encode_thin(&b).unwrap();
        let plain = Plaintext::with_modulus(&s.params, t, plain).unwrap();
        let expected = model(&a, &b, BITS, u64::wrapping_mul);
        let by_plain = eval.mul_plain(&ca, &plain).unwrap();
        assert_eq!(
            decrypt_thin(&s, &by_plain, "multiply by plaintext"),
            expected
        );
        let expected = model(&a, &b, BITS, u64::wrapping_add);
        let plus_plain = eval.add_plain(&ca, &plain).unwrap();
        assert_eq!(decrypt_thin(&s, &plus_plain, "add plaintext"), expected);
    }
}

/// 2^j a (made by multiplying by 2^j, or encrypted as such) divided by 2^j is a mod 2^(k-j),
/// and multiplying a mod 2^(k-j) by 2^j gives 2^j a mod 2^k.
#[test]
fn dividing_by_two_powers_matches_native_integers() {
    let mut s = ring_setup(142);
    let t = s.params.plaintext_modulus(BITS).unwrap();
    let eval = with_keys_at(&mut s, t);
    let slots = SlotRing::new(M, BITS).unwrap().slots();
    for j in [1, 3, BITS - 1] {
        let a = random_values(slots, BITS, &mut s.rng);
        let shifted: Vec<u64> = model(&a, &a, BITS, |x, _| x << j);
        let ct = encrypt_thin(&mut s, t, &shifted);
        // After a product and a switch too, where the noise is no longer fresh.
        let one = encrypt_thin(&mut s, t, &vec![1; slots]);
        let deep = eval.multiply(&ct, &one).unwrap();
        for (what, ct) in [("fresh", &ct), ("after a product", &deep)] {
            let divided = eval.divide_by_two_power(ct, j).unwrap();
            assert_eq!(divided.plaintext_modulus().bits(), BITS - j);
            assert_eq!(divided.level(), ct.level());
            let expected = model(&a, &a, BITS - j, |x, _| x);
            let label = format!("divide by 2^{j} ({what})");
            assert_eq!(decrypt_thin(&s, &divided, &label), expected);
            let back = eval.multiply_by_two_power(&divided, j).unwrap();
            assert_eq!(back.plaintext_modulus(), t);
            assert_eq!(decrypt_thin(&s, &back, "multiply by 2^j"), shifted);
        }
    }
    // The divided ciphertext computes at its new t with keys for that t.
    let low_t = s.params.plaintext_modulus(BITS - 3).unwrap();
    let low_eval = with_keys_at(&mut s, low_t);
    let a = random_values(slots, BITS - 3, &mut s.rng);
    let ct = encrypt_thin(&mut s, t, &model(&a, &a, BITS, |x, _| x << 3));
    let divided = low_eval.divide_by_two_power(&ct, 3).unwrap();
    let squared = low_eval.square(&divided).unwrap();
    let expected = model(&a, &a, BITS - 3, u64::wrapping_mul);
    assert_eq!(
        decrypt_thin(&s, &squared, "square after division"),
        expected
    );
}

#[test]
fn operands_of_different_plaintext_moduli_are_typed_errors() {
    let mut s = ring_setup(143);
    let t = s.params.plaintext_modulus(BITS).unwrap();
    let default = s.params.default_plaintext_modulus();
    let eval = with_keys_at(&mut s, t);
    let slots = SlotRing::new(M, BITS).unwrap().slots();
    let wide = encrypt_thin(&mut s, t, &vec![2; slots]);
    let bits = s.sk.encrypt_bits(&vec![true; slots], &mut s.rng).unwrap();
    assert_eq!(bits.plaintext_modulus(), default);
    let mismatch = BgvError::PlaintextModulusMismatch {
        left: BITS,
        right: 1,
    };
    assert_eq!(eval.add(&wide, &bits).unwrap_err(), mismatch);
    assert_eq!(eval.sub(&wide, &bits).unwrap_err(), mismatch);
    assert_eq!(eval.multiply(&wide, &bits).unwrap_err(), mismatch);
    let one_bit = Plaintext::constant(&s.params, 1);
    assert_eq!(eval.add_plain(&wide, &one_bit).unwrap_err(), mismatch);
    assert_eq!(eval.mul_plain(&wide, &one_bit).unwrap_err(), mismatch);
    // Slot masks and bits are encoded mod the parameters' t.
    assert_eq!(s.sk.decrypt_bits(&wide).unwrap_err(), mismatch);
    let mask: Vec<bool> = (0..slots).map(|i| i % 2 == 0).collect();
    let masked = eval.masked_automorphisms(&wide, &[(2, Some(&mask[..]))]);
    assert_eq!(masked.unwrap_err(), mismatch);
    assert_eq!(
        eval.divide_by_two_power(&bits, 1).unwrap_err(),
        BgvError::BadTwoPowerDivision { bits: 1, shift: 1 }
    );
    assert_eq!(
        eval.divide_by_two_power(&wide, BITS).unwrap_err(),
        BgvError::BadTwoPowerDivision {
            bits: BITS,
            shift: BITS
        }
    );
}

/// A key made for t = 2 used on a ciphertext mod 2^8 (or the reverse) is refused, wherever it
/// would be used: relinearization, automorphisms, evaluator construction, public-key
/// encryption, and a key set mixing two t.
#[test]
fn keys_of_another_plaintext_modulus_are_typed_errors() {
    let mut s = ring_setup(144);
    let t = s.params.plaintext_modulus(BITS).unwrap();
    let slots = SlotRing::new(M, BITS).unwrap().slots();
    let wide = encrypt_thin(&mut s, t, &vec![5; slots]);
    let wrong_key = BgvError::KeyPlaintextModulusMismatch {
        key: 1,
        ciphertext: BITS,
    };
    // s.eval holds keys for t = 2 only.
    assert_eq!(s.eval.multiply(&wide, &wide).unwrap_err(), wrong_key);
    assert_eq!(s.eval.automorphism(&wide, 2).unwrap_err(), wrong_key);
    let tensor = s
        .eval
        .multiply_without_relinearization(&wide, &wide)
        .unwrap();
    assert_eq!(s.eval.relinearize(&tensor).unwrap_err(), wrong_key);
    // Keys for 2^8 are not keys for 2.
    let keys = EvaluationKeys::generate_for(&s.sk, t, true, &[2], &mut s.rng).unwrap();
    assert_eq!(keys.plaintext_modulus(), Some(t));
    let for_default = Evaluator::new(&s.params, s.sk.id(), keys.clone());
    let reverse = BgvError::KeyPlaintextModulusMismatch {
        key: BITS,
        ciphertext: 1,
    };
    assert_eq!(for_default.unwrap_err(), reverse);
    let mut mixed = keys;
    mixed.relinearization = Some(std::sync::Arc::new(
        s.sk.key_switch_key(KeySource::Square, &mut s.rng).unwrap(),
    ));
    assert!(matches!(
        s.eval.clone().with_keys_for(mixed),
        Err(BgvError::KeyPlaintextModulusMismatch { .. })
    ));
    let pk = s.sk.public_key(&mut s.rng).unwrap();
    let p = Plaintext::with_modulus(&s.params, t, vec![0; s.params.phi()]).unwrap();
    // The public key's noise term is t e for the parameters' t.
    assert_eq!(
        pk.encrypt(&s.params, &p, &mut s.rng).unwrap_err(),
        wrong_key
    );
}

/// t = 2^16 at m = 1023 (primes = 1 mod 2^12 only) is refused up front, as parameters and as
/// a per-ciphertext t; a t of another chain is refused by this one; a switch whose dropped
/// primes are not = 1 mod t is a typed error, not a scaled plaintext.
#[test]
fn plaintext_moduli_beyond_the_chain_are_refused() {
    let toy = ParamsLiteral::toy().with_ctxt_primes(4);
    assert!(matches!(
        toy.clone().with_r(16).build(),
        Err(BgvError::PlaintextModulusNotInChain { t: 65536, .. })
    ));
    let params = toy.build().unwrap();
    let max = params.max_plaintext_bits();
    assert!((12..16).contains(&max), "{max}");
    assert_eq!(
        params.plaintext_modulus(16).unwrap_err(),
        BgvError::PlaintextModulusOutOfRange { bits: 16, max }
    );
    assert!(params.plaintext_modulus(0).is_err());
    let twelve = params.plaintext_modulus(12).unwrap();
    let small: Params = ParamsLiteral::small(M, 4).build().unwrap();
    assert!(small.max_plaintext_bits() < 12);
    assert!(matches!(
        Plaintext::with_modulus(&small, twelve, vec![0; small.phi()]),
        Err(BgvError::PlaintextModulusOutOfRange { bits: 12, .. })
    ));
    // Dropping primes whose product is not = 1 mod t: a t the chain does not carry, forced in.
    let mut s = ring_setup(145);
    let beyond = PlaintextModulus::from_checked_bits(s.params.max_plaintext_bits() + 1);
    let primes = s.params.ctxt_basis(6).moduli();
    let to = (1..6)
        .find(|&to| !beyond.survives_drop_of(&primes[to..]))
        .expect("some prime is not = 1 mod 2^(max + 1)");
    assert_eq!(
        s.params.check_switch(beyond, 6, to).unwrap_err(),
        BgvError::ModulusSwitchScalesPlaintext {
            bits: beyond.bits(),
            from: 6,
            to
        }
    );
    let mut ct = s.sk.encrypt_bits(&[true; 18], &mut s.rng).unwrap();
    ct.t = beyond;
    assert!(matches!(
        s.eval.mod_switch_to(&ct, to),
        Err(BgvError::ModulusSwitchScalesPlaintext { .. })
    ));
    assert!(matches!(
        s.eval
            .multiply_by_two_power(&s.sk.encrypt_bits(&[true; 18], &mut s.rng).unwrap(), 20),
        Err(BgvError::PlaintextModulusOutOfRange { bits: 21, .. })
    ));
}

#[test]
fn serialized_ciphertexts_and_keys_carry_their_plaintext_modulus() {
    let mut s = ring_setup(146);
    let t = s.params.plaintext_modulus(BITS).unwrap();
    let slots = SlotRing::new(M, BITS).unwrap().slots();
    let values = random_values(slots, BITS, &mut s.rng);
    let ct = encrypt_thin(&mut s, t, &values);
    let loaded = Ciphertext::from_bytes(&ct.to_bytes().unwrap(), &s.params).unwrap();
    assert_eq!(loaded.plaintext_modulus(), t);
    assert_eq!(decrypt_thin(&s, &loaded, "loaded"), values);
    let keys = EvaluationKeys::generate_for(&s.sk, t, true, &[2], &mut s.rng).unwrap();
    let bytes = keys.to_bytes(&s.params, s.sk.id()).unwrap();
    let (loaded_keys, _) = EvaluationKeys::from_bytes(&bytes, &s.params).unwrap();
    assert_eq!(loaded_keys.plaintext_modulus(), Some(t));
    // A t beyond the chain, written into the artifact, is refused on load.
    let too_wide = PlaintextModulus::from_checked_bits(s.params.max_plaintext_bits() + 1);
    let mut forged = ct.clone();
    forged.t = too_wide;
    assert!(matches!(
        Ciphertext::from_bytes(&forged.to_bytes().unwrap(), &s.params),
        Err(BgvError::PlaintextModulusOutOfRange { .. })
    ));
}
