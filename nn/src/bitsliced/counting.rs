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
use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

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
}

impl CountingBackend {
    /// A counter for vectors of `slots` slots (the slot count only matters to rotations).
    pub fn new(slots: usize) -> Self {
        Self {
            slots,
            ..Self::default()
        }
    }

    /// A counter that refreshes every AND result reaching depth `levels` (>= 1).
    pub fn with_refresh_after(slots: usize, levels: u32) -> Self {
        Self {
            slots,
            refresh_after: Some(levels.max(1)),
            ..Self::default()
        }
    }

    /// The largest AND-depth any AND result reached since creation or the last reset (with a
    /// refresh policy: the deepest segment between refreshes).
    pub fn max_depth(&self) -> u32 {
        self.max_depth.load(Ordering::Relaxed)
    }

    /// An AND result of depth `depth`: refreshed (depth 0, one refresh counted) when it
    /// reaches the policy's L.
    fn product(&self, depth: u32) -> CountedBits {
        self.max_depth.fetch_max(depth, Ordering::Relaxed);
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
        Ok(*a)
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
    }
}
