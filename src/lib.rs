//! fhe-nit: non-interactive training of neural networks on BGV-encrypted data.
//!
//! The facade re-exports the layers: [`ring`] (Z_q[X]/Phi_m in DoubleCRT form, plaintext
//! slots), [`bgv`] (the scheme), [`bootstrap`] (thin recryption) and [`nn`] (bit-sliced
//! integers and training).
//!
//! With the `jemalloc` feature (on by default) [`install_jemalloc!`] lets a program choose
//! jemalloc with huge pages as its allocator; the library itself installs none.
//! [`peak_memory`] reads the process's resident memory (peak and now) and the memory available,
//! for the benchmark harnesses and the provider's check before a step.

pub use nit_bgv as bgv;
pub use nit_bootstrap as bootstrap;
pub use nit_nn as nn;
pub use nit_ring as ring;

#[cfg(feature = "jemalloc")]
pub mod allocator;
pub mod cpu_time;
pub mod peak_memory;

/// The README's Rust blocks, compiled and run as doctests (`cargo test --doc -p fhe-nit`).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
