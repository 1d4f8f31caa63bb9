//! C2SP signed notes with Ed25519 (c2sp.org/signed-note), the log's verifier key
//! (`<name>+<hex key id>+<base64(0x01 || key)>`), and tree-head checkpoints
//! (c2sp.org/tlog-checkpoint). Signing is deterministic, so this stays pure: the caller
//! lends the key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};

use super::crypto::{PublicKey, Sha256Hash, Signature};

/// signed-note: "the signature type identifier for Ed25519 is 0x01".
const ALG_ED25519: u8 = 0x01;
/// signed-note: a signature line starts with U+2014 (em dash) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error(
        "the verifier key is not of the form <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte Ed25519 key>"
    )]
    BadVerifierKey,
    #[error("the verifier key's id does not match its name and key")]
    VerifierKeyIdMismatch,
    #[error("the note is malformed: {0}")]
    Malformed(&'static str),
    #[error("the note carries no signature by {0}; check that you pinned this log's verifier key")]
    NotSignedBy(String),
    #[error("the note's signature by {0} does not verify: the note was altered")]
    BadSignature(String),
    #[error("the checkpoint is malformed: {0}")]
    BadCheckpoint(&'static str),
}

/// signed-note: a key name is non-empty and holds no Unicode space and no '+'.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// signed-note: key ID = the first four bytes of SHA-256(name || 0x0A || 0x01 || key).
pub fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    key_id_of_type(name, ALG_ED25519, key)
}

/// signed-note's key ID for a key of signature type `alg`: the first four bytes of
/// SHA-256(name || 0x0A || alg || key). The type byte keeps keys of different
/// signature types (a log's 0x01, a witness's 0x04) from ever sharing an id.
pub(super) fn key_id_of_type(name: &str, alg: u8, key: &PublicKey) -> [u8; 4] {
    let mut input = Vec::with_capacity(name.len() + 34);
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(alg);
    input.extend_from_slice(&key.to_bytes());
    let hash = Sha256Hash::of(&input);
    [hash.0[0], hash.0[1], hash.0[2], hash.0[3]]
}

/// The public half of a note-signing key, as auditors pin it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: [u8; 4],
    pub key: PublicKey,
}

impl VerifierKey {
    pub fn new(name: &str, key: PublicKey) -> VerifierKey {
        VerifierKey {
            name: name.to_string(),
            id: key_id(name, &key),
            key,
        }
    }

    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let (name, id, key) = parse_vkey(text, ALG_ED25519)?;
        let vkey = VerifierKey::new(name, key);
        if vkey.id != id {
            return Err(NoteError::VerifierKeyIdMismatch);
        }
        Ok(vkey)
    }
}

/// signed-note "verifier keys": `<name>+<8 hex digits of key id>+<base64 of the type
/// byte and the key>`, for a key of type `alg` (0x01 a log's Ed25519 key, 0x04 a
/// witness's cosignature/v1 key). The id is returned for the caller to recompute by
/// the rule of its type.
pub(super) fn parse_vkey(text: &str, alg: u8) -> Result<(&str, [u8; 4], PublicKey), NoteError> {
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::BadVerifierKey);
    };
    let mut id_bytes = [0u8; 4];
    if !is_valid_name(name) || id.len() != 8 || hex::decode_to_slice(id, &mut id_bytes).is_err() {
        return Err(NoteError::BadVerifierKey);
    }
    let raw = STANDARD
        .decode(key)
        .map_err(|_| NoteError::BadVerifierKey)?;
    let [found, rest @ ..] = raw.as_slice() else {
        return Err(NoteError::BadVerifierKey);
    };
    if *found != alg {
        return Err(NoteError::BadVerifierKey);
    }
    let bytes: [u8; 32] = rest.try_into().map_err(|_| NoteError::BadVerifierKey)?;
    let key = PublicKey::from_bytes(&bytes).map_err(|_| NoteError::BadVerifierKey)?;
    Ok((name, id_bytes, key))
}

/// The text form of a verifier key of type `alg` (see [`parse_vkey`]).
pub(super) fn format_vkey(name: &str, id: &[u8; 4], alg: u8, key: &PublicKey) -> String {
    let mut raw = vec![alg];
    raw.extend_from_slice(&key.to_bytes());
    format!("{name}+{}+{}", hex::encode(id), STANDARD.encode(raw))
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_vkey(&self.name, &self.id, ALG_ED25519, &self.key))
    }
}

/// Signs `text` (which must end in a newline) as a one-signature note.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> String {
    debug_assert!(text.ends_with('\n') && is_valid_name(name));
    let public = PublicKey::from_bytes(&key.verifying_key().to_bytes())
        .expect("a key made from a seed is never weak");
    let mut sig = key_id(name, &public).to_vec();
    sig.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    format!("{text}\n{}", signature_line(name, &sig))
}

/// One signature line of a note: the key name and the decoded signature bytes (key id
/// first). Which key made it is for the reader to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature<'a> {
    pub name: &'a str,
    pub bytes: Vec<u8>,
}

/// signed-note: splits a note into its text (everything up to the LF before the last
/// blank line) and its signature lines, each well-formed or the whole note is refused.
pub fn split_note(note: &str) -> Result<(&str, Vec<NoteSignature<'_>>), NoteError> {
    if !note.ends_with('\n') {
        return Err(NoteError::Malformed("it must end with a newline"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, block) = (&note[..=split], &note[split + 2..]);
    let mut signatures = Vec::new();
    for line in block.lines() {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a signature line must start with an em dash",
        ))?;
        let (name, sig) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "a signature line needs a name and a signature",
        ))?;
        let bytes = STANDARD
            .decode(sig)
            .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        signatures.push(NoteSignature { name, bytes });
    }
    Ok((text, signatures))
}

/// A signature line, as it follows a note's text: `— <name> <base64 of bytes>` and LF.
pub fn signature_line(name: &str, bytes: &[u8]) -> String {
    format!("{SIG_PREFIX}{name} {}\n", STANDARD.encode(bytes))
}

/// Checks that `note` carries a valid signature by `vkey` and returns its text.
/// Signatures by other keys (witness cosignatures) are allowed and ignored.
pub fn open_note<'a>(note: &'a str, vkey: &VerifierKey) -> Result<&'a str, NoteError> {
    let (text, signatures) = split_note(note)?;
    let signed_by_us = signatures
        .into_iter()
        .find(|s| s.name == vkey.name && s.bytes.len() == 68 && s.bytes[..4] == vkey.id)
        .map(|s| s.bytes);
    let sig = signed_by_us.ok_or_else(|| NoteError::NotSignedBy(vkey.name.clone()))?;
    let sig: [u8; 64] = sig[4..].try_into().expect("length checked");
    if !vkey
        .key
        .verify_strict(text.as_bytes(), &Signature::from_bytes(&sig))
    {
        return Err(NoteError::BadSignature(vkey.name.clone()));
    }
    Ok(text)
}

/// A signed tree head's text: origin, size, root (tlog-checkpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Sha256Hash,
}

impl Checkpoint {
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root.0)
        )
    }

    /// Reads a checkpoint text; extension lines after the root are allowed and ignored.
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = text.lines();
        let origin = lines.next().filter(|o| !o.is_empty());
        let size = lines.next();
        let root = lines.next();
        let (Some(origin), Some(size), Some(root)) = (origin, size, root) else {
            return Err(NoteError::BadCheckpoint(
                "it needs an origin, a size and a root line",
            ));
        };
        let size = size
            .parse::<u64>()
            .ok()
            .filter(|n| n.to_string() == size)
            .ok_or(NoteError::BadCheckpoint(
                "the size is not a canonical decimal number",
            ))?;
        let root = STANDARD
            .decode(root)
            .ok()
            .and_then(|b| Sha256Hash::from_slice(&b))
            .ok_or(NoteError::BadCheckpoint(
                "the root is not a base64 SHA-256 hash",
            ))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }

    pub fn sign(&self, key: &SigningKey) -> String {
        sign_note(&self.text(), &self.origin, key)
    }

    /// Verifies a signed checkpoint against the pinned key; the origin must be the key's name.
    pub fn open(note: &str, vkey: &VerifierKey) -> Result<Checkpoint, NoteError> {
        let checkpoint = Checkpoint::parse(open_note(note, vkey)?)?;
        if checkpoint.origin != vkey.name {
            return Err(NoteError::BadCheckpoint(
                "its origin is not the verifier key's name",
            ));
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of c2sp.org/signed-note: Peter Neumann's key and note.
    const EXAMPLE_SKEY: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const EXAMPLE_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const EXAMPLE_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const EXAMPLE_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn example_key() -> SigningKey {
        let raw = STANDARD.decode(EXAMPLE_SKEY).unwrap();
        SigningKey::from_bytes(&raw[1..].try_into().unwrap())
    }

    #[test]
    fn the_signed_note_example_vector_is_reproduced() {
        let key = example_key();
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        assert_eq!(
            VerifierKey::new("PeterNeumann", public).to_string(),
            EXAMPLE_VKEY
        );
        let note = sign_note(EXAMPLE_TEXT, "PeterNeumann", &key);
        assert_eq!(note, format!("{EXAMPLE_TEXT}\n{EXAMPLE_SIG}"));
        let vkey = VerifierKey::parse(EXAMPLE_VKEY).unwrap();
        assert_eq!(open_note(&note, &vkey).unwrap(), EXAMPLE_TEXT);
    }

    #[test]
    fn an_altered_note_or_another_key_is_refused() {
        let key = example_key();
        let vkey = VerifierKey::parse(EXAMPLE_VKEY).unwrap();
        let note = sign_note(EXAMPLE_TEXT, "PeterNeumann", &key);
        let altered = note.replace("cryptography", "cryptographY");
        assert!(matches!(
            open_note(&altered, &vkey),
            Err(NoteError::BadSignature(_))
        ));
        let other = SigningKey::from_bytes(&[9; 32]);
        let foreign = sign_note(EXAMPLE_TEXT, "PeterNeumann", &other);
        assert!(matches!(
            open_note(&foreign, &vkey),
            Err(NoteError::NotSignedBy(_))
        ));
    }

    #[test]
    fn verifier_keys_with_a_wrong_id_or_shape_are_refused() {
        assert_eq!(
            VerifierKey::parse(&EXAMPLE_VKEY.replace("c74f20a3", "c74f20a4")),
            Err(NoteError::VerifierKeyIdMismatch)
        );
        assert!(VerifierKey::parse("PeterNeumann+c74f20a3").is_err());
        assert!(VerifierKey::parse("Peter Neumann+c74f20a3+ARpc").is_err());
    }

    #[test]
    fn checkpoints_round_trip_and_bind_the_origin() {
        let key = SigningKey::from_bytes(&[4; 32]);
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        let cp = Checkpoint {
            origin: "pakta.example/kab-sukamaju".into(),
            size: 42,
            root: Sha256Hash::of(b"root"),
        };
        let note = cp.sign(&key);
        let vkey = VerifierKey::new("pakta.example/kab-sukamaju", public);
        assert_eq!(Checkpoint::open(&note, &vkey).unwrap(), cp);
        let elsewhere = VerifierKey::new("pakta.example/other", public);
        assert!(Checkpoint::open(&note, &elsewhere).is_err());
        assert!(Checkpoint::parse("o\n042\nAAAA\n").is_err());
    }
}
