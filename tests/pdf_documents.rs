//! The PDF documents an office files, read the way the office and an auditor read them:
//! each opens in poppler (`pdfinfo`), embeds its fonts (`pdffonts`), and says in its
//! text (`pdftotext -layout`) what the registry says; the receipt page's QR code,
//! rasterised (`pdftoppm`) and decoded, opens the public verification of exactly that
//! receipt. Who may have which document is checked too, and, in real headless
//! Chromium, that the report page's and the receipt page's "Unduh PDF" buttons save them.

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use browser::{Browser, wait_until};
use common::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The registry's default instansi, as its kop prints it.
const KOP: &str = "PEMERINTAH DAERAH";

struct Pdf {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Pdf {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn error_code(&self) -> String {
        let body = self.json();
        assert!(
            body["error"]["message"].as_str().unwrap_or_default().len() > 10,
            "a refusal says what to do: {body}"
        );
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
        .build()
        .into()
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Pdf {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Pdf {
        status: response.status().as_u16(),
        content_type,
        body: response
            .body_mut()
            .with_config()
            .limit(50 << 20)
            .read_to_vec()
            .unwrap(),
    }
}

fn get_pdf(app: &TestApp, path: &str, token: Option<&str>) -> Pdf {
    let mut request = agent().get(format!("{}{path}", app.url));
    if let Some(t) = token {
        request = request.header("Authorization", format!("Bearer {t}"));
    }
    read(request.call().expect("GET"))
}

fn post_receipt(app: &TestApp, receipt: &str, origin: Option<&str>) -> Pdf {
    let mut request = agent()
        .post(format!("{}/api/receipts/pdf", app.url))
        .content_type("application/json");
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    read(
        request
            .send(json!({ "receipt": receipt }).to_string().as_bytes())
            .expect("POST"),
    )
}

/// A PDF as a viewer sees it: it opens, its page count, every font embedded, its text.
struct Opened {
    pages: u32,
    text: String,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

fn poppler(program: &str) -> PathBuf {
    ensure_installed(program, "poppler-utils")
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(poppler(program))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler writes UTF-8")
}

fn open(pdf: &Pdf) -> Opened {
    assert_eq!(pdf.status, 200, "{}", String::from_utf8_lossy(&pdf.body));
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, &pdf.body).unwrap();
    let path = file.to_str().unwrap();
    let info = run("pdfinfo", &[path]);
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo names no page count: {info}"));
    assert!(
        info.lines()
            .any(|l| l.starts_with("Page size:") && l.contains("595.28 x 841.89")),
        "A4 pages: {info}"
    );
    // pdffonts: two heading lines, then one line per font, with "emb" yes or no.
    let fonts = run("pdffonts", &[path]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {fonts}");
    for row in &rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let emb = columns[columns.len() - 5];
        assert_eq!(emb, "yes", "every font embedded: {fonts}");
        assert!(row.contains("DejaVu"), "the bundled font: {fonts}");
    }
    let text = run("pdftotext", &["-layout", path, "-"]);
    Opened {
        pages,
        text,
        file,
        _dir: dir,
    }
}

/// The line of `text` that contains `label`, with its words.
fn words_of_line<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    text.lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line with {label:?} in:\n{text}"))
        .split_whitespace()
        .collect()
}

/// A ceremony as offices hold them: four invited in two OPDs, Andi and Budi checked in
/// and signed in the hall, Siti and Rina absent and routed to ikrar mandiri at closing.
struct Held {
    app: TestApp,
    ceremony: u64,
    andi_receipt: String,
    andi_enrollment_receipt: String,
}

fn held() -> Held {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI, BUDI]);
    let code = app.enrollment_code(ANDI);
    let andi = pakta::keyfile::generate().unwrap();
    let enrolled = app.post("/api/enroll", None, &enrollment_body(ANDI, &code, &andi));
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    let budi = app.enroll(BUDI);
    app.advance(chrono::Duration::minutes(10));
    let signed = app.sign(ceremony, ANDI, &andi);
    assert_eq!(signed.status, 201, "{}", signed.text);
    assert_eq!(app.sign(ceremony, BUDI, &budi).status, 201);
    app.advance(chrono::Duration::minutes(50));
    let closed = app.close(ceremony);
    assert_eq!(closed.status, 200, "{}", closed.text);
    Held {
        ceremony,
        andi_receipt: signed.body["receipt"].as_str().unwrap().to_string(),
        andi_enrollment_receipt: enrolled.body["receipt"].as_str().unwrap().to_string(),
        app,
    }
}

fn access_records(app: &TestApp) -> Vec<(String, String, String, u64)> {
    let reply = app.get("/api/access-log?limit=1000", Some(ADMIN));
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["token_name"].as_str().unwrap().to_string(),
                r["action"].as_str().unwrap().to_string(),
                r["scope"].as_str().unwrap().to_string(),
                r["people"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_report_pdf_recaps_each_opd_with_totals_and_lists_who_has_not_signed() {
    let Held { app, ceremony, .. } = held();
    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektur Pembantu II"}));
    let pdf = get_pdf(
        &app,
        &format!("/api/ceremonies/{ceremony}/report.pdf"),
        Some(&inspektorat),
    );
    let opened = open(&pdf);
    let text = &opened.text;
    assert!(opened.pages >= 1);
    for expected in [
        KOP,
        "LAPORAN PENANDATANGANAN",
        "Ikrar Netralitas ASN (nomor",
        "Pendopo Kabupaten",
        "Senin, 7 Oktober 2024 09.00 WIB",
        "ditutup",
        "Batas ikrar mandiri",
        "Rekapitulasi per OPD",
        "Dinas Kesehatan (DINKES)",
        "Dinas Pendidikan (DISDIK)",
        "Siti Rahmawati",
        "198502142010122002",
        "Rina Marlina",
        "3201014501900001",
        "ikrar mandiri, belum",
        "Mengetahui,",
        "Kepala Dinas Kesehatan",
        "Halaman 1 dari",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Those who signed are counted, not listed.
    assert!(!text.contains("Andi Wijaya"), "{text}");
    assert!(!text.contains("Budi Santoso"), "{text}");
    // Diundang, Hadir, TTD di upacara, Ikrar mandiri, Belum, Lewat batas, Terlambat,
    // Diwakili, PDP.
    assert_eq!(
        words_of_line(text, "Jumlah"),
        ["Jumlah", "4", "2", "2", "0", "2", "0", "0", "0", "0"]
    );
    assert_eq!(
        words_of_line(text, "(DINKES)")[3..],
        ["2", "1", "1", "0", "1", "0", "0", "0", "0"]
    );
    // The same reads as the JSON report and the unsigned list, in the access log.
    let scope = format!("ceremony {ceremony}, all OPDs");
    let records = access_records(&app);
    assert_eq!(
        records[..2],
        [
            (
                "Inspektur Pembantu II".to_string(),
                "unsigned".to_string(),
                scope.clone(),
                2
            ),
            (
                "Inspektur Pembantu II".to_string(),
                "report".to_string(),
                scope,
                4
            ),
        ]
    );
}

#[test]
fn a_supervisor_gets_their_own_opd_and_strangers_and_other_opds_are_refused() {
    let Held { app, ceremony, .. } = held();
    let supervisor =
        app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kepala Dinas Kesehatan"}));
    let path = format!("/api/ceremonies/{ceremony}/report.pdf");
    let own = open(&get_pdf(&app, &path, Some(&supervisor)));
    assert!(own.text.contains("Rina Marlina"), "{}", own.text);
    assert!(!own.text.contains("Dinas Pendidikan"), "{}", own.text);
    assert!(!own.text.contains("Siti Rahmawati"), "{}", own.text);
    assert_eq!(
        words_of_line(&own.text, "Jumlah"),
        ["Jumlah", "2", "1", "1", "0", "1", "0", "0", "0", "0"]
    );
    let records = access_records(&app);
    let scope = format!("ceremony {ceremony}, OPD DINKES");
    assert_eq!(
        records[..2],
        [
            (
                "Kepala Dinas Kesehatan".to_string(),
                "unsigned".to_string(),
                scope.clone(),
                1
            ),
            (
                "Kepala Dinas Kesehatan".to_string(),
                "report".to_string(),
                scope,
                2
            ),
        ]
    );

    let other = get_pdf(&app, &format!("{path}?opd=DISDIK"), Some(&supervisor));
    assert_eq!(other.status, 403);
    assert_eq!(other.error_code(), "forbidden");
    let public = get_pdf(&app, &path, None);
    assert_eq!(public.status, 401);
    assert!(!public.error_code().is_empty());
    // An operator's token is for the desk (and ends with its ceremony): no report.
    let operator = app.token(json!({"role": "operator", "ceremony": ceremony, "name": "Meja 1"}));
    assert!([401, 403].contains(&get_pdf(&app, &path, Some(&operator)).status));
    let missing = get_pdf(&app, "/api/ceremonies/99/report.pdf", Some(ADMIN));
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "unknown_ceremony");

    // An auditor reads counts, never names: the PDF says so instead of listing them.
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu Kabupaten"}));
    let counts = open(&get_pdf(&app, &path, Some(&auditor)));
    assert!(
        counts.text.contains("token auditor hanya membaca"),
        "{}",
        counts.text
    );
    assert!(!counts.text.contains("Rina Marlina"), "{}", counts.text);
    assert!(!counts.text.contains("Siti Rahmawati"), "{}", counts.text);
    assert_eq!(
        words_of_line(&counts.text, "Jumlah"),
        ["Jumlah", "4", "2", "2", "0", "2", "0", "0", "0", "0"]
    );
    assert_eq!(access_records(&app)[0].1, "report");
}

#[test]
fn the_berita_acara_records_the_ceremony_and_the_checkpoint_that_covers_it() {
    let Held { app, ceremony, .. } = held();
    let details = app.get(&format!("/api/ceremonies/{ceremony}"), None);
    let pledge_sha256 = details.body["pledge"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/ceremonies/{ceremony}/berita-acara.pdf");
    let reads_before = access_records(&app);
    let opened = open(&get_pdf(&app, &path, Some(ADMIN)));
    let text = &opened.text;
    // Nothing was appended since: the checkpoint served now is the one printed.
    let checkpoint = String::from_utf8(app.get_bytes("/checkpoint")).unwrap();
    let mut lines = checkpoint.lines();
    let (origin, size, root) = (
        lines.next().unwrap(),
        lines.next().unwrap(),
        lines.next().unwrap(),
    );
    let root_hex = hex::encode(STANDARD.decode(root).unwrap());
    assert_eq!(origin, ORIGIN);
    for expected in [
        KOP,
        "BERITA ACARA",
        "PENANDATANGANAN PAKTA INTEGRITAS NETRALITAS ASN",
        "Pada Senin, 7 Oktober 2024 09.00 WIB, bertempat di Pendopo Kabupaten",
        "Pakta Integritas Netralitas ASN Pilkada 2024",
        &pledge_sha256,
        "Pembukaan upacara",
        "Penutupan upacara",
        ORIGIN,
        &format!("{size} entri"),
        &root_hex,
        root,
        "Mengetahui,",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    for (label, count) in [
        ("Diundang", "4"),
        ("Hadir", "2"),
        ("Menandatangani di upacara", "2"),
        ("Dialihkan ke ikrar mandiri", "2"),
    ] {
        let words = words_of_line(text, &format!("{label} "));
        assert_eq!(words[words.len() - 2..], [count, "orang"], "{label}");
    }
    // Counts only: no names, and so nothing in the access log.
    assert!(!text.contains("Siti Rahmawati") && !text.contains("Andi Wijaya"));
    assert_eq!(access_records(&app), reads_before);

    let inspektorat = app.token(json!({"role": "inspektorat", "name": "Inspektur"}));
    let auditor = app.token(json!({"role": "auditor", "name": "Bawaslu"}));
    for token in [&inspektorat, &auditor] {
        assert_eq!(get_pdf(&app, &path, Some(token)).status, 200);
    }
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DINKES", "name": "Kadinkes"}));
    let refused = get_pdf(&app, &path, Some(&supervisor));
    assert_eq!(refused.status, 403);
    assert_eq!(refused.error_code(), "forbidden");
    let public = get_pdf(&app, &path, None);
    assert_eq!(public.status, 401);
    assert!(!public.error_code().is_empty());
}

/// Reads a binary PGM (P5) as pdftoppm writes it: width, height, one byte per pixel.
fn read_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(bytes[start..at].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[at + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

/// Every QR code on the single page of `pdf`, rasterised at 150 dpi in grey.
fn qr_codes(pdf: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-gray",
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let (w, h, pixels) = read_pgm(&std::fs::read(dir.path().join("page.pgm")).unwrap());
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    image
        .detect_grids()
        .iter()
        .map(|grid| grid.decode().expect("the QR code decodes").1)
        .collect()
}

/// The entry index and the SHA-256 of the entry bytes a receipt carries.
fn receipt_entry(receipt: &str) -> (u64, String) {
    let extra = receipt
        .lines()
        .find_map(|l| l.strip_prefix("extra "))
        .unwrap();
    let index = receipt
        .lines()
        .find_map(|l| l.strip_prefix("index "))
        .unwrap();
    let entry = STANDARD.decode(extra).unwrap();
    (index.parse().unwrap(), hex::encode(Sha256::digest(&entry)))
}

#[test]
fn a_receipt_prints_on_one_page_with_a_qr_code_that_opens_exactly_its_verification() {
    let Held {
        app,
        ceremony,
        andi_receipt,
        ..
    } = held();
    let (index, entry_hash) = receipt_entry(&andi_receipt);
    let key = andi_receipt
        .lines()
        .find_map(|l| l.strip_prefix("key: "))
        .unwrap();
    let fingerprint = hex::encode(Sha256::digest(STANDARD.decode(key).unwrap()));

    let reads_before = access_records(&app);
    let opened = open(&post_receipt(&app, &andi_receipt, None));
    let text = &opened.text;
    assert_eq!(opened.pages, 1);
    let verification = format!(
        "{}/verifikasi.html#entri={index}&hash={entry_hash}",
        app.url
    );
    for expected in [
        KOP,
        "TANDA TERIMA PENANDATANGANAN",
        "Andi Wijaya, S.Pd.",
        ANDI,
        "Kepala Dinas Pendidikan",
        "Pakta Integritas Netralitas ASN Pilkada 2024",
        &format!("Ikrar Netralitas ASN (nomor {ceremony})"),
        "ikrar bersama",
        // Signed at 01:10 UTC: 08.10 in Jakarta.
        "Senin, 7 Oktober 2024 08.10 WIB",
        &index.to_string(),
        &entry_hash,
        &fingerprint,
        "Pernyataan yang ditandatangani",
        "PAKTA INTEGRITAS NETRALITAS ASN",
        "format: pakta/statement/v2",
        "sha256-pakta: ",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert_eq!(qr_codes(&opened.file), [verification]);

    // Printed from a page, the link is on the address the browser used, as the
    // page's own QR code is.
    let from_page = open(&post_receipt(
        &app,
        &andi_receipt,
        Some("https://pakta.example.go.id"),
    ));
    assert_eq!(
        qr_codes(&from_page.file),
        [format!(
            "https://pakta.example.go.id/verifikasi.html#entri={index}&hash={entry_hash}"
        )]
    );
    // A public route that looks nobody up: nothing in the access log.
    assert_eq!(access_records(&app), reads_before);
}

#[test]
fn only_a_valid_pledge_signature_is_printed() {
    let Held {
        app,
        andi_receipt,
        andi_enrollment_receipt,
        ..
    } = held();
    // One changed letter in the name: the signature no longer covers the statement.
    let tampered = andi_receipt.replacen("Andi Wijaya", "Andi Wijoyo", 1);
    assert_ne!(tampered, andi_receipt);
    let refused = post_receipt(&app, &tampered, None);
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error_code(), "receipt_not_valid");
    assert!(!refused.body.starts_with(b"%PDF"));
    // A real receipt, but of a key enrollment: not a signed pakta.
    let enrollment = post_receipt(&app, &andi_enrollment_receipt, None);
    assert_eq!(enrollment.status, 400);
    assert_eq!(enrollment.error_code(), "receipt_not_valid");
    let garbage = post_receipt(&app, "bukan tanda terima", None);
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.error_code(), "receipt_not_valid");
    let wrong_body = app.post("/api/receipts/pdf", None, &json!({"statement": "x"}));
    assert_eq!(wrong_body.status, 400);
    assert!(!wrong_body.error_code().is_empty());
}

#[test]
fn the_report_page_downloads_both_pdfs() {
    let Held { app, ceremony, .. } = held();
    let page = Browser::start(false);
    page.goto(&format!("{}/laporan.html?upacara={ceremony}", app.url));
    page.fill("#report-token", ADMIN);
    page.click("#show-report");
    wait_until(
        &page,
        &format!("document.querySelector('#main').dataset.shown === '{ceremony}'"),
    );
    keep_saved_files(&page);
    for (button, count) in [("#download-pdf", 1), ("#download-berita-acara", 2)] {
        page.click(button);
        wait_until(&page, &format!("window.saved.length === {count}"));
        let saved = page.eval_async(&format!(
            "const done = arguments[arguments.length - 1]; \
             const blob = window.saved[{}]; \
             blob.slice(0, 5).text().then((head) => done([blob.type, head, blob.size]));",
            count - 1
        ));
        assert_eq!(saved[0], "application/pdf", "{button}: {saved}");
        assert_eq!(saved[1], "%PDF-", "{button}: {saved}");
        assert!(saved[2].as_u64().unwrap() > 10_000, "{button}: {saved}");
    }
    assert!(!page.text("#result").contains("ditolak"));
    assert!(
        page.console_errors().is_empty(),
        "{:?}",
        page.console_errors()
    );
}

/// Keeps what the page saves as a file, as the browser would write it.
fn keep_saved_files(page: &Browser) {
    page.eval(
        "window.saved = []; const make = URL.createObjectURL.bind(URL); \
         URL.createObjectURL = (blob) => { window.saved.push(blob); return make(blob); }; \
         return true;",
    );
}

#[test]
fn the_receipt_page_prints_the_receipt_kept_on_the_device() {
    let Held {
        app, andi_receipt, ..
    } = held();
    let (index, _) = receipt_entry(&andi_receipt);
    let device = Browser::start(true);
    device.goto(&format!("{}/tanda-tangan.html", app.url));
    // The receipt as the signing page keeps it on the device after signing.
    let kept = device.eval_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         import('/keys.js').then((keys) => keys.save({{ nip: {ANDI:?}, receipts: [{andi_receipt:?}] }})) \
           .then(() => done(true), (e) => done(String(e)));"
    ));
    assert_eq!(kept, true, "{kept}");
    device.goto(&format!(
        "{}/tanda-terima.html?nip={ANDI}&entri={index}",
        app.url
    ));
    wait_until(
        &device,
        "document.querySelector('#printable').dataset.loaded === 'yes'",
    );
    keep_saved_files(&device);
    device.click("#download-pdf");
    wait_until(&device, "window.saved.length === 1");
    let saved = device.eval_async(
        "const done = arguments[arguments.length - 1]; \
         const blob = window.saved[0]; \
         blob.slice(0, 5).text().then((head) => done([blob.type, head]));",
    );
    assert_eq!(saved, json!(["application/pdf", "%PDF-"]));
    assert!(
        device.console_errors().is_empty(),
        "{:?}",
        device.console_errors()
    );
}
