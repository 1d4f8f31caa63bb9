//! The access log: every read of personal data through a token (the roster, reports,
//! unsigned lists and their CSV downloads, enrollment cards and codes, the desk's
//! search and check-in replies) is recorded with who (the token's holder), when, what
//! and how many people, before the data is returned. It is kept beside the registry's
//! log, not in it, and the admin pages through it or downloads it as CSV (UU 27/2022: a
//! record of processing).

use futures_util::stream;
use serde::Serialize;

use super::paging::{PageRequest, PageSize, split_page};
use super::reports::CsvChunks;
use super::{App, Caller};
use crate::error::Result;
use crate::store::AccessRecord;

/// What was read, as the access log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// `GET /api/officials`
    Roster,
    /// `GET /api/ceremonies/{id}/report`
    Report,
    /// `GET /api/ceremonies/{id}/unsigned`
    Unsigned,
    /// `GET /api/ceremonies/{id}/unsigned?format=csv`
    UnsignedCsv,
    /// `POST /api/enrollment-cards`
    EnrollmentCards,
    /// `POST /api/officials/{nip}/enrollment-code`
    EnrollmentCode,
    /// `POST /api/ceremonies/{id}/attendance`, whose reply names the official
    CheckIn,
    /// `GET /api/ceremonies/{id}/invitees?q=…`, the desk's search
    InviteeSearch,
    /// `GET /api/ceremonies/{id}/representatives`: who represents whom
    Representatives,
    /// The phone numbers and WhatsApp links in `GET /api/ceremonies/{id}/unsigned`
    /// (admin and the OPD's supervisor), recorded beside the `unsigned` read
    UnsignedPhones,
    /// `GET /api/ceremonies/{id}/unsigned?format=wa-csv`: names, phones and reminders
    UnsignedWaCsv,
}

impl Reading {
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::Roster => "roster",
            Reading::Report => "report",
            Reading::Unsigned => "unsigned",
            Reading::UnsignedCsv => "unsigned_csv",
            Reading::EnrollmentCards => "enrollment_cards",
            Reading::EnrollmentCode => "enrollment_code",
            Reading::CheckIn => "check_in",
            Reading::InviteeSearch => "invitee_search",
            Reading::Representatives => "representatives",
            Reading::UnsignedPhones => "unsigned_phones",
            Reading::UnsignedWaCsv => "unsigned_wa_csv",
        }
    }
}

/// Records of the access log, newest first.
pub const ACCESS_LOG_PAGE: PageSize = PageSize {
    default: 100,
    max: 1000,
};

#[derive(Debug, Clone, Serialize)]
pub struct AccessLogPage {
    pub records: Vec<AccessRecord>,
    /// Pass as `after` for the next (older) page; null on the last.
    pub next: Option<u64>,
}

/// The scope of a read as the log shows it: "ceremony 3, OPD DINKES", "all OPDs".
pub fn scope_text(ceremony: Option<u64>, opd: Option<&str>) -> String {
    let opd = match opd {
        Some(code) => format!("OPD {code}"),
        None => "all OPDs".to_string(),
    };
    match ceremony {
        Some(id) => format!("ceremony {id}, {opd}"),
        None => opd,
    }
}

impl App {
    /// Writes one access record; the read it describes is answered only once this is
    /// stored, so no personal data leaves unrecorded.
    pub(super) async fn record_access(
        &self,
        caller: &Caller,
        reading: Reading,
        scope: String,
        people: u64,
    ) -> Result<()> {
        let now = self.now();
        let holder = caller.holder.clone();
        let role = caller.role().role;
        self.store
            .write(move |w| w.record_access(now, &holder, role, reading.as_str(), &scope, people))
            .await
    }

    /// One page of the access log, newest first (admin only). `after` is the `next` of
    /// the previous page.
    pub async fn access_log(&self, caller: &Caller, page: PageRequest) -> Result<AccessLogPage> {
        caller.require_admin()?;
        let page = page.parse(ACCESS_LOG_PAGE)?;
        let rows = self
            .store
            .read(move |db| db.access_log(page.after, page.limit as usize + 1))
            .await?;
        let (records, next) = split_page(rows, page.limit, |r| r.id);
        Ok(AccessLogPage { records, next })
    }

    /// The whole access log as CSV, newest first, read a page at a time while it is
    /// sent (admin only). A read failing midway cuts the transfer off (see
    /// [`CsvChunks`]).
    pub async fn access_log_csv(&self, caller: &Caller) -> Result<CsvChunks> {
        caller.require_admin()?;
        let limit = ACCESS_LOG_PAGE.max as usize;
        let first = self
            .store
            .read(move |db| db.access_log(None, limit))
            .await?;
        let store = self.store.clone();
        let chunks = stream::unfold(Some((first, true)), move |step| {
            let store = store.clone();
            async move {
                let (records, first) = step?;
                let mut text = if first {
                    access_log_csv_header().to_string()
                } else {
                    String::new()
                };
                if records.is_empty() {
                    return (first).then_some((Ok(text), None));
                }
                match access_log_csv_rows(&records) {
                    Ok(rows) => text.push_str(&rows),
                    Err(e) => return Some((Err(e), None)),
                }
                let next = if records.len() < limit {
                    None
                } else {
                    let before = records.last().map(|r| r.id);
                    match store.read(move |db| db.access_log(before, limit)).await {
                        Ok(more) => Some((more, false)),
                        Err(e) => return Some((Err(e), None)),
                    }
                };
                Some((Ok(text), next))
            }
        });
        Ok(Box::pin(chunks))
    }
}

/// The access log as CSV, one record per line: the header, then the rows of each page.
pub fn access_log_csv_header() -> &'static str {
    "id,at,token_name,role,action,scope,people\n"
}

pub fn access_log_csv_rows(records: &[AccessRecord]) -> Result<String> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in records {
        writer
            .write_record([
                r.id.to_string(),
                crate::domain::record::format_time(r.at),
                r.token_name.clone(),
                r.role.clone(),
                r.action.clone(),
                r.scope.clone(),
                r.people.to_string(),
            ])
            .map_err(|e| crate::error::Error::internal(format!("writing CSV: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| crate::error::Error::internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| crate::error::Error::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_a_person_would_say_them() {
        assert_eq!(
            scope_text(Some(3), Some("DINKES")),
            "ceremony 3, OPD DINKES"
        );
        assert_eq!(scope_text(None, None), "all OPDs");
    }

    #[test]
    fn csv_rows_quote_names_with_commas() {
        let record = AccessRecord {
            id: 7,
            at: chrono::DateTime::parse_from_rfc3339("2024-10-07T01:00:00Z")
                .unwrap()
                .to_utc(),
            token_name: "Budi, meja 2".into(),
            role: "operator".into(),
            action: "roster".into(),
            scope: "all OPDs".into(),
            people: 12,
        };
        assert_eq!(
            access_log_csv_rows(&[record]).unwrap(),
            "7,2024-10-07T01:00:00Z,\"Budi, meja 2\",operator,roster,all OPDs,12\n"
        );
    }
}
