//! Slot-wise total sum of a bit-sliced integer over the batch: afterwards every slot holds
//! `sum_j x(slot j)`, in `w + ceil(log2 l)` bits (exact), for l = `slots()`.
//!
//! Rotate-and-add for any l (HElib's `totalSums`): with `e` the number of consecutive slots
//! already summed, scan the bits of l below its top bit; each step doubles,
//! `acc <- acc + rotate(acc, e)`, `e <- 2e`, and a set bit of l adds one more slot,
//! `acc <- acc + rotate(x, e)`, `e <- e + 1`. That is `floor(log2 l)` doublings plus
//! `popcount(l) - 1` extra additions (l = 60: 5 + 3, l = 1800: 10 + 3).
//!
//! - [`TotalSumMethod::Adder`]: every addition is a carry-propagate adder at the width the
//!   partial sums need (`w + ceil(log2 e)`), rotations at the width before the addition.
//! - [`TotalSumMethod::CarrySave`]: the accumulator stays a carry-save pair (s, c) at the final
//!   width W; a doubling is a 4-to-2 reduction (two Dadda stages, about 2W ANDs, depth 2), an
//!   extra slot a 3-to-2 one (W ANDs, depth 1), and one adder ends. It trades twice the
//!   rotations of the wide pair for a depth of about 2 per doubling instead of a full adder's.

use super::adder::{add, AdderKind};
use super::backend::BitSimd;
use super::csa::Columns;
use super::error::BitslicedError;
use super::integer::BitInt;

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
    if l == 0 {
        return Err(BitslicedError::SlotCountMismatch {
            expected: 1,
            found: 0,
        });
    }
    let width = x.width() + ceil_log2(l);
    let top = usize::BITS - 1 - l.leading_zeros();
    match method {
        TotalSumMethod::Adder(kind) => {
            let mut acc = x.clone();
            let mut e = 1usize;
            for i in (0..top).rev() {
                acc = add_rotated(backend, &acc, &acc, e, x.width() + ceil_log2(2 * e), kind)?;
                e *= 2;
                if (l >> i) & 1 == 1 {
                    acc = add_rotated(backend, &acc, x, e, x.width() + ceil_log2(e + 1), kind)?;
                    e += 1;
                }
            }
            Ok(acc.resize(width))
        }
        TotalSumMethod::CarrySave(kind) => {
            let mut s = x.resize(width);
            let mut c = BitInt::constant(0, width)?;
            let mut e = 1usize;
            for i in (0..top).rev() {
                let mut columns = Columns::new(width)?;
                columns.push_pattern(&s, 0);
                columns.push_pattern(&c, 0);
                columns.push_pattern(&s.rotate(backend, e as i64)?, 0);
                columns.push_pattern(&c.rotate(backend, e as i64)?, 0);
                (s, c) = columns.reduce_to_two(backend)?;
                e *= 2;
                if (l >> i) & 1 == 1 {
                    let mut columns = Columns::new(width)?;
                    columns.push_pattern(&s, 0);
                    columns.push_pattern(&c, 0);
                    columns.push_pattern(&x.rotate(backend, e as i64)?.resize(width), 0);
                    (s, c) = columns.reduce_to_two(backend)?;
                    e += 1;
                }
            }
            add(backend, &s, &c, kind)
        }
    }
}

/// `acc + rotate(y, e)` in `width` bits (the width the partial sum needs).
fn add_rotated<B: BitSimd>(
    backend: &B,
    acc: &BitInt<B>,
    y: &BitInt<B>,
    e: usize,
    width: usize,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    let rotated = y.rotate(backend, e as i64)?;
    add(backend, &acc.resize(width), &rotated.resize(width), kind)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn total_sum_equals_native_sum_in_every_slot() {
        let mut rng = ChaCha8Rng::seed_from_u64(60);
        for slots in [1usize, 2, 3, 5, 7, 60, 64, 100, 1800] {
            let backend = PlainBackend::new(slots).unwrap();
            let mut xs = random_values(&mut rng, slots, 8);
            xs[0] = -128;
            let x = encode(&backend, &xs, 8);
            let total: i64 = xs.iter().sum();
            for method in METHODS {
                let out = total_sum(&backend, &x, method).unwrap();
                assert_eq!(out.width(), 8 + ceil_log2(slots));
                assert_eq!(
                    decode(&backend, &out),
                    vec![total; slots],
                    "{slots} {method:?}"
                );
            }
        }
        let backend = PlainBackend::new(60).unwrap();
        let x = encode(&backend, &[-128; 60], 8);
        let out = total_sum(&backend, &x, METHODS[2]).unwrap();
        assert_eq!(decode(&backend, &out), vec![-128 * 60; 60]);
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
