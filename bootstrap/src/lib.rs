//! Thin recryption (bootstrapping) for BGV with plaintext modulus 2, in the style of HElib's
//! `thinReCrypt` (Halevi-Shoup, ia.cr/2014/873, Appendix A; Chen-Han, ia.cr/2018/067):
//! SlotsToCoeffs, key switch to a sparse key, raw modulus switch to q = 2^e + 1, inner product
//! with the encrypted bootstrapping key, CoeffsToSlots with the trace, and digit extraction.
//!
//! Not implemented yet: this crate holds only its description (docs/ARCHITECTURE.md, section 7).
