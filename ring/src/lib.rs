//! nit-ring: the ring Z_q[X]/Phi_m(X) for odd m, and the plaintext slot algebra.
//!
//! - [`zq`]: word-size arithmetic mod q (Barrett, Shoup); [`prime`]: primes q = 1 mod 2Nm.
//! - [`cyclotomic`]: Z_m^*, Phi_m(X), the evaluation-point permutations of automorphisms.
//! - [`ntt`]: the power-of-two negacyclic NTT (the one place that names the backend).
//! - [`dft`]: the length-m DFT mod q by Bluestein's chirp convolution over the NTT.
//! - [`rns`]: RNS bases (lists of primes with their transform tables) and CRT.
//! - [`poly`]: polynomials in coefficient form and in evaluation (DoubleCRT) form.
//! - [`powerful`]: the powerful basis, tensor of Z[X_i]/Phi_{m_i}(X_i) over coprime m = prod m_i.
//! - [`sample`]: secure generators; ternary, fixed-Hamming-weight and Gaussian samplers.
//! - [`serial`]: checked serialized envelopes, wire forms, fingerprints.
//! - [`slots`]: Phi_m mod 2^r, the hypercube of Z_m^*/<2>, slot encoding.

pub mod base_conversion;
pub mod cyclotomic;
pub mod dft;
pub mod error;
pub mod ifma;
pub mod ntt;
pub mod poly;
pub mod powerful;
pub mod prime;
pub mod rns;
pub mod sample;
pub mod serial;
pub mod slots;
pub mod zq;

pub use cyclotomic::Cyclotomic;
pub use error::RingError;
pub use poly::{CoeffPoly, DcrtPoly};
pub use powerful::{PowerfulBasis, PowerfulPoly};
pub use rns::RnsBasis;
pub use zq::Modulus;
