//! One history per key (DESIGN.md, "Reliability and security"): the registry never signs
//! a checkpoint that does not extend the last one it signed.
//!
//! The [`Publisher`] is the only signer of checkpoints. It runs in the writer after each
//! committed batch and, before any reply of that batch is released, keeps the new
//! checkpoint durably in `log-checkpoint` beside the log key (written, synced, renamed):
//! every checkpoint anyone has seen is one the registry still remembers. At start,
//! [`check_files`] and [`check_database`] (made through a read-only connection before
//! the database is opened for writing, [`check_before_opening`], so a refusal writes
//! nothing) compare the data directory with that memory and refuse to serve when the
//! database does not extend it (deleted, truncated, a lost WAL tail, an altered page),
//! when the key is missing or readable by others, or when the checkpoint file went
//! missing: each refusal says what happened and how to recover.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::setup::{LogSigner, ORIGIN_META};
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::Entry;
use crate::domain::merkle;
use crate::domain::note::{Checkpoint, VerifierKey};
use crate::error::{Error, ErrorKind, Result};
use crate::keyfile;
use crate::store::writer::Committed;
use crate::store::{DATABASE_FILE, Db, Store};

pub const CHECKPOINT_FILE: &str = "log-checkpoint";

/// Set in the database once a checkpoint file has been kept for it: from then on a
/// missing file means it was lost, not that the registry predates it.
pub(super) const CHECKPOINT_KEPT_META: &str = "checkpoint_file_kept";

/// How many of the last entries are re-hashed at every start: enough to catch a damaged
/// tail page, few enough to take milliseconds at any size.
const TAIL_CHECKED: u64 = 1024;

pub fn checkpoint_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CHECKPOINT_FILE)
}

/// The checkpoint a registry in `data_dir` serves, read from its files (for publishing
/// while it runs): the latest one its witnesses cosigned when there is one, as
/// `GET /checkpoint` does, else the one the log signed and kept.
pub fn served_checkpoint(data_dir: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(data_dir.join(super::witnessing::WITNESSED_FILE)) {
        Ok(note) => Ok(note),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::read_to_string(checkpoint_path(data_dir))
        }
        Err(e) => Err(e),
    }
}

/// The registry refuses to serve; `message` says what happened and what to do.
fn refuse(code: &'static str, message: String) -> Error {
    Error::new(ErrorKind::Unavailable, code, message)
}

/// The last checkpoint signed and kept.
#[derive(Debug, Clone)]
pub struct Published {
    pub size: u64,
    pub root: Sha256Hash,
    pub note: String,
}

pub struct Publisher {
    log: Arc<LogSigner>,
    path: PathBuf,
    current: Mutex<Published>,
    /// Signalled after each new checkpoint, for whoever follows the log's growth (the
    /// witnesses' rounds).
    grown: Condvar,
}

impl Publisher {
    pub(super) fn new(log: Arc<LogSigner>, data_dir: &Path, current: Published) -> Publisher {
        Publisher {
            log,
            path: checkpoint_path(data_dir),
            current: Mutex::new(current),
            grown: Condvar::new(),
        }
    }

    /// The current checkpoint once its size is beyond `size`, or after `timeout` if the
    /// log has not grown by then.
    pub fn wait_beyond(&self, size: u64, timeout: Duration) -> Published {
        let current = self.current.lock().expect("publisher poisoned");
        let (current, _) = self
            .grown
            .wait_timeout_while(current, timeout, |c| c.size <= size)
            .expect("publisher poisoned");
        current.clone()
    }

    pub fn current(&self) -> Published {
        self.current.lock().expect("publisher poisoned").clone()
    }

    /// Signs and keeps a checkpoint of the log as `db` sees it, if it has grown since
    /// the last one. Runs in the writer, so sizes only ever grow here.
    pub fn publish(&self, committed: &Committed<'_>) -> Result<()> {
        let size = committed.size()?;
        let mut current = self.current.lock().expect("publisher poisoned");
        if size <= current.size && !current.note.is_empty() {
            return Ok(());
        }
        let root = merkle::root(size, &mut |level, index| committed.subtree(level, index))?;
        let note = self.log.sign(&Checkpoint {
            origin: self.log.origin().to_string(),
            size,
            root,
        });
        keep(&self.path, &note)?;
        *current = Published { size, root, note };
        self.grown.notify_all();
        Ok(())
    }
}

/// Writes the checkpoint so that after a crash the file holds either the old one or the
/// new one, whole: a temporary file, synced, renamed over, and the directory synced.
pub(super) fn keep(path: &Path, note: &str) -> Result<()> {
    let failed = |e: std::io::Error| {
        tracing::error!(error = %e, path = %path.display(), "cannot keep the signed checkpoint");
        Error::new(
            ErrorKind::Unavailable,
            "checkpoint_not_kept",
            format!(
                "Registri tidak dapat menyimpan checkpoint yang ditandatanganinya ({e}), jadi belum ada yang dikonfirmasi. Coba lagi beberapa saat lagi. Admin server: periksa ruang disk dan izin tulis {}.",
                path.display()
            ),
        )
    };
    let temporary = path.with_extension("new");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary).map_err(failed)?;
    file.write_all(note.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(failed)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(failed)?;
    }
    Ok(())
}

/// The data directory and the database hold personal data, token hashes and the
/// registry's secrets: a directory or database file that other users can read is
/// refused, with the `chmod` that fixes it.
#[cfg(unix)]
fn refuse_files_others_can_read(data_dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777)
    };
    if let Some(dir_mode) = mode(data_dir)
        && dir_mode & 0o077 != 0
    {
        return Err(refuse(
            "data_directory_exposed",
            format!(
                "The data directory {} can be read by other users (mode {dir_mode:o}); it holds the roster, signed statements and the registry's secrets. Run `chmod 700 {}` and start again.",
                data_dir.display(),
                data_dir.display()
            ),
        ));
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        if let Some(file_mode) = mode(&file)
            && file_mode & 0o077 != 0
        {
            return Err(refuse(
                "database_exposed",
                format!(
                    "The database file {} can be read by other users (mode {file_mode:o}). Run `chmod 600 {}/{DATABASE_FILE}*` and start again.",
                    file.display(),
                    data_dir.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The refusal when the log key is gone but has signed before (`evidence` says how we
/// know): a new key would be a second identity for the same log.
pub fn log_key_missing(key_path: &Path, evidence: &str) -> Error {
    refuse(
        "log_key_missing",
        format!(
            "The log key {} is missing, but {evidence}. A new key would break every receipt and pinned verifier key: restore log-key from your backup and start again.",
            key_path.display()
        ),
    )
}

/// What the data directory holds before the database is opened.
pub struct Found {
    pub key_exists: bool,
    pub database_exists: bool,
    /// The kept checkpoint's text, if there is one.
    pub checkpoint: Option<String>,
}

/// Looks at the data directory before anything is created in it, and refuses the cases
/// that need no database: a key readable by others, a checkpoint without its key or
/// without its database.
pub fn check_files(data_dir: &Path, key_path: &Path) -> Result<Found> {
    let key_exists = key_path.exists();
    // An empty file is no database: opening it would write a fresh schema over the
    // evidence, and its missing origin would make the checkpoint look foreign.
    let database_exists =
        std::fs::metadata(data_dir.join(DATABASE_FILE)).is_ok_and(|m| m.len() > 0);
    let cp_path = checkpoint_path(data_dir);
    let checkpoint = match std::fs::read_to_string(&cp_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(refuse(
                "checkpoint_unreadable",
                format!(
                    "Cannot read {}: {e}. Fix its permissions (chmod 600) and start again.",
                    cp_path.display()
                ),
            ));
        }
    };
    #[cfg(unix)]
    refuse_files_others_can_read(data_dir)?;
    #[cfg(unix)]
    if key_exists {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_path)
            .map_err(|e| {
                refuse(
                    "log_key_unreadable",
                    format!("Cannot read {}: {e}.", key_path.display()),
                )
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(refuse(
                "log_key_exposed",
                format!(
                    "The log key {} can be read by other users (mode {:o}); whoever reads it can sign checkpoints in this registry's name. Run `chmod 600 {}` and start again; if others may already have copied it, tell your auditors.",
                    key_path.display(),
                    mode & 0o777,
                    key_path.display()
                ),
            ));
        }
    }
    if !key_exists && checkpoint.is_some() {
        return Err(log_key_missing(
            key_path,
            &format!(
                "{} shows it signed this registry's checkpoints",
                cp_path.display()
            ),
        ));
    }
    if !database_exists
        && let Some(text) = &checkpoint
        && let Ok(cp) = Checkpoint::parse(text.split("\n\n").next().unwrap_or_default())
        && cp.size > 0
    {
        return Err(refuse(
            "database_missing",
            format!(
                "The database {} is missing or empty, but this log key has signed a checkpoint of {} entries. Starting empty would sign a second history under the same key. Restore pakta.sqlite3 (with its -wal file) from a backup holding at least {} entries, then start again.",
                data_dir.join(DATABASE_FILE).display(),
                cp.size,
                cp.size
            ),
        ));
    }
    Ok(Found {
        key_exists,
        database_exists,
        checkpoint,
    })
}

/// The refusals of [`check_database`].
const DATABASE_REFUSALS: &[&str] = &[
    "checkpoint_missing",
    "checkpoint_invalid",
    "database_behind_checkpoint",
    "database_forked",
    "database_damaged",
];

/// [`check_database`], made before the database is opened for writing, through a
/// read-only connection: a refused start then leaves the data directory as it found it
/// (the last read-write connection to close would fold the WAL into the database and
/// remove it, the evidence with it). Only for a registry that kept a checkpoint, whose
/// schema is current; `None` when it cannot tell, and the checks are then made after
/// opening.
pub fn check_before_opening(
    data_dir: &Path,
    key_path: &Path,
    found: &Found,
) -> Result<Option<Published>> {
    if !found.database_exists || !found.key_exists {
        return Ok(None);
    }
    let Ok(conn) = Store::open_read_only(data_dir) else {
        return Ok(None);
    };
    // A database from an older version gets its migrations (and its Merkle tree) when
    // opened; it can only be compared with the checkpoint after that.
    if !Store::schema_is_current(&conn).unwrap_or(false) {
        return Ok(None);
    }
    let db = Db::over(&conn);
    let (Ok(Some(origin)), Ok(kept_before)) = (db.meta(ORIGIN_META), db.meta(CHECKPOINT_KEPT_META))
    else {
        return Ok(None);
    };
    if found.checkpoint.is_none() && kept_before.is_none() {
        return Ok(None);
    }
    let Ok(key) = keyfile::read(key_path) else {
        return Ok(None);
    };
    let vkey = VerifierKey::new(&origin, keyfile::public_key(&key));
    match check_database(
        &db,
        &vkey,
        found.checkpoint.as_deref(),
        kept_before.is_some(),
        data_dir,
    ) {
        Ok(published) => Ok(Some(published)),
        Err(e) if DATABASE_REFUSALS.contains(&e.code) => Err(e),
        Err(_) => Ok(None),
    }
}

/// Compares the opened database with the kept checkpoint: the log must hold at least
/// its entries and the same tree root, and the last entries must still hash, chain and
/// match their leaves. Returns what is published now (the kept checkpoint, or an empty
/// one to be replaced by the first publication).
pub fn check_database(
    db: &Db<'_>,
    vkey: &VerifierKey,
    kept: Option<&str>,
    kept_before: bool,
    data_dir: &Path,
) -> Result<Published> {
    let (size, _) = db.log_head()?;
    check_tail(db, size)?;
    let cp_path = checkpoint_path(data_dir);
    let Some(note) = kept else {
        if kept_before {
            return Err(refuse(
                "checkpoint_missing",
                format!(
                    "{} is missing, though this registry kept one. Without it the registry cannot tell whether its database lost entries it already published. Restore log-checkpoint from your backup (or from the latest /checkpoint an auditor or mirror holds) and start again.",
                    cp_path.display()
                ),
            ));
        }
        return Ok(Published {
            size: 0,
            root: merkle::empty_root(),
            note: String::new(),
        });
    };
    let checkpoint = Checkpoint::open(note, vkey).map_err(|e| {
        refuse(
            "checkpoint_invalid",
            format!(
                "{} is not a checkpoint signed by this registry's log key ({e}). Restore the log key and log-checkpoint that belong together from your backup.",
                cp_path.display()
            ),
        )
    })?;
    if size < checkpoint.size {
        let what = if size == 0 {
            "is empty".to_string()
        } else {
            format!("holds only {size} entries")
        };
        return Err(refuse(
            "database_behind_checkpoint",
            format!(
                "The database {what}, but this log key has already signed a checkpoint of {} entries: the database was replaced, truncated, or lost the end of its write-ahead log. Serving it would sign a second history under the same key. Restore pakta.sqlite3 (with its -wal file) from a backup holding at least {} entries, then start again.",
                checkpoint.size, checkpoint.size
            ),
        ));
    }
    let root = merkle::root(checkpoint.size, &mut |level, index| {
        db.subtree(level, index)
    })?;
    if root != checkpoint.root {
        return Err(refuse(
            "database_forked",
            format!(
                "The database's first {} entries do not have the tree root this registry signed for them: the database was altered or replaced. Restore pakta.sqlite3 from a backup, check it with `pakta verify --data DIR`, then start again.",
                checkpoint.size
            ),
        ));
    }
    Ok(Published {
        size: checkpoint.size,
        root,
        note: note.to_string(),
    })
}

/// Re-hashes the last entries: each must hash to its stored hash, name its index,
/// chain to the one before, and be the leaf the tree holds for it.
fn check_tail(db: &Db<'_>, size: u64) -> Result<()> {
    let first = size.saturating_sub(TAIL_CHECKED);
    let damaged = |index: u64, what: &str| {
        refuse(
            "database_damaged",
            format!(
                "Entry {index} of the database is damaged ({what}). Do not serve it: run `pakta verify --data DIR` to see the first bad entry, then restore pakta.sqlite3 from a backup."
            ),
        )
    };
    let mut prev = if first == 0 {
        Sha256Hash::ZERO
    } else {
        db.intact_entry(first - 1)
            .map_err(|_| damaged(first - 1, "its bytes do not match its hash"))?
            .hash
    };
    let entries = match db.log_entries(first, TAIL_CHECKED) {
        Ok(entries) => entries,
        // Name the entry that no longer matches its hash, not the first one read.
        Err(e) => {
            return Err(match (first..size).find(|&i| db.intact_entry(i).is_err()) {
                Some(index) => damaged(index, "its bytes do not match its hash"),
                None => damaged(first, &e.message),
            });
        }
    };
    for stored in entries {
        let entry =
            Entry::parse(&stored.bytes).map_err(|e| damaged(stored.index, &e.to_string()))?;
        if entry.index != stored.index {
            return Err(damaged(stored.index, "it carries another index"));
        }
        if entry.prev != prev {
            return Err(damaged(
                stored.index,
                "it does not chain to the entry before",
            ));
        }
        let leaf = db
            .subtree(0, stored.index)
            .map_err(|_| damaged(stored.index, "its tree leaf is missing"))?;
        if leaf != merkle::leaf_hash(&stored.bytes) {
            return Err(damaged(stored.index, "it is not the leaf the tree holds"));
        }
        prev = stored.hash;
    }
    Ok(())
}
