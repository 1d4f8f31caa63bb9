//! Signing the pledge: the server issues a statement for one official (ceremony or
//! mandiri mode, whichever the ceremony's state allows), the official's device signs
//! its bytes unchanged, and the signature is accepted once, for a statement this
//! registry issued, unused and unexpired, whose facts still hold.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ceremonies::ceremony_in;
use super::enrollment::{parse_nip, unknown_official};
use super::{App, random};
use crate::domain::ceremony::{Refusal, is_late, signing_mode};
use crate::domain::crypto::{Sha256Hash, Signature};
use crate::domain::entry::{EntryBody, SigningMode};
use crate::domain::ids::CeremonyId;
use crate::domain::statement::Statement;
use crate::error::{Error, ErrorKind, Result};
use crate::store::IssuedStatement;

#[derive(Debug, Clone, Serialize)]
pub struct IssuedStatementView {
    pub statement: String,
    pub mode: &'static str,
    pub expires_at: DateTime<Utc>,
    pub sha256: String,
}

/// The body of `POST /api/signatures`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureRequest {
    pub statement: String,
    pub signature: String,
}

/// What an accepted signature returns: enough to find and check the entry later, and
/// the receipt file to keep.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedSignature {
    pub index: u64,
    pub entry_hash: String,
    pub statement_sha256: String,
    pub fingerprint: String,
    pub ceremony: u64,
    pub mode: &'static str,
    pub signed_at: DateTime<Utc>,
    /// A mandiri signature after the due date: accepted, and reported as late.
    pub late: bool,
    pub statement: String,
    pub signature: String,
    /// The receipt (`pakta/receipt/v1` with a c2sp.org/tlog-proof@v1), checkable offline.
    pub receipt: String,
}

fn not_issued() -> Error {
    Error::bad_request(
        "statement_not_issued",
        "Pernyataan ini tidak diterbitkan oleh registri ini, atau teksnya sudah berubah. Minta pernyataan baru dan tanda tangani tanpa mengubah satu karakter pun.",
    )
}

impl App {
    pub async fn issue_statement(
        &self,
        ceremony: CeremonyId,
        nip: &str,
    ) -> Result<IssuedStatementView> {
        let nip = parse_nip(nip)?;
        let now = self.now();
        let expires_at = now + self.config.statement_ttl;
        let nonce = hex::encode(random::<16>()?);
        self.store
            .write(move |w| {
                let c = ceremony_in(&w.db(), ceremony)?;
                let official = w.db().official_by_nip(&nip)?.ok_or_else(|| unknown_official(&nip))?;
                let facts = w.db().invitee_facts(ceremony, &official.subject)?;
                let mode = signing_mode(c.state, facts.as_ref())?;
                let key = w.db().active_key(&official.subject)?.ok_or(Refusal::NoKey)?;
                let pledge = w
                    .db()
                    .pledge(c.pledge_id)?
                    .ok_or_else(|| Error::internal("Pakta upacara tidak ditemukan."))?;
                let statement = Statement {
                    pledge_title: pledge.title,
                    pledge_sha256: pledge.sha256,
                    ceremony,
                    mode,
                    subject: official.subject,
                    nip: official.nip,
                    name: official.name,
                    position: official.position,
                    unit: official.opd_name,
                    time: now,
                    nonce,
                };
                statement.check_fields().map_err(|e| {
                    Error::conflict(
                        "roster_data_unsignable",
                        format!("{e}. Admin BKPSDM perlu memperbaiki data pegawai ini lalu mengimpor ulang."),
                    )
                })?;
                let text = statement.encode();
                let sha256 = Sha256Hash::of(text.as_bytes());
                w.insert_issued_statement(
                    &sha256,
                    &IssuedStatement {
                        text: text.clone(),
                        ceremony,
                        subject: official.subject,
                        mode,
                        fingerprint: key.fingerprint(),
                        expires_at,
                        used_idx: None,
                    },
                )?;
                Ok(IssuedStatementView {
                    statement: text,
                    mode: mode.as_str(),
                    expires_at,
                    sha256: sha256.to_hex(),
                })
            })
            .await
    }

    pub async fn submit_signature(&self, request: SignatureRequest) -> Result<AcceptedSignature> {
        let signature = Signature::from_base64("signature", &request.signature)
            .map_err(|e| Error::bad_request("invalid_signature", e.to_string()))?;
        let text = request.statement;
        let sha256 = Sha256Hash::of(text.as_bytes());
        let now = self.now();

        // Verify outside the writer so many signatures are checked in parallel; the
        // writer then re-checks only the facts that could have changed meanwhile.
        let (issued, key) = self
            .store
            .read(move |db| {
                let issued = db.issued_statement(&sha256)?.ok_or_else(not_issued)?;
                let key = db.active_key(&issued.subject)?;
                Ok((issued, key))
            })
            .await?;
        refuse_used_or_expired(&issued, now)?;
        let key = key
            .filter(|k| k.fingerprint() == issued.fingerprint)
            .ok_or_else(revoked_key)?;
        if !key.verify_strict(text.as_bytes(), &signature) {
            return Err(Error::bad_request(
                "signature_mismatch",
                "Tanda tangan tidak cocok dengan pernyataan ini dan kunci yang terdaftar untuk pegawai tersebut. Tanda tangani pernyataan persis seperti diterima, dengan kunci di perangkat Anda sendiri.",
            ));
        }

        let document = text.clone();
        let mut accepted = self
            .store
            .write(move |w| {
                let issued = w.db().issued_statement(&sha256)?.ok_or_else(not_issued)?;
                refuse_used_or_expired(&issued, now)?;
                let still_active = w.db().active_key(&issued.subject)?;
                if still_active.map(|k| k.fingerprint()) != Some(issued.fingerprint) {
                    return Err(revoked_key());
                }
                let ceremony = ceremony_in(&w.db(), issued.ceremony)?;
                let facts = w.db().invitee_facts(issued.ceremony, &issued.subject)?;
                let mode_now = signing_mode(ceremony.state, facts.as_ref())?;
                if mode_now != issued.mode {
                    return Err(Error::conflict(
                        "statement_mode_changed",
                        format!(
                            "Pernyataan ini untuk mode {}, tetapi upacara sekarang hanya menerima mode {}. Minta pernyataan baru.",
                            issued.mode.as_str(),
                            mode_now.as_str()
                        ),
                    ));
                }
                let official = w
                    .db()
                    .official_by_subject(&issued.subject)?
                    .ok_or_else(|| Error::internal("Pegawai pernyataan ini tidak ditemukan."))?;
                let entry = w.append(
                    now,
                    EntryBody::PledgeSigned {
                        ceremony: issued.ceremony,
                        subject: issued.subject,
                        mode: issued.mode,
                        statement_sha256: sha256,
                        fingerprint: issued.fingerprint,
                        signature,
                    },
                )?;
                w.insert_document(&sha256, "statement", &text)?;
                w.insert_signature(
                    &sha256,
                    issued.ceremony,
                    &issued.subject,
                    issued.mode,
                    &issued.fingerprint,
                    &official.opd_code,
                    entry.index,
                    now,
                )?;
                let late = issued.mode == SigningMode::Mandiri
                    && facts
                        .and_then(|f| f.mandiri_due)
                        .is_some_and(|due| is_late(due, now));
                Ok(AcceptedSignature {
                    index: entry.index,
                    entry_hash: entry.hash.to_hex(),
                    statement_sha256: sha256.to_hex(),
                    fingerprint: issued.fingerprint.to_hex(),
                    ceremony: issued.ceremony.get(),
                    mode: issued.mode.as_str(),
                    signed_at: now,
                    late,
                    statement: text,
                    signature: signature.to_base64(),
                    receipt: String::new(),
                })
            })
            .await?;
        accepted.receipt = self
            .receipt(accepted.index, key, signature, document)
            .await?;
        Ok(accepted)
    }
}

fn refuse_used_or_expired(issued: &IssuedStatement, now: DateTime<Utc>) -> Result<()> {
    if issued.used_idx.is_some() {
        return Err(Error::conflict(
            "statement_already_signed",
            "Pernyataan ini sudah ditandatangani dan tercatat; tanda tangan yang sama tidak diterima dua kali.",
        ));
    }
    if now > issued.expires_at {
        return Err(Error::new(
            ErrorKind::Expired,
            "statement_expired",
            "Pernyataan ini sudah kedaluwarsa. Minta pernyataan baru lalu tanda tangani segera.",
        ));
    }
    Ok(())
}

fn revoked_key() -> Error {
    Error::conflict(
        "key_revoked",
        "Kunci yang dipakai untuk pernyataan ini sudah dicabut karena pegawai mendaftarkan kunci baru. Minta pernyataan baru dan tanda tangani dengan kunci terbaru.",
    )
}
