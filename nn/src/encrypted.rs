//! The encrypted backend: `BitSimd` over BGV ciphertexts of bits (nit-bgv's boolean API).
//!
//! A vector of bits is one ciphertext whose l slots hold the bits; the backend tracks the
//! AND-depth of every vector alongside it (`and` adds one, everything else keeps it), so the
//! depth the counting backend predicts is the depth the encrypted run reports. Independent
//! ANDs of one circuit layer (`and_many`) run in parallel with rayon.

use crate::bitsliced::{BitSimd, SlotCycles};
use nit_bgv::ciphertext::{Ciphertext, Plaintext};
use nit_bgv::evaluator::Evaluator;
use nit_bgv::keys::{PublicKey, SecretKey};
use nit_bgv::{BgvError, Params};
use nit_ring::sample::SecureRng;
use rayon::prelude::*;

/// A ciphertext of l bits and its AND-depth.
#[derive(Clone, Debug)]
pub struct EncryptedBits {
    /// The ciphertext; slot i holds bit i.
    pub ct: Ciphertext,
    /// The AND-depth of the circuit that produced it.
    pub depth: usize,
}

/// The slot cycles of a ciphertext backend on `params`: the orders of the hypercube's
/// dimensions, where a power of a generator moves bits as one automorphism
/// (`Evaluator::permute_base_slots`).
pub fn hypercube_cycles(params: &Params) -> Result<SlotCycles, BgvError> {
    let cube = params.slots()?.hypercube();
    Ok(SlotCycles::new(
        cube.dims().iter().map(|d| d.order).collect(),
    ))
}

/// `BitSimd` over one evaluator (parameters and evaluation keys of one secret key).
#[derive(Clone, Debug)]
pub struct EncryptedBackend {
    eval: Evaluator,
    slots: usize,
    /// [`hypercube_cycles`] of the evaluator's parameters.
    cycles: SlotCycles,
}

impl EncryptedBackend {
    /// The backend of `eval`'s parameters and keys; errors when the parameters have no slot
    /// structure for bits.
    pub fn new(eval: Evaluator) -> Result<Self, BgvError> {
        let slots = eval.params().slots()?.slots();
        let cycles = hypercube_cycles(eval.params())?;
        Ok(EncryptedBackend {
            eval,
            slots,
            cycles,
        })
    }

    /// The evaluator the gates run on.
    pub fn evaluator(&self) -> &Evaluator {
        &self.eval
    }

    /// Fresh bits under the public key (the data owner's side).
    pub fn encrypt(
        &self,
        pk: &PublicKey,
        bits: &[bool],
        rng: &mut SecureRng,
    ) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: pk.encrypt_bits(self.eval.params(), bits, rng)?,
            depth: 0,
        })
    }

    /// Fresh bits under the secret key (smaller noise).
    pub fn encrypt_secret(
        &self,
        sk: &SecretKey,
        bits: &[bool],
        rng: &mut SecureRng,
    ) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: sk.encrypt_bits(bits, rng)?,
            depth: 0,
        })
    }

    /// The bits of every slot (the data owner's side).
    pub fn decrypt(&self, sk: &SecretKey, bits: &EncryptedBits) -> Result<Vec<bool>, BgvError> {
        sk.decrypt_bits(&bits.ct)
    }
}

impl BitSimd for EncryptedBackend {
    type Bits = EncryptedBits;
    type Public = Plaintext;
    type Error = BgvError;

    fn slots(&self) -> usize {
        self.slots
    }

    fn constant(&self, bit: bool) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.constant_bits(bit)?,
            depth: 0,
        })
    }

    fn public(&self, bits: &[bool]) -> Result<Plaintext, BgvError> {
        self.eval.encode_bits(bits)
    }

    fn xor(&self, a: &EncryptedBits, b: &EncryptedBits) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.xor(&a.ct, &b.ct)?,
            depth: a.depth.max(b.depth),
        })
    }

    fn not(&self, a: &EncryptedBits) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.not(&a.ct)?,
            depth: a.depth,
        })
    }

    fn and(&self, a: &EncryptedBits, b: &EncryptedBits) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.and(&a.ct, &b.ct)?,
            depth: a.depth.max(b.depth) + 1,
        })
    }

    fn and_many(
        &self,
        pairs: &[(&EncryptedBits, &EncryptedBits)],
    ) -> Result<Vec<EncryptedBits>, BgvError> {
        pairs.par_iter().map(|(a, b)| self.and(a, b)).collect()
    }

    fn xor_public(&self, a: &EncryptedBits, mask: &Plaintext) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.add_plain(&a.ct, mask)?,
            depth: a.depth,
        })
    }

    fn and_public(&self, a: &EncryptedBits, mask: &Plaintext) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.mul_plain(&a.ct, mask)?,
            depth: a.depth,
        })
    }

    fn rotate(&self, a: &EncryptedBits, k: i64) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.rotate(&a.ct, k)?,
            depth: a.depth,
        })
    }

    /// The hypercube's dimensions ([`hypercube_cycles`]).
    fn slot_cycles(&self) -> Vec<usize> {
        self.cycles.orders().to_vec()
    }

    /// sigma_{g^k} for the generator of dimension `cycle` (`Evaluator::permute_base_slots`):
    /// a permutation of slots that hold bits, one key switch without masks.
    fn permute_slots(
        &self,
        a: &EncryptedBits,
        cycle: usize,
        k: usize,
    ) -> Result<EncryptedBits, BgvError> {
        Ok(EncryptedBits {
            ct: self.eval.permute_base_slots(&a.ct, cycle, k)?,
            depth: a.depth,
        })
    }

    fn depth(&self, a: &EncryptedBits) -> usize {
        a.depth
    }
}
