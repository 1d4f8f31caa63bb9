//! Ceremony day over HTTP: the hall screen's rotating presence code, check-in from an
//! official's phone with that code signed by their key, the live counts, printed
//! enrollment cards, QR codes, and the web pages served with their security headers.

mod common;

use chrono::Duration;
use common::*;
use serde_json::json;

fn presence(
    app: &TestApp,
    ceremony: u64,
    nip: &str,
    code: &str,
    key: &ed25519_dalek::SigningKey,
) -> Reply {
    let message = format!("pakta/presence/v1\nceremony: {ceremony}\nnip: {nip}\ncode: {code}\n");
    app.post(
        &format!("/api/ceremonies/{ceremony}/presence"),
        None,
        &json!({"nip": nip, "code": code, "signature": sign_b64(key, message.as_bytes())}),
    )
}

#[test]
fn a_phone_checks_in_with_the_hall_code_signed_by_its_key() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK"]}));
    app.open(ceremony);
    let operator = app.token(json!({"role": "operator", "ceremony": ceremony}));

    let shown = app.get(
        &format!("/api/ceremonies/{ceremony}/presence-code"),
        Some(&operator),
    );
    assert_eq!(shown.status, 200, "{}", shown.text);
    let code = shown.body["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    // Nobody without the hall's token sees the code.
    assert_eq!(
        app.get(&format!("/api/ceremonies/{ceremony}/presence-code"), None)
            .status,
        401
    );

    // Siti's key cannot check Andi in.
    let forged = presence(&app, ceremony, ANDI, &code, &siti);
    assert_eq!(forged.status, 401);
    assert_eq!(forged.error_code(), "request_not_authenticated");
    let before = app.registry_size();
    let reply = presence(&app, ceremony, ANDI, &code, &andi);
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(app.registry_size(), before + 1);
    let entries = app.get(
        &format!("/api/registry/entries?start={before}&limit=1"),
        None,
    );
    let bytes = pakta::domain::crypto::decode_base64(
        "b",
        entries.body["entries"][0]["bytes"].as_str().unwrap(),
    )
    .unwrap();
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .contains("method: presence-code\n")
    );

    // Checked in by presence code, Andi can sign at the ceremony.
    assert_eq!(app.sign(ceremony, ANDI, &andi).status, 201);
    let counts = app.get(&format!("/api/ceremonies/{ceremony}/counts"), None);
    assert_eq!(
        counts.body,
        json!({"invited": 2, "checked_in": 1, "signed": 1})
    );

    // A code from the screen a minute ago no longer works.
    app.advance(Duration::seconds(61));
    let stale = presence(&app, ceremony, SITI, &code, &siti);
    assert_eq!(stale.status, 410, "{}", stale.text);
    assert_eq!(stale.error_code(), "presence_code_expired");
}

#[test]
fn enrollment_cards_are_made_for_officials_without_a_key() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    app.enroll(ANDI);
    let cards = app.post(
        "/api/enrollment-cards",
        Some(ADMIN),
        &json!({"opd": "DISDIK"}),
    );
    assert_eq!(cards.status, 201, "{}", cards.text);
    let cards = cards.body["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 1, "Andi already has a key");
    assert_eq!(cards[0]["nip"], SITI);
    let code = cards[0]["code"].as_str().unwrap();
    // The printed code enrolls Siti.
    let key = pakta::keyfile::generate().unwrap();
    let enrolled = app.post("/api/enroll", None, &enrollment_body(SITI, code, &key));
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    let auditor = app.token(json!({"role": "auditor"}));
    assert_eq!(
        app.post("/api/enrollment-cards", Some(&auditor), &json!({}))
            .status,
        403
    );
}

#[test]
fn pages_qr_codes_and_roles_are_served() {
    let app = TestApp::spawn();
    for page in [
        "/",
        "/admin.html",
        "/daftar.html",
        "/tanda-tangan.html",
        "/verifikasi.html",
        "/layar.html",
        "/meja.html",
        "/laporan.html",
        "/kartu.html",
        "/tanda-terima.html",
        "/common.js",
        "/style.css",
    ] {
        let raw = app.get_response(page);
        assert_eq!(raw.status, 200, "{page}");
        assert!(!raw.body.is_empty(), "{page}");
    }
    let missing = app.get_response("/tidak-ada.html");
    assert_eq!(missing.status, 404);
    assert!(String::from_utf8_lossy(&missing.body).contains("tidak ditemukan"));
    let qr = app.get("/api/qr.svg?text=pakta-nip%3A198001012005011001", None);
    assert_eq!(qr.status, 200);
    assert!(
        qr.text.starts_with("<?xml") && qr.text.contains("<svg"),
        "{}",
        &qr.text[..60]
    );
    assert_eq!(
        app.get(&format!("/api/qr.svg?text={}", "x".repeat(600)), None)
            .status,
        400
    );
    assert_eq!(
        app.get("/api/whoami", Some(ADMIN)).body,
        json!({"role": "admin", "name": "admin"})
    );
    app.import(ROSTER);
    let supervisor =
        app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    assert_eq!(
        app.get("/api/whoami", Some(&supervisor)).body,
        json!({"role": "supervisor", "name": "Kepala Dinas Kesehatan", "opd": "DINKES"})
    );
}

#[test]
fn every_page_forbids_inline_script_and_framing() {
    let app = TestApp::spawn();
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let response = agent
        .get(format!("{}/tanda-tangan.html", app.url))
        .call()
        .unwrap();
    let csp = response
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(
        response.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
}
