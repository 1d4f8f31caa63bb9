//! The head of OPD countersigns the recap (issue 10, part 4), through the real API on a
//! real SQLite file: a complete unit's head signs `pakta/rekap/v1` with their own key,
//! the log holds `recap.signed`, the campaign and ceremony reports show the unit as
//! countersigned, an incomplete unit and a wrong key are refused, and the offline audit
//! passes, and catches a recap altered beside the log.

mod browser;
mod common;

use browser::{Browser, wait_until};
use common::*;
use ed25519_dalek::SigningKey;
use pakta::clock::Clock;
use rusqlite::Connection;
use serde_json::{Value, json};

fn recap_request(campaign: u64, opd: &str, nip: &str, app: &TestApp) -> String {
    format!(
        "pakta/rekap-request/v1\ncampaign: {campaign}\nopd: {opd}\nnip: {nip}\ntime: {}\n",
        app.clock.now().format("%Y-%m-%dT%H:%M:%SZ")
    )
}

fn ask_recap(app: &TestApp, campaign: u64, opd: &str, nip: &str, key: &SigningKey) -> Reply {
    let request = recap_request(campaign, opd, nip, app);
    app.post(
        &format!("/api/campaigns/{campaign}/recap-statement"),
        None,
        &signed_request_body(&request, key),
    )
}

fn opd<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["opds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

fn verify(app: &TestApp) -> (bool, String) {
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A campaign of one ceremony inviting everyone in which DISDIK (Andi, Siti) signed
/// completely and DINKES (Budi, Rina) did not; Andi heads DISDIK and Budi DINKES.
struct Unit {
    app: TestApp,
    campaign: u64,
    ceremony: u64,
    andi: SigningKey,
    budi: SigningKey,
}

fn unit() -> Unit {
    let app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let (andi, siti, budi) = (app.enroll(ANDI), app.enroll(SITI), app.enroll(BUDI));
    let pledge = app.publish_pledge();
    let campaign = app.post(
        "/api/campaigns",
        Some(ADMIN),
        &json!({"title": "Pilkada Serentak 2024", "pledge_id": pledge}),
    );
    assert_eq!(campaign.status, 201, "{}", campaign.text);
    let campaign = campaign.body["id"].as_u64().unwrap();
    let ceremony = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({
            "title": "Ikrar Netralitas ASN", "place": "Pendopo Kabupaten",
            "starts_at": "2024-10-07T09:00:00+07:00", "campaign": campaign,
            "invite": {"all": true}
        }),
    );
    assert_eq!(ceremony.status, 201, "{}", ceremony.text);
    let ceremony = ceremony.body["id"].as_u64().unwrap();
    app.open(ceremony);
    for (nip, key) in [(ANDI, &andi), (SITI, &siti)] {
        assert_eq!(app.check_in(ceremony, nip, ADMIN).status, 201);
        assert_eq!(app.sign(ceremony, nip, key).status, 201);
    }
    for (code, nip) in [("DISDIK", ANDI), ("DINKES", BUDI)] {
        assert_eq!(put_head(&app, code, nip), 200);
    }
    Unit {
        app,
        campaign,
        ceremony,
        andi,
        budi,
    }
}

#[test]
fn the_head_of_a_complete_unit_countersigns_its_recap() {
    let u = unit();
    let issued = ask_recap(&u.app, u.campaign, "DISDIK", ANDI, &u.andi);
    assert_eq!(issued.status, 200, "{}", issued.text);
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    assert!(statement.starts_with(
        "REKAPITULASI PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/rekap/v1\nkampanye: 1\njudul-kampanye: Pilkada Serentak 2024\nkode-opd: DISDIK\nnama-opd: Dinas Pendidikan\ndiundang: 2\nsudah-tanda-tangan: 2\ndiwakili: 0\nbelum-tanda-tangan: 0\n"
    ), "{statement}");
    // The list is the documented one: sorted lines "<nip> <word>".
    let list = format!("{ANDI} signed\n{SITI} signed\n");
    let digest = hex_sha256(list.as_bytes());
    assert!(
        statement.contains(&format!("sha256-daftar: {digest}\n")),
        "{statement}"
    );
    assert!(statement.contains("nama-kepala: Andi Wijaya, S.Pd.\n"));

    let signature = sign_b64(&u.andi, statement.as_bytes());
    let body = json!({"statement": statement, "signature": signature});
    let signed = u.app.post("/api/recaps", None, &body);
    assert_eq!(signed.status, 201, "{}", signed.text);
    assert_eq!(signed.body["opd"], "DISDIK");
    let index = signed.body["index"].as_u64().unwrap();
    // Sent again (a phone that lost the reply): the same entry, 200.
    let again = u.app.post("/api/recaps", None, &body);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["index"], index);
    // And a second recap for the unit is refused.
    let second = ask_recap(&u.app, u.campaign, "DISDIK", ANDI, &u.andi);
    assert_eq!(
        second.error_code(),
        "recap_already_signed",
        "{}",
        second.text
    );

    let entry = u.app.get(
        &format!("/api/registry/entries?start={index}&limit=1"),
        None,
    );
    let bytes = pakta::domain::crypto::decode_base64(
        "bytes",
        entry.body["entries"][0]["bytes"].as_str().unwrap(),
    )
    .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("kind: recap.signed\n"), "{text}");
    assert!(text.contains("campaign: 1\nopd: DISDIK\n"), "{text}");
    assert!(text.contains(&format!(
        "statement-sha256: {}\n",
        hex_sha256(statement.as_bytes())
    )));

    // Both reports show the unit as countersigned, with the head's name and the time.
    let report = u.app.get(
        &format!("/api/campaigns/{}/report", u.campaign),
        Some(ADMIN),
    );
    let disdik = opd(&report.body, "DISDIK");
    let mark = disdik["recap"]["text"].as_str().unwrap();
    assert!(
        mark.starts_with("direkap dan ditandatangani Kepala OPD Andi Wijaya, S.Pd., ")
            && mark.ends_with(" WIB"),
        "{mark}"
    );
    assert!(opd(&report.body, "DINKES").get("recap").is_none());
    let ceremony_report = u.app.get(
        &format!("/api/ceremonies/{}/report", u.ceremony),
        Some(ADMIN),
    );
    assert_eq!(opd(&ceremony_report.body, "DISDIK")["recap"]["text"], mark);

    // The report an office files says the same: the PDF prints the head's signed recap
    // with its hash, and still leaves DINKES a block to countersign on paper.
    let pdf_text = report_pdf_text(&u.app, u.ceremony);
    assert!(
        pdf_text.contains("direkap dan ditandatangani Kepala OPD"),
        "{pdf_text}"
    );
    assert!(pdf_text.contains("Andi Wijaya, S.Pd."), "{pdf_text}");
    assert!(
        pdf_text.contains(&hex_sha256(statement.as_bytes())),
        "{pdf_text}"
    );
    assert!(
        pdf_text.contains("Belum ada rekap yang ditandatangani secara elektronik."),
        "{pdf_text}"
    );

    let (ok, out) = verify(&u.app);
    assert!(ok, "{out}");
}

/// The text of the ceremony's report PDF as the admin downloads it (`pdftotext`).
fn report_pdf_text(app: &TestApp, ceremony: u64) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!("{}/api/ceremonies/{ceremony}/report.pdf", app.url))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .call()
        .expect("GET report.pdf");
    assert_eq!(response.status().as_u16(), 200);
    let pdf = response
        .body_mut()
        .with_config()
        .limit(50 << 20)
        .read_to_vec()
        .unwrap();
    let dir = private_tempdir();
    let file = dir.path().join("laporan.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new(ensure_installed("pdftotext", "poppler-utils"))
        .arg(&file)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "pdftotext could not open the report");
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

#[test]
fn an_incomplete_unit_is_refused_after_the_proof_and_a_wrong_key_alike_before_it() {
    let u = unit();
    let incomplete = ask_recap(&u.app, u.campaign, "DINKES", BUDI, &u.budi);
    assert_eq!(incomplete.status, 409, "{}", incomplete.text);
    assert_eq!(incomplete.error_code(), "unit_not_complete");

    // Another key, an unknown NIP, a NIP that never enrolled: the same 401, the same words.
    let stranger = SigningKey::from_bytes(&[0x42; 32]);
    let refusals = [
        ask_recap(&u.app, u.campaign, "DISDIK", ANDI, &stranger),
        ask_recap(
            &u.app,
            u.campaign,
            "DISDIK",
            "197001011990031001",
            &stranger,
        ),
        ask_recap(&u.app, u.campaign, "DINKES", RINA, &stranger),
        u.app.post(
            &format!("/api/campaigns/{}/recap-statement", u.campaign),
            None,
            &json!({"nip": ANDI}),
        ),
    ];
    for refused in &refusals {
        assert_eq!(refused.status, 401, "{}", refused.text);
        assert_eq!(refused.error_code(), "request_not_authenticated");
        assert_eq!(
            refused.body["error"]["message"],
            refusals[0].body["error"]["message"]
        );
    }
    // A proved official who is not the unit's head is told so.
    let not_head = ask_recap(&u.app, u.campaign, "DISDIK", BUDI, &u.budi);
    assert_eq!(not_head.error_code(), "not_opd_head", "{}", not_head.text);

    // A recap signed with a key other than the one it was issued for is refused.
    let issued = ask_recap(&u.app, u.campaign, "DISDIK", ANDI, &u.andi);
    let statement = issued.body["statement"].as_str().unwrap();
    let forged = u.app.post(
        "/api/recaps",
        None,
        &json!({"statement": statement, "signature": sign_b64(&stranger, statement.as_bytes())}),
    );
    assert_eq!(forged.error_code(), "signature_mismatch", "{}", forged.text);
    let edited = statement.replace("belum-tanda-tangan: 0", "belum-tanda-tangan: 0 ");
    let edited = u.app.post(
        "/api/recaps",
        None,
        &json!({"statement": edited, "signature": sign_b64(&u.andi, edited.as_bytes())}),
    );
    assert_eq!(edited.error_code(), "recap_not_issued", "{}", edited.text);
    let (ok, out) = verify(&u.app);
    assert!(ok, "{out}");
}

#[test]
fn the_audit_catches_a_recap_or_its_list_altered_beside_the_log() {
    for (table_kind, from, to) in [
        (
            "recap",
            "nama-opd: Dinas Pendidikan",
            "nama-opd: Dinas Kesehatan",
        ),
        ("recap-list", " signed\n", " not-signed\n"),
    ] {
        let mut u = unit();
        let issued = ask_recap(&u.app, u.campaign, "DISDIK", ANDI, &u.andi);
        let statement = issued.body["statement"].as_str().unwrap().to_string();
        let signed = u.app.post(
            "/api/recaps",
            None,
            &json!({"statement": statement, "signature": sign_b64(&u.andi, statement.as_bytes())}),
        );
        assert_eq!(signed.status, 201, "{}", signed.text);
        let index = signed.body["index"].as_u64().unwrap();

        // An export carries the recap, and the independent checker reads the new kinds.
        let export = u.app.data_dir().join("export.jsonl");
        let out = pakta(&[
            "export",
            "--data",
            u.app.data_dir().to_str().unwrap(),
            "--out",
            export.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let exported = std::fs::read_to_string(&export).unwrap();
        assert!(
            exported.contains("\"kind\":\"recap\""),
            "the recap is exported"
        );
        let python = ensure_installed("python3", "python3");
        let checked = std::process::Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/docs/recompute_hashes.py"
            ))
            .arg(&export)
            .output()
            .unwrap();
        let checked_out = String::from_utf8_lossy(&checked.stdout);
        assert!(checked.status.success(), "{checked_out}");
        assert!(checked_out.contains("recap.signed 1"), "{checked_out}");
        assert!(checked_out.contains("campaign.created 1"), "{checked_out}");

        u.app.stop();
        let conn = Connection::open(u.app.db_path()).unwrap();
        let changed = conn
            .execute(
                "UPDATE recap_documents SET text = replace(text, ?2, ?3) WHERE kind = ?1",
                [table_kind, from, to],
            )
            .unwrap();
        assert_eq!(changed, 1);
        drop(conn);
        let (ok, out) = verify(&u.app);
        assert!(!ok, "verify passed an altered {table_kind}:\n{out}");
        assert!(out.contains(&format!("FAILED at entry {index}:")), "{out}");
    }
}

#[test]
fn erasing_a_listed_official_or_the_head_erases_the_recap_documents_naming_them() {
    let u = unit();
    let issued = ask_recap(&u.app, u.campaign, "DISDIK", ANDI, &u.andi);
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    let signed = u.app.post(
        "/api/recaps",
        None,
        &json!({"statement": statement, "signature": sign_b64(&u.andi, statement.as_bytes())}),
    );
    assert_eq!(signed.status, 201, "{}", signed.text);
    let kept = |app: &TestApp| -> Vec<String> {
        let conn = Connection::open(app.db_path()).unwrap();
        let mut stmt = conn
            .prepare("SELECT kind FROM recap_documents ORDER BY kind")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(kept(&u.app), ["recap", "recap-list"]);
    // Siti is on the list: her NIP goes with her.
    assert_eq!(
        u.app
            .delete(&format!("/api/officials/{SITI}"), Some(ADMIN))
            .status,
        200
    );
    assert_eq!(kept(&u.app), ["recap"]);
    let (ok, out) = verify(&u.app);
    assert!(ok && out.contains("heads' recaps verified: 1"), "{out}");
    // The head's name is in the recap: it goes with him, the entry stays.
    assert_eq!(
        u.app
            .delete(&format!("/api/officials/{ANDI}"), Some(ADMIN))
            .status,
        200
    );
    assert!(kept(&u.app).is_empty());
    let (ok, out) = verify(&u.app);
    assert!(
        ok && out.contains("recaps erased (entry stands, signature not re-checkable): 1"),
        "{out}"
    );
}

/// `PUT /api/opds/{code}/head` as the admin page sends it; the status.
fn put_head(app: &TestApp, code: &str, nip: &str) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .put(format!("{}/api/opds/{code}/head", app.url))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .header("Content-Type", "application/json")
        .send(json!({ "nip": nip }).to_string())
        .expect("PUT")
        .status()
        .as_u16()
}

fn hex_sha256(bytes: &[u8]) -> String {
    pakta::domain::crypto::Sha256Hash::of(bytes).to_hex()
}

/// The head countersigns in real headless Chromium, with the key their phone made and
/// kept (WebCrypto, IndexedDB): enrolled on the enrollment page, used to sign the
/// pledge on the signing page, then to sign the unit's recap on the recap page.
#[test]
fn the_head_signs_the_recap_on_the_recap_page_with_the_key_on_their_phone() {
    let app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let siti = app.enroll(SITI);
    let phone = Browser::start(true);
    let code = app.enrollment_code(ANDI);
    phone.goto(&format!("{}/daftar.html?nip={ANDI}&kode={code}", app.url));
    phone.click("#enroll");
    phone.wait_text("#result", "berhasil didaftarkan");

    app.publish_pledge();
    // The BKPSDM clerk creates the campaign and names DISDIK's head on the admin page.
    let admin = Browser::start(false);
    admin.goto(&format!("{}/admin.html", app.url));
    admin.fill("#token", ADMIN);
    admin.click("#login-button");
    wait_until(
        &admin,
        "document.querySelector('#campaign-section').dataset.loaded === 'yes' && document.querySelector('#k-pledge').options.length > 0",
    );
    admin.fill("#k-title", "Pilkada Serentak 2024");
    admin.click("#create-campaign");
    admin.wait_text("#campaign-result", "Kampanye dibuat (nomor 1)");
    admin.wait_text("#campaigns", "Pilkada Serentak 2024");
    wait_until(
        &admin,
        "document.querySelector('#c-campaign').options.length === 2",
    );
    admin.fill("#h-opd", "DISDIK");
    admin.fill("#h-nip", ANDI);
    admin.click("#set-head");
    admin.wait_text(
        "#head-result",
        "Kepala OPD Dinas Pendidikan: Andi Wijaya, S.Pd.",
    );
    admin.screenshot("kampanye-admin");
    let campaign = 1;
    let ceremony = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({
            "title": "Ikrar Dinas Pendidikan", "place": "Aula Disdik",
            "starts_at": "2024-10-07T09:00:00+07:00", "campaign": campaign,
            "invite": {"opds": ["DISDIK"]}
        }),
    );
    let ceremony = ceremony.body["id"].as_u64().unwrap();
    app.open(ceremony);
    for nip in [ANDI, SITI] {
        assert_eq!(app.check_in(ceremony, nip, ADMIN).status, 201);
    }
    assert_eq!(app.sign(ceremony, SITI, &siti).status, 201);
    phone.goto(&format!(
        "{}/tanda-tangan.html?nip={ANDI}&upacara={ceremony}",
        app.url
    ));
    phone.click("#get-statement");
    phone.wait_text("#statement", "PAKTA INTEGRITAS NETRALITAS ASN");
    phone.click("#consent");
    phone.click("#sign");
    phone.wait_text("#result", "Tanda tangan diterima");

    phone.goto(&format!(
        "{}/rekap.html?nip={ANDI}&kampanye={campaign}&opd=DISDIK",
        app.url
    ));
    wait_until(
        &phone,
        "document.querySelector('#campaign').options.length > 0",
    );
    phone.click("#get-recap");
    let recap = phone.wait_text("#recap", "REKAPITULASI PAKTA INTEGRITAS NETRALITAS ASN");
    assert!(recap.contains("sudah-tanda-tangan: 2"), "{recap}");
    assert!(recap.contains("nama-kepala: Andi Wijaya, S.Pd."), "{recap}");
    phone.screenshot("rekap-kepala-opd");
    phone.click("#recap-consent");
    phone.click("#sign-recap");
    phone.wait_text("#result", "Rekap ditandatangani dan tercatat di registri");
    phone.screenshot("rekap-ditandatangani");

    let report = app.get(&format!("/api/campaigns/{campaign}/report"), Some(ADMIN));
    let mark = opd(&report.body, "DISDIK")["recap"]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(mark.starts_with("direkap dan ditandatangani Kepala OPD Andi Wijaya, S.Pd., "));
    // The campaign report page shows it too.
    let desk = Browser::start(false);
    desk.goto(&format!("{}/kampanye.html?kampanye={campaign}", app.url));
    desk.fill("#campaign-token", ADMIN);
    desk.click("#show-campaign");
    desk.wait_text(
        "#campaign-table",
        "direkap dan ditandatangani Kepala OPD Andi Wijaya",
    );
    desk.screenshot("kampanye-laporan");
    // The signing page's own probe for a representation (another feature) answers 409
    // when there is none to sign; nothing of the recap's may fail.
    let errors: Vec<String> = phone
        .console_errors()
        .into_iter()
        .filter(|e| !e.contains("/representation-statement"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let (ok, out) = verify(&app);
    assert!(ok, "{out}");
}
