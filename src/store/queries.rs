//! Every SQL statement of the application, as methods on [`Db`] (reads) and
//! [`WriteTx`] (writes), with the row types they return. Values are parsed into domain
//! types on the way out, so the rest of the code never sees raw columns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, params};

use super::writer::LogHead;
use super::{Db, WriteTx};
use crate::domain::ceremony::{CeremonyState, InviteeFacts};
use crate::domain::crypto::{KeyFingerprint, PublicKey, Sha256Hash};
use crate::domain::entry::{Entry, EntryBody, SigningMode, entry_hash};
use crate::domain::identifier::{Category, Identifier, OpdCode};
use crate::domain::ids::{CeremonyId, PledgeId, SubjectId};
use crate::domain::merkle;
use crate::domain::record::{format_time, parse_time};
use crate::domain::zone::Zone;
use crate::error::Result;

/// Turns a stored value that no longer parses into a storage error rather than a panic.
fn column<T, E: std::fmt::Display>(index: usize, parsed: Result<T, E>) -> rusqlite::Result<T> {
    parsed.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, e.to_string().into())
    })
}

fn time_col(row: &Row, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    column(index, parse_time(&row.get::<_, String>(index)?))
}

fn opt_time_col(row: &Row, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<String>>(index)?
        .map(|t| column(index, parse_time(&t)))
        .transpose()
}

fn subject_col(row: &Row, index: usize) -> rusqlite::Result<SubjectId> {
    column(index, SubjectId::parse(&row.get::<_, String>(index)?))
}

fn hash_col(row: &Row, index: usize) -> rusqlite::Result<Sha256Hash> {
    column(
        index,
        Sha256Hash::from_slice(&row.get::<_, Vec<u8>>(index)?).ok_or("not 32 bytes"),
    )
}

fn mode_col(row: &Row, index: usize) -> rusqlite::Result<SigningMode> {
    column(index, SigningMode::parse(&row.get::<_, String>(index)?))
}

#[derive(Debug, Clone)]
pub struct Official {
    pub subject: SubjectId,
    pub nip: Identifier,
    pub category: Category,
    pub name: String,
    pub position: String,
    pub rank: Option<String>,
    pub opd_code: OpdCode,
    pub opd_name: String,
}

pub(super) const OFFICIAL_COLUMNS: &str =
    "o.subject, o.nip, o.category, o.name, o.position, o.rank, o.opd_code, d.name";

fn official_row(row: &Row) -> rusqlite::Result<Official> {
    official_row_at(row, 0)
}

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub subject: SubjectId,
    pub key: PublicKey,
    pub enrolled_idx: u64,
    pub revoked_idx: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct CodeRow {
    pub subject: SubjectId,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    pub superseded: bool,
}

#[derive(Debug, Clone)]
pub struct Pledge {
    pub id: PledgeId,
    pub title: String,
    pub text: String,
    pub sha256: Sha256Hash,
    pub published_idx: u64,
    pub published_at: DateTime<Utc>,
}

pub(super) fn pledge_row(r: &Row) -> rusqlite::Result<Pledge> {
    Ok(Pledge {
        id: column(0, PledgeId::new(r.get(0)?).ok_or("id 0"))?,
        title: r.get(1)?,
        text: r.get(2)?,
        sha256: hash_col(r, 3)?,
        published_idx: r.get(4)?,
        published_at: time_col(r, 5)?,
    })
}

#[derive(Debug, Clone)]
pub struct Ceremony {
    pub id: CeremonyId,
    pub title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub zone: Zone,
    pub pledge_id: PledgeId,
    pub invite: String,
    pub mandiri_days: u32,
    pub state: CeremonyState,
    pub mandiri_due: Option<DateTime<Utc>>,
    /// A representative may sign for named officials (perwakilan).
    pub allow_representation: bool,
}

pub(super) const CEREMONY_COLUMNS: &str = "id, title, place, starts_at, timezone, pledge_id, invite, mandiri_days, state, mandiri_due, allow_representation";

pub(super) fn ceremony_row(row: &Row) -> rusqlite::Result<Ceremony> {
    Ok(Ceremony {
        id: column(0, CeremonyId::new(row.get(0)?).ok_or("id 0"))?,
        title: row.get(1)?,
        place: row.get(2)?,
        starts_at: time_col(row, 3)?,
        zone: column(4, Zone::parse(&row.get::<_, String>(4)?))?,
        pledge_id: column(5, PledgeId::new(row.get(5)?).ok_or("id 0"))?,
        invite: row.get(6)?,
        mandiri_days: row.get(7)?,
        state: column(
            8,
            CeremonyState::parse(&row.get::<_, String>(8)?).ok_or("unknown state"),
        )?,
        mandiri_due: opt_time_col(row, 9)?,
        allow_representation: row.get(10)?,
    })
}

/// One invitee of a ceremony, with the current roster data and what happened so far.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub official: Official,
    pub facts: InviteeFacts,
}

#[derive(Debug, Clone)]
pub struct SignatureRow {
    pub idx: u64,
    pub ceremony: CeremonyId,
    pub subject: SubjectId,
    pub mode: SigningMode,
    pub fingerprint: KeyFingerprint,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub index: u64,
    pub hash: Sha256Hash,
    pub bytes: Vec<u8>,
}

/// What the roster upsert did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

impl Db<'_> {
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn official_by_nip(&self, nip: &Identifier) -> Result<Option<Official>> {
        let sql = format!(
            "SELECT {OFFICIAL_COLUMNS} FROM officials o JOIN opds d ON d.code = o.opd_code WHERE o.nip = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([nip.as_str()], official_row)
            .optional()?)
    }

    /// The official with this identifier and their active key, when both exist: who a
    /// signed request from this NIP must come from.
    pub fn official_with_active_key(
        &self,
        nip: &Identifier,
    ) -> Result<Option<(Official, PublicKey)>> {
        let Some(official) = self.official_by_nip(nip)? else {
            return Ok(None);
        };
        Ok(self
            .active_key(&official.subject)?
            .map(|key| (official, key)))
    }

    pub fn official_by_subject(&self, subject: &SubjectId) -> Result<Option<Official>> {
        let sql = format!(
            "SELECT {OFFICIAL_COLUMNS} FROM officials o JOIN opds d ON d.code = o.opd_code WHERE o.subject = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([subject.to_hex()], official_row)
            .optional()?)
    }

    pub fn opd_name(&self, code: &OpdCode) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM opds WHERE code = ?1")?
            .query_row([code.as_str()], |r| r.get(0))
            .optional()?)
    }

    pub fn active_key(&self, subject: &SubjectId) -> Result<Option<PublicKey>> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT public_key FROM keys WHERE subject = ?1 AND revoked_idx IS NULL",
            )?
            .query_row([subject.to_hex()], |r| r.get(0))
            .optional()?;
        Ok(bytes.and_then(|b| {
            let array: [u8; 32] = b.try_into().ok()?;
            PublicKey::from_bytes(&array).ok()
        }))
    }

    /// Every key the official has enrolled, active or revoked.
    pub fn keys_of_subject(&self, subject: &SubjectId) -> Result<Vec<PublicKey>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT public_key FROM keys WHERE subject = ?1 ORDER BY enrolled_idx",
        )?;
        let rows = stmt.query_map([subject.to_hex()], |r| {
            let bytes: Vec<u8> = r.get(0)?;
            let array: [u8; 32] = column(0, bytes.try_into().map_err(|_| "not 32 bytes"))?;
            column(0, PublicKey::from_bytes(&array))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn key(&self, fingerprint: &KeyFingerprint) -> Result<Option<KeyRow>> {
        Ok(self
            .conn
            .prepare_cached("SELECT subject, public_key, enrolled_idx, revoked_idx FROM keys WHERE fingerprint = ?1")?
            .query_row(
                [fingerprint.to_hex()],
                |r| {
                    let bytes: Vec<u8> = r.get(1)?;
                    let array: [u8; 32] = column(1, bytes.try_into().map_err(|_| "not 32 bytes"))?;
                    Ok(KeyRow {
                        subject: subject_col(r, 0)?,
                        key: column(1, PublicKey::from_bytes(&array))?,
                        enrolled_idx: r.get(2)?,
                        revoked_idx: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn enrollment_code(&self, code_sha256: &Sha256Hash) -> Result<Option<CodeRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT subject, expires_at, used_at IS NOT NULL, superseded
                 FROM enrollment_codes WHERE code_sha256 = ?1",
            )?
            .query_row([&code_sha256.0[..]], |r| {
                Ok(CodeRow {
                    subject: subject_col(r, 0)?,
                    expires_at: time_col(r, 1)?,
                    used: r.get(2)?,
                    superseded: r.get(3)?,
                })
            })
            .optional()?)
    }

    pub fn pledge(&self, id: PledgeId) -> Result<Option<Pledge>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, title, text, sha256, published_idx, published_at FROM pledges WHERE id = ?1")?
            .query_row(
                [id.get()],
                pledge_row,
            )
            .optional()?)
    }

    pub fn next_pledge_id(&self) -> Result<PledgeId> {
        let max: u64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM pledges")?
            .query_row([], |r| r.get(0))?;
        Ok(PledgeId::new(max + 1).expect("max + 1 is positive"))
    }

    pub fn ceremony(&self, id: CeremonyId) -> Result<Option<Ceremony>> {
        let sql = format!("SELECT {CEREMONY_COLUMNS} FROM ceremonies WHERE id = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id.get()], ceremony_row)
            .optional()?)
    }

    /// What is known about one official in one ceremony; None if not invited.
    pub fn invitee_facts(
        &self,
        ceremony: CeremonyId,
        subject: &SubjectId,
    ) -> Result<Option<InviteeFacts>> {
        let sql = format!("{INVITEE_FACTS_SQL} WHERE i.ceremony_id = ?1 AND i.subject = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![ceremony.get(), subject.to_hex()], |r| {
                facts_row(r, 0)
            })
            .optional()?)
    }

    /// (invited, checked in, signed) for the hall screen.
    pub fn ceremony_counts(&self, ceremony: CeremonyId) -> Result<(u64, u64, u64)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM invitees WHERE ceremony_id = ?1),
                    (SELECT COUNT(*) FROM attendance WHERE ceremony_id = ?1),
                    (SELECT COUNT(*) FROM signatures WHERE ceremony_id = ?1)",
            )?
            .query_row([ceremony.get()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
    }

    /// Invitees with no signature for the ceremony: those whom closing routes to mandiri.
    /// An erased official is no longer anyone's to route, nor is one a representative
    /// signed for (perwakilan).
    pub fn unsigned_invitees(&self, ceremony: CeremonyId) -> Result<Vec<SubjectId>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.subject FROM invitees i
             LEFT JOIN signatures s ON s.ceremony_id = i.ceremony_id AND s.subject = i.subject
             WHERE i.ceremony_id = ?1 AND s.subject IS NULL
               AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.subject = i.subject)
               AND NOT EXISTS (SELECT 1 FROM representation_covers rc
                               WHERE rc.ceremony_id = i.ceremony_id AND rc.subject = i.subject)
             ORDER BY i.subject",
        )?;
        let rows = stmt.query_map([ceremony.get()], |r| subject_col(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn subjects_in_opds(&self, opds: &[OpdCode]) -> Result<Vec<SubjectId>> {
        let mut stmt = self
            .conn
            .prepare("SELECT subject FROM officials WHERE opd_code = ?1")?;
        let mut out = Vec::new();
        for opd in opds {
            let rows = stmt.query_map([opd.as_str()], |r| subject_col(r, 0))?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    pub fn all_subjects(&self) -> Result<Vec<SubjectId>> {
        let mut stmt = self.conn.prepare("SELECT subject FROM officials")?;
        let rows = stmt.query_map([], |r| subject_col(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn signature_by_statement(&self, sha256: &Sha256Hash) -> Result<Option<SignatureRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT idx, ceremony_id, subject, mode, fingerprint, at
                 FROM signatures WHERE statement_sha256 = ?1",
            )?
            .query_row([&sha256.0[..]], |r| {
                Ok(SignatureRow {
                    idx: r.get(0)?,
                    ceremony: column(1, CeremonyId::new(r.get(1)?).ok_or("id 0"))?,
                    subject: subject_col(r, 2)?,
                    mode: mode_col(r, 3)?,
                    fingerprint: column(4, KeyFingerprint::parse(&r.get::<_, String>(4)?))?,
                    at: time_col(r, 5)?,
                })
            })
            .optional()?)
    }

    pub fn document(&self, sha256: &Sha256Hash) -> Result<Option<String>> {
        Ok(self
            .conn
            // Recaps and their lists (campaigns, FORMATS §6.4) are kept in a table of
            // their own, beside the same log.
            .prepare_cached(
                "SELECT text FROM documents WHERE sha256 = ?1
                 UNION ALL SELECT text FROM recap_documents WHERE sha256 = ?1 LIMIT 1",
            )?
            .query_row([&sha256.0[..]], |r| r.get(0))
            .optional()?)
    }

    /// The time of the last entry, the floor for the next one's.
    pub fn last_entry_time(&self) -> Result<Option<DateTime<Utc>>> {
        self.last_intact_entry()?
            .map(|last| {
                Entry::parse(&last.bytes)
                    .map(|entry| entry.time)
                    .map_err(|e| damaged(last.index, &e.to_string()))
            })
            .transpose()
    }

    /// The last entry, checked intact (none while the log is empty): what the next
    /// entry chains to, read once.
    pub fn last_intact_entry(&self) -> Result<Option<StoredEntry>> {
        let last = self
            .conn
            .prepare_cached("SELECT idx, hash, bytes FROM log ORDER BY idx DESC LIMIT 1")?
            .query_row([], |r| {
                Ok(StoredEntry {
                    index: r.get(0)?,
                    hash: hash_col(r, 1)?,
                    bytes: r.get(2)?,
                })
            })
            .optional()?;
        last.iter().try_for_each(check_intact)?;
        Ok(last)
    }

    /// Entry `index`, after checking that its bytes still hash to its stored hash: the
    /// registry never serves or builds on an entry altered behind its back.
    pub fn intact_entry(&self, index: u64) -> Result<StoredEntry> {
        let entry = self
            .conn
            .prepare_cached("SELECT idx, hash, bytes FROM log WHERE idx = ?1")?
            .query_row([index], |r| {
                Ok(StoredEntry {
                    index: r.get(0)?,
                    hash: hash_col(r, 1)?,
                    bytes: r.get(2)?,
                })
            })?;
        check_intact(&entry)?;
        Ok(entry)
    }

    /// Number of entries and the hash of the last one.
    pub fn log_head(&self) -> Result<(u64, Option<Sha256Hash>)> {
        let last = self
            .conn
            .prepare_cached("SELECT idx, hash FROM log ORDER BY idx DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get::<_, u64>(0)?, hash_col(r, 1)?)))
            .optional()?;
        Ok(match last {
            Some((idx, hash)) => (idx + 1, Some(hash)),
            None => (0, None),
        })
    }

    /// The hash of the complete subtree at (level, index); it must exist.
    pub fn subtree(&self, level: u32, index: u64) -> Result<Sha256Hash> {
        Ok(self
            .conn
            .prepare_cached("SELECT hash FROM tree WHERE level = ?1 AND idx = ?2")?
            .query_row(params![level, index], |r| hash_col(r, 0))?)
    }

    /// Up to `count` consecutive complete subtree hashes of one level, from `start`.
    pub fn subtrees(&self, level: u32, start: u64, count: u64) -> Result<Vec<Sha256Hash>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hash FROM tree WHERE level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
        )?;
        let rows = stmt.query_map(params![level, start, start + count], |r| hash_col(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` entries from `start`, each checked intact before it is served.
    pub fn log_entries(&self, start: u64, limit: u64) -> Result<Vec<StoredEntry>> {
        let mut stmt = self
            .conn
            .prepare("SELECT idx, hash, bytes FROM log WHERE idx >= ?1 ORDER BY idx LIMIT ?2")?;
        let rows = stmt.query_map(params![start, limit], |r| {
            Ok(StoredEntry {
                index: r.get(0)?,
                hash: hash_col(r, 1)?,
                bytes: r.get(2)?,
            })
        })?;
        let entries: Vec<StoredEntry> = rows.collect::<rusqlite::Result<_>>()?;
        entries.iter().try_for_each(check_intact)?;
        Ok(entries)
    }

    /// Streams the whole log in storage order, one entry at a time, so an audit of any
    /// size runs in constant memory.
    pub fn for_each_entry(
        &self,
        mut visit: impl FnMut(StoredEntry) -> Result<(), crate::error::Error>,
    ) -> Result<()> {
        // Ordered by rowid, which is idx: reading in physical order lets the audit see
        // entries exactly as stored, gaps and all.
        let mut stmt = self
            .conn
            .prepare("SELECT idx, hash, bytes FROM log ORDER BY idx")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            visit(StoredEntry {
                index: r.get(0)?,
                hash: hash_col(r, 1)?,
                bytes: r.get(2)?,
            })?;
        }
        Ok(())
    }
}

const INVITEE_FACTS_SQL: &str = "
    SELECT a.subject IS NOT NULL AS checked_in,
           s.mode AS signed_mode, s.at AS signed_at, m.due AS mandiri_due,
           rc.subject IS NOT NULL AS represented,
           i.subject AS subject
    FROM invitees i
    LEFT JOIN attendance a ON a.ceremony_id = i.ceremony_id AND a.subject = i.subject
    LEFT JOIN signatures s ON s.ceremony_id = i.ceremony_id AND s.subject = i.subject
    LEFT JOIN mandiri m ON m.ceremony_id = i.ceremony_id AND m.subject = i.subject
    LEFT JOIN representation_covers rc
           ON rc.ceremony_id = i.ceremony_id AND rc.subject = i.subject";

pub(super) fn facts_row(r: &Row, at: usize) -> rusqlite::Result<InviteeFacts> {
    let mode: Option<String> = r.get(at + 1)?;
    let signature = match mode {
        Some(mode) => Some((
            column(at + 1, SigningMode::parse(&mode))?,
            time_col(r, at + 2)?,
        )),
        None => None,
    };
    Ok(InviteeFacts {
        checked_in: r.get(at)?,
        signature,
        mandiri_due: opt_time_col(r, at + 3)?,
        represented: r.get(at + 4)?,
    })
}

pub(super) fn official_row_at(r: &Row, at: usize) -> rusqlite::Result<Official> {
    Ok(Official {
        subject: subject_col(r, at)?,
        nip: column(at + 1, Identifier::parse_any(&r.get::<_, String>(at + 1)?))?,
        category: column(at + 2, Category::parse(&r.get::<_, String>(at + 2)?))?,
        name: r.get(at + 3)?,
        position: r.get(at + 4)?,
        rank: r.get(at + 5)?,
        opd_code: column(at + 6, OpdCode::parse(&r.get::<_, String>(at + 6)?))?,
        opd_name: r.get(at + 7)?,
    })
}

/// Stores the leaf hash of entry `index` and every subtree it completes, in the
/// caller's transaction, so the tree never lags the log.
/// Stores the Merkle nodes that appending leaf `index` completes: the leaf and every
/// subtree it closes, each hashed from its left sibling (found among the batch's nodes,
/// else in the table) and the node just made.
pub(super) fn add_leaf(
    conn: &rusqlite::Connection,
    nodes: &mut HashMap<(u32, u64), Sha256Hash>,
    index: u64,
    entry: &[u8],
) -> Result<()> {
    let mut insert =
        conn.prepare_cached("INSERT INTO tree (level, idx, hash) VALUES (?1, ?2, ?3)")?;
    let mut hash = merkle::leaf_hash(entry);
    for (level, node) in merkle::completed_by_append(index) {
        if level > 0 {
            let left = match nodes.get(&(level - 1, 2 * node)) {
                Some(left) => *left,
                None => Db { conn }.subtree(level - 1, 2 * node)?,
            };
            hash = merkle::node_hash(&left, &hash);
        }
        insert.execute(params![level, node, &hash.0[..]])?;
        nodes.insert((level, node), hash);
    }
    Ok(())
}

/// A stored entry whose bytes no longer hash to its stored hash: the database was
/// altered outside the registry. Nothing is served or appended on top of it.
fn damaged(index: u64, what: &str) -> crate::error::Error {
    tracing::error!(index, what, "the registry database is damaged");
    crate::error::Error::new(
        crate::error::ErrorKind::Unavailable,
        "registry_damaged",
        format!(
            "Entri {index} di basis data registri rusak ({what}); registri tidak melayani atau menambah di atas data yang rusak. Admin server: hentikan server, jalankan `pakta verify --data DIR`, lalu pulihkan pakta.sqlite3 dari cadangan."
        ),
    )
}

fn check_intact(entry: &StoredEntry) -> Result<()> {
    if entry_hash(&entry.bytes) == entry.hash {
        Ok(())
    } else {
        Err(damaged(
            entry.index,
            "isinya tidak lagi cocok dengan hash yang tersimpan",
        ))
    }
}

/// An entry just appended.
#[derive(Debug, Clone)]
pub struct Appended {
    pub index: u64,
    pub hash: Sha256Hash,
    /// The entry's time, taken by the writer as it appended.
    pub time: DateTime<Utc>,
    /// The entry's exact bytes, for a receipt made without reading them back.
    pub bytes: Vec<u8>,
}

impl WriteTx<'_> {
    /// Appends one entry after the current head, timed by the writer. The only way
    /// anything enters the log.
    pub fn append(&mut self, body: EntryBody) -> Result<Appended> {
        self.append_not_before(None, body)
    }

    /// The same, with a time no earlier than `not_before` (a signature's entry is never
    /// earlier than the statement it signs).
    pub fn append_not_before(
        &mut self,
        not_before: Option<DateTime<Utc>>,
        body: EntryBody,
    ) -> Result<Appended> {
        let head = self.head()?;
        let time = self.batch.times.take(self.clock, not_before);
        let entry = Entry {
            index: head.size,
            time,
            prev: head.hash,
            body,
        };
        let bytes = entry.encode();
        let hash = self.insert_entry(head.size, &bytes)?;
        Ok(Appended {
            index: head.size,
            hash,
            time,
            bytes,
        })
    }

    /// Appends entry bytes fetched from another registry (a mirror's copy): they must
    /// be a valid entry that continues this log's chain.
    pub fn append_copied(&mut self, bytes: &[u8]) -> Result<Appended> {
        let head = self.head()?;
        let entry = Entry::parse(bytes).map_err(|e| {
            crate::error::Error::bad_request("invalid_entry", format!("entry {}: {e}", head.size))
        })?;
        if entry.index != head.size || entry.prev != head.hash {
            return Err(crate::error::Error::conflict(
                "chain_broken",
                format!(
                    "entry {} does not continue the chain (index {}, prev {})",
                    head.size, entry.index, entry.prev
                ),
            ));
        }
        let hash = self.insert_entry(head.size, bytes)?;
        Ok(Appended {
            index: head.size,
            hash,
            time: entry.time,
            bytes: bytes.to_vec(),
        })
    }

    /// The head the next entry continues. Read once per batch, and only from an intact
    /// last entry: building on an altered entry would chain the alteration into the log.
    fn head(&mut self) -> Result<LogHead> {
        if let Some(head) = self.batch.head {
            return Ok(head);
        }
        let head = match self.db().last_intact_entry()? {
            Some(last) => LogHead {
                size: last.index + 1,
                hash: last.hash,
            },
            None => LogHead {
                size: 0,
                hash: Sha256Hash::ZERO,
            },
        };
        self.batch.head = Some(head);
        Ok(head)
    }

    fn insert_entry(&mut self, index: u64, bytes: &[u8]) -> Result<Sha256Hash> {
        let hash = entry_hash(bytes);
        self.tx
            .prepare_cached("INSERT INTO log (idx, hash, bytes) VALUES (?1, ?2, ?3)")?
            .execute(params![index, &hash.0[..], bytes])?;
        add_leaf(self.tx, &mut self.batch.nodes, index, bytes)?;
        self.batch.head = Some(LogHead {
            size: index + 1,
            hash,
        });
        Ok(hash)
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    pub fn upsert_opd(&mut self, code: &OpdCode, name: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO opds (code, name) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
            )?
            .execute(params![code.as_str(), name])?;
        Ok(())
    }

    /// Creates or updates one official by identifier. Signatures are untouched: they keep
    /// the unit they were made in.
    #[allow(clippy::too_many_arguments)]
    pub fn upsert_official(
        &mut self,
        new_subject: SubjectId,
        nip: &Identifier,
        category: Category,
        name: &str,
        position: &str,
        rank: Option<&str>,
        opd: &OpdCode,
        now: DateTime<Utc>,
    ) -> Result<Upserted> {
        let existing = self.db().official_by_nip(nip)?;
        match existing {
            None => {
                self.tx.prepare_cached("INSERT INTO officials (subject, nip, category, name, position, rank, opd_code, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(
                    params![
                        new_subject.to_hex(),
                        nip.as_str(),
                        category.as_str(),
                        name,
                        position,
                        rank,
                        opd.as_str(),
                        format_time(now)
                    ],
                )?;
                Ok(Upserted::Created)
            }
            Some(old)
                if old.category == category
                    && old.name == name
                    && old.position == position
                    && old.rank.as_deref() == rank
                    && old.opd_code == *opd =>
            {
                Ok(Upserted::Unchanged)
            }
            Some(old) => {
                self.tx
                    .prepare_cached(
                        "UPDATE officials SET category = ?2, name = ?3, position = ?4, rank = ?5,
                            opd_code = ?6, updated_at = ?7
                     WHERE subject = ?1",
                    )?
                    .execute(params![
                        old.subject.to_hex(),
                        category.as_str(),
                        name,
                        position,
                        rank,
                        opd.as_str(),
                        format_time(now)
                    ])?;
                Ok(Upserted::Updated)
            }
        }
    }

    /// Stores a new code for an official; any earlier unused code of theirs stops working,
    /// so only the most recently printed card is valid.
    pub fn insert_enrollment_code(
        &mut self,
        code_sha256: &Sha256Hash,
        subject: &SubjectId,
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE enrollment_codes SET superseded = 1 WHERE subject = ?1 AND used_at IS NULL",
            )?
            .execute([subject.to_hex()])?;
        self.tx
            .prepare_cached(
                "INSERT INTO enrollment_codes (code_sha256, subject, issued_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                &code_sha256.0[..],
                subject.to_hex(),
                format_time(issued_at),
                format_time(expires_at)
            ])?;
        Ok(())
    }

    pub fn use_enrollment_code(
        &mut self,
        code_sha256: &Sha256Hash,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE enrollment_codes SET used_at = ?2 WHERE code_sha256 = ?1")?
            .execute(params![&code_sha256.0[..], format_time(now)])?;
        Ok(())
    }

    pub fn insert_key(&mut self, subject: &SubjectId, key: &PublicKey, idx: u64) -> Result<()> {
        self.tx.prepare_cached("INSERT INTO keys (fingerprint, subject, public_key, enrolled_idx) VALUES (?1, ?2, ?3, ?4)")?.execute(
            params![key.fingerprint().to_hex(), subject.to_hex(), &key.to_bytes()[..], idx],
        )?;
        Ok(())
    }

    pub fn revoke_key(&mut self, fingerprint: &KeyFingerprint, idx: u64) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE keys SET revoked_idx = ?2 WHERE fingerprint = ?1")?
            .execute(params![fingerprint.to_hex(), idx])?;
        Ok(())
    }

    pub fn insert_document(&mut self, sha256: &Sha256Hash, kind: &str, text: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO documents (sha256, kind, text) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![&sha256.0[..], kind, text])?;
        Ok(())
    }

    pub fn insert_pledge(
        &mut self,
        id: PledgeId,
        title: &str,
        text: &str,
        sha256: &Sha256Hash,
        idx: u64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO pledges (id, title, text, sha256, published_idx, published_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                id.get(),
                title,
                text,
                &sha256.0[..],
                idx,
                format_time(at)
            ])?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_ceremony(
        &mut self,
        title: &str,
        place: &str,
        starts_at: DateTime<Utc>,
        zone: Zone,
        pledge: PledgeId,
        invite_json: &str,
        mandiri_days: u32,
        now: DateTime<Utc>,
    ) -> Result<CeremonyId> {
        self.tx.prepare_cached("INSERT INTO ceremonies (title, place, starts_at, timezone, pledge_id, invite, mandiri_days, state, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8)")?.execute(
            params![
                title,
                place,
                format_time(starts_at),
                zone.iana(),
                pledge.get(),
                invite_json,
                mandiri_days,
                format_time(now)
            ],
        )?;
        let id = u64::try_from(self.tx.last_insert_rowid()).expect("rowids are positive");
        Ok(CeremonyId::new(id).expect("rowids start at 1"))
    }

    pub fn open_ceremony(
        &mut self,
        id: CeremonyId,
        idx: u64,
        invitees: &[SubjectId],
    ) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE ceremonies SET state = 'open', opened_idx = ?2 WHERE id = ?1")?
            .execute(params![id.get(), idx])?;
        let mut stmt = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO invitees (ceremony_id, subject) VALUES (?1, ?2)",
        )?;
        for subject in invitees {
            stmt.execute(params![id.get(), subject.to_hex()])?;
        }
        Ok(())
    }

    pub fn close_ceremony(&mut self, id: CeremonyId, idx: u64, due: DateTime<Utc>) -> Result<()> {
        self.tx.prepare_cached("UPDATE ceremonies SET state = 'closed', closed_idx = ?2, mandiri_due = ?3 WHERE id = ?1")?.execute(
            params![id.get(), idx, format_time(due)],
        )?;
        Ok(())
    }

    pub fn insert_attendance(
        &mut self,
        ceremony: CeremonyId,
        subject: &SubjectId,
        idx: u64,
        at: DateTime<Utc>,
        method: &str,
    ) -> Result<()> {
        self.tx.prepare_cached("INSERT INTO attendance (ceremony_id, subject, idx, at, method) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(
            params![ceremony.get(), subject.to_hex(), idx, format_time(at), method],
        )?;
        Ok(())
    }

    pub fn insert_mandiri(
        &mut self,
        ceremony: CeremonyId,
        subject: &SubjectId,
        idx: u64,
        due: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO mandiri (ceremony_id, subject, idx, due) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                ceremony.get(),
                subject.to_hex(),
                idx,
                format_time(due)
            ])?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_signature(
        &mut self,
        statement_sha256: &Sha256Hash,
        ceremony: CeremonyId,
        subject: &SubjectId,
        mode: SigningMode,
        fingerprint: &KeyFingerprint,
        opd: &OpdCode,
        idx: u64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.tx.prepare_cached(
            "INSERT INTO signatures (ceremony_id, subject, idx, at, mode, statement_sha256, fingerprint, opd_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            ceremony.get(),
            subject.to_hex(),
            idx,
            format_time(at),
            mode.as_str(),
            &statement_sha256.0[..],
            fingerprint.to_hex(),
            opd.as_str()
        ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rusqlite::{Connection, StatementStatus, TransactionBehavior, params};

    use super::INVITEE_FACTS_SQL;
    use crate::clock::SystemClock;
    use crate::store::{DATABASE_FILE, Store, tune};

    /// How many times the invitee lookup the writer runs for every signature was
    /// re-prepared over 50 runs with different values, inside one write transaction.
    fn reprepares(tuned: bool) -> i32 {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path(), Arc::new(SystemClock)).unwrap());
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        if tuned {
            tune(&conn).unwrap();
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        let sql = format!("{INVITEE_FACTS_SQL} WHERE i.ceremony_id = ?1 AND i.subject = ?2");
        for ceremony in 0..50i64 {
            let mut statement = tx.prepare_cached(&sql).unwrap();
            let mut rows = statement.query(params![ceremony, "00"]).unwrap();
            assert!(rows.next().unwrap().is_none());
        }
        let statement = tx.prepare_cached(&sql).unwrap();
        statement.get_status(StatementStatus::RePrepare)
    }

    #[test]
    fn a_cached_statement_is_prepared_once_not_on_every_bind() {
        assert!(
            reprepares(false) > 0,
            "this SQLite no longer re-prepares on bind: the test shows nothing"
        );
        assert_eq!(reprepares(true), 0);
    }
}
