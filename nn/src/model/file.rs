//! `model.json`: a trained network anyone can rebuild,
//! `{"model": "nn2", "arith": "fixed", "input": {"crop": 24, "size": 8, "mean": .., "std": ..},
//!   "layers": [{"inputs": 64, "outputs": 32, "weights": [[w_0 .. w_63, bias], ...]}, ...]}`,
//! weights as real numbers (fixed-point weights dequantized), one row per output neuron, the
//! bias last. Inputs are preprocessed by crop/size and normalized by (x - mean) / std.

use super::architecture::{Arithmetic, ModelKind};
use super::error::ModelError;
use super::float::FloatNetwork;
use crate::data::{normalized_dataset, InputGeometry, Mnist, Normalization};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The preprocessing a model expects.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    pub crop: usize,
    pub size: usize,
    pub mean: f64,
    pub std: f64,
}

/// One fully connected layer: `outputs` rows of `inputs + 1` reals (bias last).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerSpec {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<Vec<f64>>,
}

/// The whole file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub model: ModelKind,
    pub arith: Arithmetic,
    pub input: InputSpec,
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

    pub fn geometry(&self) -> InputGeometry {
        InputGeometry {
            crop: self.input.crop,
            size: self.input.size,
        }
    }

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

    pub fn read(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| ModelError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn write(&self, path: &Path) -> Result<(), ModelError> {
        let text = serde_json::to_string(self).map_err(|source| ModelError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        std::fs::write(path, text).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })
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
}
