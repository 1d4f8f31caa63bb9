//! Per-OPD reports of a ceremony: the counts (invited, attended, signed at the ceremony,
//! signed mandiri, pending, overdue) and the list of who has not signed, grouped by each
//! official's current unit. Supervisors see their own OPD only.

use std::pin::Pin;

use futures_util::{Stream, stream};
use serde::Serialize;

use super::access_log::{Reading, scope_text};
use super::ceremonies::ceremony_in;
use super::paging::{Page, PageRequest, Paged, ROSTER_PAGE, roster_position, split_page};
use super::{App, Caller};
use crate::domain::ceremony::{OpdTally, invitee_status};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::error::{Error, Result};
use crate::store::Invitee;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OpdReport {
    pub code: String,
    pub name: String,
    pub invited: u64,
    pub attended: u64,
    pub signed_ceremony: u64,
    pub signed_mandiri: u64,
    pub pending: u64,
    pub overdue: u64,
    pub late: u64,
    /// Invitees whose personal data was erased (UU 27/2022): counted in `invited`, never
    /// as pending or overdue.
    pub erased: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnsignedOfficial {
    pub nip: String,
    pub name: String,
    pub position: String,
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OpdUnsigned {
    pub code: String,
    pub name: String,
    pub unsigned: Vec<UnsignedOfficial>,
}

/// Consecutive invitees of the same OPD (they arrive sorted by unit).
fn by_opd(invitees: &[Invitee]) -> impl Iterator<Item = &[Invitee]> {
    invitees.chunk_by(|a, b| a.official.opd_code == b.official.opd_code)
}

/// An optional OPD filter from a query or body: absent or blank means every OPD.
pub(super) fn parse_opd(opd: Option<String>) -> Result<Option<OpdCode>> {
    opd.filter(|o| !o.trim().is_empty())
        .map(|o| OpdCode::parse(&o).map_err(|e| Error::bad_request("invalid_opd", e.to_string())))
        .transpose()
}

impl App {
    /// The per-OPD counts, from one pass over the invitees in roster order that keeps a
    /// tally per unit and nothing per person: its memory grows with the number of OPDs,
    /// not of invitees.
    pub async fn report(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<Vec<OpdReport>> {
        let opd = caller.countable_opd(parse_opd(opd)?)?;
        let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
        let now = self.now();
        let tallies = self
            .store
            .read(move |db| {
                ceremony_in(db, id)?;
                let mut tallies: Vec<(String, String, OpdTally)> = Vec::new();
                db.for_each_invitee_by_unit(id, opd.as_ref(), |code, name, facts| {
                    if tallies.last().is_none_or(|(last, ..)| last != code) {
                        tallies.push((code.to_string(), name.to_string(), OpdTally::default()));
                    }
                    if let Some((.., tally)) = tallies.last_mut() {
                        tally.add(&facts, invitee_status(&facts, now));
                    }
                    Ok(())
                })?;
                let erased = db.erased_invitees(id, opd.as_ref())?;
                Ok((tallies, erased))
            })
            .await?;
        let (tallies, erased) = tallies;
        let mut reports: Vec<OpdReport> = tallies
            .into_iter()
            .map(|(code, name, tally)| OpdReport {
                code: code.to_string(),
                name,
                invited: tally.invited,
                attended: tally.attended,
                signed_ceremony: tally.signed_ceremony,
                signed_mandiri: tally.signed_mandiri,
                pending: tally.pending,
                overdue: tally.overdue,
                late: tally.late,
                erased: 0,
            })
            .collect();
        for (code, name, count) in erased {
            match reports.iter_mut().find(|r| r.code == code) {
                Some(report) => report.erased = count,
                None => reports.push(OpdReport {
                    code,
                    name,
                    erased: count,
                    ..OpdReport::default()
                }),
            }
        }
        for report in &mut reports {
            report.invited += report.erased;
        }
        reports.sort_by(|a, b| a.code.cmp(&b.code));
        let people = reports.iter().map(|r| r.invited).sum();
        self.record_access(caller, Reading::Report, scope, people)
            .await?;
        Ok(reports)
    }

    /// One page of who has not signed. A page looks at up to `limit` invitees in roster
    /// order and lists the unsigned among them, grouped by OPD, with every OPD it passes
    /// (an OPD whose invitees all signed comes with an empty list, as in the whole list).
    /// An OPD can continue on the next page: a reader joins groups with the same code.
    pub async fn unsigned(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
        page: PageRequest,
    ) -> Result<Paged<OpdUnsigned>> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
        let page = page.parse(ROSTER_PAGE)?;
        let unsigned = self.unsigned_page(id, opd, page).await?;
        let people = unsigned.items.iter().map(|o| o.unsigned.len() as u64).sum();
        self.record_access(caller, Reading::Unsigned, scope, people)
            .await?;
        Ok(unsigned)
    }

    /// The unsigned list as CSV, read from the store a page at a time while it is sent,
    /// so a download holds one page however large the roster. The first page is read
    /// before anything is sent, so a wrong ceremony or OPD is still answered with an
    /// error; a failure later ends the stream with an error, which the HTTP layer turns
    /// into a broken-off transfer rather than a file that looks complete.
    pub async fn unsigned_csv(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<CsvChunks> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        let page = Page {
            limit: CSV_PAGE,
            after: None,
        };
        let first = self.unsigned_page(id, opd.clone(), page).await?;
        // The whole download is recorded before its first byte leaves, with everyone
        // it will list, so a transfer broken off midway is not a read left unrecorded.
        let people = {
            let opd = opd.clone();
            self.store
                .read(move |db| db.unsigned_count(id, opd.as_ref()))
                .await?
        };
        let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
        self.record_access(caller, Reading::UnsignedCsv, scope, people)
            .await?;
        let app = self.clone();
        let chunks = stream::unfold(CsvStep::Send(first, true), move |step| {
            let (app, opd) = (app.clone(), opd.clone());
            async move {
                let (page, first) = match step {
                    CsvStep::Done => return None,
                    CsvStep::Send(page, first) => (page, first),
                    CsvStep::Read(after) => {
                        let page = Page {
                            limit: CSV_PAGE,
                            after: Some(after),
                        };
                        match app.unsigned_page(id, opd, page).await {
                            Ok(page) => (page, false),
                            Err(e) => return Some((Err(e), CsvStep::Done)),
                        }
                    }
                };
                let text = unsigned_csv_rows(first, &page.items);
                Some((Ok(text), page.next.map_or(CsvStep::Done, CsvStep::Read)))
            }
        });
        Ok(Box::pin(chunks))
    }

    async fn unsigned_page(
        &self,
        id: CeremonyId,
        opd: Option<OpdCode>,
        page: Page,
    ) -> Result<Paged<OpdUnsigned>> {
        let now = self.now();
        let rows = self
            .store
            .read(move |db| {
                ceremony_in(db, id)?;
                let after = roster_position(db, page.after)?;
                db.invitees_page(id, opd.as_ref(), after.as_ref(), page.limit + 1)
            })
            .await?;
        let (rows, next) = split_page(rows, page.limit, |(row, _)| *row);
        let invitees: Vec<Invitee> = rows.into_iter().map(|(_, i)| i).collect();
        let items = by_opd(&invitees)
            .map(|group| OpdUnsigned {
                code: group[0].official.opd_code.to_string(),
                name: group[0].official.opd_name.clone(),
                unsigned: group
                    .iter()
                    .filter_map(|i| {
                        let status = invitee_status(&i.facts, now);
                        (!status.is_signed()).then(|| UnsignedOfficial {
                            nip: i.official.nip.to_string(),
                            name: i.official.name.clone(),
                            position: i.official.position.clone(),
                            status: status.as_str(),
                        })
                    })
                    .collect(),
            })
            .collect();
        Ok(Paged { items, next })
    }
}

/// Invitees read for each chunk of a CSV download: the largest page of the JSON list,
/// some 300 KB while it is formatted. Larger chunks were no faster (the CSV of 100,000
/// took 1.3 s in chunks of 1,000 and of 5,000 alike).
const CSV_PAGE: u64 = ROSTER_PAGE.max;

/// The chunks of a CSV download, each some rows of text, or the error that cut it off.
pub type CsvChunks = Pin<Box<dyn Stream<Item = Result<String>>>>;

/// Where a CSV download stands: a page read and not yet sent (the first with the
/// header), the cursor of the next page to read, or the end.
enum CsvStep {
    Send(Paged<OpdUnsigned>, bool),
    Read(u64),
    Done,
}

/// Rows of the unsigned list as CSV for a spreadsheet; the first chunk of a file starts
/// with a UTF-8 byte order mark, so Excel reads names with accents right, and the
/// header. The identifier is written as the formula `="198001012005011001"` so Excel and
/// LibreOffice keep all 18 digits as text instead of showing 1.98E+17.
pub fn unsigned_csv_rows(first: bool, opds: &[OpdUnsigned]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    if first {
        out.write_record(["opd_code", "opd_name", "nip", "name", "position", "status"])
            .expect("writing to memory cannot fail");
    }
    for opd in opds {
        for o in &opd.unsigned {
            out.write_record([
                opd.code.as_str(),
                opd.name.as_str(),
                &format!("=\"{}\"", o.nip),
                o.name.as_str(),
                o.position.as_str(),
                o.status,
            ])
            .expect("writing to memory cannot fail");
        }
    }
    let bytes = out.into_inner().expect("writing to memory cannot fail");
    let text = String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8");
    if first {
        format!("\u{feff}{text}")
    } else {
        text
    }
}
