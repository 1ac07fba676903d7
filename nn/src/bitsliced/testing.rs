//! Test helpers: native two's-complement models and plaintext encoding shortcuts.

use super::backend::BitSimd;
use super::bit::Bit;
use super::counting::CountingBackend;
use super::integer::BitInt;
use super::plain::PlainBackend;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// `value mod 2^width` read back as a signed `width`-bit value.
pub fn wrap(value: i64, width: usize) -> i64 {
    let shift = 64 - width as u32;
    (value << shift) >> shift
}

/// Uniform signed `width`-bit values.
pub fn random_values(rng: &mut ChaCha8Rng, count: usize, width: usize) -> Vec<i64> {
    let half = 1i64 << (width - 1);
    (0..count).map(|_| rng.gen_range(-half..half)).collect()
}

pub fn encode(backend: &PlainBackend, values: &[i64], width: usize) -> BitInt<PlainBackend> {
    BitInt::encode(values, width, backend.slots(), |b| backend.encode(b))
        .expect("test values fit their width")
}

pub fn decode(backend: &PlainBackend, x: &BitInt<PlainBackend>) -> Vec<i64> {
    x.decode(backend.slots(), |b| {
        Ok::<_, std::convert::Infallible>(backend.decode(b))
    })
    .expect("test integers have at most 64 bits")
}

/// A fresh `width`-bit input of the counting backend.
pub fn counted(backend: &CountingBackend, width: usize) -> BitInt<CountingBackend> {
    BitInt::from_bits((0..width).map(|_| Bit::Var(backend.input())).collect())
        .expect("test widths are positive")
}

/// A vector of the [`LiveBackend`]: counts itself among the live vectors until dropped.
pub struct LiveBits {
    live: std::sync::Arc<LiveCount>,
}

/// Live vectors now and at most so far.
#[derive(Default)]
pub struct LiveCount {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl LiveBits {
    fn new(live: &std::sync::Arc<LiveCount>) -> Self {
        use std::sync::atomic::Ordering;
        let now = live.now.fetch_add(1, Ordering::SeqCst) + 1;
        live.peak.fetch_max(now, Ordering::SeqCst);
        Self { live: live.clone() }
    }
}

impl Clone for LiveBits {
    fn clone(&self) -> Self {
        Self::new(&self.live)
    }
}

impl Drop for LiveBits {
    fn drop(&mut self) {
        self.live
            .now
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A backend that computes nothing and counts the vectors alive at once: the memory a
/// circuit's evaluation order needs, in ciphertexts.
#[derive(Default)]
pub struct LiveBackend {
    pub live: std::sync::Arc<LiveCount>,
}

impl LiveBackend {
    pub fn input(&self) -> LiveBits {
        LiveBits::new(&self.live)
    }

    /// Most vectors alive at once so far.
    pub fn peak(&self) -> usize {
        self.live.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Vectors alive now.
    pub fn now(&self) -> usize {
        self.live.now.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl BitSimd for LiveBackend {
    type Bits = LiveBits;
    type Public = ();
    type Error = std::convert::Infallible;

    fn slots(&self) -> usize {
        1
    }
    fn constant(&self, _: bool) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn public(&self, _: &[bool]) -> Result<(), Self::Error> {
        Ok(())
    }
    fn xor(&self, _: &LiveBits, _: &LiveBits) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn not(&self, _: &LiveBits) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn and(&self, _: &LiveBits, _: &LiveBits) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn xor_public(&self, _: &LiveBits, _: &()) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn and_public(&self, _: &LiveBits, _: &()) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn rotate(&self, _: &LiveBits, _: i64) -> Result<LiveBits, Self::Error> {
        Ok(self.input())
    }
    fn depth(&self, _: &LiveBits) -> usize {
        0
    }
}
