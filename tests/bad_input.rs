//! Every way a client can get a request wrong is refused the same way: a 4xx status
//! that names the problem, the JSON envelope `{"error": {"code", "message"}}` with a
//! stable code and a sentence a person can act on, and no entry written to the
//! registry. One prepared registry (a roster, enrolled keys, an open ceremony with
//! officials checked in, a closed one, a draft, used, expired and superseded codes,
//! accepted, expired and revoked-key statements) is hit by a table of bad requests;
//! every failing case is reported at the end, so one failure hides no other.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::Duration;
use common::*;
use ed25519_dalek::SigningKey;
use pakta::clock::Clock;
use pakta::domain::crypto::encode_base64;
use serde_json::{Value, json};

/// Two more officials, so codes and ceremonies can be spent without touching others.
const DEWI: &str = "198807122015032005"; // PNS, DISDIK
const EKO: &str = "199111252019031006"; // PNS, DINKES
/// Well formed, but nobody in the roster.
const STRANGER: &str = "197505152000031004";
/// Well formed, never issued by the registry.
const UNISSUED_CODE: &str = "0000-0000-0000";

/// The registry every case runs against, and what the preparation kept for them.
struct Fixture {
    app: TestApp,
    /// Open; DISDIK and DINKES invited; Andi, Siti and Dewi checked in; Dewi signed.
    open: u64,
    /// Everyone invited; Budi checked in; closed, so the rest are in ikrar mandiri.
    closed: u64,
    /// Created, never opened.
    draft: u64,
    /// Open; only Andi invited.
    only_andi: u64,
    /// Open ceremonies no other case uses, for the closes with a bad body: a close
    /// that wrongly succeeds then spoils no other case.
    spare: [u64; 2],
    siti: SigningKey,
    budi: SigningKey,
    dewi: SigningKey,
    /// Operator at the desk of `open`, and one of `draft`.
    operator: String,
    other_operator: String,
    /// Supervisor of DINKES.
    supervisor: String,
    auditor: String,
    /// A fresh ceremony-mode statement for Siti in `open`, still unsigned.
    siti_statement: String,
    /// Andi's first, accepted enrollment request.
    used_code_enrollment: Value,
    /// Rina's enrollment with a code issued more than 14 days ago.
    expired_code_enrollment: Value,
    /// Eko's enrollment with a code replaced by a newer one.
    superseded_code_enrollment: Value,
    /// Dewi's accepted signature.
    accepted_signature: Value,
    /// Siti's signature of a statement issued more than 15 minutes ago.
    expired_signature: Value,
    /// Andi's signature, by the key he replaced after the statement was issued.
    revoked_key_signature: Value,
    /// Budi's ceremony-mode signature for `closed`, made before it closed.
    mode_changed_signature: Value,
}

fn roster() -> String {
    format!(
        "{ROSTER}\
         {DEWI},Dewi Lestari,Guru Ahli Muda,Penata (III/c),PNS,DISDIK,Dinas Pendidikan\n\
         {EKO},Eko Prasetyo,Dokter Ahli Pertama,Penata Muda (III/a),PNS,DINKES,Dinas Kesehatan\n"
    )
}

fn signature_body(statement: &str, key: &SigningKey, signed: &str) -> Value {
    json!({"statement": statement, "signature": sign_b64(key, signed.as_bytes())})
}

fn issue(app: &TestApp, ceremony: u64, nip: &str, key: &SigningKey) -> String {
    let issued = app.statement(ceremony, nip, key);
    assert_eq!(issued.status, 200, "statement for {nip}: {}", issued.text);
    issued.body["statement"].as_str().unwrap().to_string()
}

fn checked_in(app: &TestApp, ceremony: u64, nip: &str, token: &str) {
    let reply = app.check_in(ceremony, nip, token);
    assert_eq!(reply.status, 201, "check in {nip}: {}", reply.text);
}

/// A pledge text any admin could publish.
fn pledge() -> Value {
    json!({"title": "Pakta Netralitas", "text": "1. Netral.\n"})
}

fn new_key() -> SigningKey {
    pakta::keyfile::generate().unwrap()
}

impl Fixture {
    fn prepare() -> Fixture {
        let app = TestApp::spawn();
        let imported = app.import(&roster());
        assert_eq!(imported.body["created"], 6, "{}", imported.text);

        // Day 0: keys, codes and a statement that will have expired by the time the
        // cases run.
        let andi_old = new_key();
        let code = app.enrollment_code(ANDI);
        let used_code_enrollment = enrollment_body(ANDI, &code, &andi_old);
        let enrolled = app.post("/api/enroll", None, &used_code_enrollment);
        assert_eq!(enrolled.status, 201, "{}", enrolled.text);
        let siti = app.enroll(SITI);
        let budi = app.enroll(BUDI);
        let dewi = app.enroll(DEWI);
        let rina_code = app.enrollment_code(RINA);
        let expired_code_enrollment = enrollment_body(RINA, &rina_code, &new_key());
        let eko_old_code = app.enrollment_code(EKO);
        app.enrollment_code(EKO);
        let superseded_code_enrollment = enrollment_body(EKO, &eko_old_code, &new_key());

        let open = app.create_ceremony(json!({"opds": ["DISDIK", "DINKES"]}));
        app.open(open);
        let operator = app.token(json!({"role": "operator", "ceremony": open}));
        for nip in [ANDI, SITI, DEWI] {
            checked_in(&app, open, nip, &operator);
        }
        let stale = issue(&app, open, SITI, &siti);
        let expired_signature = signature_body(&stale, &siti, &stale);

        app.advance(Duration::days(15));

        // Day 15: everything the cases need fresh.
        let dewi_statement = issue(&app, open, DEWI, &dewi);
        let accepted_signature = signature_body(&dewi_statement, &dewi, &dewi_statement);
        let accepted = app.post("/api/signatures", None, &accepted_signature);
        assert_eq!(accepted.status, 201, "{}", accepted.text);

        let andi_statement = issue(&app, open, ANDI, &andi_old);
        let revoked_key_signature = signature_body(&andi_statement, &andi_old, &andi_statement);
        app.enroll(ANDI);

        let siti_statement = issue(&app, open, SITI, &siti);

        let closed = app.create_ceremony(json!({"all": true}));
        app.open(closed);
        checked_in(&app, closed, BUDI, ADMIN);
        let budi_statement = issue(&app, closed, BUDI, &budi);
        let mode_changed_signature = signature_body(&budi_statement, &budi, &budi_statement);
        let reply = app.post(
            &format!("/api/ceremonies/{closed}/close"),
            Some(ADMIN),
            &json!({}),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);

        let draft = app.create_ceremony(json!({"opds": ["DISDIK"]}));
        let other_operator = app.token(json!({"role": "operator", "ceremony": draft}));
        let only_andi = app.create_ceremony(json!({"nips": [ANDI]}));
        app.open(only_andi);
        let spare = [(); 2].map(|_| {
            let id = app.create_ceremony(json!({"nips": [RINA]}));
            app.open(id);
            id
        });
        let supervisor = app.token(json!({"role": "supervisor", "opd": "DINKES"}));
        let auditor = app.token(json!({"role": "auditor"}));

        Fixture {
            app,
            open,
            closed,
            draft,
            only_andi,
            spare,
            siti,
            budi,
            dewi,
            operator,
            other_operator,
            supervisor,
            auditor,
            siti_statement,
            used_code_enrollment,
            expired_code_enrollment,
            superseded_code_enrollment,
            accepted_signature,
            expired_signature,
            revoked_key_signature,
            mode_changed_signature,
        }
    }

    fn submit(&self, body: Value) -> Reply {
        self.app.post("/api/signatures", None, &body)
    }

    fn enroll(&self, body: Value) -> Reply {
        self.app.post("/api/enroll", None, &body)
    }

    /// A statement request for `nip` in `ceremony`, signed by `key`, timed now.
    fn statement(&self, ceremony: impl std::fmt::Display, nip: &str, key: &SigningKey) -> Reply {
        let request = statement_request(&ceremony, nip, self.app.clock.now());
        self.statement_body(&ceremony, signed_request_body(&request, key))
    }

    fn statement_body(&self, ceremony: &impl std::fmt::Display, body: Value) -> Reply {
        self.app.post(
            &format!("/api/ceremonies/{ceremony}/statement"),
            None,
            &body,
        )
    }

    fn admin_post(&self, path: &str, body: Value) -> Reply {
        self.app.post(path, Some(ADMIN), &body)
    }

    fn new_ceremony(&self, invite: Value) -> Reply {
        self.admin_post(
            "/api/ceremonies",
            json!({
                "title": "Ikrar Netralitas ASN",
                "place": "Pendopo Kabupaten",
                "starts_at": "2024-10-22T09:00:00+07:00",
                "timezone": "Asia/Jakarta",
                "pledge_id": 1,
                "invite": invite,
            }),
        )
    }
}

/// One bad request and how it must be refused.
struct Case {
    name: &'static str,
    status: u16,
    code: &'static str,
    request: Box<dyn Fn(&Fixture) -> Reply>,
}

/// A case being written: `case(name).expect(status, code).request(|fx| ...)`.
struct Named(&'static str);

struct Expected {
    name: &'static str,
    status: u16,
    code: &'static str,
}

fn case(name: &'static str) -> Named {
    Named(name)
}

impl Named {
    fn expect(self, status: u16, code: &'static str) -> Expected {
        Expected {
            name: self.0,
            status,
            code,
        }
    }
}

impl Expected {
    fn request(self, request: impl Fn(&Fixture) -> Reply + 'static) -> Case {
        Case {
            name: self.name,
            status: self.status,
            code: self.code,
            request: Box::new(request),
        }
    }
}

fn cases() -> Vec<Case> {
    vec![
        // The body itself.
        case("malformed JSON")
            .expect(400, "malformed_json")
            .request(|fx| {
                let body = b"{\"statement\": \"PAKTA";
                fx.app
                    .post_raw("/api/signatures", None, "application/json", body)
            }),
        case("JSON with an unknown field")
            .expect(400, "invalid_field")
            .request(|fx| {
                fx.submit(json!({"statement": fx.siti_statement, "signature": "AAAA", "sig": "x"}))
            }),
        case("JSON with a number for a statement request")
            .expect(400, "invalid_field")
            .request(|fx| fx.statement_body(&fx.open, json!({"request": 198502142010122002u64}))),
        case("JSON sent as text/plain")
            .expect(400, "unsupported_content_type")
            .request(|fx| {
                let body = enrollment_body(SITI, UNISSUED_CODE, &new_key()).to_string();
                fx.app
                    .post_raw("/api/enroll", None, "text/plain", body.as_bytes())
            }),
        case("JSON body over 64 KiB")
            .expect(413, "body_too_large")
            .request(|fx| {
                let statement = "x".repeat(65 * 1024);
                fx.submit(json!({"statement": statement, "signature": "AAAA"}))
            }),
        case("roster sent as JSON")
            .expect(400, "unsupported_content_type")
            .request(|fx| {
                let csv = roster();
                fx.app.post_raw(
                    "/api/officials/import",
                    Some(ADMIN),
                    "application/json",
                    csv.as_bytes(),
                )
            }),
        case("roster without the required columns")
            .expect(400, "invalid_roster")
            .request(|fx| {
                let csv = b"nama,jabatan\nAndi,Kepala Dinas\n";
                fx.app
                    .post_raw("/api/officials/import", Some(ADMIN), "text/csv", csv)
            }),
        // Signatures.
        case("signature not base64")
            .expect(400, "invalid_signature")
            .request(|fx| {
                fx.submit(json!({"statement": fx.siti_statement, "signature": "not base64!"}))
            }),
        case("signature of 63 bytes")
            .expect(400, "invalid_signature")
            .request(|fx| {
                let signature = encode_base64(&[7u8; 63]);
                fx.submit(json!({"statement": fx.siti_statement, "signature": signature}))
            }),
        case("signature over other bytes")
            .expect(400, "signature_mismatch")
            .request(|fx| {
                let altered = fx.siti_statement.replace("Siti", "Sita");
                fx.submit(signature_body(&fx.siti_statement, &fx.siti, &altered))
            }),
        case("statement signed by another official")
            .expect(400, "signature_mismatch")
            .request(|fx| {
                let statement = &fx.siti_statement;
                fx.submit(signature_body(statement, &fx.budi, statement))
            }),
        case("statement the server never issued")
            .expect(400, "statement_not_issued")
            .request(|fx| {
                let edited = fx
                    .siti_statement
                    .replace("Sekretaris Dinas", "Kepala Dinas");
                fx.submit(signature_body(&edited, &fx.siti, &edited))
            }),
        case("signature by a revoked key")
            .expect(409, "key_revoked")
            .request(|fx| fx.submit(fx.revoked_key_signature.clone())),
        case("another signature on an accepted statement")
            .expect(409, "statement_already_signed")
            .request(|fx| {
                let statement = fx.accepted_signature["statement"].as_str().unwrap();
                fx.submit(signature_body(statement, &fx.budi, statement))
            }),
        case("expired statement")
            .expect(410, "statement_expired")
            .request(|fx| fx.submit(fx.expired_signature.clone())),
        case("ceremony mode after the close")
            .expect(409, "statement_mode_changed")
            .request(|fx| fx.submit(fx.mode_changed_signature.clone())),
        // Enrollment.
        case("public key of 31 bytes")
            .expect(400, "invalid_public_key")
            .request(|fx| {
                let mut body = enrollment_body(SITI, UNISSUED_CODE, &new_key());
                body["public_key"] = json!(encode_base64(&[9u8; 31]));
                fx.enroll(body)
            }),
        case("weak public key (identity point)")
            .expect(400, "invalid_public_key")
            .request(|fx| {
                let mut identity = [0u8; 32];
                identity[0] = 1;
                let mut body = enrollment_body(SITI, UNISSUED_CODE, &new_key());
                body["public_key"] = json!(encode_base64(&identity));
                fx.enroll(body)
            }),
        case("proof over other bytes")
            .expect(400, "invalid_proof")
            .request(|fx| {
                let key = new_key();
                let mut body = enrollment_body(SITI, UNISSUED_CODE, &key);
                body["proof"] = json!(sign_b64(&key, b"pakta/enroll/v1\nnip: someone else\n"));
                fx.enroll(body)
            }),
        case("proof not base64")
            .expect(400, "invalid_proof")
            .request(|fx| {
                let mut body = enrollment_body(SITI, UNISSUED_CODE, &new_key());
                body["proof"] = json!("%%%");
                fx.enroll(body)
            }),
        case("enrollment code used before")
            .expect(400, "unknown_enrollment_code")
            .request(|fx| fx.enroll(fx.used_code_enrollment.clone())),
        case("enrollment code expired")
            .expect(410, "enrollment_code_expired")
            .request(|fx| fx.enroll(fx.expired_code_enrollment.clone())),
        case("enrollment code superseded")
            .expect(409, "enrollment_code_superseded")
            .request(|fx| fx.enroll(fx.superseded_code_enrollment.clone())),
        case("enrollment code malformed")
            .expect(400, "invalid_enrollment_code")
            .request(|fx| fx.enroll(enrollment_body(SITI, "abcd-efgh", &new_key()))),
        case("enrollment code never issued")
            .expect(400, "unknown_enrollment_code")
            .request(|fx| fx.enroll(enrollment_body(SITI, UNISSUED_CODE, &new_key()))),
        case("enrolling a NIP not in the roster")
            .expect(400, "unknown_enrollment_code")
            .request(|fx| fx.enroll(enrollment_body(STRANGER, UNISSUED_CODE, &new_key()))),
        case("code for a NIP not in the roster")
            .expect(404, "unknown_official")
            .request(|fx| {
                fx.admin_post(
                    &format!("/api/officials/{STRANGER}/enrollment-code"),
                    json!({}),
                )
            }),
        // Identifiers and statements.
        case("statement request with a NIP mangled by Excel")
            .expect(401, "request_not_authenticated")
            .request(|fx| fx.statement(fx.open, "1.98E+17", &fx.siti)),
        case("statement request with an impossible birth date")
            .expect(401, "request_not_authenticated")
            .request(|fx| fx.statement(fx.open, "198013012005011001", &fx.siti)),
        case("statement request for a NIP not in the roster")
            .expect(401, "request_not_authenticated")
            .request(|fx| fx.statement(fx.open, STRANGER, &new_key())),
        case("statement request signed by another official's key")
            .expect(401, "request_not_authenticated")
            .request(|fx| fx.statement(fx.open, SITI, &fx.budi)),
        case("statement request from an official without a key")
            .expect(401, "request_not_authenticated")
            .request(|fx| fx.statement(fx.closed, RINA, &new_key())),
        case("statement request made 11 minutes ago")
            .expect(401, "request_not_authenticated")
            .request(|fx| {
                let then = fx.app.clock.now() - Duration::minutes(11);
                let request = statement_request(fx.open, SITI, then);
                fx.statement_body(&fx.open, signed_request_body(&request, &fx.siti))
            }),
        case("statement request naming another ceremony")
            .expect(401, "request_not_authenticated")
            .request(|fx| {
                let request = statement_request(fx.only_andi, SITI, fx.app.clock.now());
                fx.statement_body(&fx.open, signed_request_body(&request, &fx.siti))
            }),
        case("statement request with a trailing space")
            .expect(401, "request_not_authenticated")
            .request(|fx| {
                let request = statement_request(fx.open, SITI, fx.app.clock.now())
                    .replace("\nnip:", " \nnip:");
                fx.statement_body(&fx.open, signed_request_body(&request, &fx.siti))
            }),
        case("statement asked for with the version 1 body")
            .expect(401, "request_not_authenticated")
            .request(|fx| fx.statement_body(&fx.open, json!({ "nip": SITI }))),
        case("statement for an unknown ceremony")
            .expect(404, "unknown_ceremony")
            .request(|fx| fx.statement(999, SITI, &fx.siti)),
        case("statement for a non-numeric ceremony")
            .expect(400, "invalid_ceremony")
            .request(|fx| fx.statement("abc", SITI, &fx.siti)),
        case("statement before check-in")
            .expect(409, "not_checked_in")
            .request(|fx| fx.statement(fx.open, BUDI, &fx.budi)),
        case("statement for an official not invited")
            .expect(409, "not_invited")
            .request(|fx| fx.statement(fx.only_andi, SITI, &fx.siti)),
        case("statement for a ceremony not yet open")
            .expect(409, "ceremony_not_open")
            .request(|fx| fx.statement(fx.draft, SITI, &fx.siti)),
        case("statement after signing")
            .expect(409, "already_signed")
            .request(|fx| fx.statement(fx.open, DEWI, &fx.dewi)),
        // Ceremony life.
        case("check-in twice")
            .expect(409, "already_checked_in")
            .request(|fx| fx.app.check_in(fx.open, ANDI, &fx.operator)),
        case("check-in at a draft ceremony")
            .expect(409, "ceremony_not_open")
            .request(|fx| fx.app.check_in(fx.draft, SITI, ADMIN)),
        case("check-in at a closed ceremony")
            .expect(409, "ceremony_closed")
            .request(|fx| fx.app.check_in(fx.closed, SITI, ADMIN)),
        case("check-in of an official not invited")
            .expect(409, "not_invited")
            .request(|fx| fx.app.check_in(fx.only_andi, SITI, ADMIN)),
        case("opening an open ceremony")
            .expect(409, "ceremony_already_open")
            .request(|fx| fx.admin_post(&format!("/api/ceremonies/{}/open", fx.open), json!({}))),
        case("closing a closed ceremony")
            .expect(409, "ceremony_closed")
            .request(|fx| {
                fx.admin_post(&format!("/api/ceremonies/{}/close", fx.closed), json!({}))
            }),
        case("closing a draft ceremony")
            .expect(409, "ceremony_not_open")
            .request(|fx| fx.admin_post(&format!("/api/ceremonies/{}/close", fx.draft), json!({}))),
        case("closing with mandiri_due in the past")
            .expect(400, "invalid_mandiri_due")
            .request(|fx| {
                let due = json!({"mandiri_due": "2024-10-14T23:59:59+07:00"});
                fx.admin_post(&format!("/api/ceremonies/{}/close", fx.open), due)
            }),
        case("closing with a misspelt field")
            .expect(400, "invalid_field")
            .request(|fx| {
                let due = json!({"mandiri_date": "2024-12-31T23:59:59+07:00"});
                fx.admin_post(&format!("/api/ceremonies/{}/close", fx.spare[0]), due)
            }),
        case("closing with a body over 64 KiB")
            .expect(413, "body_too_large")
            .request(|fx| {
                let due = json!({"mandiri_due": "x".repeat(65 * 1024)});
                fx.admin_post(&format!("/api/ceremonies/{}/close", fx.spare[0]), due)
            }),
        case("enrollment cards with a body over 64 KiB")
            .expect(413, "body_too_large")
            .request(|fx| {
                fx.admin_post(
                    "/api/enrollment-cards",
                    json!({"opd": "x".repeat(65 * 1024)}),
                )
            }),
        case("closing with malformed JSON")
            .expect(400, "malformed_json")
            .request(|fx| {
                let path = format!("/api/ceremonies/{}/close", fx.spare[1]);
                fx.app.post_raw(
                    &path,
                    Some(ADMIN),
                    "application/json",
                    b"{\"mandiri_due\": ",
                )
            }),
        case("ceremony inviting an unknown OPD")
            .expect(400, "unknown_opd")
            .request(|fx| fx.new_ceremony(json!({"opds": ["DISDIK", "DISHUB"]}))),
        case("ceremony inviting both OPDs and all")
            .expect(400, "invalid_invite")
            .request(|fx| fx.new_ceremony(json!({"opds": ["DISDIK"], "all": true}))),
        case("ceremony with an empty invitation")
            .expect(400, "invalid_invite")
            .request(|fx| fx.new_ceremony(json!({"nips": []}))),
        // Tokens and roles.
        case("missing token")
            .expect(401, "missing_token")
            .request(|fx| fx.app.post("/api/pledges", None, &pledge())),
        case("wrong token")
            .expect(401, "invalid_token")
            .request(|fx| {
                let token = Some("pakta_admin_0000000000000000000000000000000000000000");
                fx.app.post("/api/pledges", token, &pledge())
            }),
        case("operator of another ceremony checking in")
            .expect(403, "forbidden")
            .request(|fx| fx.app.check_in(fx.open, BUDI, &fx.other_operator)),
        case("supervisor reading another OPD's report")
            .expect(403, "forbidden")
            .request(|fx| {
                let path = format!("/api/ceremonies/{}/report?opd=DISDIK", fx.open);
                fx.app.get(&path, Some(&fx.supervisor))
            }),
        case("supervisor reading another OPD's unsigned")
            .expect(403, "forbidden")
            .request(|fx| {
                let path = format!("/api/ceremonies/{}/unsigned?opd=DISDIK", fx.open);
                fx.app.get(&path, Some(&fx.supervisor))
            }),
        case("auditor publishing a pledge")
            .expect(403, "forbidden")
            .request(|fx| fx.app.post("/api/pledges", Some(&fx.auditor), &pledge())),
        case("operator reading a report")
            .expect(403, "forbidden")
            .request(|fx| {
                let path = format!("/api/ceremonies/{}/report", fx.open);
                fx.app.get(&path, Some(&fx.operator))
            }),
        case("operator issuing an enrollment code")
            .expect(403, "forbidden")
            .request(|fx| {
                let path = format!("/api/officials/{SITI}/enrollment-code");
                fx.app.post(&path, Some(&fx.operator), &json!({}))
            }),
        case("supervisor token for an unknown OPD")
            .expect(400, "unknown_opd")
            .request(|fx| {
                fx.admin_post(
                    "/api/tokens",
                    json!({"role": "supervisor", "opd": "DISHUB"}),
                )
            }),
        // Reading.
        case("report of an unknown ceremony")
            .expect(404, "unknown_ceremony")
            .request(|fx| fx.app.get("/api/ceremonies/999/report", Some(ADMIN))),
        case("report of a non-numeric ceremony")
            .expect(400, "invalid_ceremony")
            .request(|fx| fx.app.get("/api/ceremonies/abc/report", Some(ADMIN))),
        case("unsigned list as XML")
            .expect(400, "invalid_format")
            .request(|fx| {
                let path = format!("/api/ceremonies/{}/unsigned?format=xml", fx.open);
                fx.app.get(&path, Some(ADMIN))
            }),
        case("entries with limit=0")
            .expect(400, "invalid_limit")
            .request(|fx| fx.app.get("/api/registry/entries?limit=0", None)),
        case("entries with limit=5000")
            .expect(400, "invalid_limit")
            .request(|fx| fx.app.get("/api/registry/entries?limit=5000", None)),
        case("entries with limit=ten")
            .expect(400, "invalid_query")
            .request(|fx| fx.app.get("/api/registry/entries?limit=ten", None)),
        case("unknown route under /api")
            .expect(404, "unknown_route")
            .request(|fx| fx.app.get("/api/pledge", None)),
        case("GET on a POST-only route")
            .expect(405, "method_not_allowed")
            .request(|fx| fx.app.get("/api/signatures", None)),
        case("POST on a page")
            .expect(405, "method_not_allowed")
            .request(|fx| fx.app.post("/tanda-tangan.html", None, &json!({}))),
        case("a path outside /api that does not exist")
            .expect(404, "unknown_route")
            .request(|fx| fx.app.get("/halaman/yang/tidak/ada", None)),
    ]
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// What is wrong with one case's answer, if anything.
fn check(case: &Case, fx: &Fixture) -> Option<String> {
    let before = fx.app.registry_size();
    let reply = match catch_unwind(AssertUnwindSafe(|| (case.request)(fx))) {
        Ok(reply) => reply,
        Err(panic) => return Some(format!("request failed: {}", panic_text(&*panic))),
    };
    let after = fx.app.registry_size();
    let mut problems = Vec::new();
    if reply.status != case.status {
        problems.push(format!(
            "status {} (expected {})",
            reply.status, case.status
        ));
    }
    match catch_unwind(AssertUnwindSafe(|| reply.error_code().to_string())) {
        Ok(code) if code == case.code => {}
        Ok(code) => problems.push(format!("code {code:?} (expected {:?})", case.code)),
        Err(_) => problems.push("no {\"error\": {\"code\", \"message\"}} envelope".into()),
    }
    if after != before {
        problems.push(format!("registry grew from {before} to {after} entries"));
    }
    (!problems.is_empty()).then(|| format!("{}; body: {}", problems.join(", "), reply.text))
}

#[test]
fn bad_requests_are_refused_with_an_envelope_and_write_nothing() {
    let fx = Fixture::prepare();
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for case in &cases {
        assert!(
            (400..500).contains(&case.status),
            "{}: not a client error",
            case.name
        );
        if let Some(problem) = check(case, &fx) {
            failures.push(format!("{}: {problem}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_wrong_method_is_answered_405_naming_the_methods_the_path_takes() {
    let app = TestApp::spawn();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for (method, path, allow) in [
        ("GET", "/api/enroll", "POST"),
        ("DELETE", "/api/pledges", "GET, POST"),
        ("POST", "/checkpoint", "GET"),
    ] {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", app.url))
            .body(())
            .unwrap();
        let mut reply = agent.run(request).unwrap();
        assert_eq!(reply.status().as_u16(), 405, "{method} {path}");
        assert_eq!(reply.headers()["allow"], allow, "{method} {path}");
        let body: Value =
            serde_json::from_str(&reply.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}
