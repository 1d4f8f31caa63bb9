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
use crate::domain::ceremony::{InviteeStatus, OpdTally, invitee_status};
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
    /// Invitees a representative signed for (perwakilan) who have not signed
    /// themselves: neither signed nor pending.
    pub represented: u64,
    /// For a ceremony of a campaign: the unit's recap, countersigned by its head
    /// ("direkap dan ditandatangani Kepala OPD …").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recap: Option<super::RecapMark>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct UnsignedOfficial {
    pub nip: String,
    pub name: String,
    pub position: String,
    pub status: &'static str,
    /// For the status `represented`: the name of the representative who signed for
    /// them ("diwakili oleh …").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub represented_by: Option<String>,
    /// For the admin and the supervisor of the OPD only (absent for everyone else): the
    /// mobile number from SIASN ("0812-3456-7890"), null when none is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Option<String>>,
    /// With `phone`: a `https://wa.me/62…?text=…` link carrying a short reminder with
    /// the signing link (see `app::chasing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<Option<String>>,
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
                represented: tally.represented,
                recap: None,
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
        let zone = self.config.zone;
        let marks = self
            .store
            .read(move |db| App::recap_marks_in(db, id, zone))
            .await?;
        for report in &mut reports {
            report.recap = marks
                .iter()
                .find(|(code, _)| *code == report.code)
                .map(|(_, mark)| mark.clone());
        }
        let people = reports.iter().map(|r| r.invited).sum();
        self.record_access(caller, Reading::Report, scope, people)
            .await?;
        Ok(reports)
    }

    /// The per-OPD counts as CSV for a spreadsheet, by OPD name, with a last row of
    /// totals; read and recorded in the access log as the report is.
    pub async fn report_csv(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<String> {
        let reports = self.report(caller, id, opd).await?;
        Ok(report_csv_text(reports))
    }

    /// One page of who has not signed. A page looks at up to `limit` invitees in roster
    /// order and lists the unsigned among them, grouped by OPD, with every OPD it passes
    /// (an OPD whose invitees all signed comes with an empty list, as in the whole list).
    /// An OPD can continue on the next page: a reader joins groups with the same code.
    /// `site` is the address the caller reached the registry at, for the signing link
    /// in the reminders of those who may read phone numbers.
    pub async fn unsigned(
        &self,
        caller: &Caller,
        site: &str,
        id: CeremonyId,
        opd: Option<String>,
        page: PageRequest,
    ) -> Result<Paged<OpdUnsigned>> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
        let page = page.parse(ROSTER_PAGE)?;
        let mut unsigned = self.unsigned_page(id, opd, page).await?;
        let people = unsigned.items.iter().map(|o| o.unsigned.len() as u64).sum();
        self.record_access(caller, Reading::Unsigned, scope.clone(), people)
            .await?;
        self.add_phones(caller, site, id, scope, &mut unsigned.items)
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

    pub(super) async fn unsigned_page(
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
                let rows = db.invitees_page(id, opd.as_ref(), after.as_ref(), page.limit + 1)?;
                let representatives = if rows.iter().any(|(_, i)| i.facts.represented) {
                    super::representation::representative_names(db, id)?
                } else {
                    Default::default()
                };
                Ok((rows, representatives))
            })
            .await?;
        let (rows, representatives) = rows;
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
                            represented_by: (status == InviteeStatus::Represented)
                                .then(|| representatives.get(&i.official.subject).cloned())
                                .flatten(),
                            ..UnsignedOfficial::default()
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

/// The columns of the unsigned CSV, in Indonesian for the clerk who opens it in a
/// spreadsheet (README, "HTTP API", lists them).
pub const UNSIGNED_CSV_HEADER: [&str; 6] =
    ["Kode OPD", "Nama OPD", "NIP", "Nama", "Jabatan", "Status"];

/// The columns of the per-OPD summary CSV; its last row, "Jumlah", holds the totals.
pub const REPORT_CSV_HEADER: [&str; 10] = [
    "Kode OPD",
    "Nama OPD",
    "Diundang",
    "Hadir",
    "Tanda tangan di upacara",
    "Ikrar mandiri",
    "Belum",
    "Lewat batas",
    "Terlambat",
    "Data dihapus (PDP)",
];

/// A status as the report page says it (web/common.js `STATUS_WORDS`): the CSV is read
/// by people, who should not have to know the API's codes.
pub(super) fn status_words(status: &str) -> &str {
    match status {
        "absent" => "tidak hadir",
        "attended-unsigned" => "hadir, belum tanda tangan",
        "signed" => "tanda tangan di upacara",
        "mandiri-pending" => "ikrar mandiri, belum jatuh tempo",
        "mandiri-signed" => "ikrar mandiri selesai",
        "mandiri-late" => "ikrar mandiri terlambat",
        "mandiri-overdue" => "ikrar mandiri lewat batas",
        "represented" => "diwakili perwakilan",
        other => other,
    }
}

/// The summary CSV: one row per OPD by name, then the totals, after a byte order mark.
fn report_csv_text(mut reports: Vec<OpdReport>) -> String {
    reports.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.code.cmp(&b.code)));
    let counts = |r: &OpdReport| {
        [
            r.invited,
            r.attended,
            r.signed_ceremony,
            r.signed_mandiri,
            r.pending,
            r.overdue,
            r.late,
            r.erased,
        ]
    };
    let mut totals = [0u64; 8];
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(REPORT_CSV_HEADER)
        .expect("writing to memory cannot fail");
    for r in &reports {
        let row = counts(r);
        for (total, n) in totals.iter_mut().zip(row) {
            *total += n;
        }
        let mut record = vec![r.code.clone(), r.name.clone()];
        record.extend(row.iter().map(u64::to_string));
        out.write_record(&record)
            .expect("writing to memory cannot fail");
    }
    let mut record = vec![String::new(), "Jumlah".to_string()];
    record.extend(totals.iter().map(u64::to_string));
    out.write_record(&record)
        .expect("writing to memory cannot fail");
    let bytes = out.into_inner().expect("writing to memory cannot fail");
    let text = String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8");
    format!("\u{feff}{text}")
}

/// Rows of the unsigned list as CSV for a spreadsheet; the first chunk of a file starts
/// with a UTF-8 byte order mark, so Excel reads names with accents right, and the
/// header. The identifier is written as the formula `="198001012005011001"` so Excel and
/// LibreOffice keep all 18 digits as text instead of showing 1.98E+17; the status is in
/// words.
pub fn unsigned_csv_rows(first: bool, opds: &[OpdUnsigned]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    if first {
        out.write_record(UNSIGNED_CSV_HEADER)
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
                &o.represented_by.as_ref().map_or_else(
                    || status_words(o.status).to_string(),
                    |name| format!("diwakili oleh {name}"),
                ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_csv_lists_opds_by_name_with_totals_under_indonesian_headings() {
        let opd = |code: &str, name: &str, invited, pending| OpdReport {
            code: code.into(),
            name: name.into(),
            invited,
            attended: 1,
            pending,
            ..OpdReport::default()
        };
        let text = report_csv_text(vec![
            opd("SETDA", "Sekretariat Daerah", 3, 2),
            opd("DINKES", "Dinas Kesehatan", 4, 1),
        ]);
        let text = text
            .strip_prefix('\u{feff}')
            .expect("a byte order mark for Excel");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "Kode OPD,Nama OPD,Diundang,Hadir,Tanda tangan di upacara,Ikrar mandiri,Belum,Lewat batas,Terlambat,Data dihapus (PDP)",
                "DINKES,Dinas Kesehatan,4,1,0,0,1,0,0,0",
                "SETDA,Sekretariat Daerah,3,1,0,0,2,0,0,0",
                ",Jumlah,7,2,0,0,3,0,0,0",
            ]
        );
    }

    #[test]
    fn the_unsigned_csv_says_each_status_in_words() {
        let opds = [OpdUnsigned {
            code: "DINKES".into(),
            name: "Dinas Kesehatan".into(),
            unsigned: vec![
                UnsignedOfficial {
                    nip: "199003032021211003".into(),
                    name: "Budi Santoso".into(),
                    position: "Perawat".into(),
                    status: "absent",
                    ..UnsignedOfficial::default()
                },
                UnsignedOfficial {
                    nip: "3201014501900001".into(),
                    name: "Rina Marlina".into(),
                    position: "Staf".into(),
                    status: "attended-unsigned",
                    ..UnsignedOfficial::default()
                },
            ],
        }];
        let text = unsigned_csv_rows(true, &opds);
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "Kode OPD,Nama OPD,NIP,Nama,Jabatan,Status",
                "DINKES,Dinas Kesehatan,\"=\"\"199003032021211003\"\"\",Budi Santoso,Perawat,tidak hadir",
                "DINKES,Dinas Kesehatan,\"=\"\"3201014501900001\"\"\",Rina Marlina,Staf,\"hadir, belum tanda tangan\"",
            ]
        );
    }
}
