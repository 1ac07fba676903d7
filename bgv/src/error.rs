//! Errors of the BGV layer: each names what the caller got wrong or what ran out.

use nit_ring::RingError;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum BgvError {
    #[error(transparent)]
    Ring(#[from] RingError),
    #[error("invalid parameters: {0}")]
    InvalidParameters(String),
    #[error("parameter {field} = {value} outside {min}..={max}")]
    LiteralOutOfRange {
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    #[error(
        "plaintext modulus t = {t} does not divide {prime} - 1: switching the modulus or the key \
         would scale the plaintext"
    )]
    PlaintextModulusNotInChain { t: u64, prime: u64 },
    #[error(
        "plaintext modulus 2^{bits} is beyond what the chain carries (every ciphertext prime is \
         = 1 mod 2^{max} at most, and 1 <= bits <= 62)"
    )]
    PlaintextModulusOutOfRange { bits: u32, max: u32 },
    #[error("plaintext moduli differ: 2^{left} vs 2^{right}")]
    PlaintextModulusMismatch { left: u32, right: u32 },
    #[error("key made for plaintext modulus 2^{key} used on a ciphertext with 2^{ciphertext}")]
    KeyPlaintextModulusMismatch { key: u32, ciphertext: u32 },
    #[error(
        "switching from {from} to {to} primes would scale a plaintext mod 2^{bits}: the dropped \
         primes' product is not 1 mod 2^{bits}"
    )]
    ModulusSwitchScalesPlaintext { bits: u32, from: usize, to: usize },
    #[error("cannot divide a plaintext mod 2^{bits} by 2^{shift}: needs shift < {bits}")]
    BadTwoPowerDivision { bits: u32, shift: u32 },
    #[error("unknown parameter set {0:?} (known: toy, paper)")]
    UnknownSet(String),
    #[error("object belongs to parameters {found}, expected {expected}")]
    ParamsMismatch { expected: String, found: String },
    #[error("object belongs to secret key {found}, expected {expected}")]
    KeyMismatch { expected: String, found: String },
    #[error("levels differ: {left} vs {right} primes")]
    LevelMismatch { left: usize, right: usize },
    #[error("noise budget exhausted: {operation} would leave {capacity:.1} bits of capacity")]
    NoiseBudgetExhausted {
        operation: &'static str,
        capacity: f64,
    },
    #[error(
        "decryption refused: the phase has 2^{measured_bits:.1} where the ciphertext's noise bound \
         allows 2^{bound_bits:.1} (tampered bound or key label, or the wrong key)"
    )]
    NoiseBoundExceeded { measured_bits: f64, bound_bits: f64 },
    #[error(
        "noise bound 2^{claimed_bits:.1} is below 2^{least_bits:.1}, the least any ciphertext at \
         its level carries"
    )]
    NoiseClaimTooLow { claimed_bits: f64, least_bits: f64 },
    #[error("missing key-switching key for the automorphism X -> X^{exponent}")]
    MissingGaloisKey { exponent: usize },
    #[error("missing relinearization key (s^2 -> s)")]
    MissingRelinearizationKey,
    #[error("ciphertext has {0} parts; relinearize it first")]
    NotRelinearized(usize),
    #[error("plaintext has {found} coefficients, expected {expected}")]
    PlaintextLength { expected: usize, found: usize },
    #[error("plaintext coefficient {value} is not below t = {t}")]
    PlaintextRange { value: u64, t: u64 },
    #[error("level {requested} is outside 1..={max}")]
    BadLevel { requested: usize, max: usize },
    #[error("secret key coefficient {0} is not in {{-1, 0, 1}}")]
    SecretKeyNotTernary(i64),
    #[error("secret key has Hamming weight {weight}; the parameters allow {min}..={max}")]
    SecretKeyWeight {
        weight: usize,
        min: usize,
        max: usize,
    },
    #[error("slot error: {0}")]
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
