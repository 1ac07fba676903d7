//! `model.json`: a trained network anyone can rebuild,
//! `{"model": "nn2", "arith": "fixed", "input": {"crop": 24, "size": 8, "mean": .., "std": ..},
//!   "layers": [{"inputs": 64, "outputs": 32, "weights": [[w_0 .. w_63, bias], ...]}, ...]}`,
//! weights as real numbers (fixed-point weights dequantized), one row per output neuron, the
//! bias last. Inputs are preprocessed by crop/size and normalized by (x - mean) / std.
//!
//! Invariant of every file read or written ([`ModelFile::validate`]): the layers are those
//! of the declared network (`model`'s sizes, at least one layer, each row `inputs + 1` long),
//! the input geometry is the network's, and every weight, the mean and the std are finite
//! (std > 0). Files are read up to [`MAX_MODEL_BYTES`] and written atomically.

use super::architecture::{Arithmetic, ModelKind};
use super::error::ModelError;
use super::float::FloatNetwork;
use crate::data::{normalized_dataset, InputGeometry, Mnist, Normalization};
use crate::files::{read_text_limited, write_atomic};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The largest model file read: 16 MiB, six times NN1's 105,000 weights at 24 characters each.
pub const MAX_MODEL_BYTES: u64 = 16 << 20;

/// The preprocessing a model expects.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    /// Side of the central crop.
    pub crop: usize,
    /// Side after resizing.
    pub size: usize,
    /// Mean subtracted from every feature.
    pub mean: f64,
    /// Standard deviation every feature is divided by.
    pub std: f64,
}

/// One fully connected layer: `outputs` rows of `inputs + 1` reals (bias last).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerSpec {
    /// Inputs of the layer (without the bias input).
    pub inputs: usize,
    /// Neurons of the layer.
    pub outputs: usize,
    /// One row per neuron: `inputs` weights, then the bias.
    pub weights: Vec<Vec<f64>>,
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Which network.
    pub model: ModelKind,
    /// The arithmetic it was trained with.
    pub arith: Arithmetic,
    /// Its preprocessing.
    pub input: InputSpec,
    /// Its layers, input side first.
    pub layers: Vec<LayerSpec>,
}

impl ModelFile {
    /// Describes `network` (real weights) with its preprocessing.
    pub fn new(
        model: ModelKind,
        arith: Arithmetic,
        geometry: InputGeometry,
        normalization: Normalization,
        network: &FloatNetwork,
    ) -> Self {
        let layers = network
            .weights
            .iter()
            .enumerate()
            .map(|(l, w)| {
                let inputs = network.sizes[l];
                LayerSpec {
                    inputs,
                    outputs: network.sizes[l + 1],
                    weights: w.chunks_exact(inputs + 1).map(<[f64]>::to_vec).collect(),
                }
            })
            .collect();
        Self {
            model,
            arith,
            input: InputSpec {
                crop: geometry.crop,
                size: geometry.size,
                mean: normalization.mean,
                std: normalization.std,
            },
            layers,
        }
    }

    /// The crop and size of the inputs.
    pub fn geometry(&self) -> InputGeometry {
        InputGeometry {
            crop: self.input.crop,
            size: self.input.size,
        }
    }

    /// The normalization of the inputs.
    pub fn normalization(&self) -> Normalization {
        Normalization {
            mean: self.input.mean,
            std: self.input.std,
        }
    }

    /// The float network these layers describe, after checking that they chain.
    pub fn network(&self) -> Result<FloatNetwork, ModelError> {
        let mut sizes = vec![self.geometry().features()];
        let mut weights = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            if layer.inputs != sizes[l] || layer.weights.len() != layer.outputs {
                return Err(ModelError::Inconsistent(format!(
                    "layer {l} declares {} -> {} with {} rows after {} values",
                    layer.inputs,
                    layer.outputs,
                    layer.weights.len(),
                    sizes[l]
                )));
            }
            if let Some(row) = layer
                .weights
                .iter()
                .position(|r| r.len() != layer.inputs + 1)
            {
                return Err(ModelError::Inconsistent(format!(
                    "layer {l} row {row} does not have {} weights plus a bias",
                    layer.inputs
                )));
            }
            sizes.push(layer.outputs);
            weights.push(layer.weights.concat());
        }
        FloatNetwork::from_weights(sizes, weights)
            .ok_or_else(|| ModelError::Inconsistent("no layers".into()))
    }

    /// Checks the invariant of the module doc: what a loader must refuse before using a file.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.layers.is_empty() {
            return Err(ModelError::Inconsistent("no layers".into()));
        }
        if self.geometry() != self.model.geometry() {
            return Err(ModelError::Inconsistent(format!(
                "input crop {} size {} is not the {} preprocessing",
                self.input.crop, self.input.size, self.model
            )));
        }
        let network = self.network()?;
        if network.sizes != self.model.layer_sizes() {
            return Err(ModelError::Inconsistent(format!(
                "layer sizes {:?} are not those of {} ({:?})",
                network.sizes,
                self.model,
                self.model.layer_sizes()
            )));
        }
        if !(self.input.mean.is_finite() && self.input.std.is_finite() && self.input.std > 0.0) {
            return Err(ModelError::NonFinite(format!(
                "normalization mean {} std {} (std must be positive)",
                self.input.mean, self.input.std
            )));
        }
        for (l, layer) in self.layers.iter().enumerate() {
            for (row, weights) in layer.weights.iter().enumerate() {
                if let Some(column) = weights.iter().position(|w| !w.is_finite()) {
                    return Err(ModelError::NonFinite(format!(
                        "layer {l} row {row} column {column} is {}",
                        weights[column]
                    )));
                }
            }
        }
        Ok(())
    }

    /// Reads and validates a model file of at most [`MAX_MODEL_BYTES`].
    pub fn read(path: &Path) -> Result<Self, ModelError> {
        let text = read_text_limited(path, MAX_MODEL_BYTES)?;
        let file: Self = serde_json::from_str(&text).map_err(|source| ModelError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        file.validate()?;
        Ok(file)
    }

    /// Validates and writes the file atomically (a diverged network is refused, not written
    /// with `null` weights).
    pub fn write(&self, path: &Path) -> Result<(), ModelError> {
        self.validate()?;
        let text = serde_json::to_string(self).map_err(|source| ModelError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(write_atomic(path, text.as_bytes())?)
    }

    /// Test accuracy of the saved network (float forward pass with the real sigmoid) on
    /// `mnist.test`, preprocessed with the file's own geometry and statistics.
    pub fn evaluate(&self, mnist: &Mnist) -> Result<f64, ModelError> {
        let network = self.network()?;
        let test = normalized_dataset(&mnist.test, self.geometry(), self.normalization())?;
        Ok(network.accuracy(&test))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sgd::{rng_for, INIT_STREAM};

    #[test]
    fn model_file_round_trips_and_rebuilds_the_network() {
        let network = FloatNetwork::random(&[64, 32, 16, 10], &mut rng_for(5, INIT_STREAM));
        let normalization = Normalization {
            mean: 45.5,
            std: 70.9,
        };
        let file = ModelFile::new(
            ModelKind::Nn2,
            Arithmetic::Fixed,
            InputGeometry::NN2,
            normalization,
            &network,
        );
        let text = serde_json::to_string(&file).unwrap();
        assert!(text.starts_with(r#"{"model":"nn2","arith":"fixed","input":{"crop":24,"size":8,"mean":45.5,"std":70.9},"layers":[{"inputs":64,"outputs":32,"weights":[["#));
        let back: ModelFile = serde_json::from_str(&text).unwrap();
        let rebuilt = back.network().unwrap();
        assert_eq!(rebuilt.sizes, network.sizes);
        // serde_json's default float parser may be one ulp off the printed shortest decimal.
        for (a, b) in rebuilt
            .weights
            .iter()
            .flatten()
            .zip(network.weights.iter().flatten())
        {
            assert!((a - b).abs() <= 1e-15 * b.abs().max(1e-300), "{a} vs {b}");
        }
        assert!((back.layers[0].weights[3][64] - network.weights[0][3 * 65 + 64]).abs() < 1e-15);
    }

    #[test]
    fn inconsistent_layers_are_typed_errors() {
        let network = FloatNetwork::random(&[64, 32, 10], &mut rng_for(5, INIT_STREAM));
        let normalization = Normalization {
            mean: 0.0,
            std: 1.0,
        };
        let mut file = ModelFile::new(
            ModelKind::Nn2,
            Arithmetic::Float,
            InputGeometry::NN2,
            normalization,
            &network,
        );
        file.layers[1].inputs = 31;
        assert!(matches!(file.network(), Err(ModelError::Inconsistent(_))));
        file.layers[1].inputs = 32;
        file.layers[1].weights[2].pop();
        assert!(matches!(file.network(), Err(ModelError::Inconsistent(_))));
        assert!(serde_json::from_str::<ModelFile>(r#"{"model": "nn3"}"#).is_err());
    }

    fn nn2_file() -> ModelFile {
        let network = FloatNetwork::random(&[64, 32, 16, 10], &mut rng_for(5, INIT_STREAM));
        let normalization = Normalization {
            mean: 45.5,
            std: 70.9,
        };
        ModelFile::new(
            ModelKind::Nn2,
            Arithmetic::Float,
            InputGeometry::NN2,
            normalization,
            &network,
        )
    }

    #[test]
    fn validation_refuses_what_a_loader_must_not_use() {
        let good = nn2_file();
        good.validate().unwrap();
        let refused = |change: &dyn Fn(&mut ModelFile)| {
            let mut file = good.clone();
            change(&mut file);
            file.validate().unwrap_err()
        };
        assert!(matches!(
            refused(&|f| f.layers.clear()),
            ModelError::Inconsistent(m) if m == "no layers"
        ));
        // A network that chains but is not NN2 (its last layer dropped: 16 outputs).
        assert!(matches!(
            refused(&|f| {
                f.layers.pop();
            }),
            ModelError::Inconsistent(_)
        ));
        assert!(matches!(
            refused(&|f| f.input.size = 9),
            ModelError::Inconsistent(_)
        ));
        assert!(matches!(
            refused(&|f| f.layers[2].weights[9][16] = f64::NAN),
            ModelError::NonFinite(m) if m.contains("layer 2 row 9 column 16")
        ));
        assert!(matches!(
            refused(&|f| f.layers[0].weights[0][0] = f64::NEG_INFINITY),
            ModelError::NonFinite(_)
        ));
        assert!(matches!(
            refused(&|f| f.input.std = 0.0),
            ModelError::NonFinite(_)
        ));
        assert!(matches!(
            refused(&|f| f.input.mean = f64::INFINITY),
            ModelError::NonFinite(_)
        ));
    }

    #[test]
    fn a_diverged_network_is_not_written_and_a_bad_file_not_read() {
        let dir = std::env::temp_dir().join(format!("nit-model-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.json");
        let mut file = nn2_file();
        file.write(&path).unwrap();
        assert_eq!(ModelFile::read(&path).unwrap(), file);
        file.layers[1].weights[0][0] = f64::NAN;
        assert!(matches!(file.write(&path), Err(ModelError::NonFinite(_))));
        // The refused write left the previous file in place.
        assert!(ModelFile::read(&path).is_ok());
        let mut empty = nn2_file();
        empty.layers.clear();
        std::fs::write(&path, serde_json::to_string(&empty).unwrap()).unwrap();
        assert!(matches!(
            ModelFile::read(&path),
            Err(ModelError::Inconsistent(_))
        ));
        std::fs::File::create(&path)
            .unwrap()
            .set_len(MAX_MODEL_BYTES + 1)
            .unwrap();
        assert!(matches!(
            ModelFile::read(&path),
            Err(ModelError::File(crate::files::FileError::TooLarge { .. }))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
