//! One bit-sliced bit: either a constant known to the circuit (the same in every slot) or a
//! backend vector. Gates on constants fold at circuit-construction time, so a circuit never
//! pays an AND for a known bit (Baugh-Wooley constants, public multipliers, carry-in 1, sign
//! extension by zeros).
//!
//! Invariant: `Bit::Const(b)` stands for the vector with `b` in every slot.

use super::backend::BitSimd;

/// A bit of every slot: a known constant or a backend vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bit<T> {
    /// The same known bit in every slot.
    Const(bool),
    /// A backend vector (a ciphertext for an encrypted backend).
    Var(T),
}

impl<T> Bit<T> {
    /// The constant value, if the bit is known.
    pub fn as_const(&self) -> Option<bool> {
        match self {
            Bit::Const(b) => Some(*b),
            Bit::Var(_) => None,
        }
    }
}

/// The two inputs of one AND gate.
pub type AndPair<T> = (Bit<T>, Bit<T>);

/// The two borrowed inputs of one AND gate.
pub type AndPairRef<'a, T> = (&'a Bit<T>, &'a Bit<T>);

/// `x xor y`, folded when either side is known.
pub fn xor<B: BitSimd>(
    backend: &B,
    x: &Bit<B::Bits>,
    y: &Bit<B::Bits>,
) -> Result<Bit<B::Bits>, B::Error> {
    match (x, y) {
        (Bit::Const(a), Bit::Const(b)) => Ok(Bit::Const(a ^ b)),
        (Bit::Const(false), v) | (v, Bit::Const(false)) => Ok(v.clone()),
        (Bit::Const(true), v) | (v, Bit::Const(true)) => not(backend, v),
        (Bit::Var(a), Bit::Var(b)) => Ok(Bit::Var(backend.xor(a, b)?)),
    }
}

/// `not x`.
pub fn not<B: BitSimd>(backend: &B, x: &Bit<B::Bits>) -> Result<Bit<B::Bits>, B::Error> {
    match x {
        Bit::Const(a) => Ok(Bit::Const(!a)),
        Bit::Var(a) => Ok(Bit::Var(backend.not(a)?)),
    }
}

/// `x and y`: one backend AND unless a side is known.
pub fn and<B: BitSimd>(
    backend: &B,
    x: &Bit<B::Bits>,
    y: &Bit<B::Bits>,
) -> Result<Bit<B::Bits>, B::Error> {
    match fold_and(x, y) {
        Some(bit) => Ok(bit),
        None => match (x, y) {
            (Bit::Var(a), Bit::Var(b)) => Ok(Bit::Var(backend.and(a, b)?)),
            _ => unreachable!("fold_and resolves every pair with a constant"),
        },
    }
}

/// AND of two bits when one is known, without a backend call.
pub(crate) fn fold_and<T: Clone>(x: &Bit<T>, y: &Bit<T>) -> Option<Bit<T>> {
    match (x, y) {
        (Bit::Const(false), _) | (_, Bit::Const(false)) => Some(Bit::Const(false)),
        (Bit::Const(true), v) | (v, Bit::Const(true)) => Some(v.clone()),
        (Bit::Var(_), Bit::Var(_)) => None,
    }
}

/// The independent ANDs of one layer: constants fold, the rest go to the backend in one
/// `and_many` call (parallel on an encrypted backend). `out[i] = pairs[i].0 and pairs[i].1`.
pub fn and_many<B: BitSimd>(
    backend: &B,
    pairs: &[AndPair<B::Bits>],
) -> Result<Vec<Bit<B::Bits>>, B::Error> {
    let refs: Vec<AndPairRef<B::Bits>> = pairs.iter().map(|(x, y)| (x, y)).collect();
    and_many_ref(backend, &refs)
}

/// [`and_many`] on borrowed operands: no operand is copied (a ciphertext is megabytes).
pub fn and_many_ref<B: BitSimd>(
    backend: &B,
    pairs: &[AndPairRef<B::Bits>],
) -> Result<Vec<Bit<B::Bits>>, B::Error> {
    let mut out: Vec<Option<Bit<B::Bits>>> = Vec::with_capacity(pairs.len());
    let mut pending = Vec::new();
    let mut pending_at = Vec::new();
    for (i, &(x, y)) in pairs.iter().enumerate() {
        match (fold_and(x, y), x, y) {
            (Some(bit), _, _) => out.push(Some(bit)),
            (None, Bit::Var(a), Bit::Var(b)) => {
                out.push(None);
                pending.push((a, b));
                pending_at.push(i);
            }
            (None, _, _) => unreachable!("fold_and resolves every pair with a constant"),
        }
    }
    if !pending.is_empty() {
        let products = backend.and_many(&pending)?;
        assert_eq!(
            products.len(),
            pending.len(),
            "BitSimd::and_many must return one product per pair"
        );
        for (i, product) in pending_at.into_iter().zip(products) {
            out[i] = Some(Bit::Var(product));
        }
    }
    Ok(out
        .into_iter()
        .map(|bit| bit.expect("every AND of the layer is either folded or computed"))
        .collect())
}

/// `x and mask` for a public mask (no AND-depth).
pub fn and_public<B: BitSimd>(
    backend: &B,
    x: &Bit<B::Bits>,
    mask: &B::Public,
) -> Result<Bit<B::Bits>, B::Error> {
    match x {
        Bit::Const(false) => Ok(Bit::Const(false)),
        Bit::Const(true) => Ok(Bit::Var(
            backend.and_public(&backend.constant(true)?, mask)?,
        )),
        Bit::Var(a) => Ok(Bit::Var(backend.and_public(a, mask)?)),
    }
}

/// `x xor mask` for a public mask.
pub fn xor_public<B: BitSimd>(
    backend: &B,
    x: &Bit<B::Bits>,
    mask: &B::Public,
) -> Result<Bit<B::Bits>, B::Error> {
    match x {
        Bit::Const(b) => Ok(Bit::Var(backend.xor_public(&backend.constant(*b)?, mask)?)),
        Bit::Var(a) => Ok(Bit::Var(backend.xor_public(a, mask)?)),
    }
}

/// Rotation over the slot order (a constant is rotation-invariant).
pub fn rotate<B: BitSimd>(backend: &B, x: &Bit<B::Bits>, k: i64) -> Result<Bit<B::Bits>, B::Error> {
    match x {
        Bit::Const(b) => Ok(Bit::Const(*b)),
        Bit::Var(a) => Ok(Bit::Var(backend.rotate(a, k)?)),
    }
}

/// A slot permutation of a sum over all slots ([`BitSimd::permute_slots`]; a constant is
/// invariant).
pub fn permute<B: BitSimd>(
    backend: &B,
    x: &Bit<B::Bits>,
    cycle: usize,
    k: usize,
) -> Result<Bit<B::Bits>, B::Error> {
    match x {
        Bit::Const(b) => Ok(Bit::Const(*b)),
        Bit::Var(a) => Ok(Bit::Var(backend.permute_slots(a, cycle, k)?)),
    }
}

/// AND-depth of a bit: 0 for constants.
pub fn depth<B: BitSimd>(backend: &B, x: &Bit<B::Bits>) -> usize {
    match x {
        Bit::Const(_) => 0,
        Bit::Var(a) => backend.depth(a),
    }
}

/// Majority `maj(a, b, c)` with one AND: `((a xor c) and (b xor c)) xor c`.
pub fn majority<B: BitSimd>(
    backend: &B,
    a: &Bit<B::Bits>,
    b: &Bit<B::Bits>,
    c: &Bit<B::Bits>,
) -> Result<Bit<B::Bits>, B::Error> {
    let left = xor(backend, a, c)?;
    let right = xor(backend, b, c)?;
    xor(backend, &and(backend, &left, &right)?, c)
}

/// Multiplexer `if s then x else y` = `y xor (s and (x xor y))`, one AND.
pub fn select<B: BitSimd>(
    backend: &B,
    s: &Bit<B::Bits>,
    x: &Bit<B::Bits>,
    y: &Bit<B::Bits>,
) -> Result<Bit<B::Bits>, B::Error> {
    let diff = xor(backend, x, y)?;
    xor(backend, y, &and(backend, s, &diff)?)
}
