//! RNS bases: an ordered list of primes q_0 .. q_{k-1} of one ring, each with its DFT tables,
//! and the CRT between residues and integers modulo Q = prod q_i.
//!
//! CRT: x = sum_i [x_i * (Q/q_i)^{-1}]_{q_i} * (Q/q_i) mod Q; `reconstruct_centered` returns
//! the representative in (-Q/2, Q/2].

use crate::cyclotomic::Cyclotomic;
use crate::dft::Dft;
use crate::error::RingError;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};

/// Precomputed CRT constants of a basis.
#[derive(Debug)]
struct CrtTable {
    product: BigUint,
    half: BigUint,
    /// Q / q_i.
    cofactors: Vec<BigUint>,
    /// (Q / q_i)^{-1} mod q_i.
    cofactor_inverses: Vec<u64>,
}

#[derive(Debug)]
struct BasisInner {
    ring: Arc<Cyclotomic>,
    primes: Vec<Arc<Dft>>,
    crt: OnceLock<CrtTable>,
}

/// An ordered RNS basis of one ring. Cheap to clone (shared); two bases are equal when they
/// hold the same primes in the same order.
#[derive(Clone, Debug)]
pub struct RnsBasis(Arc<BasisInner>);

impl PartialEq for RnsBasis {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.ring.m() == other.0.ring.m()
                && self.0.primes.len() == other.0.primes.len()
                && self
                    .0
                    .primes
                    .iter()
                    .zip(&other.0.primes)
                    .all(|(a, b)| a.q() == b.q()))
    }
}

impl Eq for RnsBasis {}

impl RnsBasis {
    /// Builds the DFT tables of every prime (in parallel). Each q must be a distinct prime
    /// = 1 mod 2Nm below 2^62.
    pub fn new(ring: Arc<Cyclotomic>, moduli: &[u64]) -> Result<Self, RingError> {
        for (i, &q) in moduli.iter().enumerate() {
            if moduli[..i].contains(&q) {
                return Err(RingError::DuplicatePrime(q));
            }
            if !crate::prime::is_prime(q) {
                return Err(RingError::BadPrime { m: ring.m(), q });
            }
        }
        let primes = moduli
            .par_iter()
            .map(|&q| {
                Dft::new(ring.clone(), q)
                    .map(Arc::new)
                    .ok_or(RingError::BadPrime { m: ring.m(), q })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_tables(ring, primes))
    }

    /// A basis from already built tables (all of the same ring, distinct primes: the callers
    /// take them from checked bases).
    fn from_tables(ring: Arc<Cyclotomic>, primes: Vec<Arc<Dft>>) -> Self {
        assert!(
            primes.iter().all(|p| p.ring().m() == ring.m()),
            "invariant: every prime of a basis belongs to its ring"
        );
        assert!(
            primes
                .iter()
                .enumerate()
                .all(|(i, p)| primes[..i].iter().all(|o| o.q() != p.q())),
            "invariant: the primes of a basis are distinct"
        );
        RnsBasis(Arc::new(BasisInner {
            ring,
            primes,
            crt: OnceLock::new(),
        }))
    }

    /// The ring Z[X]/Phi_m every prime's DFT tables belong to.
    pub fn ring(&self) -> &Arc<Cyclotomic> {
        &self.0.ring
    }

    /// Number of primes k.
    pub fn len(&self) -> usize {
        self.0.primes.len()
    }

    /// True for the basis with no primes (Q = 1).
    pub fn is_empty(&self) -> bool {
        self.0.primes.is_empty()
    }

    /// Per-prime DFT tables, in basis order (`tables()[i].q() == moduli()[i]`).
    pub fn tables(&self) -> &[Arc<Dft>] {
        &self.0.primes
    }

    /// The primes q_0, .., q_{k-1} in basis order.
    pub fn moduli(&self) -> Vec<u64> {
        self.0.primes.iter().map(|p| p.q()).collect()
    }

    /// Position of q in the basis.
    pub fn position(&self, q: u64) -> Option<usize> {
        self.0.primes.iter().position(|p| p.q() == q)
    }

    /// The basis of the primes at `indices`, in that order.
    ///
    /// # Panics
    /// If an index is out of range or repeated (a basis holds each prime once).
    pub fn select(&self, indices: impl IntoIterator<Item = usize>) -> RnsBasis {
        let primes = indices
            .into_iter()
            .map(|i| self.0.primes[i].clone())
            .collect();
        Self::from_tables(self.0.ring.clone(), primes)
    }

    /// The first `count` primes.
    pub fn prefix(&self, count: usize) -> RnsBasis {
        self.select(0..count)
    }

    /// This basis followed by `other` (which must share the ring and no prime).
    pub fn concat(&self, other: &RnsBasis) -> Result<RnsBasis, RingError> {
        if other.ring().m() != self.ring().m() {
            return Err(RingError::RingMismatch {
                expected: self.ring().m(),
                found: other.ring().m(),
            });
        }
        if let Some(q) = other
            .moduli()
            .into_iter()
            .find(|&q| self.position(q).is_some())
        {
            return Err(RingError::DuplicatePrime(q));
        }
        let primes = self
            .0
            .primes
            .iter()
            .chain(&other.0.primes)
            .cloned()
            .collect();
        Ok(Self::from_tables(self.0.ring.clone(), primes))
    }

    fn crt(&self) -> &CrtTable {
        self.0.crt.get_or_init(|| {
            let product = self
                .0
                .primes
                .iter()
                .fold(BigUint::one(), |acc, p| acc * p.q());
            let cofactors: Vec<BigUint> = self.0.primes.iter().map(|p| &product / p.q()).collect();
            let cofactor_inverses = self
                .0
                .primes
                .iter()
                .zip(&cofactors)
                .map(|(p, c)| {
                    let residue = (c % p.q()).iter_u64_digits().next().unwrap_or(0);
                    p.modulus()
                        .inv(residue)
                        .expect("invariant: distinct primes are coprime")
                })
                .collect();
            CrtTable {
                half: &product >> 1,
                product,
                cofactors,
                cofactor_inverses,
            }
        })
    }

    /// Q = product of the primes.
    pub fn product(&self) -> &BigUint {
        &self.crt().product
    }

    /// log2(Q).
    pub fn log2_product(&self) -> f64 {
        self.0.primes.iter().map(|p| (p.q() as f64).log2()).sum()
    }

    /// The integer in (-Q/2, Q/2] with the given residues (one per prime).
    pub fn reconstruct_centered(&self, residues: &[u64]) -> BigInt {
        let crt = self.crt();
        let mut acc = BigUint::zero();
        for (i, (&x, p)) in residues.iter().zip(&self.0.primes).enumerate() {
            let t = p.modulus().mul(x, crt.cofactor_inverses[i]);
            acc += &crt.cofactors[i] * t;
        }
        acc %= &crt.product;
        if acc > crt.half {
            BigInt::from(acc) - BigInt::from(crt.product.clone())
        } else {
            BigInt::from(acc)
        }
    }

    /// Residues of an integer modulo each prime.
    pub fn decompose(&self, x: &BigInt) -> Vec<u64> {
        self.0
            .primes
            .iter()
            .map(|p| {
                let r = x.modpow(&BigInt::one(), &BigInt::from(p.q()));
                let r = if r.sign() == num_bigint::Sign::Minus {
                    r + p.q()
                } else {
                    r
                };
                r.iter_u64_digits().next().unwrap_or(0)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prime::generate_primes;
    use num_bigint::RandBigInt;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn crt_round_trip_of_random_integers_below_q() {
        let ring = Arc::new(Cyclotomic::new(32767).unwrap());
        let basis = RnsBasis::new(ring, &generate_primes(32767, 50, 15, &[]).unwrap()).unwrap();
        assert_eq!(basis.len(), 15);
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let q = BigInt::from(basis.product().clone());
        let half = &q / 2;
        for _ in 0..200 {
            let x = rng.gen_bigint_range(&(-&half + 1), &(&half + 1));
            assert_eq!(basis.reconstruct_centered(&basis.decompose(&x)), x);
        }
        assert!((basis.log2_product() - 15.0 * 50.0).abs() < 15.0);
    }

    #[test]
    fn bases_compare_by_primes_and_reject_duplicates() {
        let ring = Arc::new(Cyclotomic::new(31).unwrap());
        let primes = generate_primes(31, 40, 3, &[]).unwrap();
        let a = RnsBasis::new(ring.clone(), &primes).unwrap();
        let b = RnsBasis::new(ring.clone(), &primes).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, a.prefix(2));
        assert_eq!(
            a.concat(&a.prefix(1)),
            Err(RingError::DuplicatePrime(primes[0]))
        );
        assert_eq!(
            RnsBasis::new(ring.clone(), &[primes[1], primes[0], primes[1]]),
            Err(RingError::DuplicatePrime(primes[1]))
        );
        let selected =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.select([0, 2, 0])));
        assert!(selected.is_err(), "a repeated index is refused");
        assert!(RnsBasis::new(ring, &[primes[0] + 2]).is_err());
    }
}
