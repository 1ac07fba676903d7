//! Packing replicated bits and replicating them back: the refresh of a model's weights at
//! the cost of `ceil(n / l)` recryptions instead of n.
//!
//! After an SGD step every weight bit is one vector holding the same bit beta_i in all l
//! slots. Packing puts l of them into one vector by public one-hot masks e_s (no AND-depth):
//!   P_g = XOR_{s < l} (b_{g l + s} AND e_s),   slot s of P_g = beta_{g l + s}.
//! Replication reads slot s back into every slot: the XOR over all slots of `P AND e_s`,
//! by HElib's `totalSums` permute-and-add over each of the backend's slot cycles (module
//! `slot_cycles`): `sum_j floor(log2 n_j) + popcount(n_j) - 1` permutations, one mask.
//! Between the two the packed vectors are refreshed (recrypted), so the weights come back with
//! the capacity of a fresh refresh.
//!
//! Invariant: the input bits are replicated; a bit that differs between slots is read from
//! slot `i mod l` only (packing is a selection, not a check).

use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::slot_cycles::{doubling_schedule, SumStep};
use rayon::prelude::*;

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

/// Packs replicated bits, l per vector: `out[g]` holds `bits[g l + s]` in slot s (zero in
/// the slots past the last bit). Constants need no vector until packed.
pub fn pack<B: BitSimd>(
    backend: &B,
    bits: &[Bit<B::Bits>],
    masks: &[B::Public],
) -> Result<Vec<B::Bits>, B> {
    let l = backend.slots();
    if masks.len() != l {
        return Err(BitslicedError::LengthMismatch {
            left: masks.len(),
            right: l,
        });
    }
    bits.chunks(l)
        .map(|group| {
            let mut packed = backend.constant(false)?;
            for (b, mask) in group.iter().zip(masks) {
                let selected = bit::and_public(backend, b, mask)?;
                if let Bit::Var(v) = selected {
                    packed = backend.xor(&packed, &v)?;
                }
            }
            Ok(packed)
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
    let mask = masks.get(s).ok_or(BitslicedError::LengthMismatch {
        left: s,
        right: masks.len(),
    })?;
    let mut acc = backend.and_public(packed, mask)?;
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

/// Packs `bits` (replicated), refreshes every packed vector with `refresh`, and replicates
/// the bits back: `ceil(n / l)` refreshes for n bits. Returns the refreshed bits in order.
/// The groups of l bits are independent (pack, refresh, replicate), and so are the
/// replications of one group: both run in parallel.
pub fn refresh_packed<B: BitSimd>(
    backend: &B,
    bits: &[Bit<B::Bits>],
    refresh: impl Fn(&B::Bits) -> std::result::Result<B::Bits, B::Error> + Sync,
) -> Result<Vec<Bit<B::Bits>>, B> {
    let masks = one_hot_masks(backend)?;
    let groups: Vec<Vec<Bit<B::Bits>>> = bits
        .par_chunks(backend.slots())
        .map(|group| {
            let packed = pack(backend, group, &masks)?;
            let fresh = match packed.first() {
                Some(p) => refresh(p).map_err(BitslicedError::Backend)?,
                None => return Ok(Vec::new()),
            };
            group
                .par_iter()
                .enumerate()
                .map(|(s, b)| match b {
                    Bit::Const(c) => Ok(Bit::Const(*c)),
                    Bit::Var(_) => Ok(Bit::Var(replicate(backend, &fresh, s, &masks)?)),
                })
                .collect()
        })
        .collect::<Result<_, B>>()?;
    Ok(groups.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::slot_cycles::SlotCycles;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn packed_refresh_returns_every_replicated_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        let one_cycle = [1usize, 2, 5, 60, 64, 100].map(|slots| PlainBackend::new(slots).unwrap());
        let hypercubes = [vec![10, 6], vec![30, 6, 10], vec![2, 3, 5]]
            .map(|orders| PlainBackend::with_cycles(&SlotCycles::new(orders)).unwrap());
        for backend in one_cycle.into_iter().chain(hypercubes) {
            let slots = backend.slots();
            let n = 2 * slots + 3;
            let values: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
            let bits: Vec<_> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if i % 7 == 3 {
                        Bit::Const(v)
                    } else {
                        Bit::Var(backend.encode(&vec![v; slots]).unwrap())
                    }
                })
                .collect();
            let refreshes = AtomicUsize::new(0);
            let out = refresh_packed(&backend, &bits, |p| {
                refreshes.fetch_add(1, Ordering::Relaxed);
                Ok(p.clone())
            })
            .unwrap();
            assert_eq!(refreshes.into_inner(), n.div_ceil(slots));
            for (i, (b, &v)) in out.iter().zip(&values).enumerate() {
                let slot_bits = match b {
                    Bit::Const(c) => vec![*c; slots],
                    Bit::Var(x) => backend.decode(x),
                };
                assert_eq!(slot_bits, vec![v; slots], "bit {i} of {n} at {slots} slots");
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
