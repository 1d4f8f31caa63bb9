//! What the BKPSDM clerk's console and the report page ask of the API, over HTTP: the
//! roster searched by part of a name or NIP, still a page at a time with the same
//! cursor; the per-OPD summary as CSV, with Indonesian headings and a row of totals,
//! read under the same rules as the report and recorded in the access log; the unsigned
//! CSV with its statuses in words; and a request without a token told, in words a clerk
//! understands, what to do.

mod common;

use common::*;
use serde_json::{Value, json};

/// A roster where three officials share "Dewi", over two OPDs, and one is written
/// with a NIP the clerk will type with spaces.
const ROSTER_WITH_DEWIS: &str = "\
nip,name,position,rank,category,opd_code,opd_name
198001012005011001,Dewi Lestari,Staf,,PNS,DINKES,Dinas Kesehatan
198001012005011002,Andi Dewinta,Staf,,PNS,DINKES,Dinas Kesehatan
198001012005011003,Budi Santoso,Staf,,PNS,DINKES,Dinas Kesehatan
198001012005011004,dewi kartika,Staf,,PNS,DISDIK,Dinas Pendidikan
198001012005011005,Siti 100%_Aman,Staf,,PNS,DISDIK,Dinas Pendidikan
";

fn names(reply: &Reply) -> Vec<String> {
    reply.body["officials"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", reply.text))
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_roster_is_searched_by_part_of_a_name_or_nip_a_page_at_a_time() {
    let app = TestApp::spawn();
    assert_eq!(app.import(ROSTER_WITH_DEWIS).status, 200);

    // Case does not matter, and the order is the roster's (unit, then name).
    let found = app.get("/api/officials?q=DEWI", Some(ADMIN));
    assert_eq!(
        names(&found),
        ["Andi Dewinta", "Dewi Lestari", "dewi kartika"]
    );
    assert_eq!(found.body["next"], Value::Null);

    // The same search a page at a time, following `next`, finds the same officials.
    let first = app.get("/api/officials?q=dewi&limit=2", Some(ADMIN));
    assert_eq!(names(&first), ["Andi Dewinta", "Dewi Lestari"]);
    let after = first.body["next"].as_u64().expect("a next page");
    let second = app.get(
        &format!("/api/officials?q=dewi&limit=2&after={after}"),
        Some(ADMIN),
    );
    assert_eq!(names(&second), ["dewi kartika"]);
    assert_eq!(second.body["next"], Value::Null);

    // With one OPD; by NIP typed with spaces, as it is printed on paper.
    let dinkes = app.get("/api/officials?q=dewi&opd=DISDIK", Some(ADMIN));
    assert_eq!(names(&dinkes), ["dewi kartika"]);
    let by_nip = app.get("/api/officials?q=19800101%20200501%201%20003", Some(ADMIN));
    assert_eq!(names(&by_nip), ["Budi Santoso"]);

    // What is typed is taken literally: % and _ are no wildcards.
    assert_eq!(
        names(&app.get("/api/officials?q=100%25_", Some(ADMIN))),
        ["Siti 100%_Aman"]
    );
    assert_eq!(
        names(&app.get("/api/officials?q=%25", Some(ADMIN))),
        ["Siti 100%_Aman"]
    );
    assert!(names(&app.get("/api/officials?q=zzz", Some(ADMIN))).is_empty());
    // A blank search is no search.
    assert_eq!(
        names(&app.get("/api/officials?q=%20", Some(ADMIN))).len(),
        5
    );

    // A supervisor searches their own OPD only.
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kadinkes"}));
    let own = app.get("/api/officials?q=dewi&opd=DINKES", Some(&supervisor));
    assert_eq!(names(&own), ["Andi Dewinta", "Dewi Lestari"]);
    assert_eq!(
        app.get("/api/officials?q=dewi&opd=DISDIK", Some(&supervisor))
            .status,
        403
    );

    // The access log records the reads, never the name searched for.
    let log = app.get("/api/access-log", Some(ADMIN));
    assert!(!log.text.to_lowercase().contains("dewi"), "{}", log.text);

    let long = app.get(
        &format!("/api/officials?q={}", "a".repeat(101)),
        Some(ADMIN),
    );
    assert_eq!(long.status, 400);
    assert_eq!(long.error_code(), "invalid_search");
}

#[test]
fn the_summary_csv_has_indonesian_headings_totals_and_is_recorded() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    let key = app.enroll(SITI);
    assert_eq!(app.check_in(ceremony, SITI, ADMIN).status, 201);
    assert_eq!(app.sign(ceremony, SITI, &key).status, 201);

    let csv = app.get(
        &format!("/api/ceremonies/{ceremony}/report?format=csv"),
        Some(ADMIN),
    );
    assert_eq!(csv.status, 200, "{}", csv.text);
    let text = csv
        .text
        .strip_prefix('\u{feff}')
        .expect("a byte order mark, so Excel reads it as UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "Kode OPD,Nama OPD,Diundang,Hadir,Tanda tangan di upacara,Ikrar mandiri,Belum,Lewat batas,Terlambat,Data dihapus (PDP)",
            "DINKES,Dinas Kesehatan,2,0,0,0,2,0,0,0",
            "DISDIK,Dinas Pendidikan,2,2,1,0,1,0,0,0",
            ",Jumlah,4,2,1,0,3,0,0,0",
        ]
    );

    // The unsigned CSV names each status in words.
    let unsigned = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned?format=csv"),
        Some(ADMIN),
    );
    let mut rows =
        csv::Reader::from_reader(unsigned.text.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        rows.headers().unwrap(),
        vec!["Kode OPD", "Nama OPD", "NIP", "Nama", "Jabatan", "Status"]
    );
    let statuses: Vec<(String, String)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[3].to_string(), r[5].to_string())
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("Budi Santoso".to_string(), "tidak hadir".to_string()),
            ("Rina Marlina".to_string(), "tidak hadir".to_string()),
            (
                "Andi Wijaya, S.Pd.".to_string(),
                "hadir, belum tanda tangan".to_string()
            ),
        ]
    );

    // The same rules as the report: a supervisor reads their OPD, an auditor the
    // counts; a stranger nothing, and is told to log in, in words, not in HTTP.
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kadinkes"}));
    let own = app.get(
        &format!("/api/ceremonies/{ceremony}/report?format=csv&opd=DINKES"),
        Some(&supervisor),
    );
    assert_eq!(own.status, 200);
    assert!(!own.text.contains("DISDIK"), "{}", own.text);
    assert_eq!(
        app.get(
            &format!("/api/ceremonies/{ceremony}/report?format=csv&opd=DISDIK"),
            Some(&supervisor)
        )
        .status,
        403
    );
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu"}));
    assert_eq!(
        app.get(
            &format!("/api/ceremonies/{ceremony}/report?format=csv"),
            Some(&auditor)
        )
        .status,
        200
    );
    let stranger = app.get(
        &format!("/api/ceremonies/{ceremony}/report?format=csv"),
        None,
    );
    assert_eq!(stranger.status, 401);
    assert_eq!(stranger.error_code(), "missing_token");
    let message = stranger.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("token"), "{message}");
    assert!(!message.contains("Authorization"), "{message}");
    assert_eq!(
        app.get(
            &format!("/api/ceremonies/{ceremony}/report?format=xlsx"),
            Some(ADMIN)
        )
        .error_code(),
        "invalid_format"
    );

    // Each download is in the access log, with who read it and how many people.
    let log = app.get("/api/access-log", Some(ADMIN));
    let reads: Vec<(String, String, u64)> = log.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "report")
        .map(|r| {
            (
                r["token_name"].as_str().unwrap().to_string(),
                r["scope"].as_str().unwrap().to_string(),
                r["people"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        reads
            .iter()
            .any(|(who, _, people)| who == "admin" && *people == 4),
        "{reads:?}"
    );
    assert!(
        reads.iter().any(|(who, scope, people)| who == "Kadinkes"
            && scope.contains("DINKES")
            && *people == 2),
        "{reads:?}"
    );
    assert!(reads.iter().any(|(who, ..)| who == "Bawaslu"), "{reads:?}");
}
