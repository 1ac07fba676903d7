//! Thin recryption (bootstrapping) for BGV with plaintext modulus 2, in the style of HElib's
//! `thinReCrypt` (Halevi-Shoup, ia.cr/2014/873, Appendix A; Chen-Han, ia.cr/2018/067):
//! SlotsToCoeffs, modulus switch to 2^e in the powerful basis (nit-ring's `powerful`), inner
//! product with the encrypted key, CoeffsToSlots with the trace, and digit extraction.
//! Algorithm, measurements and plan: docs/BOOTSTRAP.md.
//!
//! The crate's files, one object each:
//! - [`recryption`]: the [`Bootstrapper`], which strings the steps together.
//! - [`recryption_budget`]: what one refresh of a parameter set costs and leaves.
//! - [`bootstrapping_key`]: its public material, Enc_s(s) mod 2^e and the key sets per t.
//! - [`thin_structure`]: the hypercube aligned with the powerful factorization, thin
//!   positions J(e) and the slot matrices W_i (the powerful basis itself is nit-ring's).
//! - [`slots_to_coeffs`], [`coeffs_to_slots`]: the two linear maps, as
//!   [`slot_linear_map`]s (hoisted sums of automorphisms with slot constants) with their
//!   slot-level model; [`local_ring_matrix`]: matrices over Z_(2^r) and GR(2^r, d).
//! - [`modulus_switch`]: the switch of (c_0, c_1) mod Q_in to 2^e, rounded in the powerful
//!   basis (in the clear).
//! - [`digit_extraction`]: removal of the low digits of z mod 2^e (GIKV retain circuits),
//!   over [`two_power_arithmetic`] (native model, counter) and [`encrypted_two_power`]
//!   (ciphertexts).

pub mod bootstrapping_key;
pub mod coeffs_to_slots;
pub mod digit_extraction;
pub mod encrypted_two_power;
pub mod error;
pub mod local_ring_matrix;
pub mod modulus_switch;
pub mod recryption;
pub mod recryption_budget;
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
pub use recryption::{recryption_bits, squarings_above, Bootstrapper};
pub use recryption_budget::{MeasuredRefresh, RecryptionBudget, FAILURE_METHOD};
pub use slot_linear_map::{SlotLinearMap, WeightedAutomorphism, WeightedAutomorphismSum};
pub use slots_to_coeffs::SlotsToCoeffs;
pub use thin_structure::{ThinDimension, ThinStructure};
pub use two_power_arithmetic::{
    Counted, IntegersModTwoPower, Residue, Tracked, TwoPowerArithmetic,
};
