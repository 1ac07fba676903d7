//! Bit-sliced two's-complement integers and circuits over a generic boolean SIMD backend.
