//! Weighted sums of automorphisms, sum_i c_i sigma_{h_i}(ct), with c_i plaintext constants:
//! the form every slot movement takes (`Hypercube::automorphism_terms`: rotate1D on a good
//! dimension is one term with the full 0/1 mask, on a bad one two, a full rotation up to 2^n)
//! and the form of recryption's linear maps (full slot constants over GF(2^d), or
//! GR(2^r, d) for t = 2^r: nit-bootstrap's `WeightedAutomorphismSum::encoded_terms`). All
//! terms share one digit decomposition of c_1 and one division by P
//! (`keyswitch::key_switch_sum`), so a sum of n keyed terms costs one key switch's DFTs plus n
//! inner products, instead of n key switches.
//!
//! For c = (c_0, c_1) under s, term i contributes c_i sigma_i(c_0) to part 0 and, through the
//! key sigma_i(s) -> s, c_i sigma_i(c_1) sigma_i(s) to the decryption; the identity term
//! (h = 1) needs no key and contributes c_i c_1 to part 1 directly; a term with c_i = 1 skips
//! its products.
//!
//! Noise: ||sum_i c_i (sigma_i(m + t e) + eps_i)||_can <= sum_i ||c_i||_can (nu + ks_i), with
//! ks_i = keyswitch_noise(l, sigma_i) for a keyed term and 0 for the identity; ||c||_can is
//! taken at least 1, as for `mul_plain` (it is for every nonzero integer polynomial).
//!
//! Constants are [`EncodedConstant`]s (evaluation form on the extended basis of the level;
//! their memory cost is given there); 0/1 masks come from the evaluator's mask cache.

use crate::ciphertext::Ciphertext;
use crate::encoded_constant::EncodedConstant;
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::keys::KeySwitchKey;
use crate::keyswitch::{in_pool, key_switch_sum, SwitchTerm};
use crate::noise::NoiseBound;
use nit_ring::slots::AutomorphismTerm;
use nit_ring::{DcrtPoly, RingError};
use std::borrow::Cow;
use std::sync::Arc;

/// One term c sigma_h of a sum: its exponent h, the constant on the extended basis of the
/// ciphertext's level (None for c = 1) and ||c||_can.
struct Weighted<'a> {
    exponent: usize,
    constant: Option<&'a DcrtPoly>,
    norm: NoiseBound,
}

/// One term ready to apply: its key and evaluation-point permutation (None for the
/// identity) and its constant.
struct PreparedTerm<'a> {
    keyed: Option<(&'a KeySwitchKey, Vec<u32>)>,
    constant: Option<&'a DcrtPoly>,
    norm: NoiseBound,
}

impl Evaluator {
    /// True when every keyed term of `terms` has its automorphism key.
    pub fn has_keys_for(&self, terms: &[AutomorphismTerm]) -> bool {
        let m = self.params().m();
        terms.iter().all(|term| {
            let h = term.exponent as usize % m;
            h == 1 || self.keys().automorphism(h).is_ok()
        })
    }

    /// sum_i M_i sigma_{h_i}(ct) for the terms (h_i, M_i) (masks as slot bits), with one
    /// hoisted key switch; terms with an empty mask are skipped. A missing key is a typed
    /// error naming its automorphism.
    pub fn automorphism_sum(
        &self,
        ct: &Ciphertext,
        terms: &[AutomorphismTerm],
    ) -> Result<Ciphertext, BgvError> {
        let masked: Vec<(usize, Option<&[bool]>)> = terms
            .iter()
            .filter(|term| term.mask.iter().any(|&b| b))
            .map(|term| {
                let mask = (!term.mask_is_full()).then_some(&term.mask[..]);
                (term.exponent as usize, mask)
            })
            .collect();
        self.masked_automorphisms(ct, &masked)
    }

    /// sum_i c_i sigma_{h_i}(ct) for the terms (h_i, c_i), with one hoisted key switch
    /// (none when every h_i = 1). Each constant must be encoded at the ciphertext's level or
    /// above (`LevelMismatch` otherwise); a missing key is a typed error naming its
    /// automorphism. The noise bound grows by sum_i ||c_i||_can (nu + ks_i) (module doc).
    pub fn weighted_automorphism_sum(
        &self,
        ct: &Ciphertext,
        terms: &[(usize, &EncodedConstant)],
    ) -> Result<Ciphertext, BgvError> {
        let level = ct.level();
        for (_, constant) in terms {
            ct.check_modulus(constant.plaintext_modulus())?;
        }
        let constants = terms
            .iter()
            .map(|(_, constant)| constant.at_level(self.params(), level))
            .collect::<Result<Vec<_>, _>>()?;
        let weighted: Vec<Weighted> = terms
            .iter()
            .zip(&constants)
            .map(|(&(exponent, constant), at_level)| Weighted {
                exponent,
                constant: at_level.as_ref().map(Cow::as_ref),
                norm: constant.canonical_norm(),
            })
            .collect();
        self.weighted_sum(ct, &weighted)
    }

    /// sum_i M_i sigma_{h_i}(ct) for (h_i, M_i), M_i = None meaning the full mask.
    pub(crate) fn masked_automorphisms(
        &self,
        ct: &Ciphertext,
        terms: &[(usize, Option<&[bool]>)],
    ) -> Result<Ciphertext, BgvError> {
        let masks = terms
            .iter()
            .map(|&(_, bits)| {
                bits.map(|bits| self.encoded_mask(ct.level(), bits))
                    .transpose()
            })
            .collect::<Result<Vec<Option<Arc<EncodedConstant>>>, _>>()?;
        // Masks are slot bits encoded mod the parameters' t.
        for mask in masks.iter().flatten() {
            ct.check_modulus(mask.plaintext_modulus())?;
        }
        let constants = masks
            .iter()
            .map(|mask| match mask {
                Some(mask) => mask.at_level(self.params(), ct.level()),
                None => Ok(None),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let weighted: Vec<Weighted> = terms
            .iter()
            .zip(&masks)
            .zip(&constants)
            .map(|((&(exponent, _), mask), at_level)| Weighted {
                exponent,
                constant: at_level.as_ref().map(Cow::as_ref),
                norm: mask
                    .as_ref()
                    .map_or(NoiseBound::of(1.0), |mask| mask.canonical_norm()),
            })
            .collect();
        self.weighted_sum(ct, &weighted)
    }

    /// The sum of the weighted terms, on a rayon worker.
    fn weighted_sum(&self, ct: &Ciphertext, terms: &[Weighted]) -> Result<Ciphertext, BgvError> {
        // The slot tables are built (with rayon, inside a OnceLock) on this thread first: built
        // on a pool worker, it could take another caller's job that waits on the same cell.
        self.params().slots()?;
        in_pool(|| self.weighted_sum_in_pool(ct, terms))
    }

    fn weighted_sum_in_pool(
        &self,
        ct: &Ciphertext,
        terms: &[Weighted],
    ) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        if ct.parts.len() != 2 {
            return Err(BgvError::NotRelinearized(ct.parts.len()));
        }
        let params = self.params();
        let level = ct.level();
        let m = params.m();
        let mut prepared = Vec::new();
        for term in terms {
            let exponent = term.exponent % m;
            let keyed = if exponent == 1 {
                None
            } else {
                let key = self.keys_for(ct.t)?.automorphism(exponent)?;
                key.check_modulus(ct.t)?;
                let permutation = params
                    .ring()
                    .automorphism_permutation(exponent)
                    .ok_or(RingError::NotAUnit(exponent))?;
                Some((key, permutation))
            };
            prepared.push(PreparedTerm {
                keyed,
                constant: term.constant,
                norm: term.norm,
            });
        }
        let switch_terms: Vec<SwitchTerm> = prepared
            .iter()
            .filter_map(|term| {
                term.keyed.as_ref().map(|(key, permutation)| SwitchTerm {
                    key,
                    permutation: Some(permutation),
                    mask: term.constant,
                })
            })
            .collect();
        let basis = params.ctxt_basis(level);
        let (mut out0, mut out1) = if switch_terms.is_empty() {
            (DcrtPoly::zero(basis), DcrtPoly::zero(basis))
        } else {
            key_switch_sum(params, &ct.parts[1], &switch_terms)?
        };
        let mut noise = NoiseBound::ZERO;
        for term in &prepared {
            let weighted = |mut part: DcrtPoly| -> Result<DcrtPoly, BgvError> {
                if let Some(constant) = term.constant {
                    part.mul_assign_prefix(constant)?;
                }
                Ok(part)
            };
            let switching = match &term.keyed {
                Some((key, permutation)) => {
                    out0.add_assign(&weighted(ct.parts[0].permuted(permutation)?)?)?;
                    params.keyswitch_noise_for(level, key.source(), key.plaintext_modulus())
                }
                None => {
                    out0.add_assign(&weighted(ct.parts[0].clone())?)?;
                    out1.add_assign(&weighted(ct.parts[1].clone())?)?;
                    NoiseBound::ZERO
                }
            };
            noise += term.norm.at_least_one() * (ct.noise + switching);
        }
        self.checked(
            Ciphertext {
                parts: vec![out0, out1],
                noise,
                t: ct.t,
                params_id: ct.params_id,
                key_id: ct.key_id,
            },
            "automorphism",
        )
    }
}
