//! A whole ceremony in real headless Chromium, as the people of ceremony day do it: the
//! BKPSDM clerk imports the roster from a file and prints enrollment cards; three
//! officials enroll on three separate phones (separate browser profiles, keys made with
//! WebCrypto and kept in IndexedDB); one checks in at the desk, one by scanning the hall
//! screen's rotating code, and both sign at the ceremony; the ceremony closes; the third
//! signs from the self-pledge (ikrar mandiri) page; the per-OPD report then shows nobody
//! unsigned; and the public verification page accepts a receipt and rejects one with a
//! flipped byte. Screenshots of every step go to test-artifacts/.

mod browser;
mod common;

use browser::{Browser, wait_until};
use common::*;
use serde_json::Value;

/// Three invited officials, one rejected line, and one uninvited official whose name is
/// markup, to show that pages print it as text.
const ROSTER_FILE: &str = "\
nip,name,position,rank,category,opd_code,opd_name
198001012005011001,\"Andi Wijaya, S.Pd.\",Kepala Dinas Pendidikan,Pembina Utama Muda (IV/c),PNS,DISDIK,Dinas Pendidikan
198502142010122002,Siti Rahmawati,Sekretaris Dinas,Pembina (IV/a),PNS,DISDIK,Dinas Pendidikan
199003032021211003,Budi Santoso,Perawat Ahli Pertama,Golongan IX,PPPK,DINKES,Dinas Kesehatan
1.98E+17,Baris Rusak,Staf,,PNS,DISDIK,Dinas Pendidikan
197705052003121001,<img src=x onerror=alert(1)>,Staf Pelaksana,,PNS,SETDA,Sekretariat Daerah
";

/// Opens the admin console, logging in unless this tab already holds the token.
fn admin_login(admin: &Browser, app: &TestApp) {
    admin.goto(&format!("{}/admin.html", app.url));
    let logged_in = admin.eval("return localStorage.getItem('pakta-token') !== null;");
    if logged_in != Value::Bool(true) {
        admin.fill("#token", ADMIN);
        admin.click("#login-button");
    }
    wait_until(
        admin,
        "document.querySelector('#ceremonies').dataset.loaded === 'yes'",
    );
}

/// Sets a form field's value directly, as pasting would (date pickers and long texts).
fn set_value(browser: &Browser, css: &str, value: &str) {
    browser.eval(&format!(
        "const e = document.querySelector({}); e.scrollIntoView(); e.focus(); e.value = {}; e.dispatchEvent(new Event('input')); return true;",
        Value::from(css),
        Value::from(value)
    ));
}

fn enroll_on_phone(app: &TestApp, nip: &str, code: &str, shot: &str) -> Browser {
    let phone = Browser::start(true);
    // What the QR code on the printed card opens.
    phone.goto(&format!("{}/daftar.html?nip={nip}&kode={code}", app.url));
    assert_eq!(phone.value("#nip"), nip);
    phone.click("#enroll");
    phone.wait_text("#result", "berhasil didaftarkan");
    phone.screenshot(shot);
    // PP 71/2019 Pasal 59(3)(a, b): the private key stays under the official's sole
    // control. It was made on this phone, and not even the page's own script can read
    // it out.
    let sealed = phone.eval_async(&format!(
        "const done = arguments[arguments.length - 1];
         import('/keys.js').then((k) => k.load('{nip}')).then((record) =>
           crypto.subtle.exportKey('pkcs8', record.pair.privateKey)
             .then(() => done('exported'), () => done(record.pair.privateKey.extractable ? 'extractable' : 'sealed')));"
    ));
    assert_eq!(sealed, Value::from("sealed"));
    phone
}

fn sign_on_phone(app: &TestApp, phone: &Browser, query: &str, shot: &str) -> String {
    phone.goto(&format!("{}/tanda-tangan.html?{query}", app.url));
    phone.click("#get-statement");
    phone.wait_text("#statement", "PAKTA INTEGRITAS NETRALITAS ASN");
    assert!(
        phone
            .text("#prohibited")
            .contains("Menjadi anggota atau pengurus partai politik")
    );
    phone.click("#consent");
    phone.click("#sign");
    phone.wait_text("#result", "Tanda tangan diterima");
    phone.screenshot(shot);
    phone
        .eval("return document.querySelector('#receipt-text').textContent;")
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_ceremony_day_in_the_browser() {
    let app = TestApp::spawn();
    let admin = Browser::start(false);

    // The clerk imports the roster from a file; the Excel-damaged line is named.
    admin_login(&admin, &app);
    let dir = private_tempdir();
    let roster = dir.path().join("pegawai.csv");
    std::fs::write(&roster, ROSTER_FILE).unwrap();
    admin.upload("#roster-file", &roster);
    admin.click("#import");
    admin.wait_text("#import-result", "4 pegawai baru");
    assert!(admin.text("#rejected-lines").contains("Excel"));
    admin.screenshot("01-admin-import");

    // Publishes the pledge and creates the ceremony for both OPDs.
    admin.fill(
        "#pledge-title",
        "Pakta Integritas Netralitas ASN Pilkada 2024",
    );
    set_value(
        &admin,
        "#pledge-body",
        "1. Menjaga netralitas ASN.\n2. Menolak politik uang.\n",
    );
    admin.click("#publish");
    admin.wait_text("#result", "Teks pakta diterbitkan");
    admin.fill("#c-title", "Apel Ikrar Netralitas ASN");
    admin.fill("#c-place", "Pendopo Kabupaten");
    set_value(&admin, "#c-starts", "2024-10-07T09:00");
    admin.fill("#c-opds", "DISDIK, DINKES");
    admin.click("#create");
    admin.wait_text("#result", "Upacara dibuat");

    // Prints enrollment cards; the markup name is shown as text, not run.
    admin.goto(&format!("{}/kartu.html", app.url));
    // New cards void the ones handed out, so the page asks first.
    admin.eval("window.confirm = () => true; return true;");
    admin.click("#make-cards");
    admin.wait_text("#result", "4 kartu dibuat");
    assert!(
        admin
            .text("#cards")
            .contains("<img src=x onerror=alert(1)>")
    );
    assert_eq!(
        admin.eval("return document.querySelectorAll('#cards img[src=\"x\"]').length;"),
        0
    );
    admin.screenshot("02-enrollment-cards");
    let code_of = |nip: &str| {
        admin
            .eval(&format!(
                "return document.querySelector('[data-nip=\"{nip}\"] .code').textContent;"
            ))
            .as_str()
            .unwrap()
            .to_string()
    };

    // Three officials enroll on their own phones.
    let andi = enroll_on_phone(&app, ANDI, &code_of(ANDI), "03-enroll-andi");
    let siti = enroll_on_phone(&app, SITI, &code_of(SITI), "03-enroll-siti");
    let budi = enroll_on_phone(&app, BUDI, &code_of(BUDI), "03-enroll-budi");

    // The ceremony opens; Andi checks in at the desk.
    admin_login(&admin, &app);
    admin.click(".open-ceremony");
    admin.wait_text("#result", "Upacara dibuka; 3 pegawai diundang");
    admin.screenshot("04-ceremony-open");
    admin.goto(&format!("{}/meja.html?upacara=1", app.url));
    admin.fill("#nip", ANDI);
    admin.click("#check-in");
    admin.wait_text("#result", "tercatat");
    admin.screenshot("05-desk");

    // The hall screen shows the rotating code; Siti's phone opens its link.
    admin.goto(&format!("{}/layar.html?upacara=1", app.url));
    // The code arrives from the server after the page has loaded (and the element is
    // hidden until then), so wait for the code itself.
    let code = admin.wait_text_where("#presence-code", "showing an 8-character code", |t| {
        t.len() == 8 && t.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    admin.screenshot("06-hall-screen");

    let andi_receipt = sign_on_phone(&app, &andi, "upacara=1", "07-signed-andi");
    siti.goto(&format!(
        "{}/tanda-tangan.html?upacara=1&hadir={code}",
        app.url
    ));
    siti.wait_text("#result", "Kehadiran Anda tercatat");
    sign_on_phone(&app, &siti, "upacara=1", "07-signed-siti");
    admin.wait_text("#count-signed", "2");

    // The ceremony closes; Budi, absent, is routed to ikrar mandiri.
    admin_login(&admin, &app);
    admin.eval("window.confirm = () => true; return true;");
    admin.click(".close-ceremony");
    admin.wait_text("#result", "1 pegawai dialihkan ke ikrar mandiri");

    budi.goto(&format!("{}/tanda-tangan.html?upacara=1", app.url));
    budi.click("#get-statement");
    budi.wait_text("#mode", "Ikrar mandiri");
    assert!(budi.text("#due").contains("Batas waktu ikrar mandiri"));
    assert!(budi.text("#due").contains("WIB"));
    budi.screenshot("08-mandiri-budi");
    budi.click("#consent");
    budi.click("#sign");
    budi.wait_text("#result", "Tanda tangan diterima");

    // Nobody is left unsigned.
    admin.goto(&format!("{}/laporan.html?upacara=1", app.url));
    admin.wait_text(
        "#result",
        "Semua pegawai yang diundang sudah menandatangani",
    );
    admin.screenshot("09-report");

    // The public verification page accepts the receipt and rejects a flipped byte.
    let public = Browser::start(true);
    public.goto(&format!("{}/verifikasi.html", app.url));
    set_value(&public, "#receipt", &andi_receipt);
    public.click("#verify");
    public.wait_text(
        "#verdict",
        "SAH: Andi Wijaya, S.Pd. (NIP 198001012005011001)",
    );
    public.screenshot("10-verify-valid");
    let flipped = andi_receipt.replacen("Andi Wijaya", "Andi Wijayo", 1);
    set_value(&public, "#receipt", &flipped);
    public.click("#verify");
    public.wait_text("#verdict", "TIDAK SAH");
    assert!(public.text("#checks").contains("Tanda tangan tidak cocok"));
    public.screenshot("11-verify-flipped");

    for (who, browser) in [("admin", &admin), ("andi", &andi), ("public", &public)] {
        // Read once: the browser hands each log entry over only once.
        let errors = browser.console_errors();
        assert!(errors.is_empty(), "{who}: {errors:?}");
    }
}

/// What is wrong with the page's layout at its viewport's width, in words: an element
/// or a line of text reaching past either edge of the viewport, an element hiding part
/// of its content behind a sideways scroll, or a table row whose last cell (the status,
/// the button) is not on screen.
const LAYOUT_PROBLEMS: &str = r#"
const vw = window.innerWidth;
const problems = [];
const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
const path = (e) => { const parts = []; for (let n = e; n && n !== document.body && parts.length < 4; n = n.parentElement) parts.unshift(name(n)); return parts.join(' > '); };
const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('.sr-only'); };
const outside = (r) => r.left < -1 || r.right > vw + 1;
for (const e of document.querySelectorAll('body *')) {
  if (!shown(e)) continue;
  const r = e.getBoundingClientRect();
  if (outside(r)) problems.push(`${path(e)} spans ${Math.round(r.left)}..${Math.round(r.right)} px`);
  const s = getComputedStyle(e);
  if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX) && !['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName)
      && e.scrollWidth > e.clientWidth + 1) {
    problems.push(`${path(e)} hides ${e.scrollWidth - e.clientWidth} px of its content sideways`);
  }
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = walker.nextNode(); t; t = walker.nextNode()) {
  if (!t.textContent.trim() || !t.parentElement || !shown(t.parentElement)) continue;
  const range = document.createRange();
  range.selectNodeContents(t);
  const r = range.getBoundingClientRect();
  if (r.width > 0 && outside(r)) problems.push(`text "${t.textContent.trim().slice(0, 40)}" in ${path(t.parentElement)} spans ${Math.round(r.left)}..${Math.round(r.right)} px`);
}
for (const table of document.querySelectorAll('table')) {
  if (!shown(table)) continue;
  for (const row of table.rows) {
    if (!shown(row)) continue;
    const last = row.cells[row.cells.length - 1];
    const r = last && last.getBoundingClientRect();
    if (!last || r.width === 0 || outside(r)) problems.push(`${path(table)}: the last column of "${row.textContent.trim().slice(0, 40)}" is off screen`);
  }
}
return { width: [document.documentElement.scrollWidth, vw], problems: problems.slice(0, 12) };
"#;

/// A registry with something on every page: a ceremony open with four invitees (one
/// checked in, none signed), so progress bars, a report with unsigned rows of two
/// statuses, tokens and an access log, and the hall screen all have data.
fn a_registry_with_data() -> (TestApp, u64) {
    let app = TestApp::spawn();
    app.import(ROSTER);
    app.enroll(ANDI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    app.token(serde_json::json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    (app, ceremony)
}

/// Opens every page of the site with data in it (the admin logged in), waits until
/// each shows its data, and checks that nothing runs off the screen, that every
/// table's last column is in view, and that every form field has a label.
fn every_page_fits(phone: bool) {
    let (app, ceremony) = a_registry_with_data();
    let browser = Browser::start(phone);
    let size = if phone { "360" } else { "1280" };
    let budi_code = app.enrollment_code(BUDI);
    let pages: Vec<(String, &str)> = vec![
        (
            "/".into(),
            "document.querySelector('#ceremonies table') !== null",
        ),
        (
            format!("/daftar.html?nip={BUDI}&kode={budi_code}"),
            "document.querySelector('#fingerprint').textContent.length === 64",
        ),
        ("/tanda-tangan.html".into(), "true"),
        ("/verifikasi.html".into(), "true"),
        (
            "/admin.html".into(),
            "document.querySelector('#one-card .enroll-card') !== null && document.querySelector('#access-log').dataset.loaded === 'yes' && document.querySelector('#tokens').dataset.loaded === 'yes'",
        ),
        (
            "/kartu.html".into(),
            "document.querySelector('#cards .enroll-card') !== null",
        ),
        (
            format!("/laporan.html?upacara={ceremony}"),
            "document.querySelector('#unsigned-table .badge.absent') !== null",
        ),
        (format!("/meja.html?upacara={ceremony}"), "true"),
        (
            format!("/layar.html?upacara={ceremony}"),
            "/^[A-Za-z0-9]{8}$/.test(document.querySelector('#presence-code').textContent)",
        ),
        (
            "/halaman-yang-tidak-ada".into(),
            "document.querySelector('h1') !== null",
        ),
    ];
    for (page, ready) in &pages {
        browser.goto(&format!("{}{page}", app.url));
        if page.starts_with("/daftar.html") {
            browser.click("#enroll");
        } else if page == "/admin.html" {
            browser.fill("#token", ADMIN);
            browser.click("#login-button");
            wait_until(&browser, "document.querySelector('.opd-progress') !== null");
            browser.fill("#roster-q", "rina");
            browser.click("#roster-search");
            browser.click("#roster-table .card-code");
        } else if page == "/kartu.html" {
            browser.eval("window.confirm = () => true; return true;");
            browser.click("#make-cards");
        }
        if !page.starts_with("/halaman") {
            // The header's brand is in the HTML, so "Pakta" is there at once; the
            // instansi's name is filled in by the page's script, once it has run.
            browser.wait_text_where("header.top [data-instansi]", "naming the instansi", |t| {
                !t.trim().is_empty()
            });
        }
        wait_until(&browser, ready);
        let layout = browser.eval(LAYOUT_PROBLEMS);
        let name = page.split('?').next().unwrap().replace(['/', '.'], "-");
        let shot = browser.screenshot(&format!("fit-{size}{name}"));
        // And the part with the data, which on a phone is further down.
        let focus = match page.split('?').next().unwrap() {
            "/" => vec!["#ceremonies"],
            "/daftar.html" => vec!["#done"],
            "/admin.html" => vec![".opd-progress", "#roster-table", "#one-card", "#token-list"],
            "/laporan.html" => vec!["#summary-table", "#unsigned-table"],
            "/layar.html" => vec![".hall-counts"],
            _ => vec![],
        };
        for (i, css) in focus.iter().enumerate() {
            browser.eval(&format!(
                "document.querySelector({}).scrollIntoView(); return true;",
                Value::from(*css)
            ));
            browser.screenshot(&format!("fit-{size}{name}-{}", i + 1));
        }
        let width = &layout["width"];
        if phone {
            assert_eq!(width[1], 360, "{page} is laid out for a phone");
        }
        assert!(
            width[0].as_u64() <= width[1].as_u64(),
            "{page} scrolls sideways: {width}; see {shot:?}"
        );
        assert_eq!(
            layout["problems"],
            serde_json::json!([]),
            "{page} at {size} px; see {shot:?}"
        );
        if phone && page.starts_with("/laporan.html") {
            // The check itself sees what the phone showed before: the same tables as
            // plain wide tables in a sideways-scrolling box hide their last column.
            browser.eval("document.querySelectorAll('table.stack').forEach((t) => t.classList.remove('stack')); return true;");
            let before = browser.eval(LAYOUT_PROBLEMS);
            let problems = before["problems"].to_string();
            assert!(
                problems.contains("hides") && problems.contains("spans"),
                "{problems}"
            );
        }
        // Every visible form field has a label a screen reader can announce.
        let unlabelled = browser.eval(
            "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map((e) => e.id);",
        );
        assert_eq!(unlabelled, serde_json::json!([]), "{page}");
    }
    // Refused requests (the 404 page, a statement for someone not checked in) are
    // logged by the browser; a script error is not expected anywhere.
    let errors: Vec<String> = browser
        .console_errors()
        .into_iter()
        .filter(|e| !e.contains("Failed to load resource"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn every_page_fits_a_360_pixel_phone_and_labels_its_fields() {
    every_page_fits(true);
}

#[test]
fn every_page_fits_a_1280_pixel_desktop() {
    every_page_fits(false);
}
