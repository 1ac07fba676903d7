//! nit-nn: bit-sliced integers over a boolean SIMD backend, table lookup, and NN training.
//!
//! - [`bitsliced`]: the `BitSimd` backend trait (plaintext, counting, encrypted) and the
//!   circuits on two's-complement integers written once over it.
//! - [`encrypted`]: the BGV backend of `BitSimd` (ciphertexts of bits).
//! - [`recrypting`]: the BGV backend with recryption, for circuits of any depth.
//! - [`data`]: MNIST IDX loading and the paper's preprocessing.
//! - [`model`]: NN2/NN1, float and fixed-point trainers.
//! - [`files`]: size-limited reads and atomic writes of the files programs exchange.

pub mod bitsliced;
pub mod data;
pub mod encrypted;
pub mod files;
pub mod model;
pub mod recrypting;
