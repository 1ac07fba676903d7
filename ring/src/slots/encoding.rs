//! Encoding slot contents into plaintext polynomials and decoding them back.
//!
//! A plaintext polynomial is a coefficient vector with entries in [0, 2^r): encoders return
//! exactly phi(m) coefficients (the representative of degree < phi); decoders accept any
//! length from phi(m) to m, i.e. any representative of degree < m (such as the output of the
//! inverse length-m DFT), because slot i is the evaluation a(Y^{t'_i}) and Phi_m | X^m - 1.
//!
//! Encoding uses the inverse DFT over GR: a polynomial of degree < m with values x_t at Y^{t'}
//! (and zero at the non-primitive m-th roots) is a_j = m^{-1} sum_t Tr(x_t Y^{-t' j}), reduced
//! mod Phi_m. For thin contents this is sum_t c_t e_t with e_t = sigma_t(e) the CRT idempotent
//! of slot t in Z_{2^r}[X]/(X^m - 1); for bits mod 2 the idempotents are bit-packed rows.
//! Decoding: full slots are sum_j a_j Y^{t' j}; thin and bit decoding return the constant
//! coefficient of that element (the slot value when the slot holds an integer or a bit; for
//! any other content a fixed Z_{2^r}-linear functional of it, namely its Y^0 coordinate).

use super::simd::{avx2_kernel, multiply_accumulate, multiply_accumulate_block, step_index, LANES};
use super::slot_ring::SlotRing;
use crate::error::RingError;
use rayon::prelude::*;

/// sum over the slots of per-slot length-m contributions, in parallel.
fn sum_over_slots<F>(slots: usize, m: usize, contribution: F) -> Vec<u32>
where
    F: Fn(usize, &mut [u32]) + Sync,
{
    (0..slots)
        .into_par_iter()
        .fold(
            || vec![0u32; m],
            |mut acc, slot| {
                contribution(slot, &mut acc);
                acc
            },
        )
        .reduce(
            || vec![0u32; m],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x = x.wrapping_add(*y);
                }
                a
            },
        )
}

avx2_kernel! {
    /// acc[j] += c * table[j s mod m] for j < m (m = table length).
    fn add_scaled_walk(acc: &mut [u32], c: u32, table: &[u32], step: usize) {
        let m = table.len();
        let mut index = 0usize;
        for x in acc.iter_mut() {
            *x = x.wrapping_add(c.wrapping_mul(table[index]));
            index = step_index(index, step, m);
        }
    }
}

avx2_kernel! {
    /// sum_u padded[t u mod m] * table[u] (m = table length = padded length).
    fn walk_dot(padded: &[u32], table: &[u32], t: usize) -> u32 {
        let m = table.len();
        let (mut index, mut sum) = (0usize, 0u32);
        for &c in table {
            sum = sum.wrapping_add(padded[index].wrapping_mul(c));
            index = step_index(index, t, m);
        }
        sum
    }
}

avx2_kernel! {
    /// correlation[k] = sum_i x_i s[i + k] for k < m.
    fn correlate(x: &[u32], s: &[u32], m: usize) -> Vec<u32> {
        let mut correlation = vec![0u32; m];
        for (i, &xi) in x.iter().enumerate() {
            multiply_accumulate(&mut correlation, xi, &s[i..i + m]);
        }
        correlation
    }
}

avx2_kernel! {
    /// For each slot representative t in the batch: acc_t = sum_u padded[t u mod m] Y^u, the
    /// power rows (blocks per row = acc.len() / batch.len()) streamed once for the batch.
    fn evaluate_batch(padded: &[u32], powers: &[[u32; LANES]], batch: &[u32], acc: &mut [[u32; LANES]]) {
        let m = padded.len();
        let blocks = acc.len() / batch.len();
        let mut index = vec![0usize; batch.len()];
        for row in powers.chunks_exact(blocks).take(m) {
            for (b, &t) in batch.iter().enumerate() {
                let a = padded[index[b]];
                for (sum, block) in acc[b * blocks..(b + 1) * blocks].iter_mut().zip(row) {
                    multiply_accumulate_block(sum, a, block);
                }
                index[b] = step_index(index[b], t as usize, m);
            }
        }
    }
}

impl SlotRing {
    /// Checks a plaintext: length in [phi, m], every coefficient below 2^r.
    fn check_plaintext(&self, poly: &[u64]) -> Result<Vec<u32>, RingError> {
        if poly.len() < self.phi() || poly.len() > self.m() {
            return Err(RingError::PlaintextLength {
                found: poly.len(),
                phi: self.phi(),
                m: self.m(),
            });
        }
        self.check_values(poly)
    }

    fn check_slot_count(&self, found: usize) -> Result<(), RingError> {
        if found == self.slots() {
            Ok(())
        } else {
            Err(RingError::Length {
                expected: self.slots(),
                found,
            })
        }
    }

    /// Reduces a length-m representative mod Phi_m and 2^r: phi coefficients.
    fn reduce_representative(&self, a: &[u32]) -> Vec<u64> {
        self.mask_all(&self.tables.reducer.reduce(a))
    }

    /// Any integer polynomial (coefficients below 2^r, any length) reduced mod Phi_m and 2^r.
    pub fn reduce(&self, poly: &[u64]) -> Result<Vec<u64>, RingError> {
        Ok(self.reduce_representative(&self.check_values(poly)?))
    }

    /// The plaintext whose slot i holds the bit bits[i] (l bits). Modulo 2 this is the XOR of
    /// the bit-packed idempotents of the set slots, reduced once mod Phi_m; for r > 1 it is
    /// the thin encoding of the bits.
    pub fn encode_bits(&self, bits: &[bool]) -> Result<Vec<u64>, RingError> {
        self.check_slot_count(bits.len())?;
        if self.r > 1 {
            let values: Vec<u64> = bits.iter().map(|&b| b as u64).collect();
            return self.encode_thin(&values);
        }
        let tables = &self.tables;
        let words = tables.words;
        let mut acc = vec![0u64; words];
        for (row, _) in tables
            .idempotent_bits
            .chunks_exact(words)
            .zip(bits)
            .filter(|(_, &b)| b)
        {
            for (a, &x) in acc.iter_mut().zip(row) {
                *a ^= x;
            }
        }
        tables.reducer_two.reduce(&mut acc);
        Ok((0..self.phi())
            .map(|j| (acc[j / 64] >> (j % 64)) & 1)
            .collect())
    }

    /// The plaintext whose slot i holds the integer values[i] mod 2^r (l values below 2^r):
    /// sum_i c_i e_{T[i]}, e_t[j] = e[t' j mod m], reduced mod Phi_m.
    pub fn encode_thin(&self, values: &[u64]) -> Result<Vec<u64>, RingError> {
        self.check_slot_count(values.len())?;
        let values = self.check_values(values)?;
        let tables = &self.tables;
        let m = self.m();
        let a = sum_over_slots(self.slots(), m, |slot, acc| {
            let c = values[slot];
            if c != 0 {
                let step = tables.inverse_representatives[slot] as usize;
                add_scaled_walk(acc, c, &tables.idempotent, step);
            }
        });
        Ok(self.reduce_representative(&a))
    }

    /// The plaintext whose slot i holds the GR(2^r, d) element values[i] (d coefficients on
    /// 1, Y, .., Y^{d-1}, each below 2^r): a_j = m^{-1} sum_t Tr(x_t Y^{-t' j}), with
    /// Tr(x Y^k) = sum_i x_i Tr(Y^{i+k}), reduced mod Phi_m.
    pub fn encode_full(&self, values: &[Vec<u64>]) -> Result<Vec<u64>, RingError> {
        self.check_slot_count(values.len())?;
        let values = values
            .iter()
            .map(|x| self.check_element(x))
            .collect::<Result<Vec<_>, _>>()?;
        let tables = &self.tables;
        let (m, d) = (self.m(), self.d());
        // scaled_trace[u] = m^{-1} Tr(Y^{u mod m}) for u < m + d (e[k] = m^{-1} Tr(Y^{-k})).
        let scaled_trace: Vec<u32> = (0..m + d)
            .map(|u| tables.idempotent[(m - u % m) % m])
            .collect();
        let a = sum_over_slots(self.slots(), m, |slot, acc| {
            let x = &values[slot];
            if x.iter().all(|&c| c == 0) {
                return;
            }
            // correlation[k] = m^{-1} Tr(x Y^k), k < m.
            let correlation = correlate(x, &scaled_trace, m);
            let step = m - tables.inverse_representatives[slot] as usize;
            add_scaled_walk(acc, 1, &correlation, step);
        });
        Ok(self.reduce_representative(&a))
    }

    /// Slot i's bit: the constant coefficient of a(Y^{t'_i}) mod 2, as
    /// parity(functional_i AND (a mod 2)) over bit-packed words.
    pub fn decode_bits(&self, poly: &[u64]) -> Result<Vec<bool>, RingError> {
        let poly = self.check_plaintext(poly)?;
        let tables = &self.tables;
        let used = poly.len().div_ceil(64);
        let mut packed = vec![0u64; used];
        for (j, &c) in poly.iter().enumerate() {
            packed[j / 64] |= ((c & 1) as u64) << (j % 64);
        }
        Ok(tables
            .functional_bits
            .chunks_exact(tables.words)
            .map(|row| {
                // parity(sum of popcounts) = parity(XOR of the words).
                let folded = row[..used]
                    .iter()
                    .zip(&packed)
                    .fold(0u64, |acc, (x, y)| acc ^ (x & y));
                folded.count_ones() & 1 == 1
            })
            .collect())
    }

    /// Slot i's constant coefficient: sum_u a_{T[i] u mod m} c(u) mod 2^r (a padded to
    /// length m), c(u) the constant coefficient of Y^u.
    pub fn decode_thin(&self, poly: &[u64]) -> Result<Vec<u64>, RingError> {
        let poly = self.check_plaintext(poly)?;
        let tables = &self.tables;
        let m = self.m();
        let mut padded = poly;
        padded.resize(m, 0);
        let values: Vec<u32> = self
            .representatives()
            .par_iter()
            .map(|&t| walk_dot(&padded, &tables.constant_terms, t as usize))
            .collect();
        Ok(self.mask_all(&values))
    }

    /// Slot i's GR(2^r, d) element sum_j a_j Y^{t'_i j} = sum_u a_{T[i] u mod m} Y^u (a
    /// padded with zeros to length m): the power table is streamed once per batch of slots.
    pub fn decode_full(&self, poly: &[u64]) -> Result<Vec<Vec<u64>>, RingError> {
        const BATCH: usize = 8;
        let mut padded = self.check_plaintext(poly)?;
        let m = self.m();
        padded.resize(m, 0);
        let galois = &self.tables.galois;
        let blocks = galois.stride() / LANES;
        Ok(self
            .representatives()
            .par_chunks(BATCH)
            .flat_map_iter(|batch| {
                let mut acc = vec![[0u32; LANES]; batch.len() * blocks];
                evaluate_batch(&padded, galois.power_table(), batch, &mut acc);
                acc.chunks_exact(blocks)
                    .map(|sums| self.mask_all(&sums.as_flattened()[..self.d()]))
                    .collect::<Vec<_>>()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::error::RingError;
    use crate::slots::gf2x::Gf2Poly;
    use crate::slots::test_support::*;
    use rand::Rng;

    #[test]
    fn constants_encode_to_constant_polynomials() {
        for m in all_rings() {
            let ring = ring(m, 16);
            let l = ring.slots();
            let mut one = vec![0u64; ring.phi()];
            one[0] = 1;
            assert_eq!(ring.encode_bits(&vec![true; l]).unwrap(), one, "m = {m}");
            let bits = ring.with_modulus_bits(1).unwrap();
            assert_eq!(
                bits.encode_bits(&vec![true; l]).unwrap(),
                one,
                "m = {m} mod 2"
            );
            let mut seven = vec![0u64; ring.phi()];
            seven[0] = 7;
            assert_eq!(ring.encode_thin(&vec![7; l]).unwrap(), seven, "m = {m}");
            assert_eq!(ring.decode_thin(&seven).unwrap(), vec![7; l]);
        }
    }

    #[test]
    fn bits_thin_and_full_contents_round_trip() {
        let mut rng = rng(31);
        for m in all_rings() {
            for r in [1u32, 16] {
                let ring = ring(m, r);
                let bits = random_bits(&mut rng, ring.slots());
                let encoded = ring.encode_bits(&bits).unwrap();
                assert_eq!(encoded.len(), ring.phi());
                assert_eq!(
                    ring.decode_bits(&encoded).unwrap(),
                    bits,
                    "m = {m}, r = {r}"
                );
                let thin = random_thin(&mut rng, &ring);
                let encoded = ring.encode_thin(&thin).unwrap();
                assert_eq!(
                    ring.decode_thin(&encoded).unwrap(),
                    thin,
                    "m = {m}, r = {r}"
                );
                let full = random_full(&mut rng, &ring);
                let encoded = ring.encode_full(&full).unwrap();
                assert_eq!(
                    ring.decode_full(&encoded).unwrap(),
                    full,
                    "m = {m}, r = {r}"
                );
                let constant_terms: Vec<u64> = full.iter().map(|x| x[0]).collect();
                assert_eq!(ring.decode_thin(&encoded).unwrap(), constant_terms);
                let low_bits: Vec<bool> = full.iter().map(|x| x[0] & 1 == 1).collect();
                assert_eq!(ring.decode_bits(&encoded).unwrap(), low_bits);
            }
        }
    }

    /// Slot i of a is a(rho^{1/t}) for rho = X mod F_1: computed here with GF(2)[X]
    /// arithmetic mod F_1 only, independently of the tables.
    #[test]
    fn slot_is_the_evaluation_at_the_inverse_power_of_the_root_of_f1() {
        let mut rng = rng(32);
        for m in [31, 105, 1023] {
            let ring = ring(m, 1);
            let f1 = &ring.factors()[0];
            let a: Vec<u64> = (0..ring.phi()).map(|_| rng.gen_range(0..2)).collect();
            let decoded = ring.decode_full(&a).unwrap();
            for (i, &t) in ring.representatives().iter().enumerate() {
                let t_inverse = (1..m).find(|&s| s * t as usize % m == 1).unwrap();
                let mut root = Gf2Poly::one();
                for _ in 0..t_inverse {
                    root = root.mul_mod(&Gf2Poly::from_words(vec![2]), f1);
                }
                let value = a.iter().rev().fold(Gf2Poly::zero(), |acc, &c| {
                    acc.mul_mod(&root, f1)
                        .add(&Gf2Poly::from_coefficients(&[c]))
                });
                let mut coefficients = value.coefficients();
                coefficients.resize(ring.d(), 0);
                assert_eq!(decoded[i], coefficients, "m = {m}, slot {i}");
            }
        }
    }

    #[test]
    fn slots_are_a_ring_isomorphism_on_small_rings_and_toy() {
        let mut rng = rng(33);
        for m in SMALL_RINGS.into_iter().chain([1023]) {
            for r in [1u32, 16] {
                let ring = ring(m, r);
                let (x, y) = (random_full(&mut rng, &ring), random_full(&mut rng, &ring));
                let (a, b) = (ring.encode_full(&x).unwrap(), ring.encode_full(&y).unwrap());
                let product: Vec<Vec<u64>> = x
                    .iter()
                    .zip(&y)
                    .map(|(p, q)| ring.slot_mul(p, q).unwrap())
                    .collect();
                let sum: Vec<Vec<u64>> = x
                    .iter()
                    .zip(&y)
                    .map(|(p, q)| ring.slot_add(p, q).unwrap())
                    .collect();
                let ab = multiply_reference(&ring, &a, &b);
                assert_eq!(ring.decode_full(&ab).unwrap(), product, "m = {m}, r = {r}");
                assert_eq!(ring.decode_full(&add(&ring, &a, &b)).unwrap(), sum);
                let (u, v) = (
                    random_bits(&mut rng, x.len()),
                    random_bits(&mut rng, x.len()),
                );
                let (a, b) = (ring.encode_bits(&u).unwrap(), ring.encode_bits(&v).unwrap());
                let and: Vec<bool> = u.iter().zip(&v).map(|(p, q)| p & q).collect();
                let decoded = ring
                    .decode_bits(&multiply_reference(&ring, &a, &b))
                    .unwrap();
                assert_eq!(decoded, and, "m = {m}, r = {r}: bits");
            }
        }
    }

    #[test]
    fn slots_are_a_ring_isomorphism_on_paper() {
        let mut rng = rng(34);
        let ring = ring(32767, 16);
        let (x, y) = (random_full(&mut rng, &ring), random_full(&mut rng, &ring));
        let (a, b) = (ring.encode_full(&x).unwrap(), ring.encode_full(&y).unwrap());
        let product: Vec<Vec<u64>> = x
            .iter()
            .zip(&y)
            .map(|(p, q)| ring.slot_mul(p, q).unwrap())
            .collect();
        let ab = multiply_cyclic(&ring, &a, &b);
        assert_eq!(ab.len(), ring.m(), "a length-m representative");
        assert_eq!(ring.decode_full(&ab).unwrap(), product);
        let reduced = ring.reduce(&ab).unwrap();
        assert_eq!(ring.decode_full(&reduced).unwrap(), product);
        let sum: Vec<u64> = x
            .iter()
            .zip(&y)
            .map(|(p, q)| (p[0] + q[0]) % (1 << 16))
            .collect();
        assert_eq!(ring.decode_thin(&add(&ring, &a, &b)).unwrap(), sum);
    }

    #[test]
    fn reduction_matches_the_integer_model_on_paper() {
        let mut rng = rng(35);
        let ring = ring(32767, 16);
        let a: Vec<u64> = (0..ring.m()).map(|_| rng.gen_range(0..1 << 16)).collect();
        let wide: Vec<i128> = a.iter().map(|&c| c as i128).collect();
        let expect: Vec<u64> = ring
            .cyclotomic()
            .reduce_i128(&wide)
            .iter()
            .map(|&c| c.rem_euclid(1 << 16) as u64)
            .collect();
        assert_eq!(ring.reduce(&a).unwrap(), expect);
    }

    #[test]
    fn malformed_inputs_are_typed_errors() {
        let ring = ring(1023, 4);
        let (l, d, phi, m) = (ring.slots(), ring.d(), ring.phi(), ring.m());
        let length = |found| RingError::Length { expected: l, found };
        assert_eq!(ring.encode_bits(&[true; 3]), Err(length(3)));
        assert_eq!(ring.encode_thin(&vec![0; l + 1]), Err(length(l + 1)));
        assert_eq!(ring.encode_full(&vec![vec![0; d]; 2]), Err(length(2)));
        assert_eq!(
            ring.encode_full(&vec![vec![0; d - 1]; l]),
            Err(RingError::Length {
                expected: d,
                found: d - 1
            })
        );
        let unreduced = RingError::Unreduced { value: 16, q: 16 };
        assert_eq!(ring.encode_thin(&vec![16; l]), Err(unreduced.clone()));
        for bad in [phi - 1, m + 1, 0] {
            let err = RingError::PlaintextLength { found: bad, phi, m };
            assert_eq!(ring.decode_bits(&vec![0; bad]), Err(err.clone()));
            assert_eq!(ring.decode_thin(&vec![0; bad]), Err(err.clone()));
            assert_eq!(ring.decode_full(&vec![0; bad]), Err(err));
        }
        assert_eq!(ring.decode_full(&vec![16; phi]), Err(unreduced));
        assert!(ring.with_modulus_bits(0).is_err());
        assert!(ring.with_modulus_bits(33).is_err());
    }
}
