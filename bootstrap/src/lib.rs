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
//! - [`encrypted_two_power`]: the same arithmetic on BGV ciphertexts of their own t.
//! - [`thin_structure`]: the hypercube aligned with the powerful factorization, thin
//!   positions J(e) and the slot matrices W_i.
//! - [`slot_linear_map`]: linear maps as hoisted sums of automorphisms with slot constants
//!   (MatMul1D along a dimension, the trace), with their slot-level model.
//! - [`slots_to_coeffs`], [`coeffs_to_slots`]: the two linear maps of thin recryption.
//! - [`local_ring_matrix`]: matrices over Z_(2^r) and GR(2^r, d) and their inverses.

pub mod bootstrapping_key;
pub mod coeffs_to_slots;
pub mod digit_extraction;
pub mod encrypted_two_power;
pub mod error;
pub mod local_ring_matrix;
pub mod modulus_switch;
pub mod recryption;
pub mod slot_linear_map;
pub mod slots_to_coeffs;
#[cfg(test)]
mod test_rings;
pub mod thin_structure;
pub mod two_power_arithmetic;

pub use bootstrapping_key::BootstrappingKey;
pub use coeffs_to_slots::CoeffsToSlots;
pub use digit_extraction::{CircuitCost, DigitExtraction, Extraction, RetainCircuit};
pub use encrypted_two_power::EncryptedTwoPower;
pub use error::BootstrapError;
pub use local_ring_matrix::SlotMatrix;
pub use modulus_switch::{switch_to_two_power, PowerfulCiphertext};
pub use recryption::{recryption_bits, Bootstrapper};
pub use slot_linear_map::{SlotLinearMap, WeightedAutomorphism, WeightedAutomorphismSum};
pub use slots_to_coeffs::SlotsToCoeffs;
pub use thin_structure::{ThinDimension, ThinStructure};
pub use two_power_arithmetic::{
    Counted, IntegersModTwoPower, Residue, Tracked, TwoPowerArithmetic,
};
