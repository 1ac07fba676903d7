//! The hypercube of Z_m^*/<2>: generators g_1..g_n with orders ord_1..ord_n in the quotient,
//! such that (e_1, .., e_n) -> prod g_j^{e_j} is a bijection from the box
//! [0, ord_1) x .. x [0, ord_n) onto the l = phi(m)/d cosets of <2>, d = ord_m(2).
//!
//! Slot i has the exponent vector of i in mixed radix over the orders, last dimension fastest
//! (HElib's `CubeSignature`), and representative T[i] = prod g_j^{e_j} mod m. Every unit is
//! x = T[i] * 2^f for exactly one (i, f) with 0 <= f < d ([`Hypercube::locate`]).
//!
//! Dimension j is good if g_j^{ord_j} = 1 mod m, bad otherwise. For a bad dimension
//! g_j^{ord_j} = T[w] * 2^f for one slot w (the wrap slot) and 0 <= f < d: a slot that wraps
//! around under X -> X^{g_j^k} is also displaced by the coordinates of w and gets Frobenius
//! power f (w = 0 when g_j^{ord_j} is a power of 2). HElib's m = 32767 table has such a
//! dimension: 25824^10 = 11628^18 * 2^3 mod 32767, so w has coordinates (18, 0, 0).

use crate::cyclotomic::{multiplicative_order, Cyclotomic};
use crate::error::RingError;
use serde::{Deserialize, Serialize};

/// One generator of the hypercube.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    /// g in Z_m^*.
    pub gen: u64,
    /// The order of g in Z_m^*/<2> (the side of the box).
    pub order: usize,
    /// g^order = 1 mod m.
    pub good: bool,
    /// The slot w with g^order = T[w] * 2^f (0 when g^order is a power of 2).
    pub wrap_slot: usize,
    /// The f with g^order = T[w] * 2^f, 0 <= f < d (w = f = 0 exactly when good).
    pub wrap_frobenius: usize,
    /// The order of g in Z_m^* (order * d / gcd(f, d)).
    pub order_in_units: usize,
}

/// Generators and orders of Z_m^*/<2> with the slot tables: representatives T[i], and for
/// every unit x = T[i] 2^f its slot i and Frobenius power f (see the module doc).
#[derive(Clone, Debug)]
pub struct Hypercube {
    m: usize,
    d: usize,
    dims: Vec<Dimension>,
    /// strides[j] = prod_{k > j} ord_k: slot index = sum_j e_j strides[j].
    strides: Vec<usize>,
    representatives: Vec<u32>,
    /// For a unit x = T[i] 2^f: slot_of[x] = i and frobenius_of[x] = f; u32::MAX off Z_m^*.
    slot_of: Vec<u32>,
    frobenius_of: Vec<u32>,
}

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    a * b % m
}

fn pow_mod(mut base: u64, mut exponent: u64, m: u64) -> u64 {
    let mut result = 1 % m;
    base %= m;
    while exponent != 0 {
        if exponent & 1 == 1 {
            result = mul_mod(result, base, m);
        }
        base = mul_mod(base, base, m);
        exponent >>= 1;
    }
    result
}

/// HElib's tables (tests/GTestThinBootstrapping.cpp) for the named rings.
const NAMED: [(usize, &[u64], &[usize]); 2] = [
    (1023, &[838, 584], &[10, 6]),
    (32767, &[11628, 28087, 25824], &[30, 6, 10]),
];

impl Hypercube {
    /// HElib's generators and orders for m = 1023 and m = 32767, None for other m.
    pub fn named_generators(m: usize) -> Option<(&'static [u64], &'static [usize])> {
        NAMED
            .iter()
            .find(|(named, _, _)| *named == m)
            .map(|&(_, gens, orders)| (gens, orders))
    }

    /// The named generators when m has them, otherwise [`Hypercube::find`].
    pub fn new(ring: &Cyclotomic) -> Result<Self, RingError> {
        match Self::named_generators(ring.m()) {
            Some((gens, orders)) => Self::with_generators(ring, gens, orders),
            None => Self::find(ring),
        }
    }

    /// HElib's `findGenerators` (src/NumbTh.cpp) for p = 2: with H = <2>, repeatedly take,
    /// among the elements of largest order o in Z_m^*/H, the smallest g with g^o = 1 mod m,
    /// else the smallest with g^o in <2>, else the smallest (HElib's "low quality generator");
    /// then H <- <H, g>, until H = Z_m^*. The box is then a bijection by construction.
    pub fn find(ring: &Cyclotomic) -> Result<Self, RingError> {
        let m = ring.m();
        let m64 = m as u64;
        let mut in_two = vec![false; m];
        let mut two_power = 1u64;
        loop {
            in_two[two_power as usize] = true;
            two_power = mul_mod(two_power, 2, m64);
            if two_power == 1 {
                break;
            }
        }
        let mut subgroup: Vec<u64> = (0..m as u64).filter(|&x| in_two[x as usize]).collect();
        let mut in_subgroup = in_two.clone();
        let (mut gens, mut orders) = (Vec::new(), Vec::new());
        while subgroup.len() < ring.phi() {
            // Label the cosets of the current subgroup; order of each coset in the quotient.
            let mut coset = vec![u32::MAX; m];
            let mut coset_order = Vec::new();
            for &x in ring.units() {
                if coset[x as usize] != u32::MAX {
                    continue;
                }
                let label = coset_order.len() as u32;
                for &h in &subgroup {
                    coset[mul_mod(x as u64, h, m64) as usize] = label;
                }
                let (mut y, mut order) = (x as u64, 1usize);
                while !in_subgroup[y as usize] {
                    y = mul_mod(y, x as u64, m64);
                    order += 1;
                }
                coset_order.push(order);
            }
            let largest = *coset_order.iter().max().unwrap_or(&1);
            // (quality, g): 2 if g^o = 1, 1 if g^o in <2>, 0 otherwise; smallest g per quality.
            let mut best: Option<(u8, u64)> = None;
            for &x in ring.units() {
                if coset_order[coset[x as usize] as usize] != largest {
                    continue;
                }
                let power = pow_mod(x as u64, largest as u64, m64);
                let quality = if power == 1 {
                    2
                } else {
                    in_two[power as usize] as u8
                };
                if best.is_none_or(|(q, _)| quality > q) {
                    best = Some((quality, x as u64));
                }
                if quality == 2 {
                    break;
                }
            }
            let (_, g) =
                best.expect("invariant: a nontrivial quotient has an element of order > 1");
            let mut grown = Vec::with_capacity(subgroup.len() * largest);
            let mut g_power = 1u64;
            for _ in 0..largest {
                grown.extend(subgroup.iter().map(|&h| mul_mod(h, g_power, m64)));
                g_power = mul_mod(g_power, g, m64);
            }
            for &x in &grown {
                in_subgroup[x as usize] = true;
            }
            subgroup = grown;
            gens.push(g);
            orders.push(largest);
        }
        Self::with_generators(ring, &gens, &orders)
    }

    /// The hypercube with the given generators and orders, validated: every g_j a unit,
    /// ord_j >= 1, prod ord_j = l, and the box maps onto Z_m^*/<2> (so it is a bijection).
    pub fn with_generators(
        ring: &Cyclotomic,
        gens: &[u64],
        orders: &[usize],
    ) -> Result<Self, RingError> {
        if gens.len() != orders.len() {
            return Err(RingError::HypercubeShape {
                gens: gens.len(),
                orders: orders.len(),
            });
        }
        let m = ring.m();
        let m64 = m as u64;
        let d = multiplicative_order(2, m64) as usize;
        let slots = ring.phi() / d;
        let mut dims = Vec::with_capacity(gens.len());
        for (&gen, &order) in gens.iter().zip(orders) {
            let g = gen % m64;
            if ring.unit_position(g as usize).is_none() {
                return Err(RingError::NotAUnit(gen as usize));
            }
            if order == 0 {
                return Err(RingError::GeneratorOrder { gen, order });
            }
            dims.push(Dimension {
                gen: g,
                order,
                good: pow_mod(g, order as u64, m64) == 1,
                wrap_slot: 0,
                wrap_frobenius: 0,
                order_in_units: multiplicative_order(g, m64) as usize,
            });
        }
        let product = orders
            .iter()
            .try_fold(1usize, |acc, &o| acc.checked_mul(o))
            .unwrap_or(usize::MAX);
        if product != slots {
            return Err(RingError::HypercubeSize { product, slots });
        }
        let mut strides = vec![1usize; dims.len()];
        for j in (0..dims.len().saturating_sub(1)).rev() {
            strides[j] = strides[j + 1] * dims[j + 1].order;
        }
        // powers[j][e] = g_j^e mod m for e < ord_j.
        let powers: Vec<Vec<u64>> = dims
            .iter()
            .map(|dim| {
                std::iter::successors(Some(1u64), |&p| Some(mul_mod(p, dim.gen, m64)))
                    .take(dim.order)
                    .collect()
            })
            .collect();
        let mut representatives = Vec::with_capacity(slots);
        let mut slot_of = vec![u32::MAX; m];
        let mut frobenius_of = vec![u32::MAX; m];
        for i in 0..slots {
            let t = dims.iter().enumerate().fold(1u64, |acc, (j, dim)| {
                mul_mod(acc, powers[j][(i / strides[j]) % dim.order], m64)
            });
            let mut x = t;
            for f in 0..d {
                if slot_of[x as usize] != u32::MAX {
                    return Err(RingError::HypercubeNotBijective);
                }
                slot_of[x as usize] = i as u32;
                frobenius_of[x as usize] = f as u32;
                x = mul_mod(x, 2, m64);
            }
            representatives.push(t as u32);
        }
        for dim in dims.iter_mut() {
            let wrap = pow_mod(dim.gen, dim.order as u64, m64) as usize;
            (dim.wrap_slot, dim.wrap_frobenius) =
                (slot_of[wrap] as usize, frobenius_of[wrap] as usize);
        }
        Ok(Hypercube {
            m,
            d,
            dims,
            strides,
            representatives,
            slot_of,
            frobenius_of,
        })
    }

    /// Cyclotomic index m.
    pub fn m(&self) -> usize {
        self.m
    }

    /// d = ord_m(2), the degree of every slot.
    pub fn d(&self) -> usize {
        self.d
    }

    /// l = phi(m) / d.
    pub fn slots(&self) -> usize {
        self.representatives.len()
    }

    /// The generators in HElib's order; slot indices run with the last dimension fastest.
    pub fn dims(&self) -> &[Dimension] {
        &self.dims
    }

    /// Dimension `dim`, or [`RingError::DimensionOutOfRange`] if dim >= dims().len().
    pub fn dimension(&self, dim: usize) -> Result<&Dimension, RingError> {
        self.dims.get(dim).ok_or(RingError::DimensionOutOfRange {
            dim,
            dims: self.dims.len(),
        })
    }

    /// T[0..l]: T[i] = prod_j g_j^{e_j(i)} mod m.
    pub fn representatives(&self) -> &[u32] {
        &self.representatives
    }

    /// e_dim(i) = (i / stride_dim) mod ord_dim (dim must exist).
    pub fn coordinate(&self, slot: usize, dim: usize) -> usize {
        (slot / self.strides[dim]) % self.dims[dim].order
    }

    /// The exponent vector (e_1, .., e_n) of slot i.
    pub fn coordinates(&self, slot: usize) -> Vec<usize> {
        (0..self.dims.len())
            .map(|dim| self.coordinate(slot, dim))
            .collect()
    }

    /// The slot index sum_j e_j stride_j (each e_j < ord_j).
    pub fn index(&self, coordinates: &[usize]) -> usize {
        coordinates
            .iter()
            .zip(&self.strides)
            .map(|(e, stride)| e * stride)
            .sum()
    }

    /// (i, f) with x = T[i] * 2^f mod m, or None if x is not a unit.
    pub fn locate(&self, x: u64) -> Option<(usize, usize)> {
        let x = (x % self.m as u64) as usize;
        (self.slot_of[x] != u32::MAX)
            .then(|| (self.slot_of[x] as usize, self.frobenius_of[x] as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force, independent of the code above: the cosets of <2> in Z_m^*, as a class id
    /// per unit (smallest element of the coset).
    fn cosets_of_two(m: u64) -> Vec<u64> {
        let mut class = vec![0u64; m as usize];
        for x in 1..m {
            if crate::cyclotomic::gcd(x, m) == 1 {
                let mut y = x;
                let mut smallest = x;
                loop {
                    y = y * 2 % m;
                    smallest = smallest.min(y);
                    if y == x {
                        break;
                    }
                }
                class[x as usize] = smallest;
            }
        }
        class
    }

    /// Checks d, l, orders (in Z_m^*/<2, g_1, .., g_{j-1}>, HElib's successive quotients),
    /// goodness, wrap slots and the bijection box -> Z_m^*/<2> by brute force.
    fn check_against_brute_force(cube: &Hypercube) {
        let m = cube.m() as u64;
        let class = cosets_of_two(m);
        let d = (1..m)
            .find(|&k| (1..=k).fold(1, |acc, _| acc * 2 % m) == 1)
            .unwrap();
        assert_eq!(cube.d() as u64, d);
        let phi = (1..m)
            .filter(|&x| crate::cyclotomic::gcd(x, m) == 1)
            .count();
        assert_eq!(cube.slots(), phi / d as usize);
        let mut subgroup: Vec<u64> = (0..d).map(|f| pow_mod(2, f, m)).collect();
        for dim in cube.dims() {
            let power = |k: usize| (0..k).fold(1u64, |acc, _| acc * dim.gen % m);
            let order = (1..).find(|&k| subgroup.contains(&power(k))).unwrap();
            assert_eq!(dim.order, order, "order of {} in the quotient", dim.gen);
            assert_eq!(dim.good, power(order) == 1);
            let t = cube.representatives()[dim.wrap_slot] as u64;
            assert_eq!(
                power(order),
                t * pow_mod(2, dim.wrap_frobenius as u64, m) % m
            );
            assert_eq!(dim.good, (dim.wrap_slot, dim.wrap_frobenius) == (0, 0));
            let full_order = (1..).find(|&k| power(k) == 1).unwrap();
            assert_eq!(dim.order_in_units, full_order);
            subgroup = (0..order)
                .flat_map(|k| subgroup.iter().map(move |&h| h * power(k) % m))
                .collect();
        }
        let mut seen: Vec<u64> = cube
            .representatives()
            .iter()
            .map(|&t| class[t as usize])
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), cube.slots(), "T meets every coset once");
        for (i, &t) in cube.representatives().iter().enumerate() {
            let product = cube
                .coordinates(i)
                .iter()
                .zip(cube.dims())
                .fold(1u64, |acc, (&e, dim)| {
                    acc * pow_mod(dim.gen, e as u64, m) % m
                });
            assert_eq!(product, t as u64);
            assert_eq!(cube.index(&cube.coordinates(i)), i);
            assert_eq!(cube.locate(t as u64 * 4 % m), Some((i, 2 % cube.d())));
        }
    }

    #[test]
    fn toy_hypercube_matches_helib_known_answers() {
        let cube = Hypercube::new(&Cyclotomic::new(1023).unwrap()).unwrap();
        assert_eq!((cube.d(), cube.slots()), (10, 60));
        let dims: Vec<_> = cube
            .dims()
            .iter()
            .map(|d| (d.gen, d.order, d.good))
            .collect();
        assert_eq!(dims, vec![(838, 10, true), (584, 6, true)]);
        assert_eq!(
            &cube.representatives()[..12],
            &[1, 584, 397, 650, 67, 254, 838, 398, 211, 464, 904, 68]
        );
        check_against_brute_force(&cube);
    }

    #[test]
    fn paper_hypercube_matches_helib_known_answers_with_a_bad_third_dimension() {
        let cube = Hypercube::new(&Cyclotomic::new(32767).unwrap()).unwrap();
        assert_eq!((cube.d(), cube.slots()), (15, 1800));
        let dims: Vec<_> = cube
            .dims()
            .iter()
            .map(|d| (d.gen, d.order, d.good))
            .collect();
        assert_eq!(
            dims,
            vec![(11628, 30, true), (28087, 6, true), (25824, 10, false)]
        );
        assert_eq!(cube.dims()[2].order_in_units, 50);
        // 25824^10 = 11628^18 * 2^3: a wrap along dimension 2 also moves 18 along dimension 0.
        assert_eq!(cube.coordinates(cube.dims()[2].wrap_slot), vec![18, 0, 0]);
        assert_eq!(cube.dims()[2].wrap_frobenius, 3);
        assert_eq!(
            &cube.representatives()[..12],
            &[1, 25824, 4992, 8030, 17144, 11719, 28211, 12153, 29513, 16059, 28087, 21143]
        );
        check_against_brute_force(&cube);
    }

    #[test]
    fn found_hypercubes_of_small_rings_match_brute_force() {
        for (m, d, slots) in [
            (31, 5, 6),
            (127, 7, 18),
            (255, 8, 16),
            (105, 12, 4),
            (4369, 16, 256),
        ] {
            let cube = Hypercube::find(&Cyclotomic::new(m).unwrap()).unwrap();
            assert_eq!((cube.d(), cube.slots()), (d, slots), "m = {m}");
            check_against_brute_force(&cube);
        }
        let cube = Hypercube::find(&Cyclotomic::new(4369).unwrap()).unwrap();
        assert!(
            cube.dims().iter().any(|dim| !dim.good),
            "4369 has a bad dimension"
        );
        for m in [1023, 32767] {
            check_against_brute_force(&Hypercube::find(&Cyclotomic::new(m).unwrap()).unwrap());
        }
    }

    #[test]
    fn invalid_generators_are_typed_errors() {
        let ring = Cyclotomic::new(1023).unwrap();
        let err = |gens: &[u64], orders: &[usize]| {
            Hypercube::with_generators(&ring, gens, orders).unwrap_err()
        };
        assert_eq!(
            err(&[838], &[10, 6]),
            RingError::HypercubeShape { gens: 1, orders: 2 }
        );
        assert_eq!(err(&[838, 3], &[10, 6]), RingError::NotAUnit(3));
        assert_eq!(
            err(&[838, 584], &[10, 0]),
            RingError::GeneratorOrder { gen: 584, order: 0 }
        );
        assert_eq!(err(&[838, 584], &[6, 10]), RingError::HypercubeNotBijective);
        assert_eq!(
            err(&[838, 584], &[10, 12]),
            RingError::HypercubeSize {
                product: 120,
                slots: 60
            }
        );
        // x = 838 * 584 has order 30 in the quotient and x^15 order 2, but x^15 lies in <x>.
        let x = 838 * 584 % 1023;
        let y = pow_mod(x, 15, 1023);
        assert_eq!(err(&[x, y], &[30, 2]), RingError::HypercubeNotBijective);
    }
}
