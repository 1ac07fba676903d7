//! nit-bgv: leveled BGV over `Z[X]/Phi_m(X)` with plaintext modulus t = 2^r, HElib-style.
//!
//! A ciphertext at level l is (c_0, c_1) mod Q_l = q_0 .. q_{l-1} with
//! [c_0 + c_1 s]_{Q_l} = m + t e and a tracked bound on ||m + t e||_can; every operation
//! refuses to leave that bound above what Q_l can carry (`BgvError::NoiseBudgetExhausted`),
//! and decryption refuses a phase the bound does not cover (`BgvError::NoiseBoundExceeded`).
//! docs/BGV.md gives the formulas and the noise rules.
//!
//! The front door: [`ParamsLiteral`] (what a user writes; `toy`, `paper` or a small ring) is
//! checked into [`Params`]; a [`SecretKey`] gives a [`PublicKey`] and the [`EvaluationKeys`]
//! (relinearization and the automorphisms a computation asks for, see
//! [`rotate_exponents`]); an [`Evaluator`] holds the evaluation keys and computes on
//! [`Ciphertext`]s; a [`Plaintext`] is a polynomial mod t, or bits in the slots through
//! `encrypt_bits` / `decrypt_bits`. Each plaintext, ciphertext and key carries its
//! [`PlaintextModulus`] t = 2^k (the parameters' 2^r unless made otherwise; see docs/BGV.md).
//! Every failure is a [`BgvError`].
//!
//! ```
//! use nit_bgv::{rotate_exponents, EvaluationKeys, Evaluator, ParamsLiteral, SecretKey};
//! use nit_ring::sample::secure_rng;
//!
//! # fn main() -> Result<(), nit_bgv::BgvError> {
//! // m = 127 (phi = 126, 18 slots), 4 ciphertext primes: fast, NOT SECURE.
//! let params = ParamsLiteral::small(127, 4).build()?;
//! let mut rng = secure_rng();
//! let sk = SecretKey::generate(&params, &mut rng)?;
//! let keys = EvaluationKeys::generate(&sk, true, &rotate_exponents(&params, 1)?, &mut rng)?;
//! let eval = Evaluator::new(&params, sk.id(), keys)?;
//!
//! let slots = params.slots()?.slots();
//! let a: Vec<bool> = (0..slots).map(|i| i % 2 == 0).collect();
//! let b: Vec<bool> = (0..slots).map(|i| i % 3 == 0).collect();
//! let ca = sk.encrypt_bits(&a, &mut rng)?;
//! let cb = sk.encrypt_bits(&b, &mut rng)?;
//!
//! // Slot i of the result holds a[i - 1] AND b[i - 1].
//! let rotated = eval.rotate(&eval.and(&ca, &cb)?, 1)?;
//! let bits = sk.decrypt_bits(&rotated)?;
//! for i in 0..slots {
//!     let j = (i + slots - 1) % slots;
//!     assert_eq!(bits[i], a[j] && b[j]);
//! }
//! # Ok(())
//! # }
//! ```

mod automorphism_sum;
#[cfg(test)]
mod automorphism_sum_tests;
mod boolean;
#[cfg(test)]
mod boolean_tests;
#[cfg(test)]
mod chain_tests;
pub mod ciphertext;
pub mod encoded_constant;
mod encryption;
pub mod error;
pub mod evaluator;
pub mod keys;
pub(crate) mod keyswitch;
pub mod literal;
pub(crate) mod modswitch;
pub(crate) mod noise;
pub mod noise_replay;
pub mod params;
pub mod plaintext_modulus;
pub mod rotation;
#[cfg(test)]
mod rotation_tests;
pub(crate) mod security;
mod seeded;
mod serial;
#[cfg(test)]
mod tests;
mod two_power;
#[cfg(test)]
mod two_power_tests;

pub use ciphertext::{Ciphertext, Plaintext};
pub use encoded_constant::EncodedConstant;
pub use error::BgvError;
pub use evaluator::{supported_and_depth, supported_tree_depth, Evaluator};
pub use keys::{EvaluationKeys, KeyId, KeySource, KeySwitchKey, PublicKey, SecretKey};
pub use literal::{ParamsLiteral, PrimeRun};
pub use noise::NoiseBound;
pub use noise_replay::NoiseState;
pub use params::{Params, ParamsWire};
pub use plaintext_modulus::PlaintextModulus;
pub use rotation::{
    all_rotation_exponents, rotate_along_exponents, rotate_exponents, rotate_step_exponents,
    shift_exponents,
};
pub use seeded::SeededCiphertext;
