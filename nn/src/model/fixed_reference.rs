//! Test: one mini-batch step of the generic fixed-point circuit equals, bit for bit, a
//! straightforward native i64 implementation of the formats in docs/FIXED_POINT.md, written
//! here without the circuit code or the format module.

use super::fixed::FixedCircuit;
use super::fixed_trainer::{decode_checked, encode_inputs, encode_labels, FixedTrainer};
use super::fixed_weights::{FixedWeights, LayerWeights};
use super::sgd::Learner;
use crate::bitsliced::{AdderKind, BitInt, PlainBackend, TotalSumMethod};
use crate::data::{default_data_dir, prepare, InputGeometry, Mnist};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const SIZES: [usize; 4] = [64, 32, 16, 10];
const LR_SHIFT: usize = 4;

/// floor(v / 2^k + 1/2).
fn round_shift(v: i64, k: usize) -> i64 {
    if k == 0 {
        v
    } else {
        (v + (1 << (k - 1))) >> k
    }
}

fn clamp_bits(v: i64, bits: usize) -> i64 {
    v.clamp(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
}

/// (round(128 sigma(q/16)), round(512 sigma (1 - sigma))), both capped at 127.
fn table(q: i64) -> (i64, i64) {
    let s = 1.0 / (1.0 + (-(q as f64) / 16.0).exp());
    let a = ((s * 128.0).round() as i64).min(127);
    let slope = ((s * (1.0 - s) * 512.0).round() as i64).min(127);
    (a, slope)
}

/// The native step on a batch: `x[slot][j]` 8-bit inputs, `labels[slot]`, weights per layer
/// row-major with the bias last. Returns the updated weights.
fn native_step(weights: &[Vec<i64>], x: &[Vec<i64>], labels: &[u8]) -> Vec<Vec<i64>> {
    let layers = weights.len();
    let mut steps: Vec<Vec<i64>> = weights.iter().map(|w| vec![0; w.len()]).collect();
    let mut sums: Vec<Vec<i64>> = steps.clone();
    for (sample, &label) in x.iter().zip(labels) {
        let mut acts = vec![sample.clone()];
        let mut slopes = Vec::new();
        for (l, w) in weights.iter().enumerate() {
            let n = SIZES[l];
            let frac = if l == 0 { 5 } else { 7 };
            let (mut a, mut s) = (Vec::new(), Vec::new());
            for row in w.chunks(n + 1) {
                let mut z = row[n] << frac;
                for j in 0..n {
                    z += acts[l][j] * row[j];
                }
                let (ak, sk) = table(clamp_bits(round_shift(z, frac + 12 - 4), 8));
                a.push(ak);
                s.push(sk);
            }
            acts.push(a);
            slopes.push(s);
        }
        let mut delta: Vec<i64> = (0..10)
            .map(|k| {
                let e = acts[layers][k] - if k == usize::from(label) { 128 } else { 0 };
                clamp_bits(round_shift(e * slopes[layers - 1][k], 6), 8)
            })
            .collect();
        for l in (0..layers).rev() {
            let n = SIZES[l];
            for (k, d) in delta.iter().enumerate() {
                for j in 0..n {
                    sums[l][k * (n + 1) + j] += d * acts[l][j];
                }
                sums[l][k * (n + 1) + n] += d;
            }
            if l > 0 {
                delta = (0..n)
                    .map(|j| {
                        let back: i64 = (0..delta.len())
                            .map(|k| weights[l][k * (n + 1) + j] * delta[k])
                            .sum();
                        let r = clamp_bits(round_shift(back, 14), 8);
                        clamp_bits(round_shift(r * slopes[l - 1][j], 7), 8)
                    })
                    .collect();
            }
        }
    }
    for l in 0..layers {
        let n = SIZES[l];
        let frac = if l == 0 { 5 } else { 7 };
        for (i, step) in steps[l].iter_mut().enumerate() {
            let shift = if i % (n + 1) == n {
                10 + LR_SHIFT - 12
            } else {
                10 + frac + LR_SHIFT - 12
            };
            *step = clamp_bits(round_shift(sums[l][i], shift), 16);
        }
    }
    weights
        .iter()
        .zip(&steps)
        .map(|(w, s)| {
            w.iter()
                .zip(s)
                .map(|(w, s)| clamp_bits(w - s, 16))
                .collect()
        })
        .collect()
}

/// Runs the generic step with the weights as backend vectors (as an encrypted run holds
/// them) and returns the updated weights, checking they are the same in every slot.
fn circuit_step(
    weights: &[Vec<i64>],
    x: &[Vec<i64>],
    labels: &[u8],
    adder: AdderKind,
) -> Vec<Vec<i64>> {
    let slots = x.len();
    let backend = PlainBackend::new(slots).unwrap();
    let encode = |values: Vec<i64>, width| {
        BitInt::encode(&values, width, slots, |b| backend.encode(b)).unwrap()
    };
    let inputs: Vec<_> = (0..SIZES[0])
        .map(|j| encode(x.iter().map(|s| s[j]).collect(), 8))
        .collect();
    let label_bits: Vec<_> = (0..10)
        .map(|k| {
            crate::bitsliced::Bit::Var(
                backend
                    .encode(
                        &labels
                            .iter()
                            .map(|&y| usize::from(y) == k)
                            .collect::<Vec<_>>(),
                    )
                    .unwrap(),
            )
        })
        .collect();
    let mut fixed = FixedWeights::encode(weights, slots, |b| backend.encode(b)).unwrap();
    let circuit =
        FixedCircuit::new(&SIZES, LR_SHIFT, adder, TotalSumMethod::CarrySave(adder)).unwrap();
    circuit
        .step(&backend, &mut fixed, &inputs, &label_bits)
        .unwrap();
    fixed
        .decode(slots, |b| {
            Ok::<_, crate::bitsliced::PlainError>(backend.decode(b))
        })
        .unwrap()
}

#[test]
fn nn2_step_on_mnist_batch_matches_native_integer_model() {
    let mnist = Mnist::load(&default_data_dir()).unwrap();
    let data = prepare(&mnist, InputGeometry::NN2).unwrap();
    let batch: Vec<usize> = (0..60).collect();
    let mut trainer = FixedTrainer::new(
        &SIZES,
        3,
        LR_SHIFT,
        AdderKind::Ripple,
        TotalSumMethod::Adder(AdderKind::Ripple),
    )
    .unwrap();
    let before = trainer.weights.clone();
    let backend = PlainBackend::new(60).unwrap();
    let inputs = encode_inputs(&backend, &data.train, &batch).unwrap();
    let x: Vec<Vec<i64>> = {
        let columns: Vec<Vec<i64>> = inputs
            .iter()
            .map(|c| decode_checked(&backend, c).unwrap())
            .collect();
        (0..60)
            .map(|s| columns.iter().map(|c| c[s]).collect())
            .collect()
    };
    for (s, sample) in x.iter().enumerate() {
        for (j, &q) in sample.iter().enumerate() {
            let expected = ((data.train.sample(s)[j] * 32.0).round() as i64).clamp(-128, 127);
            assert_eq!(q, expected, "input quantization");
        }
    }
    assert_eq!(
        encode_labels(&backend, &data.train, &batch).unwrap().len(),
        10
    );
    let labels = &data.train.labels[..60];
    let expected = native_step(&before, &x, labels);
    assert_ne!(expected, before, "the step changes the weights");
    trainer.step(&data.train, &batch).unwrap();
    assert_eq!(
        trainer.weights, expected,
        "plaintext trainer (public weights)"
    );
    assert_eq!(
        circuit_step(&before, &x, labels, AdderKind::Sklansky),
        expected,
        "vector weights"
    );
}

#[test]
fn nn2_step_with_saturating_random_values_matches_native_integer_model() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let slots = 7;
    let weights: Vec<Vec<i64>> = SIZES
        .windows(2)
        .map(|w| {
            (0..w[1] * (w[0] + 1))
                .map(|_| rng.gen_range(-6000..6000))
                .collect()
        })
        .collect();
    let x: Vec<Vec<i64>> = (0..slots)
        .map(|_| (0..64).map(|_| rng.gen_range(-128..128)).collect())
        .collect();
    let labels: Vec<u8> = (0..slots).map(|_| rng.gen_range(0..10)).collect();
    assert_eq!(
        circuit_step(&weights, &x, &labels, AdderKind::Ripple),
        native_step(&weights, &x, &labels)
    );
}

#[test]
fn learning_rate_shifts_outside_the_formats_are_refused() {
    use super::error::ModelError;
    use super::fixed::MAX_LR_SHIFT;
    let sum = TotalSumMethod::Adder(AdderKind::Ripple);
    for shift in [2, LR_SHIFT, MAX_LR_SHIFT] {
        assert!(FixedCircuit::new(&SIZES, shift, AdderKind::Ripple, sum).is_ok());
    }
    for shift in [0, 1, MAX_LR_SHIFT + 1, usize::MAX / 2] {
        assert!(matches!(
            FixedCircuit::new(&SIZES, shift, AdderKind::Ripple, sum),
            Err(ModelError::BadLearningRate(..))
        ));
    }
}

/// Rotations of one total sum of a `w`-bit value over `l` slots, derived from the schedule of
/// `bitsliced::total_sum`'s module doc (not from its code): scanning the bits of l below the
/// top one, a doubling rotates the accumulator and a set bit rotates x once more. With
/// adders, the accumulator holding e slots has w + ceil(log2 e) bits; carry-save rotates the
/// pair (s, c) at the final width W = w + ceil(log2 l), except in the first doubling where c
/// is the constant 0; x is rotated at its own w bits.
fn total_sum_rotations(w: u64, l: usize, method: TotalSumMethod) -> u64 {
    let ceil_log2 = |n: usize| u64::from(usize::BITS - (n - 1).leading_zeros());
    let top = usize::BITS - 1 - l.leading_zeros();
    let final_width = w + ceil_log2(l);
    let mut e = 1;
    let mut rotations = 0;
    for i in (0..top).rev() {
        rotations += match method {
            TotalSumMethod::Adder(_) => w + ceil_log2(e),
            TotalSumMethod::CarrySave(_) if e == 1 => final_width,
            TotalSumMethod::CarrySave(_) => 2 * final_width,
        };
        e *= 2;
        if (l >> i) & 1 == 1 {
            rotations += w;
            e += 1;
        }
    }
    rotations
}

#[test]
fn total_sum_rotation_formula_matches_the_documented_table() {
    // docs/CIRCUITS.md, total sum of a 16-bit value.
    let adder = TotalSumMethod::Adder(AdderKind::Ripple);
    let carry_save = TotalSumMethod::CarrySave(AdderKind::Sklansky);
    assert_eq!(total_sum_rotations(16, 60, adder), 142);
    assert_eq!(total_sum_rotations(16, 60, carry_save), 246);
    assert_eq!(total_sum_rotations(16, 1800, adder), 262);
    assert_eq!(total_sum_rotations(16, 1800, carry_save), 561);
}

/// Gate counts and AND-depth of one NN2 step at 60 slots on the counting backend, for the
/// plaintext trainer's configuration (public weights, ripple adders) and for an encrypted
/// run's (weights as vectors, Sklansky adders, carry-save total sums): the figures of
/// docs/RESULTS.md (`cargo test -p nit-nn -- --nocapture nn2_step_gate_counts` prints them).
/// The rotations are also derived independently: one total sum per weight, of the 16-bit
/// product delta x (8-bit delta for a bias), and for packed weights one replication (8
/// rotations per bit over 60 slots) of every weight in the forward pass and of every
/// non-bias weight of layers 2 and 3 in the hidden deltas. The packed update's ANDs are
/// derived from the per-weight update it replaced (2,516,938 ANDs): 2,778 updates of one
/// weight became 35 + 9 + 3 = 47 of one packed group.
#[test]
fn nn2_step_gate_counts() {
    use crate::bitsliced::{Bit, CountingBackend, GateCounts};
    /// (forward ANDs, step ANDs, step XORs, step rotations, forward depth, step depth).
    type Documented = (u64, u64, u64, u64, usize, usize);
    let configurations: [(bool, AdderKind, TotalSumMethod, Documented); 2] = [
        (
            true,
            AdderKind::Ripple,
            TotalSumMethod::Adder(AdderKind::Ripple),
            (187_348, 1_006_477, 4_006_252, 390_764, 112, 257),
        ),
        (
            false,
            AdderKind::Sklansky,
            TotalSumMethod::CarrySave(AdderKind::Sklansky),
            (699_988, 2_295_727, 6_909_807, 1_119_420, 81, 198),
        ),
    ];
    for (public, adder, method, documented) in configurations {
        let backend = CountingBackend::new(60);
        let fresh = |w: usize| {
            BitInt::from_bits((0..w).map(|_| Bit::Var(backend.input())).collect()).unwrap()
        };
        let x: Vec<_> = (0..SIZES[0]).map(|_| fresh(8)).collect();
        let labels: Vec<_> = (0..10).map(|_| Bit::Var(backend.input())).collect();
        let layer = |len: usize| {
            if public {
                LayerWeights::Public(
                    (0..len)
                        .map(|i| BitInt::constant((i as i64 * 37) % 4000 - 2000, 16).unwrap())
                        .collect(),
                )
            } else {
                LayerWeights::Packed {
                    groups: (0..len.div_ceil(60)).map(|_| fresh(16)).collect(),
                    len,
                }
            }
        };
        let mut weights = FixedWeights {
            layers: SIZES.windows(2).map(|s| layer(s[1] * (s[0] + 1))).collect(),
        };
        let circuit = FixedCircuit::new(&SIZES, LR_SHIFT, adder, method).unwrap();
        let pass = circuit.forward(&backend, &weights, &x).unwrap();
        let forward = backend.counts();
        let forward_depth = pass.activations[3]
            .iter()
            .map(|a| a.depth(&backend))
            .max()
            .unwrap();
        backend.reset();
        circuit.step(&backend, &mut weights, &x, &labels).unwrap();
        let step = backend.counts();
        let depth = weights
            .layers
            .iter()
            .flat_map(LayerWeights::stored)
            .map(|w| w.depth(&backend))
            .max()
            .unwrap();
        println!(
            "public weights {public}, {adder:?}, {method:?}:\n  forward {forward:?}, depth {forward_depth}\n  step {step:?}, depth {depth}"
        );
        let GateCounts {
            and: step_ands,
            xor: step_xors,
            rotate: step_rotations,
            ..
        } = step;
        assert_eq!(
            (
                forward.and,
                step_ands,
                step_xors,
                step_rotations,
                forward_depth,
                depth
            ),
            documented,
            "{adder:?}, {method:?}"
        );
        let replication = |weights: u64| if public { 0 } else { weights * 16 * 8 };
        let all_weights: u64 = SIZES.windows(2).map(|s| (s[1] * (s[0] + 1)) as u64).sum();
        assert_eq!(forward.rotate, replication(all_weights));
        let derived: u64 = SIZES
            .windows(2)
            .enumerate()
            .map(|(l, s)| {
                let neurons = s[1] as u64;
                let products = neurons * s[0] as u64;
                let columns = if l > 0 { replication(products) } else { 0 };
                products * total_sum_rotations(16, 60, method)
                    + neurons * total_sum_rotations(8, 60, method)
                    + columns
            })
            .sum();
        assert_eq!(
            step_rotations,
            derived + replication(all_weights),
            "{method:?}"
        );
        if !public {
            let update = CountingBackend::new(60);
            let fresh = || BitInt::from_bits((0..17).map(|_| Bit::Var(update.input())).collect());
            let difference =
                crate::bitsliced::sub(&update, &fresh().unwrap(), &fresh().unwrap(), adder)
                    .unwrap();
            crate::bitsliced::saturate(&update, &difference, 16).unwrap();
            assert_eq!(step_ands, 2_516_938 - (2778 - 47) * update.counts().and);
        }
    }
}
