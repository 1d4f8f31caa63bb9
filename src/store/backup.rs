//! The copy of a data directory's database that `pakta backup` archives, taken while the
//! registry serves: SQLite's online backup API copying every page in one step, so the
//! copy is one snapshot read inside one read transaction. In WAL mode that transaction
//! never blocks the writer; a copy made in many small steps would start again each time
//! the writer commits, and under constant signing might never finish.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use super::{DATABASE_FILE, Store};
use crate::error::{Error, ErrorKind, Result};

/// How long the copy waits for a read lock the writer briefly holds (while it resets
/// its write-ahead log) before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);
/// The pause between two tries for that lock.
const LOCK_RETRY: Duration = Duration::from_millis(5);

/// Copies the database of `data_dir` into a new SQLite file at `to` (which must not
/// exist), as one consistent snapshot, while the registry may be writing. The copy is a
/// single self-contained file (rollback journal, no `-wal` beside it), so it can be
/// archived, opened read-only or inspected with `sqlite3` as it is; a registry opened
/// on it switches it back to WAL.
pub fn copy_database(data_dir: &Path, to: &Path) -> Result<()> {
    let source = Store::open_read_only(data_dir)?;
    source.execute_batch("PRAGMA busy_timeout = 5000;")?;
    if to.exists() {
        return Err(Error::internal(format!(
            "{} already exists; the copy is made into a new file only.",
            to.display()
        )));
    }
    let mut copy = Connection::open(to)?;
    {
        let backup = Backup::new(&source, &mut copy)?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            // -1: every page in this one step, inside one read transaction on the source.
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked => {
                    if Instant::now() > deadline {
                        return Err(Error::new(
                            ErrorKind::Unavailable,
                            "backup_busy",
                            format!(
                                "The database in {} stayed locked for {} s, so no copy could be taken. Try again; if it keeps happening, check that no other program holds {DATABASE_FILE} open for writing.",
                                data_dir.display(),
                                LOCK_WAIT.as_secs()
                            ),
                        ));
                    }
                    std::thread::sleep(LOCK_RETRY);
                }
                // A future result of the backup API: step again.
                _ => {}
            }
        }
    }
    copy.execute_batch("PRAGMA journal_mode = DELETE;")?;
    let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::new(
            ErrorKind::Unavailable,
            "backup_damaged",
            format!(
                "The copy of {} fails SQLite's own check ({check}): the database itself may be damaged. Run `pakta verify --data {}` and look at the disk before relying on this registry.",
                data_dir.join(DATABASE_FILE).display(),
                data_dir.display()
            ),
        ));
    }
    copy.close().map_err(|(_, e)| Error::from(e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_one_snapshot_taken_while_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join(DATABASE_FILE);
        let writer = Connection::open(&source).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY, pad BLOB);",
            )
            .unwrap();
        for n in 0..2000 {
            writer
                .execute("INSERT INTO t VALUES (?1, zeroblob(500))", [n])
                .unwrap();
        }
        // A write transaction left open does not stop the copy in WAL mode, and what it
        // has not committed is not in the copy.
        writer
            .execute_batch("BEGIN; INSERT INTO t VALUES (5000, NULL);")
            .unwrap();
        let to = dir.path().join("copy.sqlite3");
        copy_database(dir.path(), &to).unwrap();
        writer.execute_batch("COMMIT").unwrap();

        let copy = Connection::open(&to).unwrap();
        let count: i64 = copy
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2000);
        let mode: String = copy
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        assert!(copy_database(dir.path(), &to).is_err(), "never over a file");
    }
}
