//! The `fhe-nit` command line: one subcommand per module of `cli`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cli;

#[derive(Parser)]
#[command(name = "fhe-nit", version, about = "Neural-network training on BGV-encrypted data")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the named parameter sets (ring, primes, slots, chain, security).
    Params(cli::params::ParamsArgs),
}

fn main() -> ExitCode {
    let result = match Args::parse().command {
        Command::Params(args) => cli::params::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
