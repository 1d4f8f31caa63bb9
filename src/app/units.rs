//! The SIASN roster: importing SIASN's "Export Data ASN" (.xlsx or CSV) through the same
//! `POST /api/officials/import` and `pakta import` as Pakta's own CSV, and the SIASN
//! units (UNOR) that group officials into OPDs: `POST /api/units/import` (the unit tree,
//! or a unit→OPD file), `GET /api/units/unmapped` and `PUT /api/units/{id}`.
//!
//! An official whose unit maps to no OPD is not imported: they are held (validated,
//! with their row) until the clerk assigns the unit, and are imported at that moment,
//! by the `PUT` (or by a units import that maps their unit). Re-importing the export
//! also imports them once their unit is mapped.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::roster::ImportReport;
use super::{App, Caller, random};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::SubjectId;
use crate::domain::roster::{Rejection, RosterError};
use crate::domain::siasn::{
    self, ParsedSiasn, ParsedUnits, Sheet, SiasnRow, UnitFileKind, count_left_out,
};
use crate::error::{Error, Result};
use crate::store::{Db, Upserted, WriteTx};

/// SIASN officials left out of an import, by their KEDUDUKAN HUKUM as written.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LeftOut {
    pub reason: String,
    pub count: u64,
}

/// A unit whose officials are held back until it is mapped to an OPD.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnmappedUnit {
    /// The unit to assign (`PUT /api/units/{id}`): the unit directly below the
    /// instansi when the unit tree is known, so one assignment covers its sub-units.
    pub id: String,
    pub name: String,
    /// Officials held for this unit and the units below it.
    pub officials: u64,
}

/// Officials imported when held ones are let go.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Released {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The answer to `POST /api/units/import`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnitsReport {
    /// "tree" (SIASN's unit reference: ID, NAMA UNOR, DIATASAN ID) or "mapping"
    /// (UNOR ID, OPD CODE).
    pub kind: &'static str,
    /// Units stored from the file.
    pub units: u64,
    /// Of those, how many now belong to an OPD.
    pub mapped: u64,
    pub rejected: Vec<Rejection>,
    /// OPD-level units (directly below the instansi) of a tree that name no OPD code
    /// and match no OPD by name: assign each once with `PUT /api/units/{id}`.
    pub opd_units_without_code: Vec<UnitName>,
    /// Held officials imported because their unit is now mapped.
    pub released: Released,
    pub unmapped_units: Vec<UnmappedUnit>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnitName {
    pub id: String,
    pub name: String,
}

/// The body of `PUT /api/units/{id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitAssignment {
    pub opd_code: String,
    /// Needed only for an OPD the registry does not know yet.
    pub opd_name: Option<String>,
}

/// The answer to `PUT /api/units/{id}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AssignedUnit {
    pub id: String,
    pub name: String,
    pub opd_code: String,
    /// Held officials imported by this assignment.
    pub released: Released,
    pub unmapped_units: Vec<UnmappedUnit>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnmappedList {
    pub units: Vec<UnmappedUnit>,
}

/// A SIASN export, read, with the name of its form.
pub(super) struct SiasnSheet {
    sheet: Sheet,
    format: &'static str,
}

fn invalid_roster(e: RosterError) -> Error {
    Error::bad_request("invalid_roster", e.to_string())
}

/// The upload as a SIASN export, or None for Pakta's own CSV: an .xlsx (by its zip
/// signature) is always read as SIASN's; a CSV is when its header has `NIP BARU`.
pub(super) fn siasn_sheet(bytes: &[u8]) -> Result<Option<SiasnSheet>> {
    if siasn::is_xlsx(bytes) {
        let sheet = siasn::read_xlsx(bytes).map_err(invalid_roster)?;
        return Ok(Some(SiasnSheet {
            sheet,
            format: "siasn-xlsx",
        }));
    }
    if siasn::is_siasn_csv(bytes) {
        let sheet = siasn::read_csv(bytes).map_err(invalid_roster)?;
        return Ok(Some(SiasnSheet {
            sheet,
            format: "siasn-csv",
        }));
    }
    Ok(None)
}

fn units_sheet(bytes: &[u8]) -> Result<ParsedUnits> {
    let invalid = |e: RosterError| Error::bad_request("invalid_units", e.to_string());
    let sheet = if siasn::is_xlsx(bytes) {
        siasn::read_xlsx(bytes)
    } else {
        siasn::read_csv(bytes)
    }
    .map_err(invalid)?;
    siasn::parse_units(&sheet).map_err(invalid)
}

/// An id as SIASN writes one: printable, at most 100 characters.
fn parse_unit_id(raw: &str) -> Result<String> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > 100 || id.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "invalid_unit",
            "ID unit tidak sah: isi UNOR ID dari SIASN (paling banyak 100 karakter).",
        ));
    }
    Ok(id.to_string())
}

impl App {
    pub(super) async fn import_siasn(&self, sheet: SiasnSheet) -> Result<ImportReport> {
        let parsed = siasn::parse_export(&sheet.sheet).map_err(invalid_roster)?;
        let now = self.now();
        self.store
            .write(move |w| apply_siasn(w, parsed, sheet.format, now))
            .await
    }

    pub(super) fn import_siasn_blocking(&self, sheet: SiasnSheet) -> Result<ImportReport> {
        let parsed = siasn::parse_export(&sheet.sheet).map_err(invalid_roster)?;
        let now = self.now();
        self.store
            .write_blocking(move |w| apply_siasn(w, parsed, sheet.format, now))
    }

    /// `POST /api/units/import` (admin): the unit tree or a unit→OPD file; officials held
    /// for units it maps are imported.
    pub async fn import_units(&self, caller: &Caller, bytes: &[u8]) -> Result<UnitsReport> {
        caller.require_admin()?;
        let parsed = units_sheet(bytes)?;
        let now = self.now();
        self.store.write(move |w| apply_units(w, parsed, now)).await
    }

    /// `pakta import --units FILE`.
    pub fn import_units_blocking(&self, bytes: &[u8]) -> Result<UnitsReport> {
        let parsed = units_sheet(bytes)?;
        let now = self.now();
        self.store
            .write_blocking(move |w| apply_units(w, parsed, now))
    }

    /// `GET /api/units/unmapped` (admin): units with officials held back, and how many.
    /// Counts only, no names: not a read of personal data.
    pub async fn unmapped_units(&self, caller: &Caller) -> Result<UnmappedList> {
        caller.require_admin()?;
        let units = self.store.read(unmapped).await?;
        Ok(UnmappedList { units })
    }

    /// `PUT /api/units/{id}` (admin): maps a unit (and the units below it) to an OPD,
    /// and imports the officials held for it at once.
    pub async fn assign_unit(
        &self,
        caller: &Caller,
        id: &str,
        body: UnitAssignment,
    ) -> Result<AssignedUnit> {
        caller.require_admin()?;
        let id = parse_unit_id(id)?;
        let code = OpdCode::parse(&body.opd_code)
            .map_err(|e| Error::bad_request("invalid_opd", e.to_string()))?;
        let opd_name = body
            .opd_name
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|n| !n.is_empty());
        if opd_name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(Error::bad_request(
                "invalid_opd",
                "Nama OPD terlalu panjang: paling banyak 200 karakter.",
            ));
        }
        let now = self.now();
        self.store
            .write(move |w| {
                let known = w.db().unit(&id)?;
                let held_name = w
                    .db()
                    .held_officials()?
                    .into_iter()
                    .find(|r| r.unit_id == id)
                    .map(|r| r.unit_name);
                let name = match (&known, held_name) {
                    (Some(unit), _) => unit.name.clone(),
                    (None, Some(name)) => name,
                    (None, None) => {
                        return Err(Error::not_found(
                            "unknown_unit",
                            format!(
                                "Unit {id} tidak dikenal: tidak ada di data unit dan tidak ada pegawai yang menunggu di unit itu. Periksa UNOR ID, atau impor data unit dari SIASN dahulu."
                            ),
                        ));
                    }
                };
                match (w.db().opd_name(&code)?, &opd_name) {
                    (_, Some(opd_name)) => w.upsert_opd(&code, opd_name)?,
                    (Some(_), None) => {}
                    (None, None) => {
                        return Err(Error::bad_request(
                            "unknown_opd",
                            format!(
                                "OPD {code} belum dikenal; sertakan opd_name (nama lengkap OPD) agar OPD itu dibuat."
                            ),
                        ));
                    }
                }
                w.upsert_unit(&id, Some(&name), None, Some(&code))?;
                let released = release_held(w, now)?;
                Ok(AssignedUnit {
                    id,
                    name,
                    opd_code: code.to_string(),
                    released,
                    unmapped_units: unmapped(&w.db())?,
                })
            })
            .await
    }

    /// Sets officials' phone numbers directly (the demo's fictional numbers); unknown
    /// identifiers are skipped. Returns how many were set.
    pub async fn set_phones(
        &self,
        caller: &Caller,
        phones: Vec<(String, crate::domain::phone::Phone)>,
    ) -> Result<u64> {
        caller.require_admin()?;
        self.store
            .write(move |w| {
                let mut set = 0;
                for (nip, phone) in &phones {
                    if w.set_phone(nip, Some(phone.as_str()))? {
                        set += 1;
                    }
                }
                Ok(set)
            })
            .await
    }
}

fn apply_siasn(
    w: &mut WriteTx<'_>,
    parsed: ParsedSiasn,
    format: &'static str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        format,
        left_out: count_left_out(&parsed.left_out)
            .into_iter()
            .map(|(reason, count)| LeftOut { reason, count })
            .collect(),
        warnings: parsed.warnings,
        ..Default::default()
    };
    let mut rejected = parsed.rejected;
    for row in &parsed.rows {
        match w.db().unit_opd(&row.unit_id)? {
            Some(opd) => match import_row(w, row, &opd, now)? {
                Ok(outcome) => {
                    w.unhold(&row.nip)?;
                    match outcome {
                        Upserted::Created => report.created += 1,
                        Upserted::Updated => report.updated += 1,
                        Upserted::Unchanged => report.unchanged += 1,
                    }
                }
                Err(reason) => rejected.push(Rejection {
                    line: row.line,
                    reason,
                }),
            },
            None => {
                if w.db().unit(&row.unit_id)?.is_none() {
                    w.upsert_unit(&row.unit_id, Some(&row.unit_name), None, None)?;
                }
                w.hold_official(row, now)?;
                report.held += 1;
            }
        }
    }
    rejected.sort_by_key(|r| r.line);
    report.rejected = rejected;
    report.unmapped_units = unmapped(&w.db())?;
    Ok(report)
}

/// Imports one validated row into `opd`. A problem of the row only (an identifier that
/// no longer parses) comes back as the reason to show; store failures are errors.
fn import_row(
    w: &mut WriteTx<'_>,
    row: &SiasnRow,
    opd: &OpdCode,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<std::result::Result<Upserted, String>> {
    let identifier = match row.identifier() {
        Ok(identifier) => identifier,
        Err(reason) => return Ok(Err(reason)),
    };
    let subject = SubjectId::from_random(random::<16>()?);
    let outcome = w.upsert_official(
        subject,
        &identifier,
        row.category,
        &row.name,
        &row.position,
        None,
        opd,
        now,
    )?;
    let phone_changed = w.set_phone(&row.nip, row.phone.as_deref())?;
    Ok(Ok(match outcome {
        Upserted::Unchanged if phone_changed => Upserted::Updated,
        other => other,
    }))
}

/// Imports every held official whose unit now maps to an OPD.
fn release_held(w: &mut WriteTx<'_>, now: chrono::DateTime<chrono::Utc>) -> Result<Released> {
    let mut released = Released::default();
    for row in w.db().held_officials()? {
        let Some(opd) = w.db().unit_opd(&row.unit_id)? else {
            continue;
        };
        match import_row(w, &row, &opd, now)? {
            Ok(Upserted::Created) => released.created += 1,
            Ok(Upserted::Updated) => released.updated += 1,
            Ok(Upserted::Unchanged) => released.unchanged += 1,
            Err(reason) => {
                tracing::warn!(nip = %row.nip, %reason, "a held official could not be imported");
                continue;
            }
        }
        w.unhold(&row.nip)?;
    }
    Ok(released)
}

/// Units with officials held, grouped under the unit to assign, in order first held.
fn unmapped(db: &Db<'_>) -> Result<Vec<UnmappedUnit>> {
    let mut out: Vec<UnmappedUnit> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for row in db.held_officials()? {
        let (id, name) = db.unit_to_assign(&row.unit_id)?;
        let name = name.unwrap_or_else(|| row.unit_name.clone());
        match at.get(&id) {
            Some(&i) => out[i].officials += 1,
            None => {
                at.insert(id.clone(), out.len());
                out.push(UnmappedUnit {
                    id,
                    name,
                    officials: 1,
                });
            }
        }
    }
    Ok(out)
}

fn apply_units(
    w: &mut WriteTx<'_>,
    parsed: ParsedUnits,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<UnitsReport> {
    let mut rejected = parsed.rejected;
    let mut stored: Vec<String> = Vec::new();
    let mut without_code = Vec::new();
    match parsed.kind {
        UnitFileKind::Mapping => {
            for unit in &parsed.units {
                let Some((code, opd_name)) = &unit.opd else {
                    continue;
                };
                match (w.db().opd_name(code)?, opd_name) {
                    (_, Some(name)) => w.upsert_opd(code, name)?,
                    (Some(_), None) => {}
                    (None, None) => {
                        rejected.push(Rejection {
                            line: unit.line,
                            reason: format!(
                                "OPD {code} belum dikenal; tambahkan kolom OPD NAME berisi nama lengkap OPD, lalu unggah ulang."
                            ),
                        });
                        continue;
                    }
                }
                w.upsert_unit(&unit.id, unit.name.as_deref(), None, Some(code))?;
                stored.push(unit.id.clone());
            }
        }
        UnitFileKind::Tree => {
            let levels = siasn::opd_level_units(&parsed.units);
            for unit in &parsed.units {
                let mut opd = None;
                if let Some((code, opd_name)) = &unit.opd {
                    let name = opd_name
                        .clone()
                        .or_else(|| unit.name.clone())
                        .unwrap_or_else(|| unit.id.clone());
                    if w.db().opd_name(code)?.is_none() || opd_name.is_some() {
                        w.upsert_opd(code, &name)?;
                    }
                    opd = Some(code.clone());
                } else if levels.get(&unit.id).and_then(|l| l.as_deref()) == Some(unit.id.as_str())
                {
                    let name = unit.name.clone().unwrap_or_default();
                    opd = w.db().opd_named(&name)?;
                    if opd.is_none() && w.db().unit(&unit.id)?.and_then(|u| u.opd_code).is_none() {
                        without_code.push(UnitName {
                            id: unit.id.clone(),
                            name,
                        });
                    }
                }
                w.upsert_unit(
                    &unit.id,
                    unit.name.as_deref(),
                    Some(unit.parent.as_deref()),
                    opd.as_ref(),
                )?;
                stored.push(unit.id.clone());
            }
        }
    }
    let mut mapped = 0;
    for id in &stored {
        if w.db().unit_opd(id)?.is_some() {
            mapped += 1;
        }
    }
    rejected.sort_by_key(|r| r.line);
    let released = release_held(w, now)?;
    Ok(UnitsReport {
        kind: match parsed.kind {
            UnitFileKind::Tree => "tree",
            UnitFileKind::Mapping => "mapping",
        },
        units: stored.len() as u64,
        mapped,
        rejected,
        opd_units_without_code: without_code,
        released,
        unmapped_units: unmapped(&w.db())?,
    })
}
