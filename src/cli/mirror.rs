//! `pakta mirror URL --data DIR --vkey VKEY`: follows a registry from its public
//! checkpoint and entry tiles, keeping a verified copy in DIR (a data directory that
//! `pakta verify` can audit). Each checkpoint must carry the pinned key's signature, and
//! the copy's own Merkle root, recomputed from every entry fetched on top of the entries
//! already verified, must equal the checkpoint's root. A registry that shows a tree not
//! extending what was verified before (a split view, a rewritten history) is a fork:
//! the mirror stops with a non-zero exit naming both checkpoints, and its copy keeps the
//! last verified state.
//!
//! `pakta mirror --registries FILE --data DIR` is the monitor over many registries: each
//! pass checks every registry listed, a few at a time, each into its own copy under DIR
//! (the same check as above), and prints a report naming forks, logs that stopped growing
//! and registries that could not be reached ([`pakta::domain::monitor`] holds its rules).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use clap::Args;

use pakta::clock::{Clock, SystemClock};
use pakta::domain::crypto::{Sha256Hash, decode_base64};
use pakta::domain::merkle;
use pakta::domain::monitor::{self, Found, Head, Line, Registry};
use pakta::domain::note::{Checkpoint, VerifierKey};
use pakta::domain::tiles::{TILE_WIDTH, TileKind, TilePath, split_bundle};
use pakta::error::Error;
use pakta::store::{Db, Store};

const CHECKPOINT_META: &str = "mirror_checkpoint";
const SOURCE_META: &str = "mirror_source";
/// When the copy last grew (RFC 3339): kept in the copy, so a log that stopped growing
/// is reported across restarts of the monitor.
const GREW_AT_META: &str = "mirror_grew_at";

#[derive(Args)]
pub struct MirrorArgs {
    /// The registry's base URL, e.g. https://pakta.example.go.id
    #[arg(
        required_unless_present = "registries",
        conflicts_with = "registries",
        requires = "vkey"
    )]
    url: Option<String>,
    /// Where the verified copy lives; with --registries, the directory holding one copy
    /// per registry, each named after its verifier key.
    #[arg(long, default_value = "./pakta-mirror")]
    data: PathBuf,
    /// The log's verifier key, or a file holding it.
    #[arg(long, conflicts_with = "registries")]
    vkey: Option<String>,
    /// Watch many registries: a file with one `URL VKEY` per line (blank lines and lines
    /// starting with # are skipped). Each pass prints a report; forks, logs that stopped
    /// growing and unreachable registries come first.
    #[arg(long, value_name = "FILE")]
    registries: Option<PathBuf>,
    /// Check once and exit, instead of following the registry.
    #[arg(long)]
    once: bool,
    /// Seconds between checks when following.
    #[arg(long, default_value_t = 60)]
    interval: u64,
    /// With --registries: report a log as stopped growing when its checkpoint has not
    /// grown for at least this long (90s, 30m, 24h, 2d; with 0s, since the previous pass).
    /// [default: 24h]
    #[arg(long, value_name = "DURATION")]
    stale_after: Option<String>,
    /// With --registries: how many registries are checked at the same time.
    /// [default: 8]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
}

/// Reads a verifier key given as itself or as a file holding it.
pub fn read_vkey(arg: &str) -> Result<VerifierKey> {
    VerifierKey::parse(&key_argument(arg, "verifier key")?).with_context(|| {
        "the verifier key must look like name+1a2b3c4d+AbC…= (as printed by `pakta serve` and served at /api/registry/vkey)"
    })
}

/// A key given on the command line as itself or as a file holding it, trimmed.
pub fn key_argument(arg: &str, what: &str) -> Result<String> {
    Ok(if Path::new(arg).is_file() {
        std::fs::read_to_string(arg)
            .with_context(|| format!("reading the {what} file {arg}"))?
            .trim()
            .to_string()
    } else {
        arg.trim().to_string()
    })
}

enum Outcome {
    /// The copy holds the checkpoint's entries; `older` is the size of a checkpoint older
    /// than the copy that the registry served (a lagging cache).
    UpToDate {
        size: u64,
        older: Option<u64>,
    },
    Grew {
        from: u64,
        to: u64,
    },
}

pub fn mirror(args: MirrorArgs) -> Result<ExitCode> {
    if let Some(file) = &args.registries {
        return watch_many(&args, file);
    }
    let (Some(url), Some(vkey)) = (&args.url, &args.vkey) else {
        bail!("give the registry's URL and --vkey, or --registries FILE");
    };
    if args.stale_after.is_some() || args.jobs.is_some() {
        bail!(
            "--stale-after and --jobs apply to --registries FILE; leave them out when following one registry"
        );
    }
    let vkey = read_vkey(vkey)?;
    let base = url.trim_end_matches('/').to_string();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = open_copy(&args.data, &vkey, clock.clone())?;
    let agent = agent();
    loop {
        match sync(&agent, &base, &vkey, &store) {
            Ok(Outcome::UpToDate { size, older }) => {
                if let Some(older) = older {
                    eprintln!(
                        "note: the registry served an older checkpoint ({older} entries); the copy already holds {size}"
                    );
                }
                println!("up to date: {size} entries verified")
            }
            Ok(Outcome::Grew { from, to }) => {
                set_last_growth(&store, clock.now())?;
                println!("verified entries {from}..{to}: the copy now holds {to} entries")
            }
            // A fork ends the watch: the evidence is printed and must be acted on.
            Err(e) if args.once || is_fork(&e) => return Err(e),
            // Anything else (the network, a restart of the registry) is retried.
            Err(e) => eprintln!("warning: {e:#}; retrying in {} s", args.interval),
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
        .build()
        .into()
}

/// Opens the copy in `dir`, which belongs to the log identity `vkey`: the first check
/// records the key, later ones must use it.
fn open_copy(dir: &Path, vkey: &VerifierKey, clock: Arc<dyn Clock>) -> Result<Store> {
    let store = Store::open(dir, clock)
        .with_context(|| format!("opening the mirror in {}", dir.display()))?;
    // A copy belongs to one log identity; the URL may change (a CDN, a new host).
    let source = vkey.to_string();
    let known = store.read_blocking(|db| db.meta(SOURCE_META))?;
    match known {
        Some(k) if k != source => bail!(
            "{} mirrors the registry with verifier key {k}; use a separate --data directory per registry",
            dir.display()
        ),
        Some(_) => {}
        None => {
            let (log_size, _) = store.read_blocking(|db| db.log_head())?;
            if log_size > 0 {
                bail!("{} holds a registry that is not a mirror", dir.display());
            }
            store.write_blocking(move |w| w.set_meta(SOURCE_META, &source))?;
        }
    }
    Ok(store)
}

fn last_growth(store: &Store) -> Result<Option<DateTime<Utc>>> {
    let kept = store.read_blocking(|db| db.meta(GREW_AT_META))?;
    // A time that does not read (written by hand) counts as never seen: a new baseline.
    Ok(kept
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc)))
}

fn set_last_growth(store: &Store, at: DateTime<Utc>) -> Result<()> {
    let text = at.to_rfc3339();
    store.write_blocking(move |w| w.set_meta(GREW_AT_META, &text))?;
    Ok(())
}

/// `--registries`: a pass over every registry listed, then its report; once, or every
/// `--interval` seconds.
fn watch_many(args: &MirrorArgs, file: &Path) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the registries file {}", file.display()))?;
    let registries = monitor::parse_registries(&text)
        .with_context(|| format!("reading the registries file {}", file.display()))?;
    let stale_after = monitor::parse_duration(args.stale_after.as_deref().unwrap_or("24h"))
        .context("--stale-after")?;
    let jobs = args.jobs.unwrap_or(8);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let agent = agent();
    loop {
        let started = Instant::now();
        let now = clock.now();
        let mut lines = pass(
            &agent,
            &args.data,
            &registries,
            usize::from(jobs),
            &clock,
            now,
            stale_after,
        );
        print!("{}", monitor::report(&mut lines, now));
        println!(
            "checked {} registries in {:.2} s, {} at a time",
            lines.len(),
            started.elapsed().as_secs_f64(),
            jobs
        );
        if args.once {
            return Ok(ExitCode::from(monitor::exit_status(&lines)));
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}

/// Checks every registry, `jobs` at a time (the HTTP client blocks, so each check has a
/// thread); a failure or fork of one registry is its own line and stops no other.
fn pass(
    agent: &ureq::Agent,
    data: &Path,
    registries: &[Registry],
    jobs: usize,
    clock: &Arc<dyn Clock>,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> Vec<Line> {
    let next = AtomicUsize::new(0);
    let lines = std::sync::Mutex::new(Vec::with_capacity(registries.len()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(registries.len()) {
            scope.spawn(|| {
                while let Some(registry) = registries.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let line = check_one(agent, data, registry, clock, now, stale_after);
                    lines.lock().expect("report lines").push(line);
                }
            });
        }
    });
    lines.into_inner().expect("report lines")
}

fn check_one(
    agent: &ureq::Agent,
    data: &Path,
    registry: &Registry,
    clock: &Arc<dyn Clock>,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> Line {
    let copy = monitor::copy_dir_name(&registry.vkey);
    let dir = data.join(&copy);
    let status = match check_copy(agent, &dir, registry, clock, now, stale_after) {
        Ok(status) => status,
        Err(e) => {
            let reached = !e
                .chain()
                .any(|cause| cause.downcast_ref::<ureq::Error>().is_some());
            let found = if reached {
                Found::Failed(format!("{e:#}"))
            } else {
                Found::Unreachable(format!("{e:#}"))
            };
            monitor::classify(found, None, now, stale_after).0
        }
    };
    Line {
        url: registry.url.clone(),
        copy,
        status,
    }
}

fn check_copy(
    agent: &ureq::Agent,
    dir: &Path,
    registry: &Registry,
    clock: &Arc<dyn Clock>,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> Result<monitor::Status> {
    let store = open_copy(dir, &registry.vkey, clock.clone())?;
    let found = match sync(agent, &registry.url, &registry.vkey, &store) {
        Ok(Outcome::Grew { from, to }) => Found::Grew { from, to },
        Ok(Outcome::UpToDate { size, .. }) => Found::Same { size },
        Err(e) => match e.downcast_ref::<Fork>() {
            Some(fork) => Found::Fork {
                verified: fork.verified,
                offered: fork.offered,
                evidence: keep_evidence(dir, registry, fork, now),
            },
            None => return Err(e),
        },
    };
    let (status, grew_at) = monitor::classify(found, last_growth(&store)?, now, stale_after);
    if let Some(at) = grew_at {
        set_last_growth(&store, at)?;
    }
    Ok(status)
}

/// Writes both checkpoints of a fork beside the copy, for the auditor to hand over; says
/// where, or why it could not.
fn keep_evidence(dir: &Path, registry: &Registry, fork: &Fork, now: DateTime<Utc>) -> String {
    let path = dir.join(monitor::evidence_file_name(&fork.offered));
    let text = format!(
        "Pakta mirror: fork evidence\n\
         registry: {url}\n\
         verifier key: {vkey}\n\
         detected: {now}\n\
         \n\
         {fork}\n\
         \n\
         Both checkpoints carry the signature of the verifier key above: check each as in\n\
         section 14 of the registry's FORMATS.md. Checkpoints of the same size with different\n\
         roots prove a fork by themselves; otherwise the copy in this directory, which\n\
         `pakta verify --data` audits, holds the history the first checkpoint signed.\n",
        url = registry.url,
        vkey = registry.vkey,
        now = now.to_rfc3339(),
    );
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    match written {
        // Already kept by an earlier pass that saw the same checkpoint.
        Ok(()) => path.display().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => path.display().to_string(),
        Err(e) => format!(
            "NOT KEPT: writing {} failed ({e}); run `pakta mirror URL --vkey VKEY --once` on this copy to print both",
            path.display()
        ),
    }
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
    let mut response = agent
        .get(url)
        .call()
        .with_context(|| format!("fetching {url}"))?;
    response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .with_context(|| format!("reading {url}"))
}

/// A fork: the new checkpoint does not extend the verified one.
#[derive(Debug)]
pub struct Fork {
    why: String,
    /// The last checkpoint the copy verified, as signed.
    previous: String,
    /// The checkpoint the registry serves now, as signed.
    offered_note: String,
    /// The copy's verified tree.
    verified: Head,
    offered: Head,
}

impl std::fmt::Display for Fork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FORK DETECTED: {}.\n\nlast verified checkpoint:\n{}\ncheckpoint now offered:\n{}\nKeep both checkpoints: together they prove the registry showed two different histories.",
            self.why, self.previous, self.offered_note
        )
    }
}

impl std::error::Error for Fork {}

fn fork(
    store: &Store,
    previous: &str,
    offered_note: &str,
    offered: &Checkpoint,
    why: String,
) -> anyhow::Error {
    let verified = store.read_blocking(|db| {
        let (have, _) = db.log_head()?;
        let root = merkle::root(have, &mut |l, i| db.subtree(l, i))?;
        Ok(Head { size: have, root })
    });
    match verified {
        Ok(verified) => Fork {
            why,
            previous: previous.to_string(),
            offered_note: offered_note.to_string(),
            verified,
            offered: Head {
                size: offered.size,
                root: offered.root,
            },
        }
        .into(),
        Err(e) => anyhow!("{e}").context(format!("reading the copy's head after a fork ({why})")),
    }
}

fn sync(agent: &ureq::Agent, base: &str, vkey: &VerifierKey, store: &Store) -> Result<Outcome> {
    let note = String::from_utf8(get(agent, &format!("{base}/checkpoint"))?)
        .context("the checkpoint is not UTF-8 text")?;
    let offered = Checkpoint::open(&note, vkey)
        .context("the registry's checkpoint does not verify against the pinned key")?;
    let previous = store.read_blocking(|db| db.meta(CHECKPOINT_META))?;
    let (have, _) = store.read_blocking(|db| db.log_head())?;
    let previous_text = previous.clone().unwrap_or_else(|| "(none yet)\n".into());

    if offered.size <= have {
        // An older or equal checkpoint is fine (a cache may lag) if our copy had that
        // very root at that size; a different root for a size we hold is a fork.
        let size = offered.size;
        let root =
            store.read_blocking(move |db| merkle::root(size, &mut |l, i| db.subtree(l, i)))?;
        if root != offered.root {
            return Err(fork(
                store,
                &previous_text,
                &note,
                &offered,
                format!(
                    "the registry signed a different root for {size} entries than the copy verified"
                ),
            ));
        }
        if size == have {
            store.write_blocking(move |w| w.set_meta(CHECKPOINT_META, &note))?;
        }
        return Ok(Outcome::UpToDate {
            size: have,
            older: (size < have).then_some(size),
        });
    }

    // Fetch and append inside one write transaction: if the recomputed root differs,
    // nothing fetched is kept and the copy stays at the last verified state.
    let (tile_agent, tile_base, target) = (agent.clone(), base.to_string(), offered.clone());
    let note_to_keep = note.clone();
    let outcome = store.write_blocking(move |w| {
        let mut next = have;
        while next < target.size {
            let tile_index = next / TILE_WIDTH;
            let width = (target.size - tile_index * TILE_WIDTH).min(TILE_WIDTH);
            let tile = TilePath {
                kind: TileKind::Entries,
                index: tile_index,
                width: (width < TILE_WIDTH).then_some(width as u16),
            };
            let url = format!("{tile_base}/tile/{}", tile.to_path());
            let bundle = get(&tile_agent, &url).map_err(|e| Error::internal(format!("{e:#}")))?;
            let entries = split_bundle(&bundle)
                .filter(|e| e.len() as u64 == width)
                .ok_or_else(|| {
                    Error::internal(format!("{url} is not a bundle of {width} entries"))
                })?;
            for bytes in entries
                .iter()
                .skip((next - tile_index * TILE_WIDTH) as usize)
            {
                w.append_copied(bytes)?;
                next += 1;
            }
        }
        let root = merkle::root(target.size, &mut |l, i| Db::subtree(&w.db(), l, i))?;
        if root != target.root {
            return Err(Error::conflict(
                "fork",
                "the entries served do not add up to the checkpoint's root",
            ));
        }
        w.set_meta(CHECKPOINT_META, &note_to_keep)?;
        Ok(())
    });
    match outcome {
        Ok(()) => Ok(Outcome::Grew {
            from: have,
            to: offered.size,
        }),
        Err(e) if e.code == "fork" || e.code == "chain_broken" => {
            // Either the new tree does not extend ours (a fork), or the tiles served do
            // not match an honest checkpoint. The registry's own consistency proof tells
            // them apart: a valid proof from our root to the new one clears the history.
            if have > 0 && consistent(agent, base, store, have, &offered)? {
                return Err(anyhow!(
                    "the registry's checkpoint of {} entries extends the verified copy, but the entry tiles it served do not match it ({}); try again later or report the broken tiles",
                    offered.size,
                    e.message
                ));
            }
            Err(fork(
                store,
                &previous_text,
                &note,
                &offered,
                format!(
                    "the registry's tree of {} entries does not extend the {have} entries verified before ({})",
                    offered.size, e.message
                ),
            ))
        }
        Err(e) => Err(anyhow!("{e}")),
    }
}

/// Whether the registry can prove (RFC 6962) that the tree of `have` entries we hold is a
/// prefix of the offered tree.
fn consistent(
    agent: &ureq::Agent,
    base: &str,
    store: &Store,
    have: u64,
    offered: &Checkpoint,
) -> Result<bool> {
    let url = format!(
        "{base}/api/registry/proof/consistency?from={have}&to={}",
        offered.size
    );
    let Ok(body) = get(agent, &url) else {
        return Ok(false);
    };
    let proof: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(list) = proof["hashes"].as_array() else {
        return Ok(false);
    };
    let hashes: Option<Vec<Sha256Hash>> = list
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|h| decode_base64("hash", h).ok())
                .and_then(|b| Sha256Hash::from_slice(&b))
        })
        .collect();
    let Some(hashes) = hashes else {
        return Ok(false);
    };
    let ours = store.read_blocking(move |db| merkle::root(have, &mut |l, i| db.subtree(l, i)))?;
    Ok(merkle::verify_consistency(
        have,
        offered.size,
        &hashes,
        &ours,
        &offered.root,
    ))
}

/// Exit code for a fork, distinct from other failures so scripts can alert on it.
pub const FORK_EXIT: u8 = monitor::EXIT_FORK;

pub fn is_fork(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Fork>().is_some()
}
