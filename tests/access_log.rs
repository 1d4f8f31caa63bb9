//! The access log as a PDP officer reads it: every read of personal data through a
//! token leaves a record of who (the token's holder), when, what and how many people,
//! before the data is sent; public routes leave none; reads never touch the registry's
//! log; only the admin pages through the records or downloads them.

mod common;

use common::*;
use serde_json::{Value, json};

fn records(app: &TestApp) -> Vec<Value> {
    let reply = app.get("/api/access-log?limit=1000", Some(ADMIN));
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["records"].as_array().unwrap().clone()
}

#[test]
fn every_read_of_personal_data_names_its_reader_and_how_many_people() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    // Andi is checked in but has not signed: all four are unsigned.
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    let size = app.registry_size();
    let supervisor =
        app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}));
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu Kabupaten"}));
    // Checking Andi in answered his name to the admin: the one read so far.
    let checked_in = records(&app);
    assert_eq!(checked_in.len(), 1, "{checked_in:?}");
    assert_eq!(checked_in[0]["action"], "check_in");
    assert_eq!(
        checked_in[0]["scope"],
        format!("ceremony {ceremony}, all OPDs")
    );
    assert_eq!(checked_in[0]["people"], 1);

    assert_eq!(app.get("/api/officials", Some(&supervisor)).status, 200);
    assert_eq!(
        app.get(
            &format!("/api/ceremonies/{ceremony}/unsigned"),
            Some(&inspektorat)
        )
        .status,
        200
    );
    let csv = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned?format=csv&opd=DISDIK"),
        Some(&inspektorat),
    );
    assert_eq!(csv.status, 200);
    assert_eq!(
        app.get(
            &format!("/api/ceremonies/{ceremony}/report"),
            Some(&auditor)
        )
        .status,
        200
    );
    assert_eq!(
        app.post(
            "/api/enrollment-cards",
            Some(ADMIN),
            &json!({"opd": "DINKES"})
        )
        .status,
        201
    );
    // Public routes and refused reads leave no record.
    app.get("/checkpoint", None);
    app.get(&format!("/api/ceremonies/{ceremony}/counts"), None);
    assert_eq!(app.get("/api/officials", Some(&auditor)).status, 403);
    assert_eq!(app.get("/api/officials", None).status, 401);

    let log = records(&app);
    let seen: Vec<(String, String, String, String, u64)> = log
        .iter()
        .map(|r| {
            (
                r["token_name"].as_str().unwrap().to_string(),
                r["role"].as_str().unwrap().to_string(),
                r["action"].as_str().unwrap().to_string(),
                r["scope"].as_str().unwrap().to_string(),
                r["people"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("admin", "admin", "enrollment_cards", "OPD DINKES", 2),
        (
            "Bawaslu Kabupaten",
            "auditor",
            "report",
            &*format!("ceremony {ceremony}, all OPDs"),
            4,
        ),
        (
            "Inspektur Pembantu II",
            "inspektorat",
            "unsigned_csv",
            &*format!("ceremony {ceremony}, OPD DISDIK"),
            2,
        ),
        (
            "Inspektur Pembantu II",
            "inspektorat",
            "unsigned",
            &*format!("ceremony {ceremony}, all OPDs"),
            4,
        ),
        (
            "Kepala Dinas Kesehatan",
            "supervisor",
            "roster",
            "OPD DINKES",
            2,
        ),
        (
            "admin",
            "admin",
            "check_in",
            &*format!("ceremony {ceremony}, all OPDs"),
            1,
        ),
    ];
    let expected: Vec<(String, String, String, String, u64)> = expected
        .iter()
        .map(|(a, b, c, d, e)| {
            (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string(),
                *e,
            )
        })
        .collect();
    assert_eq!(seen, expected, "newest first");
    assert!(log.iter().all(|r| r["at"] == "2024-10-07T01:00:00Z"));
    // The records say who read, never whom: no NIP or name of an official.
    let text = app.get("/api/access-log", Some(ADMIN)).text;
    for person in [ANDI, SITI, BUDI, RINA, "Andi", "Budi"] {
        assert!(!text.contains(person), "{person} in {text}");
    }
    assert_eq!(
        app.registry_size(),
        size,
        "reads write nothing into the registry's log"
    );
}

#[test]
fn the_admin_pages_through_the_log_and_downloads_it_whole() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let supervisor =
        app.token(json!({"role": "supervisor", "opd": "DISDIK", "name": "Kadis Pendidikan"}));
    for _ in 0..150 {
        assert_eq!(
            app.get("/api/officials?limit=1", Some(&supervisor)).status,
            200
        );
    }
    let first = app.get("/api/access-log?limit=100", Some(ADMIN));
    assert_eq!(first.body["records"].as_array().unwrap().len(), 100);
    let next = first.body["next"].as_u64().expect("a second page");
    let second = app.get(
        &format!("/api/access-log?limit=100&after={next}"),
        Some(ADMIN),
    );
    let second_records = second.body["records"].as_array().unwrap();
    assert_eq!(second_records.len(), 50);
    assert_eq!(second.body["next"], Value::Null);
    let mut ids: Vec<u64> = first.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second_records)
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    let newest_first = ids.clone();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    assert_eq!(ids, newest_first, "each record once, newest first");

    let csv = app.get("/api/access-log?format=csv", Some(ADMIN));
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "id,at,token_name,role,action,scope,people");
    assert_eq!(lines.len(), 151);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(",Kadis Pendidikan,supervisor,roster,OPD DISDIK,1"))
    );

    assert_eq!(app.get("/api/access-log", Some(&supervisor)).status, 403);
    assert_eq!(app.get("/api/access-log?format=csv", None).status, 401);
    let bad = app.get("/api/access-log?after=x", Some(ADMIN));
    assert_eq!(bad.error_code(), "invalid_cursor");
}
