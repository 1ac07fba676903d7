//! Shared test rings (built once per test binary) and slow, obviously-correct models:
//! schoolbook products reduced by `Cyclotomic::reduce_i128`, cyclic products mod X^m - 1, and
//! the automorphism X -> X^k by naive substitution of exponents.

use super::gf2x::Gf2Poly;
use super::slot_model::AutomorphismTerm;
use super::slot_ring::SlotRing;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::OnceLock;

/// The rings under test: small rings, toy (1023) and paper (32767).
pub const SMALL_RINGS: [usize; 5] = [31, 127, 255, 105, 4369];

/// The small rings followed by the two named ones (toy and paper).
pub fn all_rings() -> Vec<usize> {
    let mut rings = SMALL_RINGS.to_vec();
    rings.extend([1023, 32767]);
    rings
}

/// The slot ring for m with plaintext modulus 2^r, tables shared across tests.
pub fn ring(m: usize, r: u32) -> SlotRing {
    static RINGS: [OnceLock<SlotRing>; 7] = [const { OnceLock::new() }; 7];
    let position = [31, 127, 255, 105, 4369, 1023, 32767]
        .iter()
        .position(|&x| x == m)
        .expect("test rings are the listed ones");
    RINGS[position]
        .get_or_init(|| SlotRing::new(m, 1).unwrap())
        .with_modulus_bits(r)
        .unwrap()
}

pub fn rng(seed: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    println!("seed {seed}");
    ChaCha8Rng::seed_from_u64(seed)
}

pub fn random_bits(rng: &mut ChaCha8Rng, count: usize) -> Vec<bool> {
    (0..count).map(|_| rng.gen()).collect()
}

pub fn random_thin(rng: &mut ChaCha8Rng, ring: &SlotRing) -> Vec<u64> {
    (0..ring.slots())
        .map(|_| rng.gen_range(0..ring.plaintext_modulus()))
        .collect()
}

pub fn random_full(rng: &mut ChaCha8Rng, ring: &SlotRing) -> Vec<Vec<u64>> {
    (0..ring.slots())
        .map(|_| {
            (0..ring.d())
                .map(|_| rng.gen_range(0..ring.plaintext_modulus()))
                .collect()
        })
        .collect()
}

fn to_modulus(ring: &SlotRing, values: impl Iterator<Item = i128>) -> Vec<u64> {
    let q = ring.plaintext_modulus() as i128;
    values.map(|v| v.rem_euclid(q) as u64).collect()
}

/// a * b mod (Phi_m, 2^r): schoolbook product over Z, reduced by `Cyclotomic::reduce_i128`.
pub fn multiply_reference(ring: &SlotRing, a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut product = vec![0i128; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            product[i + j] += x as i128 * y as i128;
        }
    }
    let reduced = ring.cyclotomic().reduce_i128(&product);
    to_modulus(ring, reduced.into_iter())
}

/// a * b mod (X^m - 1, 2^r) as a length-m vector (a representative mod Phi_m), with wrapping
/// u64 arithmetic (exact mod 2^r): for the paper ring, where the i128 model is too slow.
pub fn multiply_cyclic(ring: &SlotRing, a: &[u64], b: &[u64]) -> Vec<u64> {
    let m = ring.m();
    let mut product = vec![0u64; m];
    for (i, &x) in a.iter().enumerate() {
        if x == 0 {
            continue;
        }
        let (low, high) = product.split_at_mut(i);
        for (p, &y) in high.iter_mut().chain(low.iter_mut()).zip(b) {
            *p = p.wrapping_add(x.wrapping_mul(y));
        }
    }
    product
        .iter()
        .map(|&v| v & (ring.plaintext_modulus() - 1))
        .collect()
}

pub fn add(ring: &SlotRing, a: &[u64], b: &[u64]) -> Vec<u64> {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x + y) % ring.plaintext_modulus())
        .collect()
}

/// sigma_k(a) = a(X^k) by naive substitution X^j -> X^{jk mod m}, then reduced mod Phi_m:
/// by `Cyclotomic::reduce_i128` for m <= 4369, by `SlotRing::reduce` (itself tested against
/// reduce_i128) for the paper ring.
pub fn automorphism_reference(ring: &SlotRing, a: &[u64], k: u64) -> Vec<u64> {
    let m = ring.m();
    let mut substituted = vec![0u64; m];
    for (j, &c) in a.iter().enumerate() {
        let target = (j as u64 * k % m as u64) as usize;
        substituted[target] = (substituted[target] + c) % ring.plaintext_modulus();
    }
    if m <= 4369 {
        let wide: Vec<i128> = substituted.iter().map(|&c| c as i128).collect();
        to_modulus(ring, ring.cyclotomic().reduce_i128(&wide).into_iter())
    } else {
        ring.reduce(&substituted).unwrap()
    }
}

/// a * b mod (Phi_m, 2) with bit-packed GF(2)[X] arithmetic (fast enough for the paper ring).
pub fn multiply_mod_two(ring: &SlotRing, a: &[u64], b: &[u64]) -> Vec<u64> {
    let phi_m: Vec<u64> = ring
        .cyclotomic()
        .polynomial()
        .iter()
        .map(|&c| (c & 1) as u64)
        .collect();
    let product = Gf2Poly::from_coefficients(a)
        .mul(&Gf2Poly::from_coefficients(b))
        .rem(&Gf2Poly::from_coefficients(&phi_m));
    let mut coefficients = product.coefficients();
    coefficients.resize(ring.phi(), 0);
    coefficients
}

/// sum_j M_j * sigma_{h_j}(a) for the given terms, with the masks encoded by `encode_mask`:
/// products mod 2 for r = 1, by the i128 schoolbook model otherwise (small rings and toy).
pub fn apply_terms(ring: &SlotRing, a: &[u64], terms: &[AutomorphismTerm]) -> Vec<u64> {
    let mut result = vec![0u64; ring.phi()];
    for term in terms {
        let moved = automorphism_reference(ring, a, term.exponent);
        let masked = if term.mask_is_full() {
            moved
        } else {
            let mask = ring.encode_mask(&term.mask).unwrap();
            if ring.modulus_bits() == 1 {
                multiply_mod_two(ring, &moved, &mask)
            } else {
                multiply_reference(ring, &moved, &mask)
            }
        };
        result = add(ring, &result, &masked);
    }
    result
}
