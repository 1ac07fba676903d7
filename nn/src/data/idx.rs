//! The IDX container: magic `00 00 08 n`, then n big-endian u32 dimensions, then the
//! product of the dimensions in unsigned bytes, row-major. Gzipped streams (magic `1f 8b`)
//! are decompressed first.

use super::error::IdxError;
use flate2::read::GzDecoder;
use std::io::Read;

/// An n-dimensional array of unsigned bytes; invariant: `data.len()` is the product of `dims`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// The dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The elements, row-major.
    pub data: Vec<u8>,
}

/// The largest IDX stream accepted, compressed on disk or decompressed: 64 MiB, above the
/// largest MNIST file (training images, 47,040,016 bytes raw), far below a gzip bomb's output.
pub const MAX_IDX_BYTES: u64 = 64 << 20;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UNSIGNED_BYTE: u8 = 0x08;

/// Decodes an IDX stream that is either raw or gzipped; decompression stops with
/// [`IdxError::Oversized`] past [`MAX_IDX_BYTES`].
pub fn decode_idx(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    decode_idx_limited(bytes, MAX_IDX_BYTES)
}

/// [`decode_idx`] with the decompression bound `limit`.
fn decode_idx_limited(bytes: &[u8], limit: u64) -> Result<IdxArray, IdxError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        let mut raw = Vec::new();
        GzDecoder::new(bytes)
            .take(limit.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(IdxError::Gzip)?;
        if raw.len() as u64 > limit {
            return Err(IdxError::Oversized { limit });
        }
        parse_idx(&raw)
    } else {
        parse_idx(bytes)
    }
}

/// Parses a raw (uncompressed) IDX stream of unsigned bytes; the length must match the header
/// exactly.
pub fn parse_idx(bytes: &[u8]) -> Result<IdxArray, IdxError> {
    let magic: [u8; 4] =
        bytes
            .get(..4)
            .and_then(|m| m.try_into().ok())
            .ok_or(IdxError::Truncated {
                expected: 4,
                found: bytes.len(),
            })?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(IdxError::BadMagic { found: magic });
    }
    if magic[2] != UNSIGNED_BYTE {
        return Err(IdxError::UnsupportedType(magic[2]));
    }
    let rank = usize::from(magic[3]);
    let header = 4 + 4 * rank;
    let dims_bytes = bytes.get(4..header).ok_or(IdxError::Truncated {
        expected: header,
        found: bytes.len(),
    })?;
    let dims: Vec<usize> = dims_bytes
        .chunks_exact(4)
        .map(|d| u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize)
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|n| n.checked_add(header))
        .ok_or_else(|| IdxError::TooLarge { dims: dims.clone() })?;
    match bytes.len().cmp(&count) {
        std::cmp::Ordering::Less => Err(IdxError::Truncated {
            expected: count,
            found: bytes.len(),
        }),
        std::cmp::Ordering::Greater => Err(IdxError::TrailingBytes {
            expected: count,
            found: bytes.len(),
        }),
        std::cmp::Ordering::Equal => Ok(IdxArray {
            dims,
            data: bytes[header..].to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn tiny() -> Vec<u8> {
        vec![0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]
    }

    #[test]
    fn raw_and_gzipped_streams_decode_to_the_same_array() {
        let raw = tiny();
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&raw).unwrap();
        let gz = encoder.finish().unwrap();
        let expected = IdxArray {
            dims: vec![2, 3],
            data: vec![1, 2, 3, 4, 5, 6],
        };
        assert_eq!(decode_idx(&raw).unwrap(), expected);
        assert_eq!(decode_idx(&gz).unwrap(), expected);
    }

    #[test]
    fn bad_magic_is_a_typed_error() {
        let mut bytes = tiny();
        bytes[1] = 7;
        assert!(matches!(parse_idx(&bytes), Err(IdxError::BadMagic { .. })));
        bytes[1] = 0;
        bytes[2] = 0x0d;
        assert!(matches!(
            parse_idx(&bytes),
            Err(IdxError::UnsupportedType(0x0d))
        ));
    }

    #[test]
    fn truncated_and_oversized_streams_are_typed_errors() {
        let bytes = tiny();
        assert!(matches!(
            parse_idx(&bytes[..bytes.len() - 1]),
            Err(IdxError::Truncated {
                expected: 18,
                found: 17
            })
        ));
        assert!(matches!(
            parse_idx(&bytes[..6]),
            Err(IdxError::Truncated { expected: 12, .. })
        ));
        assert!(matches!(
            parse_idx(&bytes[..2]),
            Err(IdxError::Truncated { expected: 4, .. })
        ));
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            parse_idx(&long),
            Err(IdxError::TrailingBytes { .. })
        ));
        let huge = [
            0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        ];
        assert!(matches!(
            parse_idx(&huge),
            Err(IdxError::TooLarge { .. }) | Err(IdxError::Truncated { .. })
        ));
    }

    #[test]
    fn decompression_stops_at_the_limit() {
        let mut raw = vec![0, 0, 8, 1, 0, 0, 0, 100];
        raw.extend([0u8; 100]);
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&raw).unwrap();
        let gz = encoder.finish().unwrap();
        assert_eq!(decode_idx_limited(&gz, 108).unwrap().data.len(), 100);
        assert!(matches!(
            decode_idx_limited(&gz, 107),
            Err(IdxError::Oversized { limit: 107 })
        ));
    }

    #[test]
    fn corrupt_gzip_is_a_typed_error() {
        let bytes = [0x1f, 0x8b, 8, 0, 1, 2, 3];
        assert!(matches!(decode_idx(&bytes), Err(IdxError::Gzip(_))));
    }
}
