//! What one refresh of a parameter set costs and leaves (`fhe-nit params`).
//!
//! Estimated from the parameters alone: e ([`recryption_bits`]), the digits removed (e - 1),
//! the failure probability per refresh, the number and memory of the keys, the main key's
//! security. Measured by one recryption with a throwaway key ([`RecryptionBudget::measure`]):
//! the bits a refresh consumes, the capacity and primes left after it, and the AND levels a
//! refreshed value carries before it needs the next refresh (squarings while the capacity
//! stays at or above [`Bootstrapper::capacity_needed`]).
//!
//! Failure: slot j is wrong only if its thin coefficient's rounding error reaches 2^(e-2);
//! the error is a sum of many independent roundings with sigma_eps = sqrt(0.46 h) per
//! coefficient (measured at m = 1023, `modulus_switch` tests), so one refresh fails with
//! probability at most l erfc(2^(e-2) / (sigma_eps sqrt 2)) (Gaussian tail, union over the l
//! slots); log2 via erfc(z) < exp(-z^2) / (z sqrt pi).

use crate::bootstrapping_key::BootstrappingKey;
use crate::coeffs_to_slots::CoeffsToSlots;
use crate::error::BootstrapError;
use crate::recryption::{recryption_bits, rounding_spread, squarings_above, Bootstrapper};
use crate::slots_to_coeffs::SlotsToCoeffs;
use crate::thin_structure::ThinStructure;
use nit_bgv::{EvaluationKeys, Evaluator, Params, SecretKey};
use nit_ring::sample::SecureRng;
use rand::Rng;
use std::time::Instant;

/// How the failure probability is computed (printed beside it).
pub const FAILURE_METHOD: &str =
    "l erfc(2^(e-2) / (sigma sqrt 2)), sigma = sqrt(0.46 h) per thin coefficient (measured)";

/// The estimated figures of one refresh (module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct RecryptionBudget {
    /// Bits of the intermediate plaintext modulus 2^e.
    pub e: u32,
    /// Digits removed by digit extraction: e - 1.
    pub digits_removed: u32,
    /// Hamming weight of the key recryption rounds with (None: dense ternary).
    pub key_weight: Option<usize>,
    /// log2 of the failure probability per refresh ([`FAILURE_METHOD`]).
    pub failure_log2: f64,
    /// Key-switching keys recryption needs (SlotsToCoeffs at t = 2, CoeffsToSlots and the trace
    /// at 2^e, relinearization at 2^2 .. 2^e).
    pub key_count: usize,
    /// Their memory, a- and b-parts on the extended top-level basis.
    pub key_bytes: usize,
    /// The main key's security by the parameters' estimator (HElib's formula).
    pub security_bits: f64,
}

/// The measured figures of one refresh.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasuredRefresh {
    /// Capacity of a fresh top-level encryption minus the capacity after a refresh (bits).
    pub bits_consumed: f64,
    /// Capacity after the refresh (bits, from the tracked noise bound).
    pub capacity_after: f64,
    /// Ciphertext primes left after the refresh.
    pub primes_after: usize,
    /// Squarings of the refreshed value that keep the capacity recryption needs.
    pub and_levels_after_refresh: usize,
    /// Wall time of the refresh (seconds).
    pub seconds: f64,
}

/// log2(l erfc(x / sqrt 2)) for x > 0, from erfc(z) < exp(-z^2) / (z sqrt pi) (z >= 1) and
/// erfc <= 1.
fn log2_tail(slots: usize, x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let log2_erfc = if z < 1.0 {
        0.0
    } else {
        (-z * z - (z * std::f64::consts::PI.sqrt()).ln()) / std::f64::consts::LN_2
    };
    ((slots as f64).log2() + log2_erfc).min(0.0)
}

impl RecryptionBudget {
    /// The figures that follow from the parameters (module doc).
    pub fn estimate(params: &Params) -> Result<Self, BootstrapError> {
        let e = recryption_bits(params);
        let ring = params.slots()?;
        let structure = ThinStructure::new(ring)?;
        let stoc = SlotsToCoeffs::new(&structure, 1)?
            .map()
            .key_exponents()
            .len();
        let ctos = CoeffsToSlots::new(&structure, e)?
            .map()
            .key_exponents()
            .len();
        let key_count = stoc + ctos + (e as usize - 1);
        let rows = params.max_level() + params.special_basis().len();
        let key_bytes = key_count * params.digit_ranges().len() * 2 * rows * params.phi() * 8;
        let sigma = rounding_spread(params);
        Ok(RecryptionBudget {
            e,
            digits_removed: e - 1,
            key_weight: params.hamming_weight(),
            failure_log2: log2_tail(ring.slots(), f64::from(1u32 << (e - 2)) / sigma),
            key_count,
            key_bytes,
            security_bits: params.security_bits(),
        })
    }

    /// One refresh with a throwaway key from `rng` (never stored), measured.
    pub fn measure(
        params: &Params,
        rng: &mut SecureRng,
    ) -> Result<MeasuredRefresh, BootstrapError> {
        let sk = SecretKey::generate(params, rng)?;
        let key = BootstrappingKey::generate(&sk, recryption_bits(params), rng)?;
        let bootstrapper = Bootstrapper::new(params, key)?;
        let relinearization = EvaluationKeys::generate(&sk, true, &[], rng)?;
        let evaluator = Evaluator::new(params, sk.id(), relinearization)?;
        let bits: Vec<bool> = (0..params.slots()?.slots()).map(|_| rng.gen()).collect();
        let fresh = sk.encrypt_bits(&bits, rng)?;
        let start = Instant::now();
        let refreshed = bootstrapper.recrypt(&fresh)?;
        let seconds = start.elapsed().as_secs_f64();
        if sk.decrypt_bits(&refreshed)? != bits {
            return Err(BootstrapError::WrongRefresh);
        }
        let (levels, _) = squarings_above(&evaluator, &refreshed, bootstrapper.capacity_needed());
        Ok(MeasuredRefresh {
            bits_consumed: fresh.capacity(params) - refreshed.capacity(params),
            capacity_after: refreshed.capacity(params),
            primes_after: refreshed.level(),
            and_levels_after_refresh: levels,
            seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nit_bgv::ParamsLiteral;
    use nit_ring::sample::seeded_rng;

    /// Known values: toy's e = 9 with weight 120 fails below 2^-200 per refresh; a 10-sigma
    /// margin is about 2^-72 over 60 slots; the key count is StoC's 14 + CtoS's 23 + 8.
    #[test]
    fn toy_budget_and_the_tail_bound() {
        let params = ParamsLiteral::toy().build().unwrap();
        let budget = RecryptionBudget::estimate(&params).unwrap();
        assert_eq!((budget.e, budget.digits_removed), (9, 8));
        assert_eq!(budget.key_count, 14 + 23 + 8);
        assert!(budget.failure_log2 < -200.0, "{}", budget.failure_log2);
        let ten_sigma = log2_tail(60, 10.0);
        assert!((-80.0..-65.0).contains(&ten_sigma), "{ten_sigma}");
        assert_eq!(log2_tail(60, 0.5), 0.0);
    }

    /// The measured refresh at m = 255 leaves capacity and AND levels, and its bits consumed
    /// add up.
    #[test]
    fn measured_refresh_at_m255() {
        let params = ParamsLiteral::small(255, 20)
            .with_hamming_weight(Some(64))
            .build()
            .unwrap();
        let measured = RecryptionBudget::measure(&params, &mut seeded_rng(321)).unwrap();
        println!("{measured:?}");
        assert!(measured.and_levels_after_refresh >= 5);
        assert!(measured.primes_after < params.max_level());
        assert!(measured.bits_consumed > 0.0 && measured.capacity_after > 0.0);
    }
}
