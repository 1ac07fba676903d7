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
