//! Fully connected sigmoid networks (NN2, NN1) and their float and fixed-point trainers.
//!
//! - [`architecture`]: the paper's two networks.
//! - [`float`]: the f64 reference network and SGD step.
//! - [`fixed_format`]: the fixed-point formats and the sigmoid table.
//! - [`fixed`]: the fixed-point step as one circuit generic over the bit-sliced backend.
//! - [`fixed_weights`]: a model's weights as the step holds them (packed when trainable).
//! - [`fixed_trainer`]: that circuit on the plaintext backend.
//! - [`batch`]: a batch as bit-sliced inputs and one-hot labels, for any backend.
//! - [`encrypted_trainer`]: that circuit on BGV ciphertexts (the service provider's side).
//! - [`sgd`]: the epoch/batch loop shared by all trainers.
//! - [`file`]: `model.json`, the saved network.

pub mod architecture;
pub mod batch;
pub mod encrypted_trainer;
pub mod error;
pub mod file;
pub mod fixed;
pub mod fixed_format;
#[cfg(test)]
mod fixed_reference;
pub mod fixed_trainer;
pub mod fixed_weights;
pub mod float;
pub mod sgd;
pub mod step_cost;

pub use architecture::{Arithmetic, ModelKind};
pub use batch::BitslicedBatch;
pub use encrypted_trainer::EncryptedTrainer;
pub use error::ModelError;
pub use file::{InputSpec, LayerSpec, ModelFile};
pub use fixed::{FixedCircuit, ForwardPass, StepObserver, StepPart, StepTrace, Unobserved};
pub use fixed_trainer::FixedTrainer;
pub use fixed_weights::{FixedWeights, LayerWeights};
pub use float::{sigmoid, FloatNetwork, FloatTrainer};
pub use sgd::{train, EpochMetrics, Learner, Progress, TrainConfig};
pub use step_cost::{
    counted_step_with_refresh, resident_step, step_cost, step_cost_with_refresh,
    step_parts_with_refresh, unit_weights, PartCost, ResidentStep, StepCost, WeightRefresh,
};
