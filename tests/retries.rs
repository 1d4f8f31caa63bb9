//! A phone whose connection dropped after the registry accepted its signature retries,
//! and gets the original receipt (200), as Sigsum and CT logs answer a duplicate: never a
//! second entry, never a dead end.

mod common;

use common::*;

#[test]
fn a_retried_signature_gets_its_original_receipt() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let andi = app.enroll(ANDI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    let issued = app.statement(ceremony, ANDI, &andi);
    let statement = issued.body["statement"].as_str().unwrap().to_string();

    let first = app.submit(&statement, &andi);
    assert_eq!(first.status, 201, "{}", first.text);
    let size = app.registry_size();
    // Later, even after the statement would have expired.
    app.advance(chrono::Duration::hours(1));
    let again = app.submit(&statement, &andi);
    assert_eq!(again.status, 200, "{}", again.text);
    for field in [
        "index",
        "entry_hash",
        "statement_sha256",
        "mode",
        "signed_at",
        "late",
        "signature",
    ] {
        assert_eq!(again.body[field], first.body[field], "{field}");
    }
    assert_eq!(app.registry_size(), size, "a retry appended an entry");
    let receipt = again.body["receipt"].as_str().unwrap();
    app.assert_receipt_verifies(receipt);
}

#[test]
fn retries_racing_the_first_attempt_get_one_entry_and_the_same_receipt() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let siti = app.enroll(SITI);
    let ceremony = app.open_ceremony_with_checked_in(&[SITI]);
    let issued = app.statement(ceremony, SITI, &siti);
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    let size = app.registry_size();

    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| app.submit(&statement, &siti)))
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "exactly one attempt appends");
    assert!(replies.iter().all(|r| r.status == 201 || r.status == 200));
    assert!(
        replies
            .iter()
            .all(|r| r.body["index"] == replies[0].body["index"])
    );
    assert_eq!(app.registry_size(), size + 1);
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
