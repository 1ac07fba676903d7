//! `fhe-nit keygen`: the data owner's keys. The secret key (mode 0600) stays in KEYS/; what
//! the service provider needs (parameters, public key, relinearization and rotation keys, the
//! bootstrapping key for recryption) goes to KEYS/public/, the only directory the owner hands
//! over.

use super::artifacts::{
    ArtifactError, BOOTSTRAPPING_KEY, EVALUATION_KEYS, PARAMS, PUBLIC_DIR, PUBLIC_KEY, SECRET_KEY,
};
use clap::Args;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::rotation::all_rotation_exponents;
use nit_bgv::{Params, ParamsLiteral};
use nit_bootstrap::{recryption_bits, BootstrappingKey};
use nit_nn::files::write_atomic_with_mode;
use nit_ring::sample::secure_rng;
use std::path::{Path, PathBuf};

/// Ciphertext primes of the toy chain: the provider's step runs with recryption, so the chain
/// only has to carry the deepest segment between two refreshes. One fine-tuning step of
/// NN2's last layer (144,450 ANDs, 40,860 rotations, counted with `CountingBackend`) has 220
/// refreshes where the trainer asks (activations, slopes, deltas) and a deepest segment of
/// 29 AND levels between them. A refreshed value carries about 2 AND levels per 50-bit prime
/// beyond recryption's own (`fhe-nit params --chain 50xN`: 22 primes 30 levels, 23 primes
/// 32, 24 primes 34), and the provider's L is one less than its probe measures. At L = 29
/// (22 primes) the step needs 2,560 more refreshes, from L = 30 none; 24 primes (L = 32-33
/// measured) keep a margin for the probe's spread (docs/BENCHMARKS.md).
pub const TOY_FINE_TUNE_PRIMES: usize = 24;

#[derive(Args)]
pub struct KeygenArgs {
    /// Parameter set: toy (m = 1023, 60 slots, NOT SECURE) or paper (m = 32767, 1800 slots).
    #[arg(long, default_value = "toy")]
    pub set: String,
    /// Ciphertext primes of the chain (default: toy 24, enough for the fine-tuning step's
    /// deepest segment between two refreshes; paper its own 15).
    #[arg(long)]
    pub primes: Option<usize>,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// The literal `keygen --set set [--primes n]` builds.
pub fn literal(set: &str, primes: Option<usize>) -> Result<ParamsLiteral, String> {
    let literal = ParamsLiteral::named(set).map_err(|e| e.to_string())?;
    let default = if set == "toy" {
        TOY_FINE_TUNE_PRIMES
    } else {
        literal.ctxt_primes()
    };
    Ok(literal.with_ctxt_primes(primes.unwrap_or(default)))
}

pub fn run(args: &KeygenArgs) -> Result<(), String> {
    let literal = literal(&args.set, args.primes)?;
    let params = literal.build().map_err(|e| e.to_string())?;
    generate(&params, &args.out).map_err(|e| e.to_string())
}

/// Generates keys of `params` into `out`, printing every file with its size.
pub fn generate(params: &Params, out: &Path) -> Result<(), ArtifactError> {
    let public = out.join(PUBLIC_DIR);
    std::fs::create_dir_all(&public).map_err(|source| ArtifactError::Io {
        path: public.clone(),
        source,
    })?;
    let bgv = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArtifactError::Bgv { path, source }
    };
    let mut rng = secure_rng();
    let secret_path = out.join(SECRET_KEY);
    let sk = SecretKey::generate(params, &mut rng).map_err(bgv(&secret_path))?;
    let pk = sk.public_key(&mut rng).map_err(bgv(&secret_path))?;
    let eval_path = public.join(EVALUATION_KEYS);
    let exponents = all_rotation_exponents(params).map_err(bgv(&eval_path))?;
    let keys =
        EvaluationKeys::generate(&sk, true, &exponents, &mut rng).map_err(bgv(&eval_path))?;
    let bootstrapping_path = public.join(BOOTSTRAPPING_KEY);
    let bootstrap = |source| ArtifactError::Bootstrap {
        path: bootstrapping_path.clone(),
        source,
    };
    let bootstrapping = BootstrappingKey::generate(&sk, recryption_bits(params), &mut rng)
        .and_then(|key| key.to_bytes())
        .map_err(bootstrap)?;
    let files = [
        (
            secret_path.clone(),
            sk.to_bytes().map_err(bgv(&secret_path))?,
            0o600,
        ),
        (
            public.join(PARAMS),
            params.to_bytes().map_err(bgv(&public))?,
            0o644,
        ),
        (
            public.join(PUBLIC_KEY),
            pk.to_bytes().map_err(bgv(&public))?,
            0o644,
        ),
        (
            eval_path.clone(),
            keys.to_bytes(params, sk.id()).map_err(bgv(&eval_path))?,
            0o644,
        ),
        (bootstrapping_path.clone(), bootstrapping, 0o644),
    ];
    // Every file is written before anything is printed: a closed stdout (`| head`) ends the
    // process quietly and must not leave the key directory half written.
    for (path, bytes, mode) in &files {
        write_atomic_with_mode(path, bytes, *mode)?;
    }
    println!(
        "{}: m = {}, {} slots, {} ciphertext primes ({:.0} bits), {} rotation keys",
        params.name(),
        params.m(),
        params.slots().map_err(bgv(&public))?.slots(),
        params.max_level(),
        params.log2_q(params.max_level()),
        exponents.len()
    );
    for (path, bytes, _) in &files {
        println!("{:>12} bytes  {}", bytes.len(), path.display());
    }
    Ok(())
}
