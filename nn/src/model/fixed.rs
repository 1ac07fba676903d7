//! The fixed-point SGD step as one generic circuit over a [`BitSimd`] backend: the plaintext
//! trainer runs it on [`PlainBackend`](crate::bitsliced::PlainBackend) words and the encrypted
//! trainer on BGV slots, one sample per slot, so both compute the same bits.
//!
//! Formats in [`fixed_format`](super::fixed_format). With F_in the input's fractional bits
//! (5 for the first layer, 7 after), layer l computes for each neuron k
//!   z_k = sum_j x_j w_kj + 2^F_in b_k                      (one CSA tree, exact, 32 bits),
//!   q_k = sat8(round(z_k / 2^(F_in + 12 - 4))),            (sigmoid index, F = 4)
//!   (a_k, s_k) = table[q_k]                                 (activation F7, slope F9).
//! Backward, with y the one-hot label bits:
//!   e_k = a_k - 128 y_k                                     (exact in 8 bits: a_k < 128),
//!   delta_L = sat8(round(e s / 2^(7 + 9 - 10))),
//!   r_j = sat8(round((sum_k w_kj delta_k) / 2^(12 + 10 - 8))),  (CSA tree, F8)
//!   delta_l = sat8(round(r s / 2^(8 + 9 - 10))).
//! Update with lr = 2^-t on the batch sum (the total sum over slots):
//!   step_kj = sat16(round(sum_slots delta_k x_j / 2^(10 + F_in + t - 12))),
//!   step_k  = sat16(round(sum_slots delta_k / 2^(10 + t - 12)))   (bias),
//!   w <- sat16(w - step).
//! All deltas are computed from the weights before the update.
//!
//! Refresh points ([`BitSimd::refresh`]: a recryption on a recrypting backend, the identity on
//! the others): each sigmoid index q_k, each layer's activations and slopes, the output deltas,
//! each back-propagated error sat8(round(.. / 2^14)) and each hidden delta. Between them NN2's
//! deepest segment is 29 AND levels (a weight step with its update; 37 without the index and
//! error points), 2,066 refreshes per step at 60 slots (`step_parts_with_refresh`).
//! Layers are updated from the top down right after the delta below them is computed, so one
//! layer's steps are alive at a time.

use super::error::ModelError;
use super::fixed_format::{
    sigmoid_table, ACTIVATION_FRAC, DELTA_FRAC, ERROR_FRAC, INDEX_FRAC, INPUT_FRAC, NARROW,
    SLOPE_FRAC, WEIGHT_FRAC, WIDE,
};
use super::fixed_weights::{FixedWeights, LayerWeights};
use crate::bitsliced::{
    bit, dot, lookup_public, merge, multiply, one_hot_masks, place, round_shift_right, saturate,
    sub, total_sum, AdderKind, Bit, BitInt, BitSimd, BitslicedError, PublicTable, TotalSumMethod,
};
use rayon::prelude::*;

/// `x` with every vector bit through [`BitSimd::refresh`] (in parallel): where a recrypting
/// backend starts a new segment of depth; other backends return it unchanged.
pub(super) fn refreshed_int<B: BitSimd>(backend: &B, x: &BitInt<B>) -> Result<BitInt<B>, ModelError>
where
    B::Error: 'static,
{
    let bits = x
        .bits()
        .par_iter()
        .map(|bit| match bit {
            Bit::Var(v) => backend.refresh(v).map(Bit::Var),
            Bit::Const(c) => Ok(Bit::Const(*c)),
        })
        .collect::<Result<Vec<_>, B::Error>>()
        .map_err(|e| circuit(BitslicedError::Backend(e)))?;
    BitInt::from_bits(bits).map_err(circuit)
}

/// [`refreshed_int`] of every value (in parallel).
fn refreshed<B: BitSimd>(backend: &B, values: Vec<BitInt<B>>) -> Result<Vec<BitInt<B>>, ModelError>
where
    B::Error: 'static,
{
    values
        .into_par_iter()
        .map(|x| refreshed_int(backend, &x))
        .collect()
}

/// A part of an SGD step, as a [`StepObserver`] hears of it (layer indices count weight
/// layers from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepPart {
    /// The forward pass through layer l: one unit per neuron.
    Forward(usize),
    /// The output layer's delta: one unit per output.
    OutputDelta,
    /// The weight steps of layer l: one unit per weight (and bias).
    WeightSteps(usize),
    /// The delta of the neurons feeding layer l: one unit per neuron.
    HiddenDelta(usize),
    /// The update of layer l: one unit per packed group of weights (l = slots per group).
    Update(usize),
}

/// Hears a step's progress: [`Self::start`] once before each part, in the order the step
/// runs them, then [`Self::unit_done`] once per unit of that part, from any worker thread.
pub trait StepObserver: Sync {
    /// `part` begins; it has `units` units.
    fn start(&self, part: StepPart, units: usize);
    /// One unit of `part` is done.
    fn unit_done(&self, part: StepPart);
}

/// The observer of a step nobody watches.
pub struct Unobserved;

impl StepObserver for Unobserved {
    fn start(&self, _: StepPart, _: usize) {}
    fn unit_done(&self, _: StepPart) {}
}

/// Width of the exact weighted sum of `terms` products of 8 by 16 bits: 24 bits per product
/// plus the bit length of `terms` for the carries (31 bits for NN2's 65 terms).
fn sum_width(terms: usize) -> usize {
    NARROW + WIDE + (usize::BITS - terms.leading_zeros()) as usize
}

/// The smallest learning rate is 2^-32: there every update rounds to zero at any batch below
/// 2^16 slots. A batch sum of 8 x 8-bit products is below 2^31 in magnitude and is shifted
/// right by `lr_shift + 3` or more (35); a bias's sum of 8-bit deltas is below 2^23 and is
/// shifted by `lr_shift - 2` (30).
pub const MAX_LR_SHIFT: usize = 32;

/// Converts a circuit error into the model error (boxing the backend's error type).
pub(super) fn circuit<E: std::error::Error + Send + Sync + 'static>(
    e: BitslicedError<E>,
) -> ModelError {
    ModelError::Backend(Box::new(e))
}

/// The forward pass of a batch: `activations[0]` is the input, `activations[l]` and
/// `slopes[l - 1]` the 8-bit outputs and sigmoid slopes of layer l.
pub struct ForwardPass<B: BitSimd> {
    /// The inputs, then each layer's 8-bit activations.
    pub activations: Vec<Vec<BitInt<B>>>,
    /// Each layer's 8-bit sigmoid slopes.
    pub slopes: Vec<Vec<BitInt<B>>>,
}

/// What a step computed besides the new weights: its forward pass and `deltas[l]`, the 8-bit
/// deltas (F = 10) of layer l's outputs (empty for frozen layers).
pub struct StepTrace<B: BitSimd> {
    /// The forward pass the step trained on.
    pub pass: ForwardPass<B>,
    /// deltas[l]: one 8-bit delta (F = 10) per output of weight layer l, i.e. per entry of
    /// `pass.activations[l + 1]`; empty for the frozen layers l < frozen.
    pub deltas: Vec<Vec<BitInt<B>>>,
}

/// The step's fixed parameters: layer sizes, learning-rate shift, adders.
#[derive(Clone, Debug)]
pub struct FixedCircuit {
    sizes: Vec<usize>,
    lr_shift: usize,
    adder: AdderKind,
    sum_method: TotalSumMethod,
    table: PublicTable,
    frozen: usize,
    neurons_in_flight: Option<usize>,
}

impl FixedCircuit {
    /// `sizes` = `[n_0, ..., n_L]`, learning rate 2^-`lr_shift` on the batch-sum gradient.
    /// Errors when a shift of the update would be negative (lr too large for the formats) or
    /// when `lr_shift` exceeds [`MAX_LR_SHIFT`].
    pub fn new(
        sizes: &[usize],
        lr_shift: usize,
        adder: AdderKind,
        sum_method: TotalSumMethod,
    ) -> Result<Self, ModelError> {
        if lr_shift > MAX_LR_SHIFT {
            return Err(ModelError::BadLearningRate(
                (-(lr_shift as f64)).exp2(),
                "every update would round to zero: use lr >= 2^-32",
            ));
        }
        if DELTA_FRAC + lr_shift < WEIGHT_FRAC {
            return Err(ModelError::BadLearningRate(
                (-(lr_shift as f64)).exp2(),
                "the bias step would need a left shift: use lr <= 2^-2",
            ));
        }
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(ModelError::Inconsistent(format!("layer sizes {sizes:?}")));
        }
        Ok(Self {
            sizes: sizes.to_vec(),
            lr_shift,
            adder,
            sum_method,
            table: sigmoid_table(),
            frozen: 0,
            neurons_in_flight: None,
        })
    }

    /// Freezes the first `layers` layers: the step leaves their weights unchanged and stops
    /// back-propagation above them (fine-tuning the last layers on a pretrained network; with
    /// public frozen weights their forward pass multiplies by constants). At least the last
    /// layer stays trainable.
    pub fn with_frozen_layers(mut self, layers: usize) -> Result<Self, ModelError> {
        if layers + 1 >= self.sizes.len() {
            return Err(ModelError::Inconsistent(format!(
                "cannot freeze {layers} of {} layers",
                self.sizes.len() - 1
            )));
        }
        self.frozen = layers;
        Ok(self)
    }

    /// Runs at most `neurons` neurons of a layer at once (forward pass and hidden deltas),
    /// each with its replicated weights and its dot product's working set alive; the ANDs of
    /// one neuron still run in parallel. Bounds a step's memory where a ciphertext is large
    /// (m = 32767: about 9 GB per neuron); by default every neuron may run at once.
    pub fn with_neurons_in_flight(mut self, neurons: usize) -> Self {
        self.neurons_in_flight = Some(neurons.max(1));
        self
    }

    /// `f` of every neuron 0..count, in parallel, at most [`Self::with_neurons_in_flight`]
    /// at a time, in order.
    fn per_neuron<T: Send>(
        &self,
        count: usize,
        f: impl Fn(usize) -> Result<T, ModelError> + Sync + Send,
    ) -> Result<Vec<T>, ModelError> {
        let chunk = self.neurons_in_flight.unwrap_or(count).max(1);
        let mut out = Vec::with_capacity(count);
        for start in (0..count).step_by(chunk) {
            out.extend(
                (start..count.min(start + chunk))
                    .into_par_iter()
                    .map(&f)
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        Ok(out)
    }

    /// Number of leading layers the step leaves unchanged.
    pub fn frozen_layers(&self) -> usize {
        self.frozen
    }

    /// Neurons per layer, input first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// t with learning rate 2^-t.
    pub fn lr_shift(&self) -> usize {
        self.lr_shift
    }

    /// Fractional bits of layer l's input.
    fn input_frac(l: usize) -> usize {
        if l == 0 {
            INPUT_FRAC
        } else {
            ACTIVATION_FRAC
        }
    }

    /// `sat_bits(round(v / 2^shift))`.
    fn rescale<B: BitSimd>(
        &self,
        backend: &B,
        v: &BitInt<B>,
        shift: usize,
        bits: usize,
    ) -> Result<BitInt<B>, ModelError>
    where
        B::Error: 'static,
    {
        let rounded = round_shift_right(backend, v, shift, self.adder).map_err(circuit)?;
        let wide = rounded.resize(rounded.width().max(bits));
        saturate(backend, &wide, bits).map_err(circuit)
    }

    /// The forward pass of the batch `x` (`n_0` 8-bit inputs with F = 5).
    pub fn forward<B: BitSimd>(
        &self,
        backend: &B,
        weights: &FixedWeights<B>,
        x: &[BitInt<B>],
    ) -> Result<ForwardPass<B>, ModelError>
    where
        B::Error: 'static,
    {
        self.check(backend, weights, x)?;
        let masks = Self::masks(backend, weights)?;
        self.forward_from(backend, weights, &masks, 0, x, &Unobserved)
    }

    /// The one-hot masks that place and replicate packed weights, when `weights` has a
    /// packed layer (none for public weights alone).
    fn masks<B: BitSimd>(
        backend: &B,
        weights: &FixedWeights<B>,
    ) -> Result<Vec<B::Public>, ModelError>
    where
        B::Error: 'static,
    {
        let packed = weights
            .layers
            .iter()
            .any(|l| matches!(l, LayerWeights::Packed { .. }));
        if packed {
            one_hot_masks(backend).map_err(circuit)
        } else {
            Ok(Vec::new())
        }
    }

    /// The forward pass from layer `first` on, whose inputs are `x`: `activations[l]` and
    /// `slopes[l - 1]` are empty for l < `first`.
    fn forward_from<B: BitSimd>(
        &self,
        backend: &B,
        weights: &FixedWeights<B>,
        masks: &[B::Public],
        first: usize,
        x: &[BitInt<B>],
        observer: &dyn StepObserver,
    ) -> Result<ForwardPass<B>, ModelError>
    where
        B::Error: 'static,
    {
        let mut activations = vec![Vec::new(); first];
        activations.push(x.to_vec());
        let mut pass = ForwardPass {
            activations,
            slopes: vec![Vec::new(); first],
        };
        for (l, w) in weights.layers.iter().enumerate().skip(first) {
            let inputs = &pass.activations[l];
            let n = inputs.len();
            let frac = Self::input_frac(l);
            let neurons = w.len() / (n + 1);
            observer.start(StepPart::Forward(l), neurons);
            let outputs: Vec<(BitInt<B>, BitInt<B>)> = self.per_neuron(neurons, |k| {
                // The neuron's row, replicated just in time from the packed weights.
                let row = (0..=n)
                    .map(|j| w.weight(backend, masks, k * (n + 1) + j))
                    .collect::<Result<Vec<_>, _>>()?;
                let bias = row[n].resize(WIDE + frac).shift_left(frac);
                let z = dot(
                    backend,
                    inputs,
                    &row[..n],
                    Some(&bias),
                    sum_width(n + 1),
                    self.adder,
                )
                .map_err(circuit)?;
                // Refresh point: the 8-bit index, between the dot product and the lookup
                // (a recrypting backend's segments stay below the whole neuron's depth).
                let index = refreshed_int(
                    backend,
                    &self.rescale(backend, &z, frac + WEIGHT_FRAC - INDEX_FRAC, NARROW)?,
                )?;
                let entry = lookup_public(backend, &index, &self.table).map_err(circuit)?;
                let a = entry.truncate(NARROW).map_err(circuit)?;
                let slope = entry.drop_low_bits(NARROW).map_err(circuit)?;
                observer.unit_done(StepPart::Forward(l));
                Ok((a, slope))
            })?;
            let (a, s): (Vec<_>, Vec<_>) = outputs.into_iter().unzip();
            pass.activations.push(refreshed(backend, a)?);
            pass.slopes.push(refreshed(backend, s)?);
        }
        Ok(pass)
    }

    /// One SGD step on the batch in the slots: forward, backward, batch sums, update of
    /// `weights` in place. `labels[k]` is the bit vector "label == k". Returns the forward pass
    /// (computed with the weights before the update).
    pub fn step<B: BitSimd>(
        &self,
        backend: &B,
        weights: &mut FixedWeights<B>,
        x: &[BitInt<B>],
        labels: &[Bit<B::Bits>],
    ) -> Result<ForwardPass<B>, ModelError>
    where
        B::Error: 'static,
    {
        self.step_traced(backend, weights, x, labels)
            .map(|trace| trace.pass)
    }

    /// [`Self::step`], also returning the deltas of every trainable layer (so an encrypted
    /// step can be compared with a plaintext one layer by layer).
    pub fn step_traced<B: BitSimd>(
        &self,
        backend: &B,
        weights: &mut FixedWeights<B>,
        x: &[BitInt<B>],
        labels: &[Bit<B::Bits>],
    ) -> Result<StepTrace<B>, ModelError>
    where
        B::Error: 'static,
    {
        self.step_observed(backend, weights, x, labels, &Unobserved)
    }

    /// [`Self::step_traced`], telling `observer` how far it is. On an error the weights of the
    /// layer being updated are left empty (the step is not resumable).
    pub fn step_observed<B: BitSimd>(
        &self,
        backend: &B,
        weights: &mut FixedWeights<B>,
        x: &[BitInt<B>],
        labels: &[Bit<B::Bits>],
        observer: &dyn StepObserver,
    ) -> Result<StepTrace<B>, ModelError>
    where
        B::Error: 'static,
    {
        let outputs = self.sizes[self.sizes.len() - 1];
        if labels.len() != outputs {
            return Err(ModelError::Inconsistent(format!(
                "{} label bits for {outputs} outputs",
                labels.len()
            )));
        }
        self.check(backend, weights, x)?;
        let masks = one_hot_masks(backend).map_err(circuit)?;
        let pass = self.forward_from(backend, weights, &masks, 0, x, observer)?;
        self.backward_and_update(backend, weights, &masks, pass, labels, observer)
    }

    /// [`Self::step_traced`] from the frozen layers' outputs `features` (8-bit, F = 7): the
    /// frozen weights are public, so whoever holds the samples can run the frozen layers and
    /// hand over their outputs; the trainable layers compute exactly the same bits as from
    /// the inputs. The trace's activations and slopes of the frozen layers are empty.
    pub fn step_from_features<B: BitSimd>(
        &self,
        backend: &B,
        weights: &mut FixedWeights<B>,
        features: &[BitInt<B>],
        labels: &[Bit<B::Bits>],
    ) -> Result<StepTrace<B>, ModelError>
    where
        B::Error: 'static,
    {
        self.step_from_features_observed(backend, weights, features, labels, &Unobserved)
    }

    /// [`Self::step_from_features`], telling `observer` how far it is.
    pub fn step_from_features_observed<B: BitSimd>(
        &self,
        backend: &B,
        weights: &mut FixedWeights<B>,
        features: &[BitInt<B>],
        labels: &[Bit<B::Bits>],
        observer: &dyn StepObserver,
    ) -> Result<StepTrace<B>, ModelError>
    where
        B::Error: 'static,
    {
        if self.frozen == 0 || features.len() != self.sizes[self.frozen] {
            return Err(ModelError::Inconsistent(format!(
                "{} features for {} frozen layers of {:?}",
                features.len(),
                self.frozen,
                self.sizes
            )));
        }
        let outputs = self.sizes[self.sizes.len() - 1];
        if labels.len() != outputs || weights.layers.len() + 1 != self.sizes.len() {
            return Err(ModelError::Inconsistent(format!(
                "{} label bits and {} weight layers for {:?}",
                labels.len(),
                weights.layers.len(),
                self.sizes
            )));
        }
        let masks = one_hot_masks(backend).map_err(circuit)?;
        let pass = self.forward_from(backend, weights, &masks, self.frozen, features, observer)?;
        self.backward_and_update(backend, weights, &masks, pass, labels, observer)
    }

    /// Backward pass from `pass` (the forward pass with the current weights) and the update
    /// of the trainable layers.
    fn backward_and_update<B: BitSimd>(
        &self,
        backend: &B,
        weights: &mut FixedWeights<B>,
        masks: &[B::Public],
        pass: ForwardPass<B>,
        labels: &[Bit<B::Bits>],
        observer: &dyn StepObserver,
    ) -> Result<StepTrace<B>, ModelError>
    where
        B::Error: 'static,
    {
        let layers = weights.layers.len();
        let last = &pass.activations[layers];
        observer.start(StepPart::OutputDelta, last.len());
        let delta: Vec<BitInt<B>> = last
            .par_iter()
            .zip(&pass.slopes[layers - 1])
            .zip(labels)
            .map(|((a, s), y)| {
                let error = self.output_error(backend, a, y)?;
                let product =
                    multiply(backend, &error, s, 2 * NARROW, self.adder).map_err(circuit)?;
                let delta = self.rescale(
                    backend,
                    &product,
                    ACTIVATION_FRAC + SLOPE_FRAC - DELTA_FRAC,
                    NARROW,
                )?;
                observer.unit_done(StepPart::OutputDelta);
                Ok(delta)
            })
            .collect::<Result<_, ModelError>>()?;
        let mut delta = refreshed(backend, delta)?;
        let mut deltas = vec![Vec::new(); layers];
        // Layer by layer from the top: its packed steps, the delta below it (from its
        // weights before the update), then its update on the packed weights, so only one
        // layer's packed steps are alive at a time.
        for l in (self.frozen..layers).rev() {
            let steps =
                self.packed_steps(backend, masks, &delta, &pass.activations[l], l, observer)?;
            deltas[l] = delta.clone();
            if l > self.frozen {
                delta = refreshed(
                    backend,
                    self.hidden_delta(
                        backend,
                        masks,
                        &weights.layers[l],
                        &delta,
                        &pass.slopes[l - 1],
                        l,
                        observer,
                    )?,
                )?;
            }
            let old = &weights.layers[l];
            observer.start(StepPart::Update(l), steps.len());
            let groups = steps
                .into_par_iter()
                .enumerate()
                .map(|(g, step)| {
                    let w = old.group(backend, masks, g)?;
                    let difference = sub(
                        backend,
                        &w.resize(WIDE + 1),
                        &step.resize(WIDE + 1),
                        self.adder,
                    )
                    .map_err(circuit)?;
                    let updated = saturate(backend, &difference, WIDE).map_err(circuit)?;
                    observer.unit_done(StepPart::Update(l));
                    Ok(updated)
                })
                .collect::<Result<_, ModelError>>()?;
            weights.layers[l] = LayerWeights::Packed {
                groups,
                len: old.len(),
            };
        }
        Ok(StepTrace { pass, deltas })
    }

    /// e = a - 128 y: a is in [0, 127], so this is a with its (zero) sign bit replaced by y.
    fn output_error<B: BitSimd>(
        &self,
        backend: &B,
        a: &BitInt<B>,
        y: &Bit<B::Bits>,
    ) -> Result<BitInt<B>, ModelError>
    where
        B::Error: 'static,
    {
        let mut bits = a.bits().to_vec();
        let sign = bit::xor(backend, &bits[NARROW - 1], y)
            .map_err(|e| circuit(BitslicedError::Backend(e)))?;
        bits[NARROW - 1] = sign;
        BitInt::from_bits(bits).map_err(circuit)
    }

    /// delta_l = sat8(round(sat8(round(W^T delta / 2^14)) s / 2^7)) for layer `w` = W_{l+1}.
    fn hidden_delta<B: BitSimd>(
        &self,
        backend: &B,
        masks: &[B::Public],
        w: &LayerWeights<B>,
        delta: &[BitInt<B>],
        slopes: &[BitInt<B>],
        l: usize,
        observer: &dyn StepObserver,
    ) -> Result<Vec<BitInt<B>>, ModelError>
    where
        B::Error: 'static,
    {
        let n = slopes.len();
        observer.start(StepPart::HiddenDelta(l), n);
        self.per_neuron(n, |j| {
            // The column W_{.j}, replicated just in time from the packed weights.
            let column = (0..delta.len())
                .map(|k| w.weight(backend, masks, k * (n + 1) + j))
                .collect::<Result<Vec<_>, _>>()?;
            let back = dot(
                backend,
                delta,
                &column,
                None,
                sum_width(delta.len()),
                self.adder,
            )
            .map_err(circuit)?;
            // Refresh point: the 8-bit back-propagated error, between the dot product
            // and the product with the slope.
            let error = refreshed_int(
                backend,
                &self.rescale(
                    backend,
                    &back,
                    WEIGHT_FRAC + DELTA_FRAC - ERROR_FRAC,
                    NARROW,
                )?,
            )?;
            let product =
                multiply(backend, &error, &slopes[j], 2 * NARROW, self.adder).map_err(circuit)?;
            let delta = self.rescale(
                backend,
                &product,
                ERROR_FRAC + SLOPE_FRAC - DELTA_FRAC,
                NARROW,
            )?;
            observer.unit_done(StepPart::HiddenDelta(l));
            Ok(delta)
        })
    }

    /// The 16-bit steps lr * sum_batch delta_k [x; 1]_j of layer l, row-major like the
    /// weights and packed like them: step i in slot i mod l of group i / l. Each step is
    /// placed in its slot as soon as it is computed, so a group's worth of replicated steps
    /// is never alive at once.
    fn packed_steps<B: BitSimd>(
        &self,
        backend: &B,
        masks: &[B::Public],
        delta: &[BitInt<B>],
        inputs: &[BitInt<B>],
        l: usize,
        observer: &dyn StepObserver,
    ) -> Result<Vec<BitInt<B>>, ModelError>
    where
        B::Error: 'static,
    {
        let n = inputs.len();
        let frac = Self::input_frac(l);
        let count = delta.len() * (n + 1);
        let slots = backend.slots();
        observer.start(StepPart::WeightSteps(l), count);
        let step = |index: usize| {
            let (k, j) = (index / (n + 1), index % (n + 1));
            let (per_slot, shift) = if j == n {
                (delta[k].clone(), DELTA_FRAC + self.lr_shift - WEIGHT_FRAC)
            } else {
                let product = multiply(backend, &delta[k], &inputs[j], 2 * NARROW, self.adder)
                    .map_err(circuit)?;
                (product, DELTA_FRAC + frac + self.lr_shift - WEIGHT_FRAC)
            };
            let sum = total_sum(backend, &per_slot, self.sum_method).map_err(circuit)?;
            let step = self.rescale(backend, &sum, shift, WIDE)?;
            let placed = place(backend, &step, index % slots, masks).map_err(circuit)?;
            observer.unit_done(StepPart::WeightSteps(l));
            Ok::<_, ModelError>(placed)
        };
        (0..count.div_ceil(slots))
            .map(|g| {
                (g * slots..count.min((g + 1) * slots))
                    .into_par_iter()
                    .map(step)
                    .try_reduce_with(|a, b| merge(backend, &a, &b).map_err(circuit))
                    .unwrap_or_else(|| {
                        Err(ModelError::Inconsistent(format!(
                            "an empty group {g} of {count} steps"
                        )))
                    })
            })
            .collect()
    }

    /// Checks the shapes of weights and inputs against the sizes.
    fn check<B: BitSimd>(
        &self,
        backend: &B,
        weights: &FixedWeights<B>,
        x: &[BitInt<B>],
    ) -> Result<(), ModelError> {
        let shapes_match = weights.layers.len() + 1 == self.sizes.len()
            && x.len() == self.sizes[0]
            && self
                .sizes
                .windows(2)
                .zip(&weights.layers)
                .all(|(s, w)| w.has_shape(s[1] * (s[0] + 1), backend.slots()));
        if shapes_match {
            Ok(())
        } else {
            Err(ModelError::Inconsistent(format!(
                "fixed weights or {} inputs do not match sizes {:?}",
                x.len(),
                self.sizes
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitsliced::{PlainBackend, PlainError};
    use crate::data::Dataset;
    use crate::model::batch::BitslicedBatch;
    use crate::model::fixed_format::quantize;
    use crate::model::float::FloatNetwork;
    use crate::model::sgd::{rng_for, INIT_STREAM};

    /// The frozen layers' outputs handed over as features give the trainable layers exactly
    /// the bits of the whole step: same deltas, same updated weights.
    #[test]
    fn step_from_features_equals_the_step_from_the_inputs() {
        let sizes = [8, 6, 4, 10];
        let slots = 16;
        let data = Dataset {
            dim: 8,
            features: (0..8 * slots)
                .map(|i| ((i * 37 % 23) as f64 - 11.0) / 5.0)
                .collect(),
            labels: (0..slots).map(|i| (i * 7 % 10) as u8).collect(),
        };
        let samples: Vec<usize> = (0..slots).collect();
        let backend = PlainBackend::new(slots).unwrap();
        let batch =
            BitslicedBatch::<PlainBackend>::encode(&data, &samples, slots, |b| backend.encode(b))
                .unwrap();
        let start: Vec<Vec<i64>> = FloatNetwork::random(&sizes, &mut rng_for(5, INIT_STREAM))
            .weights
            .iter()
            .map(|w| w.iter().map(|&v| quantize(v, WEIGHT_FRAC, WIDE)).collect())
            .collect();
        let circuit = FixedCircuit::new(
            &sizes,
            4,
            AdderKind::Ripple,
            TotalSumMethod::Adder(AdderKind::Ripple),
        )
        .unwrap()
        .with_frozen_layers(2)
        .unwrap();
        let decode = |w: &FixedWeights<PlainBackend>| {
            w.decode(slots, |b| Ok::<_, PlainError>(backend.decode(b)))
                .unwrap()
        };
        let mut from_inputs = FixedWeights::<PlainBackend>::constants(&start).unwrap();
        let whole = circuit
            .step_traced(&backend, &mut from_inputs, &batch.inputs, &batch.labels)
            .unwrap();
        let features = whole.pass.activations[2].clone();
        let mut from_features = FixedWeights::<PlainBackend>::constants(&start).unwrap();
        let last = circuit
            .step_from_features(&backend, &mut from_features, &features, &batch.labels)
            .unwrap();
        let decode_all = |xs: &[BitInt<PlainBackend>]| -> Vec<Vec<i64>> {
            xs.iter()
                .map(|x| {
                    x.decode(slots, |b| Ok::<_, PlainError>(backend.decode(b)))
                        .unwrap()
                })
                .collect()
        };
        assert_eq!(decode_all(&last.deltas[2]), decode_all(&whole.deltas[2]));
        assert_eq!(decode(&from_features), decode(&from_inputs));
        assert_ne!(decode(&from_features), start, "the step changed no weight");

        let error = circuit
            .step_from_features(&backend, &mut from_features, &features[1..], &batch.labels)
            .err();
        assert!(matches!(error, Some(ModelError::Inconsistent(_))));
    }

    /// Records what a step reports: each part's units as started, and the units done.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<(StepPart, usize, usize)>>);

    impl StepObserver for Recorder {
        fn start(&self, part: StepPart, units: usize) {
            self.0.lock().unwrap().push((part, units, 0));
        }
        fn unit_done(&self, part: StepPart) {
            let mut parts = self.0.lock().unwrap();
            let last = parts.last_mut().unwrap();
            assert_eq!(last.0, part, "a unit of a part that is not running");
            last.2 += 1;
        }
    }

    /// A step reports every part in the order it runs them, each unit once (an update's
    /// units are its packed groups of `slots` weights).
    #[test]
    fn a_step_reports_each_part_and_every_unit() {
        let sizes = [8, 6, 4, 10];
        let slots = 4;
        let data = Dataset {
            dim: 8,
            features: (0..8 * slots).map(|i| (i % 5) as f64 / 4.0).collect(),
            labels: (0..slots).map(|i| i as u8).collect(),
        };
        let samples: Vec<usize> = (0..slots).collect();
        let backend = PlainBackend::new(slots).unwrap();
        let batch =
            BitslicedBatch::<PlainBackend>::encode(&data, &samples, slots, |b| backend.encode(b))
                .unwrap();
        let start: Vec<Vec<i64>> = sizes
            .windows(2)
            .map(|s| {
                (0..s[1] * (s[0] + 1))
                    .map(|i| (i as i64 % 9 - 4) * 300)
                    .collect()
            })
            .collect();
        let circuit = FixedCircuit::new(
            &sizes,
            4,
            AdderKind::Ripple,
            TotalSumMethod::Adder(AdderKind::Ripple),
        )
        .unwrap();
        let mut weights = FixedWeights::<PlainBackend>::constants(&start).unwrap();
        let recorder = Recorder::default();
        circuit
            .step_observed(
                &backend,
                &mut weights,
                &batch.inputs,
                &batch.labels,
                &recorder,
            )
            .unwrap();
        use StepPart::*;
        let expected = [
            (Forward(0), 6),
            (Forward(1), 4),
            (Forward(2), 10),
            (OutputDelta, 10),
            (WeightSteps(2), 50),
            (HiddenDelta(2), 4),
            (Update(2), 50usize.div_ceil(slots)),
            (WeightSteps(1), 28),
            (HiddenDelta(1), 6),
            (Update(1), 28usize.div_ceil(slots)),
            (WeightSteps(0), 54),
            (Update(0), 54usize.div_ceil(slots)),
        ];
        let recorded = recorder.0.into_inner().unwrap();
        assert_eq!(
            recorded,
            expected.map(|(part, units)| (part, units, units)).to_vec()
        );

        // The same step from packed vector weights, one neuron at a time: the same weights.
        let mut packed =
            FixedWeights::<PlainBackend>::encode(&start, slots, |b| backend.encode(b)).unwrap();
        circuit
            .clone()
            .with_neurons_in_flight(1)
            .step(&backend, &mut packed, &batch.inputs, &batch.labels)
            .unwrap();
        let decode = |w: &FixedWeights<PlainBackend>| {
            w.decode(slots, |b| Ok::<_, PlainError>(backend.decode(b)))
                .unwrap()
        };
        assert_eq!(decode(&packed), decode(&weights));
        assert_ne!(decode(&packed), start, "the step changed no weight");
    }
}
