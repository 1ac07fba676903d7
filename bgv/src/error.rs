//! Errors of the BGV layer: each names what the caller got wrong or what ran out.

use nit_ring::RingError;
use thiserror::Error;

/// Every error of `nit-bgv`. Non-exhaustive: a match needs a wildcard arm.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum BgvError {
    /// An error of the ring layer (bad prime, basis mismatch, corrupt bytes, ...).
    #[error(transparent)]
    Ring(#[from] RingError),
    /// A parameter literal is inconsistent as a whole; the string says how.
    #[error("invalid parameters: {0}")]
    InvalidParameters(String),
    #[error("parameter {field} = {value} outside {min}..={max}")]
    /// One field of a parameter literal is outside its allowed range.
    LiteralOutOfRange {
        /// Name of the field in `ParamsLiteral`.
        field: &'static str,
        /// The value given.
        value: u64,
        /// Least allowed value.
        min: u64,
        /// Greatest allowed value.
        max: u64,
    },
    #[error(
        "plaintext modulus t = {t} does not divide {prime} - 1: switching the modulus or the key \
         would scale the plaintext"
    )]
    /// A generated prime q has q != 1 mod t, so modulus and key switching would scale the
    /// plaintext by q mod t.
    PlaintextModulusNotInChain {
        /// Plaintext modulus t = 2^r.
        t: u64,
        /// The offending ciphertext or special prime.
        prime: u64,
    },
    /// A plaintext modulus 2^bits beyond what every ciphertext prime carries (q = 1 mod 2^bits).
    #[error(
        "plaintext modulus 2^{bits} is beyond what the chain carries (every ciphertext prime is \
         = 1 mod 2^{max} at most, and 1 <= bits <= 62)"
    )]
    PlaintextModulusOutOfRange {
        /// Requested exponent.
        bits: u32,
        /// Largest exponent the chain carries.
        max: u32,
    },
    /// Two operands (ciphertexts or a ciphertext and a plaintext) of different plaintext moduli.
    #[error("plaintext moduli differ: 2^{left} vs 2^{right}")]
    PlaintextModulusMismatch {
        /// Exponent of the left operand's t.
        left: u32,
        /// Exponent of the right operand's t.
        right: u32,
    },
    /// A key made for another plaintext modulus (its noise term is t e for its own t).
    #[error("key made for plaintext modulus 2^{key} used on a ciphertext with 2^{ciphertext}")]
    KeyPlaintextModulusMismatch {
        /// Exponent of the key's t.
        key: u32,
        /// Exponent of the ciphertext's t.
        ciphertext: u32,
    },
    /// Dropping primes whose product is not 1 mod t would multiply the plaintext by D^-1 mod t.
    #[error(
        "switching from {from} to {to} primes would scale a plaintext mod 2^{bits}: the dropped \
         primes' product is not 1 mod 2^{bits}"
    )]
    ModulusSwitchScalesPlaintext {
        /// Exponent of the ciphertext's t.
        bits: u32,
        /// Primes before the switch.
        from: usize,
        /// Primes after the switch.
        to: usize,
    },
    /// A division of the plaintext by 2^shift that would leave no plaintext bit.
    #[error("cannot divide a plaintext mod 2^{bits} by 2^{shift}: needs shift < {bits}")]
    BadTwoPowerDivision {
        /// Exponent of the ciphertext's t.
        bits: u32,
        /// Exponent of the divisor.
        shift: u32,
    },
    #[error("unknown parameter set {0:?} (known: toy, paper)")]
    /// A named parameter set other than "toy" or "paper" (the field is the name given).
    UnknownSet(String),
    #[error("object belongs to parameters {found}, expected {expected}")]
    /// An object stamped with another parameter set's fingerprint.
    ParamsMismatch {
        /// Fingerprint of the parameters in use (short hex).
        expected: String,
        /// Fingerprint the object carries (short hex).
        found: String,
    },
    #[error("object belongs to secret key {found}, expected {expected}")]
    /// An object stamped with another secret key's fingerprint.
    KeyMismatch {
        /// Fingerprint of the key in use (short hex).
        expected: String,
        /// Fingerprint the object carries (short hex).
        found: String,
    },
    #[error("levels differ: {left} vs {right} primes")]
    /// Two operands (or a key-switching mask and the basis it must match) live on different
    /// numbers of primes.
    LevelMismatch {
        /// Number of primes of the first operand.
        left: usize,
        /// Number of primes of the second operand.
        right: usize,
    },
    #[error("noise budget exhausted: {operation} would leave {capacity:.1} bits of capacity")]
    /// The operation's noise bound would exceed what Q_l can carry (capacity < 0).
    NoiseBudgetExhausted {
        /// The operation that was refused.
        operation: &'static str,
        /// log2 of the remaining capacity it would leave, in bits (negative).
        capacity: f64,
    },
    #[error(
        "decryption refused: the phase has 2^{measured_bits:.1} where the ciphertext's noise bound \
         allows 2^{bound_bits:.1} (tampered bound or key label, or the wrong key)"
    )]
    /// The phase (at decryption, or c_0 of a loaded trivial ciphertext) is larger than the
    /// ciphertext's noise bound admits, so its plaintext cannot be trusted.
    NoiseBoundExceeded {
        /// log2 of the measured canonical-embedding norm of the phase.
        measured_bits: f64,
        /// log2 of the bound the ciphertext claims.
        bound_bits: f64,
    },
    #[error(
        "noise bound 2^{claimed_bits:.1} is below 2^{least_bits:.1}, the least any ciphertext at \
         its level carries"
    )]
    /// A loaded ciphertext claims less noise than any ciphertext at its level carries.
    NoiseClaimTooLow {
        /// log2 of the claimed bound.
        claimed_bits: f64,
        /// log2 of the least bound at that level.
        least_bits: f64,
    },
    #[error("missing key-switching key for the automorphism X -> X^{exponent}")]
    /// No key-switching key for the automorphism X -> X^exponent was generated.
    MissingGaloisKey {
        /// The exponent k of X -> X^k, a unit mod m.
        exponent: usize,
    },
    /// A product needs relinearization but the key set has no s^2 -> s key.
    #[error("missing relinearization key (s^2 -> s)")]
    MissingRelinearizationKey,
    #[error("ciphertext has {0} parts; relinearize it first")]
    /// The ciphertext has this many parts (the field), not the 2 the operation needs (only
    /// relinearization and loading also accept 3).
    NotRelinearized(usize),
    #[error("c_1 of this ciphertext is not the expansion of the seed it is stored with")]
    /// A ciphertext to store seeded is not a fresh seeded encryption under that seed.
    SeedMismatch,
    #[error("plaintext has {found} coefficients, expected {expected}")]
    /// A plaintext has the wrong number of coefficients.
    PlaintextLength {
        /// Required count, phi(m).
        expected: usize,
        /// Count given.
        found: usize,
    },
    #[error("plaintext coefficient {value} is not below t = {t}")]
    /// A plaintext coefficient is not in [0, t).
    PlaintextRange {
        /// The offending coefficient.
        value: u64,
        /// Plaintext modulus t = 2^r.
        t: u64,
    },
    #[error("level {requested} is outside 1..={max}")]
    /// A level (number of ciphertext primes) outside 1..=max.
    BadLevel {
        /// The level asked for or found.
        requested: usize,
        /// Greatest level allowed here.
        max: usize,
    },
    #[error("power {power} of the generator of dimension {dim} is outside 0..{order}")]
    /// A power of a hypercube generator outside 0..order of its dimension.
    GeneratorPowerOutOfRange {
        /// The dimension.
        dim: usize,
        /// The power asked for.
        power: usize,
        /// The dimension's order.
        order: usize,
    },
    #[error("secret key coefficient {0} is not in {{-1, 0, 1}}")]
    /// A loaded secret key has this coefficient outside {-1, 0, 1}.
    SecretKeyNotTernary(i64),
    #[error("secret key has Hamming weight {weight}; the parameters allow {min}..={max}")]
    /// A loaded secret key's Hamming weight (nonzero coefficients) is outside the allowed range.
    SecretKeyWeight {
        /// Number of nonzero coefficients.
        weight: usize,
        /// Least weight the parameters allow.
        min: usize,
        /// Greatest weight the parameters allow.
        max: usize,
    },
    #[error("slot error: {0}")]
    /// An error of the slot encoding; the string describes it.
    Slots(String),
}

/// Ok when two plaintext moduli agree (operands of one operation).
pub(crate) fn check_same_modulus(
    left: crate::PlaintextModulus,
    right: crate::PlaintextModulus,
) -> Result<(), BgvError> {
    if left == right {
        Ok(())
    } else {
        Err(BgvError::PlaintextModulusMismatch {
            left: left.bits(),
            right: right.bits(),
        })
    }
}

/// Short hexadecimal form of a fingerprint for messages.
pub(crate) fn hex(id: &[u8]) -> String {
    id.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Ok when an object stamped with secret key `found` may be used with key `expected`.
pub(crate) fn check_key_id(found: &[u8; 16], expected: &[u8; 16]) -> Result<(), BgvError> {
    if found == expected {
        Ok(())
    } else {
        Err(BgvError::KeyMismatch {
            expected: hex(expected),
            found: hex(found),
        })
    }
}
