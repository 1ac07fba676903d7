//! The four MNIST files (LeCun et al.): 60000 training and 10000 test images of 28 x 28
//! unsigned bytes (0 = background, 255 = ink), with digit labels 0..=9.

use super::error::DataError;
use super::idx::{decode_idx, IdxArray, MAX_IDX_BYTES};
use crate::files::read_limited;
use std::path::{Path, PathBuf};

/// Number of classes.
pub const DIGITS: usize = 10;

/// Images with their labels; invariant: `pixels.len() == labels.len() * rows * cols` and every
/// label is below [`DIGITS`].
#[derive(Clone, Debug)]
pub struct LabeledImages {
    /// Rows of every image (28).
    pub rows: usize,
    /// Columns of every image (28).
    pub cols: usize,
    /// Row-major pixels, image after image.
    pub pixels: Vec<u8>,
    /// One digit per image.
    pub labels: Vec<u8>,
}

impl LabeledImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `index`, row-major.
    pub fn image(&self, index: usize) -> &[u8] {
        let size = self.rows * self.cols;
        &self.pixels[index * size..(index + 1) * size]
    }

    /// How many samples carry each digit.
    pub fn label_counts(&self) -> [usize; DIGITS] {
        let mut counts = [0; DIGITS];
        for &label in &self.labels {
            counts[usize::from(label)] += 1;
        }
        counts
    }

    /// The first `count` samples (all of them if there are fewer).
    pub fn truncated(&self, count: usize) -> Self {
        let count = count.min(self.len());
        Self {
            rows: self.rows,
            cols: self.cols,
            pixels: self.pixels[..count * self.rows * self.cols].to_vec(),
            labels: self.labels[..count].to_vec(),
        }
    }
}

/// The MNIST training and test sets.
#[derive(Clone, Debug)]
pub struct Mnist {
    /// The 60000 training images.
    pub train: LabeledImages,
    /// The 10000 test images.
    pub test: LabeledImages,
}

/// `data/mnist` of this repository, where the four gzipped files are committed.
pub fn default_data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("data")
        .join("mnist")
}

impl Mnist {
    /// Loads `train-{images-idx3,labels-idx1}-ubyte` and `t10k-...` from `dir`, each either
    /// gzipped (`.gz`, preferred) or raw.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        Ok(Self {
            train: load_split(dir, "train")?,
            test: load_split(dir, "t10k")?,
        })
    }
}

fn load_split(dir: &Path, prefix: &str) -> Result<LabeledImages, DataError> {
    let (images_path, images) = read_file(dir, &format!("{prefix}-images-idx3-ubyte"))?;
    let (labels_path, labels) = read_file(dir, &format!("{prefix}-labels-idx1-ubyte"))?;
    let [count, rows, cols] = images.dims[..] else {
        return Err(DataError::Shape {
            path: images_path,
            expected: "n x 28 x 28",
            found: images.dims,
        });
    };
    if rows != 28 || cols != 28 {
        return Err(DataError::Shape {
            path: images_path,
            expected: "n x 28 x 28",
            found: images.dims,
        });
    }
    if labels.dims.len() != 1 {
        return Err(DataError::Shape {
            path: labels_path,
            expected: "n",
            found: labels.dims,
        });
    }
    if labels.dims[0] != count {
        return Err(DataError::CountMismatch {
            images: count,
            labels: labels.dims[0],
        });
    }
    if let Some(index) = labels.data.iter().position(|&l| usize::from(l) >= DIGITS) {
        return Err(DataError::BadLabel {
            path: labels_path,
            index,
            label: labels.data[index],
        });
    }
    Ok(LabeledImages {
        rows,
        cols,
        pixels: images.data,
        labels: labels.data,
    })
}

fn read_file(dir: &Path, name: &str) -> Result<(PathBuf, IdxArray), DataError> {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    let path = if gz.exists() {
        gz
    } else if raw.exists() {
        raw
    } else {
        return Err(DataError::Missing { path: raw });
    };
    let bytes = read_limited(&path, MAX_IDX_BYTES)?;
    match decode_idx(&bytes) {
        Ok(array) => Ok((path, array)),
        Err(source) => Err(DataError::Idx { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::IdxError;

    #[test]
    fn real_files_have_the_known_sizes_and_label_counts() {
        let mnist = Mnist::load(&default_data_dir()).unwrap();
        assert_eq!(
            (mnist.train.len(), mnist.train.rows, mnist.train.cols),
            (60000, 28, 28)
        );
        assert_eq!(
            (mnist.test.len(), mnist.test.rows, mnist.test.cols),
            (10000, 28, 28)
        );
        assert_eq!(
            mnist.train.label_counts(),
            [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        );
        assert_eq!(
            mnist.test.label_counts(),
            [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        );
        assert_eq!(&mnist.train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    }

    /// A fresh directory under the system temp dir, unique per test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nit-nn-mnist-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn idx(dims: &[u32], fill: u8) -> Vec<u8> {
        let mut bytes = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        let count: u32 = dims.iter().product();
        bytes.extend(std::iter::repeat_n(fill, count as usize));
        bytes
    }

    fn write_set(dir: &Path, images: &[u8], labels: &[u8]) {
        for prefix in ["train", "t10k"] {
            std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), images).unwrap();
            std::fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), labels).unwrap();
        }
    }

    #[test]
    fn raw_files_in_another_directory_load() {
        let dir = scratch("raw");
        write_set(&dir, &idx(&[3, 28, 28], 7), &idx(&[3], 9));
        let mnist = Mnist::load(&dir).unwrap();
        assert_eq!(mnist.test.len(), 3);
        assert_eq!(mnist.test.image(2)[783], 7);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn wrong_shapes_counts_and_labels_are_typed_errors() {
        let dir = scratch("shapes");
        write_set(&dir, &idx(&[3, 28, 27], 0), &idx(&[3], 1));
        assert!(matches!(Mnist::load(&dir), Err(DataError::Shape { .. })));
        write_set(&dir, &idx(&[3, 28, 28], 0), &idx(&[4], 1));
        assert!(matches!(
            Mnist::load(&dir),
            Err(DataError::CountMismatch {
                images: 3,
                labels: 4
            })
        ));
        write_set(&dir, &idx(&[3, 28, 28], 0), &idx(&[3], 10));
        assert!(matches!(
            Mnist::load(&dir),
            Err(DataError::BadLabel {
                index: 0,
                label: 10,
                ..
            })
        ));
        let mut truncated = idx(&[3, 28, 28], 0);
        truncated.pop();
        write_set(&dir, &truncated, &idx(&[3], 1));
        assert!(matches!(
            Mnist::load(&dir),
            Err(DataError::Idx {
                source: IdxError::Truncated { .. },
                ..
            })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(Mnist::load(&dir), Err(DataError::Missing { .. })));
    }
}
