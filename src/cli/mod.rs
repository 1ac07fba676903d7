//! Subcommands of the `fhe-nit` binary; each returns Err(message) on failure.

pub mod params;
