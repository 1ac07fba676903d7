//! The boolean SIMD backend: one value of `Bits` is a vector of `slots()` bits, and every
//! circuit of this module is written once over the [`BitSimd`] trait.
//!
//! Cost model (BGV with plaintext modulus 2, docs/ARCHITECTURE.md section 4):
//! - `xor`, `not`, `xor_public`, `rotate` cost no multiplicative depth (an addition, an added
//!   constant, an added plaintext, an automorphism plus key switching);
//! - `and` is one ciphertext multiplication: the depth of the result is
//!   `max(depth(a), depth(b)) + 1`;
//! - `and_public` multiplies by a plaintext: it consumes noise budget but, as in HElib's
//!   accounting, no level of AND-depth (the result keeps the operand's depth).
//!
//! Slot order and rotation (HElib `EncryptedArray::rotate` semantics, a right rotation):
//! `rotate(a, k)[i] = a[(i - k) mod slots]` for every slot `i`, for any signed `k`. Sums over
//! all slots use the backend's cheapest slot permutations instead (`permute_slots`, module
//! `slot_cycles`), which need not follow the slot order.
//!
//! Every operation is fallible: an encrypted backend can exhaust its noise budget or miss a
//! rotation key, and a caller may mix vectors of different slot counts.

/// A backend of SIMD bit vectors: plaintext words, an operation counter, or BGV ciphertexts.
///
/// Invariant every implementation keeps: a `Bits` value produced by a backend has exactly
/// `slots()` slots, and `depth` never decreases along an operation.
pub trait BitSimd: Send + Sync {
    /// One vector of `slots()` bits (a ciphertext for an encrypted backend).
    type Bits: Clone + Send + Sync;
    /// A public (plaintext) vector of `slots()` bits, encoded once and reused as a mask.
    type Public: Clone + Send + Sync;
    /// What can go wrong: noise budget, missing keys, slot count mismatches.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of slots `l` in every vector.
    fn slots(&self) -> usize;

    /// The vector with `bit` in every slot (a noiseless trivial encryption for BGV).
    fn constant(&self, bit: bool) -> Result<Self::Bits, Self::Error>;

    /// Encodes a public vector; `bits.len()` must equal `slots()`.
    fn public(&self, bits: &[bool]) -> Result<Self::Public, Self::Error>;

    /// Slot-wise `a xor b` (free: one addition mod 2).
    fn xor(&self, a: &Self::Bits, b: &Self::Bits) -> Result<Self::Bits, Self::Error>;

    /// Slot-wise `not a` (free: adds the constant 1).
    fn not(&self, a: &Self::Bits) -> Result<Self::Bits, Self::Error>;

    /// Slot-wise `a and b`: one multiplication, depth `max(depth(a), depth(b)) + 1`.
    fn and(&self, a: &Self::Bits, b: &Self::Bits) -> Result<Self::Bits, Self::Error>;

    /// The independent ANDs of one circuit layer, `out[i] = and(pairs[i].0, pairs[i].1)`.
    /// An encrypted backend overrides this to run the multiplications in parallel.
    fn and_many(
        &self,
        pairs: &[(&Self::Bits, &Self::Bits)],
    ) -> Result<Vec<Self::Bits>, Self::Error> {
        pairs.iter().map(|(a, b)| self.and(a, b)).collect()
    }

    /// Slot-wise `a xor mask` with a public mask (no depth).
    fn xor_public(&self, a: &Self::Bits, mask: &Self::Public) -> Result<Self::Bits, Self::Error>;

    /// Slot-wise `a and mask` with a public mask (a plaintext multiplication: no AND-depth).
    fn and_public(&self, a: &Self::Bits, mask: &Self::Public) -> Result<Self::Bits, Self::Error>;

    /// Full rotation over the slot order: `out[i] = a[(i - k) mod slots]` (HElib semantics).
    fn rotate(&self, a: &Self::Bits, k: i64) -> Result<Self::Bits, Self::Error>;

    /// The orders of the slot cycles [`Self::permute_slots`] offers (their product is
    /// `slots()`; see [`SlotCycles`]). Default: one cycle, the rotation.
    ///
    /// [`SlotCycles`]: super::slot_cycles::SlotCycles
    fn slot_cycles(&self) -> Vec<usize> {
        vec![self.slots()]
    }

    /// `a` under P_cycle^k, 0 <= k < n_cycle: a permutation of the slots (no depth) such that
    /// the nested sums over every cycle's powers reach every slot once (module
    /// `slot_cycles`). Which slot goes where is the backend's: only sums over all slots may
    /// use it. Default (the one cycle of [`Self::slot_cycles`]'s default): `rotate(a, k)`.
    fn permute_slots(
        &self,
        a: &Self::Bits,
        cycle: usize,
        k: usize,
    ) -> Result<Self::Bits, Self::Error> {
        let _ = cycle;
        self.rotate(a, k as i64)
    }

    /// Multiplicative (AND) depth of `a`: 0 for fresh or constant vectors.
    fn depth(&self, a: &Self::Bits) -> usize;

    /// A fresh encryption of the same bits (recryption) where the backend has one, depth 0;
    /// the others return `a` unchanged. Circuits call it where a new segment of depth begins
    /// (the trainer: on each layer's activations, slopes and deltas).
    fn refresh(&self, a: &Self::Bits) -> Result<Self::Bits, Self::Error> {
        Ok(a.clone())
    }
}
