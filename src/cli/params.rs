//! `fhe-nit params`: the named parameter sets, their ring, slots, chain and security.

use clap::Args;
use nit_bgv::evaluator::supported_and_depth;
use nit_bgv::keys::KeySource;
use nit_bgv::{Params, ParamsLiteral};
use nit_ring::prime::ntt_size;
use serde_json::json;
use std::time::Instant;

#[derive(Args)]
pub struct ParamsArgs {
    /// Print a JSON array, one object per set.
    #[arg(long)]
    pub json: bool,
    /// Only this set (toy or paper); both by default.
    #[arg(long)]
    pub set: Option<String>,
    /// Measure one refresh even where the keys are large (paper: 1.6 GB of keys, a minute).
    #[arg(long)]
    pub measure_recryption: bool,
}

fn bits(q: u64) -> u32 {
    64 - q.leading_zeros()
}

/// Special primes key switching from `source` uses at levels 1..=L (any automorphism exponent
/// stands for all of them).
fn special_per_level(params: &Params, source: KeySource) -> Vec<usize> {
    (1..=params.max_level())
        .map(|level| params.special_count(level, source))
        .collect()
}

fn describe(params: &Params) -> Result<serde_json::Value, String> {
    let started = Instant::now();
    let slots = params.slots().map_err(|e| e.to_string())?;
    let slot_seconds = started.elapsed().as_secs_f64();
    let top = params.max_level();
    let ctxt = params.ctxt_basis(top).moduli();
    let special = params.special_basis().moduli();
    let factorization: Vec<String> = params
        .ring()
        .factorization()
        .iter()
        .map(|(p, e)| {
            if *e == 1 {
                p.to_string()
            } else {
                format!("{p}^{e}")
            }
        })
        .collect();
    let hypercube: Vec<serde_json::Value> = slots
        .hypercube()
        .dims()
        .iter()
        .map(|d| json!({"gen": d.gen, "order": d.order, "good": d.good}))
        .collect();
    Ok(json!({
        "name": params.name(),
        "m": params.m(),
        "phi": params.phi(),
        "factorization": factorization.join("*"),
        "ntt_size": ntt_size(params.m()),
        "plaintext_modulus": params.t(),
        "primes": ctxt,
        "prime_bits": ctxt.iter().map(|&q| bits(q)).collect::<Vec<_>>(),
        "log2_q": params.log2_q(top),
        "special_primes": special,
        "special_prime_bits": special.iter().map(|&q| bits(q)).collect::<Vec<_>>(),
        "log2_p": params.log2_p(),
        "digits": params.digit_ranges().len(),
        "special_per_level": special_per_level(params, KeySource::Automorphism(0)),
        "relinearization_special_per_level": special_per_level(params, KeySource::Square),
        "hamming_weight": params.hamming_weight(),
        "security_bits": params.security_bits(),
        "and_depth": supported_and_depth(params),
        "d": slots.d(),
        "slots": slots.slots(),
        "hypercube": hypercube,
        "slot_tables_seconds": slot_seconds,
    }))
}

fn print_text(v: &serde_json::Value) {
    println!("== {} ==", v["name"].as_str().unwrap_or("?"));
    println!(
        "ring        m = {} = {}, phi(m) = {}, NTT size N = {}",
        v["m"],
        v["factorization"].as_str().unwrap_or("?"),
        v["phi"],
        v["ntt_size"]
    );
    println!("plaintext   t = {}", v["plaintext_modulus"]);
    println!(
        "slots       d = {}, {} slots, hypercube {} (tables built in {:.2} s)",
        v["d"],
        v["slots"],
        v["hypercube"],
        v["slot_tables_seconds"].as_f64().unwrap_or(0.0)
    );
    println!(
        "chain       {} ciphertext primes, log2 Q = {:.1}; bits {}",
        v["primes"].as_array().map_or(0, Vec::len),
        v["log2_q"].as_f64().unwrap_or(0.0),
        v["prime_bits"]
    );
    for q in v["primes"].as_array().into_iter().flatten() {
        println!("            q = {q}");
    }
    println!(
        "special     {} primes, log2 P = {:.1}; bits {}; {} key-switching digits",
        v["special_primes"].as_array().map_or(0, Vec::len),
        v["log2_p"].as_f64().unwrap_or(0.0),
        v["special_prime_bits"],
        v["digits"]
    );
    println!(
        "            used at levels 1..L: automorphisms {}, relinearization {}",
        v["special_per_level"], v["relinearization_special_per_level"]
    );
    println!(
        "secret      Hamming weight {}",
        v["hamming_weight"]
            .as_u64()
            .map_or("dense".to_string(), |h| h.to_string())
    );
    println!(
        "security    {:.1} bits (HElib's estimator, docs/SECURITY.md)",
        v["security_bits"].as_f64().unwrap_or(0.0)
    );
    println!(
        "AND depth   {} (noise-estimate prediction, tested)",
        v["and_depth"]
    );
    super::recryption_report::print_recryption(&v["recryption"]);
}

pub fn run(args: &ParamsArgs) -> Result<(), String> {
    let names: Vec<&str> = match &args.set {
        Some(name) => vec![name.as_str()],
        None => vec!["toy", "paper"],
    };
    let mut out = Vec::new();
    for name in names {
        let params = ParamsLiteral::named(name)
            .and_then(|lit| lit.build())
            .map_err(|e| e.to_string())?;
        let mut v = describe(&params)?;
        v["recryption"] = super::recryption_report::recryption(&params, args.measure_recryption)?;
        out.push(v);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
    } else {
        for v in &out {
            print_text(v);
        }
    }
    Ok(())
}
