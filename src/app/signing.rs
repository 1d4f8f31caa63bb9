//! Signing the pledge, protocol version 2 (DESIGN.md, "Signing protocol, version 2").
//!
//! 1. The official's device asks for its statement with a statement request signed by
//!    the official's active key. Until that proof holds, every failure gets the same
//!    401, so a stranger learns nothing about whether a person is on the roster,
//!    invited, present, enrolled or has signed.
//! 2. The registry issues the statement without writing anything: the nonce seals it
//!    (see [`crate::domain::signing_protocol`]).
//! 3. The device signs the statement's bytes unchanged. The registry recognises the
//!    seal, checks the facts again inside the writer, and appends the signature once per
//!    official and ceremony. The statement is kept, beside the log, only once signed.
//! 4. The same statement and signature sent again (a phone that lost the reply) get the
//!    original receipt.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::App;
use super::campaigns::already_signed_in_campaign;
use super::ceremonies::ceremony_in;
use crate::domain::ceremony::{is_late, signing_mode};
use crate::domain::crypto::{PublicKey, Sha256Hash, Signature};
use crate::domain::entry::{Entry, EntryBody, SigningMode};
use crate::domain::identifier::Identifier;
use crate::domain::ids::{CampaignId, CeremonyId, SubjectId};
use crate::domain::merkle;
use crate::domain::receipt::Receipt;
use crate::domain::signing_protocol::{StatementRequest, is_sealed, seal};
use crate::domain::statement::{Statement, StatementFormat};
use crate::error::{Error, ErrorKind, Result};
use crate::store::{Db, Official, SignatureRow, WriteTx};

#[derive(Debug, Clone, Serialize)]
pub struct IssuedStatementView {
    pub statement: String,
    pub mode: &'static str,
    pub expires_at: DateTime<Utc>,
    pub sha256: String,
}

/// The body of `POST /api/ceremonies/{id}/statement`. Both fields are optional and
/// unknown fields are ignored, so the v1 body `{"nip"}` is refused like any other
/// failed proof rather than as a malformed request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatementRequestBody {
    pub request: Option<String>,
    pub signature: Option<String>,
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

/// A submitted signature: appended now, or accepted before (a retry).
#[derive(Debug, Clone)]
pub enum Submitted {
    Appended(AcceptedSignature),
    AlreadyAccepted(AcceptedSignature),
}

/// The one answer to every failed statement-request proof.
fn not_authenticated() -> Error {
    Error::new(
        ErrorKind::Unauthorized,
        "request_not_authenticated",
        "Permintaan pernyataan tidak dapat dibuktikan berasal dari pemilik NIP ini. Buka halaman tanda tangan di perangkat tempat Anda mendaftarkan kunci (atau gunakan `pakta pledge` dengan berkas kunci Anda), pastikan jam perangkat benar, lalu coba lagi.",
    )
}

fn not_issued() -> Error {
    Error::bad_request(
        "statement_not_issued",
        "Pernyataan ini tidak diterbitkan oleh registri ini, atau teksnya sudah berubah. Minta pernyataan baru dan tanda tangani tanpa mengubah satu karakter pun.",
    )
}

fn revoked_key() -> Error {
    Error::conflict(
        "key_revoked",
        "Kunci yang dipakai untuk pernyataan ini sudah dicabut karena pegawai mendaftarkan kunci baru. Minta pernyataan baru dan tanda tangani dengan kunci terbaru.",
    )
}

fn expired() -> Error {
    Error::new(
        ErrorKind::Expired,
        "statement_expired",
        "Pernyataan ini sudah kedaluwarsa. Minta pernyataan baru lalu tanda tangani segera.",
    )
}

fn mismatch() -> Error {
    Error::bad_request(
        "signature_mismatch",
        "Tanda tangan tidak cocok dengan pernyataan ini dan kunci yang terdaftar untuk pegawai tersebut. Tanda tangani pernyataan persis seperti diterima, dengan kunci di perangkat Anda sendiri.",
    )
}

impl App {
    /// Who made a request an official's device signed to ask for a document (a
    /// statement, a representation statement, a recap): the official and their active
    /// key, once `signature` over the request's exact `text` verifies strictly under that
    /// key. `request` is the request as parsed, only if it was canonical, fresh and for
    /// this route. Every failure (no request, bad base64, an unknown NIP, no active key,
    /// another key) is answered with `refused()`, alike in words and in cost, so a
    /// stranger learns nothing about a person (signing protocol v2).
    pub(super) async fn prove_request<R>(
        &self,
        text: &str,
        request: Option<R>,
        signature: Option<String>,
        nip_of: impl FnOnce(&R) -> Identifier,
        refused: fn() -> Error,
    ) -> Result<(R, Official, PublicKey)> {
        let signature = signature.and_then(|s| Signature::from_base64("signature", &s).ok());
        let (Some(request), Some(signature)) = (request, signature) else {
            return Err(refused());
        };
        let nip = nip_of(&request);
        let found = self
            .store
            .read(move |db| db.official_with_active_key(&nip))
            .await?;
        let proved = proves_holder(
            found.as_ref().map(|(_, key)| key),
            text.as_bytes(),
            &signature,
        );
        let Some((official, key)) = found.filter(|_| proved) else {
            return Err(refused());
        };
        Ok((request, official, key))
    }
}

/// Whether `signature` over `message` verifies under `key`. Without a key (an unknown
/// NIP, an official who never enrolled) it verifies against a key nobody holds, so that
/// answer costs what a wrong signature costs and timing does not tell them apart either.
pub(super) fn proves_holder(
    key: Option<&PublicKey>,
    message: &[u8],
    signature: &Signature,
) -> bool {
    static DECOY: LazyLock<PublicKey> = LazyLock::new(|| {
        let key = ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32]);
        PublicKey::from_bytes(&key.verifying_key().to_bytes())
            .expect("a key made from a seed is never weak")
    });
    match key {
        Some(key) => key.verify_strict(message, signature),
        None => {
            let _same_cost = DECOY.verify_strict(message, signature);
            false
        }
    }
}

/// Where a submitted statement stands before the writer sees it.
enum Precheck {
    /// Signed before: the row of its signature.
    Accepted(SignatureRow),
    /// Sealed by this registry for the official's active key.
    Sealed(PublicKey),
    /// Sealed for a key the official has since replaced.
    ForReplacedKey,
    /// Not a statement this registry issued, or altered since.
    NotIssued,
}

impl App {
    /// Issues a statement to whoever proves, with a signed statement request, to hold
    /// the official's active key. Writes nothing.
    pub async fn issue_statement(
        &self,
        ceremony: CeremonyId,
        body: StatementRequestBody,
    ) -> Result<IssuedStatementView> {
        let now = self.now();
        let text = body.request.unwrap_or_default();
        let request =
            StatementRequest::parse(&text).filter(|r| r.ceremony == ceremony && r.is_fresh(now));
        let (_, official, key) = self
            .prove_request(
                &text,
                request,
                body.signature,
                |r| r.nip.clone(),
                not_authenticated,
            )
            .await?;

        // Proved: from here on the refusals only tell the official about themself.
        let subject = official.subject;
        let (c, facts, pledge) = self
            .store
            .read(move |db| {
                let c = ceremony_in(db, ceremony)?;
                refuse_second_in_campaign(db, ceremony, &subject)?;
                let facts = db.invitee_facts(ceremony, &subject)?;
                let pledge = db
                    .pledge(c.pledge_id)?
                    .ok_or_else(|| Error::internal("Pakta upacara tidak ditemukan."))?;
                Ok((c, facts, pledge))
            })
            .await?;
        let mode = signing_mode(c.state, facts.as_ref())?;
        let mut statement = Statement {
            format: StatementFormat::V2 { zone: c.zone },
            pledge_title: pledge.title,
            pledge_sha256: pledge.sha256,
            ceremony,
            mode,
            subject,
            nip: official.nip,
            name: official.name,
            position: official.position,
            unit: official.opd_name,
            time: now,
            nonce: String::new(),
        };
        seal(&self.secrets.statement, &key.fingerprint(), &mut statement).map_err(|e| {
            Error::conflict(
                "roster_data_unsignable",
                format!(
                    "{e}. Admin BKPSDM perlu memperbaiki data pegawai ini lalu mengimpor ulang."
                ),
            )
        })?;
        let text = statement.encode();
        Ok(IssuedStatementView {
            sha256: Sha256Hash::of(text.as_bytes()).to_hex(),
            statement: text,
            mode: mode.as_str(),
            expires_at: now + self.config.statement_ttl,
        })
    }

    /// Accepts a signature over a statement this registry issued, once; the same
    /// statement and signature again get the original receipt.
    pub async fn submit_signature(&self, request: SignatureRequest) -> Result<Submitted> {
        let signature = Signature::from_base64("signature", &request.signature)
            .map_err(|e| Error::bad_request("invalid_signature", e.to_string()))?;
        let text = request.statement;
        let statement = Statement::parse(&text).map_err(|_| not_issued())?;
        let sha256 = Sha256Hash::of(text.as_bytes());
        let subject = statement.subject;
        let secret = self.secrets.statement;
        let sealed = statement.clone();
        let precheck = self
            .store
            .read(move |db| {
                if let Some(row) = db.signature_by_statement(&sha256)? {
                    return Ok(Precheck::Accepted(row));
                }
                let active = db.active_key(&subject)?;
                if let Some(key) = active.filter(|k| is_sealed(&secret, &k.fingerprint(), &sealed))
                {
                    return Ok(Precheck::Sealed(key));
                }
                // Rare: say why when it was sealed for a key the official has replaced.
                let for_replaced_key = db
                    .keys_of_subject(&subject)?
                    .iter()
                    .any(|k| is_sealed(&secret, &k.fingerprint(), &sealed));
                Ok(if for_replaced_key {
                    Precheck::ForReplacedKey
                } else {
                    Precheck::NotIssued
                })
            })
            .await?;
        let key = match precheck {
            Precheck::Accepted(row) => return self.accepted_again(row, text, signature).await,
            Precheck::Sealed(key) => key,
            Precheck::ForReplacedKey => return Err(revoked_key()),
            Precheck::NotIssued => return Err(not_issued()),
        };
        if self.now() > statement.time + self.config.statement_ttl {
            return Err(expired());
        }
        // Verified here, off the writer, so many signatures are checked in parallel; the
        // writer then re-checks only the facts that could have changed meanwhile.
        if !key.verify_strict(text.as_bytes(), &signature) {
            return Err(mismatch());
        }

        let ttl = self.config.statement_ttl;
        let document = text.clone();
        let publisher = self.publisher.clone();
        // With witnesses the receipt waits for a cosigned checkpoint, of a size the writer
        // does not know yet: it is proved after that wait, not here.
        let prove_in_writer = self.witnessing.is_none();
        let outcome = self
            .store
            .write_then(
                move |w| {
                    if let Some(row) = w.db().signature_by_statement(&sha256)? {
                        // A retry that overtook its own first attempt in the queue.
                        return Ok(Err(row));
                    }
                    append_signature(w, statement, sha256, key, signature, text, ttl).map(Ok)
                },
                // Once the batch is durable and its checkpoint signed, the writer proves
                // each entry of the batch from the nodes it just made: no read per receipt.
                move |outcome, committed| match outcome {
                    Err(row) => Ok(Err(row)),
                    Ok((accepted, _)) if !prove_in_writer => Ok(Ok((accepted, None))),
                    Ok((accepted, entry)) => {
                        let checkpoint = publisher.current();
                        if checkpoint.size <= accepted.index {
                            return Err(not_yet_in_checkpoint());
                        }
                        let proof = merkle::inclusion_proof(
                            accepted.index,
                            checkpoint.size,
                            &mut |l, i| committed.subtree(l, i),
                        )?;
                        Ok(Ok((accepted, Some((entry, proof, checkpoint.note)))))
                    }
                },
            )
            .await?;
        match outcome {
            Ok((mut accepted, Some((entry, proof, checkpoint)))) => {
                accepted.receipt = Receipt {
                    key,
                    signature,
                    document,
                    entry,
                    index: accepted.index,
                    proof,
                    checkpoint,
                }
                .encode();
                Ok(Submitted::Appended(accepted))
            }
            Ok((mut accepted, None)) => {
                accepted.receipt = self
                    .receipt(accepted.index, key, signature, document)
                    .await?;
                Ok(Submitted::Appended(accepted))
            }
            Err(row) => self.accepted_again(row, document, signature).await,
        }
    }

    /// The answer to a statement signed before: its original receipt when the signature
    /// is the one accepted, a refusal otherwise.
    async fn accepted_again(
        &self,
        row: SignatureRow,
        text: String,
        signature: Signature,
    ) -> Result<Submitted> {
        let (entry, entry_hash, key, late) =
            self.store.read(move |db| accepted_entry(db, &row)).await?;
        let EntryBody::PledgeSigned {
            signature: accepted,
            statement_sha256,
            ceremony,
            mode,
            ..
        } = entry.body
        else {
            return Err(Error::internal(format!(
                "Entri {} bukan tanda tangan pakta.",
                entry.index
            )));
        };
        if accepted != signature {
            return Err(Error::conflict(
                "statement_already_signed",
                "Pernyataan ini sudah ditandatangani dan tercatat dengan tanda tangan lain; tanda tangan yang sama tidak diterima dua kali.",
            ));
        }
        let receipt = self
            .receipt(entry.index, key, signature, text.clone())
            .await?;
        Ok(Submitted::AlreadyAccepted(AcceptedSignature {
            index: entry.index,
            entry_hash: entry_hash.to_hex(),
            statement_sha256: statement_sha256.to_hex(),
            fingerprint: key.fingerprint().to_hex(),
            ceremony: ceremony.get(),
            mode: mode.as_str(),
            signed_at: entry.time,
            late,
            statement: text,
            signature: signature.to_base64(),
            receipt,
        }))
    }
}

/// Appends a verified signature inside the writer, after checking again every fact that
/// may have changed since the statement was issued: the key still active, the statement
/// not expired, the ceremony and the official's standing in it, one signature per
/// campaign. Returns the answer (its receipt still empty) and the entry's bytes.
fn append_signature(
    w: &mut WriteTx<'_>,
    statement: Statement,
    sha256: Sha256Hash,
    key: PublicKey,
    signature: Signature,
    text: String,
    ttl: chrono::Duration,
) -> Result<(AcceptedSignature, Vec<u8>)> {
    if w.db()
        .active_key(&statement.subject)?
        .map(|k| k.fingerprint())
        != Some(key.fingerprint())
    {
        return Err(revoked_key());
    }
    if w.now() > statement.time + ttl {
        return Err(expired());
    }
    let ceremony = ceremony_in(&w.db(), statement.ceremony)?;
    // Checked here, in the one writer, so two ceremonies of a campaign signed at once
    // still give each official exactly one signature.
    let campaign = refuse_second_in_campaign(&w.db(), statement.ceremony, &statement.subject)?;
    let facts = w
        .db()
        .invitee_facts(statement.ceremony, &statement.subject)?;
    let mode_now = signing_mode(ceremony.state, facts.as_ref())?;
    if mode_now != statement.mode {
        return Err(Error::conflict(
            "statement_mode_changed",
            format!(
                "Pernyataan ini untuk mode {}, tetapi upacara sekarang hanya menerima mode {}. Minta pernyataan baru.",
                statement.mode.as_str(),
                mode_now.as_str()
            ),
        ));
    }
    let official = w
        .db()
        .official_by_subject(&statement.subject)?
        .ok_or_else(|| Error::internal("Pegawai pernyataan ini tidak ditemukan."))?;
    let fingerprint = key.fingerprint();
    let entry = w.append_not_before(
        Some(statement.time),
        EntryBody::PledgeSigned {
            ceremony: statement.ceremony,
            subject: statement.subject,
            mode: statement.mode,
            statement_sha256: sha256,
            fingerprint,
            signature,
        },
    )?;
    w.insert_document(&sha256, "statement", &text)?;
    if let Some(campaign) = campaign {
        w.insert_campaign_signature(
            campaign,
            &statement.subject,
            statement.ceremony,
            entry.index,
        )?;
    }
    w.insert_signature(
        &sha256,
        statement.ceremony,
        &statement.subject,
        statement.mode,
        &fingerprint,
        &official.opd_code,
        entry.index,
        entry.time,
    )?;
    let late = statement.mode == SigningMode::Mandiri
        && facts
            .and_then(|f| f.mandiri_due)
            .is_some_and(|due| is_late(due, entry.time));
    let accepted = AcceptedSignature {
        index: entry.index,
        entry_hash: entry.hash.to_hex(),
        statement_sha256: sha256.to_hex(),
        fingerprint: fingerprint.to_hex(),
        ceremony: statement.ceremony.get(),
        mode: statement.mode.as_str(),
        signed_at: entry.time,
        late,
        statement: text,
        signature: signature.to_base64(),
        receipt: String::new(),
    };
    Ok((accepted, entry.bytes))
}

fn not_yet_in_checkpoint() -> Error {
    Error::new(
        ErrorKind::Unavailable,
        "checkpoint_not_kept",
        "Tanda tangan tercatat, tetapi checkpoint yang memuatnya belum terbit. Kirim ulang tanda tangan yang sama untuk menerima tanda terimanya.",
    )
}

/// The campaign of `ceremony`, if any; refused with `already_signed_in_campaign` when the
/// official signed in another ceremony of that campaign (a signature in this very
/// ceremony is left to the ceremony's own `already_signed`).
fn refuse_second_in_campaign(
    db: &Db<'_>,
    ceremony: CeremonyId,
    subject: &SubjectId,
) -> Result<Option<CampaignId>> {
    let Some((campaign, _)) = db.campaign_of_ceremony(ceremony)? else {
        return Ok(None);
    };
    match db.campaign_signature(campaign, subject)? {
        Some(signed_in) if signed_in != ceremony => Err(already_signed_in_campaign(db, signed_in)?),
        _ => Ok(Some(campaign)),
    }
}

/// The entry of an accepted signature, its hash, the key that made it, and whether it
/// was late.
fn accepted_entry(db: &Db<'_>, row: &SignatureRow) -> Result<(Entry, Sha256Hash, PublicKey, bool)> {
    let stored = db.intact_entry(row.idx)?;
    let entry = Entry::parse(&stored.bytes)
        .map_err(|e| Error::internal(format!("Entri {} tidak terbaca: {e}", row.idx)))?;
    let key = db
        .key(&row.fingerprint)?
        .ok_or_else(|| Error::internal("Kunci tanda tangan ini tidak ditemukan."))?
        .key;
    let late = row.mode == SigningMode::Mandiri
        && db
            .invitee_facts(row.ceremony, &row.subject)?
            .and_then(|f| f.mandiri_due)
            .is_some_and(|due| is_late(due, row.at));
    Ok((entry, stored.hash, key, late))
}
