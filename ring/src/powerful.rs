//! The powerful basis of Z[X]/Phi_m(X) for a factorization m = m_1 m_2 .. m_k into pairwise
//! coprime factors m_i > 1 (the linear maps' "mvec", special factor last: (11, 93) at m = 1023,
//! (31, 7, 151) at m = 32767; the factors need not be prime powers).
//!
//! CRT isomorphism (Z_m = prod Z_{m_i}): with X_i = X^{m/m_i} and u_i = (m/m_i)^{-1} mod m_i,
//!
//!   Z[X]/Phi_m(X) = (x)_i Z[X_i]/Phi_{m_i}(X_i),   X = prod_i X_i^{u_i},
//!   X^j = prod_i X_i^{j u_i mod m_i},              prod_i X_i^{c_i} = X^{sum_i c_i m/m_i mod m}.
//!
//! The basis vectors are the monomials X^J = prod_i X_i^{j_i}, 0 <= j_i < phi(m_i), i.e. the
//! ring elements X^{e(J)} mod Phi_m with e(J) = sum_i j_i m/m_i mod m. The powerful coefficients
//! T of a are the unique T[J] with a = sum_J T[J] X^J. Storage: J is flattened row-major, last
//! factor fastest: index(J) = sum_i j_i s_i, s_k = 1, s_i = s_{i+1} phi(m_{i+1}).
//!
//! Forward map ([`PowerfulBasis::to_powerful`]): take any representative sum_{j<n} a_j X^j
//! (n = phi(m) or m), scatter a_j to the cube position (j u_i mod m_i)_i of shape
//! m_1 x .. x m_k (a bijection from Z_m), then reduce every fiber along dimension i modulo
//! Phi_{m_i}(X_i), one dimension after the other, and keep the phi(m_1) x .. x phi(m_k) cube.
//! Inverse ([`PowerfulBasis::lift`]): put T[J] at exponent e(J); the exponents are distinct, so
//! this is a representative of degree < m with the same coefficients (no growth), which the
//! engine's DFT accepts as is; [`PowerfulBasis::to_coefficients`] also reduces it mod Phi_m.
//!
//! Both maps are Z-linear with integer matrices, so they act on each RNS row mod q_i
//! separately. Products are coordinate-wise along the tensor structure: the powerful
//! coefficients of a b are those of the multivariate product of T_a and T_b reduced modulo
//! each Phi_{m_i}(X_i). Bootstrapping rounds in this basis (BOOTSTRAP_NOTES 3.4), where the
//! rounding errors tau, |tau| <= 1/2 per coefficient, give eps = tau_0 + tau_1 s' of
//! standard deviation about (1/2) sqrt((phi/m) h' 2^k / 3) (k = number of primes of m).

use crate::cyclotomic::{euler_phi, gcd, Cyclotomic};
use crate::error::RingError;
use crate::poly::CoeffPoly;
use crate::rns::RnsBasis;
use crate::slots::factorization::inverse_mod;
use crate::slots::Hypercube;
use crate::zq::Modulus;
use num_bigint::BigInt;

/// One tensor factor Z[X_i]/Phi_{m_i}(X_i).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Factor {
    /// m_i.
    m: usize,
    /// phi(m_i), the number of basis monomials X_i^0 .. X_i^{phi - 1}.
    phi: usize,
    /// m / m_i: X_i = X^{cofactor}.
    cofactor: usize,
    /// u_i = (m / m_i)^{-1} mod m_i: X = prod_i X_i^{u_i}.
    crt_exponent: usize,
    /// Phi_{m_i} below its leading term, as (degree, coefficient) for the nonzero ones.
    polynomial: Vec<(usize, i64)>,
}

/// The powerful basis of one ring for one factorization of m (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerfulBasis {
    m: usize,
    phi: usize,
    factors: Vec<Factor>,
    /// cube_position[j] = flat position of X^j in the m_1 x .. x m_k cube (last fastest).
    cube_position: Vec<u32>,
    /// Phi_m below its leading term, nonzero terms as (degree, coefficient).
    polynomial: Vec<(usize, i64)>,
}

impl PowerfulBasis {
    /// The basis for m = prod factors; the factors must be > 1, pairwise coprime and multiply
    /// to m (else [`RingError::PowerfulFactors`]).
    pub fn new(ring: &Cyclotomic, factors: &[usize]) -> Result<Self, RingError> {
        let m = ring.m();
        let bad = || RingError::PowerfulFactors {
            m,
            factors: factors.to_vec(),
        };
        let product = factors
            .iter()
            .try_fold(1usize, |acc, &f| acc.checked_mul(f))
            .ok_or_else(bad)?;
        let coprime = factors.iter().enumerate().all(|(i, &a)| {
            factors[i + 1..]
                .iter()
                .all(|&b| gcd(a as u64, b as u64) == 1)
        });
        if factors.is_empty() || product != m || !coprime || factors.contains(&1) {
            return Err(bad());
        }
        let factors: Vec<Factor> = factors
            .iter()
            .map(|&mi| {
                let cofactor = m / mi;
                let phi = euler_phi(mi as u64) as usize;
                let polynomial =
                    nonzero_terms(&crate::cyclotomic::cyclotomic_polynomial(mi as u64)[..phi]);
                Factor {
                    m: mi,
                    phi,
                    cofactor,
                    crt_exponent: inverse_mod(cofactor as u64 % mi as u64, mi as u64) as usize,
                    polynomial,
                }
            })
            .collect();
        let cube_position = (0..m)
            .map(|j| {
                factors
                    .iter()
                    .fold(0usize, |flat, f| flat * f.m + j * f.crt_exponent % f.m)
                    as u32
            })
            .collect();
        Ok(PowerfulBasis {
            m,
            phi: ring.phi(),
            factors,
            cube_position,
            polynomial: nonzero_terms(&ring.polynomial()[..ring.phi()]),
        })
    }

    /// The factorization of the hypercube's linear maps: dimension i's generator g_i is 1
    /// modulo every factor but its own, so m_i = m / gcd(g_i - 1, m). Fails with
    /// [`RingError::PowerfulFactors`] when the generators are not aligned with a coprime
    /// factorization this way (HElib's tables for m = 1023 and 32767 are).
    pub fn from_hypercube(ring: &Cyclotomic, cube: &Hypercube) -> Result<Self, RingError> {
        let m = ring.m();
        if cube.m() != m {
            return Err(RingError::RingMismatch {
                expected: m,
                found: cube.m(),
            });
        }
        let factors: Vec<usize> = cube
            .dims()
            .iter()
            .map(|dim| m / gcd((dim.gen + m as u64 - 1) % m as u64, m as u64) as usize)
            .collect();
        Self::new(ring, &factors)
    }

    /// Cyclotomic index m = m_1 .. m_k.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Number of basis monomials: phi(m) = prod phi(m_i).
    pub fn len(&self) -> usize {
        self.phi
    }

    /// Always false: phi(m) >= 2 for every supported m.
    pub fn is_empty(&self) -> bool {
        self.phi == 0
    }

    /// The factorization (m_1, .., m_k).
    pub fn factors(&self) -> Vec<usize> {
        self.factors.iter().map(|f| f.m).collect()
    }

    /// The tensor shape (phi(m_1), .., phi(m_k)).
    pub fn shape(&self) -> Vec<usize> {
        self.factors.iter().map(|f| f.phi).collect()
    }

    /// The CRT exponents (u_1, .., u_k): X = prod_i X_i^{u_i}.
    pub fn crt_exponents(&self) -> Vec<usize> {
        self.factors.iter().map(|f| f.crt_exponent).collect()
    }

    /// The exponents (c_i) with X^j = prod_i X_i^{c_i}, c_i = j u_i mod m_i < m_i (c_i may
    /// reach phi(m_i), then X^j is not itself a basis monomial).
    pub fn factor_exponents(&self, j: usize) -> Vec<usize> {
        self.factors
            .iter()
            .map(|f| j % self.m * f.crt_exponent % f.m)
            .collect()
    }

    /// e(J) = sum_i j_i m/m_i mod m: the basis monomial X^J is X^{e(J)}.
    pub fn exponent(&self, monomial: &[usize]) -> Result<usize, RingError> {
        self.check_monomial(monomial)?;
        Ok(self
            .factors
            .iter()
            .zip(monomial)
            .fold(0, |e, (f, &j)| (e + j * f.cofactor) % self.m))
    }

    /// Flat index of the basis monomial J (last factor fastest).
    pub fn index(&self, monomial: &[usize]) -> Result<usize, RingError> {
        self.check_monomial(monomial)?;
        Ok(self
            .factors
            .iter()
            .zip(monomial)
            .fold(0, |flat, (f, &j)| flat * f.phi + j))
    }

    /// The monomial J at a flat index.
    pub fn monomial(&self, index: usize) -> Result<Vec<usize>, RingError> {
        if index >= self.phi {
            return Err(RingError::Length {
                expected: self.phi,
                found: index,
            });
        }
        let mut rest = index;
        let mut monomial = vec![0; self.factors.len()];
        for (j, f) in monomial.iter_mut().zip(&self.factors).rev() {
            *j = rest % f.phi;
            rest /= f.phi;
        }
        Ok(monomial)
    }

    fn check_monomial(&self, monomial: &[usize]) -> Result<(), RingError> {
        if monomial.len() != self.factors.len() {
            return Err(RingError::Length {
                expected: self.factors.len(),
                found: monomial.len(),
            });
        }
        match monomial
            .iter()
            .zip(&self.factors)
            .find(|(&j, f)| j >= f.phi)
        {
            Some((&j, f)) => Err(RingError::Length {
                expected: f.phi,
                found: j,
            }),
            None => Ok(()),
        }
    }

    /// The powerful coefficients (mod q) of the polynomial with coefficients `coefficients`
    /// mod q: phi(m) of them (reduced mod Phi_m) or m (any representative of degree < m).
    pub fn to_powerful(&self, coefficients: &[u64], q: &Modulus) -> Result<Vec<u64>, RingError> {
        let n = coefficients.len();
        if n != self.phi && n != self.m {
            return Err(RingError::Length {
                expected: self.phi,
                found: n,
            });
        }
        check_reduced(coefficients, q)?;
        let mut cube = vec![0u64; self.m];
        for (&c, &position) in coefficients.iter().zip(&self.cube_position) {
            cube[position as usize] = c;
        }
        // Reduce dimension i of a cube of extents (phi_0, .., phi_{i-1}, m_i, .., m_k).
        let mut outer = 1;
        for (i, factor) in self.factors.iter().enumerate() {
            let inner: usize = self.factors[i + 1..].iter().map(|f| f.m).product();
            let polynomial: Vec<(usize, u64)> = factor
                .polynomial
                .iter()
                .map(|&(j, c)| (j, q.from_i64(c)))
                .collect();
            let mut next = vec![0u64; outer * factor.phi * inner];
            let mut fiber = vec![0u64; factor.m];
            for o in 0..outer {
                for r in 0..inner {
                    for (t, value) in fiber.iter_mut().enumerate() {
                        *value = cube[(o * factor.m + t) * inner + r];
                    }
                    reduce_fiber(&mut fiber, factor.phi, &polynomial, q);
                    for (t, &value) in fiber[..factor.phi].iter().enumerate() {
                        next[(o * factor.phi + t) * inner + r] = value;
                    }
                }
            }
            cube = next;
            outer *= factor.phi;
        }
        Ok(cube)
    }

    /// The representative sum_J T[J] X^{e(J)} of degree < m (length m, same coefficients as
    /// T in another order): the inverse of [`Self::to_powerful`] up to a multiple of Phi_m.
    pub fn lift<T: Copy + Default>(&self, powerful: &[T]) -> Result<Vec<T>, RingError> {
        if powerful.len() != self.phi {
            return Err(RingError::Length {
                expected: self.phi,
                found: powerful.len(),
            });
        }
        let mut coefficients = vec![T::default(); self.m];
        let mut monomial = vec![0usize; self.factors.len()];
        for &value in powerful {
            let exponent = self
                .factors
                .iter()
                .zip(&monomial)
                .fold(0, |e, (f, &j)| (e + j * f.cofactor) % self.m);
            coefficients[exponent] = value;
            // Next monomial, last factor fastest.
            for (j, f) in monomial.iter_mut().zip(&self.factors).rev() {
                *j += 1;
                if *j < f.phi {
                    break;
                }
                *j = 0;
            }
        }
        Ok(coefficients)
    }

    /// The coefficients mod q, reduced mod Phi_m (length phi), of the element with powerful
    /// coefficients `powerful` mod q. Costs (m - phi) x (nonzero terms of Phi_m) products.
    pub fn to_coefficients(&self, powerful: &[u64], q: &Modulus) -> Result<Vec<u64>, RingError> {
        check_reduced(powerful, q)?;
        let mut coefficients = self.lift(powerful)?;
        let polynomial: Vec<(usize, u64)> = self
            .polynomial
            .iter()
            .map(|&(j, c)| (j, q.from_i64(c)))
            .collect();
        reduce_fiber(&mut coefficients, self.phi, &polynomial, q);
        coefficients.truncate(self.phi);
        Ok(coefficients)
    }

    /// Every RNS row of `poly` converted to the powerful basis.
    pub fn poly_to_powerful(&self, poly: &CoeffPoly) -> Result<PowerfulPoly, RingError> {
        self.check_ring(poly.basis())?;
        let rows = poly
            .rows()
            .iter()
            .zip(poly.basis().tables())
            .map(|(row, table)| self.to_powerful(row, table.modulus()))
            .collect::<Result<_, _>>()?;
        Ok(PowerfulPoly {
            basis: poly.basis().clone(),
            rows,
        })
    }

    /// The degree < m representative ([`Self::lift`]) of every row, as a polynomial.
    pub fn powerful_to_poly(&self, powerful: &PowerfulPoly) -> Result<CoeffPoly, RingError> {
        self.check_ring(&powerful.basis)?;
        let rows = powerful
            .rows
            .iter()
            .map(|row| self.lift(row))
            .collect::<Result<_, _>>()?;
        CoeffPoly::from_rows(powerful.basis.clone(), rows)
    }

    fn check_ring(&self, basis: &RnsBasis) -> Result<(), RingError> {
        match basis.ring().m() {
            m if m == self.m => Ok(()),
            found => Err(RingError::RingMismatch {
                expected: self.m,
                found,
            }),
        }
    }
}

/// A polynomial by its powerful coefficients over an RNS basis: row i holds T[J] mod q_i in
/// the flat order of its [`PowerfulBasis`] (phi(m) entries, each below q_i).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerfulPoly {
    basis: RnsBasis,
    rows: Vec<Vec<u64>>,
}

impl PowerfulPoly {
    /// Rows given directly: one per prime, phi(m) residues each, every residue reduced.
    pub fn from_rows(basis: RnsBasis, rows: Vec<Vec<u64>>) -> Result<Self, RingError> {
        if rows.len() != basis.len() {
            return Err(RingError::Length {
                expected: basis.len(),
                found: rows.len(),
            });
        }
        let phi = basis.ring().phi();
        for (row, table) in rows.iter().zip(basis.tables()) {
            if row.len() != phi {
                return Err(RingError::Length {
                    expected: phi,
                    found: row.len(),
                });
            }
            check_reduced(row, table.modulus())?;
        }
        Ok(PowerfulPoly { basis, rows })
    }

    /// The primes q_i, one per row.
    pub fn basis(&self) -> &RnsBasis {
        &self.basis
    }

    /// One row per prime: the phi(m) powerful coefficients T[J] mod q_i in [0, q_i), J
    /// flattened row-major (last factor fastest).
    pub fn rows(&self) -> &[Vec<u64>] {
        &self.rows
    }

    /// The powerful coefficients as integers in (-Q/2, Q/2] by CRT.
    pub fn to_bigint_centered(&self) -> Vec<BigInt> {
        let mut residues = vec![0u64; self.basis.len()];
        (0..self.basis.ring().phi())
            .map(|k| {
                for (r, row) in residues.iter_mut().zip(&self.rows) {
                    *r = row[k];
                }
                self.basis.reconstruct_centered(&residues)
            })
            .collect()
    }
}

fn nonzero_terms(polynomial: &[i64]) -> Vec<(usize, i64)> {
    polynomial
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0)
        .map(|(j, &c)| (j, c))
        .collect()
}

fn check_reduced(values: &[u64], q: &Modulus) -> Result<(), RingError> {
    match values.iter().find(|&&v| v >= q.value()) {
        Some(&value) => Err(RingError::Unreduced {
            value,
            q: q.value(),
        }),
        None => Ok(()),
    }
}

/// Reduces v (any length) modulo the monic polynomial of degree `degree` whose lower terms
/// are `polynomial`; afterwards v[..degree] holds the remainder.
fn reduce_fiber(v: &mut [u64], degree: usize, polynomial: &[(usize, u64)], q: &Modulus) {
    for top in (degree..v.len()).rev() {
        let c = v[top];
        if c != 0 {
            for &(j, f) in polynomial {
                let at = top - degree + j;
                v[at] = q.sub(v[at], q.mul(c, f));
            }
        }
    }
}

#[cfg(test)]
mod tests;
