//! The AND counts and depths documented in docs/CIRCUITS.md, measured on the counting
//! backend; the straightforward constructions of the paper's era are counted beside them.

use super::adder::{add, AdderKind};
use super::compare::less_than;
use super::counting::{CountingBackend, GateCounts};
use super::dot::dot;
use super::integer::BitInt;
use super::lut::{lookup_encrypted, lookup_public, EncryptedTable, PublicTable};
use super::multiply::multiply;
use super::testing::counted;
use super::total_sum::{total_sum, TotalSumMethod};

/// ANDs, depth, rotations.
type Cost = (u64, usize, u64);

/// (ANDs, depth, rotations) of a circuit run on a fresh counting backend.
fn cost(slots: usize, run: impl Fn(&CountingBackend) -> BitInt<CountingBackend>) -> Cost {
    let counter = CountingBackend::new(slots);
    let out = run(&counter);
    let GateCounts { and, rotate, .. } = counter.counts();
    (and, out.depth(&counter), rotate)
}

fn sigmoid() -> PublicTable {
    PublicTable::from_signed_fn::<()>(8, 8, |x| {
        let y = 1.0 / (1.0 + (-(x as f64) / 16.0).exp());
        ((y * 128.0).round() as i64).min(127)
    })
    .expect("the sigmoid table is 8 -> 8")
}

/// The paper-era neuron: each product by schoolbook shift-and-add rows with ripple adders,
/// then 64 ripple additions into the accumulator.
fn schoolbook_neuron(counter: &CountingBackend, terms: usize) -> BitInt<CountingBackend> {
    let mut acc = counted(counter, 16).resize(30);
    for _ in 0..terms {
        let x = counted(counter, 8);
        let w = counted(counter, 16);
        let product = schoolbook_multiply(counter, &x, &w, 24);
        acc = add(counter, &acc, &product.resize(30), AdderKind::Ripple).unwrap();
    }
    acc
}

/// Signed schoolbook product: row i = (x_i and w) shifted by i, the sign row subtracted,
/// each row added by a ripple adder (multiply-then-add, no carry-save).
fn schoolbook_multiply(
    counter: &CountingBackend,
    x: &BitInt<CountingBackend>,
    w: &BitInt<CountingBackend>,
    width: usize,
) -> BitInt<CountingBackend> {
    let wide = w.resize(width);
    let mut acc = BitInt::constant(0, width).unwrap();
    for i in 0..x.width() {
        let row = BitInt::from_bits(
            wide.bits()
                .iter()
                .map(|b| super::bit::and(counter, x.bit(i).unwrap(), b).unwrap())
                .collect(),
        )
        .unwrap()
        .shift_left(i);
        acc = if i + 1 == x.width() {
            super::adder::sub(counter, &acc, &row, AdderKind::Ripple).unwrap()
        } else {
            add(counter, &acc, &row, AdderKind::Ripple).unwrap()
        };
    }
    acc
}

/// (slots, method, (ANDs, depth, rotations)) of the total sum of a 16-bit value.
const TOTAL_SUM_16: [(usize, &str, (u64, usize, u64)); 8] = [
    (60, "ripple", (148, 21, 142)),
    (60, "sklansky", (590, 31, 142)),
    (60, "csa+sklansky", (327, 16, 246)),
    (60, "csa+ripple", (263, 21, 246)),
    (1800, "ripple", (272, 26, 262)),
    (1800, "sklansky", (1129, 48, 262)),
    (1800, "csa+sklansky", (682, 26, 561)),
    (1800, "csa+ripple", (593, 26, 561)),
];

#[test]
fn documented_and_counts_and_depths_hold() {
    let lines: Vec<(&str, Cost, (u64, usize))> = vec![
        (
            "add8 ripple",
            cost(1, |c| {
                add(c, &counted(c, 8), &counted(c, 8), AdderKind::Ripple).unwrap()
            }),
            (7, 7),
        ),
        (
            "add8 sklansky",
            cost(1, |c| {
                add(c, &counted(c, 8), &counted(c, 8), AdderKind::Sklansky).unwrap()
            }),
            (19, 4),
        ),
        (
            "add16 ripple",
            cost(1, |c| {
                add(c, &counted(c, 16), &counted(c, 16), AdderKind::Ripple).unwrap()
            }),
            (15, 15),
        ),
        (
            "add16 sklansky",
            cost(1, |c| {
                add(c, &counted(c, 16), &counted(c, 16), AdderKind::Sklansky).unwrap()
            }),
            (57, 5),
        ),
        (
            "lt8 ripple",
            cost(1, |c| {
                BitInt::from_bits(vec![less_than(
                    c,
                    &counted(c, 8),
                    &counted(c, 8),
                    AdderKind::Ripple,
                )
                .unwrap()])
                .unwrap()
            }),
            (8, 8),
        ),
        (
            "lt8 tree",
            cost(1, |c| {
                BitInt::from_bits(vec![less_than(
                    c,
                    &counted(c, 8),
                    &counted(c, 8),
                    AdderKind::Sklansky,
                )
                .unwrap()])
                .unwrap()
            }),
            (19, 4),
        ),
        (
            "mul8x8 ripple",
            cost(1, |c| {
                multiply(c, &counted(c, 8), &counted(c, 8), 16, AdderKind::Ripple).unwrap()
            }),
            (120, 15),
        ),
        (
            "mul8x8 sklansky",
            cost(1, |c| {
                multiply(c, &counted(c, 8), &counted(c, 8), 16, AdderKind::Sklansky).unwrap()
            }),
            (161, 8),
        ),
        (
            "mul8x8 schoolbook",
            cost(1, |c| {
                schoolbook_multiply(c, &counted(c, 8), &counted(c, 8), 16)
            }),
            (205, 15),
        ),
        (
            "mul8x16 sklansky",
            cost(1, |c| {
                multiply(c, &counted(c, 8), &counted(c, 16), 24, AdderKind::Sklansky).unwrap()
            }),
            (314, 9),
        ),
        (
            "mul8x16 ripple",
            cost(1, |c| {
                multiply(c, &counted(c, 8), &counted(c, 16), 24, AdderKind::Ripple).unwrap()
            }),
            (241, 23),
        ),
        (
            "mul8x16 schoolbook",
            cost(1, |c| {
                schoolbook_multiply(c, &counted(c, 8), &counted(c, 16), 24)
            }),
            (325, 23),
        ),
        (
            "sigmoid public",
            cost(1, |c| lookup_public(c, &counted(c, 8), &sigmoid()).unwrap()),
            (224, 3),
        ),
        (
            "sigmoid encrypted",
            cost(1, |c| {
                let t = EncryptedTable::new((0..256).map(|_| counted(c, 8)).collect()).unwrap();
                lookup_encrypted(c, &counted(c, 8), &t).unwrap()
            }),
            (2287, 4),
        ),
        (
            "neuron sklansky",
            cost(1, |c| {
                let xs: Vec<_> = (0..64).map(|_| counted(c, 8)).collect();
                let ws: Vec<_> = (0..64).map(|_| counted(c, 16)).collect();
                dot(c, &xs, &ws, Some(&counted(c, 16)), 30, AdderKind::Sklansky).unwrap()
            }),
            (16531, 17),
        ),
        (
            "neuron ripple",
            cost(1, |c| {
                let xs: Vec<_> = (0..64).map(|_| counted(c, 8)).collect();
                let ws: Vec<_> = (0..64).map(|_| counted(c, 16)).collect();
                dot(c, &xs, &ws, Some(&counted(c, 16)), 30, AdderKind::Ripple).unwrap()
            }),
            (16425, 30),
        ),
        (
            "neuron schoolbook",
            cost(1, |c| schoolbook_neuron(c, 64)),
            (22656, 30),
        ),
    ];
    for (name, (and, depth, _), documented) in lines {
        assert_eq!((and, depth), documented, "{name}");
    }
    for slots in [60usize, 1800] {
        for (name, m) in [
            ("ripple", TotalSumMethod::Adder(AdderKind::Ripple)),
            ("sklansky", TotalSumMethod::Adder(AdderKind::Sklansky)),
            (
                "csa+sklansky",
                TotalSumMethod::CarrySave(AdderKind::Sklansky),
            ),
            ("csa+ripple", TotalSumMethod::CarrySave(AdderKind::Ripple)),
        ] {
            let got = cost(slots, |c| total_sum(c, &counted(c, 16), m).unwrap());
            let documented = TOTAL_SUM_16
                .iter()
                .find(|(l, n, _)| *l == slots && *n == name)
                .map(|(_, _, c)| *c);
            assert_eq!(
                Some(got),
                documented,
                "total sum over {slots} slots, {name}"
            );
        }
    }
}
