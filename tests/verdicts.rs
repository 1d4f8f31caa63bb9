//! A verdict says exactly what was proven: `POST /api/verify` is valid only for a pledge
//! signature, names the entry's kind, and for a signature says who signed what and when
//! (in the ceremony's zone, late or not); `pakta verify-receipt` names the kind too; and
//! the public verification page in real Chromium says SAH only for a pledge signature
//! with its statement, at 360 px and at 1280 px.

mod browser;
mod common;

use browser::Browser;
use chrono::Duration;
use common::*;
use serde_json::{Value, json};

/// A registry where Andi signed at the ceremony and Budi signed mandiri after the due
/// date; returns (Andi's enrollment receipt, Andi's receipt, Budi's receipt).
fn season(app: &TestApp) -> (String, String, String) {
    app.import(ROSTER);
    let code = app.enrollment_code(ANDI);
    let andi = pakta::keyfile::generate().unwrap();
    let enrolled = app.post("/api/enroll", None, &enrollment_body(ANDI, &code, &andi));
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    let budi = app.enroll(BUDI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    let signed = app.sign(ceremony, ANDI, &andi);
    assert_eq!(signed.status, 201, "{}", signed.text);
    assert_eq!(app.close(ceremony).status, 200);
    app.advance(Duration::days(10));
    let late = app.sign(ceremony, BUDI, &budi);
    assert_eq!(late.status, 201, "{}", late.text);
    assert_eq!(late.body["late"], true);
    let text = |r: &Reply| r.body["receipt"].as_str().unwrap().to_string();
    (text(&enrolled), text(&signed), text(&late))
}

fn verify(app: &TestApp, receipt: &str) -> Value {
    let reply = app.post("/api/verify", None, &json!({"receipt": receipt}));
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

#[test]
fn the_api_is_valid_only_for_a_pledge_signature_and_says_who_signed_what() {
    let app = TestApp::spawn();
    let (enrollment, andi, budi) = season(&app);

    let verdict = verify(&app, &andi);
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["kind"], "pledge.signed");
    let signed = &verdict["signed"];
    assert_eq!(signed["name"], "Andi Wijaya, S.Pd.");
    assert_eq!(signed["nip"], ANDI);
    assert_eq!(signed["unit"], "Dinas Pendidikan");
    assert_eq!(signed["mode_words"], "ikrar bersama");
    assert_eq!(signed["statement_format"], "pakta/statement/v2");
    assert!(
        signed["recorded_at_local"]
            .as_str()
            .unwrap()
            .ends_with(" WIB")
    );
    assert_eq!(signed["late"], false);

    let late = verify(&app, &budi);
    assert_eq!(late["valid"], true);
    assert_eq!(late["signed"]["mode"], "mandiri");
    assert_eq!(late["signed"]["late"], true);

    // A key enrollment passes every check of its own, and is still not a signature.
    let enrolled = verify(&app, &enrollment);
    assert_eq!(enrolled["valid"], false);
    assert_eq!(enrolled["kind"], "key.enrolled");
    assert_eq!(enrolled["signed"], Value::Null);
    let kind = enrolled["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "kind")
        .unwrap();
    assert_eq!(kind["ok"], false);
    assert!(
        kind["detail"]
            .as_str()
            .unwrap()
            .contains("pendaftaran kunci")
    );

    // The offline check says the same.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &enrollment).unwrap();
    let out = pakta(&[
        "verify-receipt",
        file.path().to_str().unwrap(),
        "--vkey",
        &app.vkey,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("it is a key.enrolled entry"), "{stdout}");
    assert!(stdout.contains("not a pledge signature"), "{stdout}");
    std::fs::write(file.path(), &andi).unwrap();
    let out = pakta(&[
        "verify-receipt",
        file.path().to_str().unwrap(),
        "--vkey",
        &app.vkey,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("it is a pledge signature: Andi Wijaya, S.Pd. (NIP 198001012005011001)"),
        "{stdout}"
    );
}

#[test]
fn the_page_says_sah_only_for_a_signature_and_names_every_other_entry() {
    let app = TestApp::spawn();
    let (enrollment, andi, budi) = season(&app);
    let entries = app.get("/api/registry/entries?start=0&limit=100", None);
    let entry_of = |kind: &str| {
        entries.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                let bytes =
                    pakta::domain::crypto::decode_base64("bytes", e["bytes"].as_str().unwrap())
                        .unwrap();
                String::from_utf8(bytes)
                    .unwrap()
                    .contains(&format!("\nkind: {kind}\n"))
            })
            .map(|e| {
                (
                    e["index"].as_u64().unwrap(),
                    e["hash"].as_str().unwrap().to_string(),
                )
            })
            .unwrap()
    };
    for (phone, width) in [(true, "360"), (false, "1280")] {
        let page = Browser::start(phone);
        let open = |receipt: &str| {
            page.goto(&format!("{}/verifikasi.html", app.url));
            page.eval(&format!(
                "const e = document.querySelector('#receipt'); e.value = {}; return true;",
                Value::from(receipt)
            ));
            page.click("#verify");
        };
        open(&andi);
        let text = page.wait_text(
            "#verdict",
            "SAH: Andi Wijaya, S.Pd. (NIP 198001012005011001)",
        );
        for part in [
            "Dinas Pendidikan",
            "Pakta Integritas",
            "ikrar bersama",
            "WIB",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        page.screenshot(&format!("verdict-signature-{width}"));
        open(&budi);
        let text = page.wait_text("#verdict", "SAH: Budi Santoso");
        assert!(
            text.contains("ikrar mandiri") && text.contains("terlambat"),
            "{text}"
        );
        open(&enrollment);
        let text = page.wait_text("#verdict", "BUKAN tanda tangan pakta");
        assert!(
            text.contains("pendaftaran kunci") && !text.starts_with("SAH"),
            "{text}"
        );
        page.screenshot(&format!("verdict-enrollment-{width}"));
        for kind in ["key.enrolled", "ceremony.opened", "attendance.recorded"] {
            let (index, hash) = entry_of(kind);
            page.goto(&format!(
                "{}/verifikasi.html#entri={index}&hash={hash}",
                app.url
            ));
            let text = page.wait_text("#verdict", "BUKAN tanda tangan pakta");
            assert!(!text.starts_with("SAH"), "{kind}: {text}");
        }
        page.screenshot(&format!("verdict-entry-link-{width}"));
        let (index, hash) = entry_of("pledge.signed");
        page.goto(&format!(
            "{}/verifikasi.html#entri={index}&hash={hash}",
            app.url
        ));
        let text = page.wait_text("#verdict", "tanpa pernyataannya");
        assert!(!text.starts_with("SAH"), "{text}");
        assert!(
            page.console_errors().is_empty(),
            "{:?}",
            page.console_errors()
        );
    }
}
