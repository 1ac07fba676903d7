//! Errors of the ring layer: every bad input a caller can produce maps to one variant.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RingError {
    #[error("unsupported cyclotomic index m = {0}: need odd m in [3, 2^17]")]
    UnsupportedM(usize),
    #[error("no {bits}-bit primes = 1 mod 2Nm exist for m = {m} (or bits outside [20, 62])")]
    PrimeBits { m: usize, bits: u32 },
    #[error("only fewer than {count} primes of {bits} bits are = 1 mod 2Nm for m = {m}")]
    NotEnoughPrimes { m: usize, bits: u32, count: usize },
    #[error("{q} is not a prime = 1 mod 2Nm below 2^62 for m = {m}")]
    BadPrime { m: usize, q: u64 },
    #[error("RNS bases differ: {left:?} vs {right:?}")]
    BasisMismatch { left: Vec<u64>, right: Vec<u64> },
    #[error("prime {0} is not in the basis")]
    PrimeNotInBasis(u64),
    #[error("polynomial belongs to ring m = {found}, expected m = {expected}")]
    RingMismatch { expected: usize, found: usize },
    #[error("wrong length: expected {expected}, found {found}")]
    Length { expected: usize, found: usize },
    #[error("residue {value} is not reduced modulo {q}")]
    Unreduced { value: u64, q: u64 },
    #[error("{0} is not a unit modulo m")]
    NotAUnit(usize),
    #[error("corrupt serialized data: {0}")]
    Corrupt(String),
}
