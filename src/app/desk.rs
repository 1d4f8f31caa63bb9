//! The registration desk (issue 9): checking an official in by NIP, with a reply that
//! names them so the operator can see it is the person in front of the desk, and
//! finding an invitee of the desk's ceremony by a few letters of the name or digits of
//! the NIP. Both are for the admin or that ceremony's operator only, and both are reads
//! of personal data, so each is recorded in the access log before it is answered.

use serde::Serialize;

use super::access_log::{Reading, scope_text};
use super::ceremonies::ceremony_in;
use super::enrollment::parse_nip;
use super::{App, Caller};
use crate::domain::desk::{DESK_MATCHES, InviteeQuery};
use crate::domain::entry::AttendanceMethod;
use crate::domain::ids::CeremonyId;
use crate::error::{Error, Result};
use crate::store::Official;

/// Who was checked in, as the desk shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedIn {
    pub index: u64,
    pub nip: String,
    pub name: String,
    pub position: String,
    pub opd_code: String,
    pub opd_name: String,
}

/// One invitee found by the desk's search.
#[derive(Debug, Clone, Serialize)]
pub struct DeskMatch {
    pub nip: String,
    pub name: String,
    pub position: String,
    pub opd_code: String,
    pub opd_name: String,
    pub checked_in: bool,
}

/// The desk's search: at most [`DESK_MATCHES`] invitees, and whether more matched.
#[derive(Debug, Clone, Serialize)]
pub struct DeskMatches {
    pub invitees: Vec<DeskMatch>,
    /// More invitees matched than are listed: type more of the name.
    pub more: bool,
}

impl DeskMatch {
    fn of(official: Official, checked_in: bool) -> DeskMatch {
        DeskMatch {
            nip: official.nip.to_string(),
            name: official.name,
            position: official.position,
            opd_code: official.opd_code.to_string(),
            opd_name: official.opd_name,
            checked_in,
        }
    }
}

impl App {
    /// Records that an official is in the hall, as the desk does it.
    pub async fn check_in(&self, caller: &Caller, id: CeremonyId, nip: &str) -> Result<CheckedIn> {
        caller.require_check_in(id)?;
        let nip = parse_nip(nip)?;
        let (index, official) = self
            .record_attendance(id, nip, AttendanceMethod::Desk, Some(caller.clone()))
            .await?;
        Ok(CheckedIn {
            index,
            nip: official.nip.to_string(),
            name: official.name,
            position: official.position,
            opd_code: official.opd_code.to_string(),
            opd_name: official.opd_name,
        })
    }

    /// The invitees of the ceremony whose name or NIP holds what the operator typed.
    pub async fn find_invitees(
        &self,
        caller: &Caller,
        id: CeremonyId,
        typed: &str,
    ) -> Result<DeskMatches> {
        caller.require_check_in(id)?;
        let query = InviteeQuery::parse(typed)
            .map_err(|e| Error::bad_request("invalid_query", e.to_string()))?;
        let found = self
            .store
            .read(move |db| {
                ceremony_in(db, id)?;
                db.find_invitees(id, &query, DESK_MATCHES as u64 + 1)
            })
            .await?;
        let more = found.len() > DESK_MATCHES;
        let invitees: Vec<DeskMatch> = found
            .into_iter()
            .take(DESK_MATCHES)
            .map(|(official, checked_in)| DeskMatch::of(official, checked_in))
            .collect();
        self.record_access(
            caller,
            Reading::InviteeSearch,
            scope_text(Some(id.get()), None),
            invitees.len() as u64,
        )
        .await?;
        Ok(DeskMatches { invitees, more })
    }
}
