//! The `recryption` object of `fhe-nit params`: what one refresh of a set costs and leaves
//! (`nit_bootstrap::RecryptionBudget`), estimated from the parameters and, where asked (or
//! where the keys are small), measured by one recryption with a throwaway key drawn from the
//! OS generator and dropped afterwards.

use nit_bgv::Params;
use nit_bootstrap::{RecryptionBudget, FAILURE_METHOD};
use nit_ring::sample::secure_rng;
use serde_json::{json, Value};

/// Key memory (bytes) up to which `params` measures a refresh without being asked.
const MEASURE_BELOW_BYTES: usize = 256 << 20;

/// The recryption object of `params` (`measure`: run one refresh whatever the key size).
pub fn recryption(params: &Params, measure: bool) -> Result<Value, String> {
    let budget = RecryptionBudget::estimate(params).map_err(|e| e.to_string())?;
    let measured = if measure || budget.key_bytes <= MEASURE_BELOW_BYTES {
        let refresh =
            RecryptionBudget::measure(params, &mut secure_rng()).map_err(|e| e.to_string())?;
        json!({
            "bits_per_refresh": refresh.bits_consumed,
            "capacity_after_refresh": refresh.capacity_after,
            "primes_after_refresh": refresh.primes_after,
            "and_levels_after_refresh": refresh.and_levels_after_refresh,
            "seconds": refresh.seconds,
        })
    } else {
        Value::Null
    };
    let levels = measured
        .get("and_levels_after_refresh")
        .cloned()
        .unwrap_or(Value::Null);
    Ok(json!({
        "e": budget.e,
        "digits_removed": budget.digits_removed,
        "key_weight": budget.key_weight,
        "ephemeral_key": Value::Null,
        "failure_log2_per_refresh": budget.failure_log2,
        "failure_method": FAILURE_METHOD,
        "keys": budget.key_count,
        "key_memory_mb": budget.key_bytes as f64 / f64::from(1u32 << 20),
        "main_key_security_bits": budget.security_bits,
        "security_method": "HElib's formula (bgv/src/security.rs)",
        "measured": measured,
        "and_levels_after_refresh": levels,
    }))
}

/// The text form of [`recryption`]'s object.
pub fn print_recryption(v: &Value) {
    println!(
        "recryption  e = {}, {} digits removed, key weight {}, failure per refresh < 2^{:.0} ({})",
        v["e"],
        v["digits_removed"],
        v["key_weight"],
        v["failure_log2_per_refresh"].as_f64().unwrap_or(0.0),
        v["failure_method"].as_str().unwrap_or("")
    );
    println!(
        "            {} keys, {:.0} MB in memory; main key {:.0} bits ({}); no ephemeral key (the main key serves)",
        v["keys"],
        v["key_memory_mb"].as_f64().unwrap_or(0.0),
        v["main_key_security_bits"].as_f64().unwrap_or(0.0),
        v["security_method"].as_str().unwrap_or("")
    );
    match &v["measured"] {
        Value::Null => println!(
            "            one refresh not measured (large keys): `params --set NAME --measure-recryption`"
        ),
        m => println!(
            "            measured: {:.0} bits per refresh, capacity after {:.0} bits ({} primes), {} AND levels after a refresh, {:.2} s",
            m["bits_per_refresh"].as_f64().unwrap_or(0.0),
            m["capacity_after_refresh"].as_f64().unwrap_or(0.0),
            m["primes_after_refresh"],
            m["and_levels_after_refresh"],
            m["seconds"].as_f64().unwrap_or(0.0)
        ),
    }
}
