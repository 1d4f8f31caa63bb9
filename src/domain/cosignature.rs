//! Witness cosignatures, c2sp.org/tlog-cosignature (Ed25519, `cosignature/v1`): a
//! witness's statement that, at a given time, the checkpoint is the largest consistent
//! tree it has seen of that log. Here are the witness's verifier key, the exact bytes it
//! signs, a cosignature line made from a lent key, and the check of which witnesses a
//! reader trusts vouched for a checkpoint. Pure: the time is passed in.

use ed25519_dalek::{Signer, SigningKey};

use super::crypto::{PublicKey, Signature};
use super::note::{NoteError, format_vkey, key_id_of_type, parse_vkey, signature_line, split_note};
use super::receipt::{Check, check};

/// tlog-cosignature: "Ed25519 public keys MAY be encoded as vkeys with signature type
/// 0x04", and the key ID is computed with the same byte, so a witness key can never be
/// mistaken for a log key (0x01) even under the same name.
const ALG_COSIGNATURE_V1: u8 = 0x04;
/// The header line that separates cosigned messages from any other signed bytes.
const HEADER: &str = "cosignature/v1";
/// Key id (4), timestamp (8), Ed25519 signature (64).
const SIGNATURE_LEN: usize = 76;

/// tlog-cosignature: key ID = SHA-256(name || "\n" || 0x04 || 32-byte key)[:4].
pub fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    key_id_of_type(name, ALG_COSIGNATURE_V1, key)
}

/// A witness as a reader pins it: `<name>+<hex key id>+<base64(0x04 || key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub id: [u8; 4],
    pub key: PublicKey,
}

impl WitnessKey {
    pub fn new(name: &str, key: PublicKey) -> WitnessKey {
        WitnessKey {
            name: name.to_string(),
            id: key_id(name, &key),
            key,
        }
    }

    pub fn parse(text: &str) -> Result<WitnessKey, NoteError> {
        let (name, id, key) = parse_vkey(text, ALG_COSIGNATURE_V1)?;
        let parsed = WitnessKey::new(name, key);
        if parsed.id != id {
            return Err(NoteError::VerifierKeyIdMismatch);
        }
        Ok(parsed)
    }
}

impl std::fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_vkey(
            &self.name,
            &self.id,
            ALG_COSIGNATURE_V1,
            &self.key,
        ))
    }
}

/// tlog-cosignature, "Ed25519 signed message": the header line, the timestamp line, then
/// the whole checkpoint text (the note body, final LF included, no signature lines).
pub fn signed_message(timestamp: u64, checkpoint_text: &str) -> String {
    format!("{HEADER}\ntime {timestamp}\n{checkpoint_text}")
}

/// The witness's signature line over `checkpoint_text` at `timestamp` (POSIX seconds):
/// base64 of key id, the timestamp as a big-endian u64, and the Ed25519 signature.
pub fn cosign(checkpoint_text: &str, name: &str, key: &SigningKey, timestamp: u64) -> String {
    debug_assert!(timestamp < 1 << 63, "tlog-cosignature caps the timestamp");
    let public = PublicKey::from_bytes(&key.verifying_key().to_bytes())
        .expect("a key made from a seed is never weak");
    let message = signed_message(timestamp, checkpoint_text);
    let mut bytes = key_id(name, &public).to_vec();
    bytes.extend_from_slice(&timestamp.to_be_bytes());
    bytes.extend_from_slice(&key.sign(message.as_bytes()).to_bytes());
    signature_line(name, &bytes)
}

/// A witness that vouched for a checkpoint, and when it says it saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vouch {
    pub name: String,
    pub timestamp: u64,
}

/// The witnesses among `trusted` whose cosignature on `note` verifies, in the order of
/// `trusted`. Lines of other keys, and lines that do not verify, vouch for nothing.
pub fn vouches(note: &str, trusted: &[WitnessKey]) -> Result<Vec<Vouch>, NoteError> {
    let (text, signatures) = split_note(note)?;
    let mut found = Vec::new();
    for witness in trusted {
        let vouch = signatures.iter().find_map(|s| {
            if s.name != witness.name
                || s.bytes.len() != SIGNATURE_LEN
                || s.bytes[..4] != witness.id
            {
                return None;
            }
            let timestamp = u64::from_be_bytes(s.bytes[4..12].try_into().expect("length checked"));
            let signature: [u8; 64] = s.bytes[12..].try_into().expect("length checked");
            let message = signed_message(timestamp, text);
            witness
                .key
                .verify_strict(message.as_bytes(), &Signature::from_bytes(&signature))
                .then(|| Vouch {
                    name: witness.name.clone(),
                    timestamp,
                })
        });
        found.extend(vouch);
    }
    Ok(found)
}

/// The receipt check `witnesses`: did at least `quorum` of the witnesses the reader
/// trusts cosign the receipt's checkpoint? Names who vouched and when (UTC), and who
/// did not, so the reader sees exactly what was shown.
pub fn witness_check(note: &str, trusted: &[WitnessKey], quorum: usize) -> Check {
    let vouched = match vouches(note, trusted) {
        Ok(v) => v,
        Err(e) => {
            return check(
                "witnesses",
                false,
                format!("Checkpoint tidak terbaca: {e}."),
            );
        }
    };
    let named: Vec<String> = vouched
        .iter()
        .map(|v| {
            let time = chrono::DateTime::from_timestamp(v.timestamp as i64, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| v.timestamp.to_string());
            format!("{} ({time})", v.name)
        })
        .collect();
    let silent: Vec<&str> = trusted
        .iter()
        .filter(|w| !vouched.iter().any(|v| v.name == w.name))
        .map(|w| w.name.as_str())
        .collect();
    let mut detail = format!(
        "Disaksikan oleh {} dari {} saksi yang dipercaya (kuorum {quorum})",
        vouched.len(),
        trusted.len()
    );
    if !named.is_empty() {
        detail.push_str(&format!(": {}", named.join(", ")));
    }
    detail.push('.');
    if !silent.is_empty() {
        detail.push_str(&format!(
            " Tanpa tanda tangan bersama yang sah dari: {}.",
            silent.join(", ")
        ));
    }
    check("witnesses", vouched.len() >= quorum, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crypto::Sha256Hash;
    use crate::domain::note::Checkpoint;

    fn witness(seed: u8, name: &str) -> (SigningKey, WitnessKey) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        (key, WitnessKey::new(name, public))
    }

    fn checkpoint_note() -> (String, String) {
        let log = SigningKey::from_bytes(&[2; 32]);
        let cp = Checkpoint {
            origin: "pakta.example/kabupaten-contoh".into(),
            size: 9,
            root: Sha256Hash::of(b"root"),
        };
        (cp.text(), cp.sign(&log))
    }

    #[test]
    fn the_message_is_the_spec_example_layout() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            signed_message(1679315147, text),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn witness_keys_round_trip_and_are_not_log_keys() {
        let (_, w) = witness(7, "witness.example/w1");
        assert_eq!(WitnessKey::parse(&w.to_string()).unwrap(), w);
        // The same key as a log verifier key (type 0x01) is another key.
        let as_log = crate::domain::note::VerifierKey::new("witness.example/w1", w.key);
        assert_ne!(as_log.id, w.id);
        assert!(WitnessKey::parse(&as_log.to_string()).is_err());
    }

    #[test]
    fn a_cosignature_vouches_only_for_its_exact_checkpoint() {
        let (text, note) = checkpoint_note();
        let (k1, w1) = witness(7, "witness.example/w1");
        let (k2, w2) = witness(8, "witness.example/w2");
        let (stranger, _) = witness(9, "witness.example/w1");
        let cosigned = format!(
            "{note}{}{}{}",
            cosign(&text, &w1.name, &k1, 1_700_000_000),
            cosign(&text, &w2.name, &k2, 1_700_000_001),
            cosign(&text, "witness.example/w1", &stranger, 1_700_000_002),
        );
        let got = vouches(&cosigned, &[w1.clone(), w2.clone()]).unwrap();
        assert_eq!(
            got,
            vec![
                Vouch {
                    name: w1.name.clone(),
                    timestamp: 1_700_000_000
                },
                Vouch {
                    name: w2.name.clone(),
                    timestamp: 1_700_000_001
                }
            ]
        );
        assert!(witness_check(&cosigned, &[w1.clone(), w2.clone()], 2).ok);
        assert!(!witness_check(&cosigned, &[w1.clone(), w2.clone()], 3).ok);
        // Another size under the same signatures vouches for nothing.
        let moved = cosigned.replacen("\n9\n", "\n10\n", 1);
        assert!(vouches(&moved, &[w1, w2]).unwrap().is_empty());
    }

    #[test]
    fn the_log_signature_alone_vouches_for_nothing() {
        let (_, note) = checkpoint_note();
        let (_, w1) = witness(7, "witness.example/w1");
        let verdict = witness_check(&note, &[w1], 1);
        assert!(!verdict.ok);
        assert!(verdict.detail.contains("0 dari 1"), "{}", verdict.detail);
    }
}
