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
    /// Without a subcommand: `demo` with its defaults.
    #[command(subcommand)]
    command: Option<Command>,
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
    /// Data owner: a secret key (KEYS/secret.key) and the public keys (KEYS/public/).
    Keygen(cli::keygen::KeygenArgs),
    /// Service provider: pretrain NN2 in plaintext on its own images (the fine-tuning start).
    Pretrain(cli::start::PretrainArgs),
    /// Data owner: encrypt the first N MNIST training images, one sample per slot.
    Encrypt(cli::encrypt::EncryptArgs),
    /// Service provider: SGD steps on the encrypted data with the public keys only.
    Train(cli::provider::TrainArgs),
    /// Data owner: decrypt the provider's model into model.json.
    Decrypt(cli::decrypt::DecryptArgs),
    /// The whole flow on toy: keys, encryption, encrypted fine-tuning, decryption, accuracy.
    Demo(cli::demo::DemoArgs),
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
        None => cli::demo::run(&cli::demo::DemoArgs::default()),
        Some(Command::Params(args)) => cli::params::run(&args),
        Some(Command::Selftest(args)) => cli::selftest::run(&args),
        Some(Command::TrainPlain(args)) => cli::train::run(&args),
        Some(Command::Eval(args)) => cli::eval::run(&args),
        Some(Command::Plot(args)) => cli::plot::run(&args),
        Some(Command::Keygen(args)) => cli::keygen::run(&args),
        Some(Command::Pretrain(args)) => cli::start::run(&args),
        Some(Command::Encrypt(args)) => cli::encrypt::run(&args),
        Some(Command::Train(args)) => cli::provider::run(&args),
        Some(Command::Decrypt(args)) => cli::decrypt::run(&args),
        Some(Command::Demo(args)) => cli::demo::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
