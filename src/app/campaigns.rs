//! Campaigns (issue 10, part 2): one election with one pledge text and several
//! ceremonies, in which an official signs once. Creating a campaign (`campaign.created`),
//! listing campaigns with their ceremonies (public, no personal data), the campaign
//! report per current OPD over the union of the campaign's invitees, and its unsigned
//! list. Also the head of each OPD the admin designates, who countersigns the unit's
//! recap ([`super::recap`]).
//!
//! The rules that touch other use cases live where those run: opening a ceremony of a
//! campaign leaves out who already signed in it, statements and signatures are refused
//! with `already_signed_in_campaign`, closing routes to mandiri only who has not signed
//! in the campaign (`super::ceremonies`, `super::signing`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access_log::{Reading, scope_text};
use super::ceremonies::PledgeView;
use super::enrollment::unknown_official;
use super::reports::parse_opd;
use super::{App, Caller};
use crate::domain::campaign::{CampaignFacts, CampaignStatus, CampaignTally, campaign_status};
use crate::domain::identifier::{Identifier, OpdCode};
use crate::domain::ids::{CampaignId, CeremonyId, PledgeId};
use crate::domain::record::clean_value;
use crate::domain::zone::Zone;
use crate::error::{Error, Result};
use crate::store::{CampaignMember, CampaignRow, Db, RecapRow};

/// The body of `POST /api/campaigns`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub title: String,
    pub pledge_id: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedCampaign {
    pub id: u64,
    pub index: u64,
}

/// A ceremony as a campaign lists it.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignCeremony {
    pub id: u64,
    pub title: String,
    pub place: String,
    pub state: &'static str,
    pub starts_at: DateTime<Utc>,
    pub starts_at_local: String,
    /// Officials its invitation named but its opening left out, because they had
    /// already signed in the campaign.
    pub excluded_already_signed: u64,
}

/// A campaign as shown to anyone: titles, the pledge, its ceremonies; no persons.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub id: u64,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub index: u64,
    pub pledge: PledgeView,
    pub ceremonies: Vec<CampaignCeremony>,
}

/// "direkap dan ditandatangani Kepala OPD <name>, <local time>": a head's recap.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecapMark {
    pub head_name: String,
    pub signed_at: DateTime<Utc>,
    pub signed_at_local: String,
    pub statement_sha256: String,
    pub index: u64,
    /// The sentence the report pages show.
    pub text: String,
}

/// One OPD of the campaign report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CampaignOpdReport {
    pub code: String,
    pub name: String,
    pub invited: u64,
    /// Signed in any ceremony of the campaign or by ikrar mandiri.
    pub signed: u64,
    /// Covered by a representative's signed representation, shown apart.
    pub represented: u64,
    pub pending: u64,
    pub overdue: u64,
    /// Nobody pending: the head may sign the unit's recap.
    pub ready_for_recap: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recap: Option<RecapMark>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignReport {
    pub campaign: u64,
    pub title: String,
    pub opds: Vec<CampaignOpdReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignUnsignedOfficial {
    pub nip: String,
    pub name: String,
    pub position: String,
    /// `pending` or `overdue`.
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignOpdUnsigned {
    pub code: String,
    pub name: String,
    pub unsigned: Vec<CampaignUnsignedOfficial>,
}

/// The body of `PUT /api/opds/{code}/head`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadRequest {
    pub nip: String,
}

/// The head of an OPD, as the admin sees it.
#[derive(Debug, Clone, Serialize)]
pub struct HeadView {
    pub opd: String,
    pub opd_name: String,
    pub nip: String,
    pub name: String,
    pub position: String,
}

pub(super) fn campaign_missing(id: CampaignId) -> Error {
    Error::not_found(
        "unknown_campaign",
        format!("Kampanye nomor {id} tidak ada. Periksa nomor kampanye di daftar kampanye."),
    )
}

pub(super) fn campaign_in(db: &Db<'_>, id: CampaignId) -> Result<CampaignRow> {
    db.campaign(id)?.ok_or_else(|| campaign_missing(id))
}

pub(super) fn campaign_id(raw: u64) -> Result<CampaignId> {
    CampaignId::new(raw).ok_or_else(|| {
        Error::bad_request(
            "invalid_campaign",
            "campaign harus nomor kampanye yang sudah dibuat.",
        )
    })
}

/// Where each member stands for the campaign.
pub(super) fn member_status(member: &CampaignMember, now: DateTime<Utc>) -> CampaignStatus {
    let facts = CampaignFacts {
        signed_in: member.signed_in,
        represented: member.invitations.iter().any(|i| i.represented),
        invitations: member
            .invitations
            .iter()
            .map(|i| (i.state, i.mandiri_due))
            .collect(),
    };
    campaign_status(&facts, now)
}

/// The per-OPD tallies of a campaign's members (who arrive sorted by OPD).
pub(super) fn tallies(
    members: &[CampaignMember],
    now: DateTime<Utc>,
) -> Vec<(OpdCode, String, CampaignTally)> {
    let mut out: Vec<(OpdCode, String, CampaignTally)> = Vec::new();
    for member in members {
        if out
            .last()
            .is_none_or(|(code, ..)| *code != member.official.opd_code)
        {
            out.push((
                member.official.opd_code.clone(),
                member.official.opd_name.clone(),
                CampaignTally::default(),
            ));
        }
        if let Some((.., tally)) = out.last_mut() {
            tally.add(member_status(member, now));
        }
    }
    out
}

pub(super) fn recap_mark(row: &RecapRow, zone: Zone) -> RecapMark {
    let head_name = row
        .head_name
        .clone()
        .unwrap_or_else(|| "(data pribadi telah dihapus)".into());
    let signed_at_local = zone.format_indonesian(row.at);
    RecapMark {
        text: format!("direkap dan ditandatangani Kepala OPD {head_name}, {signed_at_local}"),
        head_name,
        signed_at: row.at,
        signed_at_local,
        statement_sha256: row.statement_sha256.to_hex(),
        index: row.idx,
    }
}

fn campaign_scope(id: CampaignId, opd: Option<&OpdCode>) -> String {
    format!(
        "campaign {id}, {}",
        scope_text(None, opd.map(OpdCode::as_str))
    )
}

impl App {
    /// Creates a campaign for a published pledge text; `campaign.created` in the log.
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        new: NewCampaign,
    ) -> Result<CreatedCampaign> {
        caller.require_admin()?;
        let title = new.title.trim().to_string();
        clean_value(&title)
            .map_err(|reason| Error::bad_request("invalid_field", format!("title {reason}.")))?;
        let pledge = PledgeId::new(new.pledge_id).ok_or_else(|| {
            Error::bad_request(
                "invalid_pledge",
                "pledge_id harus nomor pakta yang sudah diterbitkan.",
            )
        })?;
        self.store
            .write(move |w| {
                let pledge = w.db().pledge(pledge)?.ok_or_else(|| {
                    Error::bad_request(
                        "unknown_pledge",
                        format!(
                            "Pakta nomor {pledge} belum diterbitkan. Terbitkan teks pakta dahulu."
                        ),
                    )
                })?;
                let id = w.db().next_campaign_id()?;
                let entry = w.append(crate::domain::entry::EntryBody::CampaignCreated {
                    campaign: id,
                    title: title.clone(),
                    pledge: pledge.id,
                    pledge_sha256: pledge.sha256,
                })?;
                w.insert_campaign(id, &title, pledge.id, entry.index, entry.time)?;
                Ok(CreatedCampaign {
                    id: id.get(),
                    index: entry.index,
                })
            })
            .await
    }

    /// Every campaign with its pledge and ceremonies (public: no persons).
    pub async fn campaigns(&self) -> Result<Vec<CampaignView>> {
        self.store
            .read(|db| {
                db.campaigns()?
                    .into_iter()
                    .map(|c| campaign_view(db, c))
                    .collect()
            })
            .await
    }

    pub async fn campaign_details(&self, id: CampaignId) -> Result<CampaignView> {
        self.store
            .read(move |db| campaign_view(db, campaign_in(db, id)?))
            .await
    }

    /// Per current OPD over the union of the campaign's invitees: invited, signed (in
    /// any ceremony or mandiri of the campaign), represented, pending, overdue, and the
    /// head's recap. Roles as the ceremony report; recorded in the access log.
    pub async fn campaign_report(
        &self,
        caller: &Caller,
        id: CampaignId,
        opd: Option<String>,
    ) -> Result<CampaignReport> {
        let opd = caller.countable_opd(parse_opd(opd)?)?;
        let scope = campaign_scope(id, opd.as_ref());
        let now = self.now();
        let zone = self.config.zone;
        let (campaign, members, recaps) = self
            .store
            .read(move |db| {
                let campaign = campaign_in(db, id)?;
                let members = db.campaign_members(id, opd.as_ref())?;
                let recaps = db.recaps_of_campaign(id)?;
                Ok((campaign, members, recaps))
            })
            .await?;
        let opds: Vec<CampaignOpdReport> = tallies(&members, now)
            .into_iter()
            .map(|(code, name, t)| CampaignOpdReport {
                recap: recaps
                    .iter()
                    .find(|r| r.opd_code == code)
                    .map(|r| recap_mark(r, zone)),
                code: code.to_string(),
                name,
                invited: t.invited,
                signed: t.signed,
                represented: t.represented,
                pending: t.pending,
                overdue: t.overdue,
                ready_for_recap: t.ready_for_recap(),
            })
            .collect();
        let people = opds.iter().map(|o| o.invited).sum();
        self.record_access(caller, Reading::Report, scope, people)
            .await?;
        Ok(CampaignReport {
            campaign: campaign.id.get(),
            title: campaign.title,
            opds,
        })
    }

    /// Who has not signed for the campaign (neither signed nor represented), by OPD,
    /// with names. Roles as the ceremony's unsigned list; recorded in the access log.
    pub async fn campaign_unsigned(
        &self,
        caller: &Caller,
        id: CampaignId,
        opd: Option<String>,
    ) -> Result<Vec<CampaignOpdUnsigned>> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        let scope = campaign_scope(id, opd.as_ref());
        let now = self.now();
        let members = self
            .store
            .read(move |db| {
                campaign_in(db, id)?;
                db.campaign_members(id, opd.as_ref())
            })
            .await?;
        let mut out: Vec<CampaignOpdUnsigned> = Vec::new();
        for member in &members {
            let o = &member.official;
            if out.last().is_none_or(|g| g.code != o.opd_code.as_str()) {
                out.push(CampaignOpdUnsigned {
                    code: o.opd_code.to_string(),
                    name: o.opd_name.clone(),
                    unsigned: Vec::new(),
                });
            }
            let status = member_status(member, now);
            if !status.is_covered()
                && let Some(group) = out.last_mut()
            {
                group.unsigned.push(CampaignUnsignedOfficial {
                    nip: o.nip.to_string(),
                    name: o.name.clone(),
                    position: o.position.clone(),
                    status: status.as_str(),
                });
            }
        }
        let people = out.iter().map(|g| g.unsigned.len() as u64).sum();
        self.record_access(caller, Reading::Unsigned, scope, people)
            .await?;
        Ok(out)
    }

    /// Designates the head of an OPD (admin): an official of that OPD, who signs the
    /// unit's recap with their own key.
    pub async fn set_opd_head(
        &self,
        caller: &Caller,
        opd: &str,
        request: HeadRequest,
    ) -> Result<HeadView> {
        caller.require_admin()?;
        let opd =
            OpdCode::parse(opd).map_err(|e| Error::bad_request("invalid_opd", e.to_string()))?;
        let nip = Identifier::parse_any(&request.nip)
            .map_err(|e| Error::bad_request("invalid_nip", e.to_string()))?;
        let now = self.now();
        self.store
            .write(move |w| {
                let opd_name = w.db().opd_name(&opd)?.ok_or_else(|| {
                    Error::not_found(
                        "unknown_opd",
                        format!("OPD {opd} tidak ada di data pegawai. Periksa kode OPD."),
                    )
                })?;
                let official = w
                    .db()
                    .official_by_nip(&nip)?
                    .ok_or_else(|| unknown_official(&nip))?;
                if official.opd_code != opd {
                    return Err(Error::conflict(
                        "head_not_in_opd",
                        format!(
                            "{} tercatat di OPD {}, bukan {opd}. Kepala OPD harus pegawai OPD itu sendiri; perbarui data pegawai bila ia sudah pindah.",
                            official.name, official.opd_code
                        ),
                    ));
                }
                w.set_opd_head(&opd, &official.subject, now)?;
                Ok(HeadView {
                    opd: opd.to_string(),
                    opd_name,
                    nip: official.nip.to_string(),
                    name: official.name,
                    position: official.position,
                })
            })
            .await
    }

    /// The head of an OPD, if designated (admin).
    pub async fn opd_head(&self, caller: &Caller, opd: &str) -> Result<Option<HeadView>> {
        caller.require_admin()?;
        let opd =
            OpdCode::parse(opd).map_err(|e| Error::bad_request("invalid_opd", e.to_string()))?;
        self.store
            .read(move |db| {
                Ok(db.opd_head(&opd)?.map(|o| HeadView {
                    opd: opd.to_string(),
                    opd_name: o.opd_name,
                    nip: o.nip.to_string(),
                    name: o.name,
                    position: o.position,
                }))
            })
            .await
    }
}

fn campaign_view(db: &Db<'_>, c: CampaignRow) -> Result<CampaignView> {
    let pledge = db
        .pledge(c.pledge_id)?
        .ok_or_else(|| Error::internal("Pakta kampanye tidak ditemukan."))?;
    let mut ceremonies = Vec::new();
    for (id, excluded) in db.campaign_ceremony_ids(c.id)? {
        let Some(ceremony) = db.ceremony(id)? else {
            continue;
        };
        ceremonies.push(CampaignCeremony {
            id: id.get(),
            starts_at_local: ceremony.zone.format_indonesian(ceremony.starts_at),
            title: ceremony.title,
            place: ceremony.place,
            state: ceremony.state.as_str(),
            starts_at: ceremony.starts_at,
            excluded_already_signed: excluded,
        });
    }
    Ok(CampaignView {
        id: c.id.get(),
        title: c.title,
        created_at: c.created_at,
        index: c.created_idx,
        pledge: PledgeView {
            id: pledge.id.get(),
            title: pledge.title,
            sha256: pledge.sha256.to_hex(),
            text: pledge.text,
        },
        ceremonies,
    })
}

/// The campaign a ceremony belongs to, if any, checked to exist: used by ceremony
/// creation to take the campaign's pledge.
pub(super) fn campaign_for_new_ceremony(
    db: &Db<'_>,
    campaign: Option<u64>,
    pledge_id: Option<u64>,
) -> Result<(Option<CampaignId>, PledgeId)> {
    let invalid_pledge = || {
        Error::bad_request(
            "invalid_pledge",
            "pledge_id harus nomor pakta yang sudah diterbitkan (atau pilih kampanye, yang menentukan paktanya).",
        )
    };
    let Some(raw) = campaign else {
        let pledge = pledge_id
            .and_then(PledgeId::new)
            .ok_or_else(invalid_pledge)?;
        return Ok((None, pledge));
    };
    let id = campaign_id(raw)?;
    let campaign = campaign_in(db, id)?;
    if let Some(asked) = pledge_id
        && asked != campaign.pledge_id.get()
    {
        return Err(Error::bad_request(
            "pledge_not_campaign",
            format!(
                "Kampanye {id} memakai pakta nomor {}, bukan {asked}. Upacara dalam kampanye memakai pakta kampanyenya; kosongkan pledge_id atau isi {}.",
                campaign.pledge_id, campaign.pledge_id
            ),
        ));
    }
    Ok((Some(id), campaign.pledge_id))
}

/// Refusal of a statement or signature for an official who already signed in the
/// campaign of this ceremony, naming where.
pub(super) fn already_signed_in_campaign(db: &Db<'_>, signed_in: CeremonyId) -> Result<Error> {
    let title = db.ceremony(signed_in)?.map(|c| c.title).unwrap_or_default();
    Ok(Error::conflict(
        "already_signed_in_campaign",
        crate::domain::campaign::already_signed_message(signed_in, &title),
    ))
}
