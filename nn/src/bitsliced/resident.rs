//! The resident backend: the counting backend with a ledger of the bytes its vectors and
//! masks hold at once. It computes nothing; what it gives is the memory a circuit's
//! evaluation order needs, exactly, for a backend whose vectors are as large as they are
//! deep.
//!
//! A vector of AND-depth d (since its last refresh, as the counting backend tracks it) holds
//! `bytes_at_depth[min(d, last)]`: for BGV, 2 phi(m) 8 bytes per prime of the level a value
//! at that depth is kept on. A vector made by [`ResidentBackend::input_of`] holds what its
//! caller says (a ciphertext encrypted on fewer primes). A public mask holds `mask_bytes`.
//! Invariant: [`ResidentBackend::now`] is the sum over the vectors and masks alive (clones
//! included, each a copy) and [`ResidentBackend::peak`] the largest that sum has been.

use super::backend::BitSimd;
use super::counting::{CountedBits, CountingBackend};
use super::slot_cycles::SlotCycles;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Bytes alive now, at most so far, and at most since the last window began.
#[derive(Debug, Default)]
struct Ledger {
    now: AtomicU64,
    peak: AtomicU64,
    window_peak: AtomicU64,
}

impl Ledger {
    fn hold(&self, bytes: u64) {
        let now = self.now.fetch_add(bytes, Ordering::SeqCst) + bytes;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.window_peak.fetch_max(now, Ordering::SeqCst);
    }

    fn release(&self, bytes: u64) {
        self.now.fetch_sub(bytes, Ordering::SeqCst);
    }
}

/// Bytes held in the ledger from creation (or clone) to drop.
#[derive(Debug)]
struct Held {
    bytes: u64,
    ledger: Arc<Ledger>,
}

impl Held {
    fn new(ledger: &Arc<Ledger>, bytes: u64) -> Self {
        ledger.hold(bytes);
        Self {
            bytes,
            ledger: ledger.clone(),
        }
    }
}

impl Clone for Held {
    fn clone(&self) -> Self {
        Self::new(&self.ledger, self.bytes)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.ledger.release(self.bytes);
    }
}

/// A vector of the resident backend: its depth and the bytes it holds while alive.
#[derive(Debug, Clone)]
pub struct ResidentBits {
    counted: CountedBits,
    /// Kept for its drop, which releases the bytes.
    _held: Held,
}

/// A public mask of the resident backend: the bytes of one encoded plaintext.
#[derive(Debug, Clone)]
pub struct ResidentMask {
    /// Kept for its drop, which releases the bytes.
    _held: Held,
}

/// The counting backend (gates, depths, the refresh policy) plus the ledger of bytes alive.
#[derive(Debug)]
pub struct ResidentBackend {
    counting: CountingBackend,
    bytes_at_depth: Vec<u64>,
    mask_bytes: u64,
    ledger: Arc<Ledger>,
    /// The slot permutations (cycle, power) issued: the automorphism keys a run uses.
    permutations: Mutex<BTreeSet<(usize, usize)>>,
}

/// The primes a product at AND-depth `depth` (since the last refresh) is formed on, in a
/// chain whose refreshed values keep `refreshed_primes` and carry `levels` AND levels, each
/// level about as many primes as the next: l(d) = max(2, P_r - round((d - 1)(P_r - 2) / L)).
pub fn primes_at_depth(refreshed_primes: usize, levels: usize, depth: usize) -> usize {
    let p = refreshed_primes as f64;
    let used = (depth.max(1) - 1) as f64 * (p - 2.0) / levels.max(1) as f64;
    (p - used).round().max(2.0) as usize
}

impl ResidentBackend {
    /// For BGV ciphertexts over `cycles` with phi(m) = `phi`, under the recrypting backend's
    /// policy with L = `levels`: a vector of depth d on l(d + 1) primes of
    /// [`primes_at_depth`] (the level its next product is formed on), 2 phi 8 bytes per prime;
    /// a mask phi 8 bytes.
    pub fn for_chain(
        cycles: SlotCycles,
        refreshed_primes: usize,
        levels: usize,
        phi: usize,
    ) -> Self {
        let bytes_at_depth = (0..=levels)
            .map(|d| (primes_at_depth(refreshed_primes, levels, d + 1) * 2 * phi * 8) as u64)
            .collect();
        Self::new(
            CountingBackend::with_refresh_after(cycles, levels as u32),
            bytes_at_depth,
            (phi * 8) as u64,
        )
    }

    /// Over `counting` (its slots and refresh policy): a vector of depth d holds
    /// `bytes_at_depth[d]` (the last entry for deeper ones; none given: 1 each, so the ledger
    /// counts vectors), a mask `mask_bytes`.
    pub fn new(counting: CountingBackend, bytes_at_depth: Vec<u64>, mask_bytes: u64) -> Self {
        let bytes_at_depth = if bytes_at_depth.is_empty() {
            vec![1]
        } else {
            bytes_at_depth
        };
        Self {
            counting,
            bytes_at_depth,
            mask_bytes,
            ledger: Arc::default(),
            permutations: Mutex::default(),
        }
    }

    /// The distinct slot permutations `(cycle, k)` issued so far (each needs the key of
    /// g_cycle^k).
    pub fn permutations_used(&self) -> Vec<(usize, usize)> {
        self.permutations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect()
    }

    /// The gates counted so far (the counting backend underneath).
    pub fn counting(&self) -> &CountingBackend {
        &self.counting
    }

    /// Bytes of a vector of depth `depth`.
    pub fn bytes_at(&self, depth: usize) -> u64 {
        self.bytes_at_depth[depth.min(self.bytes_at_depth.len() - 1)]
    }

    fn vector(&self, counted: CountedBits) -> ResidentBits {
        let bytes = self.bytes_at(self.counting.depth(&counted));
        ResidentBits {
            counted,
            _held: Held::new(&self.ledger, bytes),
        }
    }

    /// A fresh input vector (depth 0) of depth 0's bytes.
    pub fn input(&self) -> ResidentBits {
        self.vector(self.counting.input())
    }

    /// A fresh input vector (depth 0) that holds `bytes` (an encryption on fewer primes).
    pub fn input_of(&self, bytes: u64) -> ResidentBits {
        ResidentBits {
            counted: self.counting.input(),
            _held: Held::new(&self.ledger, bytes),
        }
    }

    /// Bytes the vectors and masks alive now hold.
    pub fn now(&self) -> u64 {
        self.ledger.now.load(Ordering::SeqCst)
    }

    /// The most bytes alive at once since creation.
    pub fn peak(&self) -> u64 {
        self.ledger.peak.load(Ordering::SeqCst)
    }

    /// The most bytes alive at once since the last call (or creation); a new window starts
    /// at the bytes alive now.
    pub fn take_window_peak(&self) -> u64 {
        self.ledger.window_peak.swap(self.now(), Ordering::SeqCst)
    }
}

impl BitSimd for ResidentBackend {
    type Bits = ResidentBits;
    type Public = ResidentMask;
    type Error = Infallible;

    fn slots(&self) -> usize {
        self.counting.slots()
    }

    fn constant(&self, bit: bool) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.constant(bit)?))
    }

    fn public(&self, _bits: &[bool]) -> Result<ResidentMask, Infallible> {
        Ok(ResidentMask {
            _held: Held::new(&self.ledger, self.mask_bytes),
        })
    }

    fn xor(&self, a: &ResidentBits, b: &ResidentBits) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.xor(&a.counted, &b.counted)?))
    }

    fn not(&self, a: &ResidentBits) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.not(&a.counted)?))
    }

    fn and(&self, a: &ResidentBits, b: &ResidentBits) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.and(&a.counted, &b.counted)?))
    }

    fn xor_public(&self, a: &ResidentBits, _: &ResidentMask) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.xor_public(&a.counted, &())?))
    }

    fn and_public(&self, a: &ResidentBits, _: &ResidentMask) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.and_public(&a.counted, &())?))
    }

    fn rotate(&self, a: &ResidentBits, k: i64) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.rotate(&a.counted, k)?))
    }

    fn slot_cycles(&self) -> Vec<usize> {
        self.counting.slot_cycles()
    }

    fn permute_slots(
        &self,
        a: &ResidentBits,
        cycle: usize,
        k: usize,
    ) -> Result<ResidentBits, Infallible> {
        self.permutations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((cycle, k));
        Ok(self.vector(self.counting.permute_slots(&a.counted, cycle, k)?))
    }

    fn depth(&self, a: &ResidentBits) -> usize {
        self.counting.depth(&a.counted)
    }

    fn refresh(&self, a: &ResidentBits) -> Result<ResidentBits, Infallible> {
        Ok(self.vector(self.counting.refresh(&a.counted)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_holds_each_vector_by_its_depth_until_it_is_dropped() {
        let backend = ResidentBackend::new(CountingBackend::new(4), vec![100, 60, 30], 7);
        let a = backend.input();
        let b = backend.input_of(40);
        assert_eq!(backend.now(), 140);
        let ab = backend.and(&a, &b).unwrap();
        let abab = backend.and(&ab, &ab).unwrap();
        let deeper = backend.and(&abab, &a).unwrap();
        assert_eq!(backend.depth(&deeper), 3);
        assert_eq!(
            backend.now(),
            140 + 60 + 30 + 30,
            "depth 3 holds the last entry"
        );
        let mask = backend.public(&[true; 4]).unwrap();
        let copy = mask.clone();
        assert_eq!(backend.now(), 260 + 14);
        drop((ab, abab, deeper, mask, copy));
        assert_eq!(backend.now(), 140);
        assert_eq!(backend.peak(), 274);
        assert_eq!(backend.take_window_peak(), 274);
        let c = backend.input();
        drop(c);
        assert_eq!(
            backend.take_window_peak(),
            240,
            "the new window starts at 140"
        );
        drop((a, b));
        assert_eq!(backend.now(), 0);
    }

    #[test]
    fn a_refresh_returns_a_vector_to_the_bytes_of_depth_zero() {
        let backend =
            ResidentBackend::new(CountingBackend::with_refresh_after(2, 2), vec![9, 5], 0);
        let a = backend.input();
        let once = backend.and(&a, &a).unwrap();
        assert_eq!(backend.now(), 9 + 5);
        let twice = backend.and(&once, &once).unwrap();
        assert_eq!(
            backend.depth(&twice),
            0,
            "L = 2 refreshes a product of depth 2"
        );
        assert_eq!(backend.now(), 9 + 5 + 9);
        assert_eq!(backend.counting().counts().refresh, 1);
    }

    #[test]
    fn a_chain_drops_from_the_refreshed_primes_to_two_over_its_levels() {
        let levels: Vec<usize> = (1..=11).map(|d| primes_at_depth(8, 10, d)).collect();
        assert_eq!(levels, vec![8, 7, 7, 6, 6, 5, 4, 4, 3, 3, 2]);
        let backend = ResidentBackend::for_chain(SlotCycles::new(vec![4]), 8, 10, 3);
        assert_eq!(
            backend.bytes_at(0),
            8 * 48,
            "depth 0 multiplies on 8 primes"
        );
        assert_eq!(backend.bytes_at(9), 3 * 48);
        assert_eq!(backend.bytes_at(10), 2 * 48, "depth L multiplies on 2");
        let a = backend.input();
        let mask = backend.public(&[true; 4]).unwrap();
        assert_eq!(backend.now(), 8 * 48 + 24);
        drop((a, mask));
    }

    #[test]
    fn the_permutations_a_run_issues_are_listed_once() {
        let cycles = crate::bitsliced::SlotCycles::new(vec![3, 4]);
        let backend = ResidentBackend::new(CountingBackend::new(cycles), Vec::new(), 0);
        let a = backend.input();
        for (cycle, k) in [(1, 2), (0, 1), (1, 2)] {
            backend.permute_slots(&a, cycle, k).unwrap();
        }
        assert_eq!(backend.permutations_used(), vec![(0, 1), (1, 2)]);
    }
}
