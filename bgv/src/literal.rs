//! Parameter literals: what a user writes (Lattigo's literal/checked split), the named sets
//! `toy` and `paper`, and the bounds every literal must meet before anything is built.
//!
//! `validate` checks each field against a documented range before anything proportional to the
//! chain is built, so a hostile literal (a few dozen bytes asking for 200 primes at m = 32767)
//! is refused in microseconds instead of after seconds of prime generation and gigabytes of
//! tables:
//!
//! | field | allowed |
//! |---|---|
//! | `name` | at most [`MAX_NAME_BYTES`] bytes |
//! | `m` | odd, 3..=[`MAX_M`], phi(m) <= 1200 or a ring with a tabulated norm factor (1023, 32767) |
//! | `r` | 1..=[`MAX_R`] (t = 2^r must also divide q - 1 for every prime: checked on the chain) |
//! | `chain` | 1..=[`MAX_CTXT_PRIMES`] runs (field "chain runs"), 1..=[`MAX_CTXT_PRIMES`] primes in all ("ctxt_primes"), each run of at least one prime ("chain count") of [`MIN_PRIME_BITS`]..=62 bits ("chain bits") |
//! | `special_bits` | [`MIN_PRIME_BITS`]..=62 |
//! | `digits` | 1..=L, L the number of ciphertext primes |
//! | `hamming_weight` | 1..=phi(m) |
//! | `gens`, `orders` | equal lengths, at most [`MAX_DIMENSIONS`], orders >= 1 (the hypercube is then checked) |
//! | whole chain | (L + K) m <= [`MAX_RESIDUES`] residues per polynomial (K special primes) |

use crate::error::BgvError;
use crate::noise::norm_factor;
use crate::params::Params;
use nit_ring::cyclotomic::euler_phi;
use nit_ring::Cyclotomic;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Longest parameter-set name.
pub const MAX_NAME_BYTES: usize = 64;
/// Largest cyclotomic index (the paper's ring).
pub const MAX_M: usize = 32767;
/// Largest r in t = 2^r.
pub const MAX_R: u32 = 16;
/// Most ciphertext primes.
pub const MAX_CTXT_PRIMES: usize = 200;
/// Fewest bits of a chain prime (`nit_ring::prime::generate_primes`).
pub const MIN_PRIME_BITS: u32 = 20;
/// Most hypercube dimensions.
pub const MAX_DIMENSIONS: usize = 8;
/// Most residues of one polynomial on the whole chain (8 MiB; `paper` has 21 x 32767).
pub const MAX_RESIDUES: usize = 1 << 20;

/// `count` consecutive ciphertext primes of `bits` bits each: one run of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimeRun {
    /// Bits of each prime of the run (a prime of b bits lies in [2^(b-1), 2^b)).
    pub bits: u32,
    /// Number of primes in the run.
    pub count: usize,
}

impl PrimeRun {
    /// `count` primes of `bits` bits.
    pub fn new(bits: u32, count: usize) -> Self {
        PrimeRun { bits, count }
    }

    /// Reads a chain written as runs `BITSxCOUNT` separated by commas, q_0's run first
    /// ("50x10,40x6": ten 50-bit primes, then six of 40 bits); `InvalidParameters` for any
    /// other form. The values are bounded by the literal's checks, not here.
    pub fn parse_chain(text: &str) -> Result<Vec<PrimeRun>, BgvError> {
        text.split(',')
            .map(|run| {
                let bad =
                    || BgvError::InvalidParameters(format!("chain run {run:?} is not BITSxCOUNT"));
                let (bits, count) = run.trim().split_once('x').ok_or_else(bad)?;
                Ok(PrimeRun::new(
                    bits.parse().map_err(|_| bad())?,
                    count.parse().map_err(|_| bad())?,
                ))
            })
            .collect()
    }
}

/// Parameters as a user writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamsLiteral {
    /// Label of the set ("toy", "paper", "m{m}"), at most [`MAX_NAME_BYTES`] bytes; part of
    /// the wire form, so of the fingerprint.
    pub name: String,
    /// The cyclotomic index (odd).
    pub m: usize,
    /// Hypercube generators and orders for the slots (empty: found automatically).
    pub gens: Vec<u64>,
    /// Order of each generator in Z_m^*/<2>, one per entry of `gens`.
    pub orders: Vec<usize>,
    /// Plaintext modulus t = 2^r.
    pub r: u32,
    /// Sizes of the ciphertext primes q_0, q_1, .. in chain order, as runs: a ciphertext at
    /// level l holds the first l, and a modulus switch drops primes from the end, so the
    /// sizes at the end of the chain are the steps of the first drops. Within one size the
    /// primes are the largest of that size, in decreasing order along the chain.
    pub chain: Vec<PrimeRun>,
    /// Bits of every special prime (the key-switching modulus P).
    pub special_bits: u32,
    /// Key-switching digits c.
    pub digits: usize,
    /// Secret-key Hamming weight h; None for a dense ternary key.
    pub hamming_weight: Option<usize>,
}

impl ParamsLiteral {
    /// m = 1023, 60 slots. NOT SECURE (about 20 bits by the estimator, the formula's floor; as the
    /// paper's toy set):
    /// it carries a deep leveled chain (60 primes of 50 bits) so development can run deep
    /// circuits without bootstrapping.
    pub fn toy() -> Self {
        ParamsLiteral {
            name: "toy".into(),
            m: 1023,
            gens: vec![838, 584],
            orders: vec![10, 6],
            r: 1,
            chain: vec![PrimeRun::new(50, 60)],
            special_bits: 50,
            digits: 3,
            hamming_weight: Some(120),
        }
    }

    /// m = 32767, 1800 slots, the paper's ring: 15 ciphertext primes of 50 bits, 3 digits,
    /// h = 120; log2(QP) = 1050 scores about 81 bits by HElib's estimator.
    pub fn paper() -> Self {
        ParamsLiteral {
            name: "paper".into(),
            m: 32767,
            gens: vec![11628, 28087, 25824],
            orders: vec![30, 6, 10],
            r: 1,
            chain: vec![PrimeRun::new(50, 15)],
            special_bits: 50,
            digits: 3,
            hamming_weight: Some(120),
        }
    }

    /// The set called "toy" or "paper", else [`BgvError::UnknownSet`].
    pub fn named(name: &str) -> Result<Self, BgvError> {
        match name {
            "toy" => Ok(Self::toy()),
            "paper" => Ok(Self::paper()),
            other => Err(BgvError::UnknownSet(other.to_string())),
        }
    }

    /// A small ring for fast tests (automatic hypercube), NOT SECURE.
    pub fn small(m: usize, ctxt_primes: usize) -> Self {
        ParamsLiteral {
            name: format!("m{m}"),
            m,
            gens: vec![],
            orders: vec![],
            r: 1,
            chain: vec![PrimeRun::new(50, ctxt_primes)],
            special_bits: 50,
            digits: 3,
            hamming_weight: None,
        }
    }

    /// The same literal with plaintext modulus t = 2^r.
    pub fn with_r(mut self, r: u32) -> Self {
        self.r = r;
        self
    }

    /// Number of ciphertext primes L: the sum of the runs' counts (saturating, so that an
    /// unchecked literal cannot overflow).
    pub fn ctxt_primes(&self) -> usize {
        self.chain
            .iter()
            .fold(0, |total: usize, run| total.saturating_add(run.count))
    }

    /// The same literal with `count` ciphertext primes (L): the first `count` of its chain,
    /// the last run lengthened when `count` exceeds L (a uniform chain stays uniform; an
    /// empty chain gets primes of `special_bits`).
    pub fn with_ctxt_primes(mut self, count: usize) -> Self {
        let mut runs = Vec::new();
        let mut left = count;
        for run in &self.chain {
            if left == 0 {
                break;
            }
            let taken = run.count.min(left);
            runs.push(PrimeRun::new(run.bits, taken));
            left -= taken;
        }
        match runs.last_mut() {
            Some(last) => last.count += left,
            None if left > 0 => runs.push(PrimeRun::new(self.special_bits, left)),
            None => {}
        }
        self.chain = runs;
        self
    }

    /// The same literal with the ciphertext chain `runs` (special primes unchanged).
    pub fn with_chain(mut self, runs: Vec<PrimeRun>) -> Self {
        self.chain = runs;
        self
    }

    /// The same literal with every prime, ciphertext and special, of `bits` bits (L kept).
    pub fn with_prime_bits(mut self, bits: u32) -> Self {
        self.chain = vec![PrimeRun::new(bits, self.ctxt_primes())];
        self.special_bits = bits;
        self
    }

    /// Bits of each ciphertext prime q_0, .., q_{L-1} in chain order (call on a validated
    /// literal: its length is L <= [`MAX_CTXT_PRIMES`]).
    pub fn prime_sizes(&self) -> Vec<u32> {
        self.chain
            .iter()
            .flat_map(|run| std::iter::repeat_n(run.bits, run.count))
            .collect()
    }

    /// The same literal with `digits` key-switching digits (c).
    pub fn with_digits(mut self, digits: usize) -> Self {
        self.digits = digits;
        self
    }

    /// The same literal with secret-key Hamming weight h (None: dense ternary key).
    pub fn with_hamming_weight(mut self, h: Option<usize>) -> Self {
        self.hamming_weight = h;
        self
    }

    /// Checks the literal, generates the chain and precomputes the tables.
    pub fn build(&self) -> Result<Params, BgvError> {
        Params::new(self)
    }
}

/// Ok when `value` lies in min..=max, else `LiteralOutOfRange` naming `field`.
fn within(field: &'static str, value: u64, min: u64, max: u64) -> Result<(), BgvError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(BgvError::LiteralOutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

/// Checks every field of `lit` against the table in the module docs (cheap checks first,
/// nothing proportional to the chain is built), then builds the ring and checks the
/// hypercube; returns the ring and its norm factor.
pub(crate) fn validate(lit: &ParamsLiteral) -> Result<(Arc<Cyclotomic>, f64), BgvError> {
    within(
        "name bytes",
        lit.name.len() as u64,
        0,
        MAX_NAME_BYTES as u64,
    )?;
    within("m", lit.m as u64, 3, MAX_M as u64)?;
    if lit.m.is_multiple_of(2) {
        return Err(nit_ring::RingError::UnsupportedM(lit.m).into());
    }
    within("r", lit.r.into(), 1, MAX_R.into())?;
    let max_bits = nit_ring::zq::MAX_MODULUS_BITS.into();
    within(
        "chain runs",
        lit.chain.len() as u64,
        1,
        MAX_CTXT_PRIMES as u64,
    )?;
    within(
        "ctxt_primes",
        lit.ctxt_primes() as u64,
        1,
        MAX_CTXT_PRIMES as u64,
    )?;
    for run in &lit.chain {
        within("chain count", run.count as u64, 1, MAX_CTXT_PRIMES as u64)?;
        within(
            "chain bits",
            run.bits.into(),
            MIN_PRIME_BITS.into(),
            max_bits,
        )?;
    }
    within(
        "special_bits",
        lit.special_bits.into(),
        MIN_PRIME_BITS.into(),
        max_bits,
    )?;
    within("digits", lit.digits as u64, 1, lit.ctxt_primes() as u64)?;
    let phi = euler_phi(lit.m as u64);
    if let Some(h) = lit.hamming_weight {
        within("hamming_weight", h as u64, 1, phi)?;
    }
    if lit.gens.len() != lit.orders.len() {
        return Err(BgvError::InvalidParameters(
            "gens and orders differ in length".into(),
        ));
    }
    within(
        "dimensions",
        lit.gens.len() as u64,
        0,
        MAX_DIMENSIONS as u64,
    )?;
    for &order in &lit.orders {
        within("order", order as u64, 1, phi)?;
    }
    // The chain: L ciphertext primes and K special primes (K from the same formula `build`
    // uses, in floating point on the now-bounded fields).
    let special = crate::params::special_prime_count(lit.m, phi as usize, lit);
    let residues = (lit.ctxt_primes() as u64 + special as u64).saturating_mul(lit.m as u64);
    within("residues", residues, 1, MAX_RESIDUES as u64)?;
    let norm_factor = norm_factor(lit.m).ok_or_else(|| {
        BgvError::InvalidParameters(format!(
            "no coefficient/canonical norm factor known for m = {} (phi = {phi} > 1200)",
            lit.m
        ))
    })?;
    let ring = Arc::new(Cyclotomic::new(lit.m)?);
    if !lit.gens.is_empty() {
        nit_ring::slots::Hypercube::with_generators(&ring, &lit.gens, &lit.orders)?;
    }
    Ok((ring, norm_factor))
}
