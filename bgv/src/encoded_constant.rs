//! A plaintext constant c (a polynomial mod t, centered in (-t/2, t/2]) encoded for the
//! hoisted automorphism sums at one level l: its values on the extended basis
//! q_0 .. q_(l-1) p_0 .. p_(K_l - 1) of the level (one DFT per prime), with ||c||_can.
//!
//! Invariant: `extended` is the centered c on `Params::extended_basis(level)`, or None when
//! c = 1 (the product is skipped). The ciphertext rows are the leading l rows
//! (`DcrtPoly::mul_assign_prefix`), so nothing is kept twice.
//!
//! Cost per constant: (l + K_l) phi 8 bytes, e.g. 21 x 27000 x 8 = 4.5 MB at `paper`'s top
//! level (15 + 6 primes), 81 x 600 x 8 = 389 KB at `toy`'s (60 + 21); a copy on the
//! ciphertext basis besides, as masks kept before, would add l phi 8 (7.8 MB in all at
//! `paper`). Per use it costs one pointwise product per row, fused into the key switch's
//! inner products; the constant kept as its phi coefficients (phi bytes for t <= 2^8) would
//! instead cost l + K_l forward DFTs per use, more than the key switch shared by all terms
//! (about c'(l + K_l)). So the evaluation form is kept, encoded at the level where the sum
//! runs (a lower level costs less), and a constant encoded at level L serves any level
//! l <= L by selecting rows (a copy, no DFT). A map whose constants do not fit in memory at
//! once (CoeffsToSlots at `paper`: 70 constants, 318 MB at the top level) encodes each
//! hoisted sum's constants just before the sum and drops them after.
//!
//! 0/1 slot masks are constants too; the evaluator keeps the masks of its rotations in a
//! cache of bounded size, since the same rotations recur in a circuit.

use crate::ciphertext::Plaintext;
use crate::error::BgvError;
use crate::evaluator::Evaluator;
use crate::noise::NoiseBound;
use crate::params::Params;
use crate::plaintext_modulus::PlaintextModulus;
use nit_ring::DcrtPoly;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Bytes of encoded masks one evaluator keeps (a `paper` mask at the top level is 4.5 MB).
const MASK_CACHE_BYTES: usize = 128 << 20;

/// A plaintext constant on the extended basis of a level (module doc).
#[derive(Clone, Debug)]
pub struct EncodedConstant {
    params_id: [u8; 16],
    level: usize,
    t: PlaintextModulus,
    extended: Option<DcrtPoly>,
    norm: NoiseBound,
}

impl EncodedConstant {
    /// Encodes `constant` for sums at `level` (1..=max_level).
    pub fn new(params: &Params, constant: &Plaintext, level: usize) -> Result<Self, BgvError> {
        if level == 0 || level > params.max_level() {
            return Err(BgvError::BadLevel {
                requested: level,
                max: params.max_level(),
            });
        }
        let centered = constant.centered();
        let is_one = centered.first() == Some(&1) && centered[1..].iter().all(|&c| c == 0);
        let extended = if is_one {
            None
        } else {
            Some(DcrtPoly::from_i64(params.extended_basis(level), &centered)?)
        };
        Ok(EncodedConstant {
            params_id: params.fingerprint(),
            level,
            t: constant.plaintext_modulus(),
            extended,
            norm: NoiseBound::of(constant.canonical_norm(params)),
        })
    }

    /// The plaintext modulus the constant was centered for: it multiplies ciphertexts of
    /// that t only.
    pub fn plaintext_modulus(&self) -> PlaintextModulus {
        self.t
    }

    /// The level the constant was encoded at (it serves every level up to this one).
    pub fn level(&self) -> usize {
        self.level
    }

    /// ||c||_can of the centered constant.
    pub fn canonical_norm(&self) -> NoiseBound {
        self.norm
    }

    /// True for c = 1 (no product).
    pub fn is_one(&self) -> bool {
        self.extended.is_none()
    }

    /// Bytes of residues held: (level + K_level) phi 8, 0 for c = 1.
    pub fn size_bytes(&self) -> usize {
        self.extended
            .as_ref()
            .map_or(0, |poly| poly.rows().len() * poly.rows()[0].len() * 8)
    }

    /// The constant on the extended basis of `level` (None for c = 1): borrowed at its own
    /// level, its rows q_0 .. q_(level-1) and p_0 .. p_(K_level - 1) below.
    pub(crate) fn at_level(
        &self,
        params: &Params,
        level: usize,
    ) -> Result<Option<Cow<'_, DcrtPoly>>, BgvError> {
        params.check(&self.params_id)?;
        if level == 0 || level > self.level {
            return Err(BgvError::LevelMismatch {
                left: level,
                right: self.level,
            });
        }
        let Some(extended) = &self.extended else {
            return Ok(None);
        };
        if level == self.level {
            return Ok(Some(Cow::Borrowed(extended)));
        }
        let basis = params.extended_basis(level);
        let special = basis.len() - level;
        let rows = extended.rows();
        let selected: Vec<Vec<u64>> = rows[..level]
            .iter()
            .chain(&rows[self.level..self.level + special])
            .cloned()
            .collect();
        let own = extended.basis().moduli();
        let moduli = own[..level]
            .iter()
            .chain(&own[self.level..self.level + special]);
        if !moduli.eq(basis.moduli().iter()) {
            return Err(BgvError::LevelMismatch {
                left: level,
                right: self.level,
            });
        }
        Ok(Some(Cow::Owned(DcrtPoly::from_rows(
            basis.clone(),
            selected,
        )?)))
    }
}

/// A cache key: the level and the mask's slot bits.
type MaskKey = (usize, Vec<bool>);

/// Encoded masks by (level, slot bits); emptied when it would exceed [`MASK_CACHE_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct MaskCache {
    entries: Mutex<HashMap<MaskKey, Arc<EncodedConstant>>>,
}

impl Evaluator {
    /// `constant` encoded for hoisted sums at `level` ([`EncodedConstant`]).
    pub fn encode_constant(
        &self,
        constant: &Plaintext,
        level: usize,
    ) -> Result<EncodedConstant, BgvError> {
        EncodedConstant::new(self.params(), constant, level)
    }

    /// The mask `bits` encoded at `level`, from the cache if present.
    pub(crate) fn encoded_mask(
        &self,
        level: usize,
        bits: &[bool],
    ) -> Result<Arc<EncodedConstant>, BgvError> {
        let key = (level, bits.to_vec());
        let cache = &self.mask_cache().entries;
        if let Some(mask) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(mask.clone());
        }
        let plaintext = self.encode_bits(bits)?;
        let mask = Arc::new(EncodedConstant::new(self.params(), &plaintext, level)?);
        let bytes = self.params().extended_basis(level).len() * self.params().phi() * 8;
        let mut entries = cache.lock().unwrap_or_else(|e| e.into_inner());
        if (entries.len() + 1) * bytes > MASK_CACHE_BYTES {
            entries.clear();
        }
        entries.insert(key, mask.clone());
        Ok(mask)
    }
}
