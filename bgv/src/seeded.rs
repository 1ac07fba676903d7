//! Seeded ciphertexts: a fresh secret-key encryption c = (-a s + t e + m, a) whose uniform a
//! is expanded from a 32-byte seed with ChaCha20, as the keys' a-parts are
//! ([`expand_seed`]), so it is stored as c_0 and the seed: half the bytes of its two parts.
//! Only the secret key's holder can make one (a public-key encryption's c_1 = v a + t e_1 is
//! no seed's expansion): the data owner stores her encrypted training set so. Loading expands
//! a again and checks everything [`Ciphertext::from_bytes`] checks; the result is an ordinary
//! ciphertext.

use crate::ciphertext::{Ciphertext, Plaintext};
use crate::error::BgvError;
use crate::keys::{expand_seed, SecretKey};
use crate::noise::NoiseBound;
use crate::params::Params;
use crate::serial::{polynomial, CiphertextHeader};
use nit_ring::sample::SecureRng;
use nit_ring::serial::{open, seal};
use rand::Rng;
use serde::{Deserialize, Serialize};

const SEEDED_TAG: &str = "bgv.seeded-ciphertext";

#[derive(Serialize, Deserialize)]
struct SeededWire {
    header: CiphertextHeader,
    seed: [u8; 32],
    c0: Vec<Vec<u64>>,
}

impl SecretKey {
    /// [`Self::encrypt`] (top level, fresh noise) with a = the expansion of a fresh seed from
    /// `rng`; returns the ciphertext and the seed.
    pub fn encrypt_seeded(
        &self,
        m: &Plaintext,
        rng: &mut SecureRng,
    ) -> Result<(Ciphertext, [u8; 32]), BgvError> {
        self.encrypt_seeded_at(m, self.params.max_level(), rng)
    }

    /// [`Self::encrypt_at`] (`level` primes, fresh noise) with a = the expansion of a fresh
    /// seed from `rng` over those primes; returns the ciphertext and the seed.
    pub fn encrypt_seeded_at(
        &self,
        m: &Plaintext,
        level: usize,
        rng: &mut SecureRng,
    ) -> Result<(Ciphertext, [u8; 32]), BgvError> {
        let mut ct = self.encrypt_at(m, level, rng)?;
        let seed: [u8; 32] = rng.gen();
        let a = expand_seed(self.params.ctxt_basis(level), seed, 1).remove(0);
        // (c_0 + (a' - a) s, a) = (-a s + t e + m, a): the same message and noise under a.
        let mut shift = ct.parts[1].clone();
        shift.sub_assign(&a)?;
        ct.parts[0].add_assign(&shift.mul(&self.at_level(level))?)?;
        ct.parts[1] = a;
        Ok((ct, seed))
    }
}

/// A fresh secret-key encryption held in memory as c_0 and the seed of c_1: half the
/// residues of the ciphertext, which [`Self::expand`] rebuilds exactly (for operands that
/// wait long before use and are used a few times, e.g. a neuron's inputs and weights).
#[derive(Clone, Debug)]
pub struct SeededCiphertext {
    /// The ciphertext but c_1 (`parts` = [c_0]).
    head: Ciphertext,
    seed: [u8; 32],
}

impl SeededCiphertext {
    /// The ciphertext (c_0, expansion of the seed at the level of c_0).
    pub fn expand(&self) -> Ciphertext {
        let mut ct = self.head.clone();
        let basis = ct.parts[0].basis();
        ct.parts.extend(expand_seed(basis, self.seed, 1));
        ct
    }

    /// The ciphertext's level (primes in use).
    pub fn level(&self) -> usize {
        self.head.level()
    }

    /// The ciphertext's noise bound.
    pub fn noise_bound(&self) -> NoiseBound {
        self.head.noise
    }

    /// Bytes of residues held (those of c_0).
    pub fn size_bytes(&self) -> usize {
        self.head.size_bytes()
    }
}

impl SecretKey {
    /// [`Self::encrypt_bits_seeded`], held as a [`SeededCiphertext`].
    pub fn encrypt_bits_compact(
        &self,
        bits: &[bool],
        rng: &mut SecureRng,
    ) -> Result<SeededCiphertext, BgvError> {
        let (mut head, seed) = self.encrypt_bits_seeded(bits, rng)?;
        head.parts.truncate(1);
        Ok(SeededCiphertext { head, seed })
    }
}

impl Ciphertext {
    /// A sealed "bgv.seeded-ciphertext" envelope: what [`Self::to_bytes`] stores but c_1,
    /// which must be the expansion of `seed` at the ciphertext's level (`SeedMismatch`
    /// otherwise, also for a ciphertext of three parts).
    pub fn to_seeded_bytes(&self, seed: [u8; 32]) -> Result<Vec<u8>, BgvError> {
        let basis = self.parts[0].basis();
        if self.parts.len() != 2 || self.parts[1] != expand_seed(basis, seed, 1).remove(0) {
            return Err(BgvError::SeedMismatch);
        }
        Ok(seal(
            SEEDED_TAG,
            &SeededWire {
                header: CiphertextHeader::of(self),
                seed,
                c0: self.parts[0].rows().to_vec(),
            },
        )?)
    }

    /// Loads a seeded ciphertext of `params`: c_1 expanded from the seed, and the checks of
    /// [`Self::from_bytes`] (parameters, level, residues of c_0, plaintext modulus, noise
    /// claim). A tampered c_0 or seed passes the loader (any pair is a ciphertext) and fails
    /// decryption's phase check.
    pub fn from_seeded_bytes(bytes: &[u8], params: &Params) -> Result<Self, BgvError> {
        let wire: SeededWire = open(SEEDED_TAG, bytes)?;
        let basis = wire.header.basis(params)?;
        let c0 = polynomial(basis, wire.c0)?;
        let a = expand_seed(basis, wire.seed, 1).remove(0);
        wire.header.ciphertext(params, vec![c0, a])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::literal::ParamsLiteral;
    use crate::tests::{setup, Setup};

    fn small() -> Setup {
        setup(ParamsLiteral::small(127, 3), &[], 21)
    }

    #[test]
    fn seeded_ciphertexts_decrypt_and_store_in_half_the_bytes() {
        let mut s = small();
        let slots = s.params.slots().unwrap().slots();
        let bits: Vec<bool> = (0..slots).map(|i| i % 3 == 1).collect();
        let (ct, seed) = s.sk.encrypt_bits_seeded(&bits, &mut s.rng).unwrap();
        assert_eq!(s.sk.decrypt_bits(&ct).unwrap(), bits);
        let seeded = ct.to_seeded_bytes(seed).unwrap();
        let full = ct.to_bytes().unwrap();
        assert!(
            (seeded.len() as f64) < 0.55 * full.len() as f64,
            "{} seeded bytes against {} in full",
            seeded.len(),
            full.len()
        );
        let loaded = Ciphertext::from_seeded_bytes(&seeded, &s.params).unwrap();
        assert_eq!(loaded.to_bytes().unwrap(), full, "not the same ciphertext");
        assert_eq!(s.sk.decrypt_bits(&loaded).unwrap(), bits);

        // Stored under another seed, or read as the other kind: refused.
        let mut other = seed;
        other[0] ^= 1;
        assert!(matches!(
            ct.to_seeded_bytes(other),
            Err(BgvError::SeedMismatch)
        ));
        assert!(Ciphertext::from_seeded_bytes(&full, &s.params).is_err());
        assert!(Ciphertext::from_bytes(&seeded, &s.params).is_err());
        // A plain secret-key encryption is no seed's expansion.
        let plain = s.sk.encrypt_bits(&bits, &mut s.rng).unwrap();
        assert!(matches!(
            plain.to_seeded_bytes(seed),
            Err(BgvError::SeedMismatch)
        ));
    }

    #[test]
    fn a_compact_encryption_expands_to_a_ciphertext_of_its_bits_in_twice_its_size() {
        let mut s = small();
        let slots = s.params.slots().unwrap().slots();
        let bits: Vec<bool> = (0..slots).map(|i| i % 5 < 2).collect();
        let compact = s.sk.encrypt_bits_compact(&bits, &mut s.rng).unwrap();
        let ct = compact.expand();
        assert_eq!(ct.size_bytes(), 2 * compact.size_bytes());
        assert_eq!(
            (ct.level(), compact.level()),
            (s.params.max_level(), ct.level())
        );
        assert_eq!(ct.noise_bound(), compact.noise_bound());
        assert_eq!(s.sk.decrypt_bits(&ct).unwrap(), bits);
        assert_eq!(compact.expand().to_bytes().unwrap(), ct.to_bytes().unwrap());
        let product = s.eval.and(&ct, &compact.expand()).unwrap();
        assert_eq!(s.sk.decrypt_bits(&product).unwrap(), bits);
    }

    /// Encrypted at a lower level: the residues of `level` primes, the fresh noise bound (the
    /// measured noise below it), so more capacity per stored byte than a top-level one
    /// switched down; a seeded round trip at that level; levels 0 and above the top refused.
    #[test]
    fn encryption_at_a_lower_level_keeps_the_fresh_noise_in_fewer_bytes() {
        let mut s = setup(ParamsLiteral::small(127, 5), &[], 23);
        let slots = s.params.slots().unwrap().slots();
        let top = s.params.max_level();
        let bits: Vec<bool> = (0..slots).map(|i| i % 4 != 1).collect();
        let (full, _) = s.sk.encrypt_bits_seeded(&bits, &mut s.rng).unwrap();
        for level in 1..top {
            let (ct, seed) =
                s.sk.encrypt_bits_seeded_at(&bits, level, &mut s.rng)
                    .unwrap();
            assert_eq!(ct.level(), level);
            assert_eq!(ct.noise_bound(), full.noise_bound());
            let measured = s.sk.measure_noise(&ct).unwrap();
            assert!(
                measured > 0.0 && measured <= ct.noise_bound().value(),
                "level {level}: measured {measured}, bound {}",
                ct.noise_bound().value()
            );
            assert_eq!(s.sk.decrypt_bits(&ct).unwrap(), bits);
            assert_eq!(ct.size_bytes() * top, full.size_bytes() * level);
            let switched = s.eval.mod_switch_to(&full, level).unwrap();
            assert!(ct.capacity(&s.params) > switched.capacity(&s.params));
            let loaded =
                Ciphertext::from_seeded_bytes(&ct.to_seeded_bytes(seed).unwrap(), &s.params)
                    .unwrap();
            assert_eq!(loaded.level(), level);
            assert_eq!(s.sk.decrypt_bits(&loaded).unwrap(), bits);
        }
        for level in [0, top + 1] {
            assert!(matches!(
                s.sk.encrypt_bits_seeded_at(&bits, level, &mut s.rng),
                Err(BgvError::BadLevel { requested, max }) if requested == level && max == top
            ));
        }
    }

    /// The seed decides c_1: resealed under a changed seed, the pair loads (any pair is a
    /// ciphertext) and decryption's phase check refuses it.
    #[test]
    fn a_changed_seed_fails_decryption() {
        let mut s = small();
        let slots = s.params.slots().unwrap().slots();
        let (ct, seed) =
            s.sk.encrypt_bits_seeded(&vec![true; slots], &mut s.rng)
                .unwrap();
        let mut wire: SeededWire = open(SEEDED_TAG, &ct.to_seeded_bytes(seed).unwrap()).unwrap();
        wire.seed[5] ^= 0x40;
        let tampered = seal(SEEDED_TAG, &wire).unwrap();
        let loaded = Ciphertext::from_seeded_bytes(&tampered, &s.params).unwrap();
        assert!(matches!(
            s.sk.decrypt_bits(&loaded),
            Err(BgvError::NoiseBoundExceeded { .. })
        ));
    }
}
