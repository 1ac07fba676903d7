//! The exact cost of one SGD step, from the counting backend: the same generic step as the
//! plaintext and encrypted trainers, run on vectors that only carry their AND-depth.
//!
//! Inputs and labels are fresh (depth 0); trainable weights are vectors (encrypted), frozen
//! weights public constants, as [`super::EncryptedTrainer`] lays them out. The AND-depth of
//! the step is the largest depth of an updated weight; a leveled chain must carry it.

use super::error::ModelError;
use super::fixed::{FixedCircuit, FixedWeights};
use super::fixed_format::{NARROW, WIDE};
use crate::bitsliced::{Bit, BitInt, CountingBackend, GateCounts};
use crate::data::DIGITS;

/// Gate counts and AND-depths of one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepCost {
    /// The forward pass alone.
    pub forward: GateCounts,
    /// The whole step (its forward pass included).
    pub step: GateCounts,
    /// Largest AND-depth of an output activation.
    pub forward_depth: usize,
    /// Largest AND-depth of an updated (trainable) weight.
    pub step_depth: usize,
    /// Largest AND-depth any result of the step reached; under a refresh policy, the deepest
    /// segment between refreshes (what a refreshed value must carry).
    pub deepest_and: usize,
}

fn counted<E: std::error::Error + Send + Sync + 'static>(
    e: crate::bitsliced::BitslicedError<E>,
) -> ModelError {
    ModelError::Backend(Box::new(e))
}

/// Counts one step of `circuit` over `slots` slots. Frozen weights are the constant 1 (a
/// public multiplier with one non-zero digit: real frozen weights cost more ANDs, never
/// more depth than a vector would).
pub fn step_cost(circuit: &FixedCircuit, slots: usize) -> Result<StepCost, ModelError> {
    counted_step(circuit, &CountingBackend::new(slots))
}

/// [`step_cost`] under the recrypting backend's policy with L = `levels`: every AND result
/// reaching depth L is refreshed (`GateCounts::refresh`); depths are since the last refresh.
pub fn step_cost_with_refresh(
    circuit: &FixedCircuit,
    slots: usize,
    levels: u32,
) -> Result<StepCost, ModelError> {
    counted_step(circuit, &CountingBackend::with_refresh_after(slots, levels))
}

fn counted_step(circuit: &FixedCircuit, backend: &CountingBackend) -> Result<StepCost, ModelError> {
    let sizes = circuit.sizes();
    let outputs = sizes[sizes.len() - 1];
    if outputs != DIGITS {
        return Err(ModelError::Inconsistent(format!(
            "{outputs} outputs for {DIGITS} label bits"
        )));
    }
    let fresh = |width: usize| {
        BitInt::from_bits((0..width).map(|_| Bit::Var(backend.input())).collect()).map_err(counted)
    };
    let x = (0..sizes[0])
        .map(|_| fresh(NARROW))
        .collect::<Result<Vec<_>, _>>()?;
    let labels: Vec<_> = (0..outputs).map(|_| Bit::Var(backend.input())).collect();
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(l, s)| {
            (0..s[1] * (s[0] + 1))
                .map(|_| {
                    if l < circuit.frozen_layers() {
                        BitInt::constant(1, WIDE).map_err(counted)
                    } else {
                        fresh(WIDE)
                    }
                })
                .collect()
        })
        .collect::<Result<_, _>>()?;
    let mut weights = FixedWeights { layers };
    let pass = circuit.forward(backend, &weights, &x)?;
    let forward = backend.counts();
    let forward_depth = max_depth(backend, pass.activations.last().into_iter().flatten());
    backend.reset();
    circuit.step(backend, &mut weights, &x, &labels)?;
    let step = backend.counts();
    let trainable = weights.layers.iter().skip(circuit.frozen_layers());
    let step_depth = max_depth(backend, trainable.flatten());
    Ok(StepCost {
        forward,
        step,
        forward_depth,
        step_depth,
        deepest_and: backend.max_depth() as usize,
    })
}

fn max_depth<'a>(
    backend: &CountingBackend,
    values: impl Iterator<Item = &'a BitInt<CountingBackend>>,
) -> usize {
    values.map(|v| v.depth(backend)).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitsliced::{AdderKind, TotalSumMethod};

    fn circuit(sizes: &[usize], frozen: usize) -> FixedCircuit {
        FixedCircuit::new(
            sizes,
            4,
            AdderKind::Sklansky,
            TotalSumMethod::CarrySave(AdderKind::Sklansky),
        )
        .and_then(|c| c.with_frozen_layers(frozen))
        .unwrap()
    }

    /// The encrypted run's figures of docs/RESULTS.md (NN2, 60 slots).
    #[test]
    fn nn2_step_cost_matches_the_documented_counts() {
        let cost = step_cost(&circuit(&[64, 32, 16, 10], 0), 60).unwrap();
        assert_eq!(cost.forward.and, 699_988);
        assert_eq!(cost.step.and, 2_516_938);
        assert_eq!(cost.step.rotate, 677_820);
        assert_eq!((cost.forward_depth, cost.step_depth), (81, 198));
    }

    /// NN2's step under the recrypting backend's policy: the trainer refreshes activations,
    /// slopes and deltas of every layer (1,276 refreshes); a chain whose refreshed values carry
    /// fewer AND levels than the deepest segment (37) adds refreshes of every AND result
    /// reaching L (L = 8: 838,592 in all), one that carries it adds none (L = 40, 61).
    #[test]
    fn nn2_refreshes_under_the_recryption_policy() {
        let nn2 = circuit(&[64, 32, 16, 10], 0);
        for (levels, refreshes) in [(8u32, 838_592u64), (40, 1276), (61, 1276)] {
            let cost = step_cost_with_refresh(&nn2, 60, levels).unwrap();
            assert_eq!(cost.step.refresh, refreshes, "L = {levels}");
            assert!(cost.deepest_and <= levels as usize);
            assert!(cost.step.and.abs_diff(2_516_938) < 100);
        }
    }

    /// NN2 with the trainer's own refresh points only (activations, slopes and deltas of
    /// every layer; L too large to trigger the automatic policy): the deepest segment a
    /// refresh must carry and the refreshes per step.
    #[test]
    fn nn2_segments_between_the_trainers_refreshes() {
        let nn2 = circuit(&[64, 32, 16, 10], 0);
        let cost = step_cost_with_refresh(&nn2, 60, u32::MAX).unwrap();
        println!(
            "NN2: {} refreshes, deepest segment {}, forward deepest {}",
            cost.step.refresh, cost.deepest_and, cost.forward_depth
        );
        assert_eq!((cost.step.refresh, cost.deepest_and), (1276, 37));
    }

    /// Freezing layers removes their weight steps and the deltas below them (the rotations
    /// are the total sums of the trainable gradients: 170 of NN2's 2778), and public frozen
    /// weights make their forward pass cheaper.
    #[test]
    fn frozen_layers_remove_their_gradients() {
        let full = step_cost(&circuit(&[64, 32, 16, 10], 0), 60).unwrap();
        let last = step_cost(&circuit(&[64, 32, 16, 10], 2), 60).unwrap();
        assert!(last.step.and < full.step.and / 10);
        assert!(last.step.rotate * 2778 <= full.step.rotate * 170 * 2);
        assert!(last.step.rotate * 2778 >= full.step.rotate * 170 / 2);
        assert!(last.forward.and < full.forward.and / 10);
        assert!(last.step_depth < full.step_depth);
    }
}
