//! The plaintext backend: a vector of `slots` bits stored in u64 words (slot `i` is bit
//! `i mod 64` of word `i / 64`), with the AND-depth tracked per vector so that plaintext runs
//! report the same depth an encrypted run consumes.
//!
//! Invariant: the bits of the last word above `slots` are zero.

use super::backend::BitSimd;
use super::slot_cycles::{orders_or_one_cycle, SlotCycles};
use super::words::Words;
use thiserror::Error;

/// Errors of the plaintext backend.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PlainError {
    /// An operand or a public vector does not have the backend's slot count.
    #[error("slot count mismatch: backend has {expected} slots, operand has {found}")]
    SlotCountMismatch {
        /// The backend's slot count.
        expected: usize,
        /// The operand's slot count.
        found: usize,
    },
    /// A slot permutation of a cycle the backend does not have.
    #[error("slot cycle {cycle} of {cycles}")]
    NoSuchCycle {
        /// The cycle asked for.
        cycle: usize,
        /// The backend's cycles.
        cycles: usize,
    },
    /// A backend needs at least one slot.
    #[error("a backend needs at least one slot")]
    NoSlots,
}

/// Plaintext bit vector with its AND-depth. Circuits clone bits freely (carry-save columns,
/// partial-product pairs): short vectors are inline, long ones shared ([`Words`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainBits {
    words: Words,
    depth: u32,
}

impl PlainBits {
    /// Bit of slot `i` (false outside the vector).
    pub fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|word| (word >> (i % 64)) & 1 == 1)
    }

    /// The words (slot `i` is bit `i mod 64` of word `i / 64`).
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

/// Public mask of the plaintext backend: the same word layout, no depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainMask {
    words: Box<[u64]>,
}

/// The plaintext backend for `slots` slots (60 for `toy`, 1800 for `paper`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainBackend {
    slots: usize,
    words: usize,
    last_mask: u64,
    /// Slot cycles of `permute_slots` (empty: the one cycle of rotations).
    cycles: Vec<usize>,
}

impl PlainBackend {
    /// A backend of `slots >= 1` slots.
    pub fn new(slots: usize) -> Result<Self, PlainError> {
        if slots == 0 {
            return Err(PlainError::NoSlots);
        }
        let words = slots.div_ceil(64);
        let used = slots - 64 * (words - 1);
        let last_mask = if used == 64 {
            u64::MAX
        } else {
            (1 << used) - 1
        };
        Ok(Self {
            slots,
            words,
            last_mask,
            cycles: Vec::new(),
        })
    }

    /// A backend of `cycles.slots()` slots whose slot permutations model a hypercube (the
    /// encrypted backend's): slot i has mixed-radix coordinates (i_1, .., i_r) over the
    /// orders, the last fastest, and P_j^k moves the content at coordinate i_j to
    /// i_j - k mod n_j (slot u receives from coordinate u_j + k).
    pub fn with_cycles(cycles: &SlotCycles) -> Result<Self, PlainError> {
        Ok(Self {
            cycles: cycles.orders().to_vec(),
            ..Self::new(cycles.slots())?
        })
    }

    /// Packs `bits` (one per slot) into a fresh vector of depth 0.
    pub fn encode(&self, bits: &[bool]) -> Result<PlainBits, PlainError> {
        Ok(PlainBits {
            words: self.pack(bits)?.into(),
            depth: 0,
        })
    }

    /// One bool per slot.
    pub fn decode(&self, bits: &PlainBits) -> Vec<bool> {
        (0..self.slots).map(|i| bits.get(i)).collect()
    }

    fn pack(&self, bits: &[bool]) -> Result<Vec<u64>, PlainError> {
        if bits.len() != self.slots {
            return Err(PlainError::SlotCountMismatch {
                expected: self.slots,
                found: bits.len(),
            });
        }
        let mut words = vec![0u64; self.words];
        for (i, &bit) in bits.iter().enumerate() {
            words[i / 64] |= u64::from(bit) << (i % 64);
        }
        Ok(words)
    }

    fn check(&self, words: &[u64]) -> Result<(), PlainError> {
        if words.len() != self.words {
            return Err(PlainError::SlotCountMismatch {
                expected: self.slots,
                found: 64 * words.len(),
            });
        }
        Ok(())
    }

    fn zip(
        &self,
        a: &[u64],
        b: &[u64],
        depth: u32,
        op: impl Fn(u64, u64) -> u64,
    ) -> Result<PlainBits, PlainError> {
        self.check(a)?;
        self.check(b)?;
        Ok(PlainBits {
            words: Words::from_fn(a.len(), |i| op(a[i], b[i])),
            depth,
        })
    }
}

impl BitSimd for PlainBackend {
    type Bits = PlainBits;
    type Public = PlainMask;
    type Error = PlainError;

    fn slots(&self) -> usize {
        self.slots
    }

    fn constant(&self, bit: bool) -> Result<PlainBits, PlainError> {
        let mut words = vec![if bit { u64::MAX } else { 0 }; self.words];
        if let Some(last) = words.last_mut() {
            *last &= self.last_mask;
        }
        Ok(PlainBits {
            words: words.into(),
            depth: 0,
        })
    }

    fn public(&self, bits: &[bool]) -> Result<PlainMask, PlainError> {
        Ok(PlainMask {
            words: self.pack(bits)?.into_boxed_slice(),
        })
    }

    fn xor(&self, a: &PlainBits, b: &PlainBits) -> Result<PlainBits, PlainError> {
        self.zip(&a.words, &b.words, a.depth.max(b.depth), |x, y| x ^ y)
    }

    fn not(&self, a: &PlainBits) -> Result<PlainBits, PlainError> {
        self.check(&a.words)?;
        let last = a.words.len() - 1;
        let words = Words::from_fn(a.words.len(), |i| {
            let word = !a.words[i];
            if i == last {
                word & self.last_mask
            } else {
                word
            }
        });
        Ok(PlainBits {
            words,
            depth: a.depth,
        })
    }

    fn and(&self, a: &PlainBits, b: &PlainBits) -> Result<PlainBits, PlainError> {
        self.zip(&a.words, &b.words, a.depth.max(b.depth) + 1, |x, y| x & y)
    }

    fn xor_public(&self, a: &PlainBits, mask: &PlainMask) -> Result<PlainBits, PlainError> {
        self.zip(&a.words, &mask.words, a.depth, |x, y| x ^ y)
    }

    fn and_public(&self, a: &PlainBits, mask: &PlainMask) -> Result<PlainBits, PlainError> {
        self.zip(&a.words, &mask.words, a.depth, |x, y| x & y)
    }

    /// `out[i] = a[(i - k) mod slots]`: a right rotation by `k`, slot by slot (rotations are
    /// rare in the circuits: only the total sum uses them).
    fn rotate(&self, a: &PlainBits, k: i64) -> Result<PlainBits, PlainError> {
        self.check(&a.words)?;
        let n = self.slots;
        let shift = k.rem_euclid(n as i64) as usize;
        // out[j] = a[j - shift] for j >= shift (a shifted up), a[j - shift + n] below (a
        // shifted down by n - shift); bits at n and above are cleared.
        let mut words = vec![0u64; self.words];
        or_shifted_up(&a.words, shift, &mut words);
        if shift > 0 {
            or_shifted_down(&a.words, n - shift, &mut words);
        }
        if !n.is_multiple_of(64) {
            if let Some(top) = words.last_mut() {
                *top &= (1u64 << (n % 64)) - 1;
            }
        }
        Ok(PlainBits {
            words: words.into(),
            depth: a.depth,
        })
    }

    fn slot_cycles(&self) -> Vec<usize> {
        orders_or_one_cycle(&self.cycles, self.slots)
    }

    /// `out[u] = a[u with coordinate u_j + k mod n_j]` ([`Self::with_cycles`]); the one
    /// cycle's is the rotation.
    fn permute_slots(
        &self,
        a: &PlainBits,
        cycle: usize,
        k: usize,
    ) -> Result<PlainBits, PlainError> {
        if self.cycles.is_empty() {
            return self.rotate(a, k as i64);
        }
        self.check(&a.words)?;
        let n = *self.cycles.get(cycle).ok_or(PlainError::NoSuchCycle {
            cycle,
            cycles: self.cycles.len(),
        })?;
        let stride: usize = self.cycles[cycle + 1..].iter().product();
        let bits: Vec<bool> = (0..self.slots)
            .map(|u| {
                let coordinate = (u / stride) % n;
                let moved = (coordinate + k) % n;
                a.get(u - coordinate * stride + moved * stride)
            })
            .collect();
        Ok(PlainBits {
            words: self.pack(&bits)?.into(),
            depth: a.depth,
        })
    }

    fn depth(&self, a: &PlainBits) -> usize {
        a.depth as usize
    }
}

/// dst |= src with every bit moved from position i to i + s (bits past dst's end dropped).
fn or_shifted_up(src: &[u64], s: usize, dst: &mut [u64]) {
    let (word_shift, bit_shift) = (s / 64, s % 64);
    for (i, d) in dst.iter_mut().enumerate().skip(word_shift) {
        let j = i - word_shift;
        let mut v = src[j] << bit_shift;
        if bit_shift > 0 && j > 0 {
            v |= src[j - 1] >> (64 - bit_shift);
        }
        *d |= v;
    }
}

/// dst |= src with every bit moved from position i to i - s (bits below 0 dropped).
fn or_shifted_down(src: &[u64], s: usize, dst: &mut [u64]) {
    let (word_shift, bit_shift) = (s / 64, s % 64);
    for (i, d) in dst.iter_mut().enumerate() {
        let j = i + word_shift;
        if j >= src.len() {
            break;
        }
        let mut v = src[j] >> bit_shift;
        if bit_shift > 0 && j + 1 < src.len() {
            v |= src[j + 1] << (64 - bit_shift);
        }
        *d |= v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random_bits(rng: &mut ChaCha8Rng, n: usize) -> Vec<bool> {
        (0..n).map(|_| rng.gen()).collect()
    }

    #[test]
    fn rotation_matches_naive_slot_model() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for slots in [1, 7, 60, 64, 65, 128, 1800] {
            let backend = PlainBackend::new(slots).unwrap();
            let bits = random_bits(&mut rng, slots);
            let encoded = backend.encode(&bits).unwrap();
            for k in [0i64, 1, -1, 5, 63, 64, -65, 1799, 3601] {
                let rotated = backend.decode(&backend.rotate(&encoded, k).unwrap());
                let n = slots as i64;
                let expected: Vec<bool> = (0..n)
                    .map(|i| bits[(i - k).rem_euclid(n) as usize])
                    .collect();
                assert_eq!(rotated, expected, "slots {slots}, k {k}");
            }
        }
    }

    #[test]
    fn gates_match_bool_model_and_track_depth() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let backend = PlainBackend::new(100).unwrap();
        let x = random_bits(&mut rng, 100);
        let y = random_bits(&mut rng, 100);
        let (a, b) = (backend.encode(&x).unwrap(), backend.encode(&y).unwrap());
        let and = backend.and(&a, &b).unwrap();
        let model = |f: fn(bool, bool) -> bool| -> Vec<bool> {
            x.iter().zip(&y).map(|(p, q)| f(*p, *q)).collect()
        };
        assert_eq!(backend.decode(&and), model(|p, q| p & q));
        assert_eq!(backend.depth(&and), 1);
        let xor = backend.xor(&and, &b).unwrap();
        assert_eq!(backend.decode(&xor), model(|p, q| (p & q) ^ q));
        assert_eq!(backend.depth(&xor), 1);
        let not = backend.not(&a).unwrap();
        assert_eq!(backend.decode(&not), model(|p, _| !p));
        let mask = backend.public(&y).unwrap();
        let masked = backend.and_public(&a, &mask).unwrap();
        assert_eq!(backend.decode(&masked), model(|p, q| p & q));
        assert_eq!(backend.depth(&masked), 0);
        let one = backend.constant(true).unwrap();
        assert_eq!(backend.decode(&one), vec![true; 100]);
    }

    #[test]
    fn wrong_slot_count_is_an_error() {
        let backend = PlainBackend::new(60).unwrap();
        assert_eq!(
            backend.encode(&[true; 61]),
            Err(PlainError::SlotCountMismatch {
                expected: 60,
                found: 61
            })
        );
        let other = PlainBackend::new(200).unwrap();
        let far = other.constant(true).unwrap();
        assert!(backend.xor(&far, &far).is_err());
        assert_eq!(PlainBackend::new(0), Err(PlainError::NoSlots));
    }
}
