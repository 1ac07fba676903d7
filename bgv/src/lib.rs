//! nit-bgv: leveled BGV over Z[X]/Phi_m(X) with plaintext modulus t = 2^r, HElib-style.

pub mod error;
pub mod noise;
pub mod params;
pub mod security;

pub use error::BgvError;
pub use params::{Params, ParamsLiteral};
