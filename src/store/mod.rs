//! SQLite, and only SQLite: opening the data directory's database, applying the
//! migrations in `schema/`, the single writer ([`writer`]) and every query. Knows
//! nothing of HTTP. Reads run on pooled read-only connections; every change runs through
//! the writer as a closure over a [`WriteTx`].

mod access;
pub mod backup;
mod bulk;
mod campaigns;
mod desk;
mod documents;
mod erasure;
mod migrate;
mod pages;
mod queries;
mod representation;
mod units;
pub mod witness;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, Transaction};

pub use access::{AccessRecord, NewTokenRow, TokenRow};
pub use bulk::{KeptDocuments, StoredTree};
pub use campaigns::{CampaignMember, CampaignRow, MemberInvitation, RecapRow};
pub use erasure::Removed;
pub use pages::{RosterPosition, RowNumber};
pub use queries::*;
pub use representation::{Naming, RepresentationRow};
pub use units::UnitRow;

use crate::clock::Clock;
use crate::error::{Error, Result};
use writer::Writer;

pub const DATABASE_FILE: &str = "pakta.sqlite3";

/// Prepared statements kept per connection. The store has about 110 `prepare_cached`
/// call sites; rusqlite's default of 16 made the signing path, which runs more than 16
/// distinct queries per signature in a fixed order, miss the cache on every statement.
const STATEMENT_CACHE: usize = 256;

/// What every connection of the store is opened with (the writer's gets more:
/// `writer_connection`).
///
/// The query planner stability guarantee (QPSG) keeps one plan per statement whatever
/// is bound to it. Without it the bundled SQLite (3.54, built with STAT4) marked the
/// invitee and official lookups to be re-prepared on every bind, and the profile of the
/// signing benchmark found the writer spending 73% of its time in `sqlite3Reprepare`
/// (README, "Performance, measured"). Our queries are point lookups and keyset pages
/// whose best plan does not depend on the values; the plans are pinned by tests.
pub fn tune(conn: &Connection) -> Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Read access over one connection. Every query lives on this type (in `queries.rs`),
/// so reads inside the writer's transaction and reads from the pool share one code path.
pub struct Db<'c> {
    conn: &'c Connection,
}

/// Write access inside the writer's transaction; [`WriteTx::db`] gives the reads that
/// must see the transaction's own changes.
pub struct WriteTx<'c> {
    tx: &'c Transaction<'c>,
    batch: &'c mut writer::Batch,
    clock: &'c dyn Clock,
}

impl WriteTx<'_> {
    pub fn db(&self) -> Db<'_> {
        Db { conn: self.tx }
    }

    /// The registry's time for this job: the time an entry appended now would get. Rules
    /// checked inside the writer (expiry, lateness) use it, so they agree with the log.
    pub fn now(&self) -> DateTime<Utc> {
        self.batch.times.peek(self.clock)
    }
}

/// Read-only connections to one database, pooled, each read in one read transaction.
/// A [`Store`] reads through its own; a process that must not write to a data directory
/// another process serves (`pakta publish`) opens one with [`Readers::open`].
pub struct Readers {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
}

impl Readers {
    fn at(path: PathBuf) -> Readers {
        Readers {
            path,
            pool: Mutex::new(Vec::new()),
        }
    }

    /// The readers of the registry in `dir`, which must exist: never creates, never
    /// migrates, never writes.
    pub fn open(dir: &Path) -> Result<Readers> {
        let readers = Readers::at(dir.join(DATABASE_FILE));
        // Opened now, so a missing registry is said at once, not at the first read.
        let first = Store::open_read_only(dir)?;
        first.execute_batch("PRAGMA busy_timeout = 5000;")?;
        readers
            .pool
            .lock()
            .expect("reader pool poisoned")
            .push(first);
        Ok(readers)
    }

    fn connection(&self) -> Result<Connection> {
        if let Some(conn) = self.pool.lock().expect("reader pool poisoned").pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        tune(&conn)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000;")?;
        Ok(conn)
    }

    /// Runs a read on a pooled connection, synchronously, inside one read transaction:
    /// everything `f` reads comes from one snapshot (a checkpoint and its proofs agree).
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        let conn = self.connection()?;
        conn.prepare_cached("BEGIN")?.execute([])?;
        let out = f(&Db { conn: &conn });
        conn.prepare_cached("COMMIT")?.execute([])?;
        self.pool.lock().expect("reader pool poisoned").push(conn);
        out
    }

    /// [`Readers::read_blocking`] off the async executor.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    {
        let readers = self.clone();
        tokio::task::spawn_blocking(move || readers.read_blocking(f))
            .await
            .map_err(|_| Error::internal("Pembacaan registri terhenti; coba lagi."))?
    }
}

/// The open database of one data directory.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    writer: Writer,
    readers: Arc<Readers>,
    /// The clock the writer reads when it appends this handle's entries.
    clock: Arc<dyn Clock>,
}

impl Store {
    /// Opens (creating if needed) the database in `dir` and brings its schema up to date.
    /// Entries appended through this handle take their time from `clock`.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        create_private_dir(dir).map_err(|e| {
            Error::internal(format!(
                "Tidak dapat membuat direktori data {}: {e}. Periksa izin tulis atau pilih --data lain.",
                dir.display()
            ))
        })?;
        let path = dir.join(DATABASE_FILE);
        create_private_file(&path).map_err(|e| {
            Error::internal(format!(
                "Tidak dapat membuat basis data {}: {e}. Periksa izin tulis direktori data.",
                path.display()
            ))
        })?;
        let mut conn = writer_connection(&path)?;
        migrate::apply(&mut conn)?;
        let writer = start_writer(conn)?;
        Ok(Store {
            readers: Arc::new(Readers::at(path.clone())),
            path,
            writer,
            clock,
        })
    }

    /// The same database, with entries timed by another clock (the demo loader plays
    /// past weeks). The writer still never lets an entry's time go back.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Store {
        Store {
            clock,
            ..self.clone()
        }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Opens the database of an existing data directory for reading only (the offline
    /// audit and export): never creates, never migrates, never writes.
    pub fn open_read_only(dir: &Path) -> Result<Connection> {
        let path = dir.join(DATABASE_FILE);
        if !path.exists() {
            return Err(Error::not_found(
                "no_registry",
                format!(
                    "No registry at {}: give the --data directory that `pakta serve` uses.",
                    path.display()
                ),
            ));
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        tune(&conn)?;
        Ok(conn)
    }

    /// Whether `conn`'s database has every migration of this version applied (a
    /// database from an older version gets them when [`Store::open`] opens it).
    pub fn schema_is_current(conn: &Connection) -> Result<bool> {
        migrate::is_current(conn)
    }

    /// Copies every committed change from the write-ahead log into the database file and
    /// empties the log file, so rows deleted (and zeroed, `secure_delete` being on) are
    /// gone from every file, not only from the database's current pages. Waits for
    /// readers of older snapshots; false if they still held on after several tries.
    pub fn truncate_wal(&self) -> Result<bool> {
        let conn = Connection::open(&self.path)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000;")?;
        for _ in 0..3 {
            let (busy, wal_frames, checkpointed): (i64, i64, i64) =
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            if busy == 0 && wal_frames == checkpointed {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Runs a read on a pooled connection, synchronously, inside one read transaction:
    /// everything `f` reads comes from one snapshot (a checkpoint and its proofs agree).
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        self.readers.read_blocking(f)
    }

    /// Runs a read off the async executor, so a slow query never stalls other requests.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    {
        self.readers.read(f).await
    }

    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        self.writer.write(self.clock.clone(), f).await
    }

    /// Writes with `f`, then runs `then` in the writer over what was committed (see
    /// [`Writer::write_then`]).
    pub async fn write_then<T, U, F, G>(&self, f: F, then: G) -> Result<U>
    where
        T: Send + 'static,
        U: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
        G: FnOnce(T, &writer::Committed<'_>) -> Result<U> + Send + 'static,
    {
        self.writer.write_then(self.clock.clone(), f, then).await
    }

    pub fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        self.writer.write_blocking(self.clock.clone(), f)
    }
}

/// The one read-write connection, as the writer needs it: durable commits (WAL,
/// `synchronous=FULL`), foreign keys, deleted rows zeroed, and its temporary files in
/// memory (each job's savepoint journals the pages the job changes, and a file for that
/// cost a `write` call per page).
fn writer_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    tune(&conn)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

/// Starts the single writer over `conn`, its entries timed after the log's last one.
fn start_writer(conn: Connection) -> Result<Writer> {
    let last_time = Db { conn: &conn }.last_entry_time()?;
    Writer::start(conn, last_time)
        .map_err(|e| Error::internal(format!("Tidak dapat memulai penulis registri: {e}")))
}

/// The data directory holds personal data (the roster, statements), token hashes and
/// the registry's secrets: readable by its owner only, from the moment it exists.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates the database file with mode 0600 before SQLite opens it. SQLite gives the
/// `-wal` and `-shm` files it makes the database file's mode, so they are private too.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl<'c> Db<'c> {
    pub fn over(conn: &'c Connection) -> Db<'c> {
        Db { conn }
    }
}
