//! Serialized artifacts: a checked envelope around serde (postcard) payloads, and the wire
//! forms of ring descriptions and DoubleCRT polynomials.
//!
//! Envelope layout (format version 2): b"NITE" | version (u16 LE) | tag length (u8) | tag
//! (ASCII, names the artifact kind) | payload length (u64 LE) | payload | first 16 bytes of
//! SHA-256(everything before).
//! `open` rejects a wrong magic, an unknown version, a wrong tag, length or digest with a
//! typed error before decoding, so truncated or altered bytes never reach the decoder. The
//! payload must decode to exactly one value (trailing bytes are an error), and decoding
//! allocates in proportion to the payload: postcard pre-sizes a sequence only when its length
//! prefix fits in the bytes that remain (every element takes at least one byte), so a prefix
//! claiming 2^40 elements allocates nothing up front. The decoded value is then validated
//! against the ring it claims (wrong m, a prime not in the basis, wrong lengths, residues not
//! below their prime).

use crate::cyclotomic::Cyclotomic;
use crate::error::RingError;
use crate::poly::DcrtPoly;
use crate::rns::RnsBasis;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const MAGIC: &[u8; 4] = b"NITE";
/// The envelope format this build writes and the only one it reads. 2 since the parameter
/// literal describes its chain as runs of prime sizes (`nit_bgv::PrimeRun`): every version-1
/// artifact names parameters by the fingerprint of the older literal, so none would load.
pub const FORMAT_VERSION: u16 = 2;
const DIGEST_BYTES: usize = 16;

/// First 16 bytes of SHA-256 of `bytes`: the identity of parameters, keys and artifacts.
pub fn fingerprint(bytes: &[u8]) -> [u8; DIGEST_BYTES] {
    let digest = Sha256::digest(bytes);
    let mut out = [0u8; DIGEST_BYTES];
    out.copy_from_slice(&digest[..DIGEST_BYTES]);
    out
}

/// Serializes `value` into a sealed envelope tagged `tag`.
pub fn seal<T: Serialize>(tag: &str, value: &T) -> Result<Vec<u8>, RingError> {
    let payload = postcard::to_stdvec(value).map_err(|e| RingError::Corrupt(e.to_string()))?;
    let tag_length =
        u8::try_from(tag.len()).map_err(|_| RingError::Corrupt("tag too long".into()))?;
    let mut out = Vec::with_capacity(payload.len() + tag.len() + 40);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(tag_length);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let digest = fingerprint(&out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// Checks the envelope (magic, version, tag, length, digest) and decodes its payload, which
/// must hold exactly one value.
pub fn open<T: DeserializeOwned>(tag: &str, bytes: &[u8]) -> Result<T, RingError> {
    let corrupt = |what: &str| RingError::Corrupt(what.to_string());
    if bytes.len() < 6 {
        return Err(corrupt("truncated envelope"));
    }
    if &bytes[..4] != MAGIC {
        return Err(corrupt("bad magic"));
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return Err(RingError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let tag_start = 7;
    let header = tag_start + tag.len() + 8;
    if bytes.len() < header + DIGEST_BYTES {
        return Err(corrupt("truncated envelope"));
    }
    if bytes[6] as usize != tag.len() || &bytes[tag_start..tag_start + tag.len()] != tag.as_bytes()
    {
        return Err(RingError::Corrupt(format!("not a {tag} artifact")));
    }
    let length_bytes: [u8; 8] = bytes[tag_start + tag.len()..header]
        .try_into()
        .map_err(|_| corrupt("truncated length"))?;
    let length = u64::from_le_bytes(length_bytes);
    if length != (bytes.len() - header - DIGEST_BYTES) as u64 {
        return Err(corrupt("length mismatch (truncated or extended)"));
    }
    let (body, digest) = bytes.split_at(bytes.len() - DIGEST_BYTES);
    if fingerprint(body) != digest {
        return Err(corrupt("checksum mismatch (altered bytes)"));
    }
    decode_exact(&body[header..])
}

/// Decodes one value that must use every byte of `payload`.
fn decode_exact<T: DeserializeOwned>(payload: &[u8]) -> Result<T, RingError> {
    let (value, rest) =
        postcard::take_from_bytes(payload).map_err(|e| RingError::Corrupt(e.to_string()))?;
    if !rest.is_empty() {
        return Err(RingError::TrailingBytes(rest.len()));
    }
    Ok(value)
}

/// What a ring and basis are on the wire: m and the primes, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasisWire {
    /// Cyclotomic index m (unchecked until [`BasisWire::to_basis`]).
    pub m: u64,
    /// The primes q_0, .., q_{k-1} in basis order.
    pub moduli: Vec<u64>,
}

impl BasisWire {
    /// The wire form of `basis`: its m and its primes in order.
    pub fn of(basis: &RnsBasis) -> Self {
        BasisWire {
            m: basis.ring().m() as u64,
            moduli: basis.moduli(),
        }
    }

    /// Rebuilds the basis, validating m and every prime.
    pub fn to_basis(&self) -> Result<RnsBasis, RingError> {
        let m = usize::try_from(self.m).map_err(|_| RingError::UnsupportedM(usize::MAX))?;
        RnsBasis::new(Arc::new(Cyclotomic::new(m)?), &self.moduli)
    }
}

/// A DoubleCRT polynomial on the wire: its basis and its rows of values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolyWire {
    /// The ring and primes the rows belong to.
    pub basis: BasisWire,
    /// Evaluation-form rows as in [`DcrtPoly::rows`] (unchecked until
    /// [`PolyWire::into_poly`]).
    pub rows: Vec<Vec<u64>>,
}

const POLY_TAG: &str = "ring.dcrt";
const BASIS_TAG: &str = "ring.basis";

impl PolyWire {
    /// The wire form of `poly`: its basis and a copy of its rows.
    pub fn of(poly: &DcrtPoly) -> Self {
        PolyWire {
            basis: BasisWire::of(poly.basis()),
            rows: poly.rows().to_vec(),
        }
    }

    /// The polynomial on `basis`; the wire's ring and primes must be exactly `basis`'s.
    pub fn into_poly(self, basis: &RnsBasis) -> Result<DcrtPoly, RingError> {
        if self.basis.m != basis.ring().m() as u64 {
            return Err(RingError::RingMismatch {
                expected: basis.ring().m(),
                found: self.basis.m as usize,
            });
        }
        if let Some(&q) = self
            .basis
            .moduli
            .iter()
            .find(|&&q| basis.position(q).is_none())
        {
            return Err(RingError::PrimeNotInBasis(q));
        }
        if self.basis.moduli != basis.moduli() {
            return Err(RingError::BasisMismatch {
                left: basis.moduli(),
                right: self.basis.moduli,
            });
        }
        DcrtPoly::from_rows(basis.clone(), self.rows)
    }
}

impl DcrtPoly {
    /// A sealed envelope tagged "ring.dcrt" holding the [`PolyWire`] of `self`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RingError> {
        seal(POLY_TAG, &PolyWire::of(self))
    }

    /// Decodes and validates a polynomial that must live on `basis`.
    pub fn from_bytes(bytes: &[u8], basis: &RnsBasis) -> Result<Self, RingError> {
        open::<PolyWire>(POLY_TAG, bytes)?.into_poly(basis)
    }
}

impl RnsBasis {
    /// A sealed envelope tagged "ring.basis" holding the [`BasisWire`] of `self`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RingError> {
        seal(BASIS_TAG, &BasisWire::of(self))
    }

    /// Opens a "ring.basis" envelope and rebuilds the basis, checking m and every prime.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RingError> {
        open::<BasisWire>(BASIS_TAG, bytes)?.to_basis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prime::generate_primes;
    use crate::sample::seeded_rng;

    fn basis(m: usize) -> RnsBasis {
        let ring = Arc::new(Cyclotomic::new(m).unwrap());
        RnsBasis::new(ring, &generate_primes(m, 45, 3, &[]).unwrap()).unwrap()
    }

    #[test]
    fn polynomial_and_basis_round_trip() {
        let b = basis(1023);
        let p = DcrtPoly::uniform(&b, &mut seeded_rng(1));
        assert_eq!(DcrtPoly::from_bytes(&p.to_bytes().unwrap(), &b).unwrap(), p);
        assert_eq!(RnsBasis::from_bytes(&b.to_bytes().unwrap()).unwrap(), b);
        let json = serde_json::to_string(&PolyWire::of(&p)).unwrap();
        let wire: PolyWire = serde_json::from_str(&json).unwrap();
        assert_eq!(wire.into_poly(&b).unwrap(), p);
    }

    #[test]
    fn truncated_and_altered_bytes_are_typed_errors() {
        let b = basis(255);
        let bytes = DcrtPoly::uniform(&b, &mut seeded_rng(2))
            .to_bytes()
            .unwrap();
        for cut in [0, 3, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(matches!(
                DcrtPoly::from_bytes(&bytes[..cut], &b),
                Err(RingError::Corrupt(_))
            ));
        }
        for position in [0, 6, 20, bytes.len() / 2, bytes.len() - 1] {
            let mut altered = bytes.clone();
            altered[position] ^= 0x10;
            assert!(matches!(
                DcrtPoly::from_bytes(&altered, &b),
                Err(RingError::Corrupt(_))
            ));
        }
        assert!(matches!(
            RnsBasis::from_bytes(&bytes),
            Err(RingError::Corrupt(_))
        ));
    }

    /// A valid payload followed by extra bytes, resealed so the digest holds: the envelope
    /// holds more than one value and is refused.
    #[test]
    fn trailing_bytes_inside_an_envelope_are_refused() {
        let wire = BasisWire::of(&basis(255));
        let mut payload = postcard::to_stdvec(&wire).unwrap();
        assert_eq!(decode_exact::<BasisWire>(&payload), Ok(wire.clone()));
        payload.extend_from_slice(&[0, 7]);
        assert_eq!(
            decode_exact::<BasisWire>(&payload),
            Err(RingError::TrailingBytes(2))
        );
        // Through the envelope: a BasisWire sealed as (BasisWire, u16) under the basis tag.
        let sealed = seal(BASIS_TAG, &(wire, 0x0707u16)).unwrap();
        assert_eq!(
            RnsBasis::from_bytes(&sealed),
            Err(RingError::TrailingBytes(2))
        );
    }

    /// The version field: the current one opens, any other is refused before decoding.
    #[test]
    fn unknown_format_version_is_a_typed_error() {
        let b = basis(255);
        let mut bytes = b.to_bytes().unwrap();
        assert_eq!(&bytes[..6], b"NITE\x02\x00");
        bytes[4] = 1;
        assert_eq!(
            RnsBasis::from_bytes(&bytes),
            Err(RingError::UnsupportedVersion {
                found: 1,
                supported: FORMAT_VERSION
            })
        );
        let mut old = b"NIT1".to_vec();
        old.extend_from_slice(&bytes[4..]);
        assert!(matches!(
            RnsBasis::from_bytes(&old),
            Err(RingError::Corrupt(_))
        ));
    }

    #[test]
    fn mismatched_or_invalid_contents_are_typed_errors() {
        let b = basis(255);
        let p = DcrtPoly::uniform(&b, &mut seeded_rng(3));
        let other_ring = basis(1023);
        let reseal = |wire: &PolyWire| seal(POLY_TAG, wire).unwrap();
        assert!(matches!(
            DcrtPoly::from_bytes(&p.to_bytes().unwrap(), &other_ring),
            Err(RingError::RingMismatch { .. })
        ));
        assert!(matches!(
            DcrtPoly::from_bytes(&p.to_bytes().unwrap(), &b.prefix(2)),
            Err(RingError::PrimeNotInBasis(_))
        ));
        let mut wire = PolyWire::of(&p);
        wire.rows[1].pop();
        assert!(matches!(
            DcrtPoly::from_bytes(&reseal(&wire), &b),
            Err(RingError::Length { .. })
        ));
        let mut wire = PolyWire::of(&p);
        wire.rows[2][5] = b.moduli()[2];
        assert!(matches!(
            DcrtPoly::from_bytes(&reseal(&wire), &b),
            Err(RingError::Unreduced { .. })
        ));
        let bad_m = BasisWire {
            m: 1024,
            moduli: b.moduli(),
        };
        assert!(matches!(
            bad_m.to_basis(),
            Err(RingError::UnsupportedM(1024))
        ));
        let bad_prime = BasisWire {
            m: 255,
            moduli: vec![b.moduli()[0] + 2],
        };
        assert!(matches!(
            bad_prime.to_basis(),
            Err(RingError::BadPrime { .. })
        ));
    }
}
