//! fhe-nit: non-interactive training of neural networks on BGV-encrypted data.
//!
//! The facade re-exports the layers: [`ring`] (Z_q[X]/Phi_m in DoubleCRT form, plaintext
//! slots), [`bgv`] (the scheme), [`bootstrap`] (thin recryption) and [`nn`] (bit-sliced
//! integers and training).

pub use nit_bgv as bgv;
pub use nit_bootstrap as bootstrap;
pub use nit_nn as nn;
pub use nit_ring as ring;

mod allocator;
