//! Pledge texts and ceremonies: publishing a versioned pledge, creating a ceremony with
//! its invitation rule, opening it (which fixes the invitees), checking officials in,
//! and closing it (which routes every invitee without a ceremony signature to ikrar
//! mandiri with a due date).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access_log::{Reading, scope_text};
use super::campaigns::campaign_for_new_ceremony;
use super::enrollment::unknown_official;
use super::paging::{CEREMONY_PAGE, PLEDGE_PAGE, PageRequest, Paged, split_page};
use super::{App, Caller};
use crate::domain::ceremony::{CeremonyState, Refusal};
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::{AttendanceMethod, EntryBody, invitees_digest};
use crate::domain::identifier::{Identifier, OpdCode};
use crate::domain::ids::{CeremonyId, SubjectId};
use crate::domain::record::clean_value;
use crate::domain::zone::Zone;
use crate::error::{Error, Result};
use crate::store::{Ceremony, Db, Official};

/// Longest pledge text accepted: the common four-point pakta with the 16 prohibited
/// acts is about 4 KB; this leaves room for regional variants.
const MAX_PLEDGE_TEXT: usize = 64 * 1024;

/// Who is invited. Resolved against the roster when the ceremony opens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opds: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
}

enum InviteRule {
    Opds(Vec<OpdCode>),
    Nips(Vec<Identifier>),
    All,
}

impl Invite {
    fn rule(&self) -> Result<InviteRule> {
        let bad = |m: String| Error::bad_request("invalid_invite", m);
        match (&self.opds, &self.nips, self.all) {
            (Some(opds), None, None) if !opds.is_empty() => opds
                .iter()
                .map(|o| OpdCode::parse(o).map_err(|e| bad(e.to_string())))
                .collect::<Result<_>>()
                .map(InviteRule::Opds),
            (None, Some(nips), None) if !nips.is_empty() => nips
                .iter()
                .map(|n| Identifier::parse_any(n).map_err(|e| bad(e.to_string())))
                .collect::<Result<_>>()
                .map(InviteRule::Nips),
            (None, None, Some(true)) => Ok(InviteRule::All),
            _ => Err(bad(
                "Undangan harus salah satu dari {\"opds\": [\"KODE\", ...]}, {\"nips\": [\"NIP\", ...]} atau {\"all\": true}, dan tidak kosong.".into(),
            )),
        }
    }
}

impl InviteRule {
    fn resolve(&self, db: &Db<'_>) -> Result<Vec<SubjectId>> {
        match self {
            InviteRule::Opds(opds) => {
                let unknown: Vec<String> = opds
                    .iter()
                    .filter_map(|o| match db.opd_name(o) {
                        Ok(Some(_)) => None,
                        _ => Some(o.to_string()),
                    })
                    .collect();
                if !unknown.is_empty() {
                    return Err(Error::bad_request(
                        "unknown_opd",
                        format!(
                            "OPD berikut tidak ada di data pegawai: {}. Periksa kode OPD atau impor data pegawainya dahulu.",
                            unknown.join(", ")
                        ),
                    ));
                }
                db.subjects_in_opds(opds)
            }
            InviteRule::Nips(nips) => {
                let mut subjects = Vec::with_capacity(nips.len());
                let mut unknown = Vec::new();
                for nip in nips {
                    match db.official_by_nip(nip)? {
                        Some(o) => subjects.push(o.subject),
                        None => unknown.push(nip.to_string()),
                    }
                }
                if !unknown.is_empty() {
                    return Err(Error::bad_request(
                        "unknown_official",
                        format!(
                            "NIP/NIK berikut tidak ada di data pegawai: {}. Periksa nomornya atau impor data pegawainya dahulu.",
                            unknown.join(", ")
                        ),
                    ));
                }
                subjects.sort();
                subjects.dedup();
                Ok(subjects)
            }
            InviteRule::All => db.all_subjects(),
        }
    }
}

/// The body of `POST /api/ceremonies`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCeremony {
    pub title: String,
    pub place: String,
    pub starts_at: String,
    /// Defaults to the instansi's zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// May be left out for a ceremony of a campaign, which uses the campaign's pledge.
    #[serde(default)]
    pub pledge_id: Option<u64>,
    /// The campaign the ceremony belongs to (issue 10, part 2): it then uses the
    /// campaign's pledge, and an official signs once across the campaign's ceremonies.
    #[serde(default)]
    pub campaign: Option<u64>,
    pub invite: Invite,
    #[serde(default)]
    pub mandiri_days: Option<u32>,
    /// Whether the ceremony allows representatives (perwakilan); false if left out.
    #[serde(default)]
    pub allow_representation: Option<bool>,
}

/// A ceremony as shown to anyone: no personal data.
#[derive(Debug, Clone, Serialize)]
pub struct CeremonyDetails {
    pub id: u64,
    pub title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub starts_at_local: String,
    pub timezone: &'static str,
    pub state: &'static str,
    pub mandiri_days: u32,
    pub mandiri_due: Option<DateTime<Utc>>,
    pub mandiri_due_local: Option<String>,
    pub pledge: PledgeView,
    /// The campaign the ceremony belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<u64>,
    /// For an opened ceremony of a campaign: officials its invitation named but its
    /// opening left out, because they had already signed in the campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_already_signed: Option<u64>,
    /// Whether a representative (perwakilan) may sign for named officials.
    pub allow_representation: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PledgeView {
    pub id: u64,
    pub title: String,
    pub sha256: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CeremonySummary {
    pub id: u64,
    pub title: String,
    pub place: String,
    pub state: &'static str,
    pub starts_at: DateTime<Utc>,
    pub starts_at_local: String,
    pub mandiri_due: Option<DateTime<Utc>>,
    pub mandiri_due_local: Option<String>,
    /// Whether a representative may sign for named officials (perwakilan): the signing
    /// page asks whether its official represents anyone only where this is true.
    pub allow_representation: bool,
}

/// What opening a ceremony did.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct OpenedCeremony {
    pub invited: u64,
    /// Named by the invitation but left out: they already signed in the campaign.
    pub excluded_already_signed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClosedCeremony {
    pub routed_to_mandiri: u64,
    pub mandiri_due: DateTime<Utc>,
    pub index: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublishedPledge {
    pub id: u64,
    pub sha256: String,
    pub index: u64,
}

fn field(name: &str, value: &str) -> Result<String> {
    let value = value.trim();
    clean_value(value)
        .map_err(|reason| Error::bad_request("invalid_field", format!("{name} {reason}.")))?;
    Ok(value.to_string())
}

fn ceremony_missing(id: CeremonyId) -> Error {
    Error::not_found(
        "unknown_ceremony",
        format!(
            "Upacara nomor {id} tidak ada. Periksa nomor upacara pada undangan atau daftar upacara."
        ),
    )
}

pub(super) fn ceremony_in(db: &Db<'_>, id: CeremonyId) -> Result<Ceremony> {
    db.ceremony(id)?.ok_or_else(|| ceremony_missing(id))
}

impl App {
    pub(super) async fn ceremony_or_404(&self, id: CeremonyId) -> Result<Ceremony> {
        self.store.read(move |db| ceremony_in(db, id)).await
    }

    pub async fn publish_pledge(
        &self,
        caller: &Caller,
        title: &str,
        text: &str,
    ) -> Result<PublishedPledge> {
        caller.require_admin()?;
        let title = field("title", title)?;
        if text.trim().is_empty() || text.len() > MAX_PLEDGE_TEXT {
            return Err(Error::bad_request(
                "invalid_pledge_text",
                format!("Teks pakta harus terisi dan paling banyak {MAX_PLEDGE_TEXT} byte."),
            ));
        }
        // The exact text is bound by hash: stored and hashed as received, byte for byte.
        let text = text.to_string();
        let sha256 = Sha256Hash::of(text.as_bytes());
        self.store
            .write(move |w| {
                let id = w.db().next_pledge_id()?;
                let entry = w.append(EntryBody::PledgePublished {
                    pledge: id,
                    title: title.clone(),
                    text_sha256: sha256,
                })?;
                w.insert_pledge(id, &title, &text, &sha256, entry.index, entry.time)?;
                Ok(PublishedPledge {
                    id: id.get(),
                    sha256: sha256.to_hex(),
                    index: entry.index,
                })
            })
            .await
    }

    pub async fn create_ceremony(&self, caller: &Caller, new: NewCeremony) -> Result<CeremonyId> {
        caller.require_admin()?;
        let title = field("title", &new.title)?;
        let place = field("place", &new.place)?;
        let starts_at = DateTime::parse_from_rfc3339(new.starts_at.trim())
            .map_err(|_| {
                Error::bad_request(
                    "invalid_time",
                    "starts_at harus waktu RFC 3339, misalnya 2024-10-07T09:00:00+07:00.",
                )
            })?
            .with_timezone(&Utc);
        let zone = match &new.timezone {
            Some(name) => Zone::parse(name)
                .map_err(|e| Error::bad_request("invalid_timezone", e.to_string()))?,
            None => self.config.zone,
        };
        let (asked_campaign, asked_pledge) = (new.campaign, new.pledge_id);
        let mandiri_days = new.mandiri_days.unwrap_or(7);
        if !(1..=90).contains(&mandiri_days) {
            return Err(Error::bad_request(
                "invalid_mandiri_days",
                "mandiri_days harus antara 1 dan 90 hari.",
            ));
        }
        let rule = new.invite.rule()?;
        let invite_json = serde_json::to_string(&new.invite).expect("invite serialises");
        let allow_representation = new.allow_representation.unwrap_or(false);
        let now = self.now();
        self.store
            .write(move |w| {
                let (campaign, pledge) =
                    campaign_for_new_ceremony(&w.db(), asked_campaign, asked_pledge)?;
                if w.db().pledge(pledge)?.is_none() {
                    return Err(Error::bad_request(
                        "unknown_pledge",
                        format!(
                            "Pakta nomor {pledge} belum diterbitkan. Terbitkan teks pakta dahulu."
                        ),
                    ));
                }
                // Checked now so typos surface at creation; resolved again at opening.
                rule.resolve(&w.db())?;
                let id = w.insert_ceremony(
                    &title,
                    &place,
                    starts_at,
                    zone,
                    pledge,
                    &invite_json,
                    mandiri_days,
                    now,
                )?;
                if let Some(campaign) = campaign {
                    w.set_ceremony_campaign(id, campaign)?;
                }
                if allow_representation {
                    w.set_allow_representation(id)?;
                }
                Ok(id)
            })
            .await
    }

    pub async fn open_ceremony(&self, caller: &Caller, id: CeremonyId) -> Result<u64> {
        Ok(self.open_ceremony_counted(caller, id).await?.invited)
    }

    /// Opens a ceremony, fixing its invitees. For a ceremony of a campaign, those who
    /// already signed in the campaign are left out, and counted.
    pub async fn open_ceremony_counted(
        &self,
        caller: &Caller,
        id: CeremonyId,
    ) -> Result<OpenedCeremony> {
        caller.require_admin()?;
        self.store
            .write(move |w| {
                let ceremony = ceremony_in(&w.db(), id)?;
                ceremony.state.open()?;
                let invite: Invite = serde_json::from_str(&ceremony.invite)
                    .map_err(|_| Error::internal("Aturan undangan tersimpan rusak."))?;
                let mut invitees = invite.rule()?.resolve(&w.db())?;
                let campaign = w.db().campaign_of_ceremony(id)?.map(|(c, _)| c);
                let named = invitees.len();
                if let Some(campaign) = campaign {
                    let db = w.db();
                    let mut kept = Vec::with_capacity(invitees.len());
                    for subject in invitees {
                        if db.campaign_signature(campaign, &subject)?.is_none() {
                            kept.push(subject);
                        }
                    }
                    invitees = kept;
                    if invitees.is_empty() && named > 0 {
                        return Err(Error::conflict(
                            "no_invitees",
                            format!(
                                "Semua {named} pegawai yang diundang sudah menandatangani pakta di kampanye ini; upacara ini tidak perlu dibuka. Ubah undangan bila ada pegawai lain yang perlu hadir."
                            ),
                        ));
                    }
                }
                let excluded = (named - invitees.len()) as u64;
                if invitees.is_empty() {
                    return Err(Error::conflict(
                        "no_invitees",
                        "Tidak ada pegawai yang cocok dengan undangan upacara ini. Impor data pegawai atau ubah undangan.",
                    ));
                }
                let pledge = w
                    .db()
                    .pledge(ceremony.pledge_id)?
                    .ok_or_else(|| Error::internal("Pakta upacara tidak ditemukan."))?;
                let entry = w.append(
                    EntryBody::CeremonyOpened {
                        ceremony: id,
                        pledge: pledge.id,
                        pledge_sha256: pledge.sha256,
                        invited: invitees.len() as u64,
                        invitees_sha256: invitees_digest(&invitees),
                        campaign,
                    },
                )?;
                w.open_ceremony(id, entry.index, &invitees)?;
                if campaign.is_some() {
                    w.set_campaign_excluded(id, excluded)?;
                }
                if w.db().allows_representation(id)? {
                    super::representation::check_namings_at_opening(&w.db(), id, &invitees)?;
                    w.append(EntryBody::RepresentationAllowed { ceremony: id })?;
                }
                Ok(OpenedCeremony {
                    invited: invitees.len() as u64,
                    excluded_already_signed: excluded,
                })
            })
            .await
    }

    /// Records that an official is in the hall; returns the entry index and the
    /// official. `reader` is the token holder who will see the official's name in the
    /// reply (the desk), recorded in the access log in the same transaction.
    pub(super) async fn record_attendance(
        &self,
        id: CeremonyId,
        nip: Identifier,
        method: AttendanceMethod,
        reader: Option<Caller>,
    ) -> Result<(u64, Official)> {
        self.store
            .write(move |w| {
                let ceremony = ceremony_in(&w.db(), id)?;
                match ceremony.state {
                    CeremonyState::Open => {}
                    CeremonyState::Draft => return Err(Refusal::NotOpen.into()),
                    CeremonyState::Closed => return Err(Refusal::AlreadyClosed.into()),
                }
                let official = w
                    .db()
                    .official_by_nip(&nip)?
                    .ok_or_else(|| unknown_official(&nip))?;
                let facts = w
                    .db()
                    .invitee_facts(id, &official.subject)?
                    .ok_or(Refusal::NotInvited)?;
                if facts.checked_in {
                    return Err(Refusal::AlreadyCheckedIn.into());
                }
                let entry = w.append(EntryBody::AttendanceRecorded {
                    ceremony: id,
                    subject: official.subject,
                    method,
                })?;
                w.insert_attendance(
                    id,
                    &official.subject,
                    entry.index,
                    entry.time,
                    method.as_str(),
                )?;
                if let Some(reader) = &reader {
                    w.record_access(
                        entry.time,
                        &reader.holder,
                        reader.role().role,
                        Reading::CheckIn.as_str(),
                        &scope_text(Some(id.get()), None),
                        1,
                    )?;
                }
                Ok((entry.index, official))
            })
            .await
    }

    /// Closes the ceremony and routes every invitee without a signature to ikrar mandiri.
    pub async fn close_ceremony(
        &self,
        caller: &Caller,
        id: CeremonyId,
        mandiri_due: Option<&str>,
    ) -> Result<ClosedCeremony> {
        caller.require_admin()?;
        let now = self.now();
        let requested_due = mandiri_due
            .map(|t| {
                DateTime::parse_from_rfc3339(t.trim())
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| {
                        Error::bad_request(
                            "invalid_time",
                            "mandiri_due harus waktu RFC 3339, misalnya 2024-10-14T23:59:59+07:00.",
                        )
                    })
            })
            .transpose()?;
        if let Some(due) = requested_due
            && due <= now
        {
            return Err(Error::bad_request(
                "invalid_mandiri_due",
                "Batas waktu ikrar mandiri harus setelah saat ini.",
            ));
        }
        self.store
            .write(move |w| {
                let ceremony = ceremony_in(&w.db(), id)?;
                ceremony.state.close()?;
                let due = requested_due.unwrap_or_else(|| {
                    ceremony
                        .zone
                        .end_of_day_after(w.now(), ceremony.mandiri_days)
                });
                let mut unsigned = w.db().unsigned_invitees(id)?;
                // In a campaign, who signed in another of its ceremonies has signed.
                if let Some((campaign, _)) = w.db().campaign_of_ceremony(id)? {
                    let db = w.db();
                    let mut still = Vec::with_capacity(unsigned.len());
                    for subject in unsigned {
                        if db.campaign_signature(campaign, &subject)?.is_none() {
                            still.push(subject);
                        }
                    }
                    unsigned = still;
                }
                let closed = w.append(EntryBody::CeremonyClosed {
                    ceremony: id,
                    routed_to_mandiri: unsigned.len() as u64,
                    mandiri_due: due,
                })?;
                for subject in &unsigned {
                    let assigned = w.append(EntryBody::MandiriAssigned {
                        ceremony: id,
                        subject: *subject,
                        due,
                    })?;
                    w.insert_mandiri(id, subject, assigned.index, due)?;
                }
                w.close_ceremony(id, closed.index, due)?;
                Ok(ClosedCeremony {
                    routed_to_mandiri: unsigned.len() as u64,
                    mandiri_due: due,
                    index: closed.index,
                })
            })
            .await
    }

    /// Public details of a ceremony, including the exact pledge text to be signed.
    pub async fn ceremony_details(&self, id: CeremonyId) -> Result<CeremonyDetails> {
        self.store
            .read(move |db| {
                let c = ceremony_in(db, id)?;
                let pledge = db
                    .pledge(c.pledge_id)?
                    .ok_or_else(|| Error::internal("Pakta upacara tidak ditemukan."))?;
                let campaign = db.campaign_of_ceremony(id)?;
                let opened = c.state != CeremonyState::Draft;
                Ok(CeremonyDetails {
                    campaign: campaign.map(|(c, _)| c.get()),
                    excluded_already_signed: campaign
                        .filter(|_| opened)
                        .map(|(_, excluded)| excluded),
                    allow_representation: c.allow_representation,
                    id: c.id.get(),
                    starts_at_local: c.zone.format_indonesian(c.starts_at),
                    mandiri_due_local: c.mandiri_due.map(|d| c.zone.format_indonesian(d)),
                    title: c.title,
                    place: c.place,
                    starts_at: c.starts_at,
                    timezone: c.zone.iana(),
                    state: c.state.as_str(),
                    mandiri_days: c.mandiri_days,
                    mandiri_due: c.mandiri_due,
                    pledge: PledgeView {
                        id: pledge.id.get(),
                        title: pledge.title,
                        sha256: pledge.sha256.to_hex(),
                        text: pledge.text,
                    },
                })
            })
            .await
    }

    /// One page of the published pledge texts, oldest first.
    pub async fn pledges(&self, page: PageRequest) -> Result<Paged<PledgeView>> {
        let page = page.parse(PLEDGE_PAGE)?;
        let after = page.after.unwrap_or(0);
        let pledges = self
            .store
            .read(move |db| db.pledges_page(after, page.limit + 1))
            .await?;
        let (pledges, next) = split_page(pledges, page.limit, |p| p.id.get());
        let items = pledges
            .into_iter()
            .map(|p| PledgeView {
                id: p.id.get(),
                title: p.title,
                sha256: p.sha256.to_hex(),
                text: p.text,
            })
            .collect();
        Ok(Paged { items, next })
    }

    /// One page of the ceremonies, oldest first.
    pub async fn ceremonies(&self, page: PageRequest) -> Result<Paged<CeremonySummary>> {
        let page = page.parse(CEREMONY_PAGE)?;
        let after = page.after.unwrap_or(0);
        let list = self
            .store
            .read(move |db| db.ceremonies_page(after, page.limit + 1))
            .await?;
        let (list, next) = split_page(list, page.limit, |c| c.id.get());
        let items = list
            .into_iter()
            .map(|c| CeremonySummary {
                allow_representation: c.allow_representation,
                id: c.id.get(),
                starts_at_local: c.zone.format_indonesian(c.starts_at),
                mandiri_due_local: c.mandiri_due.map(|d| c.zone.format_indonesian(d)),
                title: c.title,
                place: c.place,
                state: c.state.as_str(),
                starts_at: c.starts_at,
                mandiri_due: c.mandiri_due,
            })
            .collect();
        Ok(Paged { items, next })
    }
}
