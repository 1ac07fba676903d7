//! Table lookup: an n-bit index x selects one of 2^n entries of k bits, in every slot.
//!
//! Method (the algebraic normal form): every output bit is a boolean function
//! `f(x) = xor_{S : a_S = 1} prod_{i in S} x_i` whose coefficients are the Moebius transform
//! of its truth table, `a_S = xor_{T subset of S} f(T)` (XORs only). The monomials
//! `prod_{i in S} x_i` are shared by all output bits and computed by splitting the index
//! into halves, `mono(S) = mono(S_low) mono(S_high)`, recursively: at most 2^n - n - 1 ANDs
//! in ceil(log2 n) levels (HElib's `computeAllProducts` shape, with monomials instead of
//! one-hot minterms so that a missing coefficient saves its AND).
//!
//! - Public table: the coefficients are known, `out_k` is an XOR of monomials: no AND beyond
//!   the monomials actually needed by some output bit; depth ceil(log2 n).
//! - Encrypted table (the paper's data owner encrypts the sigmoid table): the coefficients
//!   are XORs of encrypted entries, `out_k = a_0 xor xor_{S != 0} mono(S) a_S`:
//!   (2^n - 1) k more ANDs in one layer; depth ceil(log2 n) + 1 over fresh entries.
//!
//! Index convention: the entry of x is `table[x mod 2^n]`, i.e. the raw bit pattern of x
//! (a negative 8-bit x = -1 reads entry 255).

use super::backend::BitSimd;
use super::bit::{self, Bit};
use super::error::BitslicedError;
use super::integer::BitInt;

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// Largest index width (HElib's limit: tables of at most 2^16 entries).
pub const MAX_INDEX_BITS: usize = 16;

/// A public table of 2^n entries of k bits (bit patterns, LSB first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicTable {
    index_bits: usize,
    output_bits: usize,
    entries: Vec<u64>,
}

impl PublicTable {
    /// `entries[i]` for every index pattern i; `entries.len() = 2^n`, `1 <= n <= 16`,
    /// `1 <= k <= 64`; entry bits above k are ignored.
    pub fn new<E>(
        output_bits: usize,
        entries: Vec<u64>,
    ) -> std::result::Result<Self, BitslicedError<E>> {
        let index_bits = index_width(entries.len())?;
        if output_bits == 0 || output_bits > 64 {
            return Err(BitslicedError::InvalidWidth {
                width: output_bits,
                reason: "table entries have 1..=64 bits",
            });
        }
        Ok(Self {
            index_bits,
            output_bits,
            entries,
        })
    }

    /// The table of `f` over signed n-bit inputs: `entries[x mod 2^n] = f(x) mod 2^k`.
    pub fn from_signed_fn<E>(
        index_bits: usize,
        output_bits: usize,
        f: impl Fn(i64) -> i64,
    ) -> std::result::Result<Self, BitslicedError<E>> {
        if index_bits == 0 || index_bits > MAX_INDEX_BITS {
            return Err(BitslicedError::InvalidWidth {
                width: index_bits,
                reason: "table indices have 1..=16 bits",
            });
        }
        let shift = 64 - index_bits as u32;
        let entries = (0..1u64 << index_bits)
            .map(|i| f(((i << shift) as i64) >> shift) as u64)
            .collect();
        Self::new(output_bits, entries)
    }

    /// Index width n.
    pub fn index_bits(&self) -> usize {
        self.index_bits
    }

    /// Entry width k.
    pub fn output_bits(&self) -> usize {
        self.output_bits
    }

    /// The entry of index pattern i.
    pub fn entry(&self, i: usize) -> Option<u64> {
        self.entries.get(i).map(|e| e & low_mask(self.output_bits))
    }
}

fn low_mask(bits: usize) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

/// n with `len = 2^n`, `1 <= n <= 16`.
fn index_width<E>(len: usize) -> std::result::Result<usize, BitslicedError<E>> {
    let n = len.trailing_zeros() as usize;
    if !len.is_power_of_two() || n == 0 || n > MAX_INDEX_BITS {
        return Err(BitslicedError::InvalidWidth {
            width: len,
            reason: "a table has 2^n entries with 1 <= n <= 16",
        });
    }
    Ok(n)
}

/// A table whose entries are backend vectors (encrypted by the data owner): 2^n entries of
/// k bits each, the same table in every slot or a different one per slot.
pub struct EncryptedTable<B: BitSimd> {
    index_bits: usize,
    entries: Vec<BitInt<B>>,
}

impl<B: BitSimd> EncryptedTable<B> {
    /// `entries.len() = 2^n` entries of one common width k.
    pub fn new(entries: Vec<BitInt<B>>) -> Result<Self, B> {
        let index_bits = index_width(entries.len())?;
        let k = entries[0].width();
        if let Some(other) = entries.iter().find(|e| e.width() != k) {
            return Err(BitslicedError::WidthMismatch {
                left: k,
                right: other.width(),
            });
        }
        Ok(Self {
            index_bits,
            entries,
        })
    }

    /// Index width n.
    pub fn index_bits(&self) -> usize {
        self.index_bits
    }

    /// Entry width k.
    pub fn output_bits(&self) -> usize {
        self.entries[0].width()
    }
}

/// Monomials by subset mask, `None` where not needed.
type Monomials<T> = Vec<Option<Bit<T>>>;

/// The monomials `prod_{i in S} x_i` indexed by the subset mask S (S = 0 is the constant 1)
/// for every S with `needed[S]` (others may be `None`); a factor of a half is computed only if
/// some needed monomial uses it. Depth ceil(log2 n).
fn monomials<B: BitSimd>(
    backend: &B,
    x: &[Bit<B::Bits>],
    needed: &[bool],
) -> std::result::Result<Monomials<B::Bits>, B::Error> {
    let n = x.len();
    if n <= 1 {
        let mut out = vec![Some(Bit::Const(true))];
        out.extend(x.iter().map(|b| Some(b.clone())));
        return Ok(out);
    }
    let half = n / 2;
    let low_mask = (1 << half) - 1;
    let mut low_needed = vec![false; 1 << half];
    let mut high_needed = vec![false; 1 << (n - half)];
    for s in (0..1 << n).filter(|&s| needed[s]) {
        low_needed[s & low_mask] = true;
        high_needed[s >> half] = true;
    }
    let low = monomials(backend, &x[..half], &low_needed)?;
    let high = monomials(backend, &x[half..], &high_needed)?;
    let factor = |m: &Option<Bit<B::Bits>>| {
        m.clone()
            .expect("every factor of a needed monomial is computed")
    };
    let mut out = vec![None; 1 << n];
    let mut pairs = Vec::new();
    let mut targets = Vec::new();
    for s in (0..1 << n).filter(|&s| needed[s]) {
        let (s_low, s_high) = (s & low_mask, s >> half);
        if s_high == 0 {
            out[s] = Some(factor(&low[s_low]));
        } else if s_low == 0 {
            out[s] = Some(factor(&high[s_high]));
        } else {
            pairs.push((factor(&low[s_low]), factor(&high[s_high])));
            targets.push(s);
        }
    }
    for (s, product) in targets.into_iter().zip(bit::and_many(backend, &pairs)?) {
        out[s] = Some(product);
    }
    Ok(out)
}

/// In-place Moebius transform over GF(2): `a[S] = xor_{T subset of S} a[T]` (n 2^(n-1) XORs).
fn moebius<T, E>(
    values: &mut [T],
    mut xor: impl FnMut(&T, &T) -> std::result::Result<T, E>,
) -> std::result::Result<(), E> {
    let n = values.len().trailing_zeros();
    for j in 0..n {
        for s in 0..values.len() {
            if (s >> j) & 1 == 1 {
                values[s] = xor(&values[s], &values[s ^ (1 << j)])?;
            }
        }
    }
    Ok(())
}

/// Errors unless the index width equals the table's.
fn check_index<B: BitSimd>(x: &BitInt<B>, index_bits: usize) -> Result<(), B> {
    if x.width() != index_bits {
        return Err(BitslicedError::WidthMismatch {
            left: x.width(),
            right: index_bits,
        });
    }
    Ok(())
}

/// `table[x mod 2^n]` in every slot, for a public table: shared monomials, then XORs.
pub fn lookup_public<B: BitSimd>(
    backend: &B,
    x: &BitInt<B>,
    table: &PublicTable,
) -> Result<BitInt<B>, B> {
    check_index(x, table.index_bits)?;
    let size = table.entries.len();
    let mut coefficients: Vec<Vec<bool>> = (0..table.output_bits)
        .map(|k| {
            (0..size)
                .map(|i| (table.entries[i] >> k) & 1 == 1)
                .collect()
        })
        .collect();
    for column in &mut coefficients {
        let Ok(()) = moebius(column, |a, b| Ok::<_, std::convert::Infallible>(a ^ b));
    }
    let needed: Vec<bool> = (0..size)
        .map(|s| coefficients.iter().any(|column| column[s]))
        .collect();
    let monomials = monomials(backend, x.bits(), &needed)?;
    let mut out = Vec::with_capacity(table.output_bits);
    for column in &coefficients {
        let mut acc = Bit::Const(false);
        for (s, _) in column.iter().enumerate().filter(|(_, a)| **a) {
            let monomial = monomials[s]
                .as_ref()
                .expect("every monomial with a coefficient is computed");
            acc = bit::xor(backend, &acc, monomial)?;
        }
        out.push(acc);
    }
    Ok(BitInt::from_nonempty(out))
}

/// `table[x mod 2^n]` in every slot, for a table of backend vectors: the coefficients are
/// XORs of entries, then one AND layer of (2^n - 1) k products with the shared monomials.
pub fn lookup_encrypted<B: BitSimd>(
    backend: &B,
    x: &BitInt<B>,
    table: &EncryptedTable<B>,
) -> Result<BitInt<B>, B> {
    check_index(x, table.index_bits)?;
    let monomials = monomials(backend, x.bits(), &vec![true; 1 << table.index_bits])?;
    let k = table.output_bits();
    let mut out = Vec::with_capacity(k);
    for position in 0..k {
        let mut coefficients: Vec<Bit<B::Bits>> = table
            .entries
            .iter()
            .map(|e| e.bits()[position].clone())
            .collect();
        moebius(&mut coefficients, |a, b| bit::xor(backend, a, b))?;
        let pairs: Vec<_> = coefficients
            .iter()
            .zip(&monomials)
            .skip(1)
            .map(|(a, m)| {
                let m = m.clone().expect("all monomials are computed");
                (m, a.clone())
            })
            .collect();
        let mut acc = coefficients[0].clone();
        for term in bit::and_many(backend, &pairs)? {
            acc = bit::xor(backend, &acc, &term)?;
        }
        out.push(acc);
    }
    Ok(BitInt::from_nonempty(out))
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::super::plain::PlainBackend;
    use super::super::testing::{counted, decode, encode, wrap};
    use super::*;

    /// The sigmoid on Q3.4 inputs (x / 16 in [-8, 8)) to Q0.7 outputs in 8 signed bits.
    fn sigmoid_table() -> PublicTable {
        PublicTable::from_signed_fn::<()>(8, 8, |x| {
            let y = 1.0 / (1.0 + (-(x as f64) / 16.0).exp());
            ((y * 128.0).round() as i64).min(127)
        })
        .unwrap()
    }

    fn all_8_bit_inputs(backend: &PlainBackend) -> (Vec<i64>, BitInt<PlainBackend>) {
        let xs: Vec<i64> = (-128..128).collect();
        let x = encode(backend, &xs, 8);
        (xs, x)
    }

    #[test]
    fn public_lookup_equals_direct_indexing_for_every_8_bit_input() {
        let backend = PlainBackend::new(256).unwrap();
        let (xs, x) = all_8_bit_inputs(&backend);
        let table = sigmoid_table();
        let out = lookup_public(&backend, &x, &table).unwrap();
        let expected: Vec<i64> = xs
            .iter()
            .map(|&v| wrap(table.entry((v & 255) as usize).unwrap() as i64, 8))
            .collect();
        assert_eq!(decode(&backend, &out), expected);
        assert_eq!(out.depth(&backend), 3);
    }

    #[test]
    fn encrypted_lookup_equals_direct_indexing_for_every_8_bit_input() {
        let backend = PlainBackend::new(256).unwrap();
        let (xs, x) = all_8_bit_inputs(&backend);
        let table = sigmoid_table();
        let entries = (0..256)
            .map(|i| {
                let e = wrap(table.entry(i).unwrap() as i64, 8);
                encode(&backend, &vec![e; 256], 8)
            })
            .collect();
        let encrypted = EncryptedTable::new(entries).unwrap();
        let out = lookup_encrypted(&backend, &x, &encrypted).unwrap();
        let expected: Vec<i64> = xs
            .iter()
            .map(|&v| wrap(table.entry((v & 255) as usize).unwrap() as i64, 8))
            .collect();
        assert_eq!(decode(&backend, &out), expected);
        assert_eq!(out.depth(&backend), 4);
    }

    #[test]
    fn lookup_costs_match_formulas() {
        for n in 1..=8usize {
            let counter = CountingBackend::new(1);
            let x = counted(&counter, n);
            let all_ones = PublicTable::new::<()>(1, vec![u64::from(n > 0); 1 << n]).unwrap();
            lookup_public(&counter, &x, &all_ones).unwrap();
            assert_eq!(
                counter.counts().and,
                0,
                "a constant table needs no monomial"
            );
            let entries = (0..1 << n).map(|_| counted(&counter, 3)).collect();
            let table = EncryptedTable::new(entries).unwrap();
            counter.reset();
            let out = lookup_encrypted(&counter, &x, &table).unwrap();
            let monomials = (1u64 << n) - n as u64 - 1;
            let products = ((1u64 << n) - 1) * 3;
            assert_eq!(counter.counts().and, monomials + products, "n = {n}");
            let levels = (usize::BITS - (n - 1).leading_zeros()) as usize;
            assert_eq!(out.depth(&counter), levels + 1, "n = {n}");
        }
    }

    #[test]
    fn bad_tables_are_errors() {
        assert!(PublicTable::new::<()>(8, vec![0; 255]).is_err());
        assert!(PublicTable::new::<()>(0, vec![0; 256]).is_err());
        let backend = PlainBackend::new(4).unwrap();
        let x = encode(&backend, &[0, 1, 2, 3], 4);
        assert!(matches!(
            lookup_public(&backend, &x, &sigmoid_table()),
            Err(BitslicedError::WidthMismatch { left: 4, right: 8 })
        ));
    }
}
