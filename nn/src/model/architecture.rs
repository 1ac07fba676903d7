//! The two networks of the paper: fully connected, sigmoid everywhere, a bias input of 1 per
//! layer. NN2 = 64-32-16-10 on 8 x 8 downscaled images, NN1 = 784-128-32-10 on raw pixels.

use crate::data::InputGeometry;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which of the paper's networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// 64-32-16-10 on 8 x 8 images.
    Nn2,
    /// 784-128-32-10 on 28 x 28 images.
    Nn1,
}

impl ModelKind {
    /// Neurons per layer, input first: `[n_0, n_1, ..., n_L]`.
    pub fn layer_sizes(self) -> &'static [usize] {
        match self {
            ModelKind::Nn2 => &[64, 32, 16, 10],
            ModelKind::Nn1 => &[784, 128, 32, 10],
        }
    }

    /// The preprocessing that produces this network's inputs.
    pub fn geometry(self) -> InputGeometry {
        match self {
            ModelKind::Nn2 => InputGeometry::NN2,
            ModelKind::Nn1 => InputGeometry::NN1,
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::Nn2 => "nn2",
            ModelKind::Nn1 => "nn1",
        })
    }
}

/// Which arithmetic a model was trained with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arithmetic {
    /// f64 reference.
    Float,
    /// Bit-exact fixed point (docs/FIXED_POINT.md).
    Fixed,
}

impl fmt::Display for Arithmetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arithmetic::Float => "float",
            Arithmetic::Fixed => "fixed",
        })
    }
}

impl std::str::FromStr for ModelKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "nn2" => Ok(ModelKind::Nn2),
            "nn1" => Ok(ModelKind::Nn1),
            _ => Err(format!("unknown model {text:?} (nn2 or nn1)")),
        }
    }
}

impl std::str::FromStr for Arithmetic {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "float" => Ok(Arithmetic::Float),
            "fixed" => Ok(Arithmetic::Fixed),
            _ => Err(format!("unknown arithmetic {text:?} (float or fixed)")),
        }
    }
}
