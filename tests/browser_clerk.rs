//! The people behind the ceremony, in real headless Chromium, on a 360-pixel phone and
//! a 1280-pixel desktop: the supervisor whose report opens on today's ceremony (not a
//! closed one where everyone signed) and never keeps an old table above a refusal; the
//! clerk's console (current ceremonies first, closed ones folded, OPDs by name, totals
//! and percentages, progress that refreshes by itself, the roster searched with a fresh
//! enrollment-code card for one official, a login kept for the working day with a way
//! out); and the report printed to file on one A4 sheet. Screenshots go to
//! test-artifacts/.

mod browser;
mod common;

use browser::{Browser, pdf_pages, wait_until};
use common::*;
use serde_json::{Value, json};

fn login_admin(browser: &Browser, app: &TestApp) {
    browser.goto(&format!("{}/admin.html", app.url));
    browser.fill("#token", ADMIN);
    browser.click("#login-button");
    wait_until(
        browser,
        "document.querySelector('#ceremonies').dataset.loaded === 'yes'",
    );
}

/// A ceremony for `invite` with the pledge, `title` and start time given.
fn ceremony(app: &TestApp, title: &str, starts_at: &str, invite: Value) -> u64 {
    let pledge = app.publish_pledge();
    let reply = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({"title": title, "place": "Pendopo Kabupaten", "starts_at": starts_at,
                "timezone": "Asia/Jakarta", "pledge_id": pledge, "invite": invite, "mandiri_days": 7}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_u64().unwrap()
}

/// Last month's ceremony, closed with everyone signed, and today's, open with Andi
/// present and unsigned and the others absent.
fn last_month_and_today(app: &TestApp) -> (u64, u64) {
    app.import(ROSTER);
    let old = ceremony(
        app,
        "Apel Ikrar Bulan Lalu",
        "2024-09-07T09:00:00+07:00",
        json!({"opds": ["DISDIK"]}),
    );
    app.open(old);
    for nip in [ANDI, SITI] {
        let key = app.enroll(nip);
        assert_eq!(app.check_in(old, nip, ADMIN).status, 201);
        assert_eq!(app.sign(old, nip, &key).status, 201);
    }
    assert_eq!(app.close(old).status, 200);
    let today = ceremony(
        app,
        "Apel Ikrar Hari Ini",
        "2024-10-07T09:00:00+07:00",
        json!({"all": true}),
    );
    app.open(today);
    assert_eq!(app.check_in(today, ANDI, ADMIN).status, 201);
    (old, today)
}

#[test]
fn the_report_opens_on_todays_ceremony_and_clears_its_tables_after_a_refusal() {
    let app = TestApp::spawn();
    let (old, today) = last_month_and_today(&app);

    // The supervisor of DINKES, on a phone, with a token the admin gave them.
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kadinkes"}));
    let phone = Browser::start(true);
    phone.goto(&format!("{}/laporan.html", app.url));
    phone.wait_text("#result", "Masukkan token");
    phone.fill("#report-token", &supervisor);
    phone.click("#show-report");
    wait_until(
        &phone,
        &format!("document.querySelector('#main').dataset.shown === '{today}'"),
    );
    assert_eq!(phone.value("#ceremony"), today.to_string());
    assert_eq!(phone.text("#report-title"), "Apel Ikrar Hari Ini");
    phone.wait_text("#result", "2 pegawai belum menandatangani");
    phone.screenshot("report-360-today");

    // The admin, at a desk, with the login of this morning: the report opens by itself
    // on today's ceremony, with one absent official and one present but unsigned, and
    // the two do not look alike.
    let desk = Browser::start(false);
    login_admin(&desk, &app);
    desk.goto(&format!("{}/laporan.html", app.url));
    wait_until(
        &desk,
        &format!("document.querySelector('#main').dataset.shown === '{today}'"),
    );
    desk.wait_text("#result", "4 pegawai belum menandatangani");
    assert!(!desk.text("#result").contains("Semua pegawai"));
    let looks = desk.eval(
        "const style = (css) => { const s = getComputedStyle(document.querySelector(css));
           return [s.backgroundColor, s.borderStyle, s.color, s.fontWeight].join(' '); };
         return [style('#unsigned-table .badge.absent'), style('#unsigned-table .badge.attended-unsigned')];",
    );
    assert_ne!(looks[0], looks[1], "absent and present-unsigned look alike");
    assert_eq!(
        desk.text("#unsigned-table tr[data-nip='198001012005011001'] .badge"),
        "hadir, belum tanda tangan"
    );
    assert_eq!(
        desk.text("#unsigned-table tr[data-nip='199003032021211003'] .badge"),
        "tidak hadir"
    );
    desk.screenshot("report-1280-today");

    // Last month's ceremony, chosen on purpose, is where everyone signed.
    desk.select("#ceremony", &old.to_string());
    desk.wait_text(
        "#result",
        "Semua pegawai yang diundang sudah menandatangani",
    );
    wait_until(
        &desk,
        &format!("document.querySelector('#main').dataset.shown === '{old}'"),
    );

    // A refused request leaves no old table above its message.
    desk.select("#ceremony", &today.to_string());
    wait_until(
        &desk,
        &format!("document.querySelector('#main').dataset.shown === '{today}'"),
    );
    desk.fill("#opd", "bukan kode!");
    desk.click("#show-report");
    wait_until(
        &desk,
        "document.querySelector('#result').classList.contains('bad')",
    );
    let left = desk.eval(
        "return [document.querySelectorAll('#summary table, #unsigned table').length,
                 document.querySelector('#report-head').classList.contains('hidden')];",
    );
    assert_eq!(left, json!([0, true]));
    desk.screenshot("report-1280-refused");

    // The supervisor's phone asks for another OPD: refused, and nothing is left shown.
    phone.fill("#opd", "DISDIK");
    phone.click("#show-report");
    wait_until(
        &phone,
        "document.querySelector('#result').classList.contains('bad')",
    );
    assert_eq!(
        phone.eval("return document.querySelectorAll('#summary table, #unsigned table').length;"),
        0
    );
    phone.screenshot("report-360-refused");
    for browser in [&phone, &desk] {
        let errors: Vec<String> = browser
            .console_errors()
            .into_iter()
            .filter(|e| !e.contains("Failed to load resource"))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn the_clerks_console_puts_today_first_refreshes_itself_and_finds_one_official() {
    let app = TestApp::spawn();
    // A unit whose code sorts first but whose name sorts last.
    app.import(&format!(
        "{ROSTER}197705052003121001,Joko Widodo,Arsiparis,,PNS,ARSIP,Dinas Perpustakaan dan Kearsipan\n"
    ));
    let closed = ceremony(
        &app,
        "Apel Bulan Lalu",
        "2024-09-07T09:00:00+07:00",
        json!({"opds": ["DINKES"]}),
    );
    app.open(closed);
    assert_eq!(app.close(closed).status, 200);
    let coming = ceremony(
        &app,
        "Apel Minggu Depan",
        "2024-10-14T09:00:00+07:00",
        json!({"all": true}),
    );
    let today = ceremony(
        &app,
        "Apel Hari Ini",
        "2024-10-07T09:00:00+07:00",
        json!({"all": true}),
    );
    app.open(today);
    assert_eq!(app.check_in(today, ANDI, ADMIN).status, 201);

    for phone in [false, true] {
        let size = if phone { "360" } else { "1280" };
        let clerk = Browser::start(phone);
        // Pages that need a token say so in a clerk's words, not in HTTP's.
        clerk.goto(&format!("{}/kartu.html", app.url));
        let refused = clerk.wait_text("#result", "Anda belum masuk");
        assert!(!refused.contains("Authorization"), "{refused}");

        login_admin(&clerk, &app);
        wait_until(&clerk, "document.querySelector('.opd-progress') !== null");
        // Today's first, then the coming one; the closed one folded away below.
        let order = clerk.eval(
            "return [...document.querySelectorAll('#ceremonies article')].map((a) =>
               [a.dataset.ceremony, a.closest('details') ? (a.closest('details').open ? 'open' : 'folded') : 'shown']);",
        );
        assert_eq!(
            order,
            json!([
                [today.to_string(), "shown"],
                [coming.to_string(), "shown"],
                [closed.to_string(), "folded"]
            ])
        );
        // OPDs by name; totals and percentages beside the bars.
        let today_box = format!("#ceremonies article[data-ceremony='{today}']");
        let opds = clerk.eval(&format!(
            "return [...document.querySelectorAll(\"{today_box} tbody tr\")].map((r) => r.dataset.opd);"
        ));
        assert_eq!(opds, json!(["DINKES", "DISDIK", "ARSIP"]));
        let total = clerk.text(&format!("{today_box} tfoot"));
        assert!(total.contains("Jumlah") && total.contains("0%"), "{total}");
        let present = |clerk: &Browser| -> u64 {
            let line = clerk.text(&format!("{today_box} .progress-total"));
            line.split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{line}"))
        };
        let before = present(&clerk);
        clerk.screenshot(&format!("console-{size}-ceremonies"));

        // Someone checks in at the desk; the console shows it without a reload.
        let (nip, name) = if phone {
            (BUDI, "budi")
        } else {
            (SITI, "siti")
        };
        assert_eq!(app.check_in(today, nip, ADMIN).status, 201);
        clerk.wait_for(
            &format!(
                "document.querySelector(\"{today_box} .progress-total\").textContent.startsWith('{} hadir')",
                before + 1
            ),
            40,
        );
        assert!(
            clerk
                .text(&format!("{today_box} .refreshed"))
                .contains("Diperbarui otomatis")
        );

        // The roster: search, key status, and a card with a fresh code for one official.
        clerk.fill("#roster-q", name);
        clerk.click("#roster-search");
        wait_until(
            &clerk,
            "document.querySelectorAll('#roster-table tbody tr').length === 1",
        );
        assert!(clerk.text("#roster-table").contains("belum punya kunci"));
        clerk.click("#roster-table .card-code");
        let code =
            clerk.wait_text_where("#one-card .code", "an enrollment code", |t| t.len() == 14);
        clerk.eval("document.querySelector('#one-card').scrollIntoView(); return true;");
        clerk.screenshot(&format!("console-{size}-card"));
        // The card's code enrolls Rina's key.
        let key = pakta::keyfile::generate().unwrap();
        let enrolled = app.post("/api/enroll", None, &enrollment_body(nip, &code, &key));
        assert_eq!(enrolled.status, 201, "{}", enrolled.text);
        clerk.click("#roster-search");
        clerk.wait_text("#roster-table", "kunci aktif");

        // The login holds for the working day on this device: other pages and a reload
        // need no token until the end of today, and "Keluar" forgets it.
        let until = clerk.eval(
            "const kept = JSON.parse(localStorage.getItem('pakta-token'));
             const end = new Date(); end.setHours(23, 59, 59, 999);
             return kept.until === end.getTime();",
        );
        assert_eq!(until, Value::Bool(true));
        clerk.goto(&format!("{}/laporan.html", app.url));
        wait_until(
            &clerk,
            &format!("document.querySelector('#main').dataset.shown === '{today}'"),
        );
        assert!(!clerk.exists("#token-row:not(.hidden)"));
        clerk.goto(&format!("{}/admin.html", app.url));
        wait_until(&clerk, "document.querySelector('.opd-progress') !== null");
        clerk.click("header.top #logout");
        wait_until(
            &clerk,
            "!document.querySelector('#login').classList.contains('hidden') && localStorage.getItem('pakta-token') === null",
        );
        assert!(!clerk.exists("header.top #logout"));
        clerk.screenshot(&format!("console-{size}-logged-out"));
        let errors: Vec<String> = clerk
            .console_errors()
            .into_iter()
            .filter(|e| !e.contains("Failed to load resource"))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

/// Twenty-four officials over six OPDs, for a report of 22 unsigned.
fn hall_of_24() -> String {
    let units = [
        (
            "BKPSDM",
            "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        ),
        ("DINKES", "Dinas Kesehatan"),
        ("DISDIK", "Dinas Pendidikan dan Kebudayaan"),
        ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
        ("INSP", "Inspektorat Daerah"),
        ("SETDA", "Sekretariat Daerah"),
    ];
    let mut csv = String::from("nip,name,position,rank,category,opd_code,opd_name\n");
    for i in 0..24 {
        let (code, name) = units[i % units.len()];
        csv.push_str(&format!(
            "19800101200501{}{:03},\"Pegawai Nomor {i:02} Wicaksono, S.Kom., M.Si.\",Analis Sumber Daya Manusia Aparatur Ahli Pertama,,PNS,{code},{name}\n",
            1 + i % 2,
            i + 1
        ));
    }
    csv
}

fn nip_of(i: usize) -> String {
    format!("19800101200501{}{:03}", 1 + i % 2, i + 1)
}

#[test]
fn the_printed_report_is_one_a4_sheet_to_file() {
    let app = TestApp::spawn();
    assert_eq!(app.import(&hall_of_24()).body["created"], 24);
    let id = ceremony(
        &app,
        "Apel Ikrar Netralitas ASN Pilkada 2024",
        "2024-10-07T09:00:00+07:00",
        json!({"all": true}),
    );
    app.open(id);
    for i in 0..8 {
        assert_eq!(app.check_in(id, &nip_of(i), ADMIN).status, 201);
    }
    for i in 0..2 {
        let key = app.enroll(&nip_of(i));
        assert_eq!(app.sign(id, &nip_of(i), &key).status, 201);
    }

    let desk = Browser::start(false);
    login_admin(&desk, &app);
    desk.goto(&format!("{}/laporan.html?upacara={id}", app.url));
    wait_until(
        &desk,
        &format!("document.querySelector('#main').dataset.shown === '{id}'"),
    );
    desk.wait_text("#result", "22 pegawai belum menandatangani");
    desk.screenshot("report-print-1280-screen");

    // What the sheet holds: kop, ceremony, place and date, when printed, counts per
    // OPD with totals, the list with statuses in words, and the signature block.
    desk.emulate_media("print");
    let printed = desk.eval(
        "const shown = (css) => { const e = document.querySelector(css); return e !== null && e.getClientRects().length > 0; };
         const text = (css) => document.querySelector(css).innerText;
         return {
           form: shown('#report-form'), header: shown('header.top'),
           kop: text('#kop-instansi'), title: text('#report-title'), when: text('#report-when'),
           printed: shown('#report-printed') ? text('#report-printed') : '',
           totals: text('#summary-table tfoot'),
           rows: document.querySelectorAll('#unsigned-table tbody tr:not(.group)').length,
           statuses: [...new Set([...document.querySelectorAll('#unsigned-table .badge')].map((b) => b.innerText))].sort(),
           signature: shown('#signature-block') ? text('#signature-block') : '',
         };",
    );
    desk.screenshot("report-print-1280-print-media");
    desk.emulate_media("");
    assert_eq!(printed["form"], false, "{printed}");
    assert_eq!(printed["header"], false, "{printed}");
    assert_eq!(printed["kop"], "PEMERINTAH DAERAH", "{printed}");
    assert_eq!(
        printed["title"], "Apel Ikrar Netralitas ASN Pilkada 2024",
        "{printed}"
    );
    let when = printed["when"].as_str().unwrap();
    assert!(
        when.contains("Pendopo Kabupaten") && when.contains("Senin, 7 Oktober 2024 09.00 WIB"),
        "{when}"
    );
    assert!(
        printed["printed"].as_str().unwrap().starts_with("Dicetak "),
        "{printed}"
    );
    let totals = printed["totals"].as_str().unwrap();
    assert!(
        totals.contains("Jumlah") && totals.contains("24") && totals.contains("22"),
        "{totals}"
    );
    assert_eq!(printed["rows"], 22, "{printed}");
    assert_eq!(
        printed["statuses"],
        json!(["hadir, belum tanda tangan", "tidak hadir"])
    );
    let signature = printed["signature"].as_str().unwrap();
    assert!(
        signature.contains("Mengetahui") && signature.contains("Kepala BKPSDM"),
        "{signature}"
    );

    // A look at the sheet's text block (A4 less the margins, at 96 dpi).
    desk.set_viewport(688, 1024);
    desk.emulate_media("print");
    desk.screenshot("report-print-a4-text-block");
    desk.emulate_media("");
    desk.set_viewport(1280, 800);

    // On paper: one A4 sheet.
    let pdf = desk.print_pdf();
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/report-print-22.pdf");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(
        pdf_pages(&pdf),
        1,
        "the printed report takes more than one sheet: {file:?}"
    );

    // The print at phone size is the same sheet; the screen at 360 px shows the counts.
    let phone = Browser::start(true);
    phone.goto(&format!("{}/admin.html", app.url));
    phone.fill("#token", ADMIN);
    phone.click("#login-button");
    wait_until(&phone, "document.querySelector('.opd-progress') !== null");
    phone.goto(&format!("{}/laporan.html?upacara={id}", app.url));
    wait_until(
        &phone,
        &format!("document.querySelector('#main').dataset.shown === '{id}'"),
    );
    phone.eval("document.querySelector('#summary-table').scrollIntoView(); return true;");
    phone.screenshot("report-print-360-summary");
    assert_eq!(pdf_pages(&phone.print_pdf()), 1);
}
