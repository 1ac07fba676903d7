//! The bit-sliced integer: a w-bit two's-complement integer in every slot, stored as w bit
//! vectors, `bits[k]` holding bit k (LSB first) of every slot's value:
//! `value(slot) = -2^(w-1) bit_{w-1}(slot) + sum_{k < w-1} 2^k bit_k(slot)`.
//!
//! The operations here are free (no AND): sign extension, truncation, shifts by a public
//! amount, bitwise NOT, rotation over slots, masks. Arithmetic lives in the circuit modules.
//!
//! Invariant: a `BitInt` has at least one bit.

use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;

/// A w-bit two's-complement integer per slot, bit 0 first.
pub struct BitInt<B: BitSimd> {
    bits: Vec<Bit<B::Bits>>,
}

impl<B: BitSimd> Clone for BitInt<B> {
    fn clone(&self) -> Self {
        Self {
            bits: self.bits.clone(),
        }
    }
}

impl<B: BitSimd> std::fmt::Debug for BitInt<B>
where
    B::Bits: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BitInt").field("bits", &self.bits).finish()
    }
}

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

impl<B: BitSimd> BitInt<B> {
    /// The integer with the given bits (LSB first); at least one bit.
    pub fn from_bits(bits: Vec<Bit<B::Bits>>) -> Result<Self, B> {
        if bits.is_empty() {
            return Err(BitslicedError::InvalidWidth {
                width: 0,
                reason: "an integer needs at least one bit",
            });
        }
        Ok(Self { bits })
    }

    /// Internal constructor for circuits that produce a non-empty bit list by construction.
    pub(crate) fn from_nonempty(bits: Vec<Bit<B::Bits>>) -> Self {
        assert!(!bits.is_empty(), "a BitInt has at least one bit");
        Self { bits }
    }

    /// The same public constant `value` in every slot, in `width` bits (no backend call).
    pub fn constant(value: i64, width: usize) -> Result<Self, B> {
        check_fits(value, width)?;
        Ok(Self::from_nonempty(
            (0..width)
                .map(|k| Bit::Const((value >> k.min(63)) & 1 == 1))
                .collect(),
        ))
    }

    /// Encodes one value per slot with an encoder of bit vectors (`encrypt` for BGV,
    /// [`crate::bitsliced::PlainBackend::encode`] for plaintext). Each value must fit `width`.
    pub fn encode<E>(
        values: &[i64],
        width: usize,
        slots: usize,
        mut encode_bits: impl FnMut(&[bool]) -> std::result::Result<B::Bits, E>,
    ) -> std::result::Result<Self, BitslicedError<E>> {
        if values.len() != slots {
            return Err(BitslicedError::SlotCountMismatch {
                expected: slots,
                found: values.len(),
            });
        }
        if width == 0 || width > 64 {
            return Err(BitslicedError::InvalidWidth {
                width,
                reason: "encoding from i64 needs 1..=64 bits",
            });
        }
        if let Some(&value) = values.iter().find(|&&v| fits(v, width).is_none()) {
            return Err(BitslicedError::ValueOutOfRange { value, width });
        }
        let mut bits = Vec::with_capacity(width);
        for k in 0..width {
            let column: Vec<bool> = values.iter().map(|v| (v >> k) & 1 == 1).collect();
            bits.push(Bit::Var(encode_bits(&column)?));
        }
        Ok(Self { bits })
    }

    /// Decodes one signed value per slot with a decoder of bit vectors (at most 64 bits).
    pub fn decode<E>(
        &self,
        slots: usize,
        mut decode_bits: impl FnMut(&B::Bits) -> std::result::Result<Vec<bool>, E>,
    ) -> std::result::Result<Vec<i64>, BitslicedError<E>> {
        let width = self.width();
        if width > 64 {
            return Err(BitslicedError::InvalidWidth {
                width,
                reason: "decoding to i64 needs at most 64 bits",
            });
        }
        let mut values = vec![0u64; slots];
        for (k, b) in self.bits.iter().enumerate() {
            let column = match b {
                Bit::Const(c) => vec![*c; slots],
                Bit::Var(v) => decode_bits(v)?,
            };
            if column.len() != slots {
                return Err(BitslicedError::SlotCountMismatch {
                    expected: slots,
                    found: column.len(),
                });
            }
            for (value, bit) in values.iter_mut().zip(column) {
                *value |= u64::from(bit) << k;
            }
        }
        let shift = 64 - width as u32;
        Ok(values
            .into_iter()
            .map(|v| ((v << shift) as i64) >> shift)
            .collect())
    }

    /// One public value per slot (a plaintext mask per bit, no AND).
    pub fn public(backend: &B, values: &[i64], width: usize) -> Result<Self, B> {
        let zero = backend.constant(false)?;
        Self::encode(values, width, backend.slots(), |column| {
            backend.xor_public(&zero, &backend.public(column)?)
        })
    }

    /// Number of bits w.
    pub fn width(&self) -> usize {
        self.bits.len()
    }

    /// The bits, LSB first.
    pub fn bits(&self) -> &[Bit<B::Bits>] {
        &self.bits
    }

    /// Consumes the integer into its bits, LSB first.
    pub fn into_bits(self) -> Vec<Bit<B::Bits>> {
        self.bits
    }

    /// Bit `k`.
    pub fn bit(&self, k: usize) -> Option<&Bit<B::Bits>> {
        self.bits.get(k)
    }

    /// The sign bit (bit w-1).
    pub fn sign(&self) -> &Bit<B::Bits> {
        self.bits.last().expect("a BitInt has at least one bit")
    }

    /// Maximal AND-depth over the bits.
    pub fn depth(&self, backend: &B) -> usize {
        self.bits
            .iter()
            .map(|b| bit::depth(backend, b))
            .max()
            .unwrap_or(0)
    }

    /// Bit `k` of the sign extension to any width: bits above w repeat the sign.
    pub fn extended_bit(&self, k: usize) -> &Bit<B::Bits> {
        self.bits.get(k).unwrap_or_else(|| self.sign())
    }

    /// The same value in `width >= w` bits (copies of the sign bit, free).
    pub fn sign_extend(&self, width: usize) -> Result<Self, B> {
        if width < self.width() {
            return Err(BitslicedError::InvalidWidth {
                width,
                reason: "sign extension cannot narrow; use truncate or saturate",
            });
        }
        Ok(self.resize(width))
    }

    /// The value modulo 2^width, read as `width`-bit two's complement: sign-extends when
    /// `width > w`, keeps the low bits when narrower (wrapping, free).
    pub fn resize(&self, width: usize) -> Self {
        let width = width.max(1);
        Self::from_nonempty((0..width).map(|k| self.extended_bit(k).clone()).collect())
    }

    /// The low `width` bits (wrapping truncation), `1 <= width <= w`.
    pub fn truncate(&self, width: usize) -> Result<Self, B> {
        if width == 0 || width > self.width() {
            return Err(BitslicedError::InvalidWidth {
                width,
                reason: "truncation keeps between 1 and w bits",
            });
        }
        Ok(Self::from_nonempty(self.bits[..width].to_vec()))
    }

    /// `value * 2^k mod 2^w` (same width, zeros shifted in, free).
    pub fn shift_left(&self, k: usize) -> Self {
        let w = self.width();
        Self::from_nonempty(
            (0..w)
                .map(|i| {
                    if i < k {
                        Bit::Const(false)
                    } else {
                        self.bits[i - k].clone()
                    }
                })
                .collect(),
        )
    }

    /// `floor(value / 2^k)` (same width, sign shifted in, free).
    pub fn shift_right_arithmetic(&self, k: usize) -> Self {
        Self::from_nonempty(
            (0..self.width())
                .map(|i| self.extended_bit(i + k).clone())
                .collect(),
        )
    }

    /// `floor(value / 2^k)` in `w - k` bits (drops the k low bits, free); `k < w`.
    pub fn drop_low_bits(&self, k: usize) -> Result<Self, B> {
        if k >= self.width() {
            return Err(BitslicedError::InvalidWidth {
                width: self.width(),
                reason: "cannot drop all bits",
            });
        }
        Ok(Self::from_nonempty(self.bits[k..].to_vec()))
    }

    /// Bitwise NOT, i.e. `-value - 1` (free).
    pub fn not(&self, backend: &B) -> Result<Self, B> {
        Ok(Self::from_nonempty(
            self.bits
                .iter()
                .map(|b| bit::not(backend, b))
                .collect::<std::result::Result<_, _>>()?,
        ))
    }

    /// Rotation of every bit over the slot order: slot i receives slot `i - k` (mod slots).
    pub fn rotate(&self, backend: &B, k: i64) -> Result<Self, B> {
        Ok(Self::from_nonempty(
            self.bits
                .iter()
                .map(|b| bit::rotate(backend, b, k))
                .collect::<std::result::Result<_, _>>()?,
        ))
    }

    /// Every bit under the same slot permutation P_cycle^k ([`BitSimd::permute_slots`]).
    pub fn permute(&self, backend: &B, cycle: usize, k: usize) -> Result<Self, B> {
        Ok(Self::from_nonempty(
            self.bits
                .iter()
                .map(|b| bit::permute(backend, b, cycle, k))
                .collect::<std::result::Result<_, _>>()?,
        ))
    }

    /// Zeroes the slots where the public mask is 0 (a plaintext multiplication per bit).
    pub fn mask_slots(&self, backend: &B, mask: &B::Public) -> Result<Self, B> {
        Ok(Self::from_nonempty(
            self.bits
                .iter()
                .map(|b| bit::and_public(backend, b, mask))
                .collect::<std::result::Result<_, _>>()?,
        ))
    }
}

/// `Some(())` when `value` fits `width` signed bits.
fn fits(value: i64, width: usize) -> Option<()> {
    if width >= 64 {
        return Some(());
    }
    let half = 1i64 << (width - 1);
    (value >= -half && value < half).then_some(())
}

fn check_fits<E>(value: i64, width: usize) -> std::result::Result<(), BitslicedError<E>> {
    if width == 0 {
        return Err(BitslicedError::InvalidWidth {
            width,
            reason: "an integer needs at least one bit",
        });
    }
    fits(value, width).ok_or(BitslicedError::ValueOutOfRange { value, width })
}

/// Multiplexer over integers: in every slot, `if s then x else y` (w ANDs, depth +1).
pub fn select<B: BitSimd>(
    backend: &B,
    s: &Bit<B::Bits>,
    x: &BitInt<B>,
    y: &BitInt<B>,
) -> Result<BitInt<B>, B> {
    same_width(x, y)?;
    let diffs = x
        .bits()
        .iter()
        .zip(y.bits())
        .map(|(a, b)| Ok((s.clone(), bit::xor(backend, a, b)?)))
        .collect::<std::result::Result<Vec<_>, B::Error>>()?;
    let picked = bit::and_many(backend, &diffs)?;
    Ok(BitInt::from_nonempty(
        y.bits()
            .iter()
            .zip(&picked)
            .map(|(b, p)| bit::xor(backend, b, p))
            .collect::<std::result::Result<_, _>>()?,
    ))
}

/// Errors unless both integers have the same width.
pub fn same_width<B: BitSimd>(x: &BitInt<B>, y: &BitInt<B>) -> Result<usize, B> {
    if x.width() != y.width() {
        return Err(BitslicedError::WidthMismatch {
            left: x.width(),
            right: y.width(),
        });
    }
    Ok(x.width())
}

#[cfg(test)]
mod tests {
    use super::super::plain::PlainBackend;
    use super::*;

    fn encode(backend: &PlainBackend, values: &[i64], width: usize) -> BitInt<PlainBackend> {
        BitInt::encode(values, width, backend.slots(), |b| backend.encode(b)).unwrap()
    }

    fn decode(backend: &PlainBackend, x: &BitInt<PlainBackend>) -> Vec<i64> {
        x.decode(backend.slots(), |b| {
            Ok::<_, std::convert::Infallible>(backend.decode(b))
        })
        .unwrap()
    }

    #[test]
    fn encode_decode_round_trips_and_rejects_out_of_range() {
        let backend = PlainBackend::new(5).unwrap();
        let values = [-128, -1, 0, 1, 127];
        assert_eq!(decode(&backend, &encode(&backend, &values, 8)), values);
        let err = BitInt::<PlainBackend>::encode(&[128, 0, 0, 0, 0], 8, 5, |b| backend.encode(b));
        assert!(matches!(
            err,
            Err(BitslicedError::ValueOutOfRange {
                value: 128,
                width: 8
            })
        ));
    }

    #[test]
    fn free_operations_match_native_shifts() {
        let backend = PlainBackend::new(6).unwrap();
        let values = [-100, -7, -1, 0, 5, 99];
        let x = encode(&backend, &values, 8);
        let native = |f: fn(i64) -> i64| values.map(f).to_vec();
        assert_eq!(
            decode(&backend, &x.shift_right_arithmetic(2)),
            native(|v| v >> 2)
        );
        assert_eq!(
            decode(&backend, &x.shift_left(1)),
            native(|v| ((v << 1) as i8) as i64)
        );
        assert_eq!(decode(&backend, &x.sign_extend(12).unwrap()), values);
        assert_eq!(
            decode(&backend, &x.truncate(4).unwrap()),
            native(|v| (v << 60) >> 60)
        );
        assert_eq!(decode(&backend, &x.not(&backend).unwrap()), native(|v| !v));
        let public = BitInt::public(&backend, &values, 8).unwrap();
        assert_eq!(decode(&backend, &public), values);
    }

    #[test]
    fn select_picks_per_slot() {
        let backend = PlainBackend::new(4).unwrap();
        let x = encode(&backend, &[1, 2, 3, 4], 4);
        let y = encode(&backend, &[-1, -2, -3, -4], 4);
        let s = Bit::Var(backend.encode(&[true, false, true, false]).unwrap());
        let out = select(&backend, &s, &x, &y).unwrap();
        assert_eq!(decode(&backend, &out), vec![1, -2, 3, -4]);
    }
}
