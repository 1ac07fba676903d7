//! Fixed-point rescaling: division by 2^k with round-to-nearest, and saturation to a
//! narrower width.
//!
//! - `round_shift_right(a, k) = floor(a / 2^k + 1/2)`: ties round up (toward +infinity),
//!   e.g. 1.5 -> 2 and -1.5 -> -1. Computed as `(a >> k) + a_{k-1}` in `w - k + 1` bits, so
//!   the result is exact: a half-adder chain, w - k ANDs (ripple) or log depth (Sklansky).
//! - `saturate(a, v)`: the value clamped to `[-2^(v-1), 2^(v-1) - 1]`. The value overflows v
//!   bits exactly when some bit of positions v-1 .. w-2 differs from the sign s; then the
//!   result is `s` followed by v - 1 copies of `not s`. Cost: an AND tree of w - v
//!   agreements (w - v - 1 ANDs, depth ceil(log2(w - v))) and v multiplexers (one layer).

use super::adder::{add_bit, AdderKind};
use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::integer::BitInt;

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// `floor(a / 2^k + 1/2)` exactly, in `w - k + 1` bits; `k < w`.
pub fn round_shift_right<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    k: usize,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    if k == 0 {
        return Ok(a.resize(a.width() + 1));
    }
    let high = a.drop_low_bits(k)?;
    let half = a.bits()[k - 1].clone();
    add_bit(backend, &high.resize(high.width() + 1), &half, kind)
}

/// `a` clamped to the range of `width` signed bits, in `width` bits; `1 <= width <= w`.
pub fn saturate<B: BitSimd>(backend: &B, a: &BitInt<B>, width: usize) -> Result<BitInt<B>, B> {
    let w = a.width();
    if width == 0 || width > w {
        return Err(BitslicedError::InvalidWidth {
            width,
            reason: "saturation narrows to between 1 and w bits",
        });
    }
    if width == w {
        return Ok(a.clone());
    }
    let sign = a.sign().clone();
    let mut agree = Vec::with_capacity(w - width);
    for b in &a.bits()[width - 1..w - 1] {
        agree.push(bit::not(backend, &bit::xor(backend, b, &sign)?)?);
    }
    while agree.len() > 1 {
        let pairs: Vec<_> = agree
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect();
        let odd = (agree.len() % 2 == 1).then(|| agree[agree.len() - 1].clone());
        agree = bit::and_many(backend, &pairs)?;
        agree.extend(odd);
    }
    let fits = agree
        .pop()
        .expect("at least one bit above the target width");
    let overflow = bit::not(backend, &fits)?;
    let not_sign = bit::not(backend, &sign)?;
    let mut pairs = Vec::with_capacity(width);
    for (i, b) in a.bits()[..width].iter().enumerate() {
        let clamp: &Bit<B::Bits> = if i == width - 1 { &sign } else { &not_sign };
        pairs.push((overflow.clone(), bit::xor(backend, clamp, b)?));
    }
    let corrections = bit::and_many(backend, &pairs)?;
    let mut out = Vec::with_capacity(width);
    for (b, c) in a.bits()[..width].iter().zip(&corrections) {
        out.push(bit::xor(backend, b, c)?);
    }
    Ok(BitInt::from_nonempty(out))
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::testing::{counted, decode, encode};
    use super::*;

    #[test]
    fn round_shift_right_rounds_half_up_exhaustively() {
        let xs: Vec<i64> = (-512..512).collect();
        let backend = PlainBackend::new(xs.len()).unwrap();
        let a = encode(&backend, &xs, 10);
        for k in 0..9 {
            for kind in [AdderKind::Ripple, AdderKind::Sklansky] {
                let out = round_shift_right(&backend, &a, k, kind).unwrap();
                assert_eq!(out.width(), 11 - k);
                let expected: Vec<i64> = xs
                    .iter()
                    .map(|&x| (x as f64 / (1i64 << k) as f64 + 0.5).floor() as i64)
                    .collect();
                assert_eq!(decode(&backend, &out), expected, "k = {k}");
            }
        }
    }

    #[test]
    fn saturate_clamps_exhaustively() {
        let xs: Vec<i64> = (-512..512).collect();
        let backend = PlainBackend::new(xs.len()).unwrap();
        let a = encode(&backend, &xs, 10);
        for width in 1..=10 {
            let half = 1i64 << (width - 1);
            let out = saturate(&backend, &a, width).unwrap();
            let expected: Vec<i64> = xs.iter().map(|&x| x.clamp(-half, half - 1)).collect();
            assert_eq!(decode(&backend, &out), expected, "width {width}");
        }
        assert!(saturate(&backend, &a, 11).is_err());
    }

    #[test]
    fn saturate_cost_matches_formula() {
        let counter = CountingBackend::new(1);
        let a = counted(&counter, 24);
        let out = saturate(&counter, &a, 8).unwrap();
        assert_eq!(counter.counts().and, (24 - 8 - 1) + 8);
        assert_eq!(out.depth(&counter), 4 + 1);
    }
}
