//! `fhe-nit params`: the named parameter sets.

use clap::Args;

#[derive(Args)]
pub struct ParamsArgs {
    /// Print a JSON array, one object per set.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: &ParamsArgs) -> Result<(), String> {
    Ok(())
}
