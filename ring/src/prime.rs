//! Word-size primes for the modulus chain.
//!
//! Every prime q satisfies q = 1 (mod 2*N*m), N the power-of-two size of the negacyclic NTT
//! used for m (see `ntt_size`): then Z_q holds a primitive m-th root of unity (for the length-m
//! DFT) and a primitive 2N-th root (for the NTT). Primes are taken from the top of the
//! requested bit size downward, so a chain of equal-size primes is as large as possible.

use crate::error::RingError;

/// Deterministic Miller-Rabin for all 64-bit integers (bases 2..37 suffice below 3.3 * 10^24).
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    const SMALL: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    for p in SMALL {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    let mul = |a: u64, b: u64| (a as u128 * b as u128 % n as u128) as u64;
    let pow = |mut b: u64, mut e: u64| {
        let mut r = 1u64;
        while e > 0 {
            if e & 1 == 1 {
                r = mul(r, b);
            }
            b = mul(b, b);
            e >>= 1;
        }
        r
    };
    'witness: for a in SMALL {
        let mut x = pow(a, d);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul(x, x);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

/// Size N of the negacyclic NTT that carries a linear convolution of length 2m - 1:
/// the smallest power of two >= 2m - 1 (and >= 16, tfhe-ntt's minimum).
pub fn ntt_size(m: usize) -> usize {
    (2 * m - 1).next_power_of_two().max(16)
}

/// The modulus that every prime for ring m must divide q - 1 by: 2*N*m for odd m.
pub fn prime_step(m: usize) -> u64 {
    2 * ntt_size(m) as u64 * m as u64
}

/// `count` distinct primes q = 1 (mod 2Nm) with exactly `bits` bits, largest first, skipping
/// any listed in `exclude`.
pub fn generate_primes(
    m: usize,
    bits: u32,
    count: usize,
    exclude: &[u64],
) -> Result<Vec<u64>, RingError> {
    let step = prime_step(m);
    if !(20..=crate::zq::MAX_MODULUS_BITS).contains(&bits) || step >= 1 << (bits - 1) {
        return Err(RingError::PrimeBits { m, bits });
    }
    let top = (1u64 << bits) - 1;
    let low = 1u64 << (bits - 1);
    let mut primes = Vec::with_capacity(count);
    let mut candidate = (top - 1) / step * step + 1;
    while primes.len() < count {
        if candidate < low {
            return Err(RingError::NotEnoughPrimes { m, bits, count });
        }
        if is_prime(candidate) && !exclude.contains(&candidate) {
            primes.push(candidate);
        }
        candidate -= step;
    }
    Ok(primes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miller_rabin_matches_trial_division() {
        let trial = |n: u64| {
            n >= 2
                && (2..)
                    .take_while(|d| d * d <= n)
                    .all(|d| !n.is_multiple_of(d))
        };
        for n in 0..20_000u64 {
            assert_eq!(is_prime(n), trial(n), "n = {n}");
        }
        assert!(is_prime((1 << 61) - 1));
        assert!(!is_prime(3_215_031_751)); // strong pseudoprime to bases 2, 3, 5, 7
        assert!(is_prime(1_125_899_906_842_597));
    }

    #[test]
    fn ntt_sizes_of_the_named_rings() {
        assert_eq!(ntt_size(1023), 2048);
        assert_eq!(ntt_size(32767), 65536);
        assert_eq!(ntt_size(31), 64);
        assert_eq!(ntt_size(3), 16);
    }

    #[test]
    fn generated_primes_have_the_required_shape() {
        for m in [31usize, 1023, 32767] {
            let primes = generate_primes(m, 50, 15, &[]).unwrap();
            assert_eq!(primes.len(), 15);
            for (i, &q) in primes.iter().enumerate() {
                assert!(is_prime(q));
                assert_eq!(64 - q.leading_zeros(), 50);
                assert_eq!(q % prime_step(m), 1);
                assert!(!primes[..i].contains(&q));
            }
            let more = generate_primes(m, 50, 2, &primes).unwrap();
            assert!(more.iter().all(|q| !primes.contains(q)));
        }
        assert!(generate_primes(32767, 32, 1, &[]).is_err());
    }
}
