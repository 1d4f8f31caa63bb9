//! The roster: importing officials from a CSV (API and `pakta import`) and listing
//! them per OPD. Valid rows are imported in one transaction; invalid ones come back with
//! their line number and a reason a clerk can act on.

use serde::Serialize;

use super::access_log::{Reading, scope_text};
use super::paging::{PageRequest, Paged, ROSTER_PAGE, roster_position, split_page};
use super::{App, Caller, random};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::SubjectId;
use crate::domain::roster::{ParsedRoster, Rejection, parse_roster_bytes};
use crate::error::{Error, Result};
use crate::store::Upserted;

use super::units::{LeftOut, UnmappedUnit, siasn_sheet};

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<Rejection>,
    /// Which file it was: "pakta-csv", "siasn-xlsx" or "siasn-csv".
    pub format: &'static str,
    /// SIASN officials not in service (KEDUDUKAN HUKUM other than Aktif, CPNS, Tugas
    /// Belajar, Masa Persiapan Pensiun), counted by that status.
    pub left_out: Vec<LeftOut>,
    /// Rows imported with something dropped (a NOMOR HP that is not a mobile number).
    pub warnings: Vec<Rejection>,
    /// SIASN officials of this file held back because their unit maps to no OPD.
    pub held: u64,
    /// Every unit with officials held back (from this file or earlier ones), for the
    /// clerk to assign once: `PUT /api/units/{id}`.
    pub unmapped_units: Vec<UnmappedUnit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficialView {
    pub nip: String,
    pub name: String,
    pub position: String,
    pub rank: Option<String>,
    pub category: &'static str,
    pub opd_code: String,
    pub opd_name: String,
    /// "active" once a key is enrolled, "none" before.
    pub key_status: &'static str,
}

impl App {
    pub async fn import_roster(&self, caller: &Caller, csv: &[u8]) -> Result<ImportReport> {
        caller.require_admin()?;
        if let Some(sheet) = siasn_sheet(csv)? {
            return self.import_siasn(sheet).await;
        }
        let parsed = parse_roster_bytes(csv)
            .map_err(|e| Error::bad_request("invalid_roster", format!("{e}")))?;
        self.import_parsed(parsed).await
    }

    /// The same import for the command line, without a caller or a runtime.
    pub fn import_roster_blocking(&self, csv: &[u8]) -> Result<ImportReport> {
        if let Some(sheet) = siasn_sheet(csv)? {
            return self.import_siasn_blocking(sheet);
        }
        let parsed = parse_roster_bytes(csv)
            .map_err(|e| Error::bad_request("invalid_roster", format!("{e}")))?;
        let (subjects, now) = (fresh_subjects(parsed.rows.len())?, self.now());
        self.store
            .write_blocking(move |w| apply_roster(w, parsed, subjects, now))
    }

    async fn import_parsed(&self, parsed: ParsedRoster) -> Result<ImportReport> {
        let (subjects, now) = (fresh_subjects(parsed.rows.len())?, self.now());
        self.store
            .write(move |w| apply_roster(w, parsed, subjects, now))
            .await
    }

    /// One page of the roster, by unit then name, with each official's key status.
    pub async fn officials(
        &self,
        caller: &Caller,
        opd: Option<String>,
        page: PageRequest,
    ) -> Result<Paged<OfficialView>> {
        self.search_officials(caller, opd, None, page).await
    }

    /// One page of the roster whose officials' name or identifier contains `search`
    /// (blank: everyone), in the same order and with the same cursor as the whole list.
    /// The access log records the read and how many were listed, never what was
    /// searched for: a name typed into the box is personal data too.
    pub async fn search_officials(
        &self,
        caller: &Caller,
        opd: Option<String>,
        search: Option<String>,
        page: PageRequest,
    ) -> Result<Paged<OfficialView>> {
        let search = parse_search(search)?;
        let opd = opd
            .map(|o| {
                OpdCode::parse(&o).map_err(|e| Error::bad_request("invalid_opd", e.to_string()))
            })
            .transpose()?;
        let opd = caller.readable_opd(opd)?;
        let scope = scope_text(None, opd.as_ref().map(OpdCode::as_str));
        let page = page.parse(ROSTER_PAGE)?;
        let rows = self
            .store
            .read(move |db| {
                let after = roster_position(db, page.after)?;
                match &search {
                    None => db.officials_page(opd.as_ref(), false, after.as_ref(), page.limit + 1),
                    Some(search) => {
                        db.officials_matching(opd.as_ref(), search, after.as_ref(), page.limit + 1)
                    }
                }
            })
            .await?;
        let (rows, next) = split_page(rows, page.limit, |(row, ..)| *row);
        let items = rows
            .into_iter()
            .map(|(_, o, has_key)| OfficialView {
                nip: o.nip.to_string(),
                name: o.name,
                position: o.position,
                rank: o.rank,
                category: o.category.as_str(),
                opd_code: o.opd_code.to_string(),
                opd_name: o.opd_name,
                key_status: if has_key { "active" } else { "none" },
            })
            .collect::<Vec<_>>();
        self.record_access(caller, Reading::Roster, scope, items.len() as u64)
            .await?;
        Ok(Paged { items, next })
    }
}

/// Longest roster search, in characters: a full name with titles fits.
const SEARCH_MAX: usize = 100;

/// A roster search as typed: surrounding spaces dropped, blank meaning no search.
fn parse_search(search: Option<String>) -> Result<Option<String>> {
    let Some(search) = search
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    if search.chars().count() > SEARCH_MAX {
        return Err(Error::bad_request(
            "invalid_search",
            format!(
                "Kata pencarian terlalu panjang: paling banyak {SEARCH_MAX} karakter. Ketik sebagian nama atau NIP saja."
            ),
        ));
    }
    Ok(Some(search))
}

pub(super) fn fresh_subjects(count: usize) -> Result<Vec<SubjectId>> {
    (0..count)
        .map(|_| random::<16>().map(SubjectId::from_random))
        .collect()
}

fn apply_roster(
    w: &mut crate::store::WriteTx<'_>,
    parsed: ParsedRoster,
    subjects: Vec<SubjectId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        rejected: parsed.rejected,
        format: "pakta-csv",
        ..Default::default()
    };
    for (row, subject) in parsed.rows.iter().zip(subjects) {
        w.upsert_opd(&row.opd_code, &row.opd_name)?;
        let outcome = w.upsert_official(
            subject,
            &row.identifier,
            row.category,
            &row.name,
            &row.position,
            row.rank.as_deref(),
            &row.opd_code,
            now,
        )?;
        match outcome {
            Upserted::Created => report.created += 1,
            Upserted::Updated => report.updated += 1,
            Upserted::Unchanged => report.unchanged += 1,
        }
    }
    Ok(report)
}
