//! Typed errors for reading MNIST: the IDX container and the MNIST shapes on top of it.

use crate::files::FileError;
use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// A malformed IDX byte stream (independent of where it came from).
#[derive(Debug, Error)]
pub enum IdxError {
    /// The first two bytes of an IDX file are zero; the third names the element type.
    #[error("bad IDX magic {found:02x?} (expected 00 00 <type> <dims>)")]
    BadMagic {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// Only unsigned bytes (type 0x08) occur in MNIST.
    #[error("unsupported IDX element type 0x{0:02x} (only unsigned byte 0x08)")]
    UnsupportedType(u8),
    /// Fewer bytes than the header (or the dimensions it declares) requires.
    #[error("truncated IDX data: need {expected} bytes, have {found}")]
    Truncated {
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// More bytes than the declared dimensions account for.
    #[error("IDX data has {found} bytes, the header declares {expected}")]
    TrailingBytes {
        /// Bytes the header declares.
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The product of the declared dimensions does not fit in memory addresses.
    #[error("IDX dimensions {dims:?} overflow")]
    TooLarge {
        /// The declared dimensions.
        dims: Vec<usize>,
    },
    /// The decompressed stream is longer than any MNIST file ([`MAX_IDX_BYTES`]).
    ///
    /// [`MAX_IDX_BYTES`]: super::idx::MAX_IDX_BYTES
    #[error("decompressed IDX data exceeds {limit} bytes")]
    Oversized {
        /// The bound in bytes.
        limit: u64,
    },
    /// The stream starts with the gzip magic but does not decompress.
    #[error("gzip decompression failed: {0}")]
    Gzip(#[source] io::Error),
}

/// Loading the MNIST files from a directory.
#[derive(Debug, Error)]
pub enum DataError {
    /// A file could not be read, or is larger than any MNIST file.
    #[error(transparent)]
    File(#[from] FileError),
    /// Neither `name` nor `name.gz` exists in the data directory.
    #[error("missing MNIST file {path} (also tried with .gz)")]
    Missing {
        /// The raw file's path.
        path: PathBuf,
    },
    /// A file is not a valid IDX stream.
    #[error("{path}: {source}")]
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents.
        #[source]
        source: IdxError,
    },
    /// The file's dimensions are not those of MNIST images (n x 28 x 28) or labels (n).
    #[error("{path}: dimensions {found:?}, expected {expected}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The shape MNIST has.
        expected: &'static str,
        /// The file's dimensions.
        found: Vec<usize>,
    },
    /// An image file and its label file disagree on the number of samples.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A label outside 0..=9.
    #[error("{path}: label {label} at index {index} is not a digit")]
    BadLabel {
        /// The label file.
        path: PathBuf,
        /// The sample's index.
        index: usize,
        /// The label found.
        label: u8,
    },
    /// A preprocessing geometry that does not fit the images.
    #[error("cannot crop {crop}x{crop} and resize to {size}x{size} from {rows}x{cols} images")]
    Geometry {
        /// Side of the central crop.
        crop: usize,
        /// Side after resizing.
        size: usize,
        /// Image rows.
        rows: usize,
        /// Image columns.
        cols: usize,
    },
}
