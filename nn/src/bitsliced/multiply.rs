//! Signed multiplication of bit-sliced integers.
//!
//! - [`multiply`]: Baugh-Wooley. For an n-bit a and an m-bit b,
//!   `a b = sum_{i,j} s_ij a_i b_j 2^(i+j) + 2^(n-1) + 2^(m-1) - 2^(n+m-1)` where the
//!   product bits with exactly one sign index enter negated (`-x = (not x) - 1`). All n m
//!   partial products are one AND layer (depth 1); a Dadda tree and one adder follow.
//! - [`multiply_constant`]: by a public integer c, as the sum of shifted copies of a for the
//!   non-zero digits of c's non-adjacent form (digits -1, 0, 1, at most ceil((bits+1)/2)
//!   of them): no AND for the constant's bits, only the carry-save tree and the adder.
//!
//! Both results are exact in `n + m` (resp. enough) bits and wrap modulo 2^width otherwise.

use super::adder::AdderKind;
use super::backend::BitSimd;
use super::csa::Columns;
use super::error::BitslicedError;
use super::integer::BitInt;

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// `a * b mod 2^width` (exact when `width >= a.width() + b.width()`).
pub fn multiply<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    width: usize,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    let mut columns = Columns::new(width)?;
    columns.push_products(backend, &[(a, b)])?;
    columns.sum(backend, kind)
}

/// `a * c mod 2^width` for a public constant c replicated in every slot.
pub fn multiply_constant<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    c: i64,
    width: usize,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    let digits = non_adjacent_form(c);
    if let [(shift, 1)] = digits[..] {
        // a power of two: a shift of the sign-extended a, free
        return Ok(a.resize(width).shift_left(shift));
    }
    let mut columns = Columns::new(width)?;
    let not_a = a.not(backend)?;
    for (shift, digit) in digits {
        if digit > 0 {
            columns.push_int(backend, a, shift)?;
        } else {
            // -(a 2^s) = (not a) 2^s + 2^s
            columns.push_int(backend, &not_a, shift)?;
            columns.push_constant(1i128 << shift.min(127));
        }
    }
    columns.sum(backend, kind)
}

/// The non-zero digits (position, +-1) of the non-adjacent form of c:
/// `c = sum d_k 2^k`, `d_k in {-1, 0, 1}`, no two adjacent digits non-zero.
pub fn non_adjacent_form(c: i64) -> Vec<(usize, i8)> {
    let mut digits = Vec::new();
    let mut rest = i128::from(c);
    let mut position = 0;
    while rest != 0 {
        if rest & 1 == 1 {
            let digit: i8 = if rest.rem_euclid(4) == 1 { 1 } else { -1 };
            digits.push((position, digit));
            rest -= i128::from(digit);
        }
        rest >>= 1;
        position += 1;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::testing::{counted, decode, encode, random_values, wrap};
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn multiply_exhaustive_up_to_8_bits() {
        for (n, m) in [(1, 1), (1, 4), (3, 2), (4, 4), (5, 7), (6, 6), (8, 8)] {
            let (hn, hm) = (1i64 << (n - 1), 1i64 << (m - 1));
            let xs: Vec<i64> = (-hn..hn).flat_map(|x| (-hm..hm).map(move |_| x)).collect();
            let ys: Vec<i64> = (-hn..hn).flat_map(|_| -hm..hm).collect();
            let backend = PlainBackend::new(xs.len()).unwrap();
            let (a, b) = (encode(&backend, &xs, n), encode(&backend, &ys, m));
            for kind in [AdderKind::Ripple, AdderKind::Sklansky] {
                let exact: Vec<i64> = xs.iter().zip(&ys).map(|(x, y)| x * y).collect();
                let out = multiply(&backend, &a, &b, n + m, kind).unwrap();
                assert_eq!(decode(&backend, &out), exact, "{n}x{m} {kind:?}");
                let narrow = multiply(&backend, &a, &b, n.max(m), kind).unwrap();
                let wrapped: Vec<i64> = exact.iter().map(|p| wrap(*p, n.max(m))).collect();
                assert_eq!(decode(&backend, &narrow), wrapped, "{n}x{m} wrapped");
            }
        }
    }

    #[test]
    fn multiply_random_16_24_32_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(24);
        for (n, m) in [(8, 16), (16, 16), (24, 8), (32, 32)] {
            let mut xs = random_values(&mut rng, 300, n);
            let mut ys = random_values(&mut rng, 300, m);
            (xs[0], ys[0]) = (-(1 << (n - 1)), -(1 << (m - 1)));
            (xs[1], ys[1]) = ((1 << (n - 1)) - 1, -(1 << (m - 1)));
            let backend = PlainBackend::new(300).unwrap();
            let (a, b) = (encode(&backend, &xs, n), encode(&backend, &ys, m));
            let out = multiply(&backend, &a, &b, n + m, AdderKind::Sklansky).unwrap();
            let expected: Vec<i64> = xs.iter().zip(&ys).map(|(x, y)| x * y).collect();
            assert_eq!(decode(&backend, &out), expected, "{n}x{m}");
        }
    }

    #[test]
    fn multiply_constant_matches_native_and_uses_no_partial_product_and() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let xs = random_values(&mut rng, 100, 12);
        let backend = PlainBackend::new(100).unwrap();
        let a = encode(&backend, &xs, 12);
        for c in [0i64, 1, -1, 3, 7, -7, 100, -128, 255, 12345, -32768] {
            let out = multiply_constant(&backend, &a, c, 28, AdderKind::Ripple).unwrap();
            let expected: Vec<i64> = xs.iter().map(|x| x * c).collect();
            assert_eq!(decode(&backend, &out), expected, "c = {c}");
        }
        let counter = CountingBackend::new(1);
        let x = counted(&counter, 8);
        multiply_constant(&counter, &x, 4, 16, AdderKind::Ripple).unwrap();
        assert_eq!(counter.counts().and, 0, "times a power of two is free");
        multiply_constant(&counter, &x, 5, 16, AdderKind::Ripple).unwrap();
        let times_five = counter.counts().and;
        counter.reset();
        multiply(&counter, &x, &counted(&counter, 4), 16, AdderKind::Ripple).unwrap();
        assert!(
            times_five < counter.counts().and / 2,
            "{times_five} ANDs for x * 5"
        );
    }

    #[test]
    fn non_adjacent_form_reconstructs_and_is_sparse() {
        for c in -1000i64..1000 {
            let digits = non_adjacent_form(c);
            let value: i64 = digits.iter().map(|(k, d)| i64::from(*d) << k).sum();
            assert_eq!(value, c);
            assert!(digits.windows(2).all(|w| w[1].0 > w[0].0 + 1));
        }
    }
}
