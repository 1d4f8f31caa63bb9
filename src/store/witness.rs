//! The witness's durable state (`pakta witness`): a small SQLite database of its own
//! holding, per log origin, the latest checkpoint it cosigned, and the witness's name.
//! Checking submissions against that state and storing the new ones happen in one
//! IMMEDIATE transaction under one connection, so two concurrent submissions can never
//! roll the state back (the race c2sp.org/tlog-witness warns about), and the new state
//! is on disk (synchronous=FULL) before any cosignature leaves.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::domain::crypto::Sha256Hash;
use crate::domain::witness::Cosigned;
use crate::error::Result;

pub const WITNESS_DATABASE_FILE: &str = "witness.sqlite3";
const SCHEMA: &str = include_str!("../../schema/witness.sql");

pub struct WitnessState {
    conn: Mutex<Connection>,
}

impl WitnessState {
    pub fn open(data_dir: &Path) -> Result<WitnessState> {
        let conn = Connection::open(data_dir.join(WITNESS_DATABASE_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(WitnessState {
            conn: Mutex::new(conn),
        })
    }

    pub fn meta(&self, name: &str) -> Result<Option<String>> {
        let conn = self.conn.lock().expect("witness state poisoned");
        Ok(conn
            .query_row(
                "SELECT value FROM witness_meta WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_meta(&self, name: &str, value: &str) -> Result<()> {
        let conn = self.conn.lock().expect("witness state poisoned");
        conn.execute(
            "INSERT INTO witness_meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// What was last cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Result<Option<Cosigned>> {
        let conn = self.conn.lock().expect("witness state poisoned");
        latest(&conn, origin)
    }

    /// Runs each `decide` on what was last cosigned for its origin (as the ones before it
    /// in the batch left it) and stores what it accepts, all in one transaction with one
    /// sync: a witness following hundreds of registries answers a round of their requests
    /// with one commit (group commit). A refusal is passed back untouched and writes
    /// nothing; nothing is returned as accepted before the commit.
    pub fn advance_all<'a, T, R, D>(
        &self,
        cosigned_at: &str,
        batch: impl IntoIterator<Item = (&'a str, D)>,
    ) -> Result<Vec<std::result::Result<T, R>>>
    where
        D: FnOnce(Option<Cosigned>) -> std::result::Result<(Cosigned, String, T), R>,
    {
        let mut conn = self.conn.lock().expect("witness state poisoned");
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::new();
        for (origin, decide) in batch {
            let (next, note, value) = match decide(latest(&tx, origin)?) {
                Ok(accepted) => accepted,
                Err(refusal) => {
                    outcomes.push(Err(refusal));
                    continue;
                }
            };
            tx.prepare_cached(
                "INSERT INTO cosigned (origin, size, root, checkpoint, cosigned_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root,
                     checkpoint = excluded.checkpoint, cosigned_at = excluded.cosigned_at",
            )?
            .execute(params![
                origin,
                next.size,
                next.root.0.as_slice(),
                note,
                cosigned_at
            ])?;
            outcomes.push(Ok(value));
        }
        tx.commit()?;
        Ok(outcomes)
    }
}

fn latest(conn: &Connection, origin: &str) -> Result<Option<Cosigned>> {
    let row = conn
        .prepare_cached("SELECT size, root FROM cosigned WHERE origin = ?1")?
        .query_row([origin], |r| {
            Ok((r.get::<_, u64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    Ok(row.map(|(size, root)| Cosigned {
        size,
        root: Sha256Hash::from_slice(&root).expect("the schema keeps roots at 32 bytes"),
    }))
}
