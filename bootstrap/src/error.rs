//! Errors of the bootstrapping layer: every bad input a caller can produce maps to one variant.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum BootstrapError {
    #[error("plaintext moduli differ: 2^{left} vs 2^{right}")]
    PlaintextModulusMismatch { left: u32, right: u32 },
    #[error("plaintext modulus 2^{0} unsupported: need 1 <= t <= 63")]
    PlaintextModulusBits(u32),
    #[error("{value} mod 2^{bits} is not divisible by 2^{k}")]
    NotDivisible { value: u64, bits: u32, k: u32 },
    #[error("digit extraction of v = {v} digits from Z_(2^{e}): need 1 <= v < e")]
    DigitCount { e: u32, v: u32 },
    #[error("precision 2^{0} needed: the GIKV retain circuits stop at 2^16")]
    RetainPrecision(u32),
    #[error(
        "dimension {dim} (factor {factor}, phi {phi}) has order {order}: a thin layout needs \
         phi or phi / d (d = {d})"
    )]
    DimensionNotThin {
        dim: usize,
        factor: usize,
        phi: usize,
        order: usize,
        d: usize,
    },
    #[error("{0} is singular mod 2")]
    SingularMatrix(&'static str),
    #[error(transparent)]
    Ring(#[from] nit_ring::RingError),
    #[error(transparent)]
    Bgv(#[from] nit_bgv::BgvError),
}
