//! The two documents an official signs: the enrollment message (proof that the new key
//! is held by whoever enrolls it) and the pledge statement. Both are the exact byte
//! forms of DESIGN's public contract; `docs/FORMATS.md` pins them with golden vectors.

use chrono::{DateTime, Utc};

use super::crypto::{PublicKey, Sha256Hash};
use super::entry::SigningMode;
use super::identifier::Identifier;
use super::ids::{CeremonyId, SubjectId};
use super::record::{
    RecordError, RecordReader, RecordWriter, clean_value, format_time, parse_time,
};

pub const STATEMENT_TITLE: &str = "PAKTA INTEGRITAS NETRALITAS ASN";
pub const STATEMENT_FORMAT: &str = "format: pakta/statement/v1";
pub const ENROLL_HEADER: &str = "pakta/enroll/v1";

/// Letters that cannot be misread on a printed card (Crockford's base32).
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A single-use enrollment code as printed on the official's card: `XXXX-XXXX-XXXX`
/// (60 random bits). The canonical uppercase form is what the device signs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnrollmentCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "kode pendaftaran harus berbentuk XXXX-XXXX-XXXX (huruf besar dan angka, seperti tercetak di kartu); yang diterima '{0}'"
)]
pub struct BadEnrollmentCode(pub String);

impl EnrollmentCode {
    /// Builds a code from 12 random symbols chosen by the caller (values 0..32).
    pub fn from_symbols(symbols: [u8; 12]) -> EnrollmentCode {
        let mut s = String::with_capacity(14);
        for (i, v) in symbols.iter().enumerate() {
            if i == 4 || i == 8 {
                s.push('-');
            }
            s.push(CODE_ALPHABET[(*v & 31) as usize] as char);
        }
        EnrollmentCode(s)
    }

    pub fn parse(text: &str) -> Result<EnrollmentCode, BadEnrollmentCode> {
        let bytes = text.as_bytes();
        let ok = bytes.len() == 14
            && bytes.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 9 {
                    *b == b'-'
                } else {
                    CODE_ALPHABET.contains(b)
                }
            });
        if ok {
            Ok(EnrollmentCode(text.to_string()))
        } else {
            Err(BadEnrollmentCode(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The exact bytes a new key signs to prove possession when it is enrolled.
pub fn enrollment_message(nip: &Identifier, key: &PublicKey, code: &EnrollmentCode) -> String {
    RecordWriter::new(&[ENROLL_HEADER])
        .field("nip", nip.as_str())
        .field("public-key", key.to_base64())
        .field("code", code.as_str())
        .finish()
}

/// A statement as issued by the server for one official to sign once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub pledge_title: String,
    pub pledge_sha256: Sha256Hash,
    pub ceremony: CeremonyId,
    pub mode: SigningMode,
    pub subject: SubjectId,
    pub nip: Identifier,
    pub name: String,
    pub position: String,
    /// The OPD name at signing time; a later transfer does not change what was signed.
    pub unit: String,
    pub time: DateTime<Utc>,
    /// Server randomness, 32 lowercase hex characters: makes every statement unique,
    /// so a signature can be accepted once and never replayed.
    pub nonce: String,
}

/// Why a text is not a statement this registry could have issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("pernyataan tidak sesuai format pakta/statement/v1: {0}")]
    Format(#[from] RecordError),
    #[error("pernyataan tidak dapat dibuat: nilai '{field}' {reason}")]
    BadField { field: &'static str, reason: String },
}

impl Statement {
    /// Checks that every free-text field can be written into a statement; used before
    /// issuing, so roster data that cannot be signed is caught with a clear message.
    pub fn check_fields(&self) -> Result<(), StatementError> {
        for (field, value) in [
            ("pledge-title", &self.pledge_title),
            ("name", &self.name),
            ("position", &self.position),
            ("unit", &self.unit),
        ] {
            clean_value(value).map_err(|reason| StatementError::BadField { field, reason })?;
        }
        if !is_nonce(&self.nonce) {
            return Err(StatementError::BadField {
                field: "nonce",
                reason: "harus 32 karakter heksadesimal huruf kecil".into(),
            });
        }
        Ok(())
    }

    pub fn encode(&self) -> String {
        RecordWriter::new(&[STATEMENT_TITLE, STATEMENT_FORMAT])
            .field("pledge-title", &self.pledge_title)
            .field("pledge-sha256", self.pledge_sha256.to_hex())
            .field("ceremony", self.ceremony.to_string())
            .field("mode", self.mode.as_str())
            .field("subject", self.subject.to_hex())
            .field("nip", self.nip.as_str())
            .field("name", &self.name)
            .field("position", &self.position)
            .field("unit", &self.unit)
            .field("time", format_time(self.time))
            .field("nonce", &self.nonce)
            .finish()
    }

    /// Reads a statement; only the canonical bytes are accepted.
    pub fn parse(text: &str) -> Result<Statement, StatementError> {
        let mut r = RecordReader::new(text, &[STATEMENT_TITLE, STATEMENT_FORMAT])?;
        let statement = Statement {
            pledge_title: r.text("pledge-title")?,
            pledge_sha256: r.parse("pledge-sha256", |t| {
                Sha256Hash::parse_hex("pledge-sha256", t)
            })?,
            ceremony: r.parse("ceremony", CeremonyId::parse)?,
            mode: r.parse("mode", SigningMode::parse)?,
            subject: r.parse("subject", SubjectId::parse)?,
            nip: r.parse("nip", Identifier::parse_any)?,
            name: r.text("name")?,
            position: r.text("position")?,
            unit: r.text("unit")?,
            time: r.parse("time", parse_time)?,
            nonce: r.parse("nonce", |t| {
                if is_nonce(t) {
                    Ok(t.to_string())
                } else {
                    Err("harus 32 karakter heksadesimal huruf kecil")
                }
            })?,
        };
        r.end()?;
        // The identifier reader forgives spaces and apostrophes in typed NIPs; a signed
        // statement has exactly one spelling, the one the registry wrote.
        if statement.encode() != text {
            return Err(StatementError::BadField {
                field: "nip",
                reason: "tidak dalam bentuk baku (hanya angka, tanpa spasi)".into(),
            });
        }
        Ok(statement)
    }
}

/// Reads an enrollment message back (for the audit, which checks that the key it names
/// is the key enrolled). Only the canonical bytes are accepted.
pub fn parse_enrollment_message(
    text: &str,
) -> Result<(Identifier, PublicKey, EnrollmentCode), StatementError> {
    let mut r = RecordReader::new(text, &[ENROLL_HEADER])?;
    let nip = r.parse("nip", Identifier::parse_any)?;
    let key = r.parse("public-key", PublicKey::from_base64)?;
    let code = r.parse("code", EnrollmentCode::parse)?;
    r.end()?;
    if enrollment_message(&nip, &key, &code) != text {
        return Err(StatementError::BadField {
            field: "nip",
            reason: "tidak dalam bentuk baku (hanya angka, tanpa spasi)".into(),
        });
    }
    Ok((nip, key, code))
}

fn is_nonce(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Statement {
        Statement {
            pledge_title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
            pledge_sha256: Sha256Hash::of(b"teks"),
            ceremony: CeremonyId::new(1).unwrap(),
            mode: SigningMode::Ceremony,
            subject: SubjectId::from_random([7; 16]),
            nip: Identifier::parse_any("198001012005011001").unwrap(),
            name: "Dr. Andi Wijaya, M.Si.".into(),
            position: "Kepala Dinas Pendidikan".into(),
            unit: "Dinas Pendidikan".into(),
            time: parse_time("2024-10-07T02:00:00Z").unwrap(),
            nonce: "0123456789abcdef0123456789abcdef".into(),
        }
    }

    #[test]
    fn statement_round_trips() {
        let s = sample();
        s.check_fields().unwrap();
        assert_eq!(Statement::parse(&s.encode()).unwrap(), s);
    }

    #[test]
    fn statement_starts_with_the_fixed_title_lines() {
        let text = sample().encode();
        assert!(text.starts_with("PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/statement/v1\n"));
        assert!(text.ends_with("nonce: 0123456789abcdef0123456789abcdef\n"));
    }

    #[test]
    fn multi_line_names_cannot_be_issued() {
        let mut s = sample();
        s.name = "Andi\nnip: 1".into();
        assert!(matches!(
            s.check_fields(),
            Err(StatementError::BadField { field: "name", .. })
        ));
    }

    #[test]
    fn edited_statements_do_not_parse_or_differ() {
        let text = sample().encode();
        assert!(Statement::parse(&text.replace("mode: ceremony", "mode: both")).is_err());
        assert!(Statement::parse(&text.replace('\n', "\r\n")).is_err());
        assert!(Statement::parse(&format!("{text}extra: 1\n")).is_err());
    }

    #[test]
    fn a_nip_with_spaces_is_not_the_statement_that_was_issued() {
        let text = sample().encode();
        let spaced = text.replace("nip: 198001012005011001", "nip: 19800101 200501 1 001");
        assert!(Statement::parse(&spaced).is_err());
    }

    #[test]
    fn enrollment_messages_read_back_only_in_canonical_form() {
        let key = PublicKey::from_bytes(
            &ed25519_dalek::SigningKey::from_bytes(&[5; 32])
                .verifying_key()
                .to_bytes(),
        )
        .unwrap();
        let nip = Identifier::parse_any("198001012005011001").unwrap();
        let code = EnrollmentCode::parse("0123-4567-WXYZ").unwrap();
        let text = enrollment_message(&nip, &key, &code);
        assert_eq!(parse_enrollment_message(&text).unwrap(), (nip, key, code));
        assert!(parse_enrollment_message(&text.replace("nip: 1980", "nip: '1980")).is_err());
    }

    #[test]
    fn enrollment_codes_have_one_printed_form() {
        let code = EnrollmentCode::from_symbols([0, 1, 2, 3, 4, 5, 6, 7, 28, 29, 30, 31]);
        assert_eq!(code.as_str(), "0123-4567-WXYZ");
        assert_eq!(EnrollmentCode::parse("0123-4567-WXYZ"), Ok(code));
        for bad in [
            "0123-4567-wxyz",
            "0123-4567-WXY",
            "01234567WXYZ",
            "0123-4567-WXYI",
        ] {
            assert!(EnrollmentCode::parse(bad).is_err(), "{bad}");
        }
    }
}
