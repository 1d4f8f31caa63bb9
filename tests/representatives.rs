//! Representatives (perwakilan) over HTTP with real keys: the admin names, per OPD, a
//! representative and whom they represent in a ceremony that allows it; the
//! representative signs their own pakta and then a representation statement; reports
//! show the represented as "represented" with the representative's name; closing does
//! not route them to ikrar mandiri; a represented official who signs personally counts
//! as signed; every refusal says what to fix; `pakta verify` passes, and catches an
//! altered representation document; erasing a represented person erases the document
//! and the audit still passes.

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use pakta::clock::Clock;
use serde_json::{Value, json};

const DEWI: &str = "199105052015032004"; // PNS, DISDIK
const JOKO: &str = "198707072012121005"; // PNS, DISDIK

fn roster() -> String {
    format!(
        "{ROSTER}{DEWI},Dewi Lestari,Guru Ahli Muda,Penata (III/c),PNS,DISDIK,Dinas Pendidikan\n\
         {JOKO},Joko Susilo,Pengawas Sekolah,Penata Tk. I (III/d),PNS,DISDIK,Dinas Pendidikan\n"
    )
}

fn create(app: &TestApp, allow: bool) -> u64 {
    let pledge = app.publish_pledge();
    let reply = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({
            "title": "Ikrar Netralitas ASN",
            "place": "Pendopo Kabupaten",
            "starts_at": "2024-10-07T09:00:00+07:00",
            "timezone": "Asia/Jakarta",
            "pledge_id": pledge,
            "invite": {"opds": ["DISDIK", "DINKES"]},
            "mandiri_days": 7,
            "allow_representation": allow
        }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_u64().unwrap()
}

fn name(app: &TestApp, ceremony: u64, opd: &str, rep: &str, represents: &[&str]) -> Reply {
    app.post(
        &format!("/api/ceremonies/{ceremony}/representatives"),
        Some(ADMIN),
        &json!({"opd": opd, "representative": rep, "represents": represents}),
    )
}

fn representation_request(ceremony: u64, nip: &str, app: &TestApp) -> String {
    format!(
        "pakta/perwakilan-request/v1\nceremony: {ceremony}\nnip: {nip}\ntime: {}\n",
        app.clock.now().format("%Y-%m-%dT%H:%M:%SZ")
    )
}

fn ask(app: &TestApp, ceremony: u64, nip: &str, key: &SigningKey) -> Reply {
    let request = representation_request(ceremony, nip, app);
    app.post(
        &format!("/api/ceremonies/{ceremony}/representation-statement"),
        None,
        &signed_request_body(&request, key),
    )
}

fn submit(app: &TestApp, statement: &str, key: &SigningKey) -> Reply {
    app.post(
        "/api/representations",
        None,
        &json!({"statement": statement, "signature": sign_b64(key, statement.as_bytes())}),
    )
}

fn opd<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["opds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

fn unsigned_of<'a>(list: &'a Value, nip: &str) -> Option<&'a Value> {
    list["opds"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["unsigned"].as_array().unwrap())
        .find(|u| u["nip"] == nip)
}

fn verify_output(app: &TestApp) -> (bool, String) {
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Andi (DISDIK) represents Siti and Dewi in an open ceremony where he signed his own
/// pakta; returns the ceremony, the keys and the accepted representation.
struct Season {
    app: TestApp,
    ceremony: u64,
    andi: SigningKey,
    dewi: SigningKey,
    accepted: Reply,
}

fn season() -> Season {
    let app = TestApp::spawn();
    assert_eq!(app.import(&roster()).status, 200);
    let andi = app.enroll(ANDI);
    let dewi = app.enroll(DEWI);
    let ceremony = create(&app, true);
    let named = name(&app, ceremony, "DISDIK", ANDI, &[SITI, DEWI]);
    assert_eq!(named.status, 201, "{}", named.text);
    app.open(ceremony);
    assert_eq!(app.check_in(ceremony, ANDI, ADMIN).status, 201);
    assert_eq!(app.sign(ceremony, ANDI, &andi).status, 201);
    let issued = ask(&app, ceremony, ANDI, &andi);
    assert_eq!(issued.status, 200, "{}", issued.text);
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    let accepted = submit(&app, &statement, &andi);
    assert_eq!(accepted.status, 201, "{}", accepted.text);
    Season {
        app,
        ceremony,
        andi,
        dewi,
        accepted,
    }
}

#[test]
fn a_representative_signs_for_named_officials_and_the_reports_say_so() {
    let app = TestApp::spawn();
    assert_eq!(app.import(&roster()).status, 200);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let dewi = app.enroll(DEWI);

    // A ceremony that does not allow representatives refuses a naming, saying how.
    let plain = create(&app, false);
    let refused = name(&app, plain, "DISDIK", ANDI, &[SITI]);
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.error_code(), "representation_not_allowed");
    assert!(
        refused.text.contains("allow_representation"),
        "{}",
        refused.text
    );

    let ceremony = create(&app, true);
    assert_eq!(
        app.get(&format!("/api/ceremonies/{ceremony}"), None).body["allow_representation"],
        true
    );
    let named = name(&app, ceremony, "DISDIK", ANDI, &[SITI, DEWI]);
    assert_eq!(named.status, 201, "{}", named.text);
    assert_eq!(named.body["representative"]["name"], "Andi Wijaya, S.Pd.");
    assert_eq!(named.body["represents"].as_array().unwrap().len(), 2);

    // Refusals, each saying what to fix.
    let other_opd = name(&app, ceremony, "DISDIK", ANDI, &[SITI, BUDI]);
    assert_eq!(other_opd.status, 409, "{}", other_opd.text);
    assert_eq!(other_opd.error_code(), "other_opd");
    assert!(other_opd.text.contains(BUDI) && other_opd.text.contains("DINKES"));
    let twice = name(&app, ceremony, "DISDIK", JOKO, &[SITI]);
    assert_eq!(twice.status, 409, "{}", twice.text);
    assert_eq!(twice.error_code(), "already_represented");
    assert!(twice.text.contains("sudah diwakili"), "{}", twice.text);
    let themself = name(&app, ceremony, "DISDIK", JOKO, &[JOKO]);
    assert_eq!(themself.error_code(), "represents_themself");
    let listed_twice = name(&app, ceremony, "DISDIK", JOKO, &[DEWI, DEWI]);
    assert_eq!(listed_twice.status, 409, "{}", listed_twice.text);

    // Who may read the namings: names, so the admin, the inspektorat and the
    // supervisor of that OPD, recorded in the access log; never the auditor.
    let path = format!("/api/ceremonies/{ceremony}/representatives");
    let listed = app.get(&path, Some(ADMIN));
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["representatives"][0]["opd"], "DISDIK");
    assert_eq!(listed.body["representatives"][0]["signed_at"], Value::Null);
    let disdik = app.token(json!({"role": "supervisor", "opd": "DISDIK"}));
    let dinkes = app.token(json!({"role": "supervisor", "opd": "DINKES"}));
    let auditor = app.token(json!({"role": "auditor"}));
    assert_eq!(app.get(&path, Some(&disdik)).status, 200);
    assert_eq!(
        app.get(&format!("{path}?opd=DISDIK"), Some(&dinkes)).status,
        403
    );
    assert_eq!(app.get(&path, Some(&auditor)).status, 403);
    assert_eq!(app.get(&path, None).status, 401);
    let log = app.get("/api/access-log?limit=1000", Some(ADMIN));
    assert!(
        log.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "representatives"),
        "{}",
        log.text
    );

    app.open(ceremony);

    // Before his own pakta, the representative is told to sign it first.
    let early = ask(&app, ceremony, ANDI, &andi);
    assert_eq!(early.status, 409, "{}", early.text);
    assert_eq!(early.error_code(), "own_pledge_first");

    // A wrong key, an unknown NIP, a stale or v1-style request: all the same 401.
    let wrong_key = ask(&app, ceremony, ANDI, &siti);
    let unknown = ask(&app, ceremony, "199912312020121999", &andi);
    let v1 = app.post(
        &format!("/api/ceremonies/{ceremony}/representation-statement"),
        None,
        &json!({"nip": ANDI}),
    );
    for reply in [&wrong_key, &unknown, &v1] {
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.error_code(), "request_not_authenticated");
        assert_eq!(
            reply.body["error"]["message"],
            wrong_key.body["error"]["message"]
        );
    }
    // Someone who was not named is told so, once their proof holds.
    let not_named = ask(&app, ceremony, DEWI, &dewi);
    assert_eq!(not_named.error_code(), "not_a_representative");

    assert_eq!(app.check_in(ceremony, ANDI, ADMIN).status, 201);
    assert_eq!(app.sign(ceremony, ANDI, &andi).status, 201);
    let issued = ask(&app, ceremony, ANDI, &andi);
    assert_eq!(issued.status, 200, "{}", issued.text);
    assert_eq!(issued.body["represented"], 2);
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    assert!(statement.starts_with(
        "PERNYATAAN PERWAKILAN PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/perwakilan/v1\nnama: Andi Wijaya, S.Pd.\n"
    ));
    assert!(statement.contains("atas nama 2 pegawai"), "{statement}");
    assert!(
        statement.contains("\ndiwakili-1-nama: Siti Rahmawati\n"),
        "{statement}"
    );
    assert!(
        statement.contains("\ndiwakili-2-nama: Dewi Lestari\n"),
        "{statement}"
    );

    // Another key cannot sign it; the representative's own key can, once.
    let forged = submit(&app, &statement, &siti);
    assert_eq!(forged.status, 400, "{}", forged.text);
    let accepted = submit(&app, &statement, &andi);
    assert_eq!(accepted.status, 201, "{}", accepted.text);
    assert_eq!(accepted.body["kind"], "representation.signed");
    assert_eq!(accepted.body["represented"], 2);
    let again = submit(&app, &statement, &andi);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["index"], accepted.body["index"]);
    assert_eq!(again.body["receipt"], accepted.body["receipt"]);
    let second = ask(&app, ceremony, ANDI, &andi);
    assert_eq!(second.error_code(), "representation_already_signed");
    let late_naming = name(&app, ceremony, "DISDIK", ANDI, &[SITI]);
    assert_eq!(late_naming.error_code(), "representation_already_signed");

    // The report counts the represented apart; the unsigned list names the representative.
    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    let d = opd(&report.body, "DISDIK");
    assert_eq!(d["represented"], 2, "{d}");
    assert_eq!(d["signed_ceremony"], 1, "{d}");
    assert_eq!(d["pending"], 1, "{d}");
    let unsigned = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned"),
        Some(&disdik),
    );
    let siti_row = unsigned_of(&unsigned.body, SITI).expect("Siti listed");
    assert_eq!(siti_row["status"], "represented");
    assert_eq!(siti_row["represented_by"], "Andi Wijaya, S.Pd.");
    assert_eq!(
        unsigned_of(&unsigned.body, JOKO).unwrap()["status"],
        "absent"
    );

    // A represented official may still sign; then the signature is theirs.
    assert_eq!(app.check_in(ceremony, DEWI, ADMIN).status, 201);
    assert_eq!(app.sign(ceremony, DEWI, &dewi).status, 201);
    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    let d = opd(&report.body, "DISDIK");
    assert_eq!(
        (d["represented"].as_u64(), d["signed_ceremony"].as_u64()),
        (Some(1), Some(2))
    );
    let unsigned = app.get(&format!("/api/ceremonies/{ceremony}/unsigned"), Some(ADMIN));
    assert!(unsigned_of(&unsigned.body, DEWI).is_none());

    // The receipt is called exactly what it is, by the server and offline.
    let receipt = accepted.body["receipt"].as_str().unwrap();
    let verdict = app.post("/api/verify", None, &json!({"receipt": receipt}));
    assert_eq!(verdict.body["valid"], false, "{}", verdict.text);
    assert_eq!(verdict.body["kind"], "representation.signed");
    assert_eq!(
        verdict.body["representation"]["words"],
        "Tanda tangan perwakilan atas nama 2 pegawai"
    );
    for c in verdict.body["checks"].as_array().unwrap() {
        assert_eq!(c["ok"], c["name"] != "kind", "{c}");
    }
    let by_statement = app.post(
        "/api/verify",
        None,
        &json!({"statement": statement, "signature": accepted.body["signature"]}),
    );
    assert_eq!(by_statement.body["valid"], false);
    assert_eq!(by_statement.body["kind"], "representation.signed");
    assert_eq!(by_statement.body["representation"]["represented"], 2);
    let file = app.data_dir().join("perwakilan.tlog-proof");
    std::fs::write(&file, receipt).unwrap();
    let out = pakta(&[
        "verify-receipt",
        file.to_str().unwrap(),
        "--vkey",
        &app.vkey,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "it is a representation signature (Tanda tangan perwakilan atas nama 2 pegawai)"
        ) && stdout.contains("not a pledge signature"),
        "{stdout}"
    );

    // Closing routes the unsigned to ikrar mandiri, not the represented.
    let closed = app.close(ceremony);
    assert_eq!(closed.status, 200, "{}", closed.text);
    // Joko (DISDIK), Budi and Rina (DINKES); not Siti.
    assert_eq!(closed.body["routed_to_mandiri"], 3, "{}", closed.text);
    let unsigned = app.get(&format!("/api/ceremonies/{ceremony}/unsigned"), Some(ADMIN));
    assert_eq!(
        unsigned_of(&unsigned.body, SITI).unwrap()["status"],
        "represented"
    );
    assert_eq!(
        unsigned_of(&unsigned.body, JOKO).unwrap()["status"],
        "mandiri-pending"
    );

    let (ok, audit) = verify_output(&app);
    assert!(ok, "{audit}");
    assert!(audit.contains("representations verified: 1;"), "{audit}");
}

#[test]
fn namings_must_name_invitees_once_the_ceremony_is_open() {
    let app = TestApp::spawn();
    assert_eq!(app.import(&roster()).status, 200);
    let pledge = app.publish_pledge();
    let reply = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({
            "title": "Ikrar", "place": "Aula", "starts_at": "2024-10-07T09:00:00+07:00",
            "pledge_id": pledge, "invite": {"nips": [ANDI, SITI]},
            "allow_representation": true
        }),
    );
    let ceremony = reply.body["id"].as_u64().unwrap();
    // In draft the invitees are not fixed yet; opening checks the namings.
    assert_eq!(
        name(&app, ceremony, "DISDIK", ANDI, &[SITI, DEWI]).status,
        201
    );
    let refused = app.post(
        &format!("/api/ceremonies/{ceremony}/open"),
        Some(ADMIN),
        &json!({}),
    );
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.error_code(), "representative_not_invited");
    assert!(refused.text.contains(DEWI), "{}", refused.text);
    assert_eq!(name(&app, ceremony, "DISDIK", ANDI, &[SITI]).status, 201);
    app.open(ceremony);
    let not_invited = name(&app, ceremony, "DISDIK", ANDI, &[SITI, JOKO]);
    assert_eq!(not_invited.error_code(), "not_invited");
    let (ok, audit) = verify_output(&app);
    assert!(ok, "{audit}");
}

#[test]
fn an_altered_representation_document_is_caught_by_pakta_verify() {
    let mut s = season();
    let (ok, audit) = verify_output(&s.app);
    assert!(ok, "{audit}");
    let index = s.accepted.body["index"].as_u64().unwrap();
    s.app.stop();
    let conn = rusqlite::Connection::open(s.app.db_path()).unwrap();
    let changed = conn
        .execute(
            "UPDATE documents SET text = replace(text, 'Dewi Lestari', 'Dewi Lestary')
             WHERE kind = 'representation'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let (ok, audit) = verify_output(&s.app);
    assert!(!ok, "{audit}");
    assert!(
        audit.contains(&format!(
            "FAILED at entry {index}: the kept representation statement does not match its hash"
        )),
        "{audit}"
    );
    let _ = (&s.andi, &s.dewi, s.ceremony);
}

#[test]
fn erasing_a_represented_official_erases_the_representation_and_the_audit_still_passes() {
    let s = season();
    let app = &s.app;
    let erased = app.delete(&format!("/api/officials/{SITI}"), Some(ADMIN));
    assert_eq!(erased.status, 200, "{}", erased.text);
    // Siti never enrolled or signed: the one document naming her is the representation.
    assert_eq!(erased.body["documents_erased"], 1, "{}", erased.text);
    let (ok, audit) = verify_output(app);
    assert!(ok, "{audit}");
    assert!(
        audit.contains(
            "representation statements erased (entry stands, signature not re-checkable): 1"
        ),
        "{audit}"
    );
    // Erasing the representative too: his enrollment message and statement go; the
    // representation was already erased and is not counted twice.
    let erased = app.delete(&format!("/api/officials/{ANDI}"), Some(ADMIN));
    assert_eq!(erased.body["documents_erased"], 2, "{}", erased.text);
    let (ok, audit) = verify_output(app);
    assert!(ok, "{audit}");
    // Dewi still signs for herself.
    assert_eq!(app.check_in(s.ceremony, DEWI, ADMIN).status, 201);
    assert_eq!(app.sign(s.ceremony, DEWI, &s.dewi).status, 201);
    let _ = &s.andi;
}

#[test]
fn the_demo_has_a_ceremony_with_a_representative_who_signed() {
    use pakta::app::{Access, App, Caller, Config};
    let dir = private_tempdir();
    let app = App::open(
        dir.path(),
        std::sync::Arc::new(pakta::clock::SystemClock),
        Config::default(),
        None,
    )
    .unwrap();
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 11, 20, 3, 0, 0).unwrap();
    let inspektorat = Caller {
        access: Access::Inspektorat,
        holder: "Inspektorat".into(),
    };
    let (namings, report) = actix_web::rt::System::new().block_on(async {
        pakta::demo::load::load(&app, now)
            .await
            .expect("demo loads");
        let open = pakta::domain::ids::CeremonyId::new(2).unwrap();
        (
            app.representatives(&inspektorat, open, None).await.unwrap(),
            app.report(&inspektorat, open, None).await.unwrap(),
        )
    });
    assert_eq!(namings.len(), 1, "{namings:?}");
    assert_eq!(namings[0].represents.len(), 3);
    assert!(namings[0].signed_at.is_some());
    assert_eq!(report.iter().map(|o| o.represented).sum::<u64>(), 3);
    let out = pakta(&["verify", "--data", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("representations verified: 1;"), "{stdout}");
}

/// The outside verifier's view: an export of a registry with representations passes
/// `docs/recompute_hashes.py` (standard-library Python, written from FORMATS.md) and
/// `pakta verify --export`; a representation statement edited in the export fails both.
#[test]
fn an_export_with_representations_passes_the_independent_script() {
    let mut s = season();
    s.app.stop();
    let dir = private_tempdir();
    let file = dir.path().join("registry.jsonl");
    let out = pakta(&[
        "export",
        "--data",
        s.app.data_dir().to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let export = std::fs::read_to_string(&file).unwrap();
    assert!(export.contains("\"kind\":\"representation\""), "{export}");
    let python = ensure_installed("python3", "python3");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/recompute_hashes.py");
    let run = |path: &std::path::Path| {
        let out = std::process::Command::new(&python)
            .arg(script)
            .arg(path)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, stdout) = run(&file);
    assert!(ok, "{stdout}");
    assert!(
        stdout.contains("representation.allowed 1") && stdout.contains("representation.signed 1"),
        "{stdout}"
    );
    let out = pakta(&["verify", "--export", file.to_str().unwrap()]);
    let verified = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{verified}");
    assert!(
        verified.contains("representations verified: 1;"),
        "{verified}"
    );

    // A forger swaps a represented subject in the statement and fixes its line's hash:
    // the entry's statement-sha256 no longer matches.
    let forged: Vec<String> = export
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            if value["document"]["kind"] == "representation" {
                let text = value["document"]["text"]
                    .as_str()
                    .unwrap()
                    .replace("Dewi Lestari", "Dewi Lestary");
                value["document"]["sha256"] =
                    Value::from(pakta::domain::crypto::Sha256Hash::of(text.as_bytes()).to_hex());
                value["document"]["text"] = Value::from(text);
            }
            value.to_string()
        })
        .collect();
    let altered = dir.path().join("altered.jsonl");
    std::fs::write(&altered, forged.join("\n") + "\n").unwrap();
    let (ok, stdout) = run(&altered);
    assert!(!ok, "{stdout}");
    let out = pakta(&["verify", "--export", altered.to_str().unwrap()]);
    assert!(!out.status.success());
    let _ = (&s.andi, &s.dewi, s.ceremony);
}
