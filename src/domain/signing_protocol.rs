//! Version 2 of the signing protocol (DESIGN.md, "Signing protocol, version 2"): the
//! statement request an official's key signs to ask for a statement, and the seal by
//! which the registry recognises a statement it issued without storing anything.
//!
//! A public route must tell a stranger nothing about a person, so a statement (which
//! names the official) is only handed to whoever proves to hold the official's active
//! key. And issuing must write nothing, so the statement's nonce carries a MAC over the
//! rest of the statement and the key it was issued for, under a secret of the registry:
//! when the signature arrives, the registry recomputes the MAC instead of looking the
//! statement up. Both byte forms are pinned in `docs/FORMATS.md` with golden vectors.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::crypto::KeyFingerprint;
use super::identifier::Identifier;
use super::ids::CeremonyId;
use super::record::{RecordError, RecordReader, RecordWriter, format_time, parse_time};
use super::statement::{Statement, StatementError};

pub const STATEMENT_REQUEST_HEADER: &str = "pakta/statement-request/v1";

/// How far a request's time may be from the registry's clock: phones drift, and a
/// captured request stops working after this.
pub const REQUEST_WINDOW: Duration = Duration::minutes(10);

/// Domain separation for the seal, so the MAC can never be confused with another use
/// of the same secret.
const SEAL_CONTEXT: &[u8] = b"pakta/statement-seal/v1\n";

/// What a sealed document's nonce holds while its seal is computed. Every sealed
/// document (statement, representation statement, recap) ends with its nonce line, and
/// the seal covers every line before it, so this value never reaches the MAC.
pub const PLACEHOLDER_NONCE: &str = "00000000000000000000000000000000";

/// What an official's device signs to ask for its statement:
///
/// ```text
/// pakta/statement-request/v1
/// ceremony: <ceremony id>
/// nip: <identifier>
/// time: <RFC 3339 UTC, seconds>
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRequest {
    pub ceremony: CeremonyId,
    pub nip: Identifier,
    pub time: DateTime<Utc>,
}

impl StatementRequest {
    pub fn encode(&self) -> String {
        RecordWriter::new(&[STATEMENT_REQUEST_HEADER])
            .field("ceremony", self.ceremony.to_string())
            .field("nip", self.nip.as_str())
            .field("time", format_time(self.time))
            .finish()
    }

    /// Reads a request; only the canonical bytes are accepted, since those are what the
    /// signature covers. `None` for anything else: the caller answers every failed proof
    /// alike, so the reason is not needed.
    pub fn parse(text: &str) -> Option<StatementRequest> {
        let read = || -> Result<StatementRequest, RecordError> {
            let mut r = RecordReader::new(text, &[STATEMENT_REQUEST_HEADER])?;
            let request = StatementRequest {
                ceremony: r.parse("ceremony", CeremonyId::parse)?,
                nip: r.parse("nip", Identifier::parse_any)?,
                time: r.parse("time", parse_time)?,
            };
            r.end()?;
            Ok(request)
        };
        read().ok().filter(|request| request.encode() == text)
    }

    /// Whether the request was made close enough to `now` to be answered.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        (self.time - now).abs() <= REQUEST_WINDOW
    }
}

/// The seal's MAC over a document encoded with [`PLACEHOLDER_NONCE`] as its nonce:
/// HMAC-SHA256(secret, context || key fingerprint hex || "\n" || the document's bytes up
/// to, not including, its last line, which holds the nonce). `context` separates the
/// kinds of document (`pakta/statement-seal/v1\n`, `pakta/perwakilan-seal/v1\n`,
/// `pakta/rekap-seal/v1\n`), so one kind's seal is never another's.
fn document_mac(
    secret: &[u8; 32],
    context: &[u8],
    fingerprint: &KeyFingerprint,
    encoded: &str,
) -> Hmac<Sha256> {
    let body = encoded.strip_suffix('\n').unwrap_or(encoded);
    let sealed_part = &encoded[..body.rfind('\n').map_or(encoded.len(), |at| at + 1)];
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(context);
    mac.update(fingerprint.to_hex().as_bytes());
    mac.update(b"\n");
    mac.update(sealed_part.as_bytes());
    mac
}

/// The seal of a document encoded with [`PLACEHOLDER_NONCE`]: the first 16 bytes of
/// its MAC ([`document_mac`]), as 32 lowercase hex digits.
pub fn document_seal(
    secret: &[u8; 32],
    context: &[u8],
    fingerprint: &KeyFingerprint,
    encoded: &str,
) -> String {
    let tag = document_mac(secret, context, fingerprint, encoded)
        .finalize()
        .into_bytes();
    hex::encode(&tag[..16])
}

/// Whether `nonce` is the seal of the document `encoded` (with [`PLACEHOLDER_NONCE`])
/// for the key `fingerprint`. The comparison takes the same time however many bytes
/// match.
pub fn is_document_sealed(
    secret: &[u8; 32],
    context: &[u8],
    fingerprint: &KeyFingerprint,
    encoded: &str,
    nonce: &str,
) -> bool {
    let Ok(tag) = hex::decode(nonce) else {
        return false;
    };
    document_mac(secret, context, fingerprint, encoded)
        .verify_truncated_left(&tag)
        .is_ok()
}

/// The statement as its seal covers it: with the placeholder nonce (`nonce:` in v1,
/// `segel:` in v2, the last line either way).
fn encoded_for_seal(statement: &Statement) -> String {
    Statement {
        nonce: PLACEHOLDER_NONCE.into(),
        ..statement.clone()
    }
    .encode()
}

/// Checks that every field of the statement can be written, then sets its nonce to its
/// seal ([`document_seal`] with the context `pakta/statement-seal/v1\n`).
pub fn seal(
    secret: &[u8; 32],
    fingerprint: &KeyFingerprint,
    statement: &mut Statement,
) -> Result<(), StatementError> {
    statement.nonce = PLACEHOLDER_NONCE.into();
    statement.check_fields()?;
    statement.nonce = document_seal(secret, SEAL_CONTEXT, fingerprint, &statement.encode());
    Ok(())
}

/// Whether `statement` was issued by the registry holding `secret`, for the key with
/// `fingerprint`.
pub fn is_sealed(secret: &[u8; 32], fingerprint: &KeyFingerprint, statement: &Statement) -> bool {
    is_document_sealed(
        secret,
        SEAL_CONTEXT,
        fingerprint,
        &encoded_for_seal(statement),
        &statement.nonce,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crypto::{PublicKey, Sha256Hash};
    use crate::domain::entry::SigningMode;
    use crate::domain::ids::SubjectId;
    use crate::domain::statement::StatementFormat;
    use crate::domain::zone::Zone;

    fn statement() -> Statement {
        Statement {
            format: StatementFormat::V2 { zone: Zone::Wib },
            pledge_title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
            pledge_sha256: Sha256Hash::of(b"teks"),
            ceremony: CeremonyId::new(1).unwrap(),
            mode: SigningMode::Ceremony,
            subject: SubjectId::from_random([7; 16]),
            nip: Identifier::parse_any("198001012005011001").unwrap(),
            name: "Andi Wijaya".into(),
            position: "Kepala Dinas".into(),
            unit: "Dinas Pendidikan".into(),
            time: parse_time("2024-10-07T02:00:00Z").unwrap(),
            nonce: String::new(),
        }
    }

    fn fingerprint(seed: u8) -> KeyFingerprint {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        PublicKey::from_bytes(&key.verifying_key().to_bytes())
            .unwrap()
            .fingerprint()
    }

    #[test]
    fn a_sealed_statement_is_recognised_and_any_change_breaks_the_seal() {
        let secret = [5; 32];
        let mut s = statement();
        seal(&secret, &fingerprint(1), &mut s).expect("a writable statement");
        s.check_fields().expect("the seal is a valid nonce");
        assert!(is_sealed(&secret, &fingerprint(1), &s));
        assert!(
            !is_sealed(&[6; 32], &fingerprint(1), &s),
            "another registry's secret"
        );
        assert!(!is_sealed(&secret, &fingerprint(2), &s), "another key");
        let mut renamed = s.clone();
        renamed.name = "Andi Wijaya, S.Pd.".into();
        assert!(!is_sealed(&secret, &fingerprint(1), &renamed));
        let mut later = s.clone();
        later.time += Duration::seconds(1);
        assert!(!is_sealed(&secret, &fingerprint(1), &later));
        let mut other_nonce = s.clone();
        other_nonce.nonce = "0".repeat(32);
        assert!(!is_sealed(&secret, &fingerprint(1), &other_nonce));
        // The same facts written in the other format, or shown in another zone, are
        // other bytes, and so another seal.
        for format in [
            StatementFormat::V1,
            StatementFormat::V2 { zone: Zone::Wita },
        ] {
            let other = Statement {
                format,
                ..s.clone()
            };
            assert!(!is_sealed(&secret, &fingerprint(1), &other), "{format:?}");
        }
        let mut v1 = Statement {
            format: StatementFormat::V1,
            ..statement()
        };
        seal(&secret, &fingerprint(1), &mut v1).unwrap();
        assert!(
            is_sealed(&secret, &fingerprint(1), &v1),
            "v1 statements seal alike"
        );
    }

    #[test]
    fn a_statement_that_cannot_be_written_is_not_sealed() {
        let mut s = statement();
        s.name = "Andi\nWijaya".into();
        assert!(seal(&[5; 32], &fingerprint(1), &mut s).is_err());
    }

    #[test]
    fn requests_parse_only_in_their_canonical_form() {
        let request = StatementRequest {
            ceremony: CeremonyId::new(12).unwrap(),
            nip: Identifier::parse_any("198001012005011001").unwrap(),
            time: parse_time("2024-10-07T02:00:00Z").unwrap(),
        };
        let text = request.encode();
        assert_eq!(
            text,
            "pakta/statement-request/v1\nceremony: 12\nnip: 198001012005011001\ntime: 2024-10-07T02:00:00Z\n"
        );
        assert_eq!(StatementRequest::parse(&text), Some(request));
        for altered in [
            text.replace("\n", "\r\n"),
            text.replace("nip: ", "nip:  "),
            text.replace("198001012005011001", "1980 0101 2005 01 1 001"),
            text.trim_end().to_string(),
            format!("{text}extra: 1\n"),
            text.replace("v1", "v2"),
            r#"{"nip":"198001012005011001"}"#.to_string(),
        ] {
            assert_eq!(
                StatementRequest::parse(&altered),
                None,
                "accepted {altered:?}"
            );
        }
    }

    #[test]
    fn a_request_is_fresh_within_ten_minutes_either_way() {
        let now = parse_time("2024-10-07T02:00:00Z").unwrap();
        let at = |minutes: i64| StatementRequest {
            ceremony: CeremonyId::new(1).unwrap(),
            nip: Identifier::parse_any("198001012005011001").unwrap(),
            time: now + Duration::minutes(minutes),
        };
        assert!(at(0).is_fresh(now));
        assert!(at(10).is_fresh(now));
        assert!(at(-10).is_fresh(now));
        assert!(!at(11).is_fresh(now));
        assert!(!at(-11).is_fresh(now));
    }
}
