//! The Galois ring GR(2^32, d) = Z_{2^32}[Y]/(F~_1(Y)), F~_1 the Hensel lift of F_1; an element
//! is its d coefficients on the basis 1, Y, .., Y^{d-1} (reduce them mod 2^r for GR(2^r, d)).
//!
//! Y is a primitive m-th root of unity (F~_1 | X^m - 1) and a Teichmueller element (m is odd),
//! so the Frobenius automorphism of GR is Y -> Y^2: phi(sum x_i Y^i) = sum x_i Y^{2i}, it fixes
//! Z_{2^32}, and the conjugates of Y^u are Y^{u 2^j}, j < d. Hence the trace
//! Tr(Y^u) = sum_j Y^{u 2^j} lies in Z_{2^32}, and the lifted factor of slot t is
//! F~_t = prod_j (X - Y^{t^{-1} 2^j}). Invariant of the power table: row u = Y^u, u < m.

use super::simd::LANES;
use super::zx2r::mul as poly_mul;

/// GR(2^32, d) = Z_{2^32}[Y]/(F~_1(Y)) with its table of Y^u (u < m) and traces Tr(Y^u);
/// elements are d coefficients in Z_{2^32} (wrapping u32 arithmetic).
#[derive(Clone, Debug)]
pub struct GaloisRing {
    m: usize,
    d: usize,
    /// Row length of the power table: d rounded up to a multiple of LANES (vector-friendly).
    stride: usize,
    /// F~_1, d + 1 coefficients, monic.
    modulus: Vec<u32>,
    /// Row u (u < m): the coefficients of Y^u, padded with zeros to `stride`.
    powers: Vec<u32>,
    /// trace[u] = Tr(Y^u), u < m.
    trace: Vec<u32>,
}

impl GaloisRing {
    /// The ring for a lifted factor F~_1 (monic, degree d, dividing X^m - 1 mod 2^32).
    pub fn new(modulus: Vec<u32>, m: usize) -> Self {
        let d = modulus.len() - 1;
        let stride = d.div_ceil(LANES) * LANES;
        let mut powers = vec![0u32; m * stride];
        powers[0] = 1;
        let mut row = vec![0u32; d];
        row[0] = 1;
        for u in 1..=m {
            // row <- Y * row, using Y^d = -(F~_1 - Y^d).
            let top = row[d - 1];
            for i in (1..d).rev() {
                row[i] = row[i - 1].wrapping_sub(top.wrapping_mul(modulus[i]));
            }
            row[0] = 0u32.wrapping_sub(top.wrapping_mul(modulus[0]));
            if u < m {
                powers[u * stride..u * stride + d].copy_from_slice(&row);
            }
        }
        assert!(
            row[0] == 1 && row[1..].iter().all(|&c| c == 0),
            "invariant: Y^m = 1 in the Galois ring"
        );
        let mut ring = GaloisRing {
            m,
            d,
            stride,
            modulus,
            powers,
            trace: Vec::new(),
        };
        ring.trace = (0..m)
            .map(|u| {
                let mut exponent = u;
                (0..d).fold(0u32, |sum, _| {
                    let term = ring.power(exponent)[0];
                    exponent = exponent * 2 % m;
                    sum.wrapping_add(term)
                })
            })
            .collect();
        ring
    }

    /// Degree d = deg F~_1 = ord_m(2): the rank of GR over Z_{2^32}.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Cyclotomic index m: Y has multiplicative order m.
    pub fn m(&self) -> usize {
        self.m
    }

    /// F~_1 mod 2^32 (d + 1 coefficients).
    pub fn modulus(&self) -> &[u32] {
        &self.modulus
    }

    /// Row length of the power table: d rounded up to a multiple of LANES (entries past d
    /// are zero).
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Y^u as a padded row of `stride` coefficients (u taken mod m).
    pub fn power(&self, u: usize) -> &[u32] {
        let u = u % self.m;
        &self.powers[u * self.stride..(u + 1) * self.stride]
    }

    /// The whole power table as blocks of LANES coefficients, stride / LANES blocks per row.
    pub fn power_table(&self) -> &[[u32; LANES]] {
        self.powers.as_chunks::<LANES>().0
    }

    /// Tr(Y^u) = sum_{j<d} Y^{u 2^j}, an element of Z_{2^32} (u < m).
    pub fn trace(&self) -> &[u32] {
        &self.trace
    }

    /// sum_k c_k Y^{k * step}, d coefficients (c of any length).
    fn fold_with_step(&self, c: &[u32], step: usize) -> Vec<u32> {
        let mut acc = vec![0u32; self.stride];
        for (k, &ck) in c.iter().enumerate() {
            if ck != 0 {
                for (a, &p) in acc.iter_mut().zip(self.power(k * step % self.m)) {
                    *a = a.wrapping_add(ck.wrapping_mul(p));
                }
            }
        }
        acc.truncate(self.d);
        acc
    }

    /// sum_k c_k Y^k for a polynomial c of any degree, d coefficients.
    fn fold(&self, c: &[u32]) -> Vec<u32> {
        self.fold_with_step(c, 1)
    }

    /// x * y for elements given by d coefficients.
    pub fn mul(&self, x: &[u32], y: &[u32]) -> Vec<u32> {
        self.fold(&poly_mul(x, y))
    }

    /// phi^e(x) = sum_i x_i Y^{i 2^e}.
    pub fn frobenius(&self, x: &[u32], e: usize) -> Vec<u32> {
        let step = (0..e).fold(1usize, |acc, _| acc * 2 % self.m);
        self.fold_with_step(x, step)
    }

    /// The minimal polynomial of Y^u over Z_{2^32}: prod_{j<d} (X - Y^{u 2^j}), d + 1
    /// coefficients, monic.
    pub fn minimal_polynomial(&self, u: usize) -> Vec<u32> {
        // coefficients[i] = coefficient of X^i, an element of GR.
        let mut coefficients: Vec<Vec<u32>> = vec![self.fold(&[1])];
        let mut exponent = u % self.m;
        for _ in 0..self.d {
            let root = self.power(exponent)[..self.d].to_vec();
            coefficients.push(vec![0u32; self.d]);
            for i in (0..coefficients.len()).rev() {
                let product = self.mul(&root, &coefficients[i]);
                let shifted = if i > 0 {
                    coefficients[i - 1].clone()
                } else {
                    vec![0u32; self.d]
                };
                coefficients[i] = shifted
                    .iter()
                    .zip(&product)
                    .map(|(&a, &b)| a.wrapping_sub(b))
                    .collect();
            }
            exponent = exponent * 2 % self.m;
        }
        coefficients
            .iter()
            .map(|c| {
                assert!(
                    c[1..].iter().all(|&x| x == 0),
                    "invariant: the minimal polynomial of Y^u has coefficients in Z_(2^32)"
                );
                c[0]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclotomic::Cyclotomic;
    use crate::slots::factorization::factor_cyclotomic_mod_two;
    use crate::slots::hensel::lift_factor;
    use crate::slots::hypercube::Hypercube;

    fn toy_ring() -> GaloisRing {
        let cube = Hypercube::new(&Cyclotomic::new(1023).unwrap()).unwrap();
        let factors = factor_cyclotomic_mod_two(&cube).unwrap();
        GaloisRing::new(lift_factor(&factors[0], 1023), 1023)
    }

    #[test]
    fn traces_are_integers_and_frobenius_is_a_ring_automorphism() {
        let ring = toy_ring();
        let d = ring.d();
        for u in [0usize, 1, 5, 100, 1022] {
            let mut sum = vec![0u32; d];
            let mut exponent = u;
            for _ in 0..d {
                for (s, &p) in sum.iter_mut().zip(ring.power(exponent)) {
                    *s = s.wrapping_add(p);
                }
                exponent = exponent * 2 % 1023;
            }
            assert!(sum[1..].iter().all(|&c| c == 0), "Tr(Y^{u}) is an integer");
            assert_eq!(sum[0], ring.trace()[u]);
        }
        assert_eq!(ring.trace()[0], d as u32);
        let x: Vec<u32> = (0..d as u32).map(|i| i * 7 + 3).collect();
        let y: Vec<u32> = (0..d as u32).map(|i| i * i + 1).collect();
        let frobenius_of_product = ring.frobenius(&ring.mul(&x, &y), 1);
        let product_of_frobenius = ring.mul(&ring.frobenius(&x, 1), &ring.frobenius(&y, 1));
        assert_eq!(frobenius_of_product, product_of_frobenius);
        assert_eq!(ring.frobenius(&x, d), x, "phi^d = identity");
    }

    #[test]
    fn minimal_polynomial_of_y_is_the_lifted_modulus() {
        let ring = toy_ring();
        assert_eq!(ring.minimal_polynomial(1), ring.modulus());
    }
}
