//! Carry-save (3-to-2) reduction of a weighted bit matrix, Dadda's schedule.
//!
//! A [`Columns`] value is a multiset of bits with weights: `value = sum_k 2^k sum(column k)
//! mod 2^W`. A full adder turns three bits of weight 2^k into `a xor b xor c` (weight 2^k)
//! and `maj(a, b, c)` (weight 2^(k+1), one AND); a half adder turns two bits into `a xor b`
//! and `a and b`. Dadda's stages reduce the column heights to the sequence 2, 3, 4, 6, 9, 13,
//! ... (`d_{j+1} = floor(3 d_j / 2)`), using the fewest adders per stage; every adder of a
//! stage is independent, so a stage is one `and_many` call and one level of AND-depth. The
//! two remaining rows go to one carry-propagate adder.
//!
//! Known bits are summed into a native constant first (no gate), then placed back as at most
//! one constant bit per column: a half adder with a constant input is free.
//!
//! Signed rows enter without sign extension: for a w-bit row x shifted by s,
//! `x = sum_{k<w-1} x_k 2^k + (not x_{w-1}) 2^(w-1) - 2^(w-1)`, so the row adds w bits and
//! the constant `-2^(w-1+s)` (the Baugh-Wooley trick).

use super::adder::{add, AdderKind};
use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::integer::BitInt;

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// Maximal width of a carry-save accumulation (the constant is kept in a u128).
pub const MAX_COLUMNS: usize = 128;

/// A weighted bit matrix modulo 2^W, reduced by carry-save adders.
pub struct Columns<B: BitSimd> {
    columns: Vec<Vec<Bit<B::Bits>>>,
    constant: u128,
}

impl<B: BitSimd> Columns<B> {
    /// The empty sum modulo 2^width, `1 <= width <= 128`.
    pub fn new(width: usize) -> Result<Self, B> {
        if width == 0 || width > MAX_COLUMNS {
            return Err(BitslicedError::InvalidWidth {
                width,
                reason: "carry-save sums need 1..=128 bits",
            });
        }
        Ok(Self {
            columns: vec![Vec::new(); width],
            constant: 0,
        })
    }

    /// The modulus exponent W.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    fn mask(&self) -> u128 {
        if self.width() == 128 {
            u128::MAX
        } else {
            (1u128 << self.width()) - 1
        }
    }

    /// Adds `bit * 2^weight` (dropped when `weight >= W`).
    pub fn push_bit(&mut self, weight: usize, bit: Bit<B::Bits>) {
        if weight >= self.width() {
            return;
        }
        match bit {
            Bit::Const(false) => {}
            Bit::Const(true) => self.push_constant_power(weight, false),
            var => self.columns[weight].push(var),
        }
    }

    /// Adds `+-2^weight` to the native constant.
    fn push_constant_power(&mut self, weight: usize, negative: bool) {
        if weight >= self.width() {
            return;
        }
        let power = 1u128 << weight;
        self.constant = if negative {
            self.constant.wrapping_sub(power)
        } else {
            self.constant.wrapping_add(power)
        } & self.mask();
    }

    /// Adds the public constant `value` (mod 2^W).
    pub fn push_constant(&mut self, value: i128) {
        self.constant = self.constant.wrapping_add(value as u128) & self.mask();
    }

    /// Adds the signed integer `x * 2^shift` without sign extension.
    pub fn push_int(&mut self, backend: &B, x: &BitInt<B>, shift: usize) -> Result<(), B> {
        let top = x.width() - 1;
        for (k, b) in x.bits().iter().enumerate() {
            if k == top {
                self.push_bit(shift + k, bit::not(backend, b)?);
                self.push_constant_power(shift + k, true);
            } else {
                self.push_bit(shift + k, b.clone());
            }
        }
        Ok(())
    }

    /// Adds the bit pattern of x shifted by `shift`, as an unsigned number: for an x of W
    /// bits this is its value modulo 2^W, with no sign handling and no constant.
    pub fn push_pattern(&mut self, x: &BitInt<B>, shift: usize) {
        for (k, b) in x.bits().iter().enumerate() {
            self.push_bit(shift + k, b.clone());
        }
    }

    /// Adds the signed products `a * b` of every pair, all partial products computed in one
    /// AND layer (Baugh-Wooley): bit products `a_i b_j` of weight `2^(i+j) < 2^W`, negated
    /// when exactly one of i, j is a sign position, plus the constant
    /// `2^(n-1) + 2^(m-1) - 2^(n+m-1)` for an n-bit a and an m-bit b.
    pub fn push_products(
        &mut self,
        backend: &B,
        products: &[(&BitInt<B>, &BitInt<B>)],
    ) -> Result<(), B> {
        let mut pairs = Vec::new();
        let mut places = Vec::new();
        for (a, b) in products {
            let (n, m) = (a.width(), b.width());
            for (i, ai) in a.bits().iter().enumerate() {
                for (j, bj) in b.bits().iter().enumerate() {
                    if i + j < self.width() {
                        pairs.push((ai.clone(), bj.clone()));
                        places.push((i + j, (i == n - 1) != (j == m - 1)));
                    }
                }
            }
            self.push_constant_power(n - 1, false);
            self.push_constant_power(m - 1, false);
            self.push_constant_power(n + m - 1, true);
        }
        let bits = bit::and_many(backend, &pairs)?;
        for ((weight, negated), b) in places.into_iter().zip(bits) {
            let b = if negated { bit::not(backend, &b)? } else { b };
            self.push_bit(weight, b);
        }
        Ok(())
    }

    /// Dadda reduction to at most two bits per column; returns the two rows.
    pub fn reduce_to_two(mut self, backend: &B) -> Result<(BitInt<B>, BitInt<B>), B> {
        for (k, column) in self.columns.iter_mut().enumerate() {
            if (self.constant >> k) & 1 == 1 {
                column.push(Bit::Const(true));
            }
        }
        loop {
            let max = self.columns.iter().map(Vec::len).max().unwrap_or(0);
            if max <= 2 {
                break;
            }
            let target = dadda_target(max);
            self.columns = stage(backend, self.columns, target)?;
        }
        let row = |i: usize| {
            BitInt::from_nonempty(
                self.columns
                    .iter()
                    .map(|c| c.get(i).cloned().unwrap_or(Bit::Const(false)))
                    .collect(),
            )
        };
        Ok((row(0), row(1)))
    }

    /// The sum modulo 2^W as a W-bit integer: Dadda reduction, then one adder.
    pub fn sum(self, backend: &B, kind: AdderKind) -> Result<BitInt<B>, B> {
        let (a, b) = self.reduce_to_two(backend)?;
        add(backend, &a, &b, kind)
    }
}

/// Largest Dadda height `d_j < max` (d_1 = 2, d_{j+1} = floor(3 d_j / 2)).
fn dadda_target(max: usize) -> usize {
    let mut d = 2;
    while d * 3 / 2 < max {
        d = d * 3 / 2;
    }
    d
}

/// A full or half adder of one Dadda stage: its inputs and its column.
enum Adder<T> {
    Full(Bit<T>, Bit<T>, Bit<T>),
    Half(Bit<T>, Bit<T>),
}

/// Bits of every column, column k of weight 2^k.
type ColumnBits<T> = Vec<Vec<Bit<T>>>;

/// One Dadda stage: reduce every column (with the carries it receives in this stage) to at
/// most `target` bits, feeding the shallowest bits to the adders.
fn stage<B: BitSimd>(
    backend: &B,
    columns: Vec<Vec<Bit<B::Bits>>>,
    target: usize,
) -> std::result::Result<ColumnBits<B::Bits>, B::Error> {
    let width = columns.len();
    let mut next: Vec<Vec<Bit<B::Bits>>> = vec![Vec::new(); width];
    let mut adders = Vec::new();
    let mut carries_in = 0;
    for (k, mut column) in columns.into_iter().enumerate() {
        column.sort_by_key(|b| bit::depth(backend, b));
        let height = column.len() + carries_in;
        let excess = height.saturating_sub(target);
        let full = (excess / 2).min(column.len() / 3);
        let half = (excess - 2 * full).min((column.len() - 3 * full) / 2);
        let mut rest = column.into_iter();
        let mut take = || {
            rest.next()
                .expect("Dadda stage takes only bits the column holds")
        };
        for _ in 0..full {
            adders.push((k, Adder::Full(take(), take(), take())));
        }
        for _ in 0..half {
            adders.push((k, Adder::Half(take(), take())));
        }
        next[k].extend(rest);
        carries_in = if k + 1 < width { full + half } else { 0 };
    }
    let mut pairs = Vec::with_capacity(adders.len());
    for (_, adder) in &adders {
        pairs.push(match adder {
            Adder::Full(a, b, c) => (bit::xor(backend, a, c)?, bit::xor(backend, b, c)?),
            Adder::Half(a, b) => (a.clone(), b.clone()),
        });
    }
    let products = bit::and_many(backend, &pairs)?;
    for ((k, adder), product) in adders.into_iter().zip(products) {
        let (sum, carry) = match adder {
            Adder::Full(a, b, c) => (
                bit::xor(backend, &bit::xor(backend, &a, &b)?, &c)?,
                bit::xor(backend, &product, &c)?,
            ),
            Adder::Half(a, b) => (bit::xor(backend, &a, &b)?, product),
        };
        next[k].push(sum);
        if k + 1 < width {
            next[k + 1].push(carry);
        }
    }
    Ok(next)
}

/// `sum_i x_i mod 2^width` of signed integers: one carry-save tree, then one adder.
pub fn sum_many<B: BitSimd>(
    backend: &B,
    terms: &[BitInt<B>],
    width: usize,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    if terms.is_empty() {
        return Err(BitslicedError::NoOperands);
    }
    let mut columns = Columns::new(width)?;
    for x in terms {
        columns.push_int(backend, x, 0)?;
    }
    columns.sum(backend, kind)
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
    fn sum_many_matches_native_sum_for_mixed_widths() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let backend = PlainBackend::new(200).unwrap();
        for (count, out) in [(1usize, 8usize), (3, 10), (7, 12), (20, 16), (20, 9)] {
            let widths: Vec<usize> = (0..count).map(|i| 4 + (i * 5) % 9).collect();
            let values: Vec<Vec<i64>> = widths
                .iter()
                .map(|&w| random_values(&mut rng, 200, w))
                .collect();
            let terms: Vec<_> = values
                .iter()
                .zip(&widths)
                .map(|(v, &w)| encode(&backend, v, w))
                .collect();
            for kind in [AdderKind::Ripple, AdderKind::Sklansky] {
                let got = decode(&backend, &sum_many(&backend, &terms, out, kind).unwrap());
                let expected: Vec<i64> = (0..200)
                    .map(|s| wrap(values.iter().map(|v| v[s]).sum(), out))
                    .collect();
                assert_eq!(got, expected, "{count} terms into {out} bits");
            }
        }
    }

    #[test]
    fn three_rows_take_one_full_adder_layer() {
        let backend = CountingBackend::new(1);
        let terms: Vec<_> = (0..3).map(|_| counted(&backend, 8)).collect();
        let mut columns = Columns::new(10).unwrap();
        for t in &terms {
            columns.push_int(&backend, t, 0).unwrap();
        }
        let (a, b) = columns.reduce_to_two(&backend).unwrap();
        assert_eq!(a.depth(&backend).max(b.depth(&backend)), 1);
        assert_eq!(dadda_target(3), 2);
        assert_eq!(dadda_target(10), 9);
        assert_eq!(dadda_target(64), 63);
    }
}
