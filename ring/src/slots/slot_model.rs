//! The slot-level meaning of automorphisms: a plaintext reference model for the BGV layer.
//!
//! - X -> X^k moves slot s to slot u with T[u] k^{-1} = T[s] 2^f and applies the Frobenius
//!   power phi^{-f} to its content ([`Hypercube::automorphism_action`]): slot t*k receives
//!   old slot t, since slot u holds a(Y^{1/T[u]}). Along a dimension (k = g^k'), slots that
//!   do not wrap move exactly; a wrapped slot lands at T[u] = T[s] g^k' / g^ord, i.e. it is
//!   further displaced by the wrap slot w (g^ord = T[w] 2^f) and gets phi^f: the identity on
//!   bits only when w = 0, the case HElib's documentation describes.
//! - HElib's data movements ([`Hypercube::rotate1d`], [`Hypercube::rotate`],
//!   [`Hypercube::shift1d`], [`Hypercube::shift`]) are pure slot permutations (with zero fill)
//!   described by a [`SlotMove`]. rotate1D(dim, k) takes coordinate c to (c + k) mod ord; rotate
//!   takes index i to (i + k) mod l; shifts drop what leaves the range.
//! - Any [`SlotMove`] is realized exactly by sum_j M_j * sigma_{h_j}(a)
//!   ([`Hypercube::automorphism_terms`]): group the destinations u by h = T[u] / T[source(u)]
//!   mod m (no Frobenius, since the source times h is exactly T[u]); M_j is the indicator of
//!   the destinations of h_j. A rotate1D on a good dimension is the single term g^k with the
//!   full mask; on a bad one it is HElib's two-automorphism mask method: g^k on the slots that
//!   did not wrap (mask(dim, k)) and g^{k - ord} on those that did.

use super::factorization::inverse_mod;
use super::hypercube::Hypercube;
use super::slot_ring::SlotRing;
use crate::error::RingError;

/// For every destination slot, the slot whose content it receives (None: it becomes zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotMove {
    sources: Vec<Option<usize>>,
}

impl SlotMove {
    /// sources[u] = the slot whose content lands in slot u, or None when u becomes zero.
    pub fn sources(&self) -> &[Option<usize>] {
        &self.sources
    }

    /// The moved contents: result[u] = contents[source(u)], or `zero`.
    pub fn apply<T: Clone>(&self, contents: &[T], zero: &T) -> Result<Vec<T>, RingError> {
        if contents.len() != self.sources.len() {
            return Err(RingError::Length {
                expected: self.sources.len(),
                found: contents.len(),
            });
        }
        Ok(self
            .sources
            .iter()
            .map(|source| source.map_or_else(|| zero.clone(), |s| contents[s].clone()))
            .collect())
    }
}

/// One term M * sigma_h(a) of a realized [`SlotMove`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomorphismTerm {
    /// h in Z_m^*: the automorphism X -> X^h.
    pub exponent: u64,
    /// An exponent vector with prod_j g_j^{steps_j} = h mod m (entries of good dimensions in
    /// [0, ord), of bad dimensions in (-ord, ord)): h as a product of generator automorphisms.
    pub steps: Vec<i64>,
    /// The destinations that take their content from sigma_h(a).
    pub mask: Vec<bool>,
}

impl AutomorphismTerm {
    /// True when the mask selects every slot (no mask multiplication needed).
    pub fn mask_is_full(&self) -> bool {
        self.mask.iter().all(|&b| b)
    }
}

fn pow_mod(base: u64, exponent: u64, m: u64) -> u64 {
    (0..exponent).fold(1 % m, |acc, _| acc * base % m)
}

impl Hypercube {
    fn check_dim(&self, dim: usize) -> Result<usize, RingError> {
        Ok(self.dimension(dim)?.order)
    }

    /// HElib's maskTable[dim][j]: true on the slots whose coordinate in dim is >= j
    /// (0 <= j <= ord: all slots for j = 0, none for j = ord).
    pub fn mask(&self, dim: usize, j: usize) -> Result<Vec<bool>, RingError> {
        self.check_dim(dim)?;
        Ok((0..self.slots())
            .map(|slot| self.coordinate(slot, dim) >= j)
            .collect())
    }

    /// rotate1D(dim, k): the content at coordinate c moves to (c + k) mod ord.
    pub fn rotate1d(&self, dim: usize, k: i64) -> Result<SlotMove, RingError> {
        let order = self.check_dim(dim)? as i64;
        // k reduced first: c + k would overflow for k near i64::MAX.
        let k = k.rem_euclid(order);
        Ok(self.move_along(dim, |c| Some((c + k) % order)))
    }

    /// shift1D(dim, k): the content at coordinate c moves to c + k if 0 <= c + k < ord;
    /// vacated slots become zero.
    pub fn shift1d(&self, dim: usize, k: i64) -> Result<SlotMove, RingError> {
        let order = self.check_dim(dim)? as i64;
        // An overflowing c + k is far outside [0, ord): the content is dropped.
        Ok(self.move_along(dim, |c| c.checked_add(k).filter(|t| (0..order).contains(t))))
    }

    /// Moves every slot along dim by `target` (coordinate -> new coordinate or dropped).
    fn move_along(&self, dim: usize, target: impl Fn(i64) -> Option<i64>) -> SlotMove {
        let mut sources = vec![None; self.slots()];
        for slot in 0..self.slots() {
            let mut coordinates = self.coordinates(slot);
            if let Some(c) = target(coordinates[dim] as i64) {
                coordinates[dim] = c as usize;
                sources[self.index(&coordinates)] = Some(slot);
            }
        }
        SlotMove { sources }
    }

    /// HElib's EncryptedArray::rotate: slot index i moves to (i + k) mod l.
    pub fn rotate(&self, k: i64) -> SlotMove {
        let l = self.slots() as i64;
        // k reduced first: i + k would overflow for k near i64::MAX.
        let k = k.rem_euclid(l);
        let mut sources = vec![None; self.slots()];
        for i in 0..l {
            sources[((i + k) % l) as usize] = Some(i as usize);
        }
        SlotMove { sources }
    }

    /// HElib's shift: slot index i moves to i + k if 0 <= i + k < l; vacated slots are zero.
    pub fn shift(&self, k: i64) -> SlotMove {
        let l = self.slots() as i64;
        let sources = (0..l)
            .map(|u| {
                // An overflowing u - k is far outside [0, l): slot u stays empty.
                u.checked_sub(k)
                    .filter(|i| (0..l).contains(i))
                    .map(|i| i as usize)
            })
            .collect();
        SlotMove { sources }
    }

    /// The terms (h_j, M_j) with move(a) = sum_j M_j * sigma_{h_j}(a), in order of the first
    /// destination slot of each h; destinations without a source are in no mask.
    pub fn automorphism_terms(&self, slot_move: &SlotMove) -> Vec<AutomorphismTerm> {
        let m = self.m() as u64;
        let mut terms: Vec<AutomorphismTerm> = Vec::new();
        for (destination, source) in slot_move.sources().iter().enumerate() {
            let Some(source) = *source else { continue };
            let t_destination = self.representatives()[destination] as u64;
            let t_source = self.representatives()[source] as u64;
            let exponent = t_destination * inverse_mod(t_source, m) % m;
            match terms.iter_mut().find(|term| term.exponent == exponent) {
                Some(term) => term.mask[destination] = true,
                None => {
                    let (to, from) = (self.coordinates(destination), self.coordinates(source));
                    let steps = self
                        .dims()
                        .iter()
                        .enumerate()
                        .map(|(j, dim)| {
                            let delta = to[j] as i64 - from[j] as i64;
                            if dim.good {
                                delta.rem_euclid(dim.order as i64)
                            } else {
                                delta
                            }
                        })
                        .collect();
                    let mut mask = vec![false; self.slots()];
                    mask[destination] = true;
                    terms.push(AutomorphismTerm {
                        exponent,
                        steps,
                        mask,
                    });
                }
            }
        }
        terms
    }

    /// The automorphism exponents of rotate1D(dim, k), k reduced to [0, ord): (g^k, None) on
    /// a good dimension (or k = 0); (g^k, Some(g^{k - ord})) on a bad one, to be combined as
    /// M * sigma_{g^k}(a) + (1 - M) * sigma_{g^{k - ord}}(a) with M = mask(dim, k).
    pub fn rotate1d_exponents(&self, dim: usize, k: i64) -> Result<(u64, Option<u64>), RingError> {
        let dimension = *self.dimension(dim)?;
        let m = self.m() as u64;
        let k = k.rem_euclid(dimension.order as i64) as u64;
        let forward = pow_mod(dimension.gen, k, m);
        if dimension.good || k == 0 {
            return Ok((forward, None));
        }
        let wrap = pow_mod(dimension.gen, dimension.order as u64, m);
        Ok((forward, Some(forward * inverse_mod(wrap, m) % m)))
    }

    /// The exponent 2^j mod m of the Frobenius power x -> x^(2^j) in every slot.
    pub fn frobenius_exponent(&self, j: usize) -> u64 {
        pow_mod(2, (j % self.d()) as u64, self.m() as u64)
    }

    /// The action of X -> X^k on slots: result[u] = (s, e) means slot u of sigma_k(a) is
    /// phi^e(slot s of a), where T[u] k^{-1} = T[s] 2^f and e = -f mod d.
    pub fn automorphism_action(&self, k: u64) -> Result<Vec<(usize, usize)>, RingError> {
        let m = self.m() as u64;
        if self.locate(k).is_none() {
            return Err(RingError::NotAUnit(k as usize));
        }
        let k_inverse = inverse_mod(k % m, m);
        Ok(self
            .representatives()
            .iter()
            .map(|&t| {
                let (source, f) = self
                    .locate(t as u64 * k_inverse % m)
                    .expect("invariant: a product of units is a unit");
                (source, (self.d() - f) % self.d())
            })
            .collect())
    }
}

impl SlotRing {
    /// The slot contents of sigma_k(a) from those of a (full GR(2^r, d) contents).
    pub fn automorphism_model(
        &self,
        values: &[Vec<u64>],
        k: u64,
    ) -> Result<Vec<Vec<u64>>, RingError> {
        if values.len() != self.slots() {
            return Err(RingError::Length {
                expected: self.slots(),
                found: values.len(),
            });
        }
        self.hypercube()
            .automorphism_action(k)?
            .iter()
            .map(|&(source, e)| self.slot_frobenius(&values[source], e))
            .collect()
    }

    /// The mask (or any 0/1 slot vector) as a plaintext polynomial: `encode_bits`.
    pub fn encode_mask(&self, mask: &[bool]) -> Result<Vec<u64>, RingError> {
        self.encode_bits(mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slots::test_support::*;

    /// A few rotation amounts for a dimension of the given order, including negative ones.
    fn amounts(order: usize) -> Vec<i64> {
        let order = order as i64;
        let mut k = vec![1, order - 1, order / 2 + 1, -1, -(order / 3) - 2];
        k.dedup();
        k
    }

    #[test]
    fn masks_are_indicators_of_coordinates_at_least_j() {
        let cube = ring(1023, 1).hypercube().clone();
        for (dim, d) in cube.dims().iter().enumerate() {
            assert!(cube.mask(dim, 0).unwrap().iter().all(|&b| b));
            assert!(cube.mask(dim, d.order).unwrap().iter().all(|&b| !b));
            let mask = cube.mask(dim, 3).unwrap();
            let ones = mask.iter().filter(|&&b| b).count();
            assert_eq!(ones, cube.slots() / d.order * (d.order - 3));
            for (slot, &b) in mask.iter().enumerate() {
                assert_eq!(b, cube.coordinates(slot)[dim] >= 3);
            }
        }
        assert_eq!(
            cube.mask(2, 0),
            Err(RingError::DimensionOutOfRange { dim: 2, dims: 2 })
        );
        assert!(cube.rotate1d(5, 1).is_err());
        assert!(cube.rotate1d_exponents(2, 1).is_err());
    }

    /// Moves by amounts at the ends of i64 (where c + k overflowed) against a model in i128
    /// arithmetic: rotations by k mod l (or mod ord), shifts that empty everything.
    #[test]
    fn extreme_amounts_match_wide_integer_model() {
        let cube = ring(1023, 1).hypercube().clone();
        let contents: Vec<usize> = (0..cube.slots()).collect();
        let l = cube.slots() as i128;
        let amounts = [i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1];
        for k in amounts {
            let rotated = cube.rotate(k).apply(&contents, &usize::MAX).unwrap();
            let expect: Vec<usize> = (0..l)
                .map(|i| (i - k as i128).rem_euclid(l) as usize)
                .collect();
            assert_eq!(rotated, expect, "rotate({k})");
            let shifted = cube.shift(k).apply(&contents, &usize::MAX).unwrap();
            assert!(shifted.iter().all(|&x| x == usize::MAX), "shift({k})");
            for (dim, d) in cube.dims().iter().enumerate() {
                let order = d.order as i128;
                let along = cube.rotate1d(dim, k).unwrap();
                let along = along.apply(&contents, &usize::MAX).unwrap();
                let expect: Vec<usize> = (0..cube.slots())
                    .map(|slot| {
                        let mut c = cube.coordinates(slot);
                        c[dim] = (c[dim] as i128 - k as i128).rem_euclid(order) as usize;
                        cube.index(&c)
                    })
                    .collect();
                assert_eq!(along, expect, "rotate1d({dim}, {k})");
                let shifted = cube.shift1d(dim, k).unwrap();
                let shifted = shifted.apply(&contents, &usize::MAX).unwrap();
                assert!(
                    shifted.iter().all(|&x| x == usize::MAX),
                    "shift1d({dim}, {k})"
                );
            }
        }
    }

    #[test]
    fn moves_follow_helib_ptxt_semantics() {
        let cube = ring(1023, 1).hypercube().clone();
        let contents: Vec<usize> = (0..cube.slots()).collect();
        let rotated = cube.rotate(7).apply(&contents, &0).unwrap();
        assert_eq!(rotated[7], 0);
        assert_eq!(rotated[0], 53);
        let shifted = cube.shift(-2).apply(&contents, &999).unwrap();
        assert_eq!((shifted[0], shifted[57], shifted[58]), (2, 59, 999));
        // Slot (c0, c1) = index 6 c0 + c1; rotate1D(1, 2) moves (0, 5) = 5 to (0, 1) = 1.
        let along = cube.rotate1d(1, 2).unwrap().apply(&contents, &0).unwrap();
        assert_eq!((along[1], along[7], along[2]), (5, 11, 0));
        let shifted = cube.shift1d(0, 3).unwrap().apply(&contents, &999).unwrap();
        assert_eq!((shifted[18], shifted[17], shifted[59]), (0, 999, 41));
        assert!(cube
            .shift1d(0, 10)
            .unwrap()
            .sources()
            .iter()
            .all(Option::is_none));
        assert!(cube.rotate(1).apply(&[1, 2], &0).is_err());
    }

    #[test]
    fn rotate1d_exponents_agree_with_automorphism_terms() {
        for m in all_rings() {
            let cube = ring(m, 1).hypercube().clone();
            for (dim, d) in cube.dims().iter().enumerate() {
                for k in amounts(d.order) {
                    let terms = cube.automorphism_terms(&cube.rotate1d(dim, k).unwrap());
                    let (forward, backward) = cube.rotate1d_exponents(dim, k).unwrap();
                    let k0 = k.rem_euclid(d.order as i64) as usize;
                    let forward_term = terms.iter().find(|t| t.exponent == forward).unwrap();
                    match backward {
                        None => assert!(terms.len() == 1 && terms[0].mask_is_full()),
                        Some(backward) => {
                            assert!(!d.good, "m = {m}, dim {dim}, k = {k}");
                            assert_eq!(terms.len(), 2);
                            assert_eq!(forward_term.mask, cube.mask(dim, k0).unwrap());
                            assert!(terms.iter().any(|t| t.exponent == backward));
                        }
                    }
                    for term in &terms {
                        let product =
                            term.steps
                                .iter()
                                .zip(cube.dims())
                                .fold(1u64, |acc, (&s, g)| {
                                    let g_power = pow_mod(g.gen, s.unsigned_abs(), m as u64);
                                    let g_power = if s < 0 {
                                        inverse_mod(g_power, m as u64)
                                    } else {
                                        g_power
                                    };
                                    acc * g_power % m as u64
                                });
                        assert_eq!(product, term.exponent, "steps realize the exponent");
                    }
                }
            }
        }
    }

    #[test]
    fn automorphism_along_every_dimension_matches_the_slot_action_model() {
        let mut rng = rng(41);
        for m in all_rings() {
            // Paper: GR(2^16, 15) contents only (bits mod 2 are covered by the bad-dimension test).
            let bit_sizes: &[u32] = if m == 32767 { &[16] } else { &[1, 16] };
            for &r in bit_sizes {
                let ring = ring(m, r);
                let cube = ring.hypercube().clone();
                let full = random_full(&mut rng, &ring);
                let encoded = ring.encode_full(&full).unwrap();
                let bits = random_bits(&mut rng, ring.slots());
                let encoded_bits = ring.encode_bits(&bits).unwrap();
                for (dim, d) in cube.dims().iter().enumerate() {
                    let ks = if m == 32767 {
                        vec![1, d.order as i64 - 2]
                    } else {
                        amounts(d.order)
                    };
                    for k in ks {
                        let (exponent, _) = cube.rotate1d_exponents(dim, k).unwrap();
                        let moved = automorphism_reference(&ring, &encoded, exponent);
                        let expect = ring.automorphism_model(&full, exponent).unwrap();
                        assert_eq!(
                            ring.decode_full(&moved).unwrap(),
                            expect,
                            "m = {m}, dim {dim}, k = {k}"
                        );
                        let moved = automorphism_reference(&ring, &encoded_bits, exponent);
                        let action = cube.automorphism_action(exponent).unwrap();
                        let expect: Vec<bool> = action.iter().map(|&(s, _)| bits[s]).collect();
                        assert_eq!(ring.decode_bits(&moved).unwrap(), expect);
                        if d.good {
                            let rotated = cube
                                .rotate1d(dim, k)
                                .unwrap()
                                .apply(&full, &full[0])
                                .unwrap();
                            assert_eq!(ring.automorphism_model(&full, exponent).unwrap(), rotated);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bad_dimension_wraps_with_the_frobenius_power_of_its_wrap_slot() {
        // Paper, dimension 2 (25824, order 10): 25824^10 = 11628^18 * 2^3. Slots that wrap
        // under X -> X^{g^k} land 18 further along dimension 0 with phi^{-3} applied.
        let ring = ring(32767, 1);
        let cube = ring.hypercube();
        let (exponent, _) = cube.rotate1d_exponents(2, 4).unwrap();
        let action = cube.automorphism_action(exponent).unwrap();
        for (destination, &(source, e)) in action.iter().enumerate() {
            let (to, from) = (cube.coordinates(destination), cube.coordinates(source));
            if to[2] >= 4 {
                assert_eq!((to[0], to[1], to[2], e), (from[0], from[1], from[2] + 4, 0));
            } else {
                assert_eq!(
                    (to[0], to[1], to[2] + 10),
                    ((from[0] + 18) % 30, from[1], from[2] + 4)
                );
                assert_eq!(e, cube.dims()[2].wrap_frobenius);
                assert_eq!(e, 3);
            }
        }
    }

    #[test]
    fn rotation_along_bad_dimension_matches_slot_model_with_two_automorphisms_and_a_mask() {
        let mut rng = rng(42);
        for (m, r) in [(4369, 1), (4369, 16), (32767, 1)] {
            let ring = ring(m, r);
            let cube = ring.hypercube().clone();
            let bad: Vec<usize> = (0..cube.dims().len())
                .filter(|&j| !cube.dims()[j].good)
                .collect();
            assert!(!bad.is_empty(), "m = {m} has a bad dimension");
            let full = random_full(&mut rng, &ring);
            let encoded = ring.encode_full(&full).unwrap();
            let bits = random_bits(&mut rng, ring.slots());
            let encoded_bits = ring.encode_bits(&bits).unwrap();
            for &dim in &bad {
                for k in [1i64, 3] {
                    let slot_move = cube.rotate1d(dim, k).unwrap();
                    let terms = cube.automorphism_terms(&slot_move);
                    let got = ring
                        .decode_full(&apply_terms(&ring, &encoded, &terms))
                        .unwrap();
                    assert_eq!(
                        got,
                        slot_move.apply(&full, &full[0]).unwrap(),
                        "m = {m}, k = {k}"
                    );
                    let got = ring
                        .decode_bits(&apply_terms(&ring, &encoded_bits, &terms))
                        .unwrap();
                    assert_eq!(got, slot_move.apply(&bits, &false).unwrap());
                }
            }
        }
    }

    #[test]
    fn frobenius_matches_the_slot_model() {
        let mut rng = rng(43);
        for m in all_rings() {
            let ring = ring(m, if m == 32767 { 1 } else { 16 });
            let full = random_full(&mut rng, &ring);
            let encoded = ring.encode_full(&full).unwrap();
            for j in [1usize, 2] {
                let exponent = ring.hypercube().frobenius_exponent(j);
                let moved = automorphism_reference(&ring, &encoded, exponent);
                let expect: Vec<Vec<u64>> = full
                    .iter()
                    .map(|x| ring.slot_frobenius(x, j).unwrap())
                    .collect();
                assert_eq!(
                    ring.decode_full(&moved).unwrap(),
                    expect,
                    "m = {m}, j = {j}"
                );
                assert_eq!(ring.automorphism_model(&full, exponent).unwrap(), expect);
            }
            let bits = random_bits(&mut rng, ring.slots());
            let moved = automorphism_reference(&ring, &ring.encode_bits(&bits).unwrap(), 2);
            assert_eq!(
                ring.decode_bits(&moved).unwrap(),
                bits,
                "m = {m}: bits are fixed"
            );
        }
    }

    #[test]
    fn full_rotation_and_shifts_match_the_slot_model_via_automorphism_terms() {
        let mut rng = rng(44);
        for (m, r) in [(105, 16), (4369, 16), (1023, 16), (1023, 1), (32767, 1)] {
            let ring = ring(m, r);
            let cube = ring.hypercube().clone();
            let l = ring.slots() as i64;
            let full = random_full(&mut rng, &ring);
            let encoded = ring.encode_full(&full).unwrap();
            let zero = vec![0u64; ring.d()];
            let mut moves = vec![
                cube.rotate(1),
                cube.rotate(l - 1),
                cube.rotate(l / 2 + 3),
                cube.shift(5),
            ];
            if m != 32767 {
                moves.extend([cube.rotate(-7), cube.shift(-3), cube.shift1d(0, 2).unwrap()]);
            }
            for slot_move in moves {
                let terms = cube.automorphism_terms(&slot_move);
                assert!(
                    terms.len() <= 1 << cube.dims().len(),
                    "m = {m}: few automorphisms"
                );
                let got = ring
                    .decode_full(&apply_terms(&ring, &encoded, &terms))
                    .unwrap();
                assert_eq!(
                    got,
                    slot_move.apply(&full, &zero).unwrap(),
                    "m = {m}, r = {r}"
                );
            }
        }
    }
}
