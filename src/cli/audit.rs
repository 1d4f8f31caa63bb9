//! `pakta verify` and `pakta export`: the offline audit of a data directory or an
//! export file, and writing such an export. Both stream the log: the audit's memory
//! grows with the officials it must remember (their keys), not with the entries.
//!
//! Export format (JSON Lines, `docs/FORMATS.md`): a header line
//! `{"format":"pakta/export/v1","size":N}`, then for each entry first the documents it
//! references (`{"document":{"sha256","kind","text"}}`) and then the entry itself
//! (`{"entry":{"index","hash","bytes"}}`, bytes in base64).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use serde::{Deserialize, Serialize};

use pakta::domain::audit::{AuditFailure, AuditSummary, Auditor, DeferredCheck, first_failure};
use pakta::domain::crypto::{Sha256Hash, decode_base64, encode_base64};
use pakta::domain::entry::{Entry, EntryBody};
use pakta::store::{Db, KeptDocuments, Store, StoredTree};

pub const EXPORT_FORMAT: &str = "pakta/export/v1";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    size: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Line {
    Document {
        sha256: String,
        kind: String,
        text: String,
    },
    Entry {
        index: u64,
        hash: String,
        bytes: String,
    },
}

pub fn verify(data: Option<&Path>, export: Option<&Path>) -> Result<ExitCode> {
    let started = Instant::now();
    let mut progress = Progress::new();
    let (outcome, checks) = match (data, export) {
        (Some(dir), _) => verify_data_dir(dir, &mut progress)?,
        (None, Some(file)) => verify_export(file, &mut progress)?,
        (None, None) => bail!("give --data DIR or --export FILE"),
    };
    progress.finish(started, &checks);
    match outcome {
        Ok(summary) => {
            println!("OK: {} entries verified", summary.entries);
            if let Some(head) = summary.head {
                println!("head: {head}");
            }
            if let Some(root) = summary.root {
                println!(
                    "merkle root: {} (base64, as in checkpoints)",
                    encode_base64(&root.0)
                );
            }
            println!(
                "keys enrolled: {}, revoked: {}; enrollment proofs verified: {}",
                summary.keys_enrolled, summary.keys_revoked, summary.enrollment_proofs_verified
            );
            println!(
                "signatures verified: {}; statements erased (chain intact, signature not re-checkable): {}",
                summary.signatures_verified, summary.statements_erased
            );
            println!(
                "enrollment messages erased (key enrollment stands, proof not re-checkable): {}",
                summary.enrollment_messages_erased
            );
            println!(
                "persons erased under UU 27/2022: {}; documents the log says were erased: {}",
                summary.persons_erased, summary.documents_erased
            );
            println!(
                "representations verified: {}; representation statements erased (entry stands, signature not re-checkable): {}",
                summary.representations_verified, summary.representations_erased
            );
            println!(
                "campaigns: {}; heads' recaps verified: {}; recaps erased (entry stands, signature not re-checkable): {}",
                summary.campaigns, summary.recaps_verified, summary.recaps_erased
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            println!("FAILED at entry {}: {}", failure.index, failure.problem);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The audit `pakta verify --data DIR` runs, for a command that must see it pass before
/// it goes on (`pakta restore`): the verdict, with the same progress and summary line on
/// standard error.
pub(super) fn audit_data_dir(dir: &Path) -> Result<Result<AuditSummary, AuditFailure>> {
    let started = Instant::now();
    let mut progress = Progress::new();
    let (outcome, checks) = verify_data_dir(dir, &mut progress)?;
    progress.finish(started, &checks);
    Ok(outcome)
}

/// How far the audit is: a progress bar when standard error is a terminal; otherwise
/// one summary line at the end, so logs and scripts get a figure, not a redrawn bar.
struct Progress {
    bar: Option<ProgressBar>,
    entries: u64,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            bar: None,
            entries: 0,
        }
    }

    /// The audit knows how many entries it will read.
    fn start(&mut self, size: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(size);
        if let Ok(style) = ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} entries, {rate}, {eta} left",
        ) {
            bar.set_style(
                style
                    .with_key(
                        "rate",
                        |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = write!(w, "{:.0}/s", state.per_sec());
                        },
                    )
                    .progress_chars("=> "),
            );
        }
        self.bar = Some(bar);
    }

    /// One more entry read; the bar moves every few thousand, often enough to watch.
    fn entry(&mut self) {
        self.entries += 1;
        if self.entries % 4096 == 0
            && let Some(bar) = &self.bar
        {
            bar.set_position(self.entries);
        }
    }

    fn finish(&self, started: Instant, checks: &CheckCount) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "audited {} entries in {seconds:.1} s ({:.0} entries/s); {} documents and signatures checked on {} threads",
            self.entries,
            self.entries as f64 / seconds.max(1e-9),
            checks.checked,
            checks.threads
        );
    }
}

/// How many document and signature checks ran, and on how many threads.
#[derive(Default)]
struct CheckCount {
    checked: u64,
    threads: usize,
}

/// Checks handed to a worker at once: a few milliseconds of work, so the queue's lock
/// is taken rarely.
const CHECKS_PER_BATCH: usize = 32;

/// Runs the audit's document and signature checks on every core while the rules walk
/// the log in order ([`Auditor::deferring`]). The checks go out in batches through a
/// bounded queue, so the documents waiting to be checked take little memory whatever the
/// registry's size; the failure kept is the lowest entry's.
struct CheckPool {
    queue: Option<SyncSender<Vec<DeferredCheck>>>,
    batch: Vec<DeferredCheck>,
    workers: Vec<std::thread::JoinHandle<u64>>,
    /// The lowest failure found so far.
    failure: Arc<Mutex<Option<AuditFailure>>>,
    /// Its entry (u64::MAX while none): checks of later entries are skipped.
    lowest: Arc<AtomicU64>,
}

impl CheckPool {
    fn start() -> Result<CheckPool> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (queue, inbox) = sync_channel::<Vec<DeferredCheck>>(threads * 4);
        let inbox = Arc::new(Mutex::new(inbox));
        let failure = Arc::new(Mutex::new(None::<AuditFailure>));
        let lowest = Arc::new(AtomicU64::new(u64::MAX));
        let workers = (0..threads)
            .map(|_| {
                let (inbox, failure, lowest) = (inbox.clone(), failure.clone(), lowest.clone());
                // Named, so a profile tells the checks from the walk.
                std::thread::Builder::new()
                    .name("pakta-check".into())
                    .spawn(move || check_batches(&inbox, &failure, &lowest))
            })
            .collect::<std::io::Result<_>>()
            .context("starting the signature-checking threads")?;
        Ok(CheckPool {
            queue: Some(queue),
            batch: Vec::with_capacity(CHECKS_PER_BATCH),
            workers,
            failure,
            lowest,
        })
    }

    fn add(&mut self, checks: impl Iterator<Item = DeferredCheck>) {
        for check in checks {
            self.batch.push(check);
            if self.batch.len() == CHECKS_PER_BATCH {
                self.send();
            }
        }
    }

    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(CHECKS_PER_BATCH));
        if let Some(queue) = &self.queue {
            // Sending fails only if every worker is gone, and `finish` reports a
            // worker that panicked.
            let _ = queue.send(batch);
        }
    }

    /// Whether a check failed: nothing the walk finds from here on can come first.
    fn failed(&self) -> bool {
        self.lowest.load(Ordering::Relaxed) != u64::MAX
    }

    /// Runs what is queued, stops the workers, and returns the lowest failure.
    fn finish(mut self) -> Result<(Option<AuditFailure>, CheckCount)> {
        if !self.batch.is_empty() {
            self.send();
        }
        self.queue = None;
        let threads = self.workers.len();
        let mut checked = 0;
        for worker in self.workers.drain(..) {
            checked += worker
                .join()
                .map_err(|_| anyhow!("a signature-checking thread panicked"))?;
        }
        let failure = self
            .failure
            .lock()
            .map_err(|_| anyhow!("a signature-checking thread panicked"))?
            .take();
        Ok((failure, CheckCount { checked, threads }))
    }
}

/// A worker of the [`CheckPool`]: runs batches until the queue closes, skipping checks
/// of entries after the lowest failure found; returns how many checks it ran.
fn check_batches(
    inbox: &Mutex<Receiver<Vec<DeferredCheck>>>,
    failure: &Mutex<Option<AuditFailure>>,
    lowest: &AtomicU64,
) -> u64 {
    let mut checked = 0;
    loop {
        let batch = match inbox.lock() {
            Ok(inbox) => inbox.recv(),
            Err(_) => return checked,
        };
        let Ok(batch) = batch else {
            return checked;
        };
        for check in batch {
            if check.index() > lowest.load(Ordering::Relaxed) {
                continue;
            }
            checked += 1;
            if let Err(found) = check.run()
                && let Ok(mut kept) = failure.lock()
                && kept.as_ref().is_none_or(|k| found.index < k.index)
            {
                lowest.store(found.index, Ordering::Relaxed);
                *kept = Some(found);
            }
        }
    }
}

/// The audit's verdict and what the check pool did.
type Audited = (Result<AuditSummary, AuditFailure>, CheckCount);

/// The verdict: the lowest failure of the rules (`rule`) and of the checks (`pool`), or
/// the summary of a clean audit.
fn verdict(auditor: Auditor, rule: Option<AuditFailure>, pool: CheckPool) -> Result<Audited> {
    let (check, count) = pool.finish()?;
    let outcome = match first_failure(rule, check) {
        Some(failure) => Err(failure),
        None => auditor.finish(),
    };
    Ok((outcome, count))
}

fn documents_of(entry: &Entry) -> Option<Sha256Hash> {
    match &entry.body {
        EntryBody::KeyEnrolled {
            enrollment_sha256, ..
        } => Some(*enrollment_sha256),
        EntryBody::PledgeSigned {
            statement_sha256, ..
        }
        | EntryBody::RecapSigned {
            statement_sha256, ..
        }
        | EntryBody::RepresentationSigned {
            statement_sha256, ..
        } => Some(*statement_sha256),
        _ => None,
    }
}

/// Opens a data directory for reading inside one read transaction, so the audit and
/// the export see one consistent snapshot even while the server keeps appending.
fn snapshot(dir: &Path) -> Result<rusqlite::Connection> {
    let conn = Store::open_read_only(dir)?;
    conn.execute_batch("BEGIN")
        .context("starting a read transaction on the registry")?;
    Ok(conn)
}

/// The audit of a data directory: one pass over the log in order, with the kept
/// documents and the stored tree read forward beside it ([`KeptDocuments`],
/// [`StoredTree`]), the rules on this thread and the document and signature checks on
/// every core.
fn verify_data_dir(dir: &Path, progress: &mut Progress) -> Result<Audited> {
    let conn = snapshot(dir)?;
    let db = Db::over(&conn);
    let triggers: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('log_refuses_update', 'log_refuses_delete')",
        [],
        |r| r.get(0),
    )?;
    if triggers != 2 {
        eprintln!(
            "warning: the log's append-only triggers are missing: someone changed the database by hand"
        );
    }
    progress.start(db.log_head()?.0);
    let mut auditor = Auditor::deferring();
    let mut pool = CheckPool::start()?;
    let mut documents = KeptDocuments::new(&db);
    // The server signs checkpoints over its stored tree: every stored node must be the
    // one these entries make, or the registry would vouch for a history it does not hold.
    let mut tree = StoredTree::new(&db);
    let mut rule = None;
    let mut stopped = false;
    let walked = db.for_each_entry(|stored| {
        if pool.failed() {
            stopped = true;
            return Err(pakta::error::Error::internal("stop"));
        }
        let mut unreadable = None;
        let mut lookup = |h: &Sha256Hash| match documents.take(h) {
            Ok(text) => text.map(String::into_bytes),
            Err(e) => {
                unreadable = Some(e);
                None
            }
        };
        let checked = auditor.check(Some(stored.hash), &stored.bytes, &mut lookup);
        pool.add(auditor.take_deferred());
        if let Some(e) = unreadable {
            return Err(e);
        }
        let checked = checked.and_then(|()| {
            for &(level, index, hash) in auditor.completed_subtrees() {
                // A node that cannot be read is as good as a wrong one.
                if tree.node(level, index).ok().flatten() != Some(hash) {
                    return Err(AuditFailure {
                        index: stored.index,
                        problem: format!(
                            "the stored Merkle tree node ({level}, {index}) does not match the entries: checkpoints signed from it would be wrong"
                        ),
                    });
                }
            }
            Ok(())
        });
        progress.entry();
        if let Err(f) = checked {
            rule = Some(f);
            stopped = true;
            return Err(pakta::error::Error::internal("stop"));
        }
        Ok(())
    });
    if !stopped {
        walked.context("reading the registry log")?;
    }
    verdict(auditor, rule, pool)
}

fn verify_export(file: &Path, progress: &mut Progress) -> Result<Audited> {
    let reader = BufReader::new(
        File::open(file).with_context(|| format!("cannot open export {}", file.display()))?,
    );
    let mut lines = reader.lines();
    let header: Header = serde_json::from_str(
        &lines
            .next()
            .ok_or_else(|| anyhow!("{} is empty", file.display()))??,
    )
    .context("the first line is not a pakta export header")?;
    if header.format != EXPORT_FORMAT {
        bail!(
            "unknown export format '{}', expected {EXPORT_FORMAT}",
            header.format
        );
    }
    progress.start(header.size);
    let mut auditor = Auditor::deferring();
    let mut pool = CheckPool::start()?;
    // Documents are keyed by the hash their line states, so an edited document is
    // handed to the audit as it is and fails its hash check at the entry that uses it.
    let mut pending: HashMap<Sha256Hash, Vec<u8>> = HashMap::new();
    let mut seen = 0u64;
    let fail = |index: u64, problem: String| Some(AuditFailure { index, problem });
    let mut rule = None;
    for (n, line) in lines.enumerate() {
        if pool.failed() {
            break;
        }
        let line = line?;
        let parsed: Line = serde_json::from_str(&line)
            .with_context(|| format!("line {} of the export is not valid", n + 2))?;
        match parsed {
            Line::Document { sha256, text, .. } => {
                let Ok(stated) = Sha256Hash::parse_hex("sha256", &sha256) else {
                    rule = fail(
                        seen,
                        format!("the document before it states a malformed hash '{sha256}'"),
                    );
                    break;
                };
                pending.insert(stated, text.into_bytes());
            }
            Line::Entry { index, hash, bytes } => {
                let Ok(bytes) = decode_base64("bytes", &bytes) else {
                    rule = fail(seen, "its bytes are not valid base64".into());
                    break;
                };
                let Ok(stored) = Sha256Hash::parse_hex("hash", &hash) else {
                    rule = fail(seen, format!("its stated hash '{hash}' is malformed"));
                    break;
                };
                if index != seen {
                    rule = fail(
                        seen,
                        format!("the export line says index {index} where entry {seen} belongs"),
                    );
                    break;
                }
                let mut lookup = |h: &Sha256Hash| pending.remove(h);
                let checked = auditor.check(Some(stored), &bytes, &mut lookup);
                pool.add(auditor.take_deferred());
                if let Err(f) = checked {
                    rule = Some(f);
                    break;
                }
                if !pending.is_empty() {
                    rule = fail(
                        seen,
                        "a document listed before it is not referenced by it".into(),
                    );
                    break;
                }
                progress.entry();
                seen += 1;
            }
        }
    }
    if rule.is_none() && !pool.failed() && seen != header.size {
        rule = fail(
            seen,
            format!(
                "the export announces {} entries but holds {seen}: it was cut short",
                header.size
            ),
        );
    }
    verdict(auditor, rule, pool)
}

pub fn export(dir: &Path, out: &Path) -> Result<ExitCode> {
    let conn = snapshot(dir)?;
    let db = Db::over(&conn);
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| format!("cannot create {} (it must not exist yet)", out.display()))?;
    let mut w = BufWriter::new(file);
    let (size, _) = db.log_head()?;
    writeln!(
        w,
        "{}",
        serde_json::to_string(&Header {
            format: EXPORT_FORMAT.into(),
            size
        })?
    )?;
    let mut io_error = None;
    let mut documents = KeptDocuments::new(&db);
    db.for_each_entry(|stored| {
        let mut write = || -> Result<()> {
            let entry = Entry::parse(&stored.bytes)
                .map_err(|e| anyhow!("entry {} does not parse: {e}", stored.index))?;
            if let Some(hash) = documents_of(&entry)
                && let Some(text) = documents.take(&hash)?
            {
                let kind = match entry.body {
                    EntryBody::PledgeSigned { .. } => "statement",
                    EntryBody::RecapSigned { .. } => "recap",
                    EntryBody::RepresentationSigned { .. } => "representation",
                    _ => "enrollment",
                };
                let line = Line::Document {
                    sha256: hash.to_hex(),
                    kind: kind.into(),
                    text,
                };
                writeln!(w, "{}", serde_json::to_string(&line)?)?;
            }
            let line = Line::Entry {
                index: stored.index,
                hash: stored.hash.to_hex(),
                bytes: encode_base64(&stored.bytes),
            };
            writeln!(w, "{}", serde_json::to_string(&line)?)?;
            Ok(())
        };
        write().map_err(|e| {
            io_error = Some(e);
            pakta::error::Error::internal("stop")
        })
    })
    .or_else(|e| if io_error.is_some() { Ok(()) } else { Err(e) })?;
    if let Some(e) = io_error {
        return Err(e);
    }
    w.flush()?;
    println!("exported {size} entries to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `pakta verify-receipt FILE --vkey VKEY [--witness WKEY …] [--quorum K]`: the five
/// checks of FORMATS §17.1 and, with witness keys, a sixth, `witnesses`: at least K of
/// them (all of them by default) cosigned the receipt's checkpoint.
pub fn verify_receipt(
    file: &Path,
    vkey: &str,
    witnesses: &[String],
    quorum: Option<usize>,
) -> Result<ExitCode> {
    let vkey = super::mirror::read_vkey(vkey)?;
    let witnesses = witnesses
        .iter()
        .map(|w| super::witness::read_witness_key(w))
        .collect::<Result<Vec<_>>>()?;
    let quorum = match quorum {
        Some(_) if witnesses.is_empty() => {
            bail!("--quorum counts witnesses: give their keys with --witness VKEY (repeatable)")
        }
        Some(k) if k == 0 || k > witnesses.len() => bail!(
            "--quorum must be between 1 and the number of --witness keys ({})",
            witnesses.len()
        ),
        Some(k) => k,
        None => witnesses.len(),
    };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the receipt {}", file.display()))?;
    let receipt = pakta::domain::receipt::Receipt::parse(&text)?;
    let mut checks = receipt.verify(&vkey);
    if !witnesses.is_empty() {
        checks.push(pakta::domain::cosignature::witness_check(
            &receipt.checkpoint,
            &witnesses,
            quorum,
        ));
    }
    for c in &checks {
        println!(
            "{} {}: {}",
            if c.ok { "ok  " } else { "FAIL" },
            c.name,
            c.detail
        );
    }
    if checks.iter().all(|c| c.ok) {
        println!(
            "VALID: entry {} is in the registry {}",
            receipt.index, vkey.name
        );
        // Say what the entry proves, so an enrollment receipt is never read as a
        // signature.
        let kind = Entry::parse(&receipt.entry)
            .map(|e| e.body.kind())
            .unwrap_or("unknown");
        match pakta::domain::statement::Statement::parse(&receipt.document) {
            _ if kind == "representation.signed" => {
                match pakta::domain::representation::RepresentationStatement::parse(
                    &receipt.document,
                ) {
                    Ok(r) => println!(
                        "it is a representation signature (Tanda tangan perwakilan atas nama {} pegawai): {} (NIP {}), {}, signed on behalf of {} officials for ceremony {}; it is not a pledge signature of those officials",
                        r.represented.len(),
                        r.name,
                        r.nip,
                        r.unit,
                        r.represented.len(),
                        r.ceremony
                    ),
                    Err(_) => println!(
                        "it is a representation.signed entry ({}), not a pledge signature",
                        pakta::app::kind_words(kind)
                    ),
                }
            }
            Ok(s) if kind == "pledge.signed" => println!(
                "it is a pledge signature: {} (NIP {}), {}, signed \"{}\" for ceremony {} in {}",
                s.name,
                s.nip,
                s.unit,
                s.pledge_title,
                s.ceremony,
                pakta::domain::statement::mode_words(s.mode)
            ),
            _ => println!(
                "it is a {kind} entry ({}), not a pledge signature",
                pakta::app::kind_words(kind)
            ),
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!("INVALID receipt");
        Ok(ExitCode::FAILURE)
    }
}
