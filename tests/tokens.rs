//! Tokens as the people holding them see them: each names its holder, works for 30 days
//! unless told otherwise, ends with its ceremony (operators), can be listed and revoked
//! by the admin over the API and from the command line, and carries only its role's
//! reach (the auditor reads counts, never a name).

mod common;

use chrono::Duration;
use common::*;
use serde_json::json;

fn create(app: &TestApp, body: serde_json::Value) -> Reply {
    let reply = app.post("/api/tokens", Some(ADMIN), &body);
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply
}

fn listed(app: &TestApp) -> Vec<serde_json::Value> {
    let reply = app.get("/api/tokens", Some(ADMIN));
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["tokens"].as_array().unwrap().clone()
}

#[test]
fn a_token_names_its_holder_lasts_thirty_days_and_its_secret_is_never_listed() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let made = create(
        &app,
        json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}),
    );
    let secret = made.body["token"].as_str().unwrap().to_string();
    assert_eq!(made.body["name"], "Inspektur Pembantu II");
    assert_eq!(made.body["role"], "inspektorat");
    assert_eq!(made.body["created_at"], "2024-10-07T01:00:00Z");
    assert_eq!(made.body["expires_at"], "2024-11-06T01:00:00Z");
    assert_eq!(made.body["state"], "active");

    let whoami = app.get("/api/whoami", Some(&secret));
    assert_eq!(whoami.body["role"], "inspektorat");
    assert_eq!(whoami.body["name"], "Inspektur Pembantu II");

    let list = app.get("/api/tokens", Some(ADMIN));
    assert!(!list.text.contains(&secret));
    assert!(!list.text.contains(&secret[secret.len() - 16..]));
    assert_eq!(list.body["tokens"][0]["name"], "Inspektur Pembantu II");
    assert_eq!(list.body["next"], serde_json::Value::Null);

    app.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(app.get("/api/officials", Some(&secret)).status, 200);
    app.advance(Duration::seconds(1));
    let expired = app.get("/api/officials", Some(&secret));
    assert_eq!(expired.status, 401);
    assert_eq!(expired.error_code(), "token_expired");
    assert!(!expired.text.contains(ANDI));
    assert_eq!(listed(&app)[0]["state"], "expired");
}

#[test]
fn a_shorter_or_longer_life_is_the_admins_choice_within_a_year() {
    let app = TestApp::spawn();
    let day = create(
        &app,
        json!({"role": "auditor", "name": "Bawaslu", "days": 1}),
    );
    assert_eq!(day.body["expires_at"], "2024-10-08T01:00:00Z");
    for days in [0, 367] {
        let refused = app.post(
            "/api/tokens",
            Some(ADMIN),
            &json!({"role": "auditor", "name": "Bawaslu", "days": days}),
        );
        assert_eq!(refused.status, 400);
        assert_eq!(refused.error_code(), "invalid_token_days");
    }
    let hidden = app.post(
        "/api/tokens",
        Some(ADMIN),
        &json!({"role": "auditor", "name": "Baw\u{200B}aslu"}),
    );
    assert_eq!(hidden.error_code(), "invalid_token_name");
    assert_eq!(listed(&app).len(), 1, "refused requests make no token");
}

#[test]
fn a_revoked_token_is_refused_at_once_and_revoking_again_changes_nothing() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let made = create(
        &app,
        json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}),
    );
    let secret = made.body["token"].as_str().unwrap().to_string();
    let id = made.body["id"].as_u64().unwrap();
    assert_eq!(app.get("/api/officials", Some(&secret)).status, 200);

    let revoked = app.delete(&format!("/api/tokens/{id}"), Some(ADMIN));
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.body["state"], "revoked");
    let first_time = revoked.body["revoked_at"].clone();
    app.advance(Duration::minutes(5));
    let again = app.delete(&format!("/api/tokens/{id}"), Some(ADMIN));
    assert_eq!(again.status, 200);
    assert_eq!(again.body["revoked_at"], first_time);

    let refused = app.get("/api/officials", Some(&secret));
    assert_eq!(refused.status, 401);
    assert_eq!(refused.error_code(), "token_revoked");
    let unknown = app.delete("/api/tokens/999", Some(ADMIN));
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "unknown_token");
}

#[test]
fn an_operator_token_ends_when_its_ceremony_closes() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    let operator = app.token(json!({"role": "operator", "ceremony": ceremony, "name": "Meja 1"}));
    assert_eq!(app.check_in(ceremony, ANDI, &operator).status, 201);
    assert_eq!(app.close(ceremony).status, 200);
    let ended = app.check_in(ceremony, SITI, &operator);
    assert_eq!(ended.status, 401);
    assert_eq!(ended.error_code(), "token_ended");
    assert_eq!(listed(&app)[0]["state"], "ceremony_closed");
}

#[test]
fn only_the_admin_lists_makes_or_revokes_tokens() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektorat"}));
    assert_eq!(app.get("/api/tokens", Some(&inspektorat)).status, 403);
    assert_eq!(app.delete("/api/tokens/1", Some(&inspektorat)).status, 403);
    let made = app.post(
        "/api/tokens",
        Some(&inspektorat),
        &json!({"role": "auditor"}),
    );
    assert_eq!(made.status, 403);
    assert_eq!(app.get("/api/tokens", None).status, 401);
    assert_eq!(listed(&app).len(), 1);
}

#[test]
fn the_auditor_reads_counts_and_the_public_reads_no_roster() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu Kabupaten"}));
    let counts = app.get(
        &format!("/api/ceremonies/{ceremony}/report"),
        Some(&auditor),
    );
    assert_eq!(counts.status, 200);
    assert!(!counts.text.contains(ANDI));
    assert!(!counts.text.contains("Andi"));
    for names in [
        "/api/officials".to_string(),
        format!("/api/ceremonies/{ceremony}/unsigned"),
        format!("/api/ceremonies/{ceremony}/unsigned?format=csv"),
    ] {
        let refused = app.get(&names, Some(&auditor));
        assert_eq!(refused.status, 403, "{names}");
        assert!(!refused.text.contains(ANDI));
        let public = app.get(&names, None);
        assert_eq!(public.status, 401, "{names}");
        assert!(!public.text.contains(ANDI));
    }
    let cards = app.post("/api/enrollment-cards", Some(&auditor), &json!({}));
    assert_eq!(cards.status, 403);
}

#[test]
fn the_command_line_lists_makes_and_revokes_tokens_in_a_data_directory() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let data = app.data_dir().to_str().unwrap().to_string();
    let made = pakta(&[
        "token",
        "create",
        "--data",
        &data,
        "--role",
        "supervisor",
        "--opd",
        "DISDIK",
        "--name",
        "Kepala Dinas Pendidikan",
        "--days",
        "60",
    ]);
    let out = String::from_utf8_lossy(&made.stdout).to_string();
    assert!(
        made.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("token (ditampilkan sekali ini saja): "))
        .expect("the secret is printed once")
        .to_string();
    assert!(secret.starts_with("pakta_supervisor_"));
    // The running server honours a token made beside it.
    let read = app.get("/api/officials", Some(&secret));
    assert_eq!(read.status, 200, "{}", read.text);

    let list = pakta(&["token", "list", "--data", &data]);
    let text = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(list.status.success());
    assert!(text.contains("Kepala Dinas Pendidikan"), "{text}");
    assert!(text.contains("OPD DISDIK"), "{text}");
    assert!(!text.contains(&secret), "the list never shows a secret");
    let id = text
        .lines()
        .find(|l| l.contains("Kepala Dinas Pendidikan"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    let revoked = pakta(&["token", "revoke", &id, "--data", &data]);
    assert!(revoked.status.success());
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("revoked"));
    assert_eq!(
        app.get("/api/officials", Some(&secret)).error_code(),
        "token_revoked"
    );

    let bad = pakta(&[
        "token", "create", "--data", &data, "--role", "admin", "--name", "x",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("inspektorat"));
}
