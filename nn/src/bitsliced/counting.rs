//! The counting backend: runs a circuit without computing anything, recording how many gates
//! of each kind it issues and the AND-depth of every vector (a `Bits` is just its depth).
//! Thread-safe: counters are atomics, so circuits run from rayon workers count correctly.
//!
//! Depth rules are those of [`BitSimd`]: `and` gives `max + 1`, everything else `max`.
//!
//! With a refresh policy ([`CountingBackend::with_refresh_after`]) it predicts the refreshes
//! of the recrypting backend (`nit_nn::recrypting::RecryptingBackend`), which follows the same
//! rule: an AND whose result reaches depth L has its result refreshed (depth 0), so every
//! vector has depth below L. Depth is then the depth since the last refresh.

use super::backend::BitSimd;
use super::slot_cycles::{orders_or_one_cycle, SlotCycles};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Depths the AND histogram tells apart ([`CountingBackend::ands_by_depth`]); deeper ANDs
/// are counted in the last entry.
pub const DEPTH_BINS: usize = 256;

/// A vector seen by the counting backend: only its AND-depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedBits {
    depth: u32,
}

/// Totals of the gates issued since creation or the last [`CountingBackend::reset`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GateCounts {
    /// Ciphertext-ciphertext multiplications.
    pub and: u64,
    /// Ciphertext additions.
    pub xor: u64,
    /// Additions of the constant 1.
    pub not: u64,
    /// Multiplications by a public mask.
    pub and_public: u64,
    /// Additions of a public mask.
    pub xor_public: u64,
    /// Slot rotations (automorphism plus key switching).
    pub rotate: u64,
    /// Recryptions (with a refresh policy only).
    pub refresh: u64,
}

/// Backend that counts gates and tracks depth, over a given number of slots.
#[derive(Debug, Default)]
pub struct CountingBackend {
    slots: usize,
    /// The slot cycles' orders (empty: one cycle of `slots`).
    cycles: Vec<usize>,
    and: AtomicU64,
    xor: AtomicU64,
    not: AtomicU64,
    and_public: AtomicU64,
    xor_public: AtomicU64,
    rotate: AtomicU64,
    refresh: AtomicU64,
    /// The largest AND-depth any result reached (before a refresh resets it).
    max_depth: AtomicU32,
    /// L: an AND operand of depth L is refreshed first (None: never).
    refresh_after: Option<u32>,
    /// ANDs by the depth of their result (since the last refresh), index d - 1 for depth d;
    /// empty until the first AND.
    by_depth: std::sync::OnceLock<Vec<AtomicU64>>,
    /// Rotations by the depth of their operand, index d for depth d; empty until the first.
    rotations_by_depth: std::sync::OnceLock<Vec<AtomicU64>>,
}

/// `bins[d]` counted up by one (d capped at the last bin), the bins made at the first use.
fn count_at(bins: &std::sync::OnceLock<Vec<AtomicU64>>, d: usize) {
    let bins = bins.get_or_init(|| (0..DEPTH_BINS).map(|_| AtomicU64::new(0)).collect());
    bins[d.min(DEPTH_BINS - 1)].fetch_add(1, Ordering::Relaxed);
}

/// The counts of `bins` without trailing zeros (empty if never used).
fn histogram(bins: &std::sync::OnceLock<Vec<AtomicU64>>) -> Vec<u64> {
    let mut counts: Vec<u64> = bins
        .get()
        .map(|b| b.iter().map(|c| c.load(Ordering::Relaxed)).collect())
        .unwrap_or_default();
    while counts.last() == Some(&0) {
        counts.pop();
    }
    counts
}

impl CountingBackend {
    /// A counter for vectors of `slots` slots: a slot count (one cycle) or the slot cycles of
    /// the backend whose gates it predicts (they only matter to sums over all slots).
    pub fn new(slots: impl Into<SlotCycles>) -> Self {
        let cycles = slots.into();
        Self {
            slots: cycles.slots(),
            cycles: cycles.orders().to_vec(),
            ..Self::default()
        }
    }

    /// A counter that refreshes every AND result reaching depth `levels` (>= 1).
    pub fn with_refresh_after(slots: impl Into<SlotCycles>, levels: u32) -> Self {
        Self {
            refresh_after: Some(levels.max(1)),
            ..Self::new(slots)
        }
    }

    /// The largest AND-depth any AND result reached since creation or the last reset (with a
    /// refresh policy: the deepest segment between refreshes).
    pub fn max_depth(&self) -> u32 {
        self.max_depth.load(Ordering::Relaxed)
    }

    /// The deepest AND result since the last call (or creation, or reset), and starts the
    /// next such span at 0: the deepest segment of one part of a circuit.
    pub fn take_max_depth(&self) -> u32 {
        self.max_depth.swap(0, Ordering::Relaxed)
    }

    /// `result[d - 1]`: the ANDs whose result had depth d (since the last refresh), d from 1 to
    /// [`DEPTH_BINS`] (deeper ones in the last entry), since creation or the last reset. A
    /// product at depth d is formed on the level its operands keep after d - 1 AND levels, so
    /// this is what a per-level cost model multiplies.
    pub fn ands_by_depth(&self) -> Vec<u64> {
        histogram(&self.by_depth)
    }

    /// `result[d]`: the rotations of a vector of depth d (since the last refresh), since
    /// creation or the last reset (deeper than [`DEPTH_BINS`] - 1 in the last entry).
    pub fn rotations_by_depth(&self) -> Vec<u64> {
        histogram(&self.rotations_by_depth)
    }

    /// An AND result of depth `depth`: refreshed (depth 0, one refresh counted) when it
    /// reaches the policy's L.
    fn product(&self, depth: u32) -> CountedBits {
        self.max_depth.fetch_max(depth, Ordering::Relaxed);
        count_at(&self.by_depth, depth.max(1) as usize - 1);
        match self.refresh_after {
            Some(levels) if depth >= levels => {
                Self::tick(&self.refresh);
                CountedBits { depth: 0 }
            }
            _ => CountedBits { depth },
        }
    }

    /// A fresh input vector (depth 0).
    pub fn input(&self) -> CountedBits {
        CountedBits { depth: 0 }
    }

    /// An input vector that already has AND-depth `depth`.
    pub fn input_at_depth(&self, depth: u32) -> CountedBits {
        CountedBits { depth }
    }

    /// The totals so far.
    pub fn counts(&self) -> GateCounts {
        GateCounts {
            and: self.and.load(Ordering::Relaxed),
            xor: self.xor.load(Ordering::Relaxed),
            not: self.not.load(Ordering::Relaxed),
            and_public: self.and_public.load(Ordering::Relaxed),
            xor_public: self.xor_public.load(Ordering::Relaxed),
            rotate: self.rotate.load(Ordering::Relaxed),
            refresh: self.refresh.load(Ordering::Relaxed),
        }
    }

    /// Sets every counter back to zero.
    pub fn reset(&self) {
        for counter in [
            &self.and,
            &self.xor,
            &self.not,
            &self.and_public,
            &self.xor_public,
            &self.rotate,
            &self.refresh,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.max_depth.store(0, Ordering::Relaxed);
        let bins = [&self.by_depth, &self.rotations_by_depth];
        for bin in bins.into_iter().filter_map(|b| b.get()).flatten() {
            bin.store(0, Ordering::Relaxed);
        }
    }

    fn tick(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl BitSimd for CountingBackend {
    type Bits = CountedBits;
    type Public = ();
    type Error = Infallible;

    fn slots(&self) -> usize {
        self.slots
    }

    fn constant(&self, _bit: bool) -> Result<CountedBits, Infallible> {
        Ok(CountedBits { depth: 0 })
    }

    fn public(&self, _bits: &[bool]) -> Result<(), Infallible> {
        Ok(())
    }

    fn xor(&self, a: &CountedBits, b: &CountedBits) -> Result<CountedBits, Infallible> {
        Self::tick(&self.xor);
        Ok(CountedBits {
            depth: a.depth.max(b.depth),
        })
    }

    fn not(&self, a: &CountedBits) -> Result<CountedBits, Infallible> {
        Self::tick(&self.not);
        Ok(*a)
    }

    fn and(&self, a: &CountedBits, b: &CountedBits) -> Result<CountedBits, Infallible> {
        Self::tick(&self.and);
        Ok(self.product(a.depth.max(b.depth) + 1))
    }

    fn xor_public(&self, a: &CountedBits, _mask: &()) -> Result<CountedBits, Infallible> {
        Self::tick(&self.xor_public);
        Ok(*a)
    }

    fn and_public(&self, a: &CountedBits, _mask: &()) -> Result<CountedBits, Infallible> {
        Self::tick(&self.and_public);
        Ok(*a)
    }

    fn rotate(&self, a: &CountedBits, _k: i64) -> Result<CountedBits, Infallible> {
        Self::tick(&self.rotate);
        count_at(&self.rotations_by_depth, a.depth as usize);
        Ok(*a)
    }

    fn slot_cycles(&self) -> Vec<usize> {
        orders_or_one_cycle(&self.cycles, self.slots)
    }

    /// Counted as a rotation (an automorphism with its key switch).
    fn permute_slots(
        &self,
        a: &CountedBits,
        _cycle: usize,
        k: usize,
    ) -> Result<CountedBits, Infallible> {
        self.rotate(a, k as i64)
    }

    fn depth(&self, a: &CountedBits) -> usize {
        a.depth as usize
    }

    /// With a refresh policy, a vector of depth > 0 is refreshed (counted, depth 0); without
    /// one (a leveled chain) nothing changes.
    fn refresh(&self, a: &CountedBits) -> Result<CountedBits, Infallible> {
        if self.refresh_after.is_some() && a.depth > 0 {
            Self::tick(&self.refresh);
            Ok(CountedBits { depth: 0 })
        } else {
            Ok(*a)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_gates_and_depth_like_the_cost_model() {
        let backend = CountingBackend::new(60);
        let x = backend.input();
        let y = backend.and(&x, &x).unwrap();
        let z = backend.and(&y, &x).unwrap();
        let w = backend.xor(&z, &x).unwrap();
        let r = backend.rotate(&w, 3).unwrap();
        assert_eq!(backend.depth(&r), 2);
        assert_eq!(backend.rotations_by_depth(), vec![0, 0, 1]);
        assert_eq!(backend.ands_by_depth(), vec![1, 1]);
        let counts = backend.counts();
        assert_eq!((counts.and, counts.xor, counts.rotate), (2, 1, 1));
        backend.reset();
        assert_eq!(backend.counts(), GateCounts::default());
    }

    /// L = 3: a chain of 7 ANDs refreshes the results of the 3rd and 6th.
    #[test]
    fn a_refresh_policy_caps_the_depth() {
        let backend = CountingBackend::with_refresh_after(60, 3);
        let x = backend.input();
        let mut y = x;
        for _ in 0..7 {
            y = backend.and(&y, &x).unwrap();
            assert!(backend.depth(&y) < 3);
        }
        assert_eq!(backend.depth(&y), 1);
        assert_eq!(backend.counts().refresh, 2);
        assert_eq!(backend.counts().and, 7);
        assert_eq!(backend.ands_by_depth(), vec![3, 2, 2]);
        assert_eq!(backend.take_max_depth(), 3);
        assert_eq!(backend.max_depth(), 0);
    }
}
