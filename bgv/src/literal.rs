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
//! | `ctxt_primes` | 1..=[`MAX_CTXT_PRIMES`] |
//! | `prime_bits` | [`MIN_PRIME_BITS`]..=62 |
//! | `digits` | 1..=`ctxt_primes` |
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
    /// Number of ciphertext primes L.
    pub ctxt_primes: usize,
    /// Bits of every prime (ciphertext and special).
    pub prime_bits: u32,
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
            ctxt_primes: 60,
            prime_bits: 50,
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
            ctxt_primes: 15,
            prime_bits: 50,
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
            ctxt_primes,
            prime_bits: 50,
            digits: 3,
            hamming_weight: None,
        }
    }

    /// The same literal with plaintext modulus t = 2^r.
    pub fn with_r(mut self, r: u32) -> Self {
        self.r = r;
        self
    }

    /// The same literal with `count` ciphertext primes (L).
    pub fn with_ctxt_primes(mut self, count: usize) -> Self {
        self.ctxt_primes = count;
        self
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
    within(
        "ctxt_primes",
        lit.ctxt_primes as u64,
        1,
        MAX_CTXT_PRIMES as u64,
    )?;
    within(
        "prime_bits",
        lit.prime_bits.into(),
        MIN_PRIME_BITS.into(),
        nit_ring::zq::MAX_MODULUS_BITS.into(),
    )?;
    within("digits", lit.digits as u64, 1, lit.ctxt_primes as u64)?;
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
    let residues = (lit.ctxt_primes as u64 + special as u64).saturating_mul(lit.m as u64);
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
