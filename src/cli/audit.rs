//! `pakta verify` and `pakta export`: the offline audit of a data directory or an
//! export file, and writing such an export. Both stream the log, so memory stays flat
//! whatever the registry's size.
//!
//! Export format (JSON Lines, `docs/FORMATS.md`): a header line
//! `{"format":"pakta/export/v1","size":N}`, then for each entry first the documents it
//! references (`{"document":{"sha256","kind","text"}}`) and then the entry itself
//! (`{"entry":{"index","hash","bytes"}}`, bytes in base64).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use pakta::domain::audit::{AuditFailure, AuditSummary, Auditor};
use pakta::domain::crypto::{Sha256Hash, decode_base64, encode_base64};
use pakta::domain::entry::{Entry, EntryBody};
use pakta::domain::merkle;
use pakta::store::{Db, Store};

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
    let outcome = match (data, export) {
        (Some(dir), _) => verify_data_dir(dir)?,
        (None, Some(file)) => verify_export(file)?,
        (None, None) => bail!("give --data DIR or --export FILE"),
    };
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

fn verify_data_dir(dir: &Path) -> Result<Result<AuditSummary, AuditFailure>> {
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
    let mut auditor = Auditor::default();
    // The server signs checkpoints over its stored tree: every stored node must be the
    // one these entries make, or the registry would vouch for a history it does not hold.
    let mut tree = merkle::RootBuilder::default();
    let mut failure = None;
    db.for_each_entry(|stored| {
        let mut lookup = |h: &Sha256Hash| db.document(h).ok().flatten().map(String::into_bytes);
        let checked = auditor.check(Some(stored.hash), &stored.bytes, &mut lookup);
        let checked = checked.and_then(|()| {
            for (level, index, hash) in tree.push(merkle::leaf_hash(&stored.bytes)) {
                if db.subtree(level, index).ok() != Some(hash) {
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
        if let Err(f) = checked {
            failure = Some(f);
            return Err(pakta::error::Error::internal("stop"));
        }
        Ok(())
    })
    .or_else(|e| if failure.is_some() { Ok(()) } else { Err(e) })
    .context("reading the registry log")?;
    Ok(match failure {
        Some(f) => Err(f),
        None => auditor.finish(),
    })
}

fn verify_export(file: &Path) -> Result<Result<AuditSummary, AuditFailure>> {
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
    let mut auditor = Auditor::default();
    // Documents are keyed by the hash their line states, so an edited document is
    // handed to the audit as it is and fails its hash check at the entry that uses it.
    let mut pending: HashMap<Sha256Hash, Vec<u8>> = HashMap::new();
    let mut seen = 0u64;
    let fail = |index: u64, problem: String| Ok(Err(AuditFailure { index, problem }));
    for (n, line) in lines.enumerate() {
        let line = line?;
        let parsed: Line = serde_json::from_str(&line)
            .with_context(|| format!("line {} of the export is not valid", n + 2))?;
        match parsed {
            Line::Document { sha256, text, .. } => {
                let Ok(stated) = Sha256Hash::parse_hex("sha256", &sha256) else {
                    return fail(
                        seen,
                        format!("the document before it states a malformed hash '{sha256}'"),
                    );
                };
                pending.insert(stated, text.into_bytes());
            }
            Line::Entry { index, hash, bytes } => {
                let Ok(bytes) = decode_base64("bytes", &bytes) else {
                    return fail(seen, "its bytes are not valid base64".into());
                };
                let Ok(stored) = Sha256Hash::parse_hex("hash", &hash) else {
                    return fail(seen, format!("its stated hash '{hash}' is malformed"));
                };
                if index != seen {
                    return fail(
                        seen,
                        format!("the export line says index {index} where entry {seen} belongs"),
                    );
                }
                let mut lookup = |h: &Sha256Hash| pending.remove(h);
                if let Err(f) = auditor.check(Some(stored), &bytes, &mut lookup) {
                    return Ok(Err(f));
                }
                if !pending.is_empty() {
                    return fail(
                        seen,
                        "a document listed before it is not referenced by it".into(),
                    );
                }
                seen += 1;
            }
        }
    }
    if seen != header.size {
        return fail(
            seen,
            format!(
                "the export announces {} entries but holds {seen}: it was cut short",
                header.size
            ),
        );
    }
    Ok(auditor.finish())
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
    db.for_each_entry(|stored| {
        let mut write = || -> Result<()> {
            let entry = Entry::parse(&stored.bytes)
                .map_err(|e| anyhow!("entry {} does not parse: {e}", stored.index))?;
            if let Some(hash) = documents_of(&entry)
                && let Some(text) = db.document(&hash)?
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

pub fn verify_receipt(file: &Path, vkey: &str) -> Result<ExitCode> {
    let vkey = super::mirror::read_vkey(vkey)?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the receipt {}", file.display()))?;
    let receipt = pakta::domain::receipt::Receipt::parse(&text)?;
    let checks = receipt.verify(&vkey);
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
