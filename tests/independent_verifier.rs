//! The outside verifier's view: a real registry is built over HTTP, exported with
//! `pakta export`, and checked by `docs/recompute_hashes.py`, a standard-library Python
//! script written from `docs/FORMATS.md` alone. Its verdict must agree with the
//! registry's own head and with `pakta verify --export`, on the good export and on
//! copies altered the way a forger would alter them.
//!
//! The script is the proof that the documentation is enough to check the registry
//! without trusting Pakta's code, so a missing python3 is installed (or the tests fail)
//! rather than skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::Duration;
use common::*;
use pakta::domain::crypto::{Sha256Hash, decode_base64, encode_base64};
use serde_json::{Value, json};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/recompute_hashes.py");
const GOLDEN_EXPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/export.jsonl");
const GOLDEN_SUMS: &str = include_str!("vectors/SHA256SUMS");

fn python3() -> PathBuf {
    ensure_installed("python3", "python3")
}

/// Runs the script; returns its exit code and stdout (stderr is appended on failure so
/// assertion messages show everything).
fn recompute(export: &Path) -> (i32, String) {
    let out = Command::new(python3())
        .arg(SCRIPT)
        .arg(export)
        .output()
        .expect("run python3");
    (out.status.code().unwrap_or(-1), text_of(&out))
}

fn verify(export: &Path) -> (i32, String) {
    let out = pakta(&["verify", "--export", export.to_str().unwrap()]);
    (out.status.code().unwrap_or(-1), text_of(&out))
}

fn text_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A registry with every kind of entry, stopped and exported.
struct Exported {
    _app: TestApp,
    dir: tempfile::TempDir,
    file: PathBuf,
    size: u64,
    head: String,
}

impl Exported {
    fn build() -> Exported {
        let mut app = TestApp::spawn();
        assert_eq!(app.import(ROSTER).status, 200);
        let andi = app.enroll(ANDI);
        let siti = app.enroll(SITI);
        let budi = app.enroll(BUDI);
        let ceremony = app.create_ceremony(json!({"opds": ["DISDIK", "DINKES"]}));
        app.open(ceremony);
        for nip in [ANDI, SITI] {
            let reply = app.check_in(ceremony, nip, ADMIN);
            assert_eq!(reply.status, 201, "{}", reply.text);
        }
        for (nip, key) in [(ANDI, &andi), (SITI, &siti)] {
            let reply = app.sign(ceremony, nip, key);
            assert_eq!(reply.status, 201, "{}", reply.text);
        }
        app.advance(Duration::hours(2));
        let closed = app.close(ceremony);
        assert_eq!(closed.status, 200, "{}", closed.text);
        app.advance(Duration::days(1));
        assert_eq!(app.sign(ceremony, BUDI, &budi).status, 201);
        // A new phone: key.revoked followed by key.enrolled.
        app.enroll(ANDI);

        let head = app.get("/api/registry/head", None);
        let size = head.body["size"].as_u64().unwrap();
        let head = head.body["head"].as_str().unwrap().to_string();
        app.stop();

        let dir = private_tempdir();
        let file = dir.path().join("registry.jsonl");
        let out = pakta(&[
            "export",
            "--data",
            app.data_dir().to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text_of(&out));
        Exported {
            _app: app,
            dir,
            file,
            size,
            head,
        }
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.file)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    /// Writes an edited copy beside the export; the original stays intact.
    fn altered(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }

    /// Line number (0-based) and entry bytes of the first entry of `kind`.
    fn entry_of_kind(&self, kind: &str) -> (usize, u64, Vec<u8>) {
        self.lines()
            .iter()
            .enumerate()
            .find_map(|(n, line)| {
                let value: Value = serde_json::from_str(line).unwrap();
                let entry = value.get("entry")?;
                let bytes = decode_base64("bytes", entry["bytes"].as_str()?).unwrap();
                let text = String::from_utf8(bytes.clone()).unwrap();
                text.contains(&format!("\nkind: {kind}\n"))
                    .then(|| (n, entry["index"].as_u64().unwrap(), bytes))
            })
            .unwrap_or_else(|| panic!("no {kind} entry in the export"))
    }
}

fn entry_line(index: u64, hash: &str, bytes: &[u8]) -> String {
    json!({"entry": {"index": index, "hash": hash, "bytes": encode_base64(bytes)}}).to_string()
}

#[test]
fn the_script_agrees_with_the_registry_head_and_pakta_verify() {
    let export = Exported::build();
    let (code, out) = recompute(&export.file);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("OK: {} entries;", export.size)),
        "{out}"
    );
    assert!(out.contains(&format!("head: {}\n", export.head)), "{out}");
    // Four enrollment messages (Andi twice) and three statements, none erased.
    assert!(
        out.contains("documents: 7 kept and matching their hash, 0 erased"),
        "{out}"
    );
    for kind in [
        "key.enrolled 4",
        "key.revoked 1",
        "pledge.published 1",
        "ceremony.opened 1",
        "attendance.recorded 2",
        "pledge.signed 3",
        "ceremony.closed 1",
        "mandiri.assigned 2",
    ] {
        assert!(out.contains(kind), "{kind}: {out}");
    }

    let (code, out) = verify(&export.file);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("OK: {} entries verified", export.size)),
        "{out}"
    );
    assert!(out.contains(&format!("head: {}\n", export.head)), "{out}");
}

#[test]
fn the_export_has_the_documented_shape() {
    let export = Exported::build();
    let lines = export.lines();
    assert_eq!(
        lines[0],
        format!(
            "{{\"format\":\"pakta/export/v1\",\"size\":{}}}",
            export.size
        )
    );
    let mut expected_index = 0;
    let mut documents_before = 0;
    for line in &lines[1..] {
        let value: Value = serde_json::from_str(line).unwrap();
        if line.starts_with("{\"document\":{\"sha256\":\"") {
            let doc = &value["document"];
            assert!(line.contains("\",\"kind\":\""), "{line}");
            assert!(line.contains("\",\"text\":\""), "{line}");
            let text = doc["text"].as_str().unwrap();
            assert_eq!(
                doc["sha256"].as_str().unwrap(),
                Sha256Hash::of(text.as_bytes()).to_hex()
            );
            let kind = doc["kind"].as_str().unwrap();
            let header = if kind == "statement" {
                "PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/statement/v2\n"
            } else {
                "pakta/enroll/v1\n"
            };
            assert!(text.starts_with(header), "{kind}: {text}");
            documents_before += 1;
        } else {
            assert!(
                line.starts_with(&format!(
                    "{{\"entry\":{{\"index\":{expected_index},\"hash\":\""
                )),
                "{line}"
            );
            assert!(line.contains("\",\"bytes\":\""), "{line}");
            let bytes = decode_base64("bytes", value["entry"]["bytes"].as_str().unwrap()).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            // The one document line, if any, sits right before the entry naming it.
            let names_document =
                text.contains("\nenrollment-sha256: ") || text.contains("\nstatement-sha256: ");
            assert_eq!(
                documents_before,
                usize::from(names_document),
                "entry {expected_index}"
            );
            documents_before = 0;
            expected_index += 1;
        }
    }
    assert_eq!(expected_index, export.size);
}

#[test]
fn a_flipped_byte_is_named_by_both_verifiers() {
    let export = Exported::build();
    let (line, index, mut bytes) = export.entry_of_kind("pledge.signed");
    let mut lines = export.lines();
    let value: Value = serde_json::from_str(&lines[line]).unwrap();
    let stored_hash = value["entry"]["hash"].as_str().unwrap().to_string();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    lines[line] = entry_line(index, &stored_hash, &bytes);
    let altered = export.altered("flipped.jsonl", &lines);

    let (code, out) = recompute(&altered);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("FAILED at entry {index}:")), "{out}");
    assert!(out.contains("the entry was altered"), "{out}");

    let (code, out) = verify(&altered);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains(&format!("FAILED at entry {index}")), "{out}");
}

#[test]
fn a_rewritten_hash_breaks_the_chain_at_the_next_entry() {
    let export = Exported::build();
    // A forger who edits an entry and recomputes its hash still cannot change the next
    // entry's prev without rewriting every later entry and the published head.
    let (line, index, bytes) = export.entry_of_kind("attendance.recorded");
    let text = String::from_utf8(bytes).unwrap();
    let subject_at = text.find("\nsubject: ").unwrap() + "\nsubject: ".len();
    let mut forged = text.into_bytes();
    forged[subject_at] = if forged[subject_at] == b'a' {
        b'b'
    } else {
        b'a'
    };
    let mut lines = export.lines();
    lines[line] = entry_line(index, &Sha256Hash::of(&forged).to_hex(), &forged);
    let altered = export.altered("rehashed.jsonl", &lines);

    let (code, out) = recompute(&altered);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("FAILED at entry {}:", index + 1)),
        "{out}"
    );
    assert!(out.contains("the chain is broken"), "{out}");

    let (code, out) = verify(&altered);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains(&format!("FAILED at entry {}", index + 1)),
        "{out}"
    );
}

#[test]
fn a_removed_entry_and_an_edited_statement_are_named() {
    let export = Exported::build();
    let (line, index, _) = export.entry_of_kind("mandiri.assigned");
    let mut removed = export.lines();
    removed.remove(line);
    let altered = export.altered("removed.jsonl", &removed);
    let (code, out) = recompute(&altered);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("FAILED at entry {index}:")), "{out}");
    let (code, out) = verify(&altered);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains(&format!("FAILED at entry {index}")), "{out}");

    // The statement sits on the line before its pledge.signed entry.
    let (line, index, _) = export.entry_of_kind("pledge.signed");
    let mut edited = export.lines();
    assert!(
        edited[line - 1].contains("Andi Wijaya"),
        "{}",
        edited[line - 1]
    );
    edited[line - 1] = edited[line - 1].replace("Andi Wijaya", "Andi Wijayo");
    let altered = export.altered("statement.jsonl", &edited);
    let (code, out) = recompute(&altered);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("FAILED at entry {index}:")), "{out}");
    assert!(out.contains("it was altered"), "{out}");
}

#[test]
fn the_script_accepts_the_golden_export() {
    let head = GOLDEN_SUMS
        .lines()
        .find_map(|l| l.strip_suffix("  entries/008-mandiri.assigned.txt"))
        .unwrap();
    let (code, out) = recompute(Path::new(GOLDEN_EXPORT));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OK: 9 entries;"), "{out}");
    assert!(out.contains(&format!("head: {head}\n")), "{out}");
    assert!(
        out.contains("documents: 3 kept and matching their hash, 0 erased"),
        "{out}"
    );
}

#[test]
fn the_script_refuses_what_is_not_an_export() {
    let dir = private_tempdir();
    let file = dir.path().join("not-an-export.jsonl");
    std::fs::write(&file, "{\"format\":\"something/else\",\"size\":0}\n").unwrap();
    let (code, out) = recompute(&file);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a pakta/export/v1 file"), "{out}");
}
