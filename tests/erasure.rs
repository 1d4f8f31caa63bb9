//! Erasure under UU 27/2022 (hak untuk menghapus), as a PDP officer would check it: the
//! person's name and NIP are gone from every file of the data directory, the registry
//! still passes its full audit and says what was erased, the receipt the official kept
//! still verifies offline, and reports count the person as erased, not unsigned.

mod common;

use std::path::Path;

use common::*;
use serde_json::json;

const ANDI_NAME: &str = "Andi Wijaya";
const ANDI_OLD_POSITION: &str = "Kepala Dinas Pendidikan";
const ANDI_NEW_POSITION: &str = "Asisten Administrasi Umum";
/// Andi's mobile number as stored (from "0812-7777-3333" in SIASN's NOMOR HP).
const ANDI_PHONE: &str = "6281277773333";

/// Every file under `dir` whose raw bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    found
}

fn verify_output(app: &TestApp) -> String {
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn an_erased_official_is_gone_from_every_file_and_the_registry_still_verifies() {
    let mut app = TestApp::spawn();
    app.import(ROSTER);
    // A change of position leaves an older copy of the row behind unless deletion
    // overwrites it: the erasure must reach that copy too.
    app.import(&ROSTER.replace(ANDI_OLD_POSITION, ANDI_NEW_POSITION));
    // His mobile number, from a SIASN export whose unit maps to his OPD.
    let units = app.post_raw(
        "/api/units/import",
        Some(ADMIN),
        "text/csv",
        b"UNOR ID,OPD CODE\nU-DISDIK,DISDIK\n",
    );
    assert_eq!(units.status, 200, "{}", units.text);
    let siasn = format!(
        "NIP BARU;NAMA;GELAR BELAKANG;NOMOR HP;JENIS PEGAWAI NAMA;KEDUDUKAN HUKUM NAMA;JABATAN NAMA;UNOR ID;UNOR NAMA\n\
         {ANDI};{ANDI_NAME};S.Pd.;0812-7777-3333;PNS;Aktif;{ANDI_NEW_POSITION};U-DISDIK;Dinas Pendidikan\n"
    );
    let imported = app.import(&siasn);
    assert_eq!(imported.body["updated"], 1, "{}", imported.text);
    let first_key = app.enroll(ANDI);
    let andi = app.enroll(ANDI); // a new phone: the first key is superseded
    assert_ne!(public_b64(&first_key), public_b64(&andi));
    let siti = app.enroll(SITI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI, SITI]);
    let receipt = app.sign(ceremony, ANDI, &andi);
    assert_eq!(receipt.status, 201, "{}", receipt.text);
    assert_eq!(app.sign(ceremony, SITI, &siti).status, 201);
    // A ceremony still being planned, inviting Andi by NIP.
    let draft = app.create_ceremony(json!({"nips": [ANDI, BUDI]}));

    // Before: the data directory holds Andi's name and NIP (the test can see them).
    assert!(!files_containing(app.data_dir(), ANDI_NAME).is_empty());
    assert!(!files_containing(app.data_dir(), ANDI).is_empty());
    assert!(!files_containing(app.data_dir(), ANDI_PHONE).is_empty());

    let erased = app.delete(&format!("/api/officials/{ANDI}"), Some(ADMIN));
    assert_eq!(erased.status, 200, "{}", erased.text);
    // Two enrollment messages and one signed statement.
    assert_eq!(erased.body["documents_erased"], 3);
    assert_eq!(erased.body["invitations_rewritten"], 1);
    assert_eq!(erased.body["files_cleared"], true);
    assert!(!erased.text.contains(ANDI));

    for needle in [
        ANDI_NAME,
        ANDI,
        ANDI_OLD_POSITION,
        ANDI_NEW_POSITION,
        ANDI_PHONE,
    ] {
        assert_eq!(
            files_containing(app.data_dir(), needle),
            Vec::<String>::new(),
            "'{needle}' is still in the data directory"
        );
    }
    // The rest of the roster is untouched, so the search above really reads the files.
    app.stop();
    assert!(!files_containing(app.data_dir(), "Siti Rahmawati").is_empty());
    assert!(!files_containing(app.data_dir(), BUDI).is_empty());

    let audit = verify_output(&app);
    assert!(
        audit.contains("persons erased under UU 27/2022: 1; documents the log says were erased: 3"),
        "{audit}"
    );
    assert!(audit.contains("signatures verified: 1;"), "{audit}");
    assert!(
        audit.contains("statements erased (chain intact, signature not re-checkable): 1"),
        "{audit}"
    );
    assert!(
        audit.contains(
            "enrollment messages erased (key enrollment stands, proof not re-checkable): 2"
        ),
        "{audit}"
    );
    // The receipt Andi downloaded still proves, offline, what he signed.
    app.assert_receipt_verifies(receipt.body["receipt"].as_str().unwrap());

    // An auditor's export holds no trace of him either, and the independent script
    // (standard-library Python, docs/recompute_hashes.py) recomputes every hash.
    let export = app.data_dir().join("..").join(format!(
        "{}-export.jsonl",
        app.data_dir().file_name().unwrap().to_string_lossy()
    ));
    let out = pakta(&[
        "export",
        "--data",
        app.data_dir().to_str().unwrap(),
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(!exported.contains(ANDI) && !exported.contains(ANDI_NAME));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/recompute_hashes.py");
    let out = std::process::Command::new(ensure_installed("python3", "python3"))
        .arg(script)
        .arg(&export)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    std::fs::remove_file(&export).unwrap();
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("person.erased 1"), "{report}");
    // The ceremony planned for Andi and Budi still invites Budi.
    let planned = app_ceremony_invite(&app, draft);
    assert!(
        planned.contains(BUDI) && !planned.contains(ANDI),
        "{planned}"
    );
}

/// The invitation rule stored for a ceremony, read from the stopped registry's file.
fn app_ceremony_invite(app: &TestApp, ceremony: u64) -> String {
    let db = rusqlite::Connection::open(app.db_path()).unwrap();
    db.query_row(
        "SELECT invite FROM ceremonies WHERE id = ?1",
        [ceremony],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn reports_count_an_erased_official_as_erased_and_closing_does_not_route_them() {
    let mut app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    assert_eq!(
        app.delete(&format!("/api/officials/{BUDI}"), Some(ADMIN))
            .status,
        200
    );
    let closed = app.close(ceremony);
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.body["routed_to_mandiri"], 3, "Budi is not routed");

    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    let dinkes = report.body["opds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "DINKES")
        .cloned()
        .unwrap();
    assert_eq!(dinkes["erased"], 1, "{}", report.text);
    assert_eq!(dinkes["pending"], 1, "Rina only: {}", report.text);
    assert_eq!(dinkes["invited"], 2, "{}", report.text);

    let unsigned = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned?opd=DINKES"),
        Some(ADMIN),
    );
    assert!(!unsigned.text.contains(BUDI), "{}", unsigned.text);
    assert!(unsigned.text.contains(RINA), "{}", unsigned.text);
    app.stop();
    verify_output(&app);
}

#[test]
fn only_the_admin_erases_and_an_erased_nip_is_unknown_after() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektorat"}));
    let refused = app.delete(&format!("/api/officials/{RINA}"), Some(&inspektorat));
    assert_eq!(refused.status, 403);
    let size = app.registry_size();
    assert_eq!(
        app.delete(&format!("/api/officials/{RINA}"), Some(ADMIN))
            .status,
        200
    );
    assert_eq!(app.registry_size(), size + 1, "one person.erased entry");
    let again = app.delete(&format!("/api/officials/{RINA}"), Some(ADMIN));
    assert_eq!(again.status, 404);
    assert_eq!(again.error_code(), "unknown_official");
    let malformed = app.delete("/api/officials/12ab", Some(ADMIN));
    assert_eq!(malformed.status, 400);
    assert_eq!(app.registry_size(), size + 1, "refusals write nothing");
}

#[test]
fn pakta_erase_asks_first_and_erases_on_the_server() {
    let mut app = TestApp::spawn();
    app.import(ROSTER);
    let data = app.data_dir().to_str().unwrap().to_string();
    let mut unconfirmed = std::process::Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(["erase", SITI, "--data", &data])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        unconfirmed
            .stdin
            .take()
            .unwrap()
            .write_all(b"tidak\n")
            .unwrap();
    }
    let out = unconfirmed.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(app.get("/api/officials", Some(ADMIN)).text.contains(SITI));

    let out = pakta(&["erase", SITI, "--data", &data, "--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 documents erased"), "{stdout}");
    let roster = app.get("/api/officials", Some(ADMIN));
    assert!(!roster.text.contains(SITI), "{}", roster.text);
    assert!(roster.text.contains(ANDI));
    app.stop();
    let audit = verify_output(&app);
    assert!(
        audit.contains("persons erased under UU 27/2022: 1;"),
        "{audit}"
    );
}

/// Erasures while the desk checks people in and officials sign, from many clients at
/// once: every other request still succeeds (the write-ahead log being emptied after
/// each erasure makes writers wait, never fail), and the registry passes its audit.
#[test]
fn erasing_while_others_sign_fails_no_one_and_the_log_still_verifies() {
    use pakta::demo::kabupaten::DemoKabupaten;
    let mut app = TestApp::spawn();
    let kab = DemoKabupaten::generate(11, 120);
    assert_eq!(app.import(&kab.roster_csv()).body["created"], 120);
    let nips: Vec<String> = kab.officials.iter().map(|o| o.nip.clone()).collect();
    let (erased, kept) = nips.split_at(20);
    let keys: Vec<_> = nips.iter().map(|nip| app.enroll(nip)).collect();
    let ceremony = app.open_ceremony_with_checked_in(&[]);

    let statuses = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (n, nip) in erased.iter().enumerate() {
            let app = &app;
            let statuses = &statuses;
            scope.spawn(move || {
                let reply = app.delete(&format!("/api/officials/{nip}"), Some(ADMIN));
                statuses
                    .lock()
                    .unwrap()
                    .push(("erase", n, reply.status, reply.text));
            });
        }
        for chunk in kept.chunks(10).zip(keys[20..].chunks(10)) {
            let app = &app;
            let statuses = &statuses;
            scope.spawn(move || {
                for (nip, key) in chunk.0.iter().zip(chunk.1) {
                    let checked = app.check_in(ceremony, nip, ADMIN);
                    statuses
                        .lock()
                        .unwrap()
                        .push(("check-in", 0, checked.status, checked.text));
                    let signed = app.sign(ceremony, nip, key);
                    statuses
                        .lock()
                        .unwrap()
                        .push(("sign", 0, signed.status, signed.text));
                }
            });
        }
    });
    let statuses = statuses.into_inner().unwrap();
    assert_eq!(statuses.len(), 20 + 2 * 100);
    for (what, n, status, text) in &statuses {
        let expected = if *what == "erase" { 200 } else { 201 };
        assert_eq!(*status, expected, "{what} {n}: {text}");
    }
    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    let total = |field: &str| -> u64 {
        report.body["opds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o[field].as_u64().unwrap())
            .sum()
    };
    assert_eq!(total("erased"), 20);
    assert_eq!(total("signed_ceremony"), 100);
    assert_eq!(total("invited"), 120);
    app.stop();
    let audit = verify_output(&app);
    assert!(
        audit.contains("persons erased under UU 27/2022: 20;"),
        "{audit}"
    );
    assert!(audit.contains("signatures verified: 100;"), "{audit}");
}
