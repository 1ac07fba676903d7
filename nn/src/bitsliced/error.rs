//! Errors of the bit-sliced circuits: bad shapes a caller can fix, or a backend failure.

use thiserror::Error;

/// Error of a circuit over a backend whose own error type is `E`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BitslicedError<E> {
    /// The backend failed (noise budget exhausted, rotation key missing, ...).
    #[error("backend: {0}")]
    Backend(#[from] E),
    /// Two operands that must have the same width do not.
    #[error("width mismatch: {left} bits vs {right} bits")]
    WidthMismatch {
        /// Width of the first operand.
        left: usize,
        /// Width of the second operand.
        right: usize,
    },
    /// A width is outside what the operation accepts.
    #[error("invalid width {width}: {reason}")]
    InvalidWidth {
        /// The width asked for.
        width: usize,
        /// What the operation accepts.
        reason: &'static str,
    },
    /// A vector of per-slot values has the wrong length.
    #[error("slot count mismatch: expected {expected}, found {found}")]
    SlotCountMismatch {
        /// The backend's slot count.
        expected: usize,
        /// The vector's length.
        found: usize,
    },
    /// A value does not fit the requested two's-complement width.
    #[error("value {value} does not fit in {width} signed bits")]
    ValueOutOfRange {
        /// The value.
        value: i64,
        /// The width in bits.
        width: usize,
    },
    /// Two lists that must pair up (inputs and weights, table and index) have different lengths.
    #[error("length mismatch: {left} vs {right}")]
    LengthMismatch {
        /// Length of the first list.
        left: usize,
        /// Length of the second list.
        right: usize,
    },
    /// An operation needs at least one operand.
    #[error("no operands")]
    NoOperands,
}
