//! Backing a registry up and restoring it (`pakta backup`, `pakta restore`): one file
//! holding everything a registry needs to serve again (a consistent copy of its database
//! taken while it serves, its log key, the checkpoint it had published), and bringing that
//! file back into a new data directory only once it is shown to extend the history the
//! registry had published. The format and its rules are [`crate::domain::backup`]; this
//! module reads and writes the files.
//!
//! Consistency while serving: the writer keeps `log-checkpoint` after each commit, so a
//! checkpoint read before the copy covers only entries already committed, and the copy
//! (one snapshot, [`crate::store::backup`]) holds at least those. [`backup`] checks that
//! the copy's tree root at the checkpoint's size is the checkpoint's root before it
//! writes the file.
//!
//! A restore runs in two calls with the full offline audit between them:
//! [`stage_restore`] unpacks and checks the backup in a directory of its own inside the
//! target, the caller audits that directory, and [`StagedRestore::finish`] takes the
//! verdict, moves the files in and opens the registry as `pakta serve` does. The audit
//! (`pakta verify --data`, with its worker threads, progress bar and summary line) is the
//! command's own and is not moved here: taking its verdict keeps restore's rule ("only an
//! audited database is moved in") in the library without the library drawing on a
//! terminal. A [`StagedRestore`] dropped before it finished leaves the target as it was
//! found: no registry, and no directory where there was none.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::{App, Config};
use crate::clock::Clock;
use crate::domain::audit::{AuditFailure, AuditSummary};
use crate::domain::backup::{
    DATABASE, Extension, LOG_CHECKPOINT, LOG_KEY, MANIFEST, Manifest, Member, Unpacking,
    WITNESSED_CHECKPOINT, extension, manifest_time,
};
use crate::domain::crypto::Sha256Hash;
use crate::domain::merkle;
use crate::domain::note::{Checkpoint, VerifierKey};
use crate::error::{Error, ErrorKind, Result};
use crate::keyfile;
use crate::store::{Db, Store};

/// What a backup holds, for the operator's record.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// Entries in the database copy.
    pub entries: u64,
    /// The checkpoint the registry had published, which the copy was shown to extend.
    pub checkpoint: Checkpoint,
    /// The backup file's size in bytes.
    pub file_size: u64,
    /// How long the one-step copy of the database took.
    pub copy_time: Duration,
}

/// A restored registry, opened once as `pakta serve` opens it.
#[derive(Debug, Clone)]
pub struct Restored {
    pub origin: String,
    /// Entries the offline audit verified.
    pub entries: u64,
    /// The checkpoint kept in the backup.
    pub checkpoint: Checkpoint,
    /// The later checkpoint given to the restore, with the file it came from.
    pub later: Option<(PathBuf, Checkpoint)>,
    /// The size of the checkpoint the restored registry serves.
    pub serving_size: u64,
    /// Its log verifier key.
    pub vkey: String,
}

fn io_error(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::new(ErrorKind::Unavailable, "backup_io", format!("{what}: {e}"))
}

/// `error`, said of `context` first.
fn within(context: String) -> impl FnOnce(Error) -> Error {
    move |e| Error {
        message: format!("{context}: {}", e.message),
        ..e
    }
}

fn refused(code: &'static str, message: String) -> Error {
    Error::conflict(code, message)
}

fn altered(message: String) -> Error {
    Error::bad_request("backup_altered", message)
}

fn key_error(e: keyfile::KeyFileError) -> Error {
    Error::new(ErrorKind::Unavailable, "backup_key", e.to_string())
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    length: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            length: 0,
        }
    }

    fn finish(self) -> (W, u64, Sha256Hash) {
        (
            self.inner,
            self.length,
            Sha256Hash(self.hasher.finalize().into()),
        )
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.length += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hash_file(path: &Path) -> Result<Member> {
    let reading = || io_error(format!("reading {}", path.display()));
    let mut file = File::open(path).map_err(reading())?;
    let mut hashing = Hashing::new(std::io::sink());
    std::io::copy(&mut file, &mut hashing).map_err(reading())?;
    let (_, length, sha256) = hashing.finish();
    Ok(Member {
        name: DATABASE.to_string(),
        length,
        sha256,
    })
}

/// The tree root of the first `size` entries, from the stored tree.
fn root_at(db: &Db<'_>, size: u64) -> Result<Sha256Hash> {
    merkle::root(size, &mut |level, index| db.subtree(level, index))
}

/// The verifier key of the log whose checkpoint `note` is and whose key is `key`: the
/// origin is the note's, and the note must be signed by the key under it.
fn log_vkey(note: &str, key: &SigningKey) -> Result<(VerifierKey, Checkpoint), String> {
    let text = note.split("\n\n").next().unwrap_or_default();
    let origin = Checkpoint::parse(text)
        .map_err(|e| format!("it is not a checkpoint ({e})"))?
        .origin;
    let vkey = VerifierKey::new(&origin, keyfile::public_key(key));
    let checkpoint = Checkpoint::open(note, &vkey)
        .map_err(|e| format!("it is not signed by the log key beside it ({e})"))?;
    Ok((vkey, checkpoint))
}

fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(format!("syncing the directory {}", dir.display())))
}

/// Backs up the registry in `data` (which may be serving) into the new file `out`:
/// created 0600 (it holds the log key), never over an existing file, written whole and
/// synced before it takes its name.
pub fn backup(data: &Path, out: &Path, clock: &dyn Clock) -> Result<BackupReport> {
    if out.exists() {
        return Err(refused(
            "backup_exists",
            format!(
                "{} already exists; refusing to overwrite a backup. Choose another --out path.",
                out.display()
            ),
        ));
    }
    let key_path = data.join(LOG_KEY);
    let key_bytes = std::fs::read(&key_path).map_err(io_error(format!(
        "cannot read the log key {}: run `pakta backup` as the user that runs `pakta serve`, on its --data directory",
        key_path.display()
    )))?;
    let key = keyfile::read(&key_path).map_err(key_error)?;
    // The checkpoints are read before the copy: every entry they cover was committed
    // before they were kept, so the copy holds them.
    let read_note = |name: &str| -> Result<Option<String>> {
        let path = data.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(format!("reading {}", path.display()))(e)),
        }
    };
    let note = read_note(LOG_CHECKPOINT)?.ok_or_else(|| {
        refused(
            "backup_not_a_registry",
            format!(
                "{} has no {LOG_CHECKPOINT}: this is not a registry's data directory, or it has never been started. Give the --data directory of `pakta serve`, or start it once.",
                data.display()
            ),
        )
    })?;
    let witnessed = read_note(WITNESSED_CHECKPOINT)?;
    let (vkey, checkpoint) = log_vkey(&note, &key).map_err(|e| {
        refused(
            "backup_checkpoint_unusable",
            format!("{} is not usable: {e}", data.join(LOG_CHECKPOINT).display()),
        )
    })?;

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The copy waits beside the backup file, on the same filesystem, readable by us only.
    let staging = tempfile::Builder::new()
        .prefix(".pakta-backup-")
        .tempdir_in(&parent)
        .map_err(io_error(format!(
            "cannot create a temporary directory in {}",
            parent.display()
        )))?;
    let database = staging.path().join(DATABASE);
    let copied = Instant::now();
    crate::store::backup::copy_database(data, &database).map_err(within(format!(
        "copying the database of {}",
        data.display()
    )))?;
    let copy_time = copied.elapsed();

    let entries = {
        let conn = Store::open_read_only(staging.path())?;
        let db = Db::over(&conn);
        let (entries, _) = db.log_head()?;
        match extension(entries, checkpoint.size, &checkpoint.root, |size| {
            root_at(&db, size)
        })? {
            Extension::Holds => {}
            Extension::Shorter => {
                return Err(refused(
                    "backup_copy_short",
                    format!(
                        "the copy holds {entries} entries, fewer than the {} of the checkpoint read before it: the database of {} was replaced while it was copied. Nothing was written; look at the data directory before trying again.",
                        checkpoint.size,
                        data.display()
                    ),
                ));
            }
            Extension::OtherRoot => {
                return Err(refused(
                    "backup_copy_forked",
                    format!(
                        "the copy's first {} entries do not have the tree root the registry published for them: the database of {} does not extend its own checkpoint. Nothing was written; run `pakta verify --data {}`.",
                        checkpoint.size,
                        data.display(),
                        data.display()
                    ),
                ));
            }
        }
        if let Some(witnessed) = &witnessed {
            let path = data.join(WITNESSED_CHECKPOINT);
            let cosigned = Checkpoint::open(witnessed, &vkey).map_err(|e| {
                refused(
                    "backup_checkpoint_unusable",
                    format!("{} is not signed by the log key: {e}", path.display()),
                )
            })?;
            if extension(entries, cosigned.size, &cosigned.root, |size| {
                root_at(&db, size)
            })? != Extension::Holds
            {
                return Err(refused(
                    "backup_checkpoint_unusable",
                    format!(
                        "{} is not a checkpoint of the copied log. Nothing was written; look at the data directory.",
                        path.display()
                    ),
                ));
            }
        }
        entries
    };

    let mut small: Vec<(&str, Vec<u8>)> =
        vec![(LOG_KEY, key_bytes), (LOG_CHECKPOINT, note.into_bytes())];
    if let Some(witnessed) = witnessed {
        small.push((WITNESSED_CHECKPOINT, witnessed.into_bytes()));
    }
    let copy = hash_file(&database)?;
    let mut members = vec![copy.clone()];
    members.extend(small.iter().map(|(name, bytes)| Member::of(name, bytes)));
    let now = clock.now();
    let manifest = Manifest {
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root: checkpoint.root,
        entries,
        time: manifest_time(now),
        members,
    };

    // Created 0600 (it holds the log key), written whole, synced, then put in place
    // only if nothing took the name meanwhile.
    let writing = || io_error(format!("writing {}", out.display()));
    let temporary = tempfile::Builder::new()
        .prefix(".pakta-backup-")
        .suffix(".tmp")
        .tempfile_in(&parent)
        .map_err(io_error(format!(
            "cannot create a file in {}",
            parent.display()
        )))?;
    let mtime = u64::try_from(now.timestamp()).unwrap_or(0);
    let mut archive = tar::Builder::new(BufWriter::new(temporary.as_file()));
    let mut append = |name: &str, length: u64, reader: &mut dyn Read| -> Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(length);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        archive
            .append_data(&mut header, name, reader)
            .map_err(writing())
    };
    let manifest_text = manifest.encode();
    append(
        MANIFEST,
        manifest_text.len() as u64,
        &mut manifest_text.as_bytes(),
    )?;
    let database_file =
        File::open(&database).map_err(io_error(format!("reading {}", database.display())))?;
    append(DATABASE, copy.length, &mut BufReader::new(database_file))?;
    for (name, bytes) in &small {
        append(name, bytes.len() as u64, &mut bytes.as_slice())?;
    }
    archive
        .into_inner()
        .and_then(|mut w| w.flush())
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(writing())?;
    let file_size = temporary.as_file().metadata().map_err(writing())?.len();
    temporary.persist_noclobber(out).map_err(|e| {
        refused(
            "backup_exists",
            format!(
                "cannot create {}: {} (refusing to overwrite a file that appeared meanwhile; choose another --out path)",
                out.display(),
                e.error
            ),
        )
    })?;
    sync_dir(&parent)?;
    Ok(BackupReport {
        entries,
        checkpoint,
        file_size,
        copy_time,
    })
}

/// The files of a registry in a data directory: any of them means one is there.
fn registry_files() -> Vec<String> {
    let mut names: Vec<String> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| format!("{DATABASE}{suffix}"))
        .collect();
    names.extend([LOG_KEY, LOG_CHECKPOINT, WITNESSED_CHECKPOINT].map(String::from));
    names
}

/// A backup unpacked and checked in a directory of its own inside the target data
/// directory, waiting for the offline audit ([`StagedRestore::staging_dir`]) before
/// [`StagedRestore::finish`] moves it in.
pub struct StagedRestore {
    file: PathBuf,
    dir: PathBuf,
    /// The restore created `dir`: it removes it again if it does not finish.
    created: bool,
    /// `None` only once dropped.
    staging: Option<TempDir>,
    manifest: Manifest,
    vkey: VerifierKey,
    checkpoint: Checkpoint,
    later: Option<(PathBuf, Checkpoint)>,
    finished: bool,
}

/// Unpacks the backup `file` into a directory of its own inside `dir` (new, or one
/// without a registry in it) and checks it: every member against the `MANIFEST`, the
/// kept checkpoint signed by the log key and described by the `MANIFEST`, the database
/// extending it, and, given `later` (a checkpoint the registry published after it, as a
/// file), the backup holding that history too. Nothing is in `dir` yet.
pub fn stage_restore(file: &Path, dir: &Path, later: Option<&Path>) -> Result<StagedRestore> {
    let later = later
        .map(|path| {
            std::fs::read_to_string(path)
                .map_err(io_error(format!(
                    "cannot read the checkpoint {}",
                    path.display()
                )))
                .map(|text| (path, text))
        })
        .transpose()?;
    for name in registry_files() {
        if dir.join(&name).exists() {
            return Err(refused(
                "restore_over_registry",
                format!(
                    "{} already holds a registry ({name} is there); restoring over it would mix two registries. Move it away (`mv {} {}.old`) or give another --data directory.",
                    dir.display(),
                    dir.display(),
                    dir.display()
                ),
            ));
        }
    }
    let created = !dir.exists();
    if created {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(io_error(format!(
            "cannot create the data directory {}",
            dir.display()
        )))?;
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)
                .map_err(io_error(format!("reading {}", dir.display())))?
                .permissions()
                .mode()
                & 0o777;
            if mode & 0o077 != 0 {
                return Err(refused(
                    "restore_dir_open",
                    format!(
                        "{} can be read by other users (mode {mode:o}); a registry's data directory holds personal data and the log key. Run `chmod 700 {}` and restore again.",
                        dir.display(),
                        dir.display()
                    ),
                ));
            }
        }
    }
    let outcome = stage_into(file, dir, later.as_ref().map(|(p, t)| (*p, t.as_str())));
    if outcome.is_err() && created {
        // Left as found: no directory where there was none.
        let _ = std::fs::remove_dir(dir);
    }
    let (staging, manifest, vkey, checkpoint, later) = outcome?;
    Ok(StagedRestore {
        file: file.to_path_buf(),
        dir: dir.to_path_buf(),
        created,
        staging: Some(staging),
        manifest,
        vkey,
        checkpoint,
        later,
        finished: false,
    })
}

type Staged = (
    TempDir,
    Manifest,
    VerifierKey,
    Checkpoint,
    Option<(PathBuf, Checkpoint)>,
);

fn stage_into(file: &Path, dir: &Path, later: Option<(&Path, &str)>) -> Result<Staged> {
    let staging = tempfile::Builder::new()
        .prefix(".pakta-restore-")
        .tempdir_in(dir)
        .map_err(io_error(format!(
            "cannot create a temporary directory in {}",
            dir.display()
        )))?;
    let manifest = unpack(file, staging.path())
        .map_err(within(format!("{} cannot be restored", file.display())))?;
    let key = keyfile::read(&staging.path().join(LOG_KEY)).map_err(key_error)?;
    let note_path = staging.path().join(LOG_CHECKPOINT);
    let note = std::fs::read_to_string(&note_path)
        .map_err(io_error(format!("reading {}", note_path.display())))?;
    let (vkey, checkpoint) = log_vkey(&note, &key).map_err(|e| {
        altered(format!(
            "the {LOG_CHECKPOINT} in {} is not usable: {e}",
            file.display()
        ))
    })?;
    if !manifest.describes(&checkpoint) {
        return Err(altered(format!(
            "the MANIFEST of {} does not describe the checkpoint it holds; the file was altered. Restore another backup.",
            file.display()
        )));
    }

    let later = {
        let conn = Store::open_read_only(staging.path())?;
        let db = Db::over(&conn);
        let (entries, _) = db.log_head()?;
        if extension(entries, checkpoint.size, &checkpoint.root, |size| {
            root_at(&db, size)
        })? != Extension::Holds
        {
            return Err(altered(format!(
                "the database in {} does not extend the checkpoint kept with it (size {}): the file was altered. Restore another backup.",
                file.display(),
                checkpoint.size
            )));
        }
        if manifest.holds(WITNESSED_CHECKPOINT) {
            let path = staging.path().join(WITNESSED_CHECKPOINT);
            let text = std::fs::read_to_string(&path)
                .map_err(io_error(format!("reading {}", path.display())))?;
            let holds = Checkpoint::open(&text, &vkey).is_ok_and(|c| {
                extension(entries, c.size, &c.root, |size| root_at(&db, size))
                    .is_ok_and(|e| e == Extension::Holds)
            });
            if !holds {
                return Err(altered(format!(
                    "the {WITNESSED_CHECKPOINT} in {} is not a checkpoint of the database beside it: the file was altered. Restore another backup.",
                    file.display()
                )));
            }
        }
        match later {
            None => None,
            Some((path, text)) => {
                let later = Checkpoint::open(text, &vkey).map_err(|e| {
                    Error::bad_request(
                        "restore_checkpoint_foreign",
                        format!(
                            "{} is not a checkpoint signed by this registry's log key ({e}): it is from another registry, or altered. Give a checkpoint this registry published.",
                            path.display()
                        ),
                    )
                })?;
                match extension(entries, later.size, &later.root, |size| root_at(&db, size))? {
                    Extension::Holds => {}
                    Extension::Shorter => {
                        return Err(refused(
                            "restore_backup_too_old",
                            format!(
                                "this backup holds {entries} entries, but the registry had already published a checkpoint of {} entries ({}): the backup lacks entries {entries}..{} that others have seen. Serving it would sign a different history at those indexes, a fork that witnesses and mirrors reject. Restore a newer backup (one holding at least {} entries); nothing was restored into {}.",
                                later.size,
                                path.display(),
                                later.size - 1,
                                later.size,
                                dir.display()
                            ),
                        ));
                    }
                    Extension::OtherRoot => {
                        return Err(refused(
                            "restore_other_history",
                            format!(
                                "the backup's first {} entries do not have the root of the checkpoint in {}: this backup is not of the history the registry published. Restore a backup of this registry; nothing was restored into {}.",
                                later.size,
                                path.display(),
                                dir.display()
                            ),
                        ));
                    }
                }
                Some((path.to_path_buf(), later))
            }
        }
    };
    Ok((staging, manifest, vkey, checkpoint, later))
}

impl StagedRestore {
    /// The unpacked data directory, for the offline audit.
    pub fn staging_dir(&self) -> &Path {
        self.staging
            .as_ref()
            .expect("staging is kept until dropped")
            .path()
    }

    /// Takes the offline audit's verdict over [`StagedRestore::staging_dir`]; only when
    /// it passed moves the files into the data directory (the log key last: a data
    /// directory with a log key and no database is refused at start), then opens the
    /// registry with `clock` as `pakta serve` does, every start-up check running. On
    /// any refusal the data directory is left without a registry.
    pub fn finish(
        mut self,
        audit: std::result::Result<AuditSummary, AuditFailure>,
        clock: Arc<dyn Clock>,
    ) -> Result<Restored> {
        let (file, dir) = (&self.file, &self.dir);
        let summary = audit.map_err(|failure| {
            altered(format!(
                "the database in {} fails the offline audit at entry {}: {}. It cannot be served; restore another backup. Nothing was restored into {}.",
                file.display(),
                failure.index,
                failure.problem,
                dir.display()
            ))
        })?;
        let staging = self.staging_dir().to_path_buf();
        let mut names = vec![DATABASE, LOG_CHECKPOINT];
        if self.manifest.holds(WITNESSED_CHECKPOINT) {
            names.push(WITNESSED_CHECKPOINT);
        }
        names.push(LOG_KEY);
        let mut moved = Vec::new();
        let placed = (|| -> Result<Restored> {
            for name in &names {
                std::fs::rename(staging.join(name), dir.join(name))
                    .map_err(io_error(format!("moving {name} into {}", dir.display())))?;
                moved.push(dir.join(name));
            }
            sync_dir(dir)?;
            let app = App::open(dir, clock, Config::default(), None).map_err(within(format!(
                "the restored registry in {} does not start",
                dir.display()
            )))?;
            let serving = Checkpoint::open(&app.checkpoint(), &self.vkey).map_err(|e| {
                Error::internal(format!(
                    "the restored registry serves a checkpoint it did not sign ({e})"
                ))
            })?;
            Ok(Restored {
                origin: self.checkpoint.origin.clone(),
                entries: summary.entries,
                checkpoint: self.checkpoint.clone(),
                later: self.later.clone(),
                serving_size: serving.size,
                vkey: app.vkey(),
            })
        })();
        match &placed {
            Ok(_) => self.finished = true,
            Err(_) => {
                for path in &moved {
                    let _ = std::fs::remove_file(path);
                }
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(dir.join(format!("{DATABASE}{suffix}")));
                }
            }
        }
        placed
    }
}

impl Drop for StagedRestore {
    fn drop(&mut self) {
        // The staging directory goes first: it is inside `dir`.
        drop(self.staging.take());
        if !self.finished && self.created {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// Unpacks the archive into `into`: the MANIFEST first, then exactly the members it
/// lists, each written 0600 and checked against its length and SHA-256.
fn unpack(file: &Path, into: &Path) -> Result<Manifest> {
    let not_tar = || io_error("it is not a backup file (not a tar archive)".to_string());
    let damaged = || io_error("the archive is damaged".to_string());
    let reader = BufReader::new(
        File::open(file).map_err(io_error(format!("cannot open {}", file.display())))?,
    );
    let mut archive = tar::Archive::new(reader);
    let mut entries = archive.entries().map_err(not_tar())?;
    let mut first = entries
        .next()
        .ok_or_else(|| altered("it is empty".to_string()))?
        .map_err(not_tar())?;
    Unpacking::first(&first.path_bytes(), first.size()).map_err(from_rule)?;
    let mut text = String::new();
    first
        .read_to_string(&mut text)
        .map_err(io_error("its MANIFEST is not text".to_string()))?;
    let manifest = Manifest::parse(&text).map_err(from_rule)?;
    manifest.check_members().map_err(from_rule)?;
    let mut unpacking = Unpacking::new(&manifest);
    for entry in entries {
        let mut entry = entry.map_err(damaged())?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let plain = entry.header().entry_type() == tar::EntryType::Regular;
        let member = unpacking.next(&name, plain).map_err(from_rule)?;
        let path = into.join(&member.name);
        let mut out = Hashing::new(BufWriter::new(
            private_file(&path).map_err(io_error(format!("creating {}", path.display())))?,
        ));
        std::io::copy(&mut entry, &mut out).map_err(damaged())?;
        let (writer, length, sha256) = out.finish();
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(io_error(format!("writing {}", path.display())))?;
        member.check(length, &sha256).map_err(from_rule)?;
    }
    unpacking.finish().map_err(from_rule)?;
    Ok(manifest)
}

fn from_rule(e: crate::domain::backup::BackupError) -> Error {
    altered(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The members are named as the data directory's files they copy, so unpacking
    /// into a directory lays out a data directory.
    #[test]
    fn the_members_are_the_data_directorys_files() {
        assert_eq!(DATABASE, crate::store::DATABASE_FILE);
        assert_eq!(
            super::super::log_key_path(Path::new("")),
            Path::new(LOG_KEY)
        );
        assert_eq!(LOG_CHECKPOINT, super::super::continuity::CHECKPOINT_FILE);
        assert_eq!(WITNESSED_CHECKPOINT, super::super::WITNESSED_FILE);
    }
}
