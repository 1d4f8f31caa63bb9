//! The audit at scale, at a small scale: `pakta bench generate` makes a registry that
//! `pakta verify` passes and the registry opens as `pakta serve` would open it, and the
//! audit, which checks signatures on several threads, still names the first entry whose
//! signature was tampered with, even when the tamperer rewrote the chain and the tree
//! after it so that every hash agrees. Timings belong to the benchmark, not here.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use rusqlite::{Connection, params};

use pakta::domain::crypto::{Sha256Hash, decode_base64, encode_base64};
use pakta::domain::merkle::{RootBuilder, leaf_hash};

const ENTRIES: u64 = 2000;

fn pakta(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(args)
        .output()
        .expect("run pakta")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A generated registry of [`ENTRIES`] entries in a new temporary directory.
fn generated() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("registry");
    let out = pakta(&[
        "bench",
        "generate",
        "--entries",
        &ENTRIES.to_string(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    (dir, data)
}

fn verify(data: &Path) -> (bool, String) {
    let out = pakta(&["verify", "--data", data.to_str().unwrap()]);
    (out.status.success(), text(&out))
}

/// The number after `label` in the audit's summary.
fn count(summary: &str, label: &str) -> u64 {
    let at = summary
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {summary}"));
    summary[at + label.len()..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number after {label} in {summary}"))
}

#[test]
fn a_generated_registry_passes_the_audit_and_opens_as_the_server_opens_it() {
    let (_dir, data) = generated();
    let (ok, summary) = verify(&data);
    assert!(ok, "{summary}");
    assert!(
        summary.contains(&format!("OK: {ENTRIES} entries verified")),
        "{summary}"
    );
    // Every document was kept and every proof and signature checked strictly.
    let proofs = count(&summary, "enrollment proofs verified:");
    let signatures = count(&summary, "signatures verified:");
    assert!(proofs > 100 && signatures > 100, "{summary}");
    assert_eq!(count(&summary, "keys enrolled:"), proofs, "{summary}");
    assert!(
        summary.contains("statements erased (chain intact, signature not re-checkable): 0"),
        "{summary}"
    );
    assert!(count(&summary, "revoked:") > 0, "{summary}");
    assert!(
        summary.contains(&format!(
            "{} documents and signatures checked",
            proofs + signatures
        )),
        "{summary}"
    );

    // What `pakta serve` checks at start: the log extends the kept checkpoint, the key
    // matches, the tail is intact.
    let app = pakta::app::App::open(
        &data,
        Arc::new(pakta::clock::SystemClock),
        pakta::app::Config::default(),
        None,
    )
    .expect("the generated registry opens");
    drop(app);
    let checkpoint = std::fs::read_to_string(data.join("log-checkpoint")).unwrap();
    assert_eq!(
        checkpoint.lines().nth(1),
        Some(ENTRIES.to_string().as_str()),
        "{checkpoint}"
    );
}

#[test]
fn the_same_seed_makes_the_same_officials_and_keys() {
    let (_a, first) = generated();
    let (_b, second) = generated();
    let keys = |data: &Path| -> Vec<(String, Vec<u8>, String)> {
        let conn = Connection::open(data.join("pakta.sqlite3")).unwrap();
        let mut rows = conn
            .prepare(
                "SELECT o.nip, k.public_key, o.opd_code FROM keys k
                 JOIN officials o ON o.subject = k.subject ORDER BY k.enrolled_idx",
            )
            .unwrap();
        rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let made = keys(&first);
    assert!(made.len() > 100);
    assert_eq!(made, keys(&second));
}

/// Alters the signature (or proof) of each entry in `targets` and rewrites every later
/// entry's `prev`, every stored hash and the whole stored tree to agree: all that is
/// left for the audit to catch is the signatures themselves.
fn forge_signatures(data: &Path, targets: &[u64]) {
    let conn = Connection::open(data.join("pakta.sqlite3")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER log_refuses_update; DROP TRIGGER log_refuses_delete;
         DROP TRIGGER tree_refuses_update; DROP TRIGGER tree_refuses_delete;",
    )
    .unwrap();
    let entries: Vec<(u64, Vec<u8>)> = conn
        .prepare("SELECT idx, bytes FROM log ORDER BY idx")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let first = *targets.iter().min().unwrap();
    let mut prev = None;
    let mut tree = RootBuilder::default();
    let tx = conn.unchecked_transaction().unwrap();
    tx.execute("DELETE FROM tree", []).unwrap();
    for (index, bytes) in entries {
        let mut lines: Vec<String> = String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        if index >= first {
            if let Some(prev) = prev {
                let line = lines.iter_mut().find(|l| l.starts_with("prev: ")).unwrap();
                *line = format!("prev: {prev}");
            }
            if targets.contains(&index) {
                let line = lines
                    .iter_mut()
                    .find(|l| l.starts_with("signature: ") || l.starts_with("proof: "))
                    .unwrap_or_else(|| panic!("entry {index} carries no signature"));
                let (name, value) = line.split_once(": ").unwrap();
                let mut signature = decode_base64("signature", value).unwrap();
                // A bit of R: still 64 bytes of canonical base64, just not a signature.
                signature[0] ^= 0x01;
                *line = format!("{name}: {}", encode_base64(&signature));
            }
        }
        let bytes = format!("{}\n", lines.join("\n")).into_bytes();
        let hash = Sha256Hash::of(&bytes);
        if index >= first {
            tx.execute(
                "UPDATE log SET bytes = ?1, hash = ?2 WHERE idx = ?3",
                params![bytes, &hash.0[..], index],
            )
            .unwrap();
        }
        for (level, node, hash) in tree.push(leaf_hash(&bytes)) {
            tx.execute(
                "INSERT INTO tree (level, idx, hash) VALUES (?1, ?2, ?3)",
                params![level, node, &hash.0[..]],
            )
            .unwrap();
        }
        prev = Some(hash);
    }
    tx.commit().unwrap();
}

/// Entries of a kind, in log order.
fn entries_of(data: &Path, kind: &str) -> Vec<u64> {
    let conn = Connection::open(data.join("pakta.sqlite3")).unwrap();
    let mut rows = conn
        .prepare("SELECT idx, bytes FROM log ORDER BY idx")
        .unwrap();
    rows.query_map([], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&format!("\nkind: {kind}\n")))
        .map(|(index, _)| index)
        .collect()
}

#[test]
fn a_forged_signature_is_named_at_its_entry_though_every_hash_agrees() {
    let (_dir, data) = generated();
    let signed = entries_of(&data, "pledge.signed");
    let target = signed[signed.len() * 3 / 4];
    forge_signatures(&data, &[target]);
    let (ok, summary) = verify(&data);
    assert!(!ok, "{summary}");
    assert!(
        summary.contains(&format!(
            "FAILED at entry {target}: the signature does not verify over the statement"
        )),
        "{summary}"
    );
}

#[test]
fn of_several_forged_signatures_the_first_is_named() {
    let (_dir, data) = generated();
    let signed = entries_of(&data, "pledge.signed");
    let enrolled = entries_of(&data, "key.enrolled");
    // A proof early in the log and signatures after it: checked on different threads,
    // in whatever order they finish, the earliest entry is the one named.
    let first = enrolled[enrolled.len() / 2];
    let later = [signed[signed.len() / 2], signed[signed.len() - 1]];
    assert!(later.iter().all(|&l| l > first));
    forge_signatures(&data, &[later[1], first, later[0]]);
    let (ok, summary) = verify(&data);
    assert!(!ok, "{summary}");
    assert!(
        summary.contains(&format!(
            "FAILED at entry {first}: the proof of possession does not verify"
        )),
        "{summary}"
    );
}
