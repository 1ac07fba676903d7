//! Packed integers: l = slots values in one bit-sliced integer, and the way back to one value
//! replicated over every slot.
//!
//! A packed integer P holds value v_s in slot s (bit b of P is the vector of bits b of the
//! v_s). Packing places replicated values by public one-hot masks e_s (no AND-depth):
//!   P = XOR_{s < l} (x_s AND e_s),   slot s of P = value of x_s.
//! Replication reads slot s back into every slot, bit by bit: the XOR over all slots of
//! `P_b AND e_s`, by HElib's `totalSums` permute-and-add over each of the backend's slot
//! cycles (module `slot_cycles`): `sum_j floor(log2 n_j) + popcount(n_j) - 1` permutations
//! and one mask per bit.
//!
//! A model's trainable weights live packed (l weights per integer): a refresh costs one
//! recryption per packed bit instead of one per replicated bit, an update of l weights is one
//! circuit on packed integers, and a weight is replicated only when a neuron uses it.
//!
//! Invariant: the values placed are replicated; a value that differs between slots is read
//! from slot s only (placing is a selection, not a check).

use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::integer::{same_width, BitInt};
use super::slot_cycles::{doubling_schedule, SumStep};

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// The one-hot public masks e_0, ..., e_{l-1}.
pub fn one_hot_masks<B: BitSimd>(backend: &B) -> Result<Vec<B::Public>, B> {
    let l = backend.slots();
    (0..l)
        .map(|s| {
            let mask: Vec<bool> = (0..l).map(|j| j == s).collect();
            backend.public(&mask).map_err(BitslicedError::Backend)
        })
        .collect()
}

/// The mask e_s, or an error naming the slot past the last one.
fn mask<B: BitSimd>(masks: &[B::Public], s: usize) -> Result<&B::Public, B> {
    masks.get(s).ok_or(BitslicedError::LengthMismatch {
        left: s,
        right: masks.len(),
    })
}

/// The replicated integer `x` placed in slot `s`: `x AND e_s` bit by bit (zero elsewhere).
pub fn place<B: BitSimd>(
    backend: &B,
    x: &BitInt<B>,
    s: usize,
    masks: &[B::Public],
) -> Result<BitInt<B>, B> {
    x.mask_slots(backend, mask::<B>(masks, s)?)
}

/// The XOR of two packed integers of one width: their union when their slots are disjoint.
pub fn merge<B: BitSimd>(backend: &B, a: &BitInt<B>, b: &BitInt<B>) -> Result<BitInt<B>, B> {
    same_width(a, b)?;
    BitInt::from_bits(
        a.bits()
            .iter()
            .zip(b.bits())
            .map(|(x, y)| bit::xor(backend, x, y))
            .collect::<std::result::Result<_, _>>()
            .map_err(BitslicedError::Backend)?,
    )
}

/// Replicated integers of one width packed l per integer: `out[g]` holds `values[g l + s]`
/// in slot s, zero in the slots past the last value.
pub fn pack_ints<B: BitSimd>(
    backend: &B,
    values: &[BitInt<B>],
    masks: &[B::Public],
) -> Result<Vec<BitInt<B>>, B> {
    values
        .chunks(backend.slots())
        .map(|group| {
            let mut placed = group
                .iter()
                .enumerate()
                .map(|(s, x)| place(backend, x, s, masks));
            let first = placed.next().ok_or(BitslicedError::LengthMismatch {
                left: 0,
                right: backend.slots(),
            })??;
            placed.try_fold(first, |acc, x| merge(backend, &acc, &x?))
        })
        .collect()
}

/// Slot `s` of `packed`, replicated into every slot: the XOR over all slots of
/// `packed AND e_s`, cycle by cycle ([`doubling_schedule`] over the backend's slot cycles).
pub fn replicate<B: BitSimd>(
    backend: &B,
    packed: &B::Bits,
    s: usize,
    masks: &[B::Public],
) -> Result<B::Bits, B> {
    let mut acc = backend.and_public(packed, mask::<B>(masks, s)?)?;
    for (cycle, n) in backend.slot_cycles().into_iter().enumerate() {
        let base = acc.clone();
        for step in doubling_schedule(n) {
            let (y, e) = match step {
                SumStep::Double(e) => (&acc, e),
                SumStep::AddBase(e) => (&base, e),
            };
            acc = backend.xor(&acc, &backend.permute_slots(y, cycle, e)?)?;
        }
    }
    Ok(acc)
}

/// Value `s` of the packed integer `packed`, replicated into every slot: [`replicate`] per
/// vector bit (a constant bit is the same in every slot already).
pub fn replicate_int<B: BitSimd>(
    backend: &B,
    packed: &BitInt<B>,
    s: usize,
    masks: &[B::Public],
) -> Result<BitInt<B>, B> {
    BitInt::from_bits(
        packed
            .bits()
            .iter()
            .map(|b| match b {
                Bit::Const(c) => Ok(Bit::Const(*c)),
                Bit::Var(v) => Ok(Bit::Var(replicate(backend, v, s, masks)?)),
            })
            .collect::<Result<_, B>>()?,
    )
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::{PlainBackend, PlainError};
    use super::super::slot_cycles::SlotCycles;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Packing then replicating gives back every value, for one cycle and for hypercubes,
    /// with constant values among vector ones; the slots past the last value hold zero.
    #[test]
    fn packed_integers_replicate_back_to_every_value() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        let one_cycle = [1usize, 2, 5, 60, 64, 100].map(|slots| PlainBackend::new(slots).unwrap());
        let hypercubes = [vec![10, 6], vec![30, 6, 10], vec![2, 3, 5]]
            .map(|orders| PlainBackend::with_cycles(&SlotCycles::new(orders)).unwrap());
        for backend in one_cycle.into_iter().chain(hypercubes) {
            let slots = backend.slots();
            let masks = one_hot_masks(&backend).unwrap();
            let n = 2 * slots + 3;
            let values: Vec<i64> = (0..n).map(|_| rng.gen_range(-32768..32768)).collect();
            let ints: Vec<BitInt<PlainBackend>> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if i % 7 == 3 {
                        BitInt::constant(v, 16).unwrap()
                    } else {
                        BitInt::encode(&vec![v; slots], 16, slots, |b| backend.encode(b)).unwrap()
                    }
                })
                .collect();
            let packed = pack_ints(&backend, &ints, &masks).unwrap();
            assert_eq!(packed.len(), n.div_ceil(slots));
            let decode = |x: &BitInt<PlainBackend>| {
                x.decode(slots, |b| Ok::<_, PlainError>(backend.decode(b)))
                    .unwrap()
            };
            for (g, p) in packed.iter().enumerate() {
                let expected: Vec<i64> = (0..slots)
                    .map(|s| values.get(g * slots + s).copied().unwrap_or(0))
                    .collect();
                assert_eq!(decode(p), expected, "group {g} at {slots} slots");
            }
            for (i, &v) in values.iter().enumerate() {
                let back = replicate_int(&backend, &packed[i / slots], i % slots, &masks).unwrap();
                assert_eq!(decode(&back), vec![v; slots], "value {i} at {slots} slots");
            }
        }
    }

    /// One replication costs `floor(log2 l) + popcount(l) - 1` rotations and one mask over
    /// one cycle (5 + 3 = 8 at l = 60, 10 + 3 = 13 at l = 1800), the sum of that over the
    /// cycles of a hypercube (toy 10 x 6: 4 + 3 = 7; paper 30 x 6 x 10: 7 + 3 + 4 = 14, each a
    /// single automorphism); no AND.
    #[test]
    fn replication_costs_the_total_sum_rotations() {
        let cases: [(SlotCycles, u64); 5] = [
            (60.into(), 8),
            (1800.into(), 13),
            (64.into(), 6),
            (SlotCycles::new(vec![10, 6]), 7),
            (SlotCycles::new(vec![30, 6, 10]), 14),
        ];
        for (cycles, rotations) in cases {
            let slots = cycles.slots();
            let backend = CountingBackend::new(cycles);
            let masks = one_hot_masks(&backend).unwrap();
            let packed = backend.input();
            replicate(&backend, &packed, slots - 1, &masks).unwrap();
            let counts = backend.counts();
            assert_eq!(
                (counts.rotate, counts.and_public, counts.and),
                (rotations, 1, 0)
            );
        }
    }
}
