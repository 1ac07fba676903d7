//! The exact cost of one SGD step, from the counting backend: the same generic step as the
//! plaintext and encrypted trainers, run on vectors that only carry their AND-depth.
//!
//! Inputs and labels are fresh (depth 0); trainable weights are vectors (encrypted), frozen
//! weights public constants, as [`super::EncryptedTrainer`] lays them out. The AND-depth of
//! the step is the largest depth of an updated weight; a leveled chain must carry it.

use super::error::ModelError;
use super::fixed::{FixedCircuit, StepObserver, StepPart};
use super::fixed_format::NARROW;
use super::fixed_weights::{FixedWeights, LayerWeights};
use crate::bitsliced::{
    Bit, BitInt, BitSimd, CountingBackend, GateCounts, ResidentBackend, SlotCycles,
};
use crate::data::DIGITS;
use std::sync::Mutex;

/// One part of a step as the counting backend saw it: its gates (the refreshes of the
/// values it hands on included), its deepest segment, and its ANDs by result depth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartCost {
    /// Which part.
    pub part: StepPart,
    /// Gates issued from the part's start to the next part's start.
    pub counts: GateCounts,
    /// The deepest AND result in the part (depth since the last refresh).
    pub deepest_and: u32,
    /// `ands_by_depth[d - 1]`: the part's ANDs whose result has depth d.
    pub ands_by_depth: Vec<u64>,
}

/// Closes a part at every `start` and opens the next one.
struct PartRecorder<'a> {
    backend: &'a CountingBackend,
    parts: Mutex<Vec<PartCost>>,
    open: Mutex<Option<(StepPart, GateCounts, Vec<u64>)>>,
}

impl PartRecorder<'_> {
    fn close(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((part, before, by_depth)) = open.take() {
            let now = self.backend.counts();
            let mut ands = self.backend.ands_by_depth();
            for (n, b) in ands.iter_mut().zip(&by_depth) {
                *n -= b;
            }
            while ands.last() == Some(&0) {
                ands.pop();
            }
            let counts = GateCounts {
                and: now.and - before.and,
                xor: now.xor - before.xor,
                not: now.not - before.not,
                and_public: now.and_public - before.and_public,
                xor_public: now.xor_public - before.xor_public,
                rotate: now.rotate - before.rotate,
                refresh: now.refresh - before.refresh,
            };
            self.parts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(PartCost {
                    part,
                    counts,
                    deepest_and: self.backend.take_max_depth(),
                    ands_by_depth: ands,
                });
        }
    }
}

impl StepObserver for PartRecorder<'_> {
    fn start(&self, part: StepPart, _units: usize) {
        self.close();
        self.backend.take_max_depth();
        *self.open.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((part, self.backend.counts(), self.backend.ands_by_depth()));
    }
    fn unit_done(&self, _part: StepPart) {}
}

/// The step of `circuit` over `slots` slots (a count, or the slot cycles of the backend
/// whose step it predicts) under the refresh policy with L = `levels`
/// (`u32::MAX`: the trainer's own refresh points only), part by part in the order the step
/// runs them. The parts' counts add up to the step's.
pub fn step_parts_with_refresh(
    circuit: &FixedCircuit,
    slots: impl Into<SlotCycles>,
    levels: u32,
) -> Result<Vec<PartCost>, ModelError> {
    let backend = CountingBackend::with_refresh_after(slots, levels);
    let (x, labels, mut weights) = counted_inputs(circuit, &backend)?;
    let recorder = PartRecorder {
        backend: &backend,
        parts: Mutex::new(Vec::new()),
        open: Mutex::new(None),
    };
    circuit.step_observed(&backend, &mut weights, &x, &labels, &recorder)?;
    recorder.close();
    Ok(recorder
        .parts
        .into_inner()
        .unwrap_or_else(|e| e.into_inner()))
}

/// How the weights are refreshed after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightRefresh {
    /// Packed, `slots` bits per refresh ([`FixedWeights::refresh_packed`]).
    Packed,
    /// Every replicated weight bit refreshed on its own (the paper's way).
    EachBit,
}

/// One step of `circuit` over `slots` slots under the refresh policy with L = `levels`, then
/// the weights' refresh `weights`: the counting backend afterwards holds the totals and the
/// ANDs and rotations by depth ([`CountingBackend::ands_by_depth`]).
pub fn counted_step_with_refresh(
    circuit: &FixedCircuit,
    slots: impl Into<SlotCycles>,
    levels: u32,
    refresh: WeightRefresh,
) -> Result<CountingBackend, ModelError> {
    let backend = CountingBackend::with_refresh_after(slots, levels);
    let (x, labels, mut weights) = counted_inputs(circuit, &backend)?;
    circuit.step(&backend, &mut weights, &x, &labels)?;
    let first = circuit.frozen_layers();
    match refresh {
        WeightRefresh::Packed => weights.refresh_packed(&backend, first)?,
        WeightRefresh::EachBit => {
            // Each packed bit once per weight it holds: a refresh of every replicated bit.
            let slots = backend.slots();
            for layer in weights.layers.iter().skip(first) {
                for (g, group) in layer.stored().iter().enumerate() {
                    let held = layer.len().saturating_sub(g * slots).min(slots);
                    for bit in group.bits() {
                        if let Bit::Var(v) = bit {
                            for _ in 0..held {
                                backend.refresh(v).map_err(|e| {
                                    counted(crate::bitsliced::BitslicedError::Backend(e))
                                })?;
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(backend)
}

/// Inputs and labels fresh, trainable weights fresh vectors, frozen ones the constant 1.
#[allow(clippy::type_complexity)]
fn counted_inputs(
    circuit: &FixedCircuit,
    backend: &CountingBackend,
) -> Result<
    (
        Vec<BitInt<CountingBackend>>,
        Vec<Bit<crate::bitsliced::CountedBits>>,
        FixedWeights<CountingBackend>,
    ),
    ModelError,
> {
    fresh_inputs(
        circuit,
        backend,
        &unit_weights(circuit.sizes()),
        circuit.sizes()[0],
        || backend.input(),
        || backend.input(),
    )
}

/// Every weight and bias of a network of `sizes` equal to 1: the start weights the counted
/// steps assume (a public 1 costs no AND; a trainable weight's value does not change the
/// circuit).
pub fn unit_weights(sizes: &[usize]) -> Vec<Vec<i64>> {
    sizes
        .windows(2)
        .map(|s| vec![1; s[1] * (s[0] + 1)])
        .collect()
}

/// `dim` 8-bit inputs and the labels from `sample_bit`, the trainable layers of `weights`
/// packed with every bit from `weight_bit`, the frozen ones public constants of their values:
/// the operands a provider holds before a step, for a backend that only counts.
#[allow(clippy::type_complexity)]
fn fresh_inputs<B: BitSimd<Error = std::convert::Infallible>>(
    circuit: &FixedCircuit,
    backend: &B,
    weights: &[Vec<i64>],
    dim: usize,
    sample_bit: impl Fn() -> B::Bits,
    weight_bit: impl Fn() -> B::Bits,
) -> Result<(Vec<BitInt<B>>, Vec<Bit<B::Bits>>, FixedWeights<B>), ModelError> {
    let sizes = circuit.sizes();
    let outputs = sizes[sizes.len() - 1];
    if outputs != DIGITS {
        return Err(ModelError::Inconsistent(format!(
            "{outputs} outputs for {DIGITS} label bits"
        )));
    }
    let frozen = circuit.frozen_layers().min(weights.len());
    let fresh = |width: usize| {
        BitInt::from_bits((0..width).map(|_| Bit::Var(sample_bit())).collect()).map_err(counted)
    };
    let x = (0..dim)
        .map(|_| fresh(NARROW))
        .collect::<Result<Vec<_>, _>>()?;
    let labels: Vec<_> = (0..outputs).map(|_| Bit::Var(sample_bit())).collect();
    let mut packed = FixedWeights::constants(&weights[..frozen])?;
    let trainable = FixedWeights::<B>::encode(&weights[frozen..], backend.slots(), |_| {
        Ok::<_, std::convert::Infallible>(weight_bit())
    })?;
    packed.layers.extend(trainable.layers);
    Ok((x, labels, packed))
}

/// The bytes one step holds at once, part by part ([`resident_step`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidentStep {
    /// The gates and refreshes of the step (without the packed refresh after it).
    pub step: GateCounts,
    /// What the samples, labels and packed weights hold before the step.
    pub operands: u64,
    /// What is alive after the step and the packed refresh (the refreshed weights replace
    /// the old ones: `operands` again unless the step leaks).
    pub after: u64,
    /// The most bytes alive during each part, in the order the step runs them; `None`: the
    /// packed refresh of the weights after the step.
    pub part_peaks: Vec<(Option<StepPart>, u64)>,
}

/// Opens a window of the ledger at every part.
struct PartPeaks<'a> {
    backend: &'a ResidentBackend,
    peaks: Mutex<Vec<(Option<StepPart>, u64)>>,
}

impl PartPeaks<'_> {
    /// Closes the open part with its peak and opens `next`.
    fn close(&self, next: Option<StepPart>) {
        let peak = self.backend.take_window_peak();
        let mut peaks = self.peaks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = peaks.last_mut() {
            open.1 = peak;
        }
        peaks.push((next, 0));
    }
}

impl StepObserver for PartPeaks<'_> {
    fn start(&self, part: StepPart, _units: usize) {
        self.close(Some(part));
    }
    fn unit_done(&self, _part: StepPart) {}
}

/// The bytes one step of `circuit` from the start `weights` holds on `backend` (its slots,
/// refresh policy and sizes), run as a provider runs it: the samples and labels (each bit
/// `sample_bytes`: they may rest on other primes than a refreshed value) and the packed
/// trainable weights made first, frozen layers public; with frozen layers the step starts
/// from their outputs (`FixedCircuit::step_from_features`), else from the images; then the
/// packed refresh of the weights. `backend.peak()` afterwards is the step's peak, and its
/// counting backend holds the step's gates followed by the packed refresh's.
pub fn resident_step(
    circuit: &FixedCircuit,
    backend: &ResidentBackend,
    weights: &[Vec<i64>],
    sample_bytes: u64,
) -> Result<ResidentStep, ModelError> {
    let frozen = circuit.frozen_layers();
    let (x, labels, mut weights) = fresh_inputs(
        circuit,
        backend,
        weights,
        circuit.sizes()[frozen],
        || backend.input_of(sample_bytes),
        || backend.input(),
    )?;
    let operands = backend.now();
    backend.take_window_peak();
    let peaks = PartPeaks {
        backend,
        peaks: Mutex::new(Vec::new()),
    };
    if frozen > 0 {
        circuit.step_from_features_observed(backend, &mut weights, &x, &labels, &peaks)?;
    } else {
        circuit.step_observed(backend, &mut weights, &x, &labels, &peaks)?;
    }
    peaks.close(None);
    let step = backend.counting().counts();
    weights.refresh_packed(backend, frozen)?;
    peaks.close(None);
    let after = backend.now();
    let mut part_peaks = peaks.peaks.into_inner().unwrap_or_else(|e| e.into_inner());
    part_peaks.pop();
    Ok(ResidentStep {
        step,
        operands,
        after,
        part_peaks,
    })
}

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
pub fn step_cost(
    circuit: &FixedCircuit,
    slots: impl Into<SlotCycles>,
) -> Result<StepCost, ModelError> {
    counted_step(circuit, &CountingBackend::new(slots))
}

/// [`step_cost`] under the recrypting backend's policy with L = `levels`: every AND result
/// reaching depth L is refreshed (`GateCounts::refresh`); depths are since the last refresh.
pub fn step_cost_with_refresh(
    circuit: &FixedCircuit,
    slots: impl Into<SlotCycles>,
    levels: u32,
) -> Result<StepCost, ModelError> {
    counted_step(circuit, &CountingBackend::with_refresh_after(slots, levels))
}

fn counted_step(circuit: &FixedCircuit, backend: &CountingBackend) -> Result<StepCost, ModelError> {
    let (x, labels, mut weights) = counted_inputs(circuit, backend)?;
    let pass = circuit.forward(backend, &weights, &x)?;
    let forward = backend.counts();
    let forward_depth = max_depth(backend, pass.activations.last().into_iter().flatten());
    backend.reset();
    circuit.step(backend, &mut weights, &x, &labels)?;
    let step = backend.counts();
    let trainable = weights.layers.iter().skip(circuit.frozen_layers());
    let step_depth = max_depth(backend, trainable.flat_map(LayerWeights::stored));
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

    /// The operands a provider holds (samples and labels on their own primes, packed
    /// weights on a refreshed value's) are what stays alive after the step and the packed
    /// refresh; every part's peak is at least that and the largest is the step's.
    #[test]
    fn a_resident_step_holds_its_operands_before_and_after() {
        let (sample, refreshed) = (7, 3);
        let backend = ResidentBackend::new(
            CountingBackend::with_refresh_after(60, 12),
            vec![refreshed, 2, 1],
            0,
        );
        let step = resident_step(
            &circuit(&[6, 4, 10], 0).with_neurons_in_flight(1),
            &backend,
            &unit_weights(&[6, 4, 10]),
            sample,
        )
        .unwrap();
        // 6 x 8 sample bits and 10 labels; 16 x (ceil(28 / 60) + ceil(50 / 60)) weight bits.
        assert_eq!(step.operands, (48 + 10) * sample + 32 * refreshed);
        assert_eq!(step.after, step.operands, "the step leaks or loses vectors");
        assert_eq!(backend.now(), 0);
        assert_eq!(
            step.step.and,
            step_cost(&circuit(&[6, 4, 10], 0), 60).unwrap().step.and
        );
        let parts: Vec<_> = step.part_peaks.iter().map(|p| p.0).collect();
        assert_eq!(parts.len(), 9, "{parts:?}");
        assert_eq!(parts[0], Some(StepPart::Forward(0)));
        assert_eq!(parts[8], None, "the packed refresh comes last");
        assert!(step.part_peaks.iter().all(|p| p.1 >= step.operands));
        assert_eq!(
            step.part_peaks.iter().map(|p| p.1).max(),
            Some(backend.peak())
        );
    }

    /// The encrypted run's figures of docs/RESULTS.md (NN2, 60 slots).
    #[test]
    fn nn2_step_cost_matches_the_documented_counts() {
        let cost = step_cost(&circuit(&[64, 32, 16, 10], 0), 60).unwrap();
        assert_eq!(cost.forward.and, 699_988);
        assert_eq!(cost.step.and, 2_295_727);
        assert_eq!(cost.step.rotate, 1_119_420);
        assert_eq!((cost.forward_depth, cost.step_depth), (81, 198));
    }

    /// NN2's step under the recrypting backend's policy: the trainer refreshes sigmoid
    /// indices, activations, slopes, back-propagated errors and deltas of every layer (2,066
    /// refreshes); a chain whose refreshed values carry fewer AND levels than the deepest
    /// segment (29) adds refreshes of every AND result reaching L (L = 8: 671,692 in all), one
    /// that carries it adds none (L = 30, 61).
    #[test]
    fn nn2_refreshes_under_the_recryption_policy() {
        let nn2 = circuit(&[64, 32, 16, 10], 0);
        for (levels, refreshes) in [(8u32, 671_692u64), (30, 2066), (61, 2066)] {
            let cost = step_cost_with_refresh(&nn2, 60, levels).unwrap();
            assert_eq!(cost.step.refresh, refreshes, "L = {levels}");
            assert!(cost.deepest_and <= levels as usize);
            assert!(cost.step.and.abs_diff(2_295_727) < 100);
        }
    }

    /// NN2 with the trainer's own refresh points only (L too large to trigger the automatic
    /// policy): the deepest segment a refresh must carry and the refreshes per step. Without
    /// the refresh points between dot product and lookup and inside the hidden delta the
    /// deepest segment was 37 with 1,276 refreshes.
    #[test]
    fn nn2_segments_between_the_trainers_refreshes() {
        let nn2 = circuit(&[64, 32, 16, 10], 0);
        let cost = step_cost_with_refresh(&nn2, 60, u32::MAX).unwrap();
        println!(
            "NN2: {} refreshes, deepest segment {}, forward deepest {}",
            cost.step.refresh, cost.deepest_and, cost.forward_depth
        );
        assert_eq!((cost.step.refresh, cost.deepest_and), (2066, 29));
    }

    /// The parts of NN2's step under the trainer's refresh points: their deepest segments
    /// (the weight steps with their update are the deepest, 29), the refreshes each hands on,
    /// and the parts add up to the whole step; packed weights add 16 (35 + 9 + 3) = 752
    /// refreshes, bit by bit 44,448.
    #[test]
    fn nn2_parts_and_their_segments() {
        let nn2 = circuit(&[64, 32, 16, 10], 0);
        let parts = step_parts_with_refresh(&nn2, 60, u32::MAX).unwrap();
        for p in &parts {
            println!(
                "{:?}: deepest {}, {} ANDs, {} refreshes, {} rotations",
                p.part, p.deepest_and, p.counts.and, p.counts.refresh, p.counts.rotate
            );
        }
        let deepest: Vec<u32> = parts.iter().map(|p| p.deepest_and).collect();
        assert_eq!(deepest, [27, 24, 22, 15, 24, 22, 29, 24, 23, 29, 24, 29]);
        let whole = step_cost_with_refresh(&nn2, 60, u32::MAX).unwrap();
        let sum = |f: fn(&GateCounts) -> u64| parts.iter().map(|p| f(&p.counts)).sum::<u64>();
        assert_eq!(sum(|c| c.and), whole.step.and);
        assert_eq!(sum(|c| c.refresh), whole.step.refresh);
        assert_eq!(sum(|c| c.rotate), whole.step.rotate);
        let by_depth: u64 = parts.iter().flat_map(|p| &p.ands_by_depth).sum();
        assert_eq!(by_depth, whole.step.and);
        for (refresh, weights) in [
            (WeightRefresh::Packed, 752),
            (WeightRefresh::EachBit, 44_448),
        ] {
            let counted = counted_step_with_refresh(&nn2, 60, u32::MAX, refresh).unwrap();
            assert_eq!(counted.counts().refresh, whole.step.refresh + weights);
        }
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
