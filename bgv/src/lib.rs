//! nit-bgv: leveled BGV over Z[X]/Phi_m(X) with plaintext modulus 2^r, HElib-style.
