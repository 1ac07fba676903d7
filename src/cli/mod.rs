//! Subcommands of the `fhe-nit` binary; each returns Err(message) on failure.

pub mod artifacts;
#[cfg(test)]
mod artifacts_tests;
pub mod decrypt;
pub mod demo;
pub mod encrypt;
pub mod eval;
pub mod keygen;
pub mod params;
pub mod plot;
pub mod progress;
pub mod provider;
#[cfg(test)]
mod provider_tests;
pub mod recryption_report;
pub mod selftest;
pub mod start;
pub mod train;
