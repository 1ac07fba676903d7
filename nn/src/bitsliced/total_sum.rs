//! Slot-wise total sum of a bit-sliced integer over the batch: afterwards every slot holds
//! `sum_j x(slot j)`, in `w + ceil(log2 l)` bits (exact), for l = `slots()`.
//!
//! Permute-and-add for any l (HElib's `totalSums`), cycle by cycle over the backend's slot
//! cycles (module `slot_cycles`): over a cycle of order n, with `e` the terms already summed,
//! scan the bits of n below its top bit; each step doubles, `acc <- acc + P^e(acc)`,
//! `e <- 2e`, and a set bit of n adds one more term, `acc <- acc + P^e(base)` (base: the sum
//! as the cycle began), `e <- e + 1`: `floor(log2 n) + popcount(n) - 1` additions per cycle
//! (one cycle of l = 60: 5 + 3; toy's hypercube 10 x 6: (3 + 1) + (2 + 1); paper's
//! 30 x 6 x 10: (4 + 3) + (2 + 1) + (3 + 1) against 10 + 3 for one cycle of 1800).
//!
//! - [`TotalSumMethod::Adder`]: every addition is a carry-propagate adder at the width the
//!   partial sums need (`w + ceil(log2 e)`), rotations at the width before the addition.
//! - [`TotalSumMethod::CarrySave`]: the accumulator stays a carry-save pair (s, c) at the final
//!   width W; a doubling is a 4-to-2 reduction (two Dadda stages, about 2W ANDs, depth 2), an
//!   base term a 3-to-2 one in the first cycle (W ANDs, depth 1; the base has no carry row
//!   there, so the cycle with the most base terms goes first) and a 4-to-2 one in later
//!   cycles, and one adder ends. It trades twice the permutations of the wide pair for a
//!   depth of about 2 per doubling instead of a full adder's.

use super::adder::{add, AdderKind};
use super::backend::BitSimd;
use super::csa::Columns;
use super::error::BitslicedError;
use super::integer::BitInt;
use super::slot_cycles::{doubling_schedule, SlotCycles, SumStep};

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// How the additions of a total sum are carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TotalSumMethod {
    /// A carry-propagate adder of this kind after every rotation.
    Adder(AdderKind),
    /// Carry-save accumulation, one adder of this kind at the end.
    CarrySave(AdderKind),
}

/// `ceil(log2 n)` for n >= 1.
fn ceil_log2(n: usize) -> usize {
    (usize::BITS - n.saturating_sub(1).leading_zeros()) as usize
}

/// The sum over all slots, replicated in every slot, in `w + ceil(log2 slots)` bits.
pub fn total_sum<B: BitSimd>(
    backend: &B,
    x: &BitInt<B>,
    method: TotalSumMethod,
) -> Result<BitInt<B>, B> {
    let l = backend.slots();
    let cycles = SlotCycles::of(backend);
    if l == 0 || cycles.slots() != l {
        return Err(BitslicedError::SlotCountMismatch {
            expected: l.max(1),
            found: cycles.slots(),
        });
    }
    let width = x.width() + ceil_log2(l);
    // The cycle with the most base additions first: there the carry-save base has no carry
    // row, so a base addition is a 3-to-2 reduction.
    let mut order: Vec<(usize, usize)> = cycles.orders().iter().copied().enumerate().collect();
    order.sort_by_key(|&(_, n)| std::cmp::Reverse(n.count_ones()));
    match method {
        TotalSumMethod::Adder(kind) => {
            let mut acc = x.clone();
            let mut summed = 1usize;
            for (cycle, n) in order {
                let base = acc.clone();
                let mut terms = summed;
                for step in doubling_schedule(n) {
                    let (y, e, after) = match step {
                        SumStep::Double(e) => (acc.clone(), e, 2 * terms),
                        SumStep::AddBase(e) => (base.clone(), e, terms + summed),
                    };
                    let permuted = y.permute(backend, cycle, e)?;
                    let w = x.width() + ceil_log2(after);
                    acc = add(backend, &acc.resize(w), &permuted.resize(w), kind)?;
                    terms = after;
                }
                summed *= n;
            }
            Ok(acc.resize(width))
        }
        TotalSumMethod::CarrySave(kind) => {
            let mut s = x.resize(width);
            let mut c = BitInt::constant(0, width)?;
            // The first cycle's base is x itself, narrow: its sign extension is copied after
            // the permutation, not permuted bit by bit.
            let mut base = (x.clone(), c.clone());
            for (i, (cycle, n)) in order.into_iter().enumerate() {
                if i > 0 {
                    base = (s.clone(), c.clone());
                }
                for step in doubling_schedule(n) {
                    let (ys, yc, e) = match step {
                        SumStep::Double(e) => (&s, &c, e),
                        SumStep::AddBase(e) => (&base.0, &base.1, e),
                    };
                    let mut columns = Columns::new(width)?;
                    columns.push_pattern(&s, 0);
                    columns.push_pattern(&c, 0);
                    columns.push_pattern(&ys.permute(backend, cycle, e)?.resize(width), 0);
                    columns.push_pattern(&yc.permute(backend, cycle, e)?, 0);
                    (s, c) = columns.reduce_to_two(backend)?;
                }
            }
            add(backend, &s, &c, kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bit;
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::testing::{counted, decode, encode, random_values};
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const METHODS: [TotalSumMethod; 3] = [
        TotalSumMethod::Adder(AdderKind::Ripple),
        TotalSumMethod::Adder(AdderKind::Sklansky),
        TotalSumMethod::CarrySave(AdderKind::Sklansky),
    ];

    /// Random 8-bit values (one of them -128) summed by every method: the native sum in every
    /// slot, in 8 + ceil(log2 l) bits.
    fn check_sums(backend: &PlainBackend, rng: &mut ChaCha8Rng, label: &str) {
        let slots = backend.slots();
        let mut xs = random_values(rng, slots, 8);
        xs[slots - 1] = -128;
        let x = encode(backend, &xs, 8);
        let total: i64 = xs.iter().sum();
        for method in METHODS {
            let out = total_sum(backend, &x, method).unwrap();
            assert_eq!(out.width(), 8 + ceil_log2(slots));
            assert_eq!(
                decode(backend, &out),
                vec![total; slots],
                "{label} {method:?}"
            );
        }
    }

    #[test]
    fn total_sum_equals_native_sum_in_every_slot() {
        let mut rng = ChaCha8Rng::seed_from_u64(60);
        for slots in [1usize, 2, 3, 5, 7, 60, 64, 100, 1800] {
            let backend = PlainBackend::new(slots).unwrap();
            check_sums(&backend, &mut rng, &format!("{slots}"));
        }
        let backend = PlainBackend::new(60).unwrap();
        let x = encode(&backend, &[-128; 60], 8);
        let out = total_sum(&backend, &x, METHODS[2]).unwrap();
        assert_eq!(decode(&backend, &out), vec![-128 * 60; 60]);
    }

    /// Over hypercube-like slot cycles (toy's 10 x 6, paper's 30 x 6 x 10, and others) the
    /// sums are the same in every slot; every slot is reached once by the nested powers.
    #[test]
    fn total_sum_over_slot_cycles_equals_native_sum_in_every_slot() {
        let mut rng = ChaCha8Rng::seed_from_u64(61);
        for orders in [
            vec![10, 6],
            vec![6, 10],
            vec![30, 6, 10],
            vec![2, 3, 5],
            vec![4, 1, 7],
        ] {
            let cycles = SlotCycles::new(orders.clone());
            let backend = PlainBackend::with_cycles(&cycles).unwrap();
            let slots = cycles.slots();
            let index: Vec<i64> = (0..slots as i64).collect();
            let mut reached = vec![Vec::new(); slots];
            let mut powers = vec![0usize; orders.len()];
            loop {
                let mut moved = encode(&backend, &index, 12);
                for (cycle, &k) in powers.iter().enumerate() {
                    moved = moved.permute(&backend, cycle, k).unwrap();
                }
                for (u, source) in decode(&backend, &moved).into_iter().enumerate() {
                    reached[u].push(source);
                }
                let Some(j) = (0..orders.len()).find(|&j| powers[j] + 1 < orders[j]) else {
                    break;
                };
                powers[j] += 1;
                powers[..j].iter_mut().for_each(|p| *p = 0);
            }
            for sources in &mut reached {
                sources.sort_unstable();
                assert_eq!(*sources, index, "{orders:?}: not every slot once");
            }
            check_sums(&backend, &mut rng, &format!("{orders:?}"));
        }
    }

    /// The carry-save sum over toy's cycles (10 x 6) against one cycle of 60, 16-bit terms
    /// (W = 22): rotations 22 + 2 x 44 + 16 = 126 for the 10 and 2 x 44 + 44 = 132 for the 6
    /// (its base term is the wide pair), 258 against 22 + 4 x 44 + 3 x 16 = 246, but each a
    /// single automorphism instead of a masked rotation; one level less. Paper's cycles
    /// (30 x 6 x 10) against one cycle of 1800: 615 rotations against 561, 736 ANDs against
    /// 682, the same depth 26.
    #[test]
    fn total_sum_over_slot_cycles_costs() {
        let method = TotalSumMethod::CarrySave(AdderKind::Sklansky);
        let cost = |slots: SlotCycles| {
            let counter = CountingBackend::new(slots);
            let x = counted(&counter, 16);
            let out = total_sum(&counter, &x, method).unwrap();
            let depth = out.bits().iter().map(|b| bit::depth(&counter, b)).max();
            (
                counter.counts().rotate,
                counter.counts().and,
                depth.unwrap_or(0),
            )
        };
        let (one, toy) = (cost(60.into()), cost(SlotCycles::new(vec![10, 6])));
        assert_eq!((one.0, toy.0), (246, 258));
        assert_eq!(toy.2 + 1, one.2, "toy {toy:?} against one cycle {one:?}");
        let (one, paper) = (cost(1800.into()), cost(SlotCycles::new(vec![30, 6, 10])));
        assert_eq!((paper, one), ((615, 736, 26), (561, 682, 26)));
    }

    #[test]
    fn total_sum_rotation_count_matches_schedule() {
        for (slots, doublings, extras) in [(60usize, 5u64, 3u64), (1800, 10, 3)] {
            let counter = CountingBackend::new(slots);
            let x = counted(&counter, 16);
            total_sum(&counter, &x, TotalSumMethod::Adder(AdderKind::Ripple)).unwrap();
            let mut rotations = 0;
            let mut e = 1usize;
            let top = usize::BITS - 1 - slots.leading_zeros();
            for i in (0..top).rev() {
                rotations += (16 + ceil_log2(e)) as u64;
                e *= 2;
                if (slots >> i) & 1 == 1 {
                    rotations += 16;
                    e += 1;
                }
            }
            assert_eq!(counter.counts().rotate, rotations);
            assert_eq!(u64::from(top), doublings);
            assert_eq!(u64::from(slots.count_ones()) - 1, extras);
        }
    }
}
