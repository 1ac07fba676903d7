//! Errors of the bootstrapping layer: every bad input a caller can produce maps to one variant.

use thiserror::Error;

/// Every error of `nit-bootstrap`.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum BootstrapError {
    /// Two operands live modulo different powers of two 2^left and 2^right.
    #[error("plaintext moduli differ: 2^{left} vs 2^{right}")]
    PlaintextModulusMismatch {
        /// Exponent of the first operand's modulus.
        left: u32,
        /// Exponent of the second operand's modulus.
        right: u32,
    },
    /// The exponent (the field) of a modulus 2^t is outside the supported range: 1..=63 for
    /// native residues, 2..=32 for the bootstrapping modulus switch.
    #[error("plaintext modulus 2^{0} unsupported: need 1 <= t <= 63")]
    PlaintextModulusBits(u32),
    /// Exact division by 2^k of a value that is not a multiple of 2^k.
    #[error("{value} mod 2^{bits} is not divisible by 2^{k}")]
    NotDivisible {
        /// The dividend, in [0, 2^bits).
        value: u64,
        /// Exponent of the dividend's modulus.
        bits: u32,
        /// Exponent of the divisor 2^k.
        k: u32,
    },
    /// Digit extraction asked for v digits of Z_(2^e) outside 1 <= v < e (or e > 63).
    #[error("digit extraction of v = {v} digits from Z_(2^{e}): need 1 <= v < e")]
    DigitCount {
        /// Exponent of the input modulus 2^e.
        e: u32,
        /// Number of low digits to remove.
        v: u32,
    },
    /// The GIKV retain circuit would need precision 2^(the field); its tables stop at 2^16.
    #[error("precision 2^{0} needed: the GIKV retain circuits stop at 2^16")]
    RetainPrecision(u32),
    #[error(
        "dimension {dim} (factor {factor}, phi {phi}) has order {order}: a thin layout needs \
         phi or phi / d (d = {d})"
    )]
    /// A hypercube dimension whose order is neither phi(m_i) (good) nor phi(m_i)/d (the
    /// special one), so the thin bootstrapping layout does not apply.
    DimensionNotThin {
        /// Index of the hypercube dimension.
        dim: usize,
        /// Its factor m_i of m in the powerful basis.
        factor: usize,
        /// phi(m_i).
        phi: usize,
        /// The generator's order in Z_m^*/<2>.
        order: usize,
        /// Slot degree d = ord_m(2).
        d: usize,
    },
    /// The named matrix is not invertible mod 2 (or not square).
    #[error("{0} is singular mod 2")]
    SingularMatrix(&'static str),
    /// Recryption takes ciphertexts (and parameters) with plaintext modulus 2 only.
    #[error("recryption needs plaintext modulus 2, found 2^{0}")]
    NotBinary(u32),
    /// Recryption takes relinearized ciphertexts (two parts).
    #[error("recryption needs a relinearized ciphertext (2 parts), found {0} parts")]
    CiphertextParts(usize),
    /// The ciphertext's noise leaves too little room for SlotsToCoeffs and the switch to 2^e:
    /// it must be refreshed earlier.
    #[error("capacity {capacity:.1} bits is below the {needed:.1} bits recryption needs")]
    CapacityTooLow {
        /// Capacity of the ciphertext (bits).
        capacity: f64,
        /// Capacity recryption needs (bits).
        needed: f64,
    },
    /// The chain is too short for refreshed values to carry circuits: a refresh leaves fewer
    /// than the needed AND levels above the capacity the next refresh needs.
    #[error("a refreshed value carries {levels} AND levels above the {threshold:.1} bits the next refresh needs, at least {needed} are needed: use a longer chain")]
    ShortChain {
        /// Squarings a refreshed value carries above the threshold.
        levels: usize,
        /// Levels needed.
        needed: usize,
        /// Capacity the next refresh needs plus the margin (bits).
        threshold: f64,
    },
    /// A bootstrapping key lacks the key set of the named plaintext modulus.
    #[error("the bootstrapping key has no key set for {0}")]
    MissingKeys(&'static str),
    /// The key set for plaintext modulus 2^(the field) belongs to another secret key than BK.
    #[error("the bootstrapping key set for 2^{0} belongs to another secret key")]
    ForeignKeySet(u32),
    /// The bootstrapping key lacks a key recryption uses: the automorphism X -> X^exponent, or
    /// relinearization (exponent 0), for plaintext modulus 2^bits.
    #[error("the bootstrapping key lacks the key for exponent {exponent} (0: relinearization) at t = 2^{bits}")]
    MissingKey {
        /// k of the plaintext modulus 2^k.
        bits: u32,
        /// The automorphism's exponent; 0 for relinearization.
        exponent: u64,
    },
    /// A measured refresh decrypted to other bits than its input (a failed recryption).
    #[error("a refresh decrypted to other bits than its input")]
    WrongRefresh,
    /// An error of the ring layer.
    #[error(transparent)]
    Ring(#[from] nit_ring::RingError),
    /// An error of the BGV layer (a step run on ciphertexts).
    #[error(transparent)]
    Bgv(#[from] nit_bgv::BgvError),
}
