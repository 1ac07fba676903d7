//! nit-bgv: leveled BGV over Z[X]/Phi_m(X) with plaintext modulus t = 2^r, HElib-style.

pub mod automorphism_sum;
pub mod boolean;
#[cfg(test)]
mod boolean_tests;
pub mod ciphertext;
pub mod encryption;
pub mod error;
pub mod evaluator;
pub mod keys;
pub mod keyswitch;
pub mod literal;
pub mod modswitch;
pub mod noise;
pub mod params;
pub mod rotation;
#[cfg(test)]
mod rotation_tests;
pub mod security;
pub mod serial;
#[cfg(test)]
mod tests;

pub use error::BgvError;
pub use params::{Params, ParamsLiteral};
