//! Comparison of w-bit two's-complement integers, and max/min through the multiplexer.
//!
//! Signed `a < b` is unsigned `a' < b'` for `a' = a xor 2^(w-1)` (the sign bits flipped,
//! free), and unsigned `a' < b'` holds exactly when `a' + not(b') + 1` has no carry out of
//! bit w-1. The carry out is the majority chain (ripple: w ANDs, depth w) or a balanced tree
//! of the prefix operator `(G, P) o (G', P') = (G xor P G', P P')` over the generate/propagate
//! pairs (w generates plus 2 ANDs per tree node but one, about 3w; depth
//! 1 + ceil(log2 w)).
//! Equality is an AND tree of `not(a_i xor b_i)`: w - 1 ANDs, depth ceil(log2 w).

use super::adder::AdderKind;
use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::integer::{same_width, select, BitInt};

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// Signed `a < b` in every slot.
pub fn less_than<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    kind: AdderKind,
) -> Result<Bit<B::Bits>, B> {
    let w = same_width(a, b)?;
    let mut x = a.bits().to_vec();
    let mut y = Vec::with_capacity(w);
    for (i, bi) in b.bits().iter().enumerate() {
        // not(b') = not(b) with the sign bit flipped back: b itself at the top
        y.push(if i == w - 1 {
            bi.clone()
        } else {
            bit::not(backend, bi)?
        });
    }
    x[w - 1] = bit::not(backend, &x[w - 1])?;
    let carry = carry_out(backend, &x, &y, &Bit::Const(true), kind)?;
    Ok(bit::not(backend, &carry)?)
}

/// Signed `a <= b` = `not (b < a)`.
pub fn less_equal<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    kind: AdderKind,
) -> Result<Bit<B::Bits>, B> {
    Ok(bit::not(backend, &less_than(backend, b, a, kind)?)?)
}

/// `a == b` in every slot.
pub fn equal<B: BitSimd>(backend: &B, a: &BitInt<B>, b: &BitInt<B>) -> Result<Bit<B::Bits>, B> {
    same_width(a, b)?;
    let mut layer = Vec::with_capacity(a.width());
    for (x, y) in a.bits().iter().zip(b.bits()) {
        layer.push(bit::not(backend, &bit::xor(backend, x, y)?)?);
    }
    while layer.len() > 1 {
        let pairs: Vec<_> = layer
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect();
        let odd = (layer.len() % 2 == 1).then(|| layer[layer.len() - 1].clone());
        layer = bit::and_many(backend, &pairs)?;
        layer.extend(odd);
    }
    Ok(layer.pop().expect("an integer has at least one bit"))
}

/// Signed maximum: `if a < b then b else a`.
pub fn max<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    select(backend, &less_than(backend, a, b, kind)?, b, a)
}

/// Signed minimum: `if a < b then a else b`.
pub fn min<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    select(backend, &less_than(backend, a, b, kind)?, a, b)
}

/// Carry out of bit w-1 of `x + y + carry_in`.
fn carry_out<B: BitSimd>(
    backend: &B,
    x: &[Bit<B::Bits>],
    y: &[Bit<B::Bits>],
    carry_in: &Bit<B::Bits>,
    kind: AdderKind,
) -> std::result::Result<Bit<B::Bits>, B::Error> {
    match kind {
        AdderKind::Ripple => {
            let mut carry = carry_in.clone();
            for (a, b) in x.iter().zip(y) {
                carry = bit::majority(backend, a, b, &carry)?;
            }
            Ok(carry)
        }
        AdderKind::Sklansky => carry_out_tree(backend, x, y, carry_in),
    }
}

/// Carry out by a balanced tree of the prefix operator; segment 0 (which contains the
/// carry-in) never needs its propagate.
fn carry_out_tree<B: BitSimd>(
    backend: &B,
    x: &[Bit<B::Bits>],
    y: &[Bit<B::Bits>],
    carry_in: &Bit<B::Bits>,
) -> std::result::Result<Bit<B::Bits>, B::Error> {
    let mut p = Vec::with_capacity(x.len());
    let mut pairs = Vec::with_capacity(x.len() + 1);
    for (a, b) in x.iter().zip(y) {
        p.push(bit::xor(backend, a, b)?);
        pairs.push((a.clone(), b.clone()));
    }
    pairs.push((p[0].clone(), carry_in.clone()));
    let mut g = bit::and_many(backend, &pairs)?;
    let propagated_in = g.pop().expect("the carry-in term is the last product");
    g[0] = bit::xor(backend, &g[0], &propagated_in)?;
    while g.len() > 1 {
        let mut products = Vec::new();
        for i in (0..g.len() - 1).step_by(2) {
            products.push((p[i + 1].clone(), g[i].clone()));
            if i > 0 {
                products.push((p[i + 1].clone(), p[i].clone()));
            }
        }
        let mut results = bit::and_many(backend, &products)?.into_iter();
        let (mut next_g, mut next_p) = (Vec::new(), Vec::new());
        for i in (0..g.len() - 1).step_by(2) {
            let pg = results.next().expect("one P*G product per pair");
            next_g.push(bit::xor(backend, &g[i + 1], &pg)?);
            next_p.push(if i > 0 {
                results
                    .next()
                    .expect("one P*P product per pair above segment 0")
            } else {
                Bit::Const(false)
            });
        }
        if g.len() % 2 == 1 {
            next_g.push(g[g.len() - 1].clone());
            next_p.push(p[p.len() - 1].clone());
        }
        (g, p) = (next_g, next_p);
    }
    Ok(g.pop().expect("the tree ends with one segment"))
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::testing::{counted, decode, encode, random_values};
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn decode_bit(backend: &PlainBackend, b: &Bit<super::super::plain::PlainBits>) -> Vec<bool> {
        match b {
            Bit::Const(c) => vec![*c; backend.slots()],
            Bit::Var(v) => backend.decode(v),
        }
    }

    fn check(backend: &PlainBackend, xs: &[i64], ys: &[i64], width: usize) {
        let (a, b) = (encode(backend, xs, width), encode(backend, ys, width));
        for kind in [AdderKind::Ripple, AdderKind::Sklansky] {
            let native = |f: fn(i64, i64) -> bool| -> Vec<bool> {
                xs.iter().zip(ys).map(|(x, y)| f(*x, *y)).collect()
            };
            let lt = less_than(backend, &a, &b, kind).unwrap();
            assert_eq!(
                decode_bit(backend, &lt),
                native(|x, y| x < y),
                "{width} {kind:?}"
            );
            let le = less_equal(backend, &a, &b, kind).unwrap();
            assert_eq!(decode_bit(backend, &le), native(|x, y| x <= y));
            let eq = equal(backend, &a, &b).unwrap();
            assert_eq!(decode_bit(backend, &eq), native(|x, y| x == y));
            let hi = max(backend, &a, &b, kind).unwrap();
            let lo = min(backend, &a, &b, kind).unwrap();
            let zip = |f: fn(i64, i64) -> i64| -> Vec<i64> {
                xs.iter().zip(ys).map(|(x, y)| f(*x, *y)).collect()
            };
            assert_eq!(decode(backend, &hi), zip(|x, y| x.max(y)));
            assert_eq!(decode(backend, &lo), zip(|x, y| x.min(y)));
        }
    }

    #[test]
    fn comparisons_exhaustive_up_to_8_bits() {
        for width in 1..=8 {
            let half = 1i64 << (width - 1);
            let xs: Vec<i64> = (-half..half)
                .flat_map(|x| (-half..half).map(move |_| x))
                .collect();
            let ys: Vec<i64> = (-half..half).flat_map(|_| -half..half).collect();
            check(&PlainBackend::new(xs.len()).unwrap(), &xs, &ys, width);
        }
    }

    #[test]
    fn comparisons_random_16_24_32_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(32);
        for width in [16, 24, 32] {
            let mut xs = random_values(&mut rng, 400, width);
            let mut ys = random_values(&mut rng, 400, width);
            let half = 1i64 << (width - 1);
            (xs[0], ys[0]) = (-half, half - 1);
            (xs[1], ys[1]) = (half - 1, -half);
            (xs[2], ys[2]) = (5, 5);
            check(&PlainBackend::new(400).unwrap(), &xs, &ys, width);
        }
    }

    /// w generates, then per tree level 2 ANDs per pair of segments less one for segment 0.
    fn tree_ands(w: usize) -> usize {
        let (mut ands, mut segments) = (w, w);
        while segments > 1 {
            let pairs = segments / 2;
            ands += 2 * pairs - 1;
            segments -= pairs;
        }
        ands
    }

    #[test]
    fn comparison_costs_match_formulas() {
        for w in [2usize, 8, 16, 32] {
            let counter = CountingBackend::new(1);
            let (a, b) = (counted(&counter, w), counted(&counter, w));
            let lt = less_than(&counter, &a, &b, AdderKind::Ripple).unwrap();
            assert_eq!(counter.counts().and as usize, w);
            assert_eq!(bit::depth(&counter, &lt), w);
            counter.reset();
            let lt = less_than(&counter, &a, &b, AdderKind::Sklansky).unwrap();
            let log = (usize::BITS - (w - 1).leading_zeros()) as usize;
            assert_eq!(bit::depth(&counter, &lt), 1 + log, "w = {w}");
            assert_eq!(counter.counts().and as usize, tree_ands(w), "w = {w}");
            counter.reset();
            let eq = equal(&counter, &a, &b).unwrap();
            assert_eq!(counter.counts().and as usize, w - 1);
            assert_eq!(bit::depth(&counter, &eq), log);
        }
    }
}
