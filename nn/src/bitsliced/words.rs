//! The word storage of a plaintext bit vector: a slice of `u64` held inline when it has at most
//! [`INLINE`] words (batches of up to 128 samples, the `toy` trainer's 60) and shared behind an
//! `Arc` beyond. A gate of the plaintext trainer then allocates nothing, and a clone of a long
//! vector copies a pointer, not its words.
//!
//! Invariant: `Inline { len, .. }` has `len <= INLINE` and words at `len..` equal to zero, so
//! equality of the logical slices is equality of the values.

use std::ops::Deref;
use std::sync::Arc;

/// Longest slice stored inline.
pub const INLINE: usize = 2;

/// A slice of `u64` words, inline up to [`INLINE`] words, shared beyond.
#[derive(Debug, Clone)]
pub enum Words {
    /// `len <= INLINE` words, the rest of the array zero.
    Inline { len: u8, words: [u64; INLINE] },
    /// More than `INLINE` words, shared by clones.
    Shared(Arc<[u64]>),
}

impl Words {
    /// The slice `[f(0), .., f(len - 1)]`.
    pub fn from_fn(len: usize, f: impl Fn(usize) -> u64) -> Self {
        if len <= INLINE {
            let mut words = [0u64; INLINE];
            for (i, word) in words.iter_mut().enumerate().take(len) {
                *word = f(i);
            }
            Words::Inline {
                len: len as u8,
                words,
            }
        } else {
            Words::Shared((0..len).map(f).collect())
        }
    }
}

impl From<Vec<u64>> for Words {
    fn from(words: Vec<u64>) -> Self {
        if words.len() <= INLINE {
            Words::from_fn(words.len(), |i| words[i])
        } else {
            Words::Shared(words.into())
        }
    }
}

impl Deref for Words {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        match self {
            Words::Inline { len, words } => &words[..usize::from(*len)],
            Words::Shared(words) => words,
        }
    }
}

impl PartialEq for Words {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Words {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_shared_hold_the_same_slices() {
        for len in 0..6 {
            let vec: Vec<u64> = (0..len as u64).map(|i| i * 0x9e37_79b9 + 1).collect();
            let built = Words::from_fn(len, |i| vec[i]);
            let converted = Words::from(vec.clone());
            assert_eq!(&*built, vec.as_slice());
            assert_eq!(built, converted);
            assert_eq!(matches!(built, Words::Inline { .. }), len <= INLINE);
        }
    }
}
