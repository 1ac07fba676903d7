//! The evaluator's level and noise rules replayed without residues: a ciphertext's level and
//! noise bound decide every later level, bound and `NoiseBudgetExhausted`, and they depend on
//! the parameters and the circuit alone, never on the data. A circuit run on [`NoiseState`]s
//! predicts in microseconds per gate where an encrypted run would form each product and
//! whether it would finish: how few primes carry a circuit.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::evaluator::product_level;
use crate::keys::KeySource;
use crate::noise::NoiseBound;
use crate::params::Params;

/// A relinearized ciphertext's level and noise bound, mod the parameters' default t.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseState {
    /// Primes in use.
    pub level: usize,
    /// The bound on ||m + t e||_can.
    pub noise: NoiseBound,
}

impl NoiseState {
    /// A fresh secret-key encryption at the top level.
    pub fn fresh_secret(params: &Params) -> Self {
        NoiseState {
            level: params.max_level(),
            noise: params.fresh_noise_secret(),
        }
    }

    /// `Evaluator::trivial` of `p`: the top level, bound max(||p||_can, 1).
    pub fn trivial(params: &Params, p: &Plaintext) -> Self {
        NoiseState {
            level: params.max_level(),
            noise: NoiseBound::of(p.canonical_norm(params)).at_least_one(),
        }
    }

    /// The state of `ct`.
    pub fn of(ct: &Ciphertext) -> Self {
        NoiseState {
            level: ct.level(),
            noise: ct.noise_bound(),
        }
    }

    /// Bits left before decryption fails ([`Ciphertext::capacity`]).
    pub fn capacity(&self, params: &Params) -> f64 {
        params.capacity_at(self.level, self.noise)
    }

    /// `self`, refused as the evaluator refuses a result of negative capacity.
    fn checked(self, params: &Params, operation: &'static str) -> Result<Self, BgvError> {
        let capacity = self.capacity(params);
        if capacity < 0.0 {
            Err(BgvError::NoiseBudgetExhausted {
                operation,
                capacity,
            })
        } else {
            Ok(self)
        }
    }

    /// `Evaluator::mod_switch_to` (level at most `self.level`): nu / D + B_ms.
    fn switched(self, params: &Params, level: usize) -> Result<Self, BgvError> {
        if level == self.level {
            return Ok(self);
        }
        let t = params.default_plaintext_modulus();
        params.check_switch(t, self.level, level)?;
        NoiseState {
            level,
            noise: params.switched_noise_for(self.noise, self.level, level, 2, t),
        }
        .checked(params, "modulus switch")
    }

    /// `Evaluator::add` (xor of bits): both at the lower level, the bounds added.
    pub fn add(self, other: Self, params: &Params) -> Result<Self, BgvError> {
        let level = self.level.min(other.level);
        let (a, b) = (
            self.switched(params, level)?,
            other.switched(params, level)?,
        );
        NoiseState {
            level,
            noise: a.noise + b.noise,
        }
        .checked(params, "add")
    }

    /// `Evaluator::add_plain` with `p`: the bound grows by ||p||_can (not of bits: p = 1).
    pub fn add_plain(self, p: &Plaintext, params: &Params) -> Result<Self, BgvError> {
        NoiseState {
            level: self.level,
            noise: self.noise + NoiseBound::of(p.canonical_norm(params)),
        }
        .checked(params, "add plaintext")
    }

    /// `Evaluator::mul_plain` by `p`: the bound times max(||p||_can, 1).
    pub fn mul_plain(self, p: &Plaintext, params: &Params) -> Result<Self, BgvError> {
        NoiseState {
            level: self.level,
            noise: self.noise * NoiseBound::of(p.canonical_norm(params)).at_least_one(),
        }
        .checked(params, "multiply by plaintext")
    }

    /// `Evaluator::multiply` of two distinct ciphertexts (and of bits): both switched to
    /// their product level, the bounds multiplied, relinearization's key-switching bound
    /// added.
    pub fn multiply(self, other: Self, params: &Params) -> Result<Self, BgvError> {
        let t = params.default_plaintext_modulus();
        let level = product_level(
            params,
            t,
            (self.level, self.noise),
            (other.level, other.noise),
        );
        let (a, b) = (
            self.switched(params, level)?,
            other.switched(params, level)?,
        );
        let tensor = NoiseState {
            level,
            noise: a.noise * b.noise,
        }
        .checked(params, "multiply")?;
        NoiseState {
            level,
            noise: tensor.noise + params.keyswitch_noise_for(level, KeySource::Square, t),
        }
        .checked(params, "relinearize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::literal::ParamsLiteral;
    use crate::tests::setup;

    /// A circuit of products, sums and nots at mixed depths and levels, run on ciphertexts
    /// and replayed on states: every level and bound agrees, and both fail at the same gate.
    #[test]
    fn replayed_states_equal_the_evaluators_until_both_fail() {
        let mut s = setup(ParamsLiteral::small(127, 5), &[], 33);
        let slots = s.params.slots().unwrap().slots();
        let one = Plaintext::constant(&s.params, 1);
        let bits = |i: usize| {
            (0..slots)
                .map(|j| (i + j).is_multiple_of(3))
                .collect::<Vec<bool>>()
        };
        let mut cts: Vec<Ciphertext> = (0..4)
            .map(|i| s.sk.encrypt_bits(&bits(i), &mut s.rng).unwrap())
            .collect();
        let mut states: Vec<NoiseState> = cts.iter().map(NoiseState::of).collect();
        assert_eq!(states[0], NoiseState::fresh_secret(&s.params));
        let constant = s.eval.constant_bits(true).unwrap();
        assert_eq!(
            NoiseState::of(&constant),
            NoiseState::trivial(&s.params, &one)
        );
        let mut gates = 0;
        loop {
            let n = cts.len();
            // A product of the two newest, a sum of the newest and an older one, a not.
            let real = s.eval.and(&cts[n - 1], &cts[n - 2]);
            let replayed = states[n - 1].multiply(states[n - 2], &s.params);
            let (Ok(product), Ok(state)) = (&real, &replayed) else {
                assert!(
                    real.is_err() && replayed.is_err(),
                    "{real:?} against {replayed:?}"
                );
                break;
            };
            assert_eq!(NoiseState::of(product), *state);
            let sum = s.eval.xor(product, &cts[n / 2]).unwrap();
            let sum_state = state.add(states[n / 2], &s.params).unwrap();
            assert_eq!(NoiseState::of(&sum), sum_state);
            let not = s.eval.not(&sum).unwrap();
            let not_state = sum_state.add_plain(&one, &s.params).unwrap();
            assert_eq!(NoiseState::of(&not), not_state);
            assert_eq!(not.capacity(&s.params), not_state.capacity(&s.params));
            let masked = s.eval.mul_plain(&not, &one).unwrap();
            assert_eq!(
                NoiseState::of(&masked),
                not_state.mul_plain(&one, &s.params).unwrap()
            );
            cts.extend([product.clone(), not]);
            states.extend([*state, not_state]);
            gates += 3;
        }
        assert!(gates >= 9, "the chain failed after {gates} gates");
        assert!(states.iter().any(|x| x.level < s.params.max_level()));
    }
}
