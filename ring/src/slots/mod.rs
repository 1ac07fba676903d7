//! The plaintext slot algebra of Z[X]/Phi_m(X) modulo 2^r (DESIGN.md section 4).
