//! The `fhe-nit` command line: one subcommand per module of `cli`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cli;

// The transform tables want huge pages (src/allocator.rs).
#[cfg(feature = "jemalloc")]
fhe_nit::install_jemalloc!();

#[derive(Parser)]
#[command(
    name = "fhe-nit",
    version,
    about = "Neural-network training on BGV-encrypted data"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the named parameter sets (ring, primes, slots, chain, security).
    Params(cli::params::ParamsArgs),
    /// Generate keys and check every BGV operation against the slot model, with timings.
    Selftest(cli::selftest::SelftestArgs),
    /// Train NN2/NN1 on plaintext MNIST (float reference or bit-exact fixed point).
    TrainPlain(cli::train::TrainPlainArgs),
    /// Test accuracy of a saved model.json.
    Eval(cli::eval::EvalArgs),
    /// Draw test accuracy per epoch of several runs on one SVG (Figure 5).
    Plot(cli::plot::PlotArgs),
}

/// `println!` panics when stdout is a closed pipe (`fhe-nit params | head`): end quietly then,
/// like other command-line tools, and keep the default report for every other panic.
fn exit_quietly_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    exit_quietly_on_closed_pipe();
    let result = match Args::parse().command {
        Command::Params(args) => cli::params::run(&args),
        Command::Selftest(args) => cli::selftest::run(&args),
        Command::TrainPlain(args) => cli::train::run(&args),
        Command::Eval(args) => cli::eval::run(&args),
        Command::Plot(args) => cli::plot::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
