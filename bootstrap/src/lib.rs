//! Thin recryption (bootstrapping) for BGV with plaintext modulus 2, in the style of HElib's
//! `thinReCrypt` (Halevi-Shoup, ia.cr/2014/873, Appendix A; Chen-Han, ia.cr/2018/067):
//! SlotsToCoeffs, key switch to a sparse ephemeral key, modulus switch to 2^e in the powerful
//! basis (nit-ring's `powerful`), inner product with the encrypted ephemeral key,
//! CoeffsToSlots with the trace, and digit extraction. Plan: docs/BOOTSTRAP.md.
//!
//! Built so far:
//! - [`two_power_arithmetic`]: arithmetic in Z_(2^t) with t per value, its native model and a
//!   product/depth counter.
//! - [`modulus_switch`]: the switch of (c_0, c_1) mod Q_in to 2^e, rounded in the powerful
//!   basis (in the clear).
//! - [`digit_extraction`]: removal of the low digits of z mod 2^e (GIKV retain circuits).

pub mod digit_extraction;
pub mod error;
pub mod modulus_switch;
pub mod two_power_arithmetic;

pub use digit_extraction::{CircuitCost, DigitExtraction, Extraction, RetainCircuit};
pub use error::BootstrapError;
pub use modulus_switch::{switch_to_two_power, PowerfulCiphertext};
pub use two_power_arithmetic::{
    Counted, IntegersModTwoPower, Residue, Tracked, TwoPowerArithmetic,
};
