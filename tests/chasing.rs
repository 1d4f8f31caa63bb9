//! Chasing the last ones, as a BKPSDM clerk and a head of OPD do it: the unsigned list
//! carries each person's mobile number and a WhatsApp link with a short reminder and
//! the signing link, for the admin and that OPD's supervisor only; the same comes as a
//! CSV for bulk messaging tools; every such read is in the access log; the inspektorat,
//! auditors, other OPDs' supervisors and strangers get no phone number.

mod browser;
mod common;

use browser::{Browser, wait_until};
use common::*;
use serde_json::{Value, json};

const ANDI_PHONE: &str = "0812-1111-0001";
const BUDI_PHONE: &str = "0813-2222-0002";

/// Andi (DISDIK) and Budi (DINKES) get their numbers from a SIASN export.
fn registry_with_phones() -> TestApp {
    let app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let units = app.post_raw(
        "/api/units/import",
        Some(ADMIN),
        "text/csv",
        b"UNOR ID,OPD CODE\nU-DISDIK,DISDIK\nU-DINKES,DINKES\n",
    );
    assert_eq!(units.status, 200, "{}", units.text);
    let siasn = format!(
        "NIP BARU,NAMA,GELAR BELAKANG,NOMOR HP,JENIS PEGAWAI NAMA,KEDUDUKAN HUKUM NAMA,JABATAN NAMA,UNOR ID,UNOR NAMA\n\
         {ANDI},Andi Wijaya,S.Pd.,{ANDI_PHONE},PNS,Aktif,Kepala Dinas Pendidikan,U-DISDIK,Dinas Pendidikan\n\
         {BUDI},Budi Santoso,,+62 813 2222 0002,PPPK,Aktif,Perawat Ahli Pertama,U-DINKES,Dinas Kesehatan\n"
    );
    let imported = app.import(&siasn);
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["updated"], 2, "{}", imported.text);
    app
}

fn people(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["opds"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["unsigned"].as_array().unwrap().clone())
        .collect()
}

fn person<'a>(people: &'a [Value], nip: &str) -> &'a Value {
    people
        .iter()
        .find(|p| p["nip"] == nip)
        .unwrap_or_else(|| panic!("{nip} not listed: {people:?}"))
}

/// Percent-decoding as a phone's WhatsApp does it.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The reminder as sent from a registry the clerk reached at `site`: the signing link
/// is under that same address.
fn reminder(site: &str, name: &str) -> String {
    format!(
        "Yth. {name}, Anda belum menandatangani Pakta Integritas Netralitas ASN (Ikrar Netralitas ASN). Mohon tanda tangani di {site}/tanda-tangan.html dari ponsel yang kuncinya sudah terdaftar. Terima kasih. - Pemerintah Daerah"
    )
}

fn access_actions(app: &TestApp) -> Vec<(String, String, String, u64)> {
    let reply = app.get("/api/access-log?limit=1000", Some(ADMIN));
    reply.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_string(),
                r["action"].as_str().unwrap().to_string(),
                r["scope"].as_str().unwrap().to_string(),
                r["people"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_admin_and_the_opds_supervisor_get_phones_and_a_whatsapp_reminder() {
    let app = registry_with_phones();
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    let path = format!("/api/ceremonies/{ceremony}/unsigned");

    let listed = people(&app.get(&path, Some(ADMIN)));
    assert_eq!(listed.len(), 4);
    let andi = person(&listed, ANDI);
    assert_eq!(andi["phone"], ANDI_PHONE);
    let link = andi["whatsapp"].as_str().unwrap();
    let text = link
        .strip_prefix("https://wa.me/6281211110001?text=")
        .unwrap_or_else(|| panic!("{link}"));
    assert!(!text.contains(' ') && !text.contains('&'), "{text}");
    assert_eq!(decode(text), reminder(&app.url, "Andi Wijaya, S.Pd."));
    // Known to have no number: null, so the page can say so.
    let siti = person(&listed, SITI);
    assert_eq!(siti["phone"], Value::Null);
    assert_eq!(siti["whatsapp"], Value::Null);

    let dinkes =
        app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    let theirs = people(&app.get(&path, Some(&dinkes)));
    assert_eq!(theirs.len(), 2);
    let budi = person(&theirs, BUDI);
    assert_eq!(budi["phone"], BUDI_PHONE);
    let link = budi["whatsapp"].as_str().unwrap();
    assert_eq!(
        decode(
            link.strip_prefix("https://wa.me/6281322220002?text=")
                .unwrap()
        ),
        reminder(&app.url, "Budi Santoso")
    );

    // Another OPD's supervisor cannot ask for DINKES; the inspektorat reads names but
    // no numbers; an auditor reads no names at all.
    let disdik = app
        .token(json!({"role": "supervisor", "opd": "DISDIK", "name": "Kepala Dinas Pendidikan"}));
    assert_eq!(
        app.get(&format!("{path}?opd=DINKES"), Some(&disdik)).status,
        403
    );
    let own = people(&app.get(&path, Some(&disdik)));
    assert!(own.iter().all(|p| p["nip"] != BUDI));
    assert_eq!(person(&own, ANDI)["phone"], ANDI_PHONE);
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}));
    let reply = app.get(&path, Some(&inspektorat));
    let seen = people(&reply);
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|p| p.get("phone").is_none() && p.get("whatsapp").is_none())
    );
    assert!(!reply.text.contains("62812") && !reply.text.contains("wa.me"));
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu Kabupaten"}));
    assert_eq!(app.get(&path, Some(&auditor)).status, 403);
    assert_eq!(app.get(&path, None).status, 401);

    // Once Andi signs he is no longer chased.
    let key = app.enroll(ANDI);
    assert_eq!(app.check_in(ceremony, ANDI, ADMIN).status, 201);
    assert_eq!(app.sign(ceremony, ANDI, &key).status, 201);
    let after = people(&app.get(&path, Some(ADMIN)));
    assert!(after.iter().all(|p| p["nip"] != ANDI));

    let log = access_actions(&app);
    let scope = format!("ceremony {ceremony}, all OPDs");
    let phones: Vec<_> = log.iter().filter(|r| r.1 == "unsigned_phones").collect();
    assert_eq!(
        phones,
        [
            &("admin".into(), "unsigned_phones".into(), scope.clone(), 1),
            &(
                "supervisor".into(),
                "unsigned_phones".into(),
                format!("ceremony {ceremony}, OPD DISDIK"),
                1
            ),
            &(
                "supervisor".into(),
                "unsigned_phones".into(),
                format!("ceremony {ceremony}, OPD DINKES"),
                1
            ),
            &("admin".into(), "unsigned_phones".into(), scope.clone(), 2),
        ],
        "newest first: {log:?}"
    );
    assert!(
        !log.iter()
            .any(|r| r.0 == "inspektorat" && r.1 == "unsigned_phones")
    );
}

#[test]
fn the_whatsapp_csv_is_for_the_admin_and_the_opds_supervisor_and_is_logged() {
    let app = registry_with_phones();
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    let path = format!("/api/ceremonies/{ceremony}/unsigned?format=wa-csv");

    let all = app.get(&path, Some(ADMIN));
    assert_eq!(all.status, 200, "{}", all.text);
    let text = all.text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Nama",
            "NIP",
            "Kode OPD",
            "Nama OPD",
            "Status",
            "Nomor HP",
            "Pesan",
            "Tautan WhatsApp"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let andi = rows.iter().find(|r| &r[1] == ANDI).unwrap();
    assert_eq!(&andi[0], "Andi Wijaya, S.Pd.");
    assert_eq!(&andi[2], "DISDIK");
    assert_eq!(&andi[4], "tidak hadir");
    assert_eq!(&andi[5], "6281211110001");
    assert_eq!(&andi[6], reminder(&app.url, "Andi Wijaya, S.Pd."));
    assert_eq!(
        decode(
            andi[7]
                .strip_prefix("https://wa.me/6281211110001?text=")
                .unwrap()
        ),
        reminder(&app.url, "Andi Wijaya, S.Pd.")
    );
    let rina = rows.iter().find(|r| &r[1] == RINA).unwrap();
    assert_eq!((&rina[5], &rina[6], &rina[7]), ("", "", ""));

    let dinkes =
        app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    let theirs = app.get(&path, Some(&dinkes));
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    assert!(theirs.text.contains("6281322220002") && !theirs.text.contains(ANDI));
    let disdik = app
        .token(json!({"role": "supervisor", "opd": "DISDIK", "name": "Kepala Dinas Pendidikan"}));
    assert_eq!(
        app.get(&format!("{path}&opd=DINKES"), Some(&disdik)).status,
        403
    );
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}));
    let refused = app.get(&path, Some(&inspektorat));
    assert_eq!(refused.status, 403);
    assert!(refused.error_code() == "forbidden", "{}", refused.text);
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu Kabupaten"}));
    assert_eq!(app.get(&path, Some(&auditor)).status, 403);
    assert_eq!(app.get(&path, None).status, 401);

    let log = access_actions(&app);
    let csv_reads: Vec<_> = log.iter().filter(|r| r.1 == "unsigned_wa_csv").collect();
    assert_eq!(
        csv_reads,
        [
            &(
                "supervisor".into(),
                "unsigned_wa_csv".into(),
                format!("ceremony {ceremony}, OPD DINKES"),
                2
            ),
            &(
                "admin".into(),
                "unsigned_wa_csv".into(),
                format!("ceremony {ceremony}, all OPDs"),
                4
            ),
        ]
    );
    assert_eq!(log.len(), 2, "refused reads leave no record: {log:?}");
}

#[test]
fn the_report_page_offers_a_whatsapp_reminder_only_to_those_who_may_read_phones() {
    let app = registry_with_phones();
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    let page = format!("{}/laporan.html?upacara={ceremony}", app.url);
    let shown = |browser: &Browser, token: &str| {
        browser.goto(&page);
        browser.fill("#report-token", token);
        browser.click("#show-report");
        wait_until(
            browser,
            &format!("document.querySelector('#main').dataset.shown === '{ceremony}'"),
        );
    };

    let admin = Browser::start(false);
    shown(&admin, ADMIN);
    let link = admin.eval(&format!(
        "return document.querySelector(\"#unsigned-table tr[data-nip='{ANDI}'] a.whatsapp\").href;"
    ));
    let link = link.as_str().unwrap();
    assert!(
        link.starts_with("https://wa.me/6281211110001?text="),
        "{link}"
    );
    assert_eq!(
        decode(link.split_once("?text=").unwrap().1),
        reminder(&app.url, "Andi Wijaya, S.Pd.")
    );
    let siti = admin.text(&format!("#unsigned-table tr[data-nip='{SITI}']"));
    assert!(siti.contains("tidak ada nomor HP"), "{siti}");
    assert!(!admin.text("#report-actions").is_empty());
    assert!(
        admin
            .eval(
                "return !document.querySelector('#download-wa-csv').classList.contains('hidden');"
            )
            .as_bool()
            .unwrap()
    );
    admin.screenshot("chasing-report-admin");

    let inspektorat_token =
        app.token(json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}));
    let inspektorat = Browser::start(false);
    shown(&inspektorat, &inspektorat_token);
    let list = inspektorat.text("#unsigned-table");
    assert!(list.contains("Andi Wijaya"), "{list}");
    assert!(
        !list.contains("Hubungi") && !list.contains("0812"),
        "{list}"
    );
    assert!(!inspektorat.exists("#unsigned-table a.whatsapp"));
    assert!(
        inspektorat
            .eval("return document.querySelector('#download-wa-csv').classList.contains('hidden');")
            .as_bool()
            .unwrap()
    );
    for browser in [&admin, &inspektorat] {
        assert!(
            browser.console_errors().is_empty(),
            "{:?}",
            browser.console_errors()
        );
    }
}
