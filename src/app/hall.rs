//! Ceremony day at the hall: the rotating presence code for the hall screen, check-in
//! by a presence code signed with the official's key, the live counts, and enrollment
//! code cards printed per OPD.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access_log::{Reading, scope_text};
use super::ceremonies::ceremony_in;
use super::enrollment::{fresh_code, parse_nip};
use super::paging::{PageRequest, Paged, ROSTER_PAGE, roster_position, split_page};
use super::reports::parse_opd;
use super::signing::proves_holder;
use super::{App, Caller};
use crate::domain::ceremony::{CeremonyState, Refusal};
use crate::domain::crypto::{Sha256Hash, Signature};
use crate::domain::entry::AttendanceMethod;
use crate::domain::ids::CeremonyId;
use crate::domain::presence::{current_code, is_current, presence_message};
use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Serialize)]
pub struct PresenceCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// The body of `POST /api/ceremonies/{id}/presence`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceCheckIn {
    pub nip: String,
    pub code: String,
    /// Base64 signature by the official's active key over the presence message.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub invited: u64,
    pub checked_in: u64,
    pub signed: u64,
}

/// One printable enrollment card.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub nip: String,
    /// PNS, PPPK or NON_ASN: the card says NIP, NI PPPK or NIK accordingly.
    pub category: &'static str,
    pub name: String,
    pub position: String,
    pub opd_code: String,
    pub opd_name: String,
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

impl App {
    pub async fn presence_code(&self, caller: &Caller, id: CeremonyId) -> Result<PresenceCode> {
        caller.require_check_in(id)?;
        let ceremony = self.ceremony_or_404(id).await?;
        if ceremony.state != CeremonyState::Open {
            return Err(Refusal::NotOpen.into());
        }
        let (code, expires_at) = current_code(&self.secrets.presence, id, self.now());
        Ok(PresenceCode { code, expires_at })
    }

    /// Check-in from the official's own phone: a current code from the hall screen,
    /// signed with their enrolled key.
    pub async fn check_in_with_presence(
        &self,
        id: CeremonyId,
        request: PresenceCheckIn,
    ) -> Result<u64> {
        let nip = parse_nip(&request.nip)?;
        let signature = Signature::from_base64("signature", &request.signature)
            .map_err(|e| Error::bad_request("invalid_signature", e.to_string()))?;
        let code = request.code.trim().to_uppercase();
        if !is_current(&self.secrets.presence, id, &code, self.now()) {
            return Err(Error::new(
                ErrorKind::Expired,
                "presence_code_expired",
                "Kode kehadiran sudah berganti. Pindai lagi kode QR yang sedang tampil di layar aula.",
            ));
        }
        let key = {
            let nip = nip.clone();
            self.store
                .read(move |db| Ok(db.official_with_active_key(&nip)?.map(|(_, key)| key)))
                .await?
        };
        // An unknown NIP, an official with no key and a wrong signature are answered
        // alike: the check-in route must not tell a stranger who is on the roster.
        let message = presence_message(id, &nip, &code);
        if !proves_holder(key.as_ref(), message.as_bytes(), &signature) {
            return Err(Error::new(
                ErrorKind::Unauthorized,
                "request_not_authenticated",
                "Kehadiran tidak dapat dibuktikan berasal dari pemilik NIP ini. Pindai kode QR di layar aula dengan perangkat tempat Anda mendaftarkan kunci, lalu coba lagi.",
            ));
        }
        let (index, _) = self
            .record_attendance(id, nip, AttendanceMethod::PresenceCode, None)
            .await?;
        Ok(index)
    }

    pub async fn counts(&self, id: CeremonyId) -> Result<Counts> {
        self.store
            .read(move |db| {
                ceremony_in(db, id)?;
                let (invited, checked_in, signed) = db.ceremony_counts(id)?;
                Ok(Counts {
                    invited,
                    checked_in,
                    signed,
                })
            })
            .await
    }

    /// New enrollment codes for one page of the officials of an OPD (or all) who have no
    /// key yet, in roster order. The next page starts after the last card of this one;
    /// issuing codes does not give anyone a key, so the pages do not shift.
    pub async fn enrollment_cards(
        &self,
        caller: &Caller,
        opd: Option<String>,
        page: PageRequest,
    ) -> Result<Paged<Card>> {
        caller.require_admin()?;
        let opd = parse_opd(opd)?;
        let scope = scope_text(None, opd.as_ref().map(|o| o.as_str()));
        let page = page.parse(ROSTER_PAGE)?;
        let officials = self
            .store
            .read(move |db| {
                let after = roster_position(db, page.after)?;
                db.officials_page(opd.as_ref(), true, after.as_ref(), page.limit + 1)
            })
            .await?;
        let (officials, next) = split_page(officials, page.limit, |(row, ..)| *row);
        let now = self.now();
        let expires_at = now + self.config.enrollment_code_ttl;
        let mut cards = Vec::new();
        let mut hashes = Vec::new();
        for (_, official, _) in officials {
            let code = fresh_code()?;
            hashes.push((Sha256Hash::of(code.as_str().as_bytes()), official.subject));
            cards.push(Card {
                nip: official.nip.to_string(),
                category: official.category.as_str(),
                name: official.name,
                position: official.position,
                opd_code: official.opd_code.to_string(),
                opd_name: official.opd_name,
                code: code.as_str().to_string(),
                expires_at,
            });
        }
        self.store
            .write(move |w| {
                for (hash, subject) in &hashes {
                    w.insert_enrollment_code(hash, subject, now, expires_at)?;
                }
                Ok(())
            })
            .await?;
        self.record_access(caller, Reading::EnrollmentCards, scope, cards.len() as u64)
            .await?;
        Ok(Paged { items: cards, next })
    }
}
