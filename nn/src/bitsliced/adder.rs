//! Two-operand adders on w-bit two's-complement integers, modulo 2^w.
//!
//! `sum_i = a_i xor b_i xor c_i`, with carries `c_0 = carry_in` and
//! `c_{i+1} = maj(a_i, b_i, c_i) = ((a_i xor c_i) and (b_i xor c_i)) xor c_i` (one AND).
//!
//! - Ripple: the carries one after another, w - 1 ANDs, depth w - 1 (fewest ANDs).
//! - Sklansky: generate `g_i = a_i b_i`, propagate `p_i = a_i xor b_i`, then the parallel-prefix
//!   carries `G[0..i]` by the operator `(G, P) o (G', P') = (G xor P G', P P')` (G and P G' are
//!   never both 1, so xor is or) over ceil(log2(w - 1)) levels: depth 1 + ceil(log2(w - 1)).
//!
//! Known bits fold: a carry-in of 1 (subtraction), a zero operand (increment, negation) cost
//! no AND where the formula does not need one.

use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::integer::{same_width, BitInt};

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// Which carry-propagate adder a circuit ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdderKind {
    /// Ripple carry: w - 1 ANDs, depth w - 1.
    Ripple,
    /// Sklansky parallel prefix: about (w/2) log2 w + w ANDs, depth 1 + ceil(log2(w - 1)).
    Sklansky,
}

/// `a + b + carry_in mod 2^w` for equal widths.
pub fn add_with_carry<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    carry_in: &Bit<B::Bits>,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    same_width(a, b)?;
    let carries = match kind {
        AdderKind::Ripple => ripple_carries(backend, a.bits(), b.bits(), carry_in)?,
        AdderKind::Sklansky => sklansky_carries(backend, a.bits(), b.bits(), carry_in)?,
    };
    let mut sum = Vec::with_capacity(a.width());
    for ((x, y), c) in a.bits().iter().zip(b.bits()).zip(&carries) {
        sum.push(bit::xor(backend, &bit::xor(backend, x, y)?, c)?);
    }
    Ok(BitInt::from_nonempty(sum))
}

/// `a + b mod 2^w`.
pub fn add<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    add_with_carry(backend, a, b, &Bit::Const(false), kind)
}

/// `a - b mod 2^w` = `a + not(b) + 1`.
pub fn sub<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    b: &BitInt<B>,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    add_with_carry(backend, a, &b.not(backend)?, &Bit::Const(true), kind)
}

/// `-a mod 2^w` = `not(a) + 1` (the most negative value maps to itself).
pub fn negate<B: BitSimd>(backend: &B, a: &BitInt<B>, kind: AdderKind) -> Result<BitInt<B>, B> {
    let zero = BitInt::constant(0, a.width())?;
    add_with_carry(backend, &zero, &a.not(backend)?, &Bit::Const(true), kind)
}

/// `a + 1 mod 2^w`.
pub fn increment<B: BitSimd>(backend: &B, a: &BitInt<B>, kind: AdderKind) -> Result<BitInt<B>, B> {
    add_bit(backend, a, &Bit::Const(true), kind)
}

/// `a + c mod 2^w` for a single bit c (0 or 1 per slot): a chain of half adders.
pub fn add_bit<B: BitSimd>(
    backend: &B,
    a: &BitInt<B>,
    c: &Bit<B::Bits>,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    let zero = BitInt::constant(0, a.width())?;
    add_with_carry(backend, a, &zero, c, kind)
}

/// The carries `c_0 .. c_{w-1}` into every position, one majority after another.
fn ripple_carries<B: BitSimd>(
    backend: &B,
    a: &[Bit<B::Bits>],
    b: &[Bit<B::Bits>],
    carry_in: &Bit<B::Bits>,
) -> std::result::Result<Vec<Bit<B::Bits>>, B::Error> {
    let mut carries = Vec::with_capacity(a.len());
    carries.push(carry_in.clone());
    for i in 0..a.len().saturating_sub(1) {
        let next = bit::majority(backend, &a[i], &b[i], &carries[i])?;
        carries.push(next);
    }
    Ok(carries)
}

/// The carries `c_0 .. c_{w-1}` by Sklansky's parallel prefix over positions 0..w-2.
fn sklansky_carries<B: BitSimd>(
    backend: &B,
    a: &[Bit<B::Bits>],
    b: &[Bit<B::Bits>],
    carry_in: &Bit<B::Bits>,
) -> std::result::Result<Vec<Bit<B::Bits>>, B::Error> {
    let n = a.len().saturating_sub(1);
    if n == 0 {
        return Ok(vec![carry_in.clone()]);
    }
    let mut p = Vec::with_capacity(n);
    let mut pairs = Vec::with_capacity(n + 1);
    for i in 0..n {
        p.push(bit::xor(backend, &a[i], &b[i])?);
        pairs.push((a[i].clone(), b[i].clone()));
    }
    pairs.push((p[0].clone(), carry_in.clone()));
    let mut g = bit::and_many(backend, &pairs)?;
    let propagated_in = g.pop().expect("the carry-in term is the last product");
    g[0] = bit::xor(backend, &g[0], &propagated_in)?;
    prefix_sklansky(backend, &mut g, &mut p)?;
    let mut carries = Vec::with_capacity(n + 1);
    carries.push(carry_in.clone());
    carries.extend(g);
    Ok(carries)
}

/// In place: `g[i]` becomes the group generate of positions 0..=i (Sklansky). Group
/// propagates are computed only where a later level still needs them (groups not starting
/// at position 0).
pub(crate) fn prefix_sklansky<B: BitSimd>(
    backend: &B,
    g: &mut [Bit<B::Bits>],
    p: &mut [Bit<B::Bits>],
) -> std::result::Result<(), B::Error> {
    let n = g.len();
    let mut level = 0;
    while (1usize << level) < n {
        let mut pairs = Vec::new();
        let mut targets = Vec::new();
        for i in 0..n {
            if (i >> level) & 1 == 1 {
                let j = ((i >> level) << level) - 1;
                pairs.push((p[i].clone(), g[j].clone()));
                let needs_p = (i >> (level + 1)) != 0;
                if needs_p {
                    pairs.push((p[i].clone(), p[j].clone()));
                }
                targets.push((i, needs_p));
            }
        }
        let products = bit::and_many(backend, &pairs)?;
        let mut next = products.into_iter();
        for (i, needs_p) in targets {
            let pg = next.next().expect("one P*G product per target");
            g[i] = bit::xor(backend, &g[i], &pg)?;
            if needs_p {
                p[i] = next.next().expect("one P*P product per target needing P");
            }
        }
        level += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::testing::{decode, encode, random_values, wrap};
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const KINDS: [AdderKind; 2] = [AdderKind::Ripple, AdderKind::Sklansky];

    /// All pairs of w-bit values, one pair per slot.
    fn all_pairs(width: usize) -> (Vec<i64>, Vec<i64>) {
        let half = 1i64 << (width - 1);
        let range: Vec<i64> = (-half..half).collect();
        let xs = range
            .iter()
            .flat_map(|&x| range.iter().map(move |_| x))
            .collect();
        let ys = range.iter().flat_map(|_| range.iter().copied()).collect();
        (xs, ys)
    }

    #[test]
    fn add_sub_negate_increment_exhaustive_up_to_8_bits() {
        for width in 1..=8 {
            let (xs, ys) = all_pairs(width);
            let backend = PlainBackend::new(xs.len()).unwrap();
            let (a, b) = (encode(&backend, &xs, width), encode(&backend, &ys, width));
            for kind in KINDS {
                let check = |out: &BitInt<PlainBackend>, f: fn(i64, i64) -> i64| {
                    let expected: Vec<i64> = xs
                        .iter()
                        .zip(&ys)
                        .map(|(x, y)| wrap(f(*x, *y), width))
                        .collect();
                    assert_eq!(decode(&backend, out), expected, "width {width} {kind:?}");
                };
                check(&add(&backend, &a, &b, kind).unwrap(), |x, y| x + y);
                check(&sub(&backend, &a, &b, kind).unwrap(), |x, y| x - y);
                check(&negate(&backend, &a, kind).unwrap(), |x, _| -x);
                check(&increment(&backend, &a, kind).unwrap(), |x, _| x + 1);
            }
        }
    }

    #[test]
    fn add_sub_random_16_24_32_bits_with_overflow() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        for width in [16, 24, 32] {
            let slots = 500;
            let mut xs = random_values(&mut rng, slots, width);
            let ys = random_values(&mut rng, slots, width);
            let max = (1i64 << (width - 1)) - 1;
            xs[0] = max;
            xs[1] = -max - 1;
            let backend = PlainBackend::new(slots).unwrap();
            let (a, b) = (encode(&backend, &xs, width), encode(&backend, &ys, width));
            for kind in KINDS {
                let sum: Vec<i64> = xs
                    .iter()
                    .zip(&ys)
                    .map(|(x, y)| wrap(x + y, width))
                    .collect();
                let diff: Vec<i64> = xs
                    .iter()
                    .zip(&ys)
                    .map(|(x, y)| wrap(x - y, width))
                    .collect();
                assert_eq!(decode(&backend, &add(&backend, &a, &b, kind).unwrap()), sum);
                assert_eq!(
                    decode(&backend, &sub(&backend, &a, &b, kind).unwrap()),
                    diff
                );
            }
        }
    }

    #[test]
    fn adder_costs_match_formulas() {
        for width in [2usize, 8, 16, 32] {
            let backend = CountingBackend::new(1);
            let a = BitInt::<CountingBackend>::from_nonempty(
                (0..width).map(|_| Bit::Var(backend.input())).collect(),
            );
            let out = add(&backend, &a, &a, AdderKind::Ripple).unwrap();
            assert_eq!(backend.counts().and as usize, width - 1);
            assert_eq!(out.depth(&backend), width - 1);
            backend.reset();
            let out = add(&backend, &a, &a, AdderKind::Sklansky).unwrap();
            let levels = (usize::BITS - (width - 2).leading_zeros()) as usize;
            assert_eq!(out.depth(&backend), 1 + levels, "width {width}");
            assert_eq!(
                backend.counts().and,
                sklansky_ands(width - 1),
                "width {width}"
            );
        }
    }

    /// Independent count: n generates, then per level one AND for G and one for P where the
    /// group does not start at position 0.
    fn sklansky_ands(n: usize) -> u64 {
        let mut ands = n as u64;
        let mut level = 0;
        while (1usize << level) < n {
            for i in 0..n {
                if (i >> level) & 1 == 1 {
                    ands += 1 + u64::from((i >> (level + 1)) != 0);
                }
            }
            level += 1;
        }
        ands
    }
}
