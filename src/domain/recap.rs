//! The recap a head of OPD countersigns for a campaign (`pakta/rekap/v1`, FORMATS §6.4):
//! the unit's counts and the SHA-256 of the list of who signed and who did not, signed
//! with the head's own enrolled key. Also the request the head's device signs to ask for
//! it (`pakta/rekap-request/v1`), the canonical list itself, and the seal by which the
//! registry recognises a recap it issued without storing it (the mechanism of the
//! statement seal, FORMATS §6.2, under its own context string).
//!
//! Pure: the caller gathers the counts and the list, and passes the time and secret.

use chrono::{DateTime, Utc};

use super::crypto::{KeyFingerprint, Sha256Hash};
use super::identifier::{Identifier, OpdCode};
use super::ids::{CampaignId, SubjectId};
use super::record::{
    RecordError, RecordReader, RecordWriter, clean_value, format_time, parse_time,
};
use super::signing_protocol::{
    PLACEHOLDER_NONCE, REQUEST_WINDOW, document_seal, is_document_sealed,
};

pub const RECAP_TITLE: &str = "REKAPITULASI PAKTA INTEGRITAS NETRALITAS ASN";
pub const RECAP_FORMAT: &str = "format: pakta/rekap/v1";
pub const RECAP_REQUEST_HEADER: &str = "pakta/rekap-request/v1";

/// Domain separation: the recap seal uses the registry's statement-seal secret, so its
/// MAC must never be mistaken for a statement's.
const RECAP_SEAL_CONTEXT: &[u8] = b"pakta/rekap-seal/v1\n";

/// What a head's device signs to ask for the recap of their unit:
///
/// ```text
/// pakta/rekap-request/v1
/// campaign: <campaign id>
/// opd: <OPD code>
/// nip: <the head's identifier>
/// time: <RFC 3339 UTC, seconds>
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecapRequest {
    pub campaign: CampaignId,
    pub opd: OpdCode,
    pub nip: Identifier,
    pub time: DateTime<Utc>,
}

impl RecapRequest {
    pub fn encode(&self) -> String {
        RecordWriter::new(&[RECAP_REQUEST_HEADER])
            .field("campaign", self.campaign.to_string())
            .field("opd", self.opd.as_str())
            .field("nip", self.nip.as_str())
            .field("time", format_time(self.time))
            .finish()
    }

    /// Only the canonical bytes; `None` for anything else, since every failed proof is
    /// answered alike.
    pub fn parse(text: &str) -> Option<RecapRequest> {
        let read = || -> Result<RecapRequest, RecordError> {
            let mut r = RecordReader::new(text, &[RECAP_REQUEST_HEADER])?;
            let request = RecapRequest {
                campaign: r.parse("campaign", CampaignId::parse)?,
                opd: r.parse("opd", OpdCode::parse)?,
                nip: r.parse("nip", Identifier::parse_any)?,
                time: r.parse("time", parse_time)?,
            };
            r.end()?;
            Ok(request)
        };
        read().ok().filter(|request| request.encode() == text)
    }

    /// Within 10 minutes of the registry's clock, as statement requests.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        (self.time - now).abs() <= REQUEST_WINDOW
    }
}

/// The counts of one unit for one campaign, as the recap states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecapCounts {
    pub invited: u64,
    pub signed: u64,
    pub represented: u64,
    pub not_signed: u64,
}

/// The recap statement a head of OPD signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecapStatement {
    pub campaign: CampaignId,
    pub campaign_title: String,
    pub opd: OpdCode,
    pub opd_name: String,
    pub counts: RecapCounts,
    /// SHA-256 of the canonical list ([`recap_list`]).
    pub list_sha256: Sha256Hash,
    pub head_nip: Identifier,
    pub head_name: String,
    pub head_subject: SubjectId,
    pub time: DateTime<Utc>,
    /// The seal: 32 lowercase hex characters.
    pub nonce: String,
}

/// Why a text is not a recap statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecapError {
    #[error("rekap tidak sesuai format pakta/rekap/v1: {0}")]
    Format(#[from] RecordError),
    #[error("rekap tidak dapat dibuat: nilai '{field}' {reason}")]
    BadField { field: &'static str, reason: String },
    #[error(
        "jumlah dalam rekap tidak cocok: diundang harus sama dengan yang sudah, diwakili dan belum menandatangani"
    )]
    CountsDisagree,
    #[error("rekap tidak dalam bentuk kanonik")]
    NotCanonical,
}

fn parse_count(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|v| v.to_string() == text)
        .ok_or_else(|| format!("'{text}' bukan bilangan desimal kanonik"))
}

impl RecapStatement {
    /// Free-text fields can be written, the nonce is in form, the counts add up.
    pub fn check_fields(&self) -> Result<(), RecapError> {
        for (field, value) in [
            ("judul-kampanye", &self.campaign_title),
            ("nama-opd", &self.opd_name),
            ("nama-kepala", &self.head_name),
        ] {
            clean_value(value).map_err(|reason| RecapError::BadField { field, reason })?;
        }
        let nonce_ok = self.nonce.len() == 32
            && self
                .nonce
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !nonce_ok {
            return Err(RecapError::BadField {
                field: "segel",
                reason: "harus 32 karakter heksadesimal huruf kecil".into(),
            });
        }
        let c = self.counts;
        if c.signed + c.represented + c.not_signed != c.invited {
            return Err(RecapError::CountsDisagree);
        }
        Ok(())
    }

    pub fn encode(&self) -> String {
        RecordWriter::new(&[RECAP_TITLE, RECAP_FORMAT])
            .field("kampanye", self.campaign.to_string())
            .field("judul-kampanye", &self.campaign_title)
            .field("kode-opd", self.opd.as_str())
            .field("nama-opd", &self.opd_name)
            .field("diundang", self.counts.invited.to_string())
            .field("sudah-tanda-tangan", self.counts.signed.to_string())
            .field("diwakili", self.counts.represented.to_string())
            .field("belum-tanda-tangan", self.counts.not_signed.to_string())
            .field("sha256-daftar", self.list_sha256.to_hex())
            .field("nip-kepala", self.head_nip.as_str())
            .field("nama-kepala", &self.head_name)
            .field("subjek-kepala", self.head_subject.to_hex())
            .field("waktu-utc", format_time(self.time))
            .field("segel", &self.nonce)
            .finish()
    }

    /// Reads a recap; only the canonical form, whose counts add up.
    pub fn parse(text: &str) -> Result<RecapStatement, RecapError> {
        let mut r = RecordReader::new(text, &[RECAP_TITLE, RECAP_FORMAT])?;
        let recap = RecapStatement {
            campaign: r.parse("kampanye", CampaignId::parse)?,
            campaign_title: r.text("judul-kampanye")?,
            opd: r.parse("kode-opd", OpdCode::parse)?,
            opd_name: r.text("nama-opd")?,
            counts: RecapCounts {
                invited: r.parse("diundang", parse_count)?,
                signed: r.parse("sudah-tanda-tangan", parse_count)?,
                represented: r.parse("diwakili", parse_count)?,
                not_signed: r.parse("belum-tanda-tangan", parse_count)?,
            },
            list_sha256: r.parse("sha256-daftar", |t| {
                Sha256Hash::parse_hex("sha256-daftar", t)
            })?,
            head_nip: r.parse("nip-kepala", Identifier::parse_any)?,
            head_name: r.text("nama-kepala")?,
            head_subject: r.parse("subjek-kepala", SubjectId::parse)?,
            time: r.parse("waktu-utc", parse_time)?,
            nonce: r.text("segel")?,
        };
        r.end()?;
        recap.check_fields()?;
        if recap.encode() != text {
            return Err(RecapError::NotCanonical);
        }
        Ok(recap)
    }
}

/// Checks the recap can be written, then sets its nonce (`segel`) to the seal
/// ([`document_seal`] with the context `pakta/rekap-seal/v1\n`).
pub fn seal_recap(
    secret: &[u8; 32],
    fingerprint: &KeyFingerprint,
    recap: &mut RecapStatement,
) -> Result<(), RecapError> {
    recap.nonce = PLACEHOLDER_NONCE.into();
    recap.check_fields()?;
    recap.nonce = document_seal(secret, RECAP_SEAL_CONTEXT, fingerprint, &recap.encode());
    Ok(())
}

/// Whether `recap` was issued by the registry holding `secret` for the key with
/// `fingerprint`.
pub fn is_recap_sealed(
    secret: &[u8; 32],
    fingerprint: &KeyFingerprint,
    recap: &RecapStatement,
) -> bool {
    let encoded = RecapStatement {
        nonce: PLACEHOLDER_NONCE.into(),
        ..recap.clone()
    }
    .encode();
    is_document_sealed(
        secret,
        RECAP_SEAL_CONTEXT,
        fingerprint,
        &encoded,
        &recap.nonce,
    )
}

/// The canonical list of who signed and who did not (FORMATS §6.4.1): one line per
/// invitee of the unit, `<identifier> <word>` with the word `signed`, `represented` or
/// `not-signed`, each ending in LF, sorted by identifier (byte order). Each identifier
/// appears once.
pub fn recap_list(rows: &[(Identifier, &'static str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = rows.iter().map(|(n, w)| (n.as_str(), *w)).collect();
    sorted.sort();
    sorted.dedup_by(|a, b| a.0 == b.0);
    let mut text = String::with_capacity(sorted.len() * 30);
    for (nip, word) in sorted {
        text.push_str(nip);
        text.push(' ');
        text.push_str(word);
        text.push('\n');
    }
    text
}

/// The counts a canonical list states, or why it is not one: the audit checks a kept
/// list against the recap that names it.
pub fn count_recap_list(text: &str) -> Result<RecapCounts, String> {
    let mut counts = RecapCounts::default();
    let mut previous: Option<&str> = None;
    if !text.ends_with('\n') || text.contains('\r') {
        return Err("the list must end in LF and hold no CR".into());
    }
    for line in text[..text.len() - 1].split('\n') {
        let (nip, word) = line
            .split_once(' ')
            .ok_or_else(|| format!("line '{line}' is not '<identifier> <word>'"))?;
        Identifier::parse_any(nip)
            .ok()
            .filter(|i| i.as_str() == nip)
            .ok_or_else(|| format!("'{nip}' is not a canonical identifier"))?;
        if previous.is_some_and(|p| p >= nip) {
            return Err(format!("'{nip}' is out of order or repeated"));
        }
        previous = Some(nip);
        match word {
            "signed" => counts.signed += 1,
            "represented" => counts.represented += 1,
            "not-signed" => counts.not_signed += 1,
            other => {
                return Err(format!(
                    "'{other}' is not signed, represented or not-signed"
                ));
            }
        }
        counts.invited += 1;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crypto::PublicKey;

    fn nip(text: &str) -> Identifier {
        Identifier::parse_any(text).unwrap()
    }

    fn recap() -> RecapStatement {
        RecapStatement {
            campaign: CampaignId::new(1).unwrap(),
            campaign_title: "Pilkada Serentak 2024".into(),
            opd: OpdCode::parse("DISDIK").unwrap(),
            opd_name: "Dinas Pendidikan".into(),
            counts: RecapCounts {
                invited: 2,
                signed: 1,
                represented: 0,
                not_signed: 1,
            },
            list_sha256: Sha256Hash::of(b"list"),
            head_nip: nip("198001012005011001"),
            head_name: "Andi Wijaya, S.Pd.".into(),
            head_subject: SubjectId::from_random([1; 16]),
            time: parse_time("2024-10-15T02:00:00Z").unwrap(),
            nonce: "000102030405060708090a0b0c0d0e0f".into(),
        }
    }

    fn fingerprint(seed: u8) -> KeyFingerprint {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        PublicKey::from_bytes(&key.verifying_key().to_bytes())
            .unwrap()
            .fingerprint()
    }

    #[test]
    fn a_recap_reads_back_and_refuses_counts_that_do_not_add_up() {
        let r = recap();
        let text = r.encode();
        assert_eq!(RecapStatement::parse(&text), Ok(r));
        let wrong = text.replace("diundang: 2", "diundang: 3");
        assert_eq!(
            RecapStatement::parse(&wrong),
            Err(RecapError::CountsDisagree)
        );
        assert!(RecapStatement::parse(&text.replace("diwakili: 0", "diwakili: 00")).is_err());
    }

    #[test]
    fn the_recap_seal_binds_every_byte_and_the_key() {
        let secret = [7; 32];
        let mut r = recap();
        seal_recap(&secret, &fingerprint(2), &mut r).unwrap();
        assert!(is_recap_sealed(&secret, &fingerprint(2), &r));
        assert!(!is_recap_sealed(&secret, &fingerprint(1), &r));
        assert!(!is_recap_sealed(&[8; 32], &fingerprint(2), &r));
        let mut altered = r.clone();
        altered.counts.signed = 2;
        altered.counts.not_signed = 0;
        assert!(!is_recap_sealed(&secret, &fingerprint(2), &altered));
    }

    #[test]
    fn the_list_is_sorted_by_identifier_and_counted_back() {
        let text = recap_list(&[
            (nip("199003032021211003"), "not-signed"),
            (nip("198001012005011001"), "signed"),
            (nip("3201014501900001"), "represented"),
        ]);
        assert_eq!(
            text,
            "198001012005011001 signed\n199003032021211003 not-signed\n3201014501900001 represented\n"
        );
        assert_eq!(
            count_recap_list(&text),
            Ok(RecapCounts {
                invited: 3,
                signed: 1,
                represented: 1,
                not_signed: 1
            })
        );
        let swapped = "199003032021211003 not-signed\n198001012005011001 signed\n";
        assert!(count_recap_list(swapped).is_err());
        assert!(count_recap_list("198001012005011001 signed").is_err());
    }

    #[test]
    fn requests_parse_only_in_their_canonical_form() {
        let request = RecapRequest {
            campaign: CampaignId::new(1).unwrap(),
            opd: OpdCode::parse("DISDIK").unwrap(),
            nip: nip("198001012005011001"),
            time: parse_time("2024-10-15T02:00:00Z").unwrap(),
        };
        let text = request.encode();
        assert_eq!(
            text,
            "pakta/rekap-request/v1\ncampaign: 1\nopd: DISDIK\nnip: 198001012005011001\ntime: 2024-10-15T02:00:00Z\n"
        );
        assert_eq!(RecapRequest::parse(&text), Some(request));
        assert_eq!(
            RecapRequest::parse(&text.replace("opd: DISDIK", "opd: disdik")),
            None
        );
    }
}
