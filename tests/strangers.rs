//! A public route tells a stranger nothing about a person (signing protocol version 2).
//!
//! A stranger with no token, a key of their own and the hall screen in view tries every
//! public route that takes an identifier, once with the NIP of each kind of real official
//! (enrolled, checked in and signed; enrolled and invited; on the roster without a key)
//! and once with a made-up NIP. The answers must be byte for byte the same, and none may
//! write anything: before an election, who is on the roster, invited, present, enrolled
//! or signed is sensitive personal data.

mod common;

use chrono::Duration;
use common::*;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

use pakta::clock::Clock;
use pakta::domain::crypto::Sha256Hash;

/// Well formed, but nobody in the roster.
const MADE_UP: &str = "197505152000031004";

struct Hall {
    app: TestApp,
    ceremony: u64,
    stranger: SigningKey,
    /// The presence code on the hall screen, which anyone in the hall can read.
    code: String,
}

impl Hall {
    /// Andi enrolled, checked in and signed; Siti enrolled and invited, absent; Budi
    /// (holding an unused enrollment card) and Rina on the roster without a key.
    fn prepare() -> Hall {
        let app = TestApp::spawn();
        app.import(ROSTER);
        let andi = app.enroll(ANDI);
        app.enroll(SITI);
        let ceremony = app.create_ceremony(json!({"all": true}));
        app.open(ceremony);
        assert_eq!(app.check_in(ceremony, ANDI, ADMIN).status, 201);
        assert_eq!(app.sign(ceremony, ANDI, &andi).status, 201);
        // Budi holds a printed card, unused: a guessed code must not tell that either.
        app.enrollment_code(BUDI);
        let operator = app.token(json!({"role": "operator", "ceremony": ceremony}));
        let shown = app.get(
            &format!("/api/ceremonies/{ceremony}/presence-code"),
            Some(&operator),
        );
        let code = shown.body["code"].as_str().unwrap().to_string();
        Hall {
            app,
            ceremony,
            stranger: pakta::keyfile::generate().unwrap(),
            code,
        }
    }

    fn post(&self, path: &str, body: &Value) -> (u16, String) {
        let reply = self.app.post(path, None, body);
        (reply.status, reply.text)
    }
}

type Probe = fn(&Hall, &str) -> (u16, String);

/// Every public way to ask about a person by identifier.
fn probes() -> Vec<(&'static str, Probe)> {
    vec![
        (
            "statement request signed by the stranger's key",
            |h, nip| {
                let request = statement_request(h.ceremony, nip, h.app.clock.now());
                h.post(
                    &format!("/api/ceremonies/{}/statement", h.ceremony),
                    &signed_request_body(&request, &h.stranger),
                )
            },
        ),
        ("statement request with a garbage signature", |h, nip| {
            let request = statement_request(h.ceremony, nip, h.app.clock.now());
            h.post(
                &format!("/api/ceremonies/{}/statement", h.ceremony),
                &json!({"request": request, "signature": "AAAA"}),
            )
        }),
        ("stale statement request", |h, nip| {
            let request =
                statement_request(h.ceremony, nip, h.app.clock.now() - Duration::hours(1));
            h.post(
                &format!("/api/ceremonies/{}/statement", h.ceremony),
                &signed_request_body(&request, &h.stranger),
            )
        }),
        ("statement asked for with the version 1 body", |h, nip| {
            h.post(
                &format!("/api/ceremonies/{}/statement", h.ceremony),
                &json!({ "nip": nip }),
            )
        }),
        ("enrollment with a guessed code", |h, nip| {
            h.post(
                "/api/enroll",
                &enrollment_body(nip, "7K2M-9QXD-4HWT", &h.stranger),
            )
        }),
        (
            "check-in with the hall's code, signed by the stranger",
            |h, nip| {
                let message = format!(
                    "pakta/presence/v1\nceremony: {}\nnip: {nip}\ncode: {}\n",
                    h.ceremony, h.code
                );
                h.post(
                    &format!("/api/ceremonies/{}/presence", h.ceremony),
                    &json!({"nip": nip, "code": h.code,
                        "signature": sign_b64(&h.stranger, message.as_bytes())}),
                )
            },
        ),
        ("check-in with a stale hall code", |h, nip| {
            h.post(
                &format!("/api/ceremonies/{}/presence", h.ceremony),
                &json!({"nip": nip, "code": "ZZZZZZZZ", "signature": sign_b64(&h.stranger, b"x")}),
            )
        }),
        (
            "verification of a statement forged for the NIP",
            |h, nip| {
                let statement = format!(
                    "PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/statement/v1\n\
                 pledge-title: Pakta Integritas Netralitas ASN Pilkada 2024\n\
                 pledge-sha256: {}\nceremony: {}\nmode: ceremony\n\
                 subject: 0123456789abcdef0123456789abcdef\nnip: {nip}\n\
                 name: Seseorang\nposition: Staf\nunit: Dinas\n\
                 time: 2024-10-07T02:00:00Z\nnonce: 0123456789abcdef0123456789abcdef\n",
                    Sha256Hash::of(b"x").to_hex(),
                    h.ceremony
                );
                let (status, text) = h.post(
                    "/api/verify",
                    &json!({"statement": statement,
                        "signature": sign_b64(&h.stranger, statement.as_bytes())}),
                );
                // The answer names the document's own hash, which differs with its
                // bytes; everything else must be the same.
                let own_hash = Sha256Hash::of(statement.as_bytes()).to_hex();
                (status, text.replace(&own_hash, "<sha256 of the document>"))
            },
        ),
        ("desk check-in without a token", |h, nip| {
            h.post(
                &format!("/api/ceremonies/{}/attendance", h.ceremony),
                &json!({ "nip": nip }),
            )
        }),
        ("enrollment code without a token", |h, nip| {
            h.post(&format!("/api/officials/{nip}/enrollment-code"), &json!({}))
        }),
    ]
}

#[test]
fn a_stranger_learns_nothing_from_a_real_nip_on_any_public_route() {
    let hall = Hall::prepare();
    let size = hall.app.registry_size();
    let mut differences = Vec::new();
    for (name, probe) in probes() {
        let made_up = probe(&hall, MADE_UP);
        assert!(
            (400..500).contains(&made_up.0) || made_up.1.contains("\"valid\":false"),
            "{name}: a made-up NIP got {}: {}",
            made_up.0,
            made_up.1
        );
        for (who, nip) in [
            ("signed", ANDI),
            ("enrolled and invited", SITI),
            ("on the roster without a key", BUDI),
            ("non-ASN without a key", RINA),
        ] {
            let real = probe(&hall, nip);
            if real != made_up {
                differences.push(format!(
                    "{name}, official {who}: {} {} vs made-up {} {}",
                    real.0, real.1, made_up.0, made_up.1
                ));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(
        hall.app.registry_size(),
        size,
        "a refused probe wrote an entry"
    );
}

/// Every row of every table, in a fixed order, hashed: any durable write changes it.
fn database_digest(app: &TestApp) -> Sha256Hash {
    let conn = rusqlite::Connection::open_with_flags(
        app.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut dump = String::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..columns)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        dump.push_str(&format!("{table}\n{}\n", rows.join("\n")));
    }
    Sha256Hash::of(dump.as_bytes())
}

#[test]
fn issuing_statements_writes_nothing_and_keeps_no_personal_data() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let siti = app.enroll(SITI);
    let ceremony = app.open_ceremony_with_checked_in(&[SITI]);
    let before = database_digest(&app);
    let mut statement = String::new();
    for _ in 0..20 {
        let issued = app.statement(ceremony, SITI, &siti);
        assert_eq!(issued.status, 200, "{}", issued.text);
        statement = issued.body["statement"].as_str().unwrap().to_string();
        app.advance(Duration::seconds(1));
    }
    assert!(statement.contains("nama: Siti Rahmawati\n"));
    assert_eq!(
        database_digest(&app),
        before,
        "issuing a statement changed the database"
    );
    // The registry still recognises the last one it issued when it comes back signed.
    let accepted = app.submit(&statement, &siti);
    assert_eq!(accepted.status, 201, "{}", accepted.text);
}
