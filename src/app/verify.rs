//! `POST /api/verify`: given a statement and a signature, or a receipt, says which
//! checks pass (the document's form, whether it is in the registry, whether the key was
//! enrolled and active when it signed, whether the signature verifies, and for a receipt
//! the inclusion proof and the log's signature on the checkpoint), what kind of entry it
//! is, and, for a pledge signature, who signed what and when. Only a pledge signature
//! whose every check passes is valid: a receipt of a key enrollment, or any other entry,
//! is reported as what it is, never as a signature.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::App;
use crate::domain::crypto::{Sha256Hash, Signature};
use crate::domain::entry::{Entry, SigningMode};
use crate::domain::receipt::{Check, Receipt, check};
use crate::domain::representation::{REPRESENTATION_TITLE, RepresentationStatement};
use crate::domain::statement::{Statement, StatementFormat, mode_words};
use crate::error::Result;
use crate::store::KeyRow;

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// True only for a pledge signature whose every check passed.
    pub valid: bool,
    /// The kind of the registry entry the document stands for (`pledge.signed`,
    /// `key.enrolled`, …), when one was found.
    pub kind: Option<&'static str>,
    pub checks: Vec<Check>,
    pub index: Option<u64>,
    /// Who signed what, when: set only when `valid`.
    pub signed: Option<SignedPledge>,
    /// For a representation signature (`representation.signed`) whose every other
    /// check passed: who signed on behalf of how many officials. `valid` stays false:
    /// it is not a pledge signature of anyone represented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representation: Option<RepresentationProof>,
}

/// What a representation receipt or statement proves, and no more.
#[derive(Debug, Clone, Serialize)]
pub struct RepresentationProof {
    /// "Tanda tangan perwakilan atas nama N pegawai".
    pub words: String,
    pub representative_name: String,
    pub representative_nip: String,
    pub ceremony: u64,
    pub pledge_title: String,
    /// How many officials the statement lists.
    pub represented: u64,
    pub recorded_at: DateTime<Utc>,
    pub recorded_at_local: String,
}

fn representation_proof(
    statement: &RepresentationStatement,
    recorded_at: DateTime<Utc>,
) -> RepresentationProof {
    RepresentationProof {
        words: format!(
            "Tanda tangan perwakilan atas nama {} pegawai",
            statement.represented.len()
        ),
        representative_name: statement.name.clone(),
        representative_nip: statement.nip.to_string(),
        ceremony: statement.ceremony.get(),
        pledge_title: statement.pledge_title.clone(),
        represented: statement.represented.len() as u64,
        recorded_at,
        recorded_at_local: statement.zone.format_indonesian(recorded_at),
    }
}

/// What a valid pledge signature proves, in the words a person reads.
#[derive(Debug, Clone, Serialize)]
pub struct SignedPledge {
    pub name: String,
    pub nip: String,
    pub position: String,
    pub unit: String,
    pub pledge_title: String,
    pub ceremony: u64,
    /// None when this registry does not hold the ceremony (it follows another's log).
    pub ceremony_title: Option<String>,
    /// `ceremony` (ikrar bersama) or `mandiri` (ikrar mandiri).
    pub mode: &'static str,
    /// "ikrar bersama" or "ikrar mandiri".
    pub mode_words: &'static str,
    /// When the registry recorded the signature (its entry's time), in UTC.
    pub recorded_at: DateTime<Utc>,
    /// The same time in the ceremony's zone, "Senin, 7 Oktober 2024 09.10 WIB".
    pub recorded_at_local: String,
    /// A mandiri signature recorded after its due date; None when this registry does
    /// not hold the ceremony's due date.
    pub late: Option<bool>,
    pub statement_format: &'static str,
}

/// The kinds of entry, as a person would name them.
pub fn kind_words(kind: &str) -> &'static str {
    match kind {
        "pledge.signed" => "tanda tangan pakta integritas",
        "key.enrolled" => "pendaftaran kunci tanda tangan",
        "key.revoked" => "pencabutan kunci tanda tangan",
        "pledge.published" => "penerbitan teks pakta",
        "ceremony.opened" => "pembukaan upacara",
        "attendance.recorded" => "pencatatan kehadiran",
        "ceremony.closed" => "penutupan upacara",
        "mandiri.assigned" => "pengalihan ke ikrar mandiri",
        "person.erased" => "penghapusan data pribadi",
        "representation.allowed" => "izin perwakilan dalam upacara",
        "representation.signed" => "tanda tangan perwakilan",
        "campaign.created" => "pembuatan kampanye",
        "recap.signed" => "rekap OPD ditandatangani Kepala OPD",
        _ => "entri yang tidak dikenal",
    }
}

/// The check that says whether what was shown is a pledge signature at all.
/// The checks of a signed document found in the registry: that `key` was active when
/// entry `index` was appended, and, when the signature could be read, that it verifies
/// strictly over `document`. `what` names the document in the words ("pernyataan",
/// "pernyataan perwakilan").
fn key_and_signature_checks(
    checks: &mut Vec<Check>,
    key: &KeyRow,
    fingerprint: &dyn std::fmt::Display,
    index: u64,
    document: &[u8],
    signature: Option<&Signature>,
    what: &str,
) {
    let active_then =
        key.enrolled_idx < index && key.revoked_idx.is_none_or(|revoked| revoked > index);
    let detail = if active_then {
        format!(
            "Kunci {fingerprint} didaftarkan di entri {} dan aktif saat penandatanganan.",
            key.enrolled_idx
        )
    } else {
        format!("Kunci {fingerprint} tidak aktif saat penandatanganan.")
    };
    checks.push(check("key_active_at_signing", active_then, detail));
    if let Some(signature) = signature {
        let ok = key.key.verify_strict(document, signature);
        checks.push(check(
            "signature",
            ok,
            if ok {
                format!("Tanda tangan Ed25519 sah (verifikasi ketat) atas {what} ini.")
            } else {
                "Tanda tangan tidak cocok dengan pernyataan dan kunci yang tercatat.".to_string()
            },
        ));
    }
}

fn kind_check(kind: &'static str) -> Check {
    if kind == "pledge.signed" {
        check(
            "kind",
            true,
            "Entri ini adalah tanda tangan pakta integritas.",
        )
    } else if kind == "representation.signed" {
        check(
            "kind",
            false,
            "Entri ini adalah tanda tangan perwakilan (representation.signed): seorang perwakilan menandatanganinya atas nama pegawai yang tercantum di pernyataannya. Ini bukan tanda tangan pakta integritas oleh pegawai yang diwakili.",
        )
    } else {
        check(
            "kind",
            false,
            format!(
                "Entri ini adalah {} ({kind}), bukan tanda tangan pakta integritas: ia tidak membuktikan bahwa seseorang menandatangani pakta.",
                kind_words(kind)
            ),
        )
    }
}

impl App {
    /// Who signed what, from the statement and the ceremony it names. A registry that
    /// follows another's log (a mirror, a copy for an audit) may not hold the
    /// ceremony: then its title and lateness are not claimed, and a v1 statement's time
    /// is shown in the instansi's zone.
    async fn signed_pledge(
        &self,
        statement: Statement,
        recorded_at: DateTime<Utc>,
    ) -> Result<SignedPledge> {
        let id = statement.ceremony;
        let ceremony = self.store.read(move |db| db.ceremony(id)).await?;
        let zone = match (statement.format, &ceremony) {
            (StatementFormat::V2 { zone }, _) => zone,
            (StatementFormat::V1, Some(c)) => c.zone,
            (StatementFormat::V1, None) => self.config.zone,
        };
        let late = ceremony.as_ref().map(|c| {
            statement.mode == SigningMode::Mandiri
                && c.mandiri_due.is_some_and(|due| recorded_at > due)
        });
        Ok(SignedPledge {
            name: statement.name,
            nip: statement.nip.to_string(),
            position: statement.position,
            unit: statement.unit,
            pledge_title: statement.pledge_title,
            ceremony: id.get(),
            ceremony_title: ceremony.map(|c| c.title),
            mode: statement.mode.as_str(),
            mode_words: mode_words(statement.mode),
            recorded_at,
            recorded_at_local: zone.format_indonesian(recorded_at),
            late,
            statement_format: statement.format.name(),
        })
    }

    pub async fn verify_signature(
        &self,
        statement: String,
        signature: String,
    ) -> Result<Verification> {
        if statement.starts_with(REPRESENTATION_TITLE) {
            return self.verify_representation(statement, signature).await;
        }
        let mut checks = Vec::new();
        let parsed = Statement::parse(&statement);
        checks.push(match &parsed {
            Ok(s) => check(
                "statement_format",
                true,
                format!(
                    "Pernyataan berformat {} untuk upacara {}, {}.",
                    s.format.name(),
                    s.ceremony,
                    mode_words(s.mode)
                ),
            ),
            Err(e) => check("statement_format", false, e.to_string()),
        });
        let signature = Signature::from_base64("signature", &signature);
        if let Err(e) = &signature {
            checks.push(check("signature_encoding", false, e.to_string()));
        }
        let sha256 = Sha256Hash::of(statement.as_bytes());
        let (entry, key) = self
            .store
            .read(move |db| {
                let entry = db.signature_by_statement(&sha256)?;
                let key = match &entry {
                    Some(e) => db.key(&e.fingerprint)?,
                    None => None,
                };
                Ok((entry, key))
            })
            .await?;

        checks.push(match &entry {
            Some(e) => check(
                "in_registry",
                true,
                format!("Tercatat di registri sebagai entri nomor {} (SHA-256 pernyataan {sha256}).", e.idx),
            ),
            None => check(
                "in_registry",
                false,
                format!("Tidak ada tanda tangan di registri untuk pernyataan dengan SHA-256 {sha256}. Periksa bahwa teksnya tidak berubah sedikit pun."),
            ),
        });
        if let (Some(e), Some(k)) = (&entry, &key) {
            key_and_signature_checks(
                &mut checks,
                k,
                &e.fingerprint,
                e.idx,
                statement.as_bytes(),
                signature.as_ref().ok(),
                "pernyataan",
            );
        }
        let valid = entry.is_some()
            && checks.iter().all(|c| c.ok)
            && checks.iter().any(|c| c.name == "signature");
        let signed = match (valid, parsed, &entry) {
            (true, Ok(statement), Some(e)) => Some(self.signed_pledge(statement, e.at).await?),
            _ => None,
        };
        Ok(Verification {
            valid,
            kind: entry.as_ref().map(|_| "pledge.signed"),
            checks,
            index: entry.map(|e| e.idx),
            signed,
            representation: None,
        })
    }
}

impl App {
    /// Checks a receipt offline against this registry's verifier key, and then against
    /// the log itself: the entry must be the one stored at its index.
    pub async fn verify_receipt(&self, text: String) -> Result<Verification> {
        let receipt = match Receipt::parse(&text) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Verification {
                    valid: false,
                    kind: None,
                    checks: vec![check("receipt_format", false, e.to_string())],
                    index: None,
                    signed: None,
                    representation: None,
                });
            }
        };
        let mut checks = receipt.verify(&self.log.vkey());
        let index = receipt.index;
        let stored = self
            .store
            .read(move |db| Ok(db.log_entries(index, 1)?.pop().filter(|e| e.index == index)))
            .await?;
        let matches = stored.is_some_and(|e| e.bytes == receipt.entry);
        checks.push(check(
            "in_registry",
            matches,
            if matches {
                format!("Entri nomor {index} di registri ini sama persis dengan entri pada tanda terima.")
            } else {
                format!("Registri ini tidak memuat entri tanda terima di nomor {index}.")
            },
        ));
        let entry = Entry::parse(&receipt.entry).ok();
        let kind = entry.as_ref().map(|e| e.body.kind());
        if let Some(kind) = kind {
            checks.push(kind_check(kind));
        }
        let valid = kind == Some("pledge.signed") && checks.iter().all(|c| c.ok);
        let representation = match (&entry, RepresentationStatement::parse(&receipt.document)) {
            (Some(e), Ok(statement))
                if kind == Some("representation.signed")
                    && checks.iter().filter(|c| c.name != "kind").all(|c| c.ok) =>
            {
                Some(representation_proof(&statement, e.time))
            }
            _ => None,
        };
        let signed = match (valid, entry, Statement::parse(&receipt.document)) {
            (true, Some(entry), Ok(statement)) => {
                Some(self.signed_pledge(statement, entry.time).await?)
            }
            _ => None,
        };
        Ok(Verification {
            valid,
            kind,
            checks,
            index: Some(index),
            signed,
            representation,
        })
    }
}

impl App {
    /// `POST /api/verify` with a representation statement and its signature: the same
    /// checks as for a pledge statement, against the `representation.signed` entry.
    /// Never `valid` (that is for pledge signatures); when every check passes, says what
    /// was proven: a representation signature on behalf of N officials.
    async fn verify_representation(
        &self,
        statement: String,
        signature: String,
    ) -> Result<Verification> {
        let mut checks = Vec::new();
        let parsed = RepresentationStatement::parse(&statement);
        checks.push(match &parsed {
            Ok(s) => check(
                "statement_format",
                true,
                format!(
                    "Pernyataan perwakilan pakta/perwakilan/v1 untuk upacara {} atas nama {} pegawai.",
                    s.ceremony,
                    s.represented.len()
                ),
            ),
            Err(e) => check("statement_format", false, e.to_string()),
        });
        let signature = Signature::from_base64("signature", &signature);
        if let Err(e) = &signature {
            checks.push(check("signature_encoding", false, e.to_string()));
        }
        let sha256 = Sha256Hash::of(statement.as_bytes());
        let (row, key) = self
            .store
            .read(move |db| {
                let row = db.representation_by_statement(&sha256)?;
                let key = match &row {
                    Some(r) => db.key(&r.fingerprint)?,
                    None => None,
                };
                Ok((row, key))
            })
            .await?;
        checks.push(match &row {
            Some(r) => check(
                "in_registry",
                true,
                format!("Tercatat di registri sebagai entri nomor {} (SHA-256 pernyataan perwakilan {sha256}).", r.idx),
            ),
            None => check(
                "in_registry",
                false,
                format!("Tidak ada tanda tangan perwakilan di registri untuk pernyataan dengan SHA-256 {sha256}. Periksa bahwa teksnya tidak berubah sedikit pun."),
            ),
        });
        if let (Some(r), Some(k)) = (&row, &key) {
            key_and_signature_checks(
                &mut checks,
                k,
                &r.fingerprint,
                r.idx,
                statement.as_bytes(),
                signature.as_ref().ok(),
                "pernyataan perwakilan",
            );
        }
        let proven = row.is_some()
            && checks.iter().all(|c| c.ok)
            && checks.iter().any(|c| c.name == "signature");
        checks.push(kind_check("representation.signed"));
        let representation = match (proven, &parsed, &row) {
            (true, Ok(s), Some(r)) => Some(representation_proof(s, r.at)),
            _ => None,
        };
        Ok(Verification {
            valid: false,
            kind: row.as_ref().map(|_| "representation.signed"),
            checks,
            index: row.map(|r| r.idx),
            signed: None,
            representation,
        })
    }
}
