//! The SQL of representatives (perwakilan): whether a ceremony allows them, the admin's
//! namings (who represents whom), the projection of `representation.signed` and the
//! officials each signed representation covers, and the representation documents that
//! name a person (for erasure). Tables: `schema/0008_representatives.sql`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, params};

use super::{Db, WriteTx};
use crate::domain::crypto::{KeyFingerprint, Sha256Hash};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::{CeremonyId, SubjectId};
use crate::domain::record::{format_time, parse_time};
use crate::error::{Error, Result};

fn parsed<T, E: std::fmt::Display>(index: usize, value: Result<T, E>) -> rusqlite::Result<T> {
    value.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, e.to_string().into())
    })
}

fn subject_at(row: &Row, index: usize) -> rusqlite::Result<SubjectId> {
    parsed(index, SubjectId::parse(&row.get::<_, String>(index)?))
}

fn hash_at(row: &Row, index: usize) -> rusqlite::Result<Sha256Hash> {
    parsed(
        index,
        Sha256Hash::from_slice(&row.get::<_, Vec<u8>>(index)?).ok_or("not 32 bytes"),
    )
}

/// One representative named for a ceremony, with whom they represent.
#[derive(Debug, Clone)]
pub struct Naming {
    pub representative: SubjectId,
    pub opd: OpdCode,
    pub represented: Vec<SubjectId>,
}

/// A signed representation (the projection of its `representation.signed` entry).
#[derive(Debug, Clone)]
pub struct RepresentationRow {
    pub ceremony: CeremonyId,
    pub representative: SubjectId,
    pub idx: u64,
    pub at: DateTime<Utc>,
    pub statement_sha256: Sha256Hash,
    pub fingerprint: KeyFingerprint,
    pub represented: u64,
}

const REPRESENTATION_COLUMNS: &str =
    "ceremony_id, representative, idx, at, statement_sha256, fingerprint, represented";

fn representation_row(r: &Row) -> rusqlite::Result<RepresentationRow> {
    Ok(RepresentationRow {
        ceremony: parsed(0, CeremonyId::new(r.get(0)?).ok_or("id 0"))?,
        representative: subject_at(r, 1)?,
        idx: r.get(2)?,
        at: parsed(3, parse_time(&r.get::<_, String>(3)?))?,
        statement_sha256: hash_at(r, 4)?,
        fingerprint: parsed(5, KeyFingerprint::parse(&r.get::<_, String>(5)?))?,
        represented: r.get(6)?,
    })
}

impl Db<'_> {
    /// Whether the ceremony was created allowing representatives.
    pub fn allows_representation(&self, ceremony: CeremonyId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT allow_representation FROM ceremonies WHERE id = ?1")?
            .query_row([ceremony.get()], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Every naming of a ceremony, by OPD and then representative.
    pub fn namings(&self, ceremony: CeremonyId) -> Result<Vec<Naming>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.representative, r.opd_code, p.subject
             FROM representatives r
             LEFT JOIN represented p
                    ON p.ceremony_id = r.ceremony_id AND p.representative = r.representative
             WHERE r.ceremony_id = ?1
             ORDER BY r.opd_code, r.representative, p.subject",
        )?;
        let rows = stmt.query_map([ceremony.get()], |r| {
            Ok((
                subject_at(r, 0)?,
                parsed(1, OpdCode::parse(&r.get::<_, String>(1)?))?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out: Vec<Naming> = Vec::new();
        for row in rows {
            let (representative, opd, represented) = row?;
            if out
                .last()
                .is_none_or(|n| n.representative != representative)
            {
                out.push(Naming {
                    representative,
                    opd,
                    represented: Vec::new(),
                });
            }
            if let (Some(naming), Some(subject)) = (out.last_mut(), represented) {
                naming.represented.push(
                    SubjectId::parse(&subject)
                        .map_err(|e| Error::internal(format!("stored subject: {e}")))?,
                );
            }
        }
        Ok(out)
    }

    /// The naming of one representative in a ceremony.
    pub fn naming_of(
        &self,
        ceremony: CeremonyId,
        representative: &SubjectId,
    ) -> Result<Option<Naming>> {
        Ok(self
            .namings(ceremony)?
            .into_iter()
            .find(|n| n.representative == *representative))
    }

    /// The signed representation of a representative in a ceremony, if any.
    pub fn representation_of(
        &self,
        ceremony: CeremonyId,
        representative: &SubjectId,
    ) -> Result<Option<RepresentationRow>> {
        let sql = format!(
            "SELECT {REPRESENTATION_COLUMNS} FROM representations
             WHERE ceremony_id = ?1 AND representative = ?2"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(
                params![ceremony.get(), representative.to_hex()],
                representation_row,
            )
            .optional()?)
    }

    /// The signed representation whose statement hashes to `sha256`, if any.
    pub fn representation_by_statement(
        &self,
        sha256: &Sha256Hash,
    ) -> Result<Option<RepresentationRow>> {
        let sql = format!(
            "SELECT {REPRESENTATION_COLUMNS} FROM representations WHERE statement_sha256 = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([&sha256.0[..]], representation_row)
            .optional()?)
    }

    /// For each official a signed representation covers in a ceremony: the name of the
    /// representative ("diwakili oleh …"), or their subject id if their roster row was
    /// erased.
    pub fn representative_names(&self, ceremony: CeremonyId) -> Result<HashMap<SubjectId, String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.subject, COALESCE(o.name, c.representative)
             FROM representation_covers c
             LEFT JOIN officials o ON o.subject = c.representative
             WHERE c.ceremony_id = ?1",
        )?;
        let rows = stmt.query_map([ceremony.get()], |r| {
            Ok((subject_at(r, 0)?, r.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The SHA-256 of every representation statement that names `subject`, as the
    /// representative or as one represented: erasing the person erases these.
    pub fn representation_documents_naming(&self, subject: &SubjectId) -> Result<Vec<Sha256Hash>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.statement_sha256 FROM representations r
             WHERE r.representative = ?1
                OR EXISTS (SELECT 1 FROM representation_covers c
                           WHERE c.ceremony_id = r.ceremony_id
                             AND c.representative = r.representative
                             AND c.subject = ?1)
             ORDER BY r.idx",
        )?;
        let rows = stmt.query_map([subject.to_hex()], |r| hash_at(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl WriteTx<'_> {
    pub fn set_allow_representation(&mut self, ceremony: CeremonyId) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE ceremonies SET allow_representation = 1 WHERE id = ?1")?
            .execute([ceremony.get()])?;
        Ok(())
    }

    /// Names `representative` for `represented` in a ceremony, replacing an earlier
    /// naming of the same representative.
    pub fn name_representative(
        &mut self,
        ceremony: CeremonyId,
        representative: &SubjectId,
        opd: &OpdCode,
        represented: &[SubjectId],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (id, rep) = (ceremony.get(), representative.to_hex());
        self.tx
            .prepare_cached(
                "DELETE FROM represented WHERE ceremony_id = ?1 AND representative = ?2",
            )?
            .execute(params![id, rep])?;
        self.tx
            .prepare_cached(
                "INSERT INTO representatives (ceremony_id, representative, opd_code, named_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (ceremony_id, representative)
                 DO UPDATE SET opd_code = excluded.opd_code, named_at = excluded.named_at",
            )?
            .execute(params![id, rep, opd.as_str(), format_time(at)])?;
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO represented (ceremony_id, subject, representative) VALUES (?1, ?2, ?3)",
        )?;
        for subject in represented {
            insert.execute(params![id, subject.to_hex(), rep])?;
        }
        Ok(())
    }

    /// Records a signed representation and the officials it covers.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_representation(
        &mut self,
        ceremony: CeremonyId,
        representative: &SubjectId,
        idx: u64,
        at: DateTime<Utc>,
        statement_sha256: &Sha256Hash,
        fingerprint: &KeyFingerprint,
        covers: &[SubjectId],
    ) -> Result<()> {
        let (id, rep) = (ceremony.get(), representative.to_hex());
        self.tx
            .prepare_cached(
                "INSERT INTO representations
                 (ceremony_id, representative, idx, at, statement_sha256, fingerprint, represented)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                rep,
                idx,
                format_time(at),
                &statement_sha256.0[..],
                fingerprint.to_hex(),
                covers.len() as u64
            ])?;
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO representation_covers (ceremony_id, subject, representative)
             VALUES (?1, ?2, ?3)",
        )?;
        for subject in covers {
            insert.execute(params![id, subject.to_hex(), rep])?;
        }
        Ok(())
    }

    /// Drops an erased person from the namings of ceremonies: as one represented, and,
    /// where they were a representative who had not signed yet, the whole naming. A
    /// signed representation and what it covers stay: they hold subject ids only.
    pub fn forget_namings_of(&mut self, subject: &SubjectId) -> Result<()> {
        let s = subject.to_hex();
        self.tx
            .prepare_cached("DELETE FROM represented WHERE subject = ?1")?
            .execute([&s])?;
        self.tx
            .prepare_cached(
                "DELETE FROM represented WHERE representative = ?1
                 AND NOT EXISTS (SELECT 1 FROM representations r
                                 WHERE r.ceremony_id = represented.ceremony_id
                                   AND r.representative = ?1)",
            )?
            .execute([&s])?;
        self.tx
            .prepare_cached(
                "DELETE FROM representatives WHERE representative = ?1
                 AND NOT EXISTS (SELECT 1 FROM representations r
                                 WHERE r.ceremony_id = representatives.ceremony_id
                                   AND r.representative = ?1)",
            )?
            .execute([&s])?;
        Ok(())
    }
}
