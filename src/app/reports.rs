//! Per-OPD reports of a ceremony: the counts (invited, attended, signed at the ceremony,
//! signed mandiri, pending, overdue) and the list of who has not signed, grouped by each
//! official's current unit. Supervisors see their own OPD only.

use serde::Serialize;

use super::ceremonies::ceremony_in;
use super::{App, Caller};
use crate::domain::ceremony::{OpdTally, invitee_status};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::error::{Error, Result};
use crate::store::Invitee;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
    async fn invitees_for(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<Vec<Invitee>> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        self.store
            .read(move |db| {
                ceremony_in(db, id)?;
                db.invitees(id, opd.as_ref())
            })
            .await
    }

    pub async fn report(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<Vec<OpdReport>> {
        let invitees = self.invitees_for(caller, id, opd).await?;
        let now = self.now();
        Ok(by_opd(&invitees)
            .map(|group| {
                let mut tally = OpdTally::default();
                for i in group {
                    tally.add(&i.facts, invitee_status(&i.facts, now));
                }
                OpdReport {
                    code: group[0].official.opd_code.to_string(),
                    name: group[0].official.opd_name.clone(),
                    invited: tally.invited,
                    attended: tally.attended,
                    signed_ceremony: tally.signed_ceremony,
                    signed_mandiri: tally.signed_mandiri,
                    pending: tally.pending,
                    overdue: tally.overdue,
                    late: tally.late,
                }
            })
            .collect())
    }

    pub async fn unsigned(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<Vec<OpdUnsigned>> {
        let invitees = self.invitees_for(caller, id, opd).await?;
        let now = self.now();
        Ok(by_opd(&invitees)
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
            .collect())
    }
}

/// The unsigned list as CSV for a spreadsheet. The identifier is written as the formula
/// `="198001012005011001"` so Excel and LibreOffice keep all 18 digits as text instead
/// of showing 1.98E+17; a UTF-8 byte order mark makes Excel read names with accents right.
pub fn unsigned_csv(opds: &[OpdUnsigned]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["opd_code", "opd_name", "nip", "name", "position", "status"])
        .expect("writing to memory cannot fail");
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
    format!(
        "\u{feff}{}",
        String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
    )
}
