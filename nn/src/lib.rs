//! nit-nn: bit-sliced integers over a boolean SIMD backend, table lookup, and NN training.
