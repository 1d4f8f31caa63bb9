//! The admin's access controls in real headless Chromium: making a named token for the
//! registration desk, seeing it listed with its expiry, revoking it (after which it is
//! refused), and reading the access log that a supervisor's read left behind.

mod browser;
mod common;

use browser::{Browser, wait_until};
use common::*;
use serde_json::json;

#[test]
fn the_admin_makes_lists_and_revokes_a_token_and_reads_the_access_log() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    let supervisor =
        app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    assert_eq!(app.get("/api/officials", Some(&supervisor)).status, 200);

    let admin = Browser::start(false);
    admin.goto(&format!("{}/admin.html", app.url));
    admin.fill("#token", ADMIN);
    admin.click("#login-button");
    wait_until(
        &admin,
        "document.querySelector('#tokens').dataset.loaded === 'yes'",
    );
    wait_until(
        &admin,
        "document.querySelector('#access-log').dataset.loaded === 'yes'",
    );
    let log = admin.text("#access-log");
    assert!(log.contains("Kepala Dinas Kesehatan"), "{log}");
    assert!(log.contains("daftar pegawai"), "{log}");
    assert!(log.contains("OPD DINKES"), "{log}");

    admin.select("#t-role", "operator");
    admin.fill("#t-name", "Budi, meja registrasi 2");
    admin.fill("#t-ceremony", &ceremony.to_string());
    admin.click("#create-token");
    admin.wait_text(
        "#token-result",
        "Token untuk Budi, meja registrasi 2 dibuat",
    );
    let secret = admin.text("#new-token-secret");
    assert!(secret.starts_with("pakta_operator_"), "{secret}");
    let listed = admin.wait_text("#token-list", "Budi, meja registrasi 2");
    assert!(listed.contains("berlaku"), "{listed}");
    assert!(!listed.contains(&secret), "the list never shows a secret");
    assert_eq!(app.check_in(ceremony, ANDI, &secret).status, 201);
    admin.screenshot("admin-tokens");

    admin.eval("window.confirm = () => true; return true;");
    let id = app.get("/api/tokens", Some(ADMIN)).body["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Budi, meja registrasi 2")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    admin.click(&format!("tr[data-token='{id}'] .revoke-token"));
    admin.wait_text("#token-result", "dicabut");
    admin.wait_text(&format!("tr[data-token='{id}']"), "dicabut");
    let refused = app.check_in(ceremony, SITI, &secret);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.error_code(), "token_revoked");
    assert!(
        admin.console_errors().is_empty(),
        "{:?}",
        admin.console_errors()
    );
}
