//! Errors of the ring layer: every bad input a caller can produce maps to one variant.

use thiserror::Error;

/// Every error of `nit-ring`; each variant carries the values needed to see what was wrong.
///
/// Non-exhaustive: later versions may add variants, so a match needs a wildcard arm.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RingError {
    #[error("unsupported cyclotomic index m = {0}: need odd m in [3, 2^17]")]
    /// The cyclotomic index m (the field) is even, below 3 or above [`crate::cyclotomic::MAX_M`].
    UnsupportedM(usize),
    #[error("no {bits}-bit primes = 1 mod 2Nm exist for m = {m} (or bits outside [20, 62])")]
    /// `bits` is outside [20, 62], or 2Nm >= 2^(bits-1) so no prime of that size is 1 mod 2Nm.
    PrimeBits {
        /// Cyclotomic index.
        m: usize,
        /// Requested prime size in bits.
        bits: u32,
    },
    #[error("only fewer than {count} primes of {bits} bits are = 1 mod 2Nm for m = {m}")]
    /// Fewer than `count` primes q = 1 (mod 2Nm) lie in [2^(bits-1), 2^bits).
    NotEnoughPrimes {
        /// Cyclotomic index.
        m: usize,
        /// Requested prime size in bits.
        bits: u32,
        /// Number of primes requested.
        count: usize,
    },
    #[error("{q} is not a prime = 1 mod 2Nm below 2^62 for m = {m}")]
    /// A modulus offered for an RNS basis is not prime, not 1 mod 2Nm, or not below 2^62.
    BadPrime {
        /// Cyclotomic index.
        m: usize,
        /// The rejected modulus.
        q: u64,
    },
    #[error("RNS bases differ: {left:?} vs {right:?}")]
    /// Two operands (or a value and the basis it is read into) carry different prime lists.
    BasisMismatch {
        /// Primes of the first operand (or of the target basis), in basis order.
        left: Vec<u64>,
        /// Primes of the second operand (or of the serialized value), in basis order.
        right: Vec<u64>,
    },
    #[error("prime {0} appears twice in the basis")]
    /// The prime (the field) occurs more than once in an RNS basis.
    DuplicatePrime(u64),
    #[error("prime {0} is not in the basis")]
    /// The prime (the field) was asked for, or read, but the basis does not contain it.
    PrimeNotInBasis(u64),
    #[error("polynomial belongs to ring m = {found}, expected m = {expected}")]
    /// A value built for one cyclotomic index was used with another.
    RingMismatch {
        /// Cyclotomic index m of the ring in use.
        expected: usize,
        /// Cyclotomic index m the value belongs to.
        found: usize,
    },
    #[error("wrong length: expected {expected}, found {found}")]
    /// A slice or row has the wrong number of entries (coefficients, residues, slots).
    Length {
        /// Required length.
        expected: usize,
        /// Length given.
        found: usize,
    },
    #[error("residue {value} is not reduced modulo {q}")]
    /// A residue is not in [0, q).
    Unreduced {
        /// The offending residue.
        value: u64,
        /// The modulus it should be reduced by.
        q: u64,
    },
    #[error("permutation entry {index} is outside 0..phi = {phi}")]
    /// An evaluation-point permutation (of an automorphism) names a point outside 0..phi(m).
    PermutationIndex {
        /// The out-of-range entry.
        index: u32,
        /// phi(m), the number of evaluation points.
        phi: usize,
    },
    #[error("{0} is not a unit modulo m")]
    /// The value (the field) shares a factor with m, so it is not in Z_m^*: it defines no
    /// automorphism X -> X^k and cannot be a hypercube generator.
    NotAUnit(usize),
    #[error("corrupt serialized data: {0}")]
    /// Serialized bytes could not be decoded; the string says what was wrong.
    Corrupt(String),
    #[error("envelope format version {found} unsupported: this build reads version {supported}")]
    /// An envelope written by a different format version.
    UnsupportedVersion {
        /// Version number in the envelope header.
        found: u16,
        /// The only version this build reads.
        supported: u16,
    },
    #[error("{0} bytes follow the value inside the envelope")]
    /// The envelope holds this many bytes after the decoded value.
    TrailingBytes(usize),
    #[error("plaintext modulus 2^{0} unsupported: need 1 <= r <= 32")]
    /// The plaintext modulus t = 2^r with r (the field) outside [1, 32].
    PlaintextModulusBits(u32),
    #[error("ord_m(2) = {d} for m = {m}: the slot algebra supports d <= 64")]
    /// The slot degree d = ord_m(2) exceeds 64, the widest GF(2)[X] word the slot algebra uses.
    SlotDegree {
        /// Cyclotomic index.
        m: usize,
        /// Multiplicative order of 2 modulo m.
        d: usize,
    },
    #[error("{gens} hypercube generators but {orders} orders")]
    /// The hypercube lists a different number of generators and orders.
    HypercubeShape {
        /// Number of generators given.
        gens: usize,
        /// Number of orders given.
        orders: usize,
    },
    #[error(
        "generator {gen} with order {order}: need order >= 2 and gen^order a power of 2 mod m"
    )]
    /// A hypercube order is below 2, or gen^order is not in the subgroup <2> of Z_m^*.
    GeneratorOrder {
        /// The generator, an element of Z_m^*.
        gen: u64,
        /// The order claimed for it in Z_m^*/<2>.
        order: usize,
    },
    #[error("the hypercube orders multiply to {product}, but Z_m^*/<2> has {slots} elements")]
    /// The product of the hypercube orders differs from |Z_m^*/<2>| = phi(m)/d, the slot count.
    HypercubeSize {
        /// Product of the given orders.
        product: usize,
        /// Number of slots phi(m)/d.
        slots: usize,
    },
    #[error("the generators do not generate Z_m^*/<2>: two exponent vectors reach one class")]
    /// The generator powers do not reach each class of Z_m^*/<2> exactly once.
    HypercubeNotBijective,
    #[error("dimension {dim} out of range: the hypercube has {dims} dimensions")]
    /// A hypercube dimension index is not below the number of dimensions.
    DimensionOutOfRange {
        /// The index asked for.
        dim: usize,
        /// Number of hypercube dimensions.
        dims: usize,
    },
    #[error("plaintext has {found} coefficients: need between phi(m) = {phi} and m = {m}")]
    /// A plaintext coefficient vector is shorter than phi(m) or longer than m.
    PlaintextLength {
        /// Number of coefficients given.
        found: usize,
        /// phi(m), the ring dimension.
        phi: usize,
        /// Cyclotomic index.
        m: usize,
    },
    #[error(
        "powerful basis of m = {m}: factors {factors:?} must be > 1, pairwise coprime and multiply to m"
    )]
    /// The factors of a powerful basis are not > 1, pairwise coprime, with product m.
    PowerfulFactors {
        /// Cyclotomic index.
        m: usize,
        /// The factors m_1, ..., m_k given.
        factors: Vec<usize>,
    },
}
