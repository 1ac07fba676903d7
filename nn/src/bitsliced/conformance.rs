//! Conformance of a backend to the plaintext reference: the same circuits, on the same random
//! inputs, must decode to the same integers, and (optionally) every output bit must have the
//! AND-depth the plaintext backend tracked. The encrypted backend's tests call
//! [`check_circuits_against_plain`] with its encrypt and decrypt closures.
//!
//! Circuits: 8-bit add (ripple and Sklansky), 8-bit sub, 8x8 signed multiply, 8-bit signed
//! less-than and max, the sigmoid lookup 8 -> 8 on a public table, a dot product of
//! `dot_terms` 8x8 terms plus bias, and (if `rotations`) the total sum of 8-bit values.

use super::adder::{add, sub, AdderKind};
use super::backend::BitSimd;
use super::bit::Bit;
use super::compare::{less_than, max};
use super::dot::dot;
use super::error::BitslicedError;
use super::integer::BitInt;
use super::lut::{lookup_public, PublicTable};
use super::multiply::multiply;
use super::plain::{PlainBackend, PlainError};
use super::slot_cycles::SlotCycles;
use super::total_sum::{total_sum, TotalSumMethod};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceConfig {
    /// Seed of the ChaCha8 generator of the inputs.
    pub seed: u64,
    /// Number of 8x8 terms of the dot product (0 skips it).
    pub dot_terms: usize,
    /// Whether to run the total sum (needs rotation keys on an encrypted backend).
    pub rotations: bool,
    /// Whether to require `backend.depth` to equal the plaintext backend's tracked depth.
    pub check_depth: bool,
}

impl Default for ConformanceConfig {
    fn default() -> Self {
        Self {
            seed: 5,
            dot_terms: 4,
            rotations: true,
            check_depth: true,
        }
    }
}

/// One circuit that ran and agreed: its name and the AND-depth of its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitDepth {
    /// The circuit's name.
    pub circuit: &'static str,
    /// The largest AND-depth of its output bits.
    pub depth: usize,
}

/// A disagreement or a failure.
#[derive(Debug, Error)]
pub enum ConformanceError<E: std::error::Error + 'static> {
    /// The backend under test failed.
    #[error("{circuit} on the tested backend: {source}")]
    Backend {
        /// The circuit's name.
        circuit: &'static str,
        /// The tested backend's error.
        source: BitslicedError<E>,
    },
    /// The plaintext reference failed (a bug of this module or a bad configuration).
    #[error("{circuit} on the plaintext backend: {source}")]
    Plain {
        /// The circuit's name.
        circuit: &'static str,
        /// The plaintext backend's error.
        source: BitslicedError<PlainError>,
    },
    /// A decoded value differs from the reference.
    #[error("{circuit}: slot {slot} decodes to {found}, plaintext gives {expected}")]
    Mismatch {
        /// The circuit's name.
        circuit: &'static str,
        /// The first slot that differs.
        slot: usize,
        /// The plaintext backend's value.
        expected: i64,
        /// The tested backend's value.
        found: i64,
    },
    /// An output bit has another AND-depth than the reference predicts.
    #[error("{circuit}: bit {bit} has depth {found}, plaintext tracked {expected}")]
    DepthMismatch {
        /// The circuit's name.
        circuit: &'static str,
        /// The output bit (LSB first).
        bit: usize,
        /// The depth the plaintext backend tracked.
        expected: usize,
        /// The depth the tested backend reports.
        found: usize,
    },
}

type Circuit<B> = fn(&B, &[BitInt<B>]) -> Result<BitInt<B>, BitslicedError<<B as BitSimd>::Error>>;

fn sigmoid_table() -> Result<PublicTable, BitslicedError<PlainError>> {
    PublicTable::from_signed_fn(8, 8, |x| {
        let y = 1.0 / (1.0 + (-(x as f64) / 16.0).exp());
        ((y * 128.0).round() as i64).min(127)
    })
}

/// The circuits, written once, instantiated for the tested backend and for the reference.
struct Suite<B: BitSimd> {
    circuits: Vec<(&'static str, Vec<usize>, Circuit<B>)>,
}

impl<B: BitSimd> Suite<B> {
    fn new(config: &ConformanceConfig) -> Self {
        let mut circuits: Vec<(&'static str, Vec<usize>, Circuit<B>)> = vec![
            ("add8_ripple", vec![8, 8], |b, x| {
                add(b, &x[0], &x[1], AdderKind::Ripple)
            }),
            ("add8_sklansky", vec![8, 8], |b, x| {
                add(b, &x[0], &x[1], AdderKind::Sklansky)
            }),
            ("sub8", vec![8, 8], |b, x| {
                sub(b, &x[0], &x[1], AdderKind::Sklansky)
            }),
            ("mul8x8", vec![8, 8], |b, x| {
                multiply(b, &x[0], &x[1], 16, AdderKind::Sklansky)
            }),
            ("less_than8", vec![8, 8], |b, x| {
                let lt = less_than(b, &x[0], &x[1], AdderKind::Sklansky)?;
                Ok(BitInt::from_nonempty(vec![lt, Bit::Const(false)]))
            }),
            ("max8", vec![8, 8], |b, x| {
                max(b, &x[0], &x[1], AdderKind::Sklansky)
            }),
            ("sigmoid8", vec![8], |b, x| {
                let table = sigmoid_table().map_err(|_| BitslicedError::InvalidWidth {
                    width: 8,
                    reason: "the sigmoid table is 8 -> 8",
                })?;
                lookup_public(b, &x[0], &table)
            }),
        ];
        if config.dot_terms > 0 {
            let mut widths = vec![8; 2 * config.dot_terms];
            widths.push(16);
            circuits.push(("dot8x8", widths, |b, x| {
                let terms = (x.len() - 1) / 2;
                dot(
                    b,
                    &x[..terms],
                    &x[terms..2 * terms],
                    Some(&x[2 * terms]),
                    24,
                    AdderKind::Sklansky,
                )
            }));
        }
        if config.rotations {
            circuits.push(("total_sum8", vec![8], |b, x| {
                total_sum(b, &x[0], TotalSumMethod::Adder(AdderKind::Sklansky))
            }));
        }
        Self { circuits }
    }
}

/// Runs every circuit on `backend` (inputs through `encode`, outputs through `decode`) and on
/// the plaintext backend with the same slot cycles (so the total sum runs the same schedule),
/// and compares values and depths.
pub fn check_circuits_against_plain<B: BitSimd>(
    backend: &B,
    config: &ConformanceConfig,
    encode: impl Fn(&[bool]) -> Result<B::Bits, B::Error>,
    decode: impl Fn(&B::Bits) -> Result<Vec<bool>, B::Error>,
) -> Result<Vec<CircuitDepth>, ConformanceError<B::Error>> {
    let slots = backend.slots();
    let plain = PlainBackend::with_cycles(&SlotCycles::of(backend)).map_err(|e| {
        ConformanceError::Plain {
            circuit: "setup",
            source: BitslicedError::Backend(e),
        }
    })?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let tested = Suite::<B>::new(config);
    let reference = Suite::<PlainBackend>::new(config);
    let mut report = Vec::new();
    for ((circuit, widths, run), (_, _, run_plain)) in
        tested.circuits.iter().zip(&reference.circuits)
    {
        let circuit = *circuit;
        let values: Vec<Vec<i64>> = widths
            .iter()
            .map(|&w| {
                (0..slots)
                    .map(|_| rng.gen_range(-(1i64 << (w - 1))..1i64 << (w - 1)))
                    .collect()
            })
            .collect();
        let plain_error = |source| ConformanceError::Plain { circuit, source };
        let tested_error = |source| ConformanceError::Backend { circuit, source };
        let mut inputs = Vec::new();
        let mut plain_inputs = Vec::new();
        for (v, &w) in values.iter().zip(widths) {
            inputs.push(BitInt::encode(v, w, slots, &encode).map_err(tested_error)?);
            plain_inputs
                .push(BitInt::encode(v, w, slots, |b| plain.encode(b)).map_err(plain_error)?);
        }
        let expected_int = run_plain(&plain, &plain_inputs).map_err(plain_error)?;
        let found_int = run(backend, &inputs).map_err(tested_error)?;
        let expected = expected_int
            .decode(slots, |b| Ok::<_, PlainError>(plain.decode(b)))
            .map_err(plain_error)?;
        let found = found_int.decode(slots, &decode).map_err(tested_error)?;
        if let Some(slot) = (0..slots).find(|&s| expected[s] != found[s]) {
            return Err(ConformanceError::Mismatch {
                circuit,
                slot,
                expected: expected[slot],
                found: found[slot],
            });
        }
        for (bit, (e, f)) in expected_int.bits().iter().zip(found_int.bits()).enumerate() {
            let (expected, found) = (super::bit::depth(&plain, e), super::bit::depth(backend, f));
            if config.check_depth && expected != found {
                return Err(ConformanceError::DepthMismatch {
                    circuit,
                    bit,
                    expected,
                    found,
                });
            }
        }
        report.push(CircuitDepth {
            circuit,
            depth: expected_int.depth(&plain),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::counting::CountingBackend;
    use super::*;

    #[test]
    fn plaintext_backend_conforms_to_itself_at_toy_and_odd_slot_counts() {
        for slots in [60, 97] {
            let backend = PlainBackend::new(slots).unwrap();
            let report = check_circuits_against_plain(
                &backend,
                &ConformanceConfig::default(),
                |b| backend.encode(b),
                |b| Ok(backend.decode(b)),
            )
            .unwrap();
            let depth = |name| report.iter().find(|r| r.circuit == name).unwrap().depth;
            assert_eq!(depth("add8_ripple"), 7);
            assert_eq!(depth("add8_sklansky"), 4);
            assert_eq!(depth("sigmoid8"), 3);
        }
    }

    #[test]
    fn a_wrong_backend_is_caught() {
        /// The plaintext backend with a broken AND (it computes OR).
        struct Broken(PlainBackend);
        impl BitSimd for Broken {
            type Bits = <PlainBackend as BitSimd>::Bits;
            type Public = <PlainBackend as BitSimd>::Public;
            type Error = PlainError;
            fn slots(&self) -> usize {
                self.0.slots()
            }
            fn constant(&self, bit: bool) -> Result<Self::Bits, PlainError> {
                self.0.constant(bit)
            }
            fn public(&self, bits: &[bool]) -> Result<Self::Public, PlainError> {
                self.0.public(bits)
            }
            fn xor(&self, a: &Self::Bits, b: &Self::Bits) -> Result<Self::Bits, PlainError> {
                self.0.xor(a, b)
            }
            fn not(&self, a: &Self::Bits) -> Result<Self::Bits, PlainError> {
                self.0.not(a)
            }
            fn and(&self, a: &Self::Bits, b: &Self::Bits) -> Result<Self::Bits, PlainError> {
                let both = self.0.and(a, b)?;
                self.0.xor(&self.0.xor(a, b)?, &both)
            }
            fn xor_public(
                &self,
                a: &Self::Bits,
                m: &Self::Public,
            ) -> Result<Self::Bits, PlainError> {
                self.0.xor_public(a, m)
            }
            fn and_public(
                &self,
                a: &Self::Bits,
                m: &Self::Public,
            ) -> Result<Self::Bits, PlainError> {
                self.0.and_public(a, m)
            }
            fn rotate(&self, a: &Self::Bits, k: i64) -> Result<Self::Bits, PlainError> {
                self.0.rotate(a, k)
            }
            fn depth(&self, a: &Self::Bits) -> usize {
                self.0.depth(a)
            }
        }
        let backend = Broken(PlainBackend::new(60).unwrap());
        let result = check_circuits_against_plain(
            &backend,
            &ConformanceConfig::default(),
            |b| backend.0.encode(b),
            |b| Ok(backend.0.decode(b)),
        );
        assert!(matches!(
            result,
            Err(ConformanceError::Mismatch {
                circuit: "add8_ripple",
                ..
            })
        ));
    }

    #[test]
    fn counting_backend_depths_equal_plaintext_depths() {
        let config = ConformanceConfig::default();
        let counter = CountingBackend::new(60);
        let plain = PlainBackend::new(60).unwrap();
        let counted = Suite::<CountingBackend>::new(&config);
        let reference = Suite::<PlainBackend>::new(&config);
        for ((name, widths, run), (_, _, run_plain)) in
            counted.circuits.iter().zip(&reference.circuits)
        {
            let inputs: Vec<_> = widths
                .iter()
                .map(|&w| {
                    BitInt::from_nonempty((0..w).map(|_| Bit::Var(counter.input())).collect())
                })
                .collect();
            let plain_inputs: Vec<_> = widths
                .iter()
                .map(|&w| BitInt::encode(&vec![0; 60], w, 60, |b| plain.encode(b)).unwrap())
                .collect();
            let counted_out = run(&counter, &inputs).unwrap();
            let plain_out = run_plain(&plain, &plain_inputs).unwrap();
            for (c, p) in counted_out.bits().iter().zip(plain_out.bits()) {
                assert_eq!(
                    super::super::bit::depth(&counter, c),
                    super::super::bit::depth(&plain, p),
                    "{name}"
                );
            }
        }
    }
}
