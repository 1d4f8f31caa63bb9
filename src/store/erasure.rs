//! The SQL of erasure (UU 27/2022, hak untuk menghapus): finding every document kept
//! beside the log for one official, deleting them with the roster row, and the list of
//! erased officials that reports count. The log itself is never touched: it holds only
//! the random subject id and hashes.

use rusqlite::params;

use super::{Db, WriteTx};
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::{Entry, EntryBody};
use crate::domain::identifier::{Identifier, OpdCode};
use crate::domain::ids::{CeremonyId, SubjectId};
use crate::domain::record::format_time;
use crate::error::{Error, Result};

/// What erasing one official removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// Signed statements and enrollment messages deleted from `documents`.
    pub documents: u64,
    /// Draft ceremonies whose invitation listed the NIP.
    pub invitations_rewritten: u64,
}

/// Driven by the erasures, which are few, with `CROSS JOIN` keeping it so: SQLite
/// otherwise walks every invitee of the ceremony looking each up among the erasures,
/// which made one OPD's report of a 100,000-official ceremony read all 100,000
/// invitations (16 ms, against 5 ms for the OPD's unsigned list; issue 11).
const ERASED_INVITEES_SQL: &str = "
    SELECT e.opd_code, COALESCE(d.name, e.opd_code), COUNT(*)
    FROM erasures e
    CROSS JOIN invitees i ON i.ceremony_id = ?1 AND i.subject = e.subject
    LEFT JOIN opds d ON d.code = e.opd_code
    WHERE ?2 IS NULL OR e.opd_code = ?2
    GROUP BY e.opd_code ORDER BY e.opd_code";

impl Db<'_> {
    /// The SHA-256 of every document kept for `subject`: its signed statements and the
    /// enrollment messages of all its keys (read from the `key.enrolled` entries).
    pub fn documents_of_subject(&self, subject: &SubjectId) -> Result<Vec<Sha256Hash>> {
        let mut hashes = Vec::new();
        let mut statements = self
            .conn
            .prepare_cached("SELECT statement_sha256 FROM signatures WHERE subject = ?1")?;
        for hash in statements.query_map([subject.to_hex()], |r| r.get::<_, Vec<u8>>(0))? {
            hashes.push(
                Sha256Hash::from_slice(&hash?)
                    .ok_or_else(|| Error::internal("a stored statement hash is not 32 bytes"))?,
            );
        }
        let mut enrollments = self.conn.prepare_cached(
            "SELECT l.idx, l.bytes FROM keys k JOIN log l ON l.idx = k.enrolled_idx
             WHERE k.subject = ?1",
        )?;
        let rows = enrollments.query_map([subject.to_hex()], |r| {
            Ok((r.get::<_, u64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (index, bytes) = row?;
            match Entry::parse(&bytes).map(|e| e.body) {
                Ok(EntryBody::KeyEnrolled {
                    enrollment_sha256, ..
                }) => hashes.push(enrollment_sha256),
                _ => {
                    return Err(Error::internal(format!(
                        "entry {index}, recorded as a key enrollment, is not one"
                    )));
                }
            }
        }
        Ok(hashes)
    }

    /// Erased invitees of a ceremony per OPD (the unit they were in when erased),
    /// optionally for one OPD, as (code, name, count) ordered by code.
    pub fn erased_invitees(
        &self,
        ceremony: CeremonyId,
        opd: Option<&OpdCode>,
    ) -> Result<Vec<(String, String, u64)>> {
        let mut stmt = self.conn.prepare_cached(ERASED_INVITEES_SQL)?;
        let rows = stmt.query_map(params![ceremony.get(), opd.map(OpdCode::as_str)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn is_erased(&self, subject: &SubjectId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM erasures WHERE subject = ?1)")?
            .query_row([subject.to_hex()], |r| r.get(0))?)
    }
}

impl WriteTx<'_> {
    /// Deletes the personal data of the official `subject` (NIP `nip`): the documents
    /// kept for them, their enrollment codes, their roster row, and their NIP in the
    /// invitation of any ceremony not yet opened. The caller appends the
    /// `person.erased` entry and then calls [`WriteTx::record_erasure`].
    pub fn remove_person(
        &mut self,
        subject: &SubjectId,
        nip: &Identifier,
        documents: &[Sha256Hash],
    ) -> Result<Removed> {
        let mut deleted = 0;
        {
            let mut delete = self
                .tx
                .prepare_cached("DELETE FROM documents WHERE sha256 = ?1")?;
            let mut delete_recap = self
                .tx
                .prepare_cached("DELETE FROM recap_documents WHERE sha256 = ?1")?;
            for hash in documents {
                deleted += delete.execute([&hash.0[..]])? as u64;
                deleted += delete_recap.execute([&hash.0[..]])? as u64;
            }
        }
        self.tx
            .prepare_cached("DELETE FROM enrollment_codes WHERE subject = ?1")?
            .execute([subject.to_hex()])?;
        self.tx
            .prepare_cached("DELETE FROM officials WHERE subject = ?1")?
            .execute([subject.to_hex()])?;
        // A SIASN row held for an unmapped unit holds the same person's data.
        self.tx
            .prepare_cached("DELETE FROM held_officials WHERE nip = ?1")?
            .execute([nip.as_str()])?;
        let invitations_rewritten = self.drop_nip_from_draft_invitations(nip)?;
        Ok(Removed {
            documents: deleted,
            invitations_rewritten,
        })
    }

    /// Invitations are kept as the JSON the admin sent; one by NIP names the person.
    /// Opened ceremonies have their invitees fixed by subject id, so the rule is only
    /// rewritten, with the NIP left out, never re-applied.
    fn drop_nip_from_draft_invitations(&mut self, nip: &Identifier) -> Result<u64> {
        let nip = nip.to_string();
        let listed: Vec<(u64, String)> = {
            let mut stmt = self
                .tx
                .prepare_cached("SELECT id, invite FROM ceremonies WHERE instr(invite, ?1) > 0")?;
            stmt.query_map([&nip], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut rewritten = 0;
        for (id, invite) in listed {
            let mut rule: serde_json::Value = serde_json::from_str(&invite).map_err(|e| {
                Error::internal(format!(
                    "ceremony {id}'s stored invitation is not JSON: {e}"
                ))
            })?;
            if let Some(nips) = rule.get_mut("nips").and_then(|n| n.as_array_mut()) {
                nips.retain(|n| n.as_str() != Some(nip.as_str()));
            }
            let text = rule.to_string();
            if text.contains(&nip) {
                return Err(Error::internal(format!(
                    "ceremony {id}'s invitation still names the NIP after rewriting"
                )));
            }
            self.tx
                .prepare_cached("UPDATE ceremonies SET invite = ?2 WHERE id = ?1")?
                .execute(params![id, text])?;
            rewritten += 1;
        }
        Ok(rewritten)
    }

    pub fn record_erasure(
        &mut self,
        subject: &SubjectId,
        opd: &OpdCode,
        index: u64,
        at: chrono::DateTime<chrono::Utc>,
        documents: u64,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO erasures (subject, opd_code, idx, erased_at, documents)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                subject.to_hex(),
                opd.as_str(),
                index,
                format_time(at),
                documents
            ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rusqlite::params_from_iter;
    use rusqlite::types::Value;

    use super::ERASED_INVITEES_SQL;
    use crate::clock::SystemClock;
    use crate::store::Store;

    /// The erased invitees a report counts are found from the erasures, each looked up
    /// in the ceremony's invitations: the invitations themselves are never walked, so
    /// the report of one OPD does not read the whole ceremony.
    #[test]
    fn erased_invitees_are_found_from_the_erasures_not_from_every_invitation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Arc::new(SystemClock)).unwrap();
        store
            .read_blocking(|db| {
                for opd in [Value::Null, Value::from("DISDIK".to_string())] {
                    let mut stmt = db
                        .conn
                        .prepare(&format!("EXPLAIN QUERY PLAN {ERASED_INVITEES_SQL}"))
                        .unwrap();
                    let plan: Vec<String> = stmt
                        .query_map(params_from_iter([Value::from(1), opd]), |r| r.get(3))
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    assert_eq!(
                        plan,
                        [
                            "SCAN e",
                            "SEARCH i USING PRIMARY KEY (ceremony_id=? AND subject=?)",
                            "SEARCH d USING INDEX sqlite_autoindex_opds_1 (code=?) LEFT-JOIN",
                            "USE TEMP B-TREE FOR GROUP BY",
                        ],
                    );
                }
                Ok(())
            })
            .unwrap();
    }
}
