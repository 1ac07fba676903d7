//! Subcommands of the `fhe-nit` binary; each returns Err(message) on failure.

pub mod eval;
pub mod params;
pub mod plot;
pub mod selftest;
pub mod train;
