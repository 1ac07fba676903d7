//! Masked sums of automorphisms, sum_i M_i sigma_{h_i}(c), the form every slot movement takes
//! (`Hypercube::automorphism_terms`: rotate1D on a good dimension is one term with M = 1, on
//! a bad one two, a full rotation up to 2^n). All terms share one digit decomposition of c_1
//! and one division by P (`keyswitch::key_switch_sum`), so a sum of n keyed terms costs one
//! key switch's DFTs plus n inner products, instead of n key switches.
//!
//! For c = (c_0, c_1) under s, term i contributes M_i sigma_i(c_0) to part 0 and, through the
//! key sigma_i(s) -> s, M_i sigma_i(c_1) sigma_i(s) to the decryption; the identity term
//! (h = 1) needs no key and contributes M_i c_1 to part 1 directly.
//!
//! Noise: ||sum_i M_i (sigma_i(m + t e) + eps_i)||_can <= sum_i ||M_i||_can (nu + ks_i), with
//! ks_i = keyswitch_noise(l, sigma_i) for a keyed term and 0 for the identity (||M||_can taken >= 1,
//! as for `mul_plain`).
//!
//! Masks are encoded on the extended basis of the level (one DFT per prime), kept with their
//! ciphertext-basis rows in a per-evaluator cache of bounded size, since the same rotations
//! recur in a circuit.

use crate::ciphertext::Ciphertext;
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::keys::KeySwitchKey;
use crate::keyswitch::{in_pool, key_switch_sum, SwitchTerm};
use crate::noise::NoiseBound;
use nit_ring::slots::AutomorphismTerm;
use nit_ring::{DcrtPoly, RingError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Bytes of encoded masks one evaluator keeps (a paper-set mask at the top level, on 21 + 15
/// primes, is 7.8 MB).
const MASK_CACHE_BYTES: usize = 128 << 20;

/// A 0/1 slot mask as a polynomial on the extended basis of one level (for the switched
/// terms) and on its ciphertext basis (for part 0), with ||M||_can.
#[derive(Debug)]
pub(crate) struct EncodedMask {
    extended: DcrtPoly,
    ciphertext: DcrtPoly,
    norm: NoiseBound,
}

/// A cache key: the level and the mask's slot bits.
type MaskKey = (usize, Vec<bool>);

/// Encoded masks by (level, slot bits); emptied when it would exceed [`MASK_CACHE_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct MaskCache {
    entries: Mutex<HashMap<MaskKey, Arc<EncodedMask>>>,
}

/// One term ready to apply: its key and evaluation-point permutation (None for the
/// identity) and its encoded mask (None for the full mask).
struct PreparedTerm<'a> {
    keyed: Option<(&'a KeySwitchKey, Vec<u32>)>,
    mask: Option<Arc<EncodedMask>>,
}

impl Evaluator {
    /// The mask `bits` encoded on the extended basis of `level`, from the cache if present.
    fn encoded_mask(&self, level: usize, bits: &[bool]) -> Result<Arc<EncodedMask>, BgvError> {
        let key = (level, bits.to_vec());
        let cache = &self.mask_cache().entries;
        if let Some(mask) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(mask.clone());
        }
        let plaintext = self.encode_bits(bits)?;
        let basis = self.params().extended_basis(level);
        let extended = DcrtPoly::from_i64(basis, &plaintext.centered())?;
        let mask = Arc::new(EncodedMask {
            ciphertext: extended.truncate(level)?,
            extended,
            norm: NoiseBound::of(plaintext.canonical_norm(self.params())).at_least_one(),
        });
        let bytes = (basis.len() + level) * self.params().phi() * 8;
        let mut entries = cache.lock().unwrap_or_else(|e| e.into_inner());
        if (entries.len() + 1) * bytes > MASK_CACHE_BYTES {
            entries.clear();
        }
        entries.insert(key, mask.clone());
        Ok(mask)
    }

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

    /// sum_i M_i sigma_{h_i}(ct) for (h_i, M_i), M_i = None meaning the full mask.
    pub(crate) fn masked_automorphisms(
        &self,
        ct: &Ciphertext,
        terms: &[(usize, Option<&[bool]>)],
    ) -> Result<Ciphertext, BgvError> {
        // The slot tables are built (with rayon, inside a OnceLock) on this thread first: built
        // on a pool worker, it could take another caller's job that waits on the same cell.
        self.params().slots()?;
        in_pool(|| self.masked_automorphisms_in_pool(ct, terms))
    }

    fn masked_automorphisms_in_pool(
        &self,
        ct: &Ciphertext,
        terms: &[(usize, Option<&[bool]>)],
    ) -> Result<Ciphertext, BgvError> {
        self.check(ct)?;
        if ct.parts.len() != 2 {
            return Err(BgvError::NotRelinearized(ct.parts.len()));
        }
        let params = self.params();
        let level = ct.level();
        let m = params.m();
        let mut prepared = Vec::new();
        for &(exponent, bits) in terms {
            let exponent = exponent % m;
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
            let mask = match bits {
                // Masks are slot bits encoded mod the parameters' t.
                Some(bits) => {
                    ct.check_modulus(params.default_plaintext_modulus())?;
                    Some(self.encoded_mask(level, bits)?)
                }
                None => None,
            };
            prepared.push(PreparedTerm { keyed, mask });
        }
        let switch_terms: Vec<SwitchTerm> = prepared
            .iter()
            .filter_map(|term| {
                term.keyed.as_ref().map(|(key, permutation)| SwitchTerm {
                    key,
                    permutation: Some(permutation),
                    mask: term.mask.as_ref().map(|mask| &mask.extended),
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
            let masked = |mut part: DcrtPoly| -> Result<DcrtPoly, BgvError> {
                if let Some(mask) = &term.mask {
                    part.mul_assign(&mask.ciphertext)?;
                }
                Ok(part)
            };
            let switching = match &term.keyed {
                Some((key, permutation)) => {
                    out0.add_assign(&masked(ct.parts[0].permuted(permutation)?)?)?;
                    params.keyswitch_noise_for(level, key.source(), key.plaintext_modulus())
                }
                None => {
                    out0.add_assign(&masked(ct.parts[0].clone())?)?;
                    out1.add_assign(&masked(ct.parts[1].clone())?)?;
                    NoiseBound::ZERO
                }
            };
            let norm = term
                .mask
                .as_ref()
                .map_or(NoiseBound::of(1.0), |mask| mask.norm);
            noise += norm * (ct.noise + switching);
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
