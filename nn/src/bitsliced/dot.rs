//! The neuron's weighted sum `sum_j x_j w_j + b` as ONE carry-save tree: every Baugh-Wooley
//! partial product of every term (one AND layer for all of them), the bias row and the
//! constants enter one Dadda tree, and one carry-propagate adder finishes. For NN2's first
//! layer (64 terms of 8-bit x by 16-bit w) that is 64 * 128 partial products.

use super::adder::AdderKind;
use super::backend::BitSimd;
use super::csa::Columns;
use super::error::BitslicedError;
use super::integer::BitInt;

type Result<T, B> = std::result::Result<T, BitslicedError<<B as BitSimd>::Error>>;

/// `sum_j xs[j] ws[j] + bias mod 2^width` (exact when width covers the range: for k terms of
/// n-bit by m-bit, `n + m + ceil(log2(k + 1))` bits suffice).
pub fn dot<B: BitSimd>(
    backend: &B,
    xs: &[BitInt<B>],
    ws: &[BitInt<B>],
    bias: Option<&BitInt<B>>,
    width: usize,
    kind: AdderKind,
) -> Result<BitInt<B>, B> {
    if xs.len() != ws.len() {
        return Err(BitslicedError::LengthMismatch {
            left: xs.len(),
            right: ws.len(),
        });
    }
    if xs.is_empty() && bias.is_none() {
        return Err(BitslicedError::NoOperands);
    }
    let mut columns = Columns::new(width)?;
    let products: Vec<_> = xs.iter().zip(ws).collect();
    columns.push_products(backend, &products)?;
    if let Some(b) = bias {
        columns.push_int(backend, b, 0)?;
    }
    columns.sum(backend, kind)
}

#[cfg(test)]
mod tests {
    use super::super::plain::PlainBackend;
    use super::super::testing::{decode, encode, random_values};
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn dot_of_64_terms_8_by_16_bits_plus_bias_equals_native_sum() {
        let mut rng = ChaCha8Rng::seed_from_u64(64);
        let slots = 60;
        let backend = PlainBackend::new(slots).unwrap();
        let xs: Vec<Vec<i64>> = (0..64).map(|_| random_values(&mut rng, slots, 8)).collect();
        let ws: Vec<Vec<i64>> = (0..64)
            .map(|_| random_values(&mut rng, slots, 16))
            .collect();
        let mut bias = random_values(&mut rng, slots, 16);
        bias[0] = -(1 << 15);
        let x: Vec<_> = xs.iter().map(|v| encode(&backend, v, 8)).collect();
        let w: Vec<_> = ws.iter().map(|v| encode(&backend, v, 16)).collect();
        let b = encode(&backend, &bias, 16);
        let expected: Vec<i64> = (0..slots)
            .map(|s| (0..64).map(|j| xs[j][s] * ws[j][s]).sum::<i64>() + bias[s])
            .collect();
        for kind in [AdderKind::Ripple, AdderKind::Sklansky] {
            let out = dot(&backend, &x, &w, Some(&b), 31, kind).unwrap();
            assert_eq!(decode(&backend, &out), expected);
        }
    }

    /// NN2's first-layer neuron keeps its 1552 inputs and weights alive; the column-by-column
    /// evaluation forms a partial product only when an adder takes it, so beside them live
    /// the carries waiting for the next column (a middle column passes about 500 on), the
    /// column's sums and one chunk of adders: 870 to 914 vectors at 1 to 4 threads, where
    /// forming a column's 512 products at once kept up to 1489 and the stage-by-stage tree
    /// all 8192 products and 16384 operand copies.
    #[test]
    fn neuron_evaluation_keeps_fewer_vectors_than_one_column_and_its_carries() {
        use super::super::bit::Bit;
        use super::super::counting::CountingBackend;
        use super::super::resident::ResidentBackend;
        let backend = ResidentBackend::new(CountingBackend::new(1), Vec::new(), 0);
        let fresh = |width: usize| {
            BitInt::<ResidentBackend>::from_bits(
                (0..width).map(|_| Bit::Var(backend.input())).collect(),
            )
            .unwrap()
        };
        let xs: Vec<_> = (0..64).map(|_| fresh(8)).collect();
        let ws: Vec<_> = (0..64).map(|_| fresh(16)).collect();
        let bias = fresh(16);
        let operands = backend.now();
        assert_eq!(operands, 64 * 8 + 64 * 16 + 16);
        let out = dot(&backend, &xs, &ws, Some(&bias), 31, AdderKind::Sklansky).unwrap();
        let working = backend.peak() - operands;
        assert!(
            (400..1000).contains(&working),
            "{working} vectors alive beside the operands"
        );
        drop(out);
        assert_eq!(backend.now(), operands, "the evaluation leaks vectors");
    }

    #[test]
    fn mismatched_lengths_are_an_error() {
        let backend = PlainBackend::new(2).unwrap();
        let x = encode(&backend, &[1, 2], 4);
        let err = dot(
            &backend,
            std::slice::from_ref(&x),
            &[],
            None,
            8,
            AdderKind::Ripple,
        );
        assert!(matches!(
            err,
            Err(BitslicedError::LengthMismatch { left: 1, right: 0 })
        ));
        let err = dot::<PlainBackend>(&backend, &[], &[], None, 8, AdderKind::Ripple);
        assert!(matches!(err, Err(BitslicedError::NoOperands)));
    }
}
