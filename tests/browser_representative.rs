//! A representative (perwakilan) in real headless Chromium: the BKPSDM clerk names, on
//! the admin console, Andi as the representative of Dinas Pendidikan for Siti and Dewi;
//! on his own phone (keys made with WebCrypto, kept in IndexedDB) Andi signs his own
//! pakta, is then offered "Tandatangani sebagai perwakilan untuk 2 pegawai", sees the
//! list and the statement before signing, signs, and finds the receipt kept on the
//! phone with the others. The report then counts both as represented. Screenshots go to
//! test-artifacts/.

mod browser;
mod common;

use browser::{Browser, wait_until};
use common::*;
use serde_json::{Value, json};

const DEWI: &str = "199105052015032004";

#[test]
fn a_representative_signs_for_two_colleagues_on_their_phone() {
    let app = TestApp::spawn();
    let roster = format!(
        "{ROSTER}{DEWI},Dewi Lestari,Guru Ahli Muda,Penata (III/c),PNS,DISDIK,Dinas Pendidikan\n"
    );
    assert_eq!(app.import(&roster).status, 200);
    let pledge = app.publish_pledge();
    let created = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({
            "title": "Apel Ikrar Netralitas ASN", "place": "Pendopo Kabupaten",
            "starts_at": "2024-10-07T09:00:00+07:00", "pledge_id": pledge,
            "invite": {"opds": ["DISDIK"]}, "allow_representation": true
        }),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let ceremony = created.body["id"].as_u64().unwrap();

    // The clerk names the representative on the admin console.
    let admin = Browser::start(false);
    admin.goto(&format!("{}/admin.html", app.url));
    admin.fill("#token", ADMIN);
    admin.click("#login-button");
    wait_until(
        &admin,
        "document.querySelector('#rep-list').dataset.loaded === 'yes'",
    );
    assert!(
        admin
            .text("#rep-allowed")
            .contains("mengizinkan perwakilan")
    );
    admin.fill("#rep-opd", "DISDIK");
    admin.fill("#rep-nip", ANDI);
    admin.eval(&format!(
        "document.querySelector('#rep-represents').value = {}; return true;",
        Value::from(format!("{SITI}\n{DEWI}"))
    ));
    admin.click("#rep-name");
    admin.wait_text(
        "#rep-result",
        "ditunjuk sebagai perwakilan Dinas Pendidikan untuk 2 pegawai",
    );
    admin.wait_text("#rep-table", "Dewi Lestari");
    admin.screenshot("perwakilan-01-admin");
    assert!(
        admin.console_errors().is_empty(),
        "{:?}",
        admin.console_errors()
    );

    app.open(ceremony);
    assert_eq!(app.check_in(ceremony, ANDI, ADMIN).status, 201);

    // Andi enrolls on his phone and signs his own pakta first.
    let code = app.enrollment_code(ANDI);
    let phone = Browser::start(true);
    phone.goto(&format!("{}/daftar.html?nip={ANDI}&kode={code}", app.url));
    phone.click("#enroll");
    phone.wait_text("#result", "berhasil didaftarkan");
    phone.goto(&format!("{}/tanda-tangan.html?upacara={ceremony}", app.url));
    phone.click("#get-statement");
    phone.wait_text("#statement", "PAKTA INTEGRITAS NETRALITAS ASN");
    phone.click("#consent");
    phone.click("#sign");
    phone.wait_text("#result", "Tanda tangan diterima");

    // Then he is offered to sign for those he represents, and sees whom before signing.
    phone.wait_text(
        "#representation-offer",
        "Tandatangani sebagai perwakilan untuk 2 pegawai",
    );
    phone.click("#representation-offer");
    let list = phone.wait_text("#represented-list", "Siti Rahmawati");
    assert!(
        list.contains("Dewi Lestari") && list.contains(DEWI),
        "{list}"
    );
    let statement = phone.text("#representation-statement");
    assert!(
        statement.starts_with("PERNYATAAN PERWAKILAN PAKTA INTEGRITAS NETRALITAS ASN"),
        "{statement}"
    );
    assert!(statement.contains("atas nama 2 pegawai"), "{statement}");
    assert_eq!(
        phone.eval("return document.querySelector('#representation-sign').disabled;"),
        Value::Bool(true)
    );
    phone.screenshot("perwakilan-02-review");
    phone.click("#representation-consent");
    phone.click("#representation-sign");
    phone.wait_text(
        "#representation-result",
        "Tanda tangan perwakilan atas nama 2 pegawai diterima",
    );
    // The receipt is kept on the phone like the others, and says what it is.
    phone.wait_text(
        "#my-receipts-list",
        "Tanda tangan perwakilan atas nama 2 pegawai",
    );
    assert_eq!(
        phone.eval("return document.querySelectorAll('#my-receipts-list [data-kind=\"representation\"]').length;"),
        Value::from(1)
    );
    phone.screenshot("perwakilan-03-signed");

    // The public verification page says exactly what the receipt proves: a
    // representation, never SAH as a pledge signature of those represented.
    let receipt = phone.eval(
        "return document.querySelector('#my-receipts-list [data-kind=\"representation\"] pre.document').textContent;",
    );
    phone.goto(&format!("{}/verifikasi.html", app.url));
    phone.eval(&format!(
        "const e = document.querySelector('#receipt'); e.value = {receipt}; return true;"
    ));
    phone.click("#verify");
    let verdict = phone.wait_text("#verdict", "Tanda tangan perwakilan atas nama 2 pegawai");
    assert!(!verdict.starts_with("SAH"), "{verdict}");
    assert!(verdict.contains("BUKAN tanda tangan pakta"), "{verdict}");
    phone.screenshot("perwakilan-04-verified");

    let report = app.get(&format!("/api/ceremonies/{ceremony}/report"), Some(ADMIN));
    assert_eq!(report.body["opds"][0]["represented"], 2, "{}", report.text);
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("representations verified: 1;"), "{stdout}");
}
