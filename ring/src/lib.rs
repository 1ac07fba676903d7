//! nit-ring: the ring Z_q[X]/Phi_m(X) for odd m, and the plaintext slot algebra.
//!
//! - [`zq`]: word-size arithmetic mod q (Barrett, Shoup); [`prime`]: primes q = 1 mod 2Nm.
//! - [`cyclotomic`]: Z_m^*, Phi_m(X), the evaluation-point permutations of automorphisms.
//! - [`ntt`]: the power-of-two negacyclic NTT (the one place that names the backend).
//! - [`dft`]: the length-m DFT mod q by Bluestein's chirp convolution over the NTT.
//! - [`rns`]: RNS bases (lists of primes with their transform tables) and CRT.
//! - [`poly`]: polynomials in coefficient form and in evaluation (DoubleCRT) form.
//! - [`sample`]: uniform, fixed-Hamming-weight ternary and discrete Gaussian samplers.

pub mod cyclotomic;
pub mod error;
pub mod prime;
pub mod zq;

pub use cyclotomic::Cyclotomic;
pub use error::RingError;
pub use zq::Modulus;
pub mod dft;
pub mod ntt;
pub mod rns;
pub mod slots;
pub use rns::RnsBasis;
pub mod poly;
pub use poly::{CoeffPoly, DcrtPoly};
