//! Carry-save (3-to-2) reduction of a weighted bit matrix, Dadda's schedule.
//!
//! A [`Columns`] value is a multiset of bits with weights: `value = sum_k 2^k sum(column k)
//! mod 2^W`. A full adder turns three bits of weight 2^k into `a xor b xor c` (weight 2^k)
//! and `maj(a, b, c)` (weight 2^(k+1), one AND); a half adder turns two bits into `a xor b`
//! and `a and b`. Dadda's stages reduce the column heights to the sequence 2, 3, 4, 6, 9, 13,
//! ... (`d_{j+1} = floor(3 d_j / 2)`), using the fewest adders per stage; every adder of a
//! stage is independent (one level of AND-depth; evaluated in chunks, below). The two
//! remaining rows go to one carry-propagate adder.
//!
//! Known bits are summed into a native constant first (no gate), then placed back as at most
//! one constant bit per column: a half adder with a constant input is free.
//!
//! Evaluation order (memory): the stages' adder counts depend only on the column heights, so
//! the whole schedule is fixed before any gate runs; the gates are then evaluated column by
//! column, least significant first, each column through all its stages (a carry of column k
//! at stage s joins column k + 1 at stage s + 1, and column k is complete before k + 1
//! starts). A partial product is formed only when an adder takes it (from borrowed operands;
//! its depth for the sort is learned from the first formed product of the same operand
//! depths), and a stage's adders run in chunks of
//! `8 x threads`, so a neuron's 8192 partial products never exist at once: the carries
//! waiting for the next column, the column's sums and one chunk's adder inputs are alive.
//! The circuit (every AND, its operands and its depth) is exactly the stage-by-stage Dadda
//! tree's; only the grouping of independent ANDs into `and_many` calls differs.
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

/// One bit of a column: a known vector, or a partial product `a_i b_j` (negated when exactly
/// one of i, j is a sign position) formed when an adder takes it.
enum Entry<'a, T> {
    Bit(Bit<T>),
    Product {
        a: &'a Bit<T>,
        b: &'a Bit<T>,
        negated: bool,
    },
}

/// A weighted bit matrix modulo 2^W, reduced by carry-save adders; partial products borrow
/// their operands for `'a`.
pub struct Columns<'a, B: BitSimd> {
    columns: Vec<Vec<Entry<'a, B::Bits>>>,
    constant: u128,
}

impl<'a, B: BitSimd> Columns<'a, B> {
    /// The empty sum modulo 2^width, `1 <= width <= 128`.
    pub fn new(width: usize) -> Result<Self, B> {
        if width == 0 || width > MAX_COLUMNS {
            return Err(BitslicedError::InvalidWidth {
                width,
                reason: "carry-save sums need 1..=128 bits",
            });
        }
        Ok(Self {
            columns: (0..width).map(|_| Vec::new()).collect(),
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
            var => self.columns[weight].push(Entry::Bit(var)),
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

    /// Adds the signed products `a * b` of every pair (Baugh-Wooley): bit products `a_i b_j`
    /// of weight `2^(i+j) < 2^W`, negated when exactly one of i, j is a sign position, plus the
    /// constant `2^(n-1) + 2^(m-1) - 2^(n+m-1)` for an n-bit a and an m-bit b. A product
    /// with a known bit folds now (no gate); the others are formed (one AND layer, depth
    /// `max(depth a, depth b) + 1`) when their column is reduced.
    pub fn push_products(
        &mut self,
        backend: &B,
        products: &[(&'a BitInt<B>, &'a BitInt<B>)],
    ) -> Result<(), B> {
        for (a, b) in products {
            let (n, m) = (a.width(), b.width());
            for (i, ai) in a.bits().iter().enumerate() {
                for (j, bj) in b.bits().iter().enumerate() {
                    let weight = i + j;
                    if weight >= self.width() {
                        continue;
                    }
                    let negated = (i == n - 1) != (j == m - 1);
                    match bit::fold_and(ai, bj) {
                        Some(known) if negated => self.push_bit(weight, bit::not(backend, &known)?),
                        Some(known) => self.push_bit(weight, known),
                        None => self.columns[weight].push(Entry::Product {
                            a: ai,
                            b: bj,
                            negated,
                        }),
                    }
                }
            }
            self.push_constant_power(n - 1, false);
            self.push_constant_power(m - 1, false);
            self.push_constant_power(n + m - 1, true);
        }
        Ok(())
    }

    /// Dadda reduction to at most two bits per column, evaluated column by column; returns
    /// the two rows.
    pub fn reduce_to_two(mut self, backend: &B) -> Result<(BitInt<B>, BitInt<B>), B> {
        for (k, column) in self.columns.iter_mut().enumerate() {
            if (self.constant >> k) & 1 == 1 {
                column.push(Entry::Bit(Bit::Const(true)));
            }
        }
        let heights: Vec<usize> = self.columns.iter().map(Vec::len).collect();
        let schedule = dadda_schedule(&heights);
        let chunk = ADDERS_PER_THREAD * rayon::current_num_threads();
        let mut learned = LearnedDepths::new();
        let mut rows = Vec::with_capacity(heights.len());
        let mut incoming: Vec<Vec<Bit<B::Bits>>> = vec![Vec::new(); schedule.len()];
        for (k, mut column) in self.columns.into_iter().enumerate() {
            learn_product_depths(backend, &mut column, &mut learned)?;
            let mut outgoing = vec![Vec::new(); schedule.len()];
            for (s, (stage, carries_in)) in schedule.iter().zip(&mut incoming).enumerate() {
                let (sums, carries) =
                    reduce_column(backend, &mut column, stage[k], chunk, &learned)?;
                column.extend(carries_in.drain(..).map(Entry::Bit));
                column.extend(sums.into_iter().map(Entry::Bit));
                outgoing[s] = carries;
            }
            assert!(
                column.len() <= 2,
                "the Dadda schedule leaves at most two bits in every column"
            );
            rows.push(materialize(backend, column)?);
            incoming = outgoing;
        }
        let row = |i: usize| {
            BitInt::from_nonempty(
                rows.iter()
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

/// Full and half adders of one column in one stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ColumnAdders {
    full: usize,
    half: usize,
}

/// The adder counts of every stage and column, from the initial heights alone: a stage with
/// target d reduces column k (holding `len` bits and receiving `carries_in` carries from
/// column k - 1 in this stage) by `full = min(excess / 2, len / 3)` full adders and
/// `half = min(excess - 2 full, (len - 3 full) / 2)` half adders, `excess = len + carries_in
/// - d`; the column then holds `len - 2 full - half + carries_in` bits.
fn dadda_schedule(heights: &[usize]) -> Vec<Vec<ColumnAdders>> {
    let width = heights.len();
    let mut heights = heights.to_vec();
    let mut schedule = Vec::new();
    loop {
        let max = heights.iter().copied().max().unwrap_or(0);
        if max <= 2 {
            return schedule;
        }
        let target = dadda_target(max);
        let mut stage = vec![ColumnAdders::default(); width];
        let mut carries_in = 0;
        for (k, len) in heights.iter_mut().enumerate() {
            let excess = (*len + carries_in).saturating_sub(target);
            let full = (excess / 2).min(*len / 3);
            let half = (excess - 2 * full).min((*len - 3 * full) / 2);
            stage[k] = ColumnAdders { full, half };
            *len = *len - 2 * full - half + carries_in;
            carries_in = if k + 1 < width { full + half } else { 0 };
        }
        schedule.push(stage);
    }
}

/// The depth of an AND's result for each pair of operand depths seen so far. Every backend's
/// product depth is a function of its operands' depths alone (`max + 1`, or 0 where a refresh
/// policy refreshes results reaching its L), so one formed product gives it for all.
type LearnedDepths = std::collections::BTreeMap<(usize, usize), usize>;

/// The depth-pair key of a partial product.
fn pair_depths<B: BitSimd>(backend: &B, a: &Bit<B::Bits>, b: &Bit<B::Bits>) -> (usize, usize) {
    (bit::depth(backend, a), bit::depth(backend, b))
}

/// Forms the column's partial products whose operand depths no formed product has shown yet
/// (the first of each pair of depths), so that every entry's depth is known before any sort.
fn learn_product_depths<B: BitSimd>(
    backend: &B,
    column: &mut [Entry<'_, B::Bits>],
    learned: &mut LearnedDepths,
) -> std::result::Result<(), B::Error> {
    for entry in column.iter_mut() {
        if let Entry::Product { a, b, negated } = *entry {
            let key = pair_depths(backend, a, b);
            if let std::collections::btree_map::Entry::Vacant(slot) = learned.entry(key) {
                let formed = materialize(backend, vec![Entry::Product { a, b, negated }])?
                    .pop()
                    .expect("one bit per entry");
                slot.insert(bit::depth(backend, &formed));
                *entry = Entry::Bit(formed);
            }
        }
    }
    Ok(())
}

/// The AND-depth of an entry: a partial product's is the one its AND will have (`learned`).
fn entry_depth<B: BitSimd>(
    backend: &B,
    entry: &Entry<'_, B::Bits>,
    learned: &LearnedDepths,
) -> usize {
    match entry {
        Entry::Bit(b) => bit::depth(backend, b),
        Entry::Product { a, b, .. } => *learned
            .get(&pair_depths(backend, a, b))
            .expect("every partial product's depth is learned when its column starts"),
    }
}

/// The entries' bits in order, their partial products formed now in one AND layer.
fn materialize<B: BitSimd>(
    backend: &B,
    entries: Vec<Entry<'_, B::Bits>>,
) -> std::result::Result<Vec<Bit<B::Bits>>, B::Error> {
    let pairs: Vec<_> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Product { a, b, .. } => Some((*a, *b)),
            Entry::Bit(_) => None,
        })
        .collect();
    let mut products = bit::and_many_ref(backend, &pairs)?.into_iter();
    entries
        .into_iter()
        .map(|e| match e {
            Entry::Bit(b) => Ok(b),
            Entry::Product { negated, .. } => {
                let p = products
                    .next()
                    .expect("one product per partial-product entry");
                if negated {
                    bit::not(backend, &p)
                } else {
                    Ok(p)
                }
            }
        })
        .collect()
}

/// Adders one thread gets in each chunk of a stage's adders (see [`reduce_column`]).
const ADDERS_PER_THREAD: usize = 8;

/// The sums (staying in the column) and the carries (for the next column, next stage) of a
/// column's adders in one stage.
type SumsAndCarries<T> = (Vec<Bit<T>>, Vec<Bit<T>>);

/// One column through one stage: the shallowest entries feed `adders.full` full and
/// `adders.half` half adders; `column` keeps the rest, partial products still unformed.
/// The adders run in chunks of `chunk` (full adders first): a chunk's partial products are
/// formed (one AND layer), then its adders' ANDs (one more), so at most one chunk's inputs,
/// operands and products exist beside the results; the gates and their operands are those of
/// the whole stage at once, only grouped into smaller `and_many` calls.
fn reduce_column<'a, B: BitSimd>(
    backend: &B,
    column: &mut Vec<Entry<'a, B::Bits>>,
    adders: ColumnAdders,
    chunk: usize,
    learned: &LearnedDepths,
) -> std::result::Result<SumsAndCarries<B::Bits>, B::Error> {
    column.sort_by_key(|e| entry_depth(backend, e, learned));
    let taken = 3 * adders.full + 2 * adders.half;
    assert!(
        taken <= column.len(),
        "the Dadda schedule takes only bits the column holds"
    );
    let mut inputs = column.drain(..taken).collect::<Vec<_>>().into_iter();
    let arities: Vec<usize> = std::iter::repeat_n(3, adders.full)
        .chain(std::iter::repeat_n(2, adders.half))
        .collect();
    let mut sums = Vec::with_capacity(arities.len());
    let mut carries = Vec::with_capacity(arities.len());
    for group in arities.chunks(chunk.max(1)) {
        let bits = materialize(backend, inputs.by_ref().take(group.iter().sum()).collect())?;
        add_layer(backend, bits, group, &mut sums, &mut carries)?;
    }
    Ok((sums, carries))
}

/// One AND layer of adders on `bits` in order: an arity-3 entry of `arities` is a full adder
/// (sum `a xor b xor c`, carry `((a xor c) and (b xor c)) xor c`), an arity-2 one a half adder
/// (sum `a xor b`, carry `a and b`); full adders come first. Sums and carries are appended
/// in the adders' order.
fn add_layer<B: BitSimd>(
    backend: &B,
    bits: Vec<Bit<B::Bits>>,
    arities: &[usize],
    sums: &mut Vec<Bit<B::Bits>>,
    carries: &mut Vec<Bit<B::Bits>>,
) -> std::result::Result<(), B::Error> {
    let mut inputs = bits.into_iter();
    let mut next = || {
        inputs
            .next()
            .expect("the schedule's adders take bits the column holds")
    };
    let mut full = Vec::new();
    let mut pairs = Vec::with_capacity(arities.len());
    let mut half: Vec<bit::AndPair<B::Bits>> = Vec::new();
    for &arity in arities {
        if arity == 3 {
            let triple: [Bit<B::Bits>; 3] = std::array::from_fn(|_| next());
            let [a, b, c] = &triple;
            pairs.push((bit::xor(backend, a, c)?, bit::xor(backend, b, c)?));
            full.push(triple);
        } else {
            half.push((next(), next()));
        }
    }
    let operands: Vec<bit::AndPairRef<B::Bits>> =
        pairs.iter().chain(&half).map(|(x, y)| (x, y)).collect();
    let products = bit::and_many_ref(backend, &operands)?;
    drop(operands);
    drop(pairs);
    let mut products = products.into_iter();
    for [a, b, c] in full {
        let product = products.next().expect("one product per adder");
        sums.push(bit::xor(backend, &bit::xor(backend, &a, &b)?, &c)?);
        carries.push(bit::xor(backend, &product, &c)?);
    }
    for ((a, b), product) in half.into_iter().zip(products) {
        sums.push(bit::xor(backend, &a, &b)?);
        carries.push(product);
    }
    Ok(())
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
