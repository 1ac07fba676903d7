//! Cost of an AND and of a rotation on a chain of given prime sizes, for comparing layouts at
//! equal capacity (docs/BENCHMARKS.md, "Chain layouts"):
//!
//!   chain_cost SET CHAIN OP REPS
//!
//! SET is `toy` or `paper` (ring, hypercube, digits, h), CHAIN the ciphertext primes in chain
//! order as runs `BITSxCOUNT` separated by commas (`50x12,40x4`: twelve 50-bit primes, then
//! four of 40 bits at the top), OP `and` (multiply + relinearize + modulus switch down one
//! prime, two distinct ciphertexts at the top level) or `rotate` (rotate1D by one along the
//! first dimension, at the top level). Prints the chain and the median of REPS timed runs of
//! OP; setup (key generation, encryption) is outside the timed runs. Fixed seeds.

use nit_bgv::ciphertext::Plaintext;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::rotation::rotate_along_exponents;
use nit_bgv::{Evaluator, ParamsLiteral, PrimeRun};
use nit_ring::sample::seeded_rng;
use rand::Rng;
use std::time::Instant;

fn run(args: &[String]) -> Result<(), String> {
    let [set, chain, op, reps] = args else {
        return Err("usage: chain_cost SET CHAIN and|rotate REPS".into());
    };
    let reps: usize = reps.parse().map_err(|e| format!("REPS: {e}"))?;
    let literal = ParamsLiteral::named(set)
        .map_err(|e| e.to_string())?
        .with_chain(PrimeRun::parse_chain(chain).map_err(|e| e.to_string())?);
    let params = literal.build().map_err(|e| e.to_string())?;
    let mut rng = seeded_rng(7);
    let sk = SecretKey::generate(&params, &mut rng).map_err(|e| e.to_string())?;
    let exponents = rotate_along_exponents(&params, 0, 1).map_err(|e| e.to_string())?;
    let keys = EvaluationKeys::generate(&sk, op == "and", &exponents, &mut rng)
        .map_err(|e| e.to_string())?;
    let eval = Evaluator::new(&params, sk.id(), keys).map_err(|e| e.to_string())?;
    let bits: Vec<u64> = (0..params.phi()).map(|_| rng.gen_range(0..2)).collect();
    let m = Plaintext::new(&params, bits).map_err(|e| e.to_string())?;
    let a = sk.encrypt(&m, &mut rng).map_err(|e| e.to_string())?;
    let b = sk.encrypt(&m, &mut rng).map_err(|e| e.to_string())?;
    let top = params.max_level();
    let mut seconds = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        match op.as_str() {
            "and" => {
                let product = eval.multiply(&a, &b).map_err(|e| e.to_string())?;
                eval.mod_switch_to(&product, product.level() - 1)
                    .map_err(|e| e.to_string())?;
            }
            "rotate" => {
                eval.rotate_along(&a, 0, 1).map_err(|e| e.to_string())?;
            }
            other => return Err(format!("unknown OP {other:?}")),
        }
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    println!(
        "{set} chain {chain}: {top} primes, log2 Q = {:.1}, {} special; {op} median {:.1} ms over {reps}",
        params.log2_q(top),
        params.special_basis().len(),
        1e3 * seconds.get(reps / 2).copied().unwrap_or(f64::NAN)
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("chain_cost: {e}");
        std::process::exit(2);
    }
}
