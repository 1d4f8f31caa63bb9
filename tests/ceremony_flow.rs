//! One pledge season end to end over HTTP: roster import, enrollment, a ceremony with
//! check-in and signing, closing with ikrar mandiri (on time, late, overdue), per-OPD
//! reports and unsigned lists as a supervisor, the Inspektorat and an auditor see them, a transfer
//! between OPDs, re-enrollment, verification, and the offline audit of the result.

mod common;

use chrono::Duration;
use common::*;
use pakta::clock::Clock;
use serde_json::json;

#[test]
fn a_whole_ceremony_from_roster_to_verified_registry() {
    let app = TestApp::spawn();

    // Roster.
    let imported = app.import(ROSTER);
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["created"], 4);
    assert_eq!(imported.body["rejected"], json!([]));

    // Keys on three devices; Rina has none yet.
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let budi = app.enroll(BUDI);
    let officials = app.get("/api/officials?opd=DISDIK", Some(ADMIN));
    assert_eq!(officials.status, 200);
    let list = officials.body["officials"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|o| o["key_status"] == "active"));

    // The ceremony: both OPDs invited, opened, an operator at the desk.
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK", "DINKES"]}));
    app.open(ceremony);
    let operator = app.token(json!({"role": "operator", "ceremony": ceremony}));
    for nip in [ANDI, SITI] {
        let reply = app.check_in(ceremony, nip, &operator);
        assert_eq!(reply.status, 201, "{}", reply.text);
    }

    // Andi signs at the ceremony; the statement names him and his unit.
    let issued = app.statement(ceremony, ANDI, &andi);
    assert_eq!(issued.body["mode"], "ceremony");
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    assert!(statement.contains("nama: Andi Wijaya, S.Pd.\n"));
    assert!(statement.contains("unit-kerja: Dinas Pendidikan\n"));
    let receipt = app.submit(&statement, &andi);
    assert_eq!(receipt.status, 201, "{}", receipt.text);
    assert_eq!(receipt.body["mode"], "ceremony");
    assert_eq!(receipt.body["late"], false);
    let andi_index = receipt.body["index"].as_u64().unwrap();

    // Budi was not checked in: he cannot sign at the ceremony.
    let refused = app.statement(ceremony, BUDI, &budi);
    assert_eq!(refused.status, 409);
    assert_eq!(refused.error_code(), "not_checked_in");

    // The report during the ceremony.
    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    assert_eq!(
        report.body["opds"],
        json!([
            {"code": "DINKES", "name": "Dinas Kesehatan", "invited": 2, "attended": 0,
             "signed_ceremony": 0, "signed_mandiri": 0, "pending": 2, "overdue": 0, "late": 0, "erased": 0,
             "represented": 0},
            {"code": "DISDIK", "name": "Dinas Pendidikan", "invited": 2, "attended": 2,
             "signed_ceremony": 1, "signed_mandiri": 0, "pending": 1, "overdue": 0, "late": 0, "erased": 0,
             "represented": 0}
        ])
    );

    // Closing routes Siti, Budi and Rina to ikrar mandiri, due in 7 days (end of day WIB).
    app.advance(Duration::hours(2));
    let closed = app.close(ceremony);
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.body["routed_to_mandiri"], 3);
    assert_eq!(closed.body["mandiri_due"], "2024-10-14T16:59:59Z");

    // Signing in ceremony mode is over; Budi signs mandiri on time.
    app.advance(Duration::days(2));
    let budi_receipt = app.sign(ceremony, BUDI, &budi);
    assert_eq!(budi_receipt.status, 201, "{}", budi_receipt.text);
    assert_eq!(budi_receipt.body["mode"], "mandiri");
    assert_eq!(budi_receipt.body["late"], false);

    // Siti signs after the due date: accepted, reported late.
    app.advance(Duration::days(8));
    let siti_receipt = app.sign(ceremony, SITI, &siti);
    assert_eq!(siti_receipt.status, 201, "{}", siti_receipt.text);
    assert_eq!(siti_receipt.body["late"], true);

    // Rina never enrolled: she is the only one unsigned, and overdue.
    let unsigned = app.get(&format!("/api/ceremonies/{ceremony}/unsigned"), Some(ADMIN));
    assert_eq!(
        unsigned.body["opds"],
        json!([
            {"code": "DINKES", "name": "Dinas Kesehatan", "unsigned": [
                {"nip": RINA, "name": "Rina Marlina", "position": "Staf Pelaksana", "status": "mandiri-overdue",
                 "phone": null, "whatsapp": null}
            ]},
            {"code": "DISDIK", "name": "Dinas Pendidikan", "unsigned": []}
        ])
    );
    let csv = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned?format=csv"),
        Some(ADMIN),
    );
    assert_eq!(csv.status, 200);
    let mut rows = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    // The identifier survives a spreadsheet: written as ="…", never as 3.2E+15.
    assert_eq!(&records[0][2], format!("=\"{RINA}\""));
    // The status in words, as the report page says it.
    assert_eq!(&records[0][5], "ikrar mandiri lewat batas");

    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    assert_eq!(report.body["opds"][0]["overdue"], 1);
    assert_eq!(report.body["opds"][0]["signed_mandiri"], 1);
    assert_eq!(report.body["opds"][1]["signed_mandiri"], 1);
    assert_eq!(report.body["opds"][1]["late"], 1);

    // A supervisor of DINKES sees DINKES only; the Inspektorat reads every OPD's names
    // but writes nothing; an auditor reads every OPD's counts and no name.
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DINKES"}));
    let own = app.get(
        &format!("/api/ceremonies/{ceremony}/report"),
        Some(&supervisor),
    );
    assert_eq!(own.body["opds"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["opds"][0]["code"], "DINKES");
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}));
    let all = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned"),
        Some(&inspektorat),
    );
    assert_eq!(all.body["opds"].as_array().unwrap().len(), 2);
    let write = app.post(
        "/api/pledges",
        Some(&inspektorat),
        &json!({"title": "x", "text": "y"}),
    );
    assert_eq!(write.status, 403);
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu Kabupaten"}));
    let counts = app.get(
        &format!("/api/ceremonies/{ceremony}/report"),
        Some(&auditor),
    );
    assert_eq!(counts.status, 200);
    assert_eq!(counts.body["opds"].as_array().unwrap().len(), 2);
    for names in [
        format!("/api/ceremonies/{ceremony}/unsigned"),
        format!("/api/ceremonies/{ceremony}/unsigned?format=csv"),
        "/api/officials".to_string(),
    ] {
        let refused = app.get(&names, Some(&auditor));
        assert_eq!(refused.status, 403, "{names}");
        assert!(!refused.text.contains("Andi"), "{names}: {}", refused.text);
    }

    // Andi moves to DINKES: the report groups him under his new unit, but what he
    // signed still names the unit he was in.
    let moved = ROSTER.replace(
        "Kepala Dinas Pendidikan,Pembina Utama Muda (IV/c),PNS,DISDIK,Dinas Pendidikan",
        "Kepala Dinas Kesehatan,Pembina Utama Muda (IV/c),PNS,DINKES,Dinas Kesehatan",
    );
    let reimported = app.import(&moved);
    assert_eq!(reimported.body["updated"], 1);
    assert_eq!(reimported.body["created"], 0);
    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    assert_eq!(report.body["opds"][0]["code"], "DINKES");
    assert_eq!(report.body["opds"][0]["invited"], 3);
    assert_eq!(report.body["opds"][0]["signed_ceremony"], 1);
    let verified = app.post(
        "/api/verify",
        None,
        &json!({"statement": statement, "signature": receipt.body["signature"]}),
    );
    assert_eq!(verified.body["valid"], true, "{}", verified.text);
    assert_eq!(verified.body["index"], andi_index);
    assert!(statement.contains("unit-kerja: Dinas Pendidikan\n"));

    // Andi gets a new phone: enrolling again revokes the old key, which can no longer
    // sign, while his earlier signature stays valid.
    let before = app.registry_size();
    let _new_key = app.enroll(ANDI);
    assert_eq!(
        app.registry_size(),
        before + 2,
        "key.revoked + key.enrolled"
    );
    let verified = app.post(
        "/api/verify",
        None,
        &json!({"statement": statement, "signature": receipt.body["signature"]}),
    );
    assert_eq!(verified.body["valid"], true, "{}", verified.text);

    // A flipped character in the statement is not in the registry.
    let forged = statement.replace("Andi Wijaya", "Andi Wijayo");
    let verified = app.post(
        "/api/verify",
        None,
        &json!({"statement": forged, "signature": receipt.body["signature"]}),
    );
    assert_eq!(verified.body["valid"], false);
    assert_eq!(verified.body["checks"][1]["name"], "in_registry");
    assert_eq!(verified.body["checks"][1]["ok"], false);

    // The registry as stored verifies offline.
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("OK: {} entries verified", app.registry_size())),
        "{stdout}"
    );
    assert!(stdout.contains("signatures verified: 3"), "{stdout}");
}

#[test]
fn entries_hold_no_personal_data() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let key = app.enroll(ANDI);
    let ceremony = app.create_ceremony(json!({"nips": [ANDI, SITI]}));
    app.open(ceremony);
    app.check_in(ceremony, ANDI, ADMIN);
    assert_eq!(app.sign(ceremony, ANDI, &key).status, 201);
    let entries = app.get("/api/registry/entries?start=0&limit=1000", None);
    let all = entries.body["entries"].as_array().unwrap();
    assert_eq!(all.len() as u64, app.registry_size());
    for e in all {
        let bytes =
            pakta::domain::crypto::decode_base64("bytes", e["bytes"].as_str().unwrap()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        for personal in [ANDI, SITI, "Andi", "Wijaya", "Siti", "Pendidikan"] {
            assert!(
                !text.contains(personal),
                "entry {} leaks {personal}:\n{text}",
                e["index"]
            );
        }
    }
}

#[test]
fn keygen_and_sign_let_an_official_take_part_without_a_smartphone() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let dir = private_tempdir();
    let key_path = dir.path().join("andi.key");
    let key_arg = key_path.to_str().unwrap();
    let out = pakta(&["keygen", "--out", key_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public_key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    // Never overwrites an existing key.
    let again = pakta(&["keygen", "--out", key_arg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));

    // The enrollment message, signed with `pakta sign`.
    let code = app.enrollment_code(ANDI);
    let message = format!("pakta/enroll/v1\nnip: {ANDI}\npublic-key: {public_key}\ncode: {code}\n");
    let message_path = dir.path().join("enroll.txt");
    std::fs::write(&message_path, &message).unwrap();
    let proof = pakta(&["sign", "--key", key_arg, message_path.to_str().unwrap()]);
    assert!(proof.status.success());
    let enrolled = app.post(
        "/api/enroll",
        None,
        &json!({"nip": ANDI, "code": code, "public_key": public_key,
                "proof": String::from_utf8(proof.stdout).unwrap().trim()}),
    );
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);

    // The statement, saved to a file and signed the same way.
    let ceremony = app.create_ceremony(json!({"all": true}));
    app.open(ceremony);
    app.check_in(ceremony, ANDI, ADMIN);
    // The statement request, written to a file and signed by the key file.
    let request_path = dir.path().join("request.txt");
    std::fs::write(
        &request_path,
        statement_request(ceremony, ANDI, app.clock.now()),
    )
    .unwrap();
    let request_signature = pakta(&["sign", "--key", key_arg, request_path.to_str().unwrap()]);
    assert!(request_signature.status.success());
    let issued = app.post(
        &format!("/api/ceremonies/{ceremony}/statement"),
        None,
        &json!({"request": std::fs::read_to_string(&request_path).unwrap(),
                "signature": String::from_utf8(request_signature.stdout).unwrap().trim()}),
    );
    assert_eq!(issued.status, 200, "{}", issued.text);
    let statement = issued.body["statement"].as_str().unwrap();
    let statement_path = dir.path().join("statement.txt");
    std::fs::write(&statement_path, statement).unwrap();
    let signature = pakta(&["sign", "--key", key_arg, statement_path.to_str().unwrap()]);
    let accepted = app.post(
        "/api/signatures",
        None,
        &json!({"statement": statement, "signature": String::from_utf8(signature.stdout).unwrap().trim()}),
    );
    assert_eq!(accepted.status, 201, "{}", accepted.text);
}

#[test]
fn pakta_import_reads_a_roster_file_and_reports_rejected_lines() {
    let dir = private_tempdir();
    let file = dir.path().join("roster.csv");
    let bad = format!("{ROSTER}1.98E+17,Excel Korban,Staf,,PNS,DISDIK,Dinas Pendidikan\n");
    std::fs::write(&file, bad).unwrap();
    let data = dir.path().join("data");
    let out = pakta(&[
        "import",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("created 4"), "{stdout}");
    assert!(stdout.contains("line 6:"), "{stdout}");
    assert!(stdout.contains("Excel"), "{stdout}");
}

#[test]
fn a_clerks_roster_mistakes_are_named_by_line_and_the_rest_is_imported() {
    let app = TestApp::spawn();
    let csv = format!(
        "{ROSTER}\
1.98E+17,Excel Korban,Staf,,PNS,DISDIK,Dinas Pendidikan
197913401999031001,Tanggal Salah,Staf,,PNS,DISDIK,Dinas Pendidikan
198001012005013001,Gender Salah,Staf,,PNS,DISDIK,Dinas Pendidikan
198001012005011001,Andi Dobel,Staf,,PNS,DISDIK,Dinas Pendidikan
198702022015031004,Kategori Salah,Staf,,HONORER,DISDIK,Dinas Pendidikan
198702022015031005,Dewi Lestari,Pranata Komputer,,PNS,DISDIK,Dinas Pendidikan
"
    );
    let reply = app.import(&csv);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["created"], 5);
    let rejected = reply.body["rejected"].as_array().unwrap();
    let lines: Vec<u64> = rejected
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [6, 7, 8, 9, 10]);
    let reason = |i: usize| rejected[i]["reason"].as_str().unwrap().to_lowercase();
    assert!(reason(0).contains("excel"), "{}", reason(0));
    assert!(reason(1).contains("tanggal lahir"), "{}", reason(1));
    assert!(reason(2).contains("jenis kelamin"), "{}", reason(2));
    assert!(reason(3).contains("baris 2"), "{}", reason(3));
    assert!(reason(4).contains("honorer"), "{}", reason(4));
    let listed = app.get("/api/officials?opd=DISDIK", Some(ADMIN));
    assert_eq!(listed.body["officials"].as_array().unwrap().len(), 3);
}
