//! `pakta backup` and `pakta restore`: one file holding everything a registry needs to
//! serve again (a consistent copy of its database taken while it serves, its log key, the
//! checkpoint it had published), and bringing that file back into a new data directory
//! only once it is shown to extend the history the registry had published.
//!
//! The file is a tar archive (`docs/FORMATS.md`, "The backup file"): first a `MANIFEST`
//! (format `pakta/backup/v1`, the checkpoint's origin, size and root, the entries in the
//! copy, the time, and each member's size and SHA-256), then `pakta.sqlite3`, `log-key`,
//! `log-checkpoint` and, when the registry keeps one, `witnessed-checkpoint`.
//!
//! Consistency while serving: the writer keeps `log-checkpoint` after each commit, so a
//! checkpoint read before the copy covers only entries already committed, and the copy
//! (one snapshot) holds at least those. The backup checks that the copy's tree root at
//! the checkpoint's size is the checkpoint's root before it writes the file.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{SecondsFormat, Utc};
use clap::Args;
use sha2::{Digest, Sha256};

use pakta::app::continuity::CHECKPOINT_FILE;
use pakta::app::{App, Config, WITNESSED_FILE, log_key_path};
use pakta::clock::SystemClock;
use pakta::domain::crypto::{Sha256Hash, decode_base64, encode_base64};
use pakta::domain::merkle;
use pakta::domain::note::{Checkpoint, VerifierKey};
use pakta::keyfile;
use pakta::store::{DATABASE_FILE, Db, Store};

pub const BACKUP_FORMAT: &str = "pakta/backup/v1";
const MANIFEST: &str = "MANIFEST";
/// A manifest is a few hundred bytes; anything far larger is not one.
const MANIFEST_LIMIT: u64 = 64 * 1024;

#[derive(Args)]
pub struct BackupArgs {
    /// The data directory of the registry (it may be serving).
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
    /// The backup file to create (never overwritten; mode 0600: it holds the log key).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file written by `pakta backup`.
    file: PathBuf,
    /// The data directory to restore into: new, or one without a registry in it.
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
    /// A later checkpoint this registry published (from an auditor, a mirror or a
    /// witness): the restore goes ahead only if the backup holds that history.
    #[arg(long, value_name = "NOTE_FILE")]
    checkpoint: Option<PathBuf>,
}

/// The file name of the log key in a data directory.
fn key_file() -> String {
    log_key_path(Path::new("")).to_string_lossy().into_owned()
}

/// The members every backup holds, in the order they are written after the MANIFEST.
fn required_members() -> [String; 3] {
    [
        DATABASE_FILE.to_string(),
        key_file(),
        CHECKPOINT_FILE.to_string(),
    ]
}

/// What the MANIFEST says.
struct Manifest {
    origin: String,
    /// The checkpoint's size and root.
    size: u64,
    root: Sha256Hash,
    /// Entries in the database copy (at least `size`).
    entries: u64,
    time: String,
    /// Name, length in bytes, SHA-256.
    members: Vec<(String, u64, Sha256Hash)>,
}

impl Manifest {
    fn text(&self) -> String {
        let mut text = format!(
            "{BACKUP_FORMAT}\norigin: {}\nsize: {}\nroot: {}\nentries: {}\ntime: {}\n",
            self.origin,
            self.size,
            encode_base64(&self.root.0),
            self.entries,
            self.time
        );
        for (name, length, sha256) in &self.members {
            text.push_str(&format!("member: {name} {length} {}\n", sha256.to_hex()));
        }
        text
    }

    fn parse(text: &str) -> Result<Manifest> {
        let mut lines = text.lines();
        if lines.next() != Some(BACKUP_FORMAT) {
            bail!("its MANIFEST does not start with '{BACKUP_FORMAT}'");
        }
        let (mut origin, mut size, mut root, mut entries, mut time) =
            (None, None, None, None, None);
        let mut members = Vec::new();
        for line in lines {
            let (field, value) = line
                .split_once(": ")
                .ok_or_else(|| anyhow!("MANIFEST line '{line}' is not 'field: value'"))?;
            match field {
                "origin" => origin = Some(value.to_string()),
                "size" => size = Some(value.parse::<u64>()?),
                "root" => {
                    root = Sha256Hash::from_slice(&decode_base64("root", value)?);
                }
                "entries" => entries = Some(value.parse::<u64>()?),
                "time" => time = Some(value.to_string()),
                "member" => {
                    let parts: Vec<&str> = value.split(' ').collect();
                    let [name, length, sha256] = parts[..] else {
                        bail!("MANIFEST line '{line}' is not 'member: NAME LENGTH SHA256'");
                    };
                    members.push((
                        name.to_string(),
                        length.parse::<u64>()?,
                        Sha256Hash::parse_hex("sha256", sha256)?,
                    ));
                }
                // Fields a later version may add are read past.
                _ => {}
            }
        }
        let missing = |what: &str| anyhow!("its MANIFEST has no valid '{what}' line");
        Ok(Manifest {
            origin: origin.ok_or_else(|| missing("origin"))?,
            size: size.ok_or_else(|| missing("size"))?,
            root: root.ok_or_else(|| missing("root"))?,
            entries: entries.ok_or_else(|| missing("entries"))?,
            time: time.ok_or_else(|| missing("time"))?,
            members,
        })
    }
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

fn hash_file(path: &Path) -> Result<(u64, Sha256Hash)> {
    let mut file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hashing = Hashing::new(std::io::sink());
    std::io::copy(&mut file, &mut hashing)
        .with_context(|| format!("reading {}", path.display()))?;
    let (_, length, sha256) = hashing.finish();
    Ok((length, sha256))
}

/// The tree root of the first `size` entries, from the stored tree.
fn root_at(db: &Db<'_>, size: u64) -> Result<Sha256Hash> {
    Ok(merkle::root(size, &mut |level, index| {
        db.subtree(level, index)
    })?)
}

/// The verifier key of the log whose checkpoint `note` is and whose key is `key`: the
/// origin is the note's, and the note must be signed by the key under it.
fn log_vkey(note: &str, key: &ed25519_dalek::SigningKey) -> Result<(VerifierKey, Checkpoint)> {
    let text = note.split("\n\n").next().unwrap_or_default();
    let origin = Checkpoint::parse(text)
        .map_err(|e| anyhow!("it is not a checkpoint ({e})"))?
        .origin;
    let vkey = VerifierKey::new(&origin, keyfile::public_key(key));
    let checkpoint = Checkpoint::open(note, &vkey)
        .map_err(|e| anyhow!("it is not signed by the log key beside it ({e})"))?;
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
        .with_context(|| format!("syncing the directory {}", dir.display()))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn backup(args: BackupArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (data, out) = (&args.data, &args.out);
    if out.exists() {
        bail!(
            "{} already exists; refusing to overwrite a backup. Choose another --out path.",
            out.display()
        );
    }
    let key_path = log_key_path(data);
    let key_bytes = std::fs::read(&key_path).with_context(|| {
        format!(
            "cannot read the log key {}: run `pakta backup` as the user that runs `pakta serve`, on its --data directory",
            key_path.display()
        )
    })?;
    let key = keyfile::read(&key_path)?;
    // The checkpoints are read before the copy: every entry they cover was committed
    // before they were kept, so the copy holds them.
    let read_note = |name: &str| -> Result<Option<String>> {
        let path = data.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    };
    let note = read_note(CHECKPOINT_FILE)?.ok_or_else(|| {
        anyhow!(
            "{} has no {CHECKPOINT_FILE}: this is not a registry's data directory, or it has never been started. Give the --data directory of `pakta serve`, or start it once.",
            data.display()
        )
    })?;
    let witnessed = read_note(WITNESSED_FILE)?;
    let (vkey, checkpoint) = log_vkey(&note, &key)
        .with_context(|| format!("{} is not usable", data.join(CHECKPOINT_FILE).display()))?;

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The copy waits beside the backup file, on the same filesystem, readable by us only.
    let staging = tempfile::Builder::new()
        .prefix(".pakta-backup-")
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    let copied = Instant::now();
    pakta::store::backup::copy_database(data, &staging.path().join(DATABASE_FILE))
        .with_context(|| format!("copying the database of {}", data.display()))?;
    let copy_seconds = copied.elapsed().as_secs_f64();

    let entries = {
        let conn = Store::open_read_only(staging.path())?;
        let db = Db::over(&conn);
        let (entries, _) = db.log_head()?;
        if entries < checkpoint.size {
            bail!(
                "the copy holds {entries} entries, fewer than the {} of the checkpoint read before it: the database of {} was replaced while it was copied. Nothing was written; look at the data directory before trying again.",
                checkpoint.size,
                data.display()
            );
        }
        if root_at(&db, checkpoint.size)? != checkpoint.root {
            bail!(
                "the copy's first {} entries do not have the tree root the registry published for them: the database of {} does not extend its own checkpoint. Nothing was written; run `pakta verify --data {}`.",
                checkpoint.size,
                data.display(),
                data.display()
            );
        }
        if let Some(witnessed) = &witnessed {
            let cosigned = Checkpoint::open(witnessed, &vkey).with_context(|| {
                format!(
                    "{} is not signed by the log key",
                    data.join(WITNESSED_FILE).display()
                )
            })?;
            if cosigned.size > entries || root_at(&db, cosigned.size)? != cosigned.root {
                bail!(
                    "{} is not a checkpoint of the copied log. Nothing was written; look at the data directory.",
                    data.join(WITNESSED_FILE).display()
                );
            }
        }
        entries
    };

    let database = staging.path().join(DATABASE_FILE);
    let (db_length, db_sha256) = hash_file(&database)?;
    let mut small: Vec<(String, Vec<u8>)> = vec![
        (key_file(), key_bytes),
        (CHECKPOINT_FILE.to_string(), note.into_bytes()),
    ];
    if let Some(witnessed) = witnessed {
        small.push((WITNESSED_FILE.to_string(), witnessed.into_bytes()));
    }
    let mut members = vec![(DATABASE_FILE.to_string(), db_length, db_sha256)];
    members.extend(
        small
            .iter()
            .map(|(name, bytes)| (name.clone(), bytes.len() as u64, Sha256Hash::of(bytes))),
    );
    let now = Utc::now();
    let manifest = Manifest {
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root: checkpoint.root,
        entries,
        time: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        members,
    };

    // Created 0600 (it holds the log key), written whole, synced, then put in place
    // only if nothing took the name meanwhile.
    let temporary = tempfile::Builder::new()
        .prefix(".pakta-backup-")
        .suffix(".tmp")
        .tempfile_in(&parent)
        .with_context(|| format!("cannot create a file in {}", parent.display()))?;
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
            .with_context(|| format!("writing {}", out.display()))
    };
    let manifest_text = manifest.text();
    append(
        MANIFEST,
        manifest_text.len() as u64,
        &mut manifest_text.as_bytes(),
    )?;
    append(
        DATABASE_FILE,
        db_length,
        &mut BufReader::new(File::open(&database)?),
    )?;
    for (name, bytes) in &small {
        append(name, bytes.len() as u64, &mut bytes.as_slice())?;
    }
    archive
        .into_inner()
        .and_then(|mut w| w.flush())
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(|| format!("writing {}", out.display()))?;
    let size = temporary.as_file().metadata()?.len();
    temporary.persist_noclobber(out).map_err(|e| {
        anyhow!(
            "cannot create {}: {} (refusing to overwrite a file that appeared meanwhile; choose another --out path)",
            out.display(),
            e.error
        )
    })?;
    sync_dir(&parent)?;

    println!(
        "backed up {entries} entries of {} to {} ({}) in {:.1} s (database copied in one snapshot in {copy_seconds:.1} s)",
        checkpoint.origin,
        out.display(),
        mb(size),
        started.elapsed().as_secs_f64()
    );
    println!(
        "the copy extends the checkpoint the registry had published at size {} (root {}): same tree root over its first {} entries",
        checkpoint.size,
        encode_base64(&checkpoint.root.0),
        checkpoint.size
    );
    println!(
        "{} holds the registry's log key: keep it as you keep log-key (readable by you only, never sent in clear). Restore it with `pakta restore {} --data NEW_DIR`.",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The files of a registry in a data directory: any of them means one is there.
fn registry_files() -> Vec<String> {
    let mut names: Vec<String> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| format!("{DATABASE_FILE}{suffix}"))
        .collect();
    names.extend([
        key_file(),
        CHECKPOINT_FILE.to_string(),
        WITNESSED_FILE.to_string(),
    ]);
    names
}

pub fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let dir = &args.data;
    let later = args
        .checkpoint
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the checkpoint {}", path.display()))
                .map(|text| (path.as_path(), text))
        })
        .transpose()?;
    for name in registry_files() {
        if dir.join(&name).exists() {
            bail!(
                "{} already holds a registry ({name} is there); restoring over it would mix two registries. Move it away (`mv {} {}.old`) or give another --data directory.",
                dir.display(),
                dir.display(),
                dir.display()
            );
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
        builder
            .create(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                bail!(
                    "{} can be read by other users (mode {mode:o}); a registry's data directory holds personal data and the log key. Run `chmod 700 {}` and restore again.",
                    dir.display(),
                    dir.display()
                );
            }
        }
    }
    let outcome = restore_into(
        &args.file,
        dir,
        later.as_ref().map(|(p, t)| (*p, t.as_str())),
    );
    if outcome.is_err() && created {
        // Left as found: no directory where there was none.
        let _ = std::fs::remove_dir(dir);
    }
    let restored = outcome?;
    println!(
        "restored {} entries of {} into {} in {:.1} s; consistent with the checkpoint it had published at size {} (root {})",
        restored.entries,
        restored.origin,
        dir.display(),
        started.elapsed().as_secs_f64(),
        restored.checkpoint.size,
        encode_base64(&restored.checkpoint.root.0)
    );
    if let Some((path, checkpoint)) = &restored.later {
        println!(
            "and with the checkpoint in {} at size {} (root {}): the backup holds the history published up to then",
            path.display(),
            checkpoint.size,
            encode_base64(&checkpoint.root.0)
        );
    }
    println!(
        "pakta verify: OK, {} entries verified; start-up checks passed; serving checkpoint of size {}",
        restored.entries, restored.serving_size
    );
    println!("log verifier key: {}", restored.vkey);
    println!("Start it with `pakta serve --data {}`.", dir.display());
    Ok(ExitCode::SUCCESS)
}

struct Restored {
    origin: String,
    entries: u64,
    checkpoint: Checkpoint,
    later: Option<(PathBuf, Checkpoint)>,
    serving_size: u64,
    vkey: String,
}

/// Unpacks and checks the backup in a directory of its own inside `dir`, moves the files
/// into `dir` only once everything but the start has passed, then opens the registry as
/// `pakta serve` does; on any refusal `dir` is left without a registry.
fn restore_into(file: &Path, dir: &Path, later: Option<(&Path, &str)>) -> Result<Restored> {
    let staging = tempfile::Builder::new()
        .prefix(".pakta-restore-")
        .tempdir_in(dir)
        .with_context(|| format!("cannot create a temporary directory in {}", dir.display()))?;
    let manifest = unpack(file, staging.path())
        .with_context(|| format!("{} cannot be restored", file.display()))?;
    let key = keyfile::read(&staging.path().join(key_file()))?;
    let note = std::fs::read_to_string(staging.path().join(CHECKPOINT_FILE))?;
    let (vkey, checkpoint) = log_vkey(&note, &key)
        .with_context(|| format!("the {CHECKPOINT_FILE} in {} is not usable", file.display()))?;
    if checkpoint.origin != manifest.origin
        || checkpoint.size != manifest.size
        || checkpoint.root != manifest.root
    {
        bail!(
            "the MANIFEST of {} does not describe the checkpoint it holds; the file was altered. Restore another backup.",
            file.display()
        );
    }

    let later = {
        let conn = Store::open_read_only(staging.path())?;
        let db = Db::over(&conn);
        let (entries, _) = db.log_head()?;
        if entries < checkpoint.size || root_at(&db, checkpoint.size)? != checkpoint.root {
            bail!(
                "the database in {} does not extend the checkpoint kept with it (size {}): the file was altered. Restore another backup.",
                file.display(),
                checkpoint.size
            );
        }
        if manifest
            .members
            .iter()
            .any(|(name, ..)| name == WITNESSED_FILE)
        {
            let text = std::fs::read_to_string(staging.path().join(WITNESSED_FILE))?;
            let cosigned = Checkpoint::open(&text, &vkey);
            if !cosigned.is_ok_and(|c| {
                c.size <= entries && root_at(&db, c.size).is_ok_and(|root| root == c.root)
            }) {
                bail!(
                    "the {WITNESSED_FILE} in {} is not a checkpoint of the database beside it: the file was altered. Restore another backup.",
                    file.display()
                );
            }
        }
        match later {
            None => None,
            Some((path, text)) => {
                let later = Checkpoint::open(text, &vkey).map_err(|e| {
                    anyhow!(
                        "{} is not a checkpoint signed by this registry's log key ({e}): it is from another registry, or altered. Give a checkpoint this registry published.",
                        path.display()
                    )
                })?;
                if later.size > entries {
                    bail!(
                        "this backup holds {entries} entries, but the registry had already published a checkpoint of {} entries ({}): the backup lacks entries {entries}..{} that others have seen. Serving it would sign a different history at those indexes, a fork that witnesses and mirrors reject. Restore a newer backup (one holding at least {} entries); nothing was restored into {}.",
                        later.size,
                        path.display(),
                        later.size - 1,
                        later.size,
                        dir.display()
                    );
                }
                if root_at(&db, later.size)? != later.root {
                    bail!(
                        "the backup's first {} entries do not have the root of the checkpoint in {}: this backup is not of the history the registry published. Restore a backup of this registry; nothing was restored into {}.",
                        later.size,
                        path.display(),
                        dir.display()
                    );
                }
                Some((path.to_path_buf(), later))
            }
        }
    };

    let summary = match super::audit::audit_data_dir(staging.path())? {
        Ok(summary) => summary,
        Err(failure) => bail!(
            "the database in {} fails the offline audit at entry {}: {}. It cannot be served; restore another backup. Nothing was restored into {}.",
            file.display(),
            failure.index,
            failure.problem,
            dir.display()
        ),
    };

    // The key last: a data directory with a log key and no database is refused at start.
    let mut names = vec![DATABASE_FILE.to_string(), CHECKPOINT_FILE.to_string()];
    if manifest
        .members
        .iter()
        .any(|(name, ..)| name == WITNESSED_FILE)
    {
        names.push(WITNESSED_FILE.to_string());
    }
    names.push(key_file());
    let mut moved = Vec::new();
    let placed = (|| -> Result<Restored> {
        for name in &names {
            std::fs::rename(staging.path().join(name), dir.join(name))
                .with_context(|| format!("moving {name} into {}", dir.display()))?;
            moved.push(dir.join(name));
        }
        sync_dir(dir)?;
        // The same opening as `pakta serve`: every start-up check runs.
        let app =
            App::open(dir, Arc::new(SystemClock), Config::default(), None).with_context(|| {
                format!("the restored registry in {} does not start", dir.display())
            })?;
        let serving = Checkpoint::open(&app.checkpoint(), &vkey).map_err(|e| {
            anyhow!("the restored registry serves a checkpoint it did not sign ({e})")
        })?;
        Ok(Restored {
            origin: checkpoint.origin.clone(),
            entries: summary.entries,
            checkpoint: checkpoint.clone(),
            later: later.clone(),
            serving_size: serving.size,
            vkey: app.vkey(),
        })
    })();
    if placed.is_err() {
        for path in &moved {
            let _ = std::fs::remove_file(path);
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{DATABASE_FILE}{suffix}")));
        }
    }
    placed
}

/// Unpacks the archive into `into`: the MANIFEST first, then exactly the members it
/// lists, each written 0600 and checked against its length and SHA-256.
fn unpack(file: &Path, into: &Path) -> Result<Manifest> {
    let reader = BufReader::new(
        File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let mut archive = tar::Archive::new(reader);
    let mut entries = archive
        .entries()
        .context("it is not a backup file (not a tar archive)")?;
    let mut first = entries
        .next()
        .ok_or_else(|| anyhow!("it is empty"))?
        .context("it is not a backup file (not a tar archive)")?;
    if first.path_bytes().as_ref() != MANIFEST.as_bytes() || first.size() > MANIFEST_LIMIT {
        bail!("it is not a backup file: its first member is not a MANIFEST");
    }
    let mut text = String::new();
    first
        .read_to_string(&mut text)
        .context("its MANIFEST is not text")?;
    let manifest = Manifest::parse(&text)?;
    let known = |name: &str| required_members().iter().any(|r| r == name) || name == WITNESSED_FILE;
    for (name, ..) in &manifest.members {
        if !known(name) {
            bail!("its MANIFEST lists '{name}', which is no file of a registry");
        }
    }
    for required in required_members() {
        if !manifest.members.iter().any(|(name, ..)| *name == required) {
            bail!("its MANIFEST lists no {required}");
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for entry in entries {
        let mut entry = entry.context("the archive is damaged")?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some((_, length, sha256)) = manifest.members.iter().find(|(n, ..)| *n == name) else {
            bail!("it holds '{name}', which its MANIFEST does not list");
        };
        if seen.contains(&name) || entry.header().entry_type() != tar::EntryType::Regular {
            bail!("it holds '{name}' twice, or not as a plain file");
        }
        let path = into.join(&name);
        let mut out = Hashing::new(BufWriter::new(
            private_file(&path).with_context(|| format!("creating {}", path.display()))?,
        ));
        std::io::copy(&mut entry, &mut out).context("the archive is damaged")?;
        let (writer, got_length, got_sha256) = out.finish();
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .with_context(|| format!("writing {}", path.display()))?;
        if got_length != *length || got_sha256 != *sha256 {
            bail!(
                "its {name} is not the one its MANIFEST describes (SHA-256 {} instead of {}): the file was altered or damaged. Restore another backup.",
                got_sha256.to_hex(),
                sha256.to_hex()
            );
        }
        seen.push(name);
    }
    for (name, ..) in &manifest.members {
        if !seen.contains(name) {
            bail!(
                "it lacks {name}, which its MANIFEST lists: the file is cut short. Restore another backup."
            );
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_what_it_says() {
        let manifest = Manifest {
            origin: "pakta.test/contoh".into(),
            size: 1200,
            root: Sha256Hash::of(b"root"),
            entries: 1234,
            time: "2026-01-02T03:04:05Z".into(),
            members: vec![(DATABASE_FILE.into(), 4096, Sha256Hash::of(b"db"))],
        };
        let text = manifest.text();
        assert!(text.starts_with("pakta/backup/v1\norigin: pakta.test/contoh\nsize: 1200\n"));
        let back = Manifest::parse(&text).unwrap();
        assert_eq!(
            (back.origin, back.size, back.root, back.entries, back.time),
            (manifest.origin, 1200, manifest.root, 1234, manifest.time)
        );
        assert_eq!(back.members, manifest.members);
        assert!(Manifest::parse("pakta/export/v1\n").is_err());
    }
}
