//! The recrypting backend: [`EncryptedBackend`] with recryption (nit-bootstrap), so circuits
//! of any depth run unchanged.
//!
//! Policy (the counting backend's [`CountingBackend::with_refresh_after`] follows the same
//! rule, so it predicts the refreshes exactly): an AND whose result reaches depth L has its
//! result recrypted at once (depth 0), so every vector has depth below L and each is refreshed
//! at most once, however many gates use it. L ([`RecryptingBackend::levels_after_refresh`]) is
//! the number of sequential ANDs a refreshed ciphertext carries while keeping the capacity
//! recryption needs plus [`MARGIN_BITS`] (room for the XORs and rotations between ANDs),
//! measured by running such a chain on a probe encryption.
//!
//! Guard: a gate whose result falls below that capacity anyway (long XOR chains, rotations)
//! has its result recrypted too; such refreshes are counted apart
//! ([`RecryptingBackend::guard_refreshes`]) since the counting backend cannot predict them.
//! An operand that arrives at depth L or more (made by another backend) is recrypted first.
//!
//! [`CountingBackend::with_refresh_after`]: crate::bitsliced::CountingBackend::with_refresh_after

use crate::bitsliced::BitSimd;
use crate::encrypted::{EncryptedBackend, EncryptedBits};
use nit_bgv::ciphertext::{Ciphertext, Plaintext};
use nit_bgv::keys::PublicKey;
use nit_bgv::BgvError;
use nit_bootstrap::{squarings_above, BootstrapError, Bootstrapper};
use nit_ring::sample::SecureRng;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Capacity (bits) kept above what recryption needs, for the XORs (at most one bit each
/// doubling of the summands) and rotations between two ANDs.
pub const MARGIN_BITS: f64 = 12.0;

/// `BitSimd` over ciphertexts with automatic recryption (module doc).
#[derive(Debug)]
pub struct RecryptingBackend {
    inner: EncryptedBackend,
    bootstrapper: Arc<Bootstrapper>,
    levels: usize,
    /// The primes a refreshed value keeps (the probe's; the bootstrapping key's level when L
    /// is given by hand, an upper bound).
    refreshed_level: usize,
    refreshes: AtomicU64,
    guard_refreshes: AtomicU64,
}

impl RecryptingBackend {
    /// The backend with L measured on a probe: a fresh encryption of random bits under `pk`,
    /// recrypted, then squared until its capacity falls below the threshold; L is the number
    /// of squarings that stayed above it, less one for the spread between ciphertexts.
    pub fn new(
        inner: EncryptedBackend,
        bootstrapper: Arc<Bootstrapper>,
        pk: &PublicKey,
        rng: &mut SecureRng,
    ) -> Result<Self, BootstrapError> {
        let bits: Vec<bool> = (0..inner.slots()).map(|i| i % 2 == 0).collect();
        let fresh = inner.encrypt(pk, &bits, rng)?;
        let refreshed = bootstrapper.recrypt(&fresh.ct)?;
        let threshold = bootstrapper.capacity_needed() + MARGIN_BITS;
        let (levels, _) = squarings_above(inner.evaluator(), &refreshed, threshold);
        if levels < 2 {
            return Err(BootstrapError::ShortChain {
                levels,
                needed: 2,
                threshold,
            });
        }
        Ok(Self {
            refreshed_level: refreshed.level(),
            ..Self::with_levels(inner, bootstrapper, levels - 1)
        })
    }

    /// The backend with a given L (>= 1).
    pub fn with_levels(
        inner: EncryptedBackend,
        bootstrapper: Arc<Bootstrapper>,
        levels: usize,
    ) -> Self {
        RecryptingBackend {
            refreshed_level: bootstrapper.top_level(),
            inner,
            bootstrapper,
            levels: levels.max(1),
            refreshes: AtomicU64::new(0),
            guard_refreshes: AtomicU64::new(0),
        }
    }

    /// L: the AND levels a refreshed value carries before it is refreshed again.
    pub fn levels_after_refresh(&self) -> usize {
        self.levels
    }

    /// The primes a refreshed value keeps (measured on the probe by [`Self::new`]; with
    /// [`Self::with_levels`], the level recryption starts from, an upper bound).
    pub fn refreshed_level(&self) -> usize {
        self.refreshed_level
    }

    /// Whether `ct` carries a whole segment between refreshes as a refreshed value does:
    /// squared L + 1 times (the probe's count, L's spread included) it keeps the capacity
    /// recryption needs plus [`MARGIN_BITS`]. Data encrypted at the lowest level where this
    /// holds (`SecretKey::encrypt_at`) enters the circuit like a refreshed value, so the
    /// counting backend's prediction stays exact; data below it would meet the guard.
    pub fn carries_a_segment(&self, ct: &Ciphertext) -> bool {
        squarings_above(self.inner.evaluator(), ct, self.threshold()).0 > self.levels
    }

    /// The lowest level (primes) at which a fresh encryption, `encrypt_at(level)`, carries a
    /// segment ([`Self::carries_a_segment`]), by bisection over 1..=top (capacity grows with
    /// the level); the top level when even that one does not (such data meets the guard).
    pub fn lowest_input_level(
        &self,
        mut encrypt_at: impl FnMut(usize) -> Result<Ciphertext, BgvError>,
    ) -> Result<usize, BootstrapError> {
        let (mut low, mut high) = (1, self.inner.evaluator().params().max_level());
        while low < high {
            let middle = (low + high) / 2;
            if self.carries_a_segment(&encrypt_at(middle)?) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        Ok(high)
    }

    /// Refreshes made by the depth policy (what the counting backend predicts).
    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// Refreshes made by the capacity guard (none when L is right for the circuit).
    pub fn guard_refreshes(&self) -> u64 {
        self.guard_refreshes.load(Ordering::Relaxed)
    }

    /// The encrypted backend underneath (evaluator, encryption, decryption).
    pub fn inner(&self) -> &EncryptedBackend {
        &self.inner
    }

    fn threshold(&self) -> f64 {
        self.bootstrapper.capacity_needed() + MARGIN_BITS
    }

    fn has_room(&self, ct: &Ciphertext) -> bool {
        ct.capacity(self.inner.evaluator().params()) >= self.threshold()
    }

    fn recrypt(
        &self,
        x: &EncryptedBits,
        counter: &AtomicU64,
    ) -> Result<EncryptedBits, BootstrapError> {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(EncryptedBits {
            ct: self.bootstrapper.recrypt(&x.ct)?,
            depth: 0,
        })
    }

    /// An operand made elsewhere at depth L or more: recrypted first.
    fn operand<'a>(&self, x: &'a EncryptedBits) -> Result<Cow<'a, EncryptedBits>, BootstrapError> {
        if x.depth >= self.levels {
            Ok(Cow::Owned(self.recrypt(x, &self.refreshes)?))
        } else {
            Ok(Cow::Borrowed(x))
        }
    }

    /// A gate's result as kept: recrypted when it reaches depth L (policy) or lacks room
    /// (guard).
    fn kept(&self, out: EncryptedBits) -> Result<EncryptedBits, BootstrapError> {
        if out.depth >= self.levels {
            self.recrypt(&out, &self.refreshes)
        } else if !self.has_room(&out.ct) {
            self.recrypt(&out, &self.guard_refreshes)
        } else {
            Ok(out)
        }
    }
}

impl BitSimd for RecryptingBackend {
    type Bits = EncryptedBits;
    type Public = Plaintext;
    type Error = BootstrapError;

    fn slots(&self) -> usize {
        self.inner.slots()
    }

    fn constant(&self, bit: bool) -> Result<EncryptedBits, BootstrapError> {
        Ok(self.inner.constant(bit)?)
    }

    fn public(&self, bits: &[bool]) -> Result<Plaintext, BootstrapError> {
        Ok(self.inner.public(bits)?)
    }

    fn xor(&self, a: &EncryptedBits, b: &EncryptedBits) -> Result<EncryptedBits, BootstrapError> {
        Ok(self.inner.xor(a, b)?)
    }

    fn not(&self, a: &EncryptedBits) -> Result<EncryptedBits, BootstrapError> {
        Ok(self.inner.not(a)?)
    }

    fn and(&self, a: &EncryptedBits, b: &EncryptedBits) -> Result<EncryptedBits, BootstrapError> {
        let (a, b) = (self.operand(a)?, self.operand(b)?);
        self.kept(self.inner.and(&a, &b)?)
    }

    fn and_many(
        &self,
        pairs: &[(&EncryptedBits, &EncryptedBits)],
    ) -> Result<Vec<EncryptedBits>, BootstrapError> {
        pairs.par_iter().map(|(a, b)| self.and(a, b)).collect()
    }

    fn xor_public(
        &self,
        a: &EncryptedBits,
        mask: &Plaintext,
    ) -> Result<EncryptedBits, BootstrapError> {
        Ok(self.inner.xor_public(a, mask)?)
    }

    fn and_public(
        &self,
        a: &EncryptedBits,
        mask: &Plaintext,
    ) -> Result<EncryptedBits, BootstrapError> {
        self.kept(self.inner.and_public(a, mask)?)
    }

    fn rotate(&self, a: &EncryptedBits, k: i64) -> Result<EncryptedBits, BootstrapError> {
        self.kept(self.inner.rotate(a, k)?)
    }

    fn slot_cycles(&self) -> Vec<usize> {
        self.inner.slot_cycles()
    }

    fn permute_slots(
        &self,
        a: &EncryptedBits,
        cycle: usize,
        k: usize,
    ) -> Result<EncryptedBits, BootstrapError> {
        self.kept(self.inner.permute_slots(a, cycle, k)?)
    }

    fn depth(&self, a: &EncryptedBits) -> usize {
        a.depth
    }

    /// Recrypts a vector of depth > 0 (counted with the policy's refreshes); fresh ones stay.
    fn refresh(&self, a: &EncryptedBits) -> Result<EncryptedBits, BootstrapError> {
        if a.depth > 0 {
            self.recrypt(a, &self.refreshes)
        } else {
            Ok(a.clone())
        }
    }
}
