//! Tamper evidence: someone with write access to the database file alters the log
//! behind the application's back (dropping the append-only triggers first), and
//! `pakta verify` names the first bad entry every time.

mod common;

use common::*;
use rusqlite::{Connection, params};
use serde_json::json;

/// A registry of a dozen entries: enrollments, a pledge, a ceremony, attendance and
/// signatures. Returns the stopped app (its directory stays alive with it).
fn registry() -> TestApp {
    let mut app = TestApp::spawn();
    app.import(ROSTER);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK"]}));
    app.open(ceremony);
    for (nip, key) in [(ANDI, &andi), (SITI, &siti)] {
        assert_eq!(app.check_in(ceremony, nip, ADMIN).status, 201);
        assert_eq!(app.sign(ceremony, nip, key).status, 201);
    }
    assert_eq!(app.registry_size(), 8);
    app.stop();
    app
}

fn verify(app: &TestApp) -> (bool, String) {
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn open_without_triggers(app: &TestApp) -> Connection {
    let conn = Connection::open(app.db_path()).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DROP TRIGGER log_refuses_update; DROP TRIGGER log_refuses_delete;",
    )
        .unwrap();
    conn
}

fn entry(conn: &Connection, idx: i64) -> (Vec<u8>, Vec<u8>) {
    conn.query_row("SELECT bytes, hash FROM log WHERE idx = ?1", [idx], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .unwrap()
}

fn assert_first_bad(app: &TestApp, index: u64) {
    let (ok, stdout) = verify(app);
    assert!(!ok, "verify passed an altered registry:\n{stdout}");
    assert!(
        stdout.contains(&format!("FAILED at entry {index}:")),
        "expected entry {index} to be named:\n{stdout}"
    );
}

#[test]
fn the_untouched_registry_verifies() {
    let app = registry();
    let (ok, stdout) = verify(&app);
    assert!(ok, "{stdout}");
    assert!(stdout.contains("OK: 8 entries verified"), "{stdout}");
    assert!(stdout.contains("signatures verified: 2"), "{stdout}");
}

#[test]
fn the_triggers_refuse_update_and_delete() {
    let app = registry();
    let conn = Connection::open(app.db_path()).unwrap();
    let update = conn.execute("UPDATE log SET bytes = x'00' WHERE idx = 1", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM log WHERE idx = 1", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn one_changed_byte_is_named() {
    let app = registry();
    let conn = open_without_triggers(&app);
    let (mut bytes, _) = entry(&conn, 5);
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    conn.execute("UPDATE log SET bytes = ?1 WHERE idx = 5", params![bytes])
        .unwrap();
    drop(conn);
    assert_first_bad(&app, 5);
}

#[test]
fn a_changed_entry_with_a_recomputed_hash_is_caught_by_the_tree_or_the_next_link() {
    let app = registry();
    let conn = open_without_triggers(&app);
    let (bytes, _) = entry(&conn, 4);
    // Rewrite the attendance entry's method, and the stored hash to match.
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("method: desk", "method: presence-code");
    let hash = pakta::domain::crypto::Sha256Hash::of(text.as_bytes());
    conn.execute(
        "UPDATE log SET bytes = ?1, hash = ?2 WHERE idx = 4",
        params![text.as_bytes(), &hash.0[..]],
    )
    .unwrap();
    drop(conn);
    // The entry's leaf in the stored Merkle tree still has the old bytes' hash.
    let (_, stdout) = verify(&app);
    assert!(
        stdout.contains("FAILED at entry 4: the stored Merkle tree node (0, 4)"),
        "{stdout}"
    );
    // An attacker who also rewrites the tree (triggers dropped) still breaks the chain at
    // the next entry, whose prev names the original.
    let conn = Connection::open(app.db_path()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER tree_refuses_update; DROP TRIGGER tree_refuses_delete; DELETE FROM tree;",
    )
    .unwrap();
    let mut fill = conn
        .prepare("SELECT idx, bytes FROM log ORDER BY idx")
        .unwrap();
    let entries: Vec<(u64, Vec<u8>)> = fill
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut tree = pakta::domain::merkle::RootBuilder::default();
    for (_, bytes) in &entries {
        for (level, index, hash) in tree.push(pakta::domain::merkle::leaf_hash(bytes)) {
            conn.execute(
                "INSERT INTO tree (level, idx, hash) VALUES (?1, ?2, ?3)",
                params![level, index, &hash.0[..]],
            )
            .unwrap();
        }
    }
    drop(fill);
    drop(conn);
    assert_first_bad(&app, 5);
}

#[test]
fn a_deleted_entry_is_named() {
    let app = registry();
    let conn = open_without_triggers(&app);
    conn.execute("DELETE FROM log WHERE idx = 3", []).unwrap();
    drop(conn);
    assert_first_bad(&app, 3);
}

#[test]
fn two_swapped_entries_are_named() {
    let app = registry();
    let conn = open_without_triggers(&app);
    let (a_bytes, a_hash) = entry(&conn, 5);
    let (b_bytes, b_hash) = entry(&conn, 6);
    conn.execute(
        "UPDATE log SET bytes = ?1, hash = ?2 WHERE idx = 5",
        params![b_bytes, b_hash],
    )
    .unwrap();
    conn.execute(
        "UPDATE log SET bytes = ?1, hash = ?2 WHERE idx = 6",
        params![a_bytes, a_hash],
    )
    .unwrap();
    drop(conn);
    assert_first_bad(&app, 5);
}

#[test]
fn an_altered_statement_beside_the_log_is_named_at_its_signature() {
    let app = registry();
    let conn = Connection::open(app.db_path()).unwrap();
    conn.execute(
        "UPDATE documents SET text = replace(text, 'Andi Wijaya', 'Andi Wijoyo') WHERE kind = 'statement'",
        [],
    )
    .unwrap();
    drop(conn);
    // Andi's signature is entry 5 (after two enrollments, pledge, opening, check-in).
    assert_first_bad(&app, 5);
}

#[test]
fn a_corrupted_merkle_tree_node_is_named_at_the_entry_that_completes_it() {
    let app = registry();
    let conn = Connection::open(app.db_path()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER tree_refuses_update; UPDATE tree SET hash = zeroblob(32) WHERE level = 1 AND idx = 0;",
    )
    .unwrap();
    drop(conn);
    let (ok, stdout) = verify(&app);
    assert!(!ok, "{stdout}");
    // Node (1, 0) is completed by entry 1.
    assert!(
        stdout.contains("FAILED at entry 1: the stored Merkle tree node (1, 0)"),
        "{stdout}"
    );
}
