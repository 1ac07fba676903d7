//! The plaintext slot algebra of Z[X]/Phi_m(X) modulo 2^r (docs/ARCHITECTURE.md, section 2; docs/SLOTS.md).
//!
//! - [`hypercube`]: Z_m^*/<2> as a box of generators, slot representatives T.
//! - [`gf2x`], [`gf2e`]: GF(2)[X] bit-packed, GF(2^d) for d <= 64.
//! - [`factorization`]: Phi_m = prod F_{T[i]} mod 2, F_1 HElib's smallest factor.
//! - [`hensel`], [`galois_ring`], [`zx2r`]: the lift to Z_{2^32} and GR(2^32, d).
//! - [`slot_ring`], [`encoding`]: [`SlotRing`], encode/decode of bits, thin and full slots.
//! - [`slot_model`]: rotations, shifts, masks and Frobenius on slots, and the masked
//!   automorphisms that realize them. Conventions: docs/SLOTS.md.

pub mod encoding;
pub mod factorization;
pub mod galois_ring;
pub mod gf2e;
pub mod gf2x;
pub mod hensel;
pub mod hypercube;
mod simd;
pub mod slot_model;
pub mod slot_ring;
#[cfg(test)]
mod test_support;
pub mod zx2r;

pub use gf2x::Gf2Poly;
pub use hypercube::{Dimension, Hypercube};
pub use slot_model::{AutomorphismTerm, SlotMove};
pub use slot_ring::SlotRing;
