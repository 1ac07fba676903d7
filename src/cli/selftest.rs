//! `fhe-nit selftest --set toy|paper`: keys from the OS-seeded generator, then every BGV
//! operation on random bits checked against the slot model, each with its timing, and one
//! recryption (thin bootstrapping) checked the same way. Exits non-zero on any mismatch.

use clap::Args;
use nit_bgv::ciphertext::Ciphertext;
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{EvaluationKeys, SecretKey};
use nit_bgv::rotation::{rotate_along_exponents, rotate_exponents};
use nit_bgv::{BgvError, ParamsLiteral};
use nit_bootstrap::{recryption_bits, Bootstrapper, BootstrappingKey};
use nit_ring::sample::secure_rng;
use rand::Rng;
use std::time::Instant;

#[derive(Args)]
pub struct SelftestArgs {
    /// Parameter set: toy or paper.
    #[arg(long, default_value = "toy")]
    pub set: String,
}

struct Checker {
    failures: usize,
}

impl Checker {
    /// Times `f`, compares its bits with `expect` and prints one line.
    fn check<E: std::fmt::Display>(
        &mut self,
        name: &str,
        expect: &[bool],
        f: impl FnOnce() -> Result<Vec<bool>, E>,
    ) {
        let started = Instant::now();
        let result = f();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let verdict = match result {
            Ok(bits) if bits == expect => "ok".to_string(),
            Ok(_) => "MISMATCH".to_string(),
            Err(e) => format!("ERROR: {e}"),
        };
        if verdict != "ok" {
            self.failures += 1;
        }
        println!("{name:<40} {ms:>10.1} ms   {verdict}");
    }
}

fn rotate_model(bits: &[bool], k: i64) -> Vec<bool> {
    let l = bits.len() as i64;
    (0..l)
        .map(|i| bits[(i - k).rem_euclid(l) as usize])
        .collect()
}

pub fn run(args: &SelftestArgs) -> Result<(), String> {
    let err = |e: BgvError| e.to_string();
    let started = Instant::now();
    let params = ParamsLiteral::named(&args.set)
        .and_then(|l| l.build())
        .map_err(err)?;
    let slots = params.slots().map_err(err)?.clone();
    let cube = slots.hypercube().clone();
    let l = slots.slots();
    println!(
        "set {}: m = {}, {} slots, {} primes; parameters and slot tables in {:.2} s",
        params.name(),
        params.m(),
        l,
        params.max_level(),
        started.elapsed().as_secs_f64()
    );
    let mut rng = secure_rng();
    let full_shift = rng.gen_range(1..l as i64);
    let mut exponents = rotate_exponents(&params, full_shift).map_err(err)?;
    let mut along = Vec::new();
    for dim in 0..cube.dims().len() {
        let k = rng.gen_range(1..cube.dims()[dim].order as i64);
        along.push((dim, k));
        exponents.extend(rotate_along_exponents(&params, dim, k).map_err(err)?);
    }
    exponents.push(2);
    let started = Instant::now();
    let sk = SecretKey::generate(&params, &mut rng).map_err(err)?;
    let pk = sk.public_key(&mut rng).map_err(err)?;
    let keys = EvaluationKeys::generate(&sk, true, &exponents, &mut rng).map_err(err)?;
    println!(
        "keys: secret, public, relinearization and {} automorphisms ({:.1} MB compressed) in {:.2} s",
        keys.automorphism_exponents().len(),
        keys.size_bytes() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let eval = Evaluator::new(&params, sk.id(), keys).map_err(err)?;
    let draw =
        |rng: &mut nit_ring::sample::SecureRng| (0..l).map(|_| rng.gen()).collect::<Vec<bool>>();
    let (a, b, mask) = (draw(&mut rng), draw(&mut rng), draw(&mut rng));
    let mut c = Checker { failures: 0 };
    let mut ca: Option<Ciphertext> = None;
    c.check("encrypt (public key) / decrypt", &a, || {
        let ct = pk.encrypt_bits(&params, &a, &mut rng)?;
        let out = sk.decrypt_bits(&ct);
        ca = Some(ct);
        out
    });
    let ca = ca.ok_or("encryption failed")?;
    let cb = pk.encrypt_bits(&params, &b, &mut rng).map_err(err)?;
    let zip =
        |f: fn(bool, bool) -> bool| a.iter().zip(&b).map(|(x, y)| f(*x, *y)).collect::<Vec<_>>();
    c.check("xor", &zip(|x, y| x ^ y), || {
        sk.decrypt_bits(&eval.xor(&ca, &cb)?)
    });
    c.check("and (multiply + relinearize)", &zip(|x, y| x & y), || {
        sk.decrypt_bits(&eval.and(&ca, &cb)?)
    });
    c.check("not", &a.iter().map(|x| !x).collect::<Vec<_>>(), || {
        sk.decrypt_bits(&eval.not(&ca)?)
    });
    let masked: Vec<bool> = a.iter().zip(&mask).map(|(x, y)| x & y).collect();
    c.check("and with a public mask", &masked, || {
        sk.decrypt_bits(&eval.mul_plain(&ca, &eval.encode_bits(&mask)?)?)
    });
    c.check("modulus switch (drop 2 primes)", &a, || {
        sk.decrypt_bits(&eval.mod_switch_to(&ca, params.max_level() - 2)?)
    });
    for &(dim, k) in &along {
        let expect: Vec<bool> = (0..l)
            .map(|slot| {
                let mut co = cube.coordinates(slot);
                let order = cube.dims()[dim].order as i64;
                co[dim] = (co[dim] as i64 - k).rem_euclid(order) as usize;
                a[cube.index(&co)]
            })
            .collect();
        let kind = if cube.dims()[dim].good { "good" } else { "bad" };
        c.check(
            &format!("rotate1D dim {dim} ({kind}) by {k}"),
            &expect,
            || sk.decrypt_bits(&eval.rotate_along(&ca, dim, k)?),
        );
    }
    c.check(
        &format!("full rotation by {full_shift}"),
        &rotate_model(&a, full_shift),
        || sk.decrypt_bits(&eval.rotate(&ca, full_shift)?),
    );
    c.check("frobenius (identity on bits)", &a, || {
        sk.decrypt_bits(&eval.frobenius(&ca, 1)?)
    });
    c.check("serialize / load ciphertext", &a, || {
        let bytes = ca.to_bytes()?;
        sk.decrypt_bits(&Ciphertext::from_bytes(&bytes, &params)?)
    });
    let started = Instant::now();
    let e = recryption_bits(&params);
    let bootstrapping = BootstrappingKey::generate(&sk, e, &mut rng).map_err(|e| e.to_string())?;
    println!(
        "bootstrapping key (e = {e}): {} key sets, {:.1} MB, in {:.2} s",
        bootstrapping.key_sets().len(),
        bootstrapping.size_bytes() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let bootstrapper = Bootstrapper::new(&params, bootstrapping).map_err(|e| e.to_string())?;
    let mut refreshed: Option<Ciphertext> = None;
    c.check("recrypt (thin bootstrapping)", &a, || {
        let out = bootstrapper.recrypt(&ca)?;
        let bits = sk.decrypt_bits(&out)?;
        refreshed = Some(out);
        Ok::<_, nit_bootstrap::BootstrapError>(bits)
    });
    if let Some(out) = refreshed {
        println!(
            "  capacity {:.0} bits before, {:.0} after the refresh (level {} of {})",
            ca.capacity(&params),
            out.capacity(&params),
            out.level(),
            params.max_level()
        );
    }
    if c.failures > 0 {
        return Err(format!("{} checks failed", c.failures));
    }
    println!("all checks passed");
    Ok(())
}
