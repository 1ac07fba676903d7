//! A fixed-point model's weights as the step holds them: public constants for frozen layers,
//! packed integers for trainable ones.
//!
//! Layer l is row-major `n_{l+1} x (n_l + 1)`, the bias last in each row; every weight is a
//! 16-bit integer with F = 12. A packed layer of n weights is `ceil(n / l)` 16-bit packed
//! integers over l slots: group g's bit b holds, in slot s, bit b of weight `g l + s`, and
//! the slots past the last weight hold zero (module `bitsliced::packing`). A neuron gets its
//! weights replicated over the slots when it uses them ([`LayerWeights::weight`]); an update
//! subtracts packed steps from packed weights, l weights per circuit; a refresh recrypts each
//! packed bit: `16 ceil(n / l)` refreshes per layer instead of 16 n (NN2 at 60 slots: 752
//! instead of 44,448; at 1800 slots 64).
//!
//! Invariant: a packed layer's groups are `ceil(len / l)` integers of 16 bits.

use super::error::ModelError;
use super::fixed::{circuit, refreshed_int};
use super::fixed_format::WIDE;
use crate::bitsliced::{pack_ints, replicate_int, Bit, BitInt, BitSimd};
use rayon::prelude::*;

/// One layer's weights.
pub enum LayerWeights<B: BitSimd> {
    /// Public constants, one per weight (frozen layers: gates with them fold).
    Public(Vec<BitInt<B>>),
    /// `len` weights packed l = slots per 16-bit integer (module doc).
    Packed {
        /// The packed integers, `ceil(len / l)` of them.
        groups: Vec<BitInt<B>>,
        /// The number of weights.
        len: usize,
    },
}

impl<B: BitSimd> Clone for LayerWeights<B> {
    fn clone(&self) -> Self {
        match self {
            Self::Public(w) => Self::Public(w.clone()),
            Self::Packed { groups, len } => Self::Packed {
                groups: groups.clone(),
                len: *len,
            },
        }
    }
}

impl<B: BitSimd> LayerWeights<B> {
    /// The number of weights.
    pub fn len(&self) -> usize {
        match self {
            Self::Public(w) => w.len(),
            Self::Packed { len, .. } => *len,
        }
    }

    /// Whether the layer has no weight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The integers stored: the constants, or the packed groups.
    pub fn stored(&self) -> &[BitInt<B>] {
        match self {
            Self::Public(w) => w,
            Self::Packed { groups, .. } => groups,
        }
    }

    /// Whether the shape holds: `len` weights of 16 bits, packed as `ceil(len / slots)`
    /// 16-bit groups.
    pub fn has_shape(&self, len: usize, slots: usize) -> bool {
        let widths = self.stored().iter().all(|v| v.width() == WIDE);
        match self {
            Self::Public(w) => w.len() == len && widths,
            Self::Packed { groups, len: n } => {
                *n == len && slots > 0 && groups.len() == len.div_ceil(slots) && widths
            }
        }
    }

    /// Weight `i` replicated over the slots: the constant, or slot `i mod l` of group
    /// `i / l` replicated (`masks` are the backend's one-hot masks).
    pub fn weight(
        &self,
        backend: &B,
        masks: &[B::Public],
        i: usize,
    ) -> Result<BitInt<B>, ModelError> {
        let missing = || ModelError::Inconsistent(format!("weight {i} of {}", self.len()));
        match self {
            Self::Public(w) => w.get(i).cloned().ok_or_else(missing),
            Self::Packed { groups, len } => {
                let l = backend.slots();
                let group = groups.get(i / l).filter(|_| i < *len).ok_or_else(missing)?;
                replicate_int(backend, group, i % l, masks).map_err(circuit)
            }
        }
    }

    /// Group `g` packed: the stored group, or public weights `g l ..` placed by the masks.
    pub fn group(
        &self,
        backend: &B,
        masks: &[B::Public],
        g: usize,
    ) -> Result<BitInt<B>, ModelError> {
        let missing = || ModelError::Inconsistent(format!("group {g} of {} weights", self.len()));
        match self {
            Self::Packed { groups, .. } => groups.get(g).cloned().ok_or_else(missing),
            Self::Public(w) => {
                let l = backend.slots();
                let chunk = w.chunks(l).nth(g).ok_or_else(missing)?;
                let mut packed = pack_ints(backend, chunk, masks).map_err(circuit)?;
                packed.pop().ok_or_else(missing)
            }
        }
    }
}

/// The weights of every layer (module doc); `layers[l]` is weight layer l.
pub struct FixedWeights<B: BitSimd> {
    /// Per layer, its weights.
    pub layers: Vec<LayerWeights<B>>,
}

impl<B: BitSimd> Clone for FixedWeights<B> {
    fn clone(&self) -> Self {
        Self {
            layers: self.layers.clone(),
        }
    }
}

impl<B: BitSimd> FixedWeights<B> {
    /// The weights `weights[l][i]` (16-bit integers, F = 12) as public constants of the
    /// circuit: gates with them fold at construction time (a public multiplier).
    pub fn constants(weights: &[Vec<i64>]) -> Result<Self, ModelError> {
        let layers = weights
            .iter()
            .map(|w| {
                w.iter()
                    .map(|&v| BitInt::constant(v, WIDE).map_err(circuit))
                    .collect::<Result<_, _>>()
                    .map(LayerWeights::Public)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { layers })
    }

    /// The weights packed over `slots` slots, each bit vector encoded (or encrypted) by
    /// `encode_bits`: `16 ceil(|weights[l]| / slots)` vectors per layer.
    pub fn encode<E: std::error::Error + Send + Sync + 'static>(
        weights: &[Vec<i64>],
        slots: usize,
        mut encode_bits: impl FnMut(&[bool]) -> Result<B::Bits, E>,
    ) -> Result<Self, ModelError> {
        if slots == 0 {
            return Err(ModelError::Inconsistent(
                "weights packed over no slot".into(),
            ));
        }
        let layers = weights
            .iter()
            .map(|w| {
                let groups = w
                    .chunks(slots)
                    .map(|chunk| {
                        let mut values = chunk.to_vec();
                        values.resize(slots, 0);
                        BitInt::encode(&values, WIDE, slots, &mut encode_bits).map_err(circuit)
                    })
                    .collect::<Result<_, _>>()?;
                Ok(LayerWeights::Packed {
                    groups,
                    len: w.len(),
                })
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(Self { layers })
    }

    /// Decodes (or decrypts) the weights. A packed layer's slots past its last weight must
    /// hold zero, else the groups are not this layer's (an error, never ignored).
    pub fn decode<E: std::error::Error + Send + Sync + 'static>(
        &self,
        slots: usize,
        mut decode_bits: impl FnMut(&B::Bits) -> Result<Vec<bool>, E>,
    ) -> Result<Vec<Vec<i64>>, ModelError> {
        self.layers
            .iter()
            .map(|layer| match layer {
                LayerWeights::Public(w) => w
                    .iter()
                    .map(|v| {
                        let values = v.decode(slots, &mut decode_bits).map_err(circuit)?;
                        match values.split_first() {
                            Some((&first, rest)) if rest.iter().all(|&x| x == first) => Ok(first),
                            _ => Err(ModelError::Inconsistent(format!(
                                "a public weight is not the same in all {slots} slots"
                            ))),
                        }
                    })
                    .collect(),
                LayerWeights::Packed { groups, len } => {
                    let mut values = Vec::with_capacity(groups.len() * slots);
                    for g in groups {
                        values.extend(g.decode(slots, &mut decode_bits).map_err(circuit)?);
                    }
                    if let Some((s, v)) =
                        values.iter().enumerate().skip(*len).find(|(_, v)| **v != 0)
                    {
                        return Err(ModelError::Inconsistent(format!(
                            "packed weights: slot {s} past the last of {len} weights holds {v}"
                        )));
                    }
                    values.truncate(*len);
                    Ok(values)
                }
            })
            .collect()
    }

    /// The vector bits of layers `first..` (what a refresh or a level check visits).
    pub fn vector_bits(&self, first: usize) -> impl Iterator<Item = &B::Bits> + '_ {
        self.layers
            .iter()
            .skip(first)
            .flat_map(|layer| layer.stored())
            .flat_map(BitInt::bits)
            .filter_map(|b| match b {
                Bit::Var(v) => Some(v),
                Bit::Const(_) => None,
            })
    }

    /// Refreshes the packed weights of layers `first..`: every vector bit of their groups
    /// through [`BitSimd::refresh`] (in parallel), `16 ceil(n / l)` refreshes for n weights.
    /// Between SGD steps, so the next step starts from weights of depth 0.
    pub fn refresh_packed(&mut self, backend: &B, first: usize) -> Result<(), ModelError>
    where
        B::Error: 'static,
    {
        for layer in self.layers.iter_mut().skip(first) {
            if let LayerWeights::Packed { groups, .. } = layer {
                let fresh = groups
                    .par_iter()
                    .map(|g| refreshed_int(backend, g))
                    .collect::<Result<Vec<_>, ModelError>>()?;
                *groups = fresh;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitsliced::{AdderKind, CountingBackend, PlainBackend, PlainError, TotalSumMethod};
    use crate::model::FixedTrainer;

    fn nn2_start() -> Vec<Vec<i64>> {
        FixedTrainer::new(
            &[64, 32, 16, 10],
            3,
            4,
            AdderKind::Sklansky,
            TotalSumMethod::CarrySave(AdderKind::Sklansky),
        )
        .unwrap()
        .weights
    }

    /// NN2's 2,778 weights at 60 slots: 35 + 9 + 3 groups of 16 bits, so a refresh costs
    /// 16 x 47 = 752 recryptions (44,448 bit by bit) and leaves every group at depth 0; the
    /// packed weights decode to themselves, and every one replicates back.
    #[test]
    fn nn2_weights_packed_refreshed_and_replicated() {
        let start = nn2_start();
        let counting = CountingBackend::with_refresh_after(60, u32::MAX);
        let mut counted = FixedWeights::<CountingBackend>::encode(&start, 60, |_| {
            Ok::<_, std::convert::Infallible>(counting.input_at_depth(9))
        })
        .unwrap();
        let groups: Vec<usize> = counted.layers.iter().map(|l| l.stored().len()).collect();
        assert_eq!(groups, [35, 9, 3]);
        counted.refresh_packed(&counting, 0).unwrap();
        assert_eq!(counting.counts().refresh, 752);
        assert!(counted
            .layers
            .iter()
            .flat_map(LayerWeights::stored)
            .all(|w| w.depth(&counting) == 0));

        let plain = PlainBackend::new(60).unwrap();
        let masks = crate::bitsliced::one_hot_masks(&plain).unwrap();
        let weights =
            FixedWeights::<PlainBackend>::encode(&start, 60, |b| plain.encode(b)).unwrap();
        let decode = |b: &_| Ok::<_, PlainError>(plain.decode(b));
        assert_eq!(weights.decode(60, decode).unwrap(), start);
        for (layer, values) in weights.layers.iter().zip(&start) {
            assert!(layer.has_shape(values.len(), 60));
            assert!(!layer.has_shape(values.len() + 60, 60));
            for (i, &v) in values.iter().enumerate().step_by(7) {
                let w = layer.weight(&plain, &masks, i).unwrap();
                assert_eq!(w.decode(60, decode).unwrap(), vec![v; 60], "weight {i}");
            }
            assert!(layer.weight(&plain, &masks, values.len()).is_err());
        }
    }

    /// Public weights pack to the same groups as encoded ones; a packed layer whose slots
    /// past its last weight are not zero does not decode (it is not this layer's).
    #[test]
    fn public_groups_and_foreign_slots() {
        let plain = PlainBackend::new(8).unwrap();
        let masks = crate::bitsliced::one_hot_masks(&plain).unwrap();
        let values = vec![vec![3, -7, 100, 0, 5, 9, -32768, 32767, 1, 2, -3]];
        let public = FixedWeights::<PlainBackend>::constants(&values).unwrap();
        let packed = FixedWeights::<PlainBackend>::encode(&values, 8, |b| plain.encode(b)).unwrap();
        let decode = |b: &_| Ok::<_, PlainError>(plain.decode(b));
        for g in 0..2 {
            let a = public.layers[0].group(&plain, &masks, g).unwrap();
            let b = packed.layers[0].group(&plain, &masks, g).unwrap();
            assert_eq!(a.decode(8, decode).unwrap(), b.decode(8, decode).unwrap());
        }
        let LayerWeights::Packed { groups, .. } = &packed.layers[0] else {
            panic!("encode packs")
        };
        let foreign = FixedWeights::<PlainBackend> {
            layers: vec![LayerWeights::Packed {
                groups: groups.clone(),
                len: 10,
            }],
        };
        let error = foreign.decode(8, decode).unwrap_err().to_string();
        assert!(error.contains("slot 10"), "{error}");
    }
}
