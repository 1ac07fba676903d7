//! Test rings (built once per test binary) and the direct models the maps are checked against:
//! a matrix-vector product along one hypercube dimension with explicit coordinates.

use nit_ring::slots::SlotRing;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::OnceLock;

/// toy, the small ring with a bad (special) dimension, paper.
const RINGS: [usize; 3] = [1023, 255, 32767];

/// The slot ring for m at plaintext modulus 2^r, tables shared across tests.
pub fn ring(m: usize, r: u32) -> SlotRing {
    static BUILT: [OnceLock<SlotRing>; 3] = [const { OnceLock::new() }; 3];
    let position = RINGS
        .iter()
        .position(|&x| x == m)
        .expect("test rings are the listed ones");
    BUILT[position]
        .get_or_init(|| SlotRing::new(m, 1).expect("the listed rings build"))
        .with_modulus_bits(r)
        .expect("test moduli are at most 2^32")
}

pub fn rng(seed: u64) -> ChaCha8Rng {
    println!("seed {seed}");
    ChaCha8Rng::seed_from_u64(seed)
}

/// `count` random GR(2^r, d) elements.
pub fn random_slots(rng: &mut ChaCha8Rng, ring: &SlotRing, count: usize) -> Vec<Vec<u64>> {
    (0..count)
        .map(|_| {
            (0..ring.d())
                .map(|_| rng.gen_range(0..ring.plaintext_modulus()))
                .collect()
        })
        .collect()
}

/// y[c] = sum_j W[c_dim][j] x[c with c_dim = j], by coordinates and slot_mul/slot_add only.
pub fn multiply_along(
    ring: &SlotRing,
    dim: usize,
    matrix: &[Vec<Vec<u64>>],
    x: &[Vec<u64>],
) -> Vec<Vec<u64>> {
    let cube = ring.hypercube();
    (0..ring.slots())
        .map(|slot| {
            let mut coordinates = cube.coordinates(slot);
            let c = coordinates[dim];
            (0..matrix.len()).fold(vec![0u64; ring.d()], |acc, j| {
                coordinates[dim] = j;
                let term = ring
                    .slot_mul(&matrix[c][j], &x[cube.index(&coordinates)])
                    .unwrap();
                ring.slot_add(&acc, &term).unwrap()
            })
        })
        .collect()
}

/// x as slot contents: thin values (constant coordinate only).
pub fn thin(ring: &SlotRing, values: &[u64]) -> Vec<Vec<u64>> {
    values
        .iter()
        .map(|&v| {
            let mut x = vec![0u64; ring.d()];
            x[0] = v;
            x
        })
        .collect()
}
