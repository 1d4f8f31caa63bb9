//! The SQL of the SIASN roster: officials' phone numbers, the SIASN unit (UNOR) tree
//! with the OPD each unit belongs to, and the officials held back until their unit is
//! mapped to an OPD (schema/0006_siasn.sql).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Db, WriteTx};
use crate::domain::identifier::{Category, OpdCode};
use crate::domain::record::format_time;
use crate::domain::siasn::SiasnRow;
use crate::error::{Error, Result};

/// One unit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub opd_code: Option<String>,
}

/// Units are looked up this far up the tree at most: deeper than any real instansi, and
/// the end of a loop of parents in a faulty file.
const MAX_DEPTH: usize = 32;

impl Db<'_> {
    pub fn unit(&self, id: &str) -> Result<Option<UnitRow>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, name, parent, opd_code FROM units WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(UnitRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    parent: r.get(2)?,
                    opd_code: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// The unit and its known ancestors, nearest first; stops at the root, at a parent
    /// the table does not know, or after [`MAX_DEPTH`] steps.
    pub fn unit_chain(&self, id: &str) -> Result<Vec<UnitRow>> {
        let mut chain: Vec<UnitRow> = Vec::new();
        let mut next = Some(id.to_string());
        while let Some(id) = next {
            if chain.len() >= MAX_DEPTH || chain.iter().any(|u| u.id == id) {
                break;
            }
            match self.unit(&id)? {
                Some(unit) => {
                    next = unit.parent.clone();
                    chain.push(unit);
                }
                None => break,
            }
        }
        Ok(chain)
    }

    /// The OPD a unit belongs to: that of the nearest unit, itself or above, mapped to one.
    pub fn unit_opd(&self, id: &str) -> Result<Option<OpdCode>> {
        for unit in self.unit_chain(id)? {
            if let Some(code) = unit.opd_code {
                return Ok(Some(OpdCode::parse(&code).map_err(|e| {
                    Error::internal(format!("unit {} has a bad OPD code: {e}", unit.id))
                })?));
            }
        }
        Ok(None)
    }

    /// The unit a clerk assigns to map `id`: the one directly below the instansi's root
    /// when the tree knows the way up (all its units then follow), else `id` itself.
    pub fn unit_to_assign(&self, id: &str) -> Result<(String, Option<String>)> {
        let chain = self.unit_chain(id)?;
        // The root is the unit with no parent, or whose parent the table does not know
        // (the instansi itself, left out of the file).
        let reaches_root = match chain.last() {
            Some(last) => match &last.parent {
                None => true,
                Some(parent) => self.unit(parent)?.is_none(),
            },
            None => false,
        };
        match chain.len() {
            n if reaches_root && n >= 2 => {
                let unit = &chain[n - 2];
                Ok((unit.id.clone(), Some(unit.name.clone())))
            }
            _ => Ok((id.to_string(), chain.first().map(|u| u.name.clone()))),
        }
    }

    pub fn opd_named(&self, name: &str) -> Result<Option<OpdCode>> {
        let code: Option<String> = self
            .conn
            .prepare_cached("SELECT code FROM opds WHERE lower(trim(name)) = lower(trim(?1)) ORDER BY code LIMIT 1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        Ok(code.and_then(|c| OpdCode::parse(&c).ok()))
    }

    /// Every official held back, oldest first.
    pub fn held_officials(&self) -> Result<Vec<SiasnRow>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT row_json FROM held_officials ORDER BY held_at, nip")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            out.push(held_from_json(&json?)?);
        }
        Ok(out)
    }

    /// Stored phone numbers (62… form) of the officials with these identifiers.
    pub fn phones_of(&self, nips: &[&str]) -> Result<HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT phone FROM officials WHERE nip = ?1 AND phone IS NOT NULL")?;
        let mut out = HashMap::new();
        for nip in nips {
            if let Some(phone) = stmt
                .query_row([nip], |r| r.get::<_, String>(0))
                .optional()?
            {
                out.insert(nip.to_string(), phone);
            }
        }
        Ok(out)
    }

    pub fn phone_of(&self, nip: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT phone FROM officials WHERE nip = ?1")?
            .query_row([nip], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    }
}

fn held_to_json(row: &SiasnRow) -> String {
    serde_json::json!({
        "line": row.line,
        "nip": row.nip,
        "category": row.category.as_str(),
        "name": row.name,
        "position": row.position,
        "unit_id": row.unit_id,
        "unit_name": row.unit_name,
        "phone": row.phone,
    })
    .to_string()
}

fn held_from_json(json: &str) -> Result<SiasnRow> {
    let bad = || Error::internal("a held official's stored row is unreadable");
    let v: serde_json::Value = serde_json::from_str(json).map_err(|_| bad())?;
    let text = |k: &str| v[k].as_str().map(str::to_string).ok_or_else(bad);
    Ok(SiasnRow {
        line: v["line"].as_u64().unwrap_or(0) as usize,
        nip: text("nip")?,
        category: Category::parse(&text("category")?).map_err(|_| bad())?,
        name: text("name")?,
        position: text("position")?,
        unit_id: text("unit_id")?,
        unit_name: text("unit_name")?,
        phone: v["phone"].as_str().map(str::to_string),
    })
}

impl WriteTx<'_> {
    /// Sets (or with None clears) an official's phone number; whether it changed.
    pub fn set_phone(&mut self, nip: &str, phone: Option<&str>) -> Result<bool> {
        let changed = self
            .tx
            .prepare_cached("UPDATE officials SET phone = ?2 WHERE nip = ?1 AND phone IS NOT ?2")?
            .execute(params![nip, phone])?;
        Ok(changed > 0)
    }

    /// Stores a unit: its name and parent as a tree file gives them (None keeps what is
    /// stored), and its OPD when given.
    pub fn upsert_unit(
        &mut self,
        id: &str,
        name: Option<&str>,
        parent: Option<Option<&str>>,
        opd: Option<&OpdCode>,
    ) -> Result<()> {
        let existing = self.db().unit(id)?;
        let name = name
            .map(str::to_string)
            .or_else(|| existing.as_ref().map(|u| u.name.clone()))
            .unwrap_or_else(|| id.to_string());
        let parent = match parent {
            Some(p) => p.map(str::to_string),
            None => existing.as_ref().and_then(|u| u.parent.clone()),
        };
        let opd = opd
            .map(|o| o.as_str().to_string())
            .or_else(|| existing.as_ref().and_then(|u| u.opd_code.clone()));
        self.tx
            .prepare_cached(
                "INSERT INTO units (id, name, parent, opd_code) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent = excluded.parent,
                     opd_code = excluded.opd_code",
            )?
            .execute(params![id, name, parent, opd])?;
        Ok(())
    }

    /// Holds an official whose unit maps to no OPD (replacing an earlier hold of them).
    pub fn hold_official(&mut self, row: &SiasnRow, now: DateTime<Utc>) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO held_officials (nip, unit_id, unit_name, row_json, held_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (nip) DO UPDATE SET unit_id = excluded.unit_id,
                     unit_name = excluded.unit_name, row_json = excluded.row_json,
                     held_at = excluded.held_at",
            )?
            .execute(params![
                row.nip,
                row.unit_id,
                row.unit_name,
                held_to_json(row),
                format_time(now)
            ])?;
        Ok(())
    }

    /// Lets go of a held official (imported now, or erased).
    pub fn unhold(&mut self, nip: &str) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM held_officials WHERE nip = ?1")?
            .execute([nip])?;
        Ok(())
    }
}
