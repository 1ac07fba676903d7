//! Digit extraction against plain integer arithmetic: every z mod 2^e, every intermediate,
//! and the product and depth figures of BOOTSTRAP_NOTES 3.7.

use super::*;
use crate::two_power_arithmetic::Tracked;

const CIRCUITS: [RetainCircuit; 2] = [RetainCircuit::Gikv, RetainCircuit::Squaring];

fn residue(x: u64, bits: u32) -> Residue {
    Residue::new(x, bits).unwrap()
}

fn low(x: u64, bits: u32) -> u64 {
    x & ((1 << bits) - 1)
}

#[test]
fn retain_circuits_hold_lsb_for_every_residue() {
    let z = IntegersModTwoPower;
    for circuit in CIRCUITS {
        for t in 1..=16u32 {
            for y in 0..1u64 << t {
                let rungs = circuit.retain(&z, &residue(y, t), t).unwrap();
                assert!(rungs.last().unwrap().0 >= t, "{circuit:?} t = {t}");
                for (precision, value) in &rungs {
                    let bits = (*precision).min(t);
                    assert_eq!(value.bits(), t);
                    assert_eq!(
                        low(value.value(), bits),
                        y & 1,
                        "{circuit:?}: y = {y} mod 2^{t}, rung {precision}"
                    );
                }
            }
        }
    }
}

#[test]
fn recryption_keeps_the_top_bit_of_every_z() {
    // The notes' e values: 8 (ephemeral weight 64) and 9 (weight 120) at both rings.
    for e in 2..=12u32 {
        for circuit in CIRCUITS {
            let extraction = DigitExtraction::new(e, e - 1, circuit).unwrap();
            for z in 0..1u64 << e {
                let out = extraction
                    .extract(&IntegersModTwoPower, &residue(z, e))
                    .unwrap();
                assert_eq!(
                    out,
                    residue(z >> (e - 1), 1),
                    "{circuit:?}: z = {z} mod 2^{e}"
                );
            }
        }
        assert_eq!(
            DigitExtraction::recryption(e).unwrap(),
            DigitExtraction::new(e, e - 1, RetainCircuit::Gikv).unwrap()
        );
    }
}

#[test]
fn removing_v_digits_is_floor_division() {
    for e in 2..=10u32 {
        for v in 1..e {
            for circuit in CIRCUITS {
                let extraction = DigitExtraction::new(e, v, circuit).unwrap();
                for z in 0..1u64 << e {
                    let out = extraction
                        .extract(&IntegersModTwoPower, &residue(z, e))
                        .unwrap();
                    assert_eq!(
                        out,
                        residue(z >> v, e - v),
                        "{circuit:?}: z = {z} mod 2^{e}, v = {v}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_intermediate_holds_its_predicted_value() {
    for e in [8u32, 9] {
        for circuit in CIRCUITS {
            let extraction = DigitExtraction::recryption(e).unwrap();
            let extraction = DigitExtraction::new(e, extraction.v(), circuit).unwrap();
            for z in 0..1u64 << e {
                let run = extraction
                    .extract_with_intermediates(&IntegersModTwoPower, &residue(z, e))
                    .unwrap();
                assert_eq!(run.inputs.len(), e as usize - 1);
                for (i, (y, rungs)) in (0u32..).zip(run.inputs.iter().zip(&run.digits)) {
                    let bit = (z >> i) & 1;
                    assert_eq!((y.bits(), y.value() & 1), (e - i, bit), "z = {z}: y_{i}");
                    for (precision, d) in rungs {
                        assert_eq!(d.bits(), e - i);
                        assert_eq!(
                            low(d.value(), (*precision).min(e - i)),
                            bit,
                            "z = {z}: d_{i}[{precision}]"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn products_and_depth_match_the_notes() {
    // BOOTSTRAP_NOTES 3.7: (e, Gikv products, squaring products), v = e - 1, depth v.
    for (e, gikv, squaring) in [
        (6, 11, 12),
        (7, 14, 17),
        (8, 17, 23),
        (9, 21, 30),
        (10, 25, 38),
    ] {
        for (circuit, products) in [
            (RetainCircuit::Gikv, gikv),
            (RetainCircuit::Squaring, squaring),
        ] {
            let extraction = DigitExtraction::new(e, e - 1, circuit).unwrap();
            let cost = extraction.cost().unwrap();
            assert_eq!(
                cost,
                CircuitCost {
                    products,
                    depth: e - 1
                },
                "{circuit:?} e = {e}"
            );
            assert_eq!(
                extraction.digit_products().iter().sum::<u32>() as usize,
                products
            );
        }
    }
    let e8 = DigitExtraction::recryption(8).unwrap();
    assert_eq!(e8.digit_products(), vec![3, 3, 3, 3, 2, 2, 1]);
}

#[test]
fn each_digit_starts_at_depth_i_and_counts_agree_on_any_input() {
    // Notes, e = 8 Gikv: input depths 0..6, outputs at depth 3..7.
    for e in [8u32, 9] {
        let extraction = DigitExtraction::recryption(e).unwrap();
        for z in [0u64, 1, 0x5a, (1 << e) - 1] {
            let counted = Counted::new(IntegersModTwoPower);
            let run = extraction
                .extract_with_intermediates(&counted, &Tracked::input(residue(z, e)))
                .unwrap();
            for (i, (y, rungs)) in (0u32..).zip(run.inputs.iter().zip(&run.digits)) {
                assert_eq!(y.depth, i, "e = {e}: y_{i}");
                let top = rungs.last().unwrap();
                assert_eq!(
                    top.1.depth,
                    i + extraction.digit_products()[i as usize],
                    "e = {e}: d_{i}"
                );
            }
            assert_eq!(run.output.value, residue(z >> (e - 1), 1));
            assert_eq!(counted.products(), extraction.cost().unwrap().products);
        }
    }
}

#[test]
fn bad_parameters_and_inputs_are_typed_errors() {
    assert_eq!(
        DigitExtraction::new(8, 0, RetainCircuit::Gikv),
        Err(BootstrapError::DigitCount { e: 8, v: 0 })
    );
    assert_eq!(
        DigitExtraction::new(8, 8, RetainCircuit::Gikv),
        Err(BootstrapError::DigitCount { e: 8, v: 8 })
    );
    assert_eq!(
        DigitExtraction::recryption(0),
        Err(BootstrapError::DigitCount { e: 0, v: 0 })
    );
    assert_eq!(
        DigitExtraction::new(17, 16, RetainCircuit::Gikv),
        Err(BootstrapError::RetainPrecision(17))
    );
    assert!(DigitExtraction::new(17, 16, RetainCircuit::Squaring).is_ok());
    assert_eq!(
        DigitExtraction::new(64, 1, RetainCircuit::Squaring),
        Err(BootstrapError::DigitCount { e: 64, v: 1 })
    );
    let extraction = DigitExtraction::recryption(8).unwrap();
    assert_eq!(
        extraction.extract(&IntegersModTwoPower, &residue(3, 9)),
        Err(BootstrapError::PlaintextModulusMismatch { left: 9, right: 8 })
    );
    assert_eq!(
        RetainCircuit::Gikv
            .retain(&IntegersModTwoPower, &residue(1, 20), 17)
            .unwrap_err(),
        BootstrapError::RetainPrecision(17)
    );
}
