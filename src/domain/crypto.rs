//! Key material and hashes as they cross the wire: Ed25519 public keys and signatures in
//! standard base64 with padding, SHA-256 digests in lowercase hex, key fingerprints.
//!
//! Every type here can only hold a well-formed value, so code that receives one never
//! re-checks lengths or encodings.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature as DalekSignature, VerifyingKey};
use sha2::{Digest, Sha256};

/// Why a piece of key material or a digest could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "{field} bukan base64 standar yang valid (dengan padding '='); salin ulang nilainya utuh"
    )]
    BadBase64 { field: &'static str },
    #[error("{field} harus {expected} byte, yang diterima {actual} byte")]
    WrongLength {
        field: &'static str,
        expected: usize,
        actual: usize,
    },
    #[error(
        "kunci publik ini bukan kunci Ed25519 yang aman (titik lemah atau tidak valid); buat pasangan kunci baru"
    )]
    WeakKey,
    #[error("{field} harus {expected} karakter heksadesimal huruf kecil")]
    BadHex {
        field: &'static str,
        expected: usize,
    },
}

/// Decodes standard base64 (RFC 4648 with padding), the only form the API accepts.
pub fn decode_base64(field: &'static str, text: &str) -> Result<Vec<u8>, CryptoError> {
    STANDARD
        .decode(text.trim())
        .map_err(|_| CryptoError::BadBase64 { field })
}

pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A SHA-256 digest. Shown as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Hash(pub [u8; 32]);

impl Sha256Hash {
    pub const ZERO: Sha256Hash = Sha256Hash([0; 32]);

    pub fn of(bytes: &[u8]) -> Sha256Hash {
        Sha256Hash(Sha256::digest(bytes).into())
    }

    pub fn parse_hex(field: &'static str, text: &str) -> Result<Sha256Hash, CryptoError> {
        let bad = || CryptoError::BadHex {
            field,
            expected: 64,
        };
        if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(|_| bad())?;
        Ok(Sha256Hash(out))
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Sha256Hash> {
        bytes.try_into().ok().map(Sha256Hash)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Sha256Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Hash({})", self.to_hex())
    }
}

/// An official's Ed25519 public key. Weak (small-order) keys are refused at parse time,
/// because `verify_strict` would refuse every signature by them anyway and an enrollment
/// of such a key could never be used.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    pub fn from_base64(text: &str) -> Result<PublicKey, CryptoError> {
        let bytes = decode_base64("public_key", text)?;
        let array: [u8; 32] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| CryptoError::WrongLength {
                    field: "public_key",
                    expected: 32,
                    actual: bytes.len(),
                })?;
        PublicKey::from_bytes(&array)
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, CryptoError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::WeakKey)?;
        if key.is_weak() {
            return Err(CryptoError::WeakKey);
        }
        Ok(PublicKey(key))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn to_base64(&self) -> String {
        encode_base64(&self.to_bytes())
    }

    pub fn fingerprint(&self) -> KeyFingerprint {
        KeyFingerprint(Sha256Hash::of(&self.to_bytes()))
    }

    /// Strict verification: rejects non-canonical signatures and small-order components,
    /// so a signature cannot be altered into a second valid one.
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        self.0.verify_strict(message, &signature.0).is_ok()
    }

    /// Plain RFC 8032 verification, kept for contrast in tests only.
    #[cfg(test)]
    fn verify_lenient(&self, message: &[u8], signature: &Signature) -> bool {
        ed25519_dalek::Verifier::verify(&self.0, message, &signature.0).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

/// A 64-byte Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(DalekSignature);

impl Signature {
    pub fn from_base64(field: &'static str, text: &str) -> Result<Signature, CryptoError> {
        let bytes = decode_base64(field, text)?;
        let array: [u8; 64] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| CryptoError::WrongLength {
                    field,
                    expected: 64,
                    actual: bytes.len(),
                })?;
        Ok(Signature(DalekSignature::from_bytes(&array)))
    }

    pub fn from_bytes(bytes: &[u8; 64]) -> Signature {
        Signature(DalekSignature::from_bytes(bytes))
    }

    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes()
    }

    pub fn to_base64(&self) -> String {
        encode_base64(&self.to_bytes())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base64())
    }
}

/// SHA-256 of the 32 raw public key bytes, in lowercase hex. Names a key in entries
/// and receipts without repeating the key itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct KeyFingerprint(Sha256Hash);

impl KeyFingerprint {
    pub fn parse(text: &str) -> Result<KeyFingerprint, CryptoError> {
        Sha256Hash::parse_hex("fingerprint", text).map(KeyFingerprint)
    }

    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }
}

impl fmt::Display for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn sha256_matches_the_fips_abc_vector() {
        assert_eq!(
            Sha256Hash::of(b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hex_parse_refuses_uppercase_and_wrong_length() {
        let h = Sha256Hash::of(b"x").to_hex();
        assert!(Sha256Hash::parse_hex("h", &h).is_ok());
        assert!(Sha256Hash::parse_hex("h", &h.to_uppercase()).is_err());
        assert!(Sha256Hash::parse_hex("h", &h[..62]).is_err());
    }

    #[test]
    fn public_key_needs_exactly_32_bytes_of_padded_base64() {
        let good = encode_base64(&key(1).verifying_key().to_bytes());
        assert!(PublicKey::from_base64(&good).is_ok());
        assert_eq!(
            PublicKey::from_base64(&encode_base64(&[1u8; 31])),
            Err(CryptoError::WrongLength {
                field: "public_key",
                expected: 32,
                actual: 31
            })
        );
        assert!(matches!(
            PublicKey::from_base64(good.trim_end_matches('=')),
            Err(CryptoError::BadBase64 { .. })
        ));
        assert!(matches!(
            PublicKey::from_base64("!!not base64!!"),
            Err(CryptoError::BadBase64 { .. })
        ));
    }

    #[test]
    fn the_identity_point_is_refused_as_weak() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(CryptoError::WeakKey));
    }

    #[test]
    fn strict_verification_accepts_the_real_signature_only() {
        let signer = key(7);
        let public = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
        let sig = Signature::from_bytes(&signer.sign(b"pledge").to_bytes());
        assert!(public.verify_strict(b"pledge", &sig));
        assert!(public.verify_lenient(b"pledge", &sig));
        assert!(!public.verify_strict(b"pledgE", &sig));
        let other = PublicKey::from_bytes(&key(8).verifying_key().to_bytes()).unwrap();
        assert!(!other.verify_strict(b"pledge", &sig));
    }

    #[test]
    fn fingerprint_is_sha256_of_the_raw_key() {
        let public = PublicKey::from_bytes(&key(3).verifying_key().to_bytes()).unwrap();
        assert_eq!(
            public.fingerprint().to_hex(),
            Sha256Hash::of(&public.to_bytes()).to_hex()
        );
        assert_eq!(
            KeyFingerprint::parse(&public.fingerprint().to_hex()).unwrap(),
            public.fingerprint()
        );
    }
}
