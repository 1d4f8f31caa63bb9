//! Ceremony day, fixed for the people in the hall (issue 9), in real headless Chromium
//! on a 360-pixel phone and a 1280-pixel desktop, with screenshots in test-artifacts/:
//!
//! - the signing page offers the ceremony the official can sign now (an open one they
//!   are invited to, else their ikrar mandiri), never the old closed one, finding it out
//!   with requests only the official's key can make; a refused request clears what the
//!   last one showed;
//! - the registration desk finds an official by a few letters of the name or digits of
//!   the NIP, shows name, position and OPD, and says plainly when someone is already in;
//!   its search lists only that ceremony's invitees, for that ceremony's desk, recorded
//!   in the access log;
//! - every receipt kept on the device is listed under "Tanda terima saya", readable
//!   (who, what, when, from either statement format), downloadable, with its QR, and
//!   prints on one page;
//! - an enrollment code typed as people type it (lower case, spaces, O for zero) enrolls
//!   the key, signed in the code's printed form; cards name the instansi and the purpose,
//!   never break a code across lines, print eight to an A4 page, and are made only after
//!   the admin confirms that older cards stop working.

mod browser;
mod common;

use base64::Engine;
use browser::{Browser, pdf_pages, wait_until};
use common::*;
use serde_json::{Value, json};

fn is_hidden(browser: &Browser, css: &str) -> bool {
    browser.eval(&format!(
        "return document.querySelector({}).classList.contains('hidden');",
        Value::from(css)
    )) == Value::Bool(true)
}

fn class_of(browser: &Browser, css: &str) -> String {
    browser
        .eval(&format!(
            "return document.querySelector({}).className;",
            Value::from(css)
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The page fits the window: nothing scrolls sideways.
fn fits(browser: &Browser, what: &str) {
    let width = browser.eval("return [document.documentElement.scrollWidth, window.innerWidth];");
    assert!(
        width[0].as_u64() <= width[1].as_u64(),
        "{what} scrolls sideways: {width}"
    );
}

/// No script errors on the page. Chromium also logs every refused request as an error;
/// those of `answered` (a route whose refusals the page reads and explains) are left
/// out.
fn assert_no_errors(who: &str, browser: &Browser, answered: &str) {
    let errors: Vec<String> = browser
        .console_errors()
        .into_iter()
        .filter(|e| !(e.contains(answered) && e.contains("Failed to load resource")))
        .collect();
    assert!(errors.is_empty(), "{who}: {errors:?}");
}

/// Keeps `token` in this browser as the pages' login does.
fn log_in(browser: &Browser, app: &TestApp, token: &str) {
    browser.goto(&format!("{}/", app.url));
    let done = browser.eval_async(&format!(
        "const done = arguments[arguments.length - 1];
         import('/common.js').then((m) => {{ m.setToken({}); done(true); }});",
        Value::from(token)
    ));
    assert_eq!(done, Value::Bool(true));
}

/// Enrolls `nip` on this device through the enrollment page, with `typed` as the code.
fn enroll(browser: &Browser, app: &TestApp, nip: &str, typed: &str) {
    browser.goto(&format!("{}/daftar.html?nip={nip}", app.url));
    browser.fill("#code", typed);
    browser.click("#enroll");
    browser.wait_text("#result", "berhasil didaftarkan");
}

/// The receipts this device keeps for `nip`.
fn kept_receipts(browser: &Browser, nip: &str) -> Vec<String> {
    let kept = browser.eval_async(&format!(
        "const done = arguments[arguments.length - 1];
         import('/keys.js').then((k) => k.load('{nip}')).then((r) => done(r.receipts));"
    ));
    kept.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_signing_page_offers_what_the_official_can_sign_and_keeps_every_receipt() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    // Three weeks ago: DINKES only, closed, so Budi and Rina owe ikrar mandiri.
    let old = app.create_ceremony(json!({"opds": ["DINKES"]}));
    app.open(old);
    assert_eq!(app.close(old).status, 200);
    // Today: DISDIK, open.
    let today = app.create_ceremony(json!({"opds": ["DISDIK"]}));
    app.open(today);

    // Andi enrolls on his phone and goes straight on to sign, before the desk saw him.
    let andi = Browser::start(true);
    enroll(&andi, &app, ANDI, &app.enrollment_code(ANDI));
    andi.click("#to-sign");
    andi.wait_text("#result", "Anda diundang ke");
    assert_eq!(andi.value("#ceremony"), today.to_string());
    andi.wait_text("#desk-qr", "meja registrasi");
    fits(&andi, "the signing page");
    andi.screenshot("day-sign-360-invited");

    // Checked in at the desk: the page now offers the statement at once.
    assert_eq!(app.check_in(today, ANDI, ADMIN).status, 201);
    andi.goto(&format!("{}/tanda-tangan.html?nip={ANDI}", app.url));
    andi.wait_text("#result", "kehadiran Anda sudah tercatat");
    assert_eq!(andi.value("#ceremony"), today.to_string());
    assert!(is_hidden(&andi, "#desk-qr"), "checked in: no desk QR");
    andi.click("#get-statement");
    andi.wait_text("#statement", "PAKTA INTEGRITAS NETRALITAS ASN");

    // A ceremony he is not invited to is refused, and what was shown goes away.
    andi.select("#ceremony", &old.to_string());
    andi.click("#get-statement");
    andi.wait_text("#result", "tidak termasuk undangan");
    assert!(class_of(&andi, "#result").contains("bad"));
    assert!(is_hidden(&andi, "#pledge"));
    assert_eq!(andi.text("#statement"), "");

    andi.select("#ceremony", &today.to_string());
    andi.click("#get-statement");
    andi.wait_text("#statement", "PAKTA INTEGRITAS NETRALITAS ASN");
    andi.click("#consent");
    andi.click("#sign");
    andi.wait_text("#result", "Tanda tangan diterima");
    assert!(is_hidden(&andi, "#desk-qr"), "signed: no desk QR");
    wait_until(
        &andi,
        "document.querySelectorAll('#my-receipts-list .receipt-card').length === 2",
    );
    andi.screenshot("day-sign-360-signed");

    // Coming back later: nothing to sign, and every receipt readable on the device.
    andi.goto(&format!("{}/tanda-tangan.html", app.url));
    andi.wait_text(
        "#result",
        "Tidak ada upacara yang menunggu tanda tangan Anda",
    );
    wait_until(
        &andi,
        "document.querySelector('#my-receipts').dataset.loaded === 'yes'",
    );
    let signed = andi.text("#my-receipts [data-kind=statement]");
    for shown in [
        "Tanda tangan pakta: Ikrar Netralitas ASN",
        "Andi Wijaya, S.Pd.",
        ANDI,
        "Kepala Dinas Pendidikan",
        "Dinas Pendidikan",
        "ikrar bersama",
        "Pakta Integritas Netralitas ASN Pilkada 2024",
        "Tercatat di registri",
        "WIB",
    ] {
        assert!(signed.contains(shown), "{shown:?} not in {signed}");
    }
    assert!(
        andi.text("#my-receipts [data-kind=enrollment]")
            .contains("Pendaftaran kunci tanda tangan")
    );
    assert!(andi.exists("#my-receipts [data-kind=statement] img.receipt-qr"));
    assert!(andi.exists("#my-receipts [data-kind=statement] .download-receipt"));
    fits(&andi, "the receipts");
    andi.eval("document.querySelector('#my-receipts').scrollIntoView(); return true;");
    andi.screenshot("day-receipts-360");

    // Asking for the ceremony he signed is no error: it points to the receipt.
    andi.select("#ceremony", &today.to_string());
    andi.click("#get-statement");
    andi.wait_text(
        "#result",
        "Anda sudah menandatangani pakta untuk upacara ini",
    );
    assert!(class_of(&andi, "#result").contains("info"));

    // Every kept receipt is the registry's, checkable offline.
    let kept = kept_receipts(&andi, ANDI);
    assert_eq!(kept.len(), 2);
    for receipt in &kept {
        app.assert_receipt_verifies(receipt);
    }

    // The one-page printed receipt.
    andi.click("#my-receipts [data-kind=statement] .print-receipt");
    wait_until(
        &andi,
        "document.querySelector('#printable').dataset.loaded === 'yes'",
    );
    let printed = andi.text("#printable");
    for shown in [
        "Andi Wijaya, S.Pd.",
        ANDI,
        "Ikrar Netralitas ASN",
        "format: pakta/statement/",
    ] {
        assert!(printed.contains(shown), "{shown:?} not in {printed}");
    }
    fits(&andi, "the printable receipt");
    andi.screenshot("day-receipt-print-360");
    assert_eq!(
        pdf_pages(&andi.print_pdf()),
        1,
        "the receipt prints on one page"
    );

    // Budi, on his laptop: the old ceremony's ikrar mandiri is what he can sign.
    let budi = Browser::start(false);
    // He types the code from his card in lower case with spaces.
    let code = app.enrollment_code(BUDI);
    budi.goto(&format!("{}/daftar.html?nip={BUDI}", app.url));
    budi.fill("#code", &code.to_lowercase().replace('-', " "));
    budi.screenshot("day-enroll-1280-typed-code");
    budi.click("#enroll");
    budi.wait_text("#result", "berhasil didaftarkan");
    budi.click("#to-sign");
    budi.wait_text("#result", "Ikrar mandiri Anda untuk");
    assert_eq!(budi.value("#ceremony"), old.to_string());
    assert!(is_hidden(&budi, "#desk-qr"), "mandiri needs no desk");
    budi.click("#get-statement");
    budi.wait_text("#mode", "Ikrar mandiri");
    budi.click("#consent");
    budi.click("#sign");
    budi.wait_text("#result", "Tanda tangan diterima");
    wait_until(
        &budi,
        "document.querySelectorAll('#my-receipts-list .receipt-card').length === 2",
    );
    assert!(budi.text("#my-receipts").contains("ikrar mandiri"));
    budi.screenshot("day-sign-1280-mandiri");
    budi.click("#my-receipts [data-kind=statement] .print-receipt");
    wait_until(
        &budi,
        "document.querySelector('#printable').dataset.loaded === 'yes'",
    );
    assert!(budi.text("#printable").contains("Budi Santoso"));
    budi.screenshot("day-receipt-print-1280");
    assert_eq!(
        pdf_pages(&budi.print_pdf()),
        1,
        "the receipt prints on one page"
    );

    for (who, browser) in [("andi", &andi), ("budi", &budi)] {
        assert_no_errors(who, browser, "/statement");
    }
}

/// A receipt around `document`, in the layout of docs/FORMATS.md section 17, for an
/// entry recorded at 2024-10-07T02:10:30Z.
fn receipt_around(document: &str) -> String {
    let entry = "pakta/entry/v1\nindex: 6\ntime: 2024-10-07T02:10:30Z\nkind: pledge.signed\n";
    let extra = base64::engine::general_purpose::STANDARD.encode(entry);
    format!(
        "pakta/receipt/v1\nkey: gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=\nsignature: AAAA\n\n{document}\nc2sp.org/tlog-proof@v1\nextra {extra}\nindex 6\nhb7yewin/H/vnktypJjyiSh9rwxAMekk1wsd6OHFs6I=\n\npakta.example/kabupaten-contoh\n9\nlP93yqWsHcAGjpaPymVxAo2Dee+/IJiIVAK23H40iTk=\n\n— pakta.example/kabupaten-contoh pfHA\n"
    )
}

#[test]
fn a_receipt_reads_the_same_from_either_statement_format() {
    let app = TestApp::spawn();
    let v1 = "PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/statement/v1\npledge-title: Pakta Integritas Netralitas ASN Pilkada 2024\npledge-sha256: d3cb76300d776197d1f678a3c84a87d551b0901f951acd80040f7a5f7b9dd207\nceremony: 1\nmode: mandiri\nsubject: 01010101010101010101010101010101\nnip: 198001012005011001\nname: Andi Wijaya, S.Pd.\nposition: Kepala Dinas Pendidikan\nunit: Dinas Pendidikan\ntime: 2024-10-07T02:10:00Z\nnonce: 000102030405060708090a0b0c0d0e0f\n";
    let v2 = "PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/statement/v2\nnama: Andi Wijaya, S.Pd.\nnip: 198001012005011001\njabatan: Kepala Dinas Pendidikan\nunit-kerja: Dinas Pendidikan\npersetujuan: Saya telah membaca, memahami, dan menyetujui Pakta Integritas Netralitas ASN Pilkada 2024, dan menandatanganinya dalam ikrar mandiri.\ncara: ikrar mandiri\nupacara: 1\nwaktu: Senin, 7 Oktober 2024 09.10 WIB\nwaktu-utc: 2024-10-07T02:10:00Z\njudul-pakta: Pakta Integritas Netralitas ASN Pilkada 2024\nsha256-pakta: d3cb76300d776197d1f678a3c84a87d551b0901f951acd80040f7a5f7b9dd207\nsubjek: 01010101010101010101010101010101\nsegel: 000102030405060708090a0b0c0d0e0f\n";
    let unknown = "SURAT LAIN\nformat: pakta/statement/v9\nisi: sesuatu yang belum dikenal\n";
    for phone in [true, false] {
        let browser = Browser::start(phone);
        browser.goto(&format!("{}/tanda-tangan.html", app.url));
        wait_until(
            &browser,
            "document.querySelector('#my-receipts').dataset.loaded === 'yes'",
        );
        let read = browser.eval_async(&format!(
            "const done = arguments[arguments.length - 1];
             import('/receipt-view.js').then(async (m) => {{
               const out = [];
               for (const text of [{}, {}, {}]) {{
                 const r = await m.readReceipt(text);
                 const rows = Object.fromEntries(m.rows(r, 'Asia/Jakarta', [{{id: 1, title: 'Apel Ikrar'}}]));
                 const box = document.createElement('div');
                 box.className = 'receipt-card';
                 box.append(...m.details(r, 'Asia/Jakarta').filter(Boolean));
                 document.querySelector('#my-receipts-list').append(box);
                 out.push({{rows, kind: r.kind, index: r.index, shownText: box.textContent}});
               }}
               done(out);
             }});",
            Value::from(receipt_around(v1)),
            Value::from(receipt_around(v2)),
            Value::from(receipt_around(unknown)),
        ));
        for (format, read) in [("v1", &read[0]), ("v2", &read[1])] {
            let rows = &read["rows"];
            assert_eq!(read["kind"], "statement", "{format}");
            assert_eq!(read["index"], "6", "{format}");
            assert_eq!(rows["Nama"], "Andi Wijaya, S.Pd.", "{format}");
            assert_eq!(rows["NIP / NIK"], ANDI, "{format}");
            assert_eq!(rows["Jabatan"], "Kepala Dinas Pendidikan", "{format}");
            assert_eq!(rows["Unit kerja"], "Dinas Pendidikan", "{format}");
            assert_eq!(rows["Upacara"], "Apel Ikrar (nomor 1)", "{format}");
            assert_eq!(rows["Cara"], "ikrar mandiri", "{format}");
            assert_eq!(
                rows["Waktu pernyataan"], "Senin, 7 Oktober 2024 09.10 WIB",
                "{format}: UTC shown in the zone, local time as written"
            );
            assert_eq!(
                rows["Tercatat di registri"],
                "Senin, 7 Oktober 2024 09.10 WIB"
            );
        }
        // A document it does not know is shown as itself.
        assert_eq!(read[2]["kind"], "unknown");
        assert!(
            read[2]["shownText"]
                .as_str()
                .unwrap()
                .contains("isi: sesuatu yang belum dikenal"),
            "{}",
            read[2]
        );
        browser.eval("document.querySelector('#my-receipts').scrollIntoView(); return true;");
        browser.screenshot(if phone {
            "day-receipt-formats-360"
        } else {
            "day-receipt-formats-1280"
        });
    }
}

/// Twelve DISDIK officials called Dewi (more than the desk lists) and one official of
/// an OPD the ceremony does not invite, besides the usual four.
fn desk_roster() -> String {
    let mut csv = ROSTER.to_string();
    for i in 1..=12 {
        csv.push_str(&format!(
            "1990010120150120{i:02},Dewi Lestari {i:02},Guru Ahli Pertama,,PNS,DISDIK,Dinas Pendidikan\n"
        ));
    }
    csv.push_str(
        "197705052003121001,Andika Pratama,Staf Pelaksana,,PNS,SETDA,Sekretariat Daerah\n",
    );
    csv
}

#[test]
fn the_desk_finds_officials_by_name_and_shows_who_was_checked_in() {
    let app = TestApp::spawn();
    assert_eq!(app.import(&desk_roster()).status, 200);
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK", "DINKES"]}));
    app.open(ceremony);
    let operator = app.token(
        json!({"role": "operator", "ceremony": ceremony, "name": "Rudi, meja registrasi 1"}),
    );

    let desk = Browser::start(false);
    desk.goto(&format!("{}/meja.html", app.url));
    desk.fill("#desk-token", &operator);
    desk.fill("#nip", "andi");
    let listed = desk.wait_text("#matches", "Andi Wijaya, S.Pd.");
    assert!(
        listed.contains("Kepala Dinas Pendidikan · Dinas Pendidikan"),
        "{listed}"
    );
    assert!(
        !listed.contains("Andika"),
        "an official not invited to this ceremony is not listed: {listed}"
    );
    desk.screenshot("day-desk-1280-search");
    desk.click(&format!("#matches button[data-nip='{ANDI}']"));
    let shown = desk.wait_text("#result", "Kehadiran tercatat: Andi Wijaya, S.Pd.");
    assert!(
        shown.contains("Kepala Dinas Pendidikan, Dinas Pendidikan"),
        "{shown}"
    );
    assert!(shown.contains(ANDI), "{shown}");
    assert!(class_of(&desk, "#result").contains("ok"));
    assert!(desk.text("#recent").contains("Andi Wijaya, S.Pd."));
    desk.screenshot("day-desk-1280-checked-in");

    // The same NIP again, typed whole: said plainly, with the name, not as an error.
    desk.fill("#nip", ANDI);
    desk.click("#check-in");
    let again = desk.wait_text("#result", "Sudah tercatat hadir sebelumnya");
    assert!(again.contains("Andi Wijaya, S.Pd."), "{again}");
    assert!(class_of(&desk, "#result").contains("info"));
    desk.screenshot("day-desk-1280-again");

    // Many matches: ten to pick from, and a word to type more.
    desk.fill("#nip", "dewi");
    desk.wait_text("#matches-note", "Lebih dari 10 pegawai cocok");
    assert_eq!(
        desk.eval("return document.querySelectorAll('#matches button.match').length;"),
        10
    );

    // On a phone at the door: a few digits of the NIP, and Enter picks the only match.
    let phone = Browser::start(true);
    phone.goto(&format!("{}/meja.html", app.url));
    phone.fill("#desk-token", &operator);
    phone.fill("#nip", "2021211");
    phone.wait_text("#matches", "Budi Santoso");
    phone.screenshot("day-desk-360-search");
    phone.click("#check-in");
    let shown = phone.wait_text("#result", "Kehadiran tercatat: Budi Santoso");
    assert!(
        shown.contains("Perawat Ahli Pertama, Dinas Kesehatan"),
        "{shown}"
    );
    fits(&phone, "the desk");
    phone.screenshot("day-desk-360-checked-in");

    // Each search and each check-in is in the access log, with the operator's name and
    // how many people, never whom.
    let log = app.get("/api/access-log?limit=1000", Some(ADMIN));
    let records = log.body["records"].as_array().unwrap();
    let count = |action: &str| {
        records
            .iter()
            .filter(|r| r["action"] == action && r["token_name"] == "Rudi, meja registrasi 1")
            .count()
    };
    assert_eq!(count("check_in"), 2, "{}", log.text);
    assert!(count("invitee_search") >= 3, "{}", log.text);
    for person in ["Andi", "Budi", "Dewi", ANDI, BUDI] {
        assert!(!log.text.contains(person), "{person} in the access log");
    }
    for (who, browser) in [("desk", &desk), ("phone", &phone)] {
        assert_no_errors(who, browser, "/attendance");
    }
}

#[test]
fn the_desk_search_lists_only_its_ceremony_s_invitees_for_its_own_desk() {
    let app = TestApp::spawn();
    app.import(&desk_roster());
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK", "DINKES"]}));
    app.open(ceremony);
    let other = app.create_ceremony(json!({"opds": ["SETDA"]}));
    app.open(other);
    let operator = app.token(json!({"role": "operator", "ceremony": ceremony, "name": "Meja 1"}));
    let elsewhere = app.token(json!({"role": "operator", "ceremony": other, "name": "Meja 2"}));
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DISDIK", "name": "Kadis"}));
    let search = |q: &str, token: Option<&str>| {
        app.get(
            &format!(
                "/api/ceremonies/{ceremony}/invitees?q={}",
                q.replace(' ', "%20")
            ),
            token,
        )
    };

    let found = search("andi", Some(&operator));
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(
        found.body,
        json!({"invitees": [{"nip": ANDI, "name": "Andi Wijaya, S.Pd.", "position": "Kepala Dinas Pendidikan", "opd_code": "DISDIK", "opd_name": "Dinas Pendidikan", "checked_in": false}], "more": false}),
        "Andika (SETDA) is not invited here"
    );
    // Several words must all be found; digits typed with spaces are one run; a whole NIP
    // comes first.
    assert_eq!(
        search("dewi 07", Some(ADMIN)).body["invitees"][0]["name"],
        "Dewi Lestari 07"
    );
    assert_eq!(
        search("19900101 2015012003", Some(ADMIN)).body["invitees"][0]["nip"],
        "199001012015012003"
    );
    let many = search("lestari", Some(ADMIN));
    assert_eq!(many.body["invitees"].as_array().unwrap().len(), 10);
    assert_eq!(many.body["more"], true);
    // `%` and `_` are letters to look for, not wildcards.
    assert_eq!(search("%25%25%25", Some(ADMIN)).body["invitees"], json!([]));
    assert_eq!(search("___", Some(ADMIN)).body["invitees"], json!([]));

    assert_eq!(app.check_in(ceremony, ANDI, &operator).status, 201);
    assert_eq!(
        search("andi", Some(&operator)).body["invitees"][0]["checked_in"],
        true
    );

    // Too little to search, or not this desk's.
    let short = search("an", Some(&operator));
    assert_eq!(short.status, 400);
    assert_eq!(short.error_code(), "invalid_query");
    let missing = app.get(
        &format!("/api/ceremonies/{ceremony}/invitees"),
        Some(&operator),
    );
    assert_eq!(missing.error_code(), "invalid_query");
    assert_eq!(search("andi", Some(&elsewhere)).status, 403);
    assert_eq!(search("andi", Some(&supervisor)).status, 403);
    assert_eq!(search("andi", None).status, 401);
    assert_eq!(
        app.get("/api/ceremonies/99/invitees?q=andi", Some(ADMIN))
            .error_code(),
        "unknown_ceremony"
    );

    // The check-in reply names the official.
    let reply = app.check_in(ceremony, SITI, &operator);
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["name"], "Siti Rahmawati");
    assert_eq!(reply.body["position"], "Sekretaris Dinas");
    assert_eq!(reply.body["opd_code"], "DISDIK");
    assert_eq!(reply.body["opd_name"], "Dinas Pendidikan");
    assert_eq!(reply.body["nip"], SITI);
    assert!(reply.body["index"].is_u64());
}

#[test]
fn typed_enrollment_codes_enroll_and_cards_print_eight_to_a_page() {
    let app = TestApp::spawn();
    let mut roster = ROSTER.to_string();
    for i in 1..=7 {
        roster.push_str(&format!(
            "1990010120150120{i:02},Dewi Lestari {i:02},Guru Ahli Pertama pada Sekolah Menengah Pertama Negeri {i},,PNS,DISDIK,Dinas Pendidikan\n"
        ));
    }
    assert_eq!(app.import(&roster).status, 200);

    // Cards: the admin is asked first, since new cards void the ones handed out.
    let admin = Browser::start(false);
    log_in(&admin, &app, ADMIN);
    admin.goto(&format!("{}/kartu.html", app.url));
    admin.select("#opd", "DISDIK");
    admin.eval("window.confirm = (m) => { window.asked = m; return false; }; return true;");
    admin.click("#make-cards");
    admin.wait_text("#result", "Tidak ada kartu yang dibuat");
    let asked = admin.eval("return window.asked;");
    let asked = asked.as_str().unwrap();
    assert!(asked.contains("Buat 9 kartu baru"), "{asked}");
    assert!(asked.contains("tidak berlaku"), "{asked}");
    assert!(
        app.get("/api/access-log", Some(ADMIN)).body["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["action"] != "enrollment_cards"),
        "nothing issued when the admin says no"
    );
    admin.eval("window.confirm = () => true; return true;");
    admin.click("#make-cards");
    admin.wait_text("#result", "9 kartu dibuat");
    let cards = admin.text("#cards");
    assert!(cards.contains("Pemerintah Daerah"), "the instansi: {cards}");
    assert!(
        cards.contains("Kode pendaftaran kunci tanda tangan Pakta Integritas Netralitas ASN"),
        "the purpose: {cards}"
    );

    // A code is never broken across lines, nor runs out of its card.
    let codes_on_one_line = "[...document.querySelectorAll('.enroll-card')].every((card) => {
        const code = card.querySelector('.code');
        const [box, inner] = [card.getBoundingClientRect(), code.getBoundingClientRect()];
        return code.getClientRects().length === 1
          && inner.height < 2 * parseFloat(getComputedStyle(code).fontSize)
          && inner.right <= box.right && inner.left >= box.left;
      })";
    wait_until(&admin, codes_on_one_line);
    admin.eval("document.querySelector('#cards').scrollIntoView(); return true;");
    admin.screenshot("day-cards-1280");

    // Printed: 2 by 4 on A4, every card whole.
    admin.emulate_media("print");
    wait_until(&admin, codes_on_one_line);
    let whole = admin.eval(
        "return [...document.querySelectorAll('.enroll-card')].map((c) => c.scrollHeight <= c.clientHeight + 1);",
    );
    assert!(
        whole.as_array().unwrap().iter().all(|w| w == true),
        "a printed card cuts off its text: {whole}"
    );
    admin.screenshot("day-cards-1280-print-layout");
    admin.emulate_media("");
    assert_eq!(
        pdf_pages(&admin.print_pdf()),
        2,
        "9 cards take two A4 pages"
    );
    admin.eval("document.querySelector('.enroll-card:last-child').remove(); return true;");
    assert_eq!(pdf_pages(&admin.print_pdf()), 1, "8 cards fit one A4 page");

    // The cards on a phone: the codes still on one line.
    let clerk_phone = Browser::start(true);
    log_in(&clerk_phone, &app, ADMIN);
    clerk_phone.goto(&format!("{}/kartu.html", app.url));
    clerk_phone.select("#opd", "DINKES");
    clerk_phone.eval("window.confirm = () => true; return true;");
    clerk_phone.click("#make-cards");
    clerk_phone.wait_text("#result", "2 kartu dibuat");
    wait_until(&clerk_phone, codes_on_one_line);
    fits(&clerk_phone, "the cards");
    clerk_phone.eval("document.querySelector('#cards').scrollIntoView(); return true;");
    clerk_phone.screenshot("day-cards-360");

    // Siti types her code as people do: lower case, spaces for hyphens, O for zero and
    // I for one. (A fresh code is asked for until it has a 0 or a 1 to misread.)
    let code = (0..60)
        .map(|_| app.enrollment_code(SITI))
        .find(|c| c.contains(['0', '1']))
        .expect("a code with a 0 or a 1");
    let typed = code
        .to_lowercase()
        .replace('-', " ")
        .replace('0', "o")
        .replace('1', "i");
    let siti = Browser::start(true);
    // First a code that is not one: the message says what a code is, not "capitals".
    siti.goto(&format!("{}/daftar.html?nip={SITI}", app.url));
    siti.fill("#code", "abcd efgh");
    siti.click("#enroll");
    let refused = siti.wait_text("#result", "12 huruf dan angka");
    assert!(!refused.contains("huruf besar"), "{refused}");
    siti.goto(&format!("{}/daftar.html?nip={SITI}", app.url));
    siti.fill("#code", &typed);
    siti.eval("document.querySelector('#code').blur(); return true;");
    wait_until(
        &siti,
        &format!("document.querySelector('#code').value === '{code}'"),
    );
    siti.screenshot("day-enroll-360-typed-code");
    siti.click("#enroll");
    siti.wait_text("#result", "berhasil didaftarkan");
    let kept = kept_receipts(&siti, SITI);
    assert!(
        kept[0].contains(&format!("\ncode: {code}\n")),
        "the device signed the printed form: {}",
        kept[0]
    );
    app.assert_receipt_verifies(&kept[0]);
    for (who, browser) in [("admin", &admin), ("clerk", &clerk_phone), ("siti", &siti)] {
        assert_no_errors(who, browser, "/api/enroll");
    }
}
