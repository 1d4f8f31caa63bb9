//! The head of OPD countersigns the recap (issue 10, part 4). When a unit has nobody
//! pending for a campaign (everyone signed or represented, or the deadline passed for
//! the rest), its head signs with their own enrolled key the recap `pakta/rekap/v1`:
//! the counts and the SHA-256 of the list of who signed and who did not.
//!
//! The flow mirrors signing a statement (signing protocol v2): the head's device signs a
//! recap request; until that proof holds every failure gets the same 401; the registry
//! issues the recap sealed, writing nothing; the device signs its bytes; the registry
//! checks the seal and the facts again inside the writer and appends `recap.signed`,
//! keeping the recap and its list beside the log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::campaigns::{campaign_id, campaign_in, member_status, recap_mark, tallies};
use super::{App, RecapMark};
use crate::domain::campaign::CampaignTally;
use crate::domain::crypto::{PublicKey, Sha256Hash, Signature};
use crate::domain::entry::EntryBody;
use crate::domain::identifier::{Identifier, OpdCode};
use crate::domain::ids::{CampaignId, CeremonyId};
use crate::domain::recap::{
    RecapCounts, RecapRequest, RecapStatement, is_recap_sealed, recap_list, seal_recap,
};
use crate::error::{Error, ErrorKind, Result};
use crate::store::{CampaignRow, Db, RecapRow};

/// The body of `POST /api/campaigns/{id}/recap-statement`; both optional, so anything
/// else is refused like a failed proof.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecapRequestBody {
    pub request: Option<String>,
    pub signature: Option<String>,
}

/// The body of `POST /api/recaps`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecapSignatureBody {
    pub statement: String,
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IssuedRecap {
    pub statement: String,
    pub sha256: String,
    pub expires_at: DateTime<Utc>,
}

/// What an accepted recap signature returns.
#[derive(Debug, Clone, Serialize)]
pub struct RecapSigned {
    pub index: u64,
    pub entry_hash: String,
    pub statement_sha256: String,
    pub fingerprint: String,
    pub campaign: u64,
    pub opd: String,
    pub signed_at: DateTime<Utc>,
    pub statement: String,
    pub signature: String,
    /// Whether this reply is for a recap accepted before (a retry).
    #[serde(skip)]
    pub again: bool,
}

/// A head's countersignature of a unit's recap, for the report documents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Countersignature {
    pub campaign: u64,
    pub opd_code: String,
    /// The head's name now ("(data pribadi telah dihapus)" once erased).
    pub head_name: String,
    pub signed_at: DateTime<Utc>,
    /// In the instansi's zone: "Selasa, 15 Oktober 2024 09.00 WIB".
    pub signed_at_local: String,
    /// SHA-256 of the signed `pakta/rekap/v1` recap, in hex.
    pub statement_sha256: String,
    /// The `recap.signed` entry.
    pub index: u64,
}

fn not_authenticated() -> Error {
    Error::new(
        ErrorKind::Unauthorized,
        "request_not_authenticated",
        "Permintaan rekap tidak dapat dibuktikan berasal dari pemilik NIP ini. Buka halaman rekap di perangkat tempat Anda mendaftarkan kunci, pastikan jam perangkat benar, lalu coba lagi.",
    )
}

fn not_issued() -> Error {
    Error::bad_request(
        "recap_not_issued",
        "Rekap ini tidak diterbitkan oleh registri ini, atau teksnya sudah berubah. Minta rekap baru dan tanda tangani tanpa mengubah satu karakter pun.",
    )
}

fn already_recapped(opd: &OpdCode) -> Error {
    Error::conflict(
        "recap_already_signed",
        format!(
            "Rekap OPD {opd} untuk kampanye ini sudah ditandatangani; rekap hanya ditandatangani sekali."
        ),
    )
}

fn not_head(opd: &OpdCode) -> Error {
    Error::new(
        ErrorKind::Forbidden,
        "not_opd_head",
        format!(
            "Anda tidak tercatat sebagai Kepala OPD {opd}. Minta admin BKPSDM menetapkan Kepala OPD di halaman admin."
        ),
    )
}

fn not_complete(opd: &OpdCode, tally: &CampaignTally) -> Error {
    Error::conflict(
        "unit_not_complete",
        format!(
            "OPD {opd} belum dapat direkap: {} dari {} pegawai masih dapat menandatangani (upacara atau ikrar mandiri belum berakhir). Rekap ditandatangani setelah semua menandatangani, atau setelah batas waktu ikrar mandiri lewat.",
            tally.pending, tally.invited
        ),
    )
}

/// What the unit's recap says now: its counts, the canonical list and its digest.
struct UnitFacts {
    tally: CampaignTally,
    list: String,
    list_sha256: Sha256Hash,
    opd_name: String,
}

fn unit_facts(
    db: &Db<'_>,
    campaign: CampaignId,
    opd: &OpdCode,
    now: DateTime<Utc>,
) -> Result<UnitFacts> {
    let members = db.campaign_members(campaign, Some(opd))?;
    let rows: Vec<(Identifier, &'static str)> = members
        .iter()
        .map(|m| (m.official.nip.clone(), member_status(m, now).recap_word()))
        .collect();
    let tally = tallies(&members, now)
        .into_iter()
        .next()
        .map(|(.., t)| t)
        .unwrap_or_default();
    let list = recap_list(&rows);
    let opd_name = db.opd_name(opd)?.unwrap_or_else(|| opd.to_string());
    Ok(UnitFacts {
        tally,
        list_sha256: Sha256Hash::of(list.as_bytes()),
        list,
        opd_name,
    })
}

fn counts(tally: &CampaignTally) -> RecapCounts {
    RecapCounts {
        invited: tally.invited,
        signed: tally.signed,
        represented: tally.represented,
        not_signed: tally.not_signed(),
    }
}

fn countersignature(row: &RecapRow, zone: crate::domain::zone::Zone) -> Countersignature {
    let mark: RecapMark = recap_mark(row, zone);
    Countersignature {
        campaign: row.campaign.get(),
        opd_code: row.opd_code.to_string(),
        head_name: mark.head_name,
        signed_at: mark.signed_at,
        signed_at_local: mark.signed_at_local,
        statement_sha256: mark.statement_sha256,
        index: mark.index,
    }
}

impl App {
    /// Issues the unit's recap to its head, who proves who they are with a recap request
    /// signed by their active key. Writes nothing.
    pub async fn issue_recap(&self, campaign: u64, body: RecapRequestBody) -> Result<IssuedRecap> {
        let now = self.now();
        let text = body.request.unwrap_or_default();
        let request =
            RecapRequest::parse(&text).filter(|r| r.campaign.get() == campaign && r.is_fresh(now));
        let (request, official, key) = self
            .prove_request(
                &text,
                request,
                body.signature,
                |r| r.nip.clone(),
                not_authenticated,
            )
            .await?;

        // Proved: the refusals below only tell the head about their own unit.
        let (campaign, opd) = (request.campaign, request.opd.clone());
        let subject = official.subject;
        let (row, facts) = self
            .store
            .read(move |db| {
                let row = campaign_in(db, campaign)?;
                if db.opd_head(&opd)?.map(|h| h.subject) != Some(subject) {
                    return Err(not_head(&opd));
                }
                if db.recap_of(campaign, &opd)?.is_some() {
                    return Err(already_recapped(&opd));
                }
                let facts = unit_facts(db, campaign, &opd, now)?;
                if !facts.tally.ready_for_recap() {
                    return Err(not_complete(&opd, &facts.tally));
                }
                Ok((row, facts))
            })
            .await?;
        let mut recap = RecapStatement {
            campaign,
            campaign_title: row.title,
            opd: request.opd,
            opd_name: facts.opd_name,
            counts: counts(&facts.tally),
            list_sha256: facts.list_sha256,
            head_nip: official.nip,
            head_name: official.name,
            head_subject: subject,
            time: now,
            nonce: String::new(),
        };
        seal_recap(&self.secrets.statement, &key.fingerprint(), &mut recap).map_err(|e| {
            Error::conflict(
                "roster_data_unsignable",
                format!("{e}. Admin BKPSDM perlu memperbaiki data pegawai atau OPD ini."),
            )
        })?;
        let text = recap.encode();
        Ok(IssuedRecap {
            sha256: Sha256Hash::of(text.as_bytes()).to_hex(),
            statement: text,
            expires_at: now + self.config.statement_ttl,
        })
    }

    /// Accepts the head's signature over a recap this registry issued, once; the same
    /// recap and signature again get the original reply.
    pub async fn submit_recap(&self, body: RecapSignatureBody) -> Result<RecapSigned> {
        let signature = Signature::from_base64("signature", &body.signature)
            .map_err(|e| Error::bad_request("invalid_signature", e.to_string()))?;
        let text = body.statement;
        let recap = RecapStatement::parse(&text).map_err(|_| not_issued())?;
        let sha256 = Sha256Hash::of(text.as_bytes());
        let secret = self.secrets.statement;
        let sealed = recap.clone();
        let (accepted, key) = self
            .store
            .read(move |db| {
                let accepted = db.recap_by_statement(&sha256)?;
                let key = db
                    .active_key(&sealed.head_subject)?
                    .filter(|k| is_recap_sealed(&secret, &k.fingerprint(), &sealed));
                Ok((accepted, key))
            })
            .await?;
        if let Some(row) = accepted {
            return self.recap_again(row, text, signature).await;
        }
        let Some(key) = key else {
            return Err(not_issued());
        };
        let ttl = self.config.statement_ttl;
        if self.now() > recap.time + ttl {
            return Err(Error::new(
                ErrorKind::Expired,
                "statement_expired",
                "Rekap ini sudah kedaluwarsa. Minta rekap baru lalu tanda tangani segera.",
            ));
        }
        if !key.verify_strict(text.as_bytes(), &signature) {
            return Err(Error::bad_request(
                "signature_mismatch",
                "Tanda tangan tidak cocok dengan rekap ini dan kunci Kepala OPD yang terdaftar. Tanda tangani rekap persis seperti diterima, dengan kunci di perangkat Anda sendiri.",
            ));
        }
        let document = text.clone();
        self.store
            .write(move |w| {
                if w.db().active_key(&recap.head_subject)?.map(|k| k.fingerprint())
                    != Some(key.fingerprint())
                {
                    return Err(Error::conflict(
                        "key_revoked",
                        "Kunci yang dipakai untuk rekap ini sudah dicabut. Minta rekap baru dan tanda tangani dengan kunci terbaru.",
                    ));
                }
                campaign_in(&w.db(), recap.campaign)?;
                if w.db().opd_head(&recap.opd)?.map(|h| h.subject) != Some(recap.head_subject) {
                    return Err(not_head(&recap.opd));
                }
                if w.db().recap_of(recap.campaign, &recap.opd)?.is_some() {
                    return Err(already_recapped(&recap.opd));
                }
                let now = w.now();
                let facts = unit_facts(&w.db(), recap.campaign, &recap.opd, now)?;
                if !facts.tally.ready_for_recap() {
                    return Err(not_complete(&recap.opd, &facts.tally));
                }
                if facts.list_sha256 != recap.list_sha256 || counts(&facts.tally) != recap.counts {
                    return Err(Error::conflict(
                        "recap_changed",
                        "Data OPD berubah sejak rekap ini diterbitkan (ada yang baru menandatangani atau data pegawai berubah). Minta rekap baru.",
                    ));
                }
                let fingerprint = key.fingerprint();
                let entry = w.append_not_before(
                    Some(recap.time),
                    EntryBody::RecapSigned {
                        campaign: recap.campaign,
                        opd: recap.opd.clone(),
                        subject: recap.head_subject,
                        statement_sha256: sha256,
                        fingerprint,
                        signature,
                    },
                )?;
                w.insert_recap_document(&sha256, "recap", &recap.head_subject, &text)?;
                w.insert_recap_document(
                    &facts.list_sha256,
                    "recap-list",
                    &recap.head_subject,
                    &facts.list,
                )?;
                w.insert_recap(
                    recap.campaign,
                    &recap.opd,
                    &recap.head_subject,
                    &sha256,
                    &facts.list_sha256,
                    entry.index,
                    entry.time,
                )?;
                Ok(RecapSigned {
                    index: entry.index,
                    entry_hash: entry.hash.to_hex(),
                    statement_sha256: sha256.to_hex(),
                    fingerprint: fingerprint.to_hex(),
                    campaign: recap.campaign.get(),
                    opd: recap.opd.to_string(),
                    signed_at: entry.time,
                    statement: document,
                    signature: signature.to_base64(),
                    again: false,
                })
            })
            .await
    }

    async fn recap_again(
        &self,
        row: RecapRow,
        text: String,
        signature: Signature,
    ) -> Result<RecapSigned> {
        let idx = row.idx;
        let (stored, key): (crate::store::StoredEntry, Option<PublicKey>) = self
            .store
            .read(move |db| Ok((db.intact_entry(idx)?, db.active_key(&row.subject)?)))
            .await?;
        let entry = crate::domain::entry::Entry::parse(&stored.bytes)
            .map_err(|e| Error::internal(format!("Entri {idx} tidak terbaca: {e}")))?;
        let EntryBody::RecapSigned {
            signature: accepted,
            fingerprint,
            campaign,
            opd,
            statement_sha256,
            ..
        } = entry.body
        else {
            return Err(Error::internal(format!("Entri {idx} bukan rekap.")));
        };
        if accepted != signature {
            return Err(Error::conflict(
                "statement_already_signed",
                "Rekap ini sudah ditandatangani dan tercatat dengan tanda tangan lain.",
            ));
        }
        let _ = key;
        Ok(RecapSigned {
            index: idx,
            entry_hash: stored.hash.to_hex(),
            statement_sha256: statement_sha256.to_hex(),
            fingerprint: fingerprint.to_hex(),
            campaign: campaign.get(),
            opd: opd.to_string(),
            signed_at: entry.time,
            statement: text,
            signature: signature.to_base64(),
            again: true,
        })
    }

    /// The heads' countersignatures that apply to a ceremony: those of its campaign's
    /// units, by OPD code (none for a ceremony outside a campaign). For the report
    /// documents (PDF) and pages.
    pub async fn countersignatures(&self, ceremony: CeremonyId) -> Result<Vec<Countersignature>> {
        let zone = self.config.zone;
        self.store
            .read(move |db| {
                let Some((campaign, _)) = db.campaign_of_ceremony(ceremony)? else {
                    return Ok(Vec::new());
                };
                Ok(db
                    .recaps_of_campaign(campaign)?
                    .iter()
                    .map(|r| countersignature(r, zone))
                    .collect())
            })
            .await
    }

    /// The heads' countersignatures of a campaign's units, by OPD code.
    pub async fn campaign_countersignatures(&self, campaign: u64) -> Result<Vec<Countersignature>> {
        let campaign = campaign_id(campaign)?;
        let zone = self.config.zone;
        self.store
            .read(move |db| {
                let _: CampaignRow = campaign_in(db, campaign)?;
                Ok(db
                    .recaps_of_campaign(campaign)?
                    .iter()
                    .map(|r| countersignature(r, zone))
                    .collect())
            })
            .await
    }

    /// The recap marks of a ceremony's campaign, by OPD code, for the ceremony report.
    pub(super) fn recap_marks_in(
        db: &Db<'_>,
        ceremony: CeremonyId,
        zone: crate::domain::zone::Zone,
    ) -> Result<Vec<(String, RecapMark)>> {
        let Some((campaign, _)) = db.campaign_of_ceremony(ceremony)? else {
            return Ok(Vec::new());
        };
        Ok(db
            .recaps_of_campaign(campaign)?
            .iter()
            .map(|r| (r.opd_code.to_string(), recap_mark(r, zone)))
            .collect())
    }
}
