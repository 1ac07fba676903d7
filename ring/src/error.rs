//! Errors of the ring layer: every bad input a caller can produce maps to one variant.

use thiserror::Error;

/// Non-exhaustive: later versions may add variants, so a match needs a wildcard arm.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    #[error("prime {0} appears twice in the basis")]
    DuplicatePrime(u64),
    #[error("prime {0} is not in the basis")]
    PrimeNotInBasis(u64),
    #[error("polynomial belongs to ring m = {found}, expected m = {expected}")]
    RingMismatch { expected: usize, found: usize },
    #[error("wrong length: expected {expected}, found {found}")]
    Length { expected: usize, found: usize },
    #[error("residue {value} is not reduced modulo {q}")]
    Unreduced { value: u64, q: u64 },
    #[error("permutation entry {index} is outside 0..phi = {phi}")]
    PermutationIndex { index: u32, phi: usize },
    #[error("{0} is not a unit modulo m")]
    NotAUnit(usize),
    #[error("corrupt serialized data: {0}")]
    Corrupt(String),
    #[error("envelope format version {found} unsupported: this build reads version {supported}")]
    UnsupportedVersion { found: u16, supported: u16 },
    #[error("{0} bytes follow the value inside the envelope")]
    TrailingBytes(usize),
    #[error("plaintext modulus 2^{0} unsupported: need 1 <= r <= 32")]
    PlaintextModulusBits(u32),
    #[error("ord_m(2) = {d} for m = {m}: the slot algebra supports d <= 64")]
    SlotDegree { m: usize, d: usize },
    #[error("{gens} hypercube generators but {orders} orders")]
    HypercubeShape { gens: usize, orders: usize },
    #[error(
        "generator {gen} with order {order}: need order >= 2 and gen^order a power of 2 mod m"
    )]
    GeneratorOrder { gen: u64, order: usize },
    #[error("the hypercube orders multiply to {product}, but Z_m^*/<2> has {slots} elements")]
    HypercubeSize { product: usize, slots: usize },
    #[error("the generators do not generate Z_m^*/<2>: two exponent vectors reach one class")]
    HypercubeNotBijective,
    #[error("dimension {dim} out of range: the hypercube has {dims} dimensions")]
    DimensionOutOfRange { dim: usize, dims: usize },
    #[error("plaintext has {found} coefficients: need between phi(m) = {phi} and m = {m}")]
    PlaintextLength { found: usize, phi: usize, m: usize },
    #[error(
        "powerful basis of m = {m}: factors {factors:?} must be > 1, pairwise coprime and multiply to m"
    )]
    PowerfulFactors { m: usize, factors: Vec<usize> },
}
