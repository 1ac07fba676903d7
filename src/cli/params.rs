//! `fhe-nit params`: the named parameter sets, their ring, slots, chain and security.

use clap::Args;
use nit_bgv::evaluator::{supported_and_depth, supported_tree_depth};
use nit_bgv::keys::KeySource;
use nit_bgv::{Params, ParamsLiteral, PrimeRun};
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
    /// Replace the sets' ciphertext chain by runs BITSxCOUNT from q_0 up, e.g. 50x10,40x6.
    #[arg(long)]
    pub chain: Option<String>,
    /// Measure one refresh even where the keys are large (paper: 1.6 GB of keys, a minute).
    #[arg(long)]
    pub measure_recryption: bool,
}

fn bits(q: u64) -> u32 {
    64 - q.leading_zeros()
}

/// The primes' sizes as runs of equal size in chain order: [{"bits", "count"}, ..].
fn runs(primes: &[u64]) -> Vec<serde_json::Value> {
    let mut runs: Vec<(u32, usize)> = Vec::new();
    for &q in primes {
        match runs.last_mut() {
            Some((b, count)) if *b == bits(q) => *count += 1,
            _ => runs.push((bits(q), 1)),
        }
    }
    runs.into_iter()
        .map(|(bits, count)| json!({"bits": bits, "count": count}))
        .collect()
}

/// Runs as text: "12 x 50, 4 x 40".
fn runs_text(v: &serde_json::Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|run| format!("{} x {}", run["count"], run["bits"]))
        .collect::<Vec<_>>()
        .join(", ")
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
        "chain_runs": runs(&ctxt),
        "drop_bits": {
            "smallest": ctxt.iter().map(|&q| bits(q)).min(),
            "largest": ctxt.iter().map(|&q| bits(q)).max(),
        },
        "log2_q": params.log2_q(top),
        "special_primes": special,
        "special_prime_bits": special.iter().map(|&q| bits(q)).collect::<Vec<_>>(),
        "special_runs": runs(&special),
        "log2_p": params.log2_p(),
        "digits": params.digit_ranges().len(),
        "special_per_level": special_per_level(params, KeySource::Automorphism(0)),
        "relinearization_special_per_level": special_per_level(params, KeySource::Square),
        "hamming_weight": params.hamming_weight(),
        "security_bits": params.security_bits(),
        "and_depth": supported_and_depth(params),
        "tree_depth": supported_tree_depth(params, params.max_level(), params.fresh_noise_secret()),
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
        "chain       {} ciphertext primes, log2 Q = {:.1}; bits {} (from q_0 up)",
        v["primes"].as_array().map_or(0, Vec::len),
        v["log2_q"].as_f64().unwrap_or(0.0),
        runs_text(&v["chain_runs"])
    );
    println!(
        "            a modulus switch drops whole primes from the top: {} to {} bits each",
        v["drop_bits"]["smallest"], v["drop_bits"]["largest"]
    );
    for q in v["primes"].as_array().into_iter().flatten() {
        println!("            q = {q}");
    }
    println!(
        "special     {} primes, log2 P = {:.1}; bits {}; {} key-switching digits",
        v["special_primes"].as_array().map_or(0, Vec::len),
        v["log2_p"].as_f64().unwrap_or(0.0),
        runs_text(&v["special_runs"]),
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
        "AND depth   {} (x <- x AND fresh y), tree depth {} (x <- x AND x', both deep): \
         noise-estimate predictions, tested",
        v["and_depth"], v["tree_depth"]
    );
    super::recryption_report::print_recryption(&v["recryption"]);
}

pub fn run(args: &ParamsArgs) -> Result<(), String> {
    let names: Vec<&str> = match &args.set {
        Some(name) => vec![name.as_str()],
        None => vec!["toy", "paper"],
    };
    let mut out = Vec::new();
    let chain = match &args.chain {
        Some(text) => Some(PrimeRun::parse_chain(text).map_err(|e| e.to_string())?),
        None => None,
    };
    for name in names {
        let mut literal = ParamsLiteral::named(name).map_err(|e| e.to_string())?;
        if let Some(runs) = &chain {
            literal = literal.with_chain(runs.clone());
        }
        let params = literal.build().map_err(|e| e.to_string())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use nit_bgv::PrimeRun;

    /// The runs and drop sizes printed for a mixed chain are the literal's.
    #[test]
    fn describe_shows_the_chains_runs_and_drop_sizes() {
        let chain = vec![
            PrimeRun::new(50, 2),
            PrimeRun::new(30, 1),
            PrimeRun::new(50, 1),
            PrimeRun::new(24, 2),
        ];
        let params = ParamsLiteral::small(127, 6)
            .with_chain(chain.clone())
            .build()
            .unwrap();
        let v = describe(&params).unwrap();
        let expect: Vec<serde_json::Value> = chain
            .iter()
            .map(|run| json!({"bits": run.bits, "count": run.count}))
            .collect();
        assert_eq!(v["chain_runs"], json!(expect));
        assert_eq!(v["drop_bits"], json!({"smallest": 24, "largest": 50}));
        assert_eq!(
            runs_text(&v["chain_runs"]),
            "2 x 50, 1 x 30, 1 x 50, 2 x 24"
        );
        assert_eq!(v["special_runs"][0]["bits"], 50);
        assert_eq!(
            v["tree_depth"],
            supported_tree_depth(&params, params.max_level(), params.fresh_noise_secret())
        );
    }
}
