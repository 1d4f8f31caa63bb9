//! The hall screen on a projector, in real headless Chromium: at 1280x720 and at
//! 1920x1080 the ceremony, the whole pledge, the counts and the QR code with its code
//! are all on screen without scrolling, and the counts are large enough to read from
//! the back of the hall; a count that changes shows without a reload. Screenshots go
//! to test-artifacts/.

mod browser;
mod common;

use browser::Browser;
use common::*;
use serde_json::json;

/// The hall screen draws its code and counts after several requests: 20 s.
fn wait_long(browser: &Browser, condition: &str) {
    browser.wait_for(condition, 20);
}

/// Where each part of the hall screen is, and whether the page scrolls.
const MEASURE: &str = "
const box = (css) => { const r = document.querySelector(css).getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height }; };
const text = document.querySelector('#pledge-text');
const range = document.createRange();
range.selectNodeContents(text);
const lines = [...range.getClientRects()];
return {
  viewport: [window.innerWidth, window.innerHeight],
  scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
  parts: ['#hall-title', '#hall-when', '#pledge-title', '#count-checked-in', '#count-signed',
          '#count-invited', '#presence-qr', '#presence-code'].map((css) => [css, box(css)]),
  lastPledgeLine: lines.length ? lines[lines.length - 1].bottom : 0,
  countSize: parseFloat(getComputedStyle(document.querySelector('#count-signed')).fontSize),
};";

#[test]
fn the_hall_screen_fits_a_projector_without_scrolling() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    // The demo's pledge, as long as a real one.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/pledge.txt"),
    )
    .unwrap();
    let pledge = app.post(
        "/api/pledges",
        Some(ADMIN),
        &json!({"title": "Pakta Integritas Netralitas ASN Pilkada 2024", "text": text}),
    );
    assert_eq!(pledge.status, 201, "{}", pledge.text);
    let created = app.post(
        "/api/ceremonies",
        Some(ADMIN),
        &json!({"title": "Apel Ikrar Netralitas ASN Pilkada Serentak 2024", "place": "Lapangan Upacara Kantor Bupati",
                "starts_at": "2024-10-07T09:00:00+07:00", "timezone": "Asia/Jakarta",
                "pledge_id": pledge.body["id"], "invite": {"all": true}, "mandiri_days": 7}),
    );
    let ceremony = created.body["id"].as_u64().unwrap();
    app.open(ceremony);
    assert_eq!(app.check_in(ceremony, ANDI, ADMIN).status, 201);

    let projector = Browser::start(false);
    projector.goto(&format!("{}/layar.html?upacara={ceremony}", app.url));
    projector.fill("#hall-token", ADMIN);
    projector.click("#start-hall");
    projector.wait_text_where("#presence-code", "an 8-character code", |t| t.len() == 8);
    projector.wait_text("#count-checked-in", "1");

    for (width, height) in [(1280, 720), (1920, 1080)] {
        projector.set_viewport(width, height);
        // The page refits itself when the screen changes size.
        wait_long(
            &projector,
            "document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth",
        );
        wait_long(
            &projector,
            "document.querySelector('#presence-qr').complete",
        );
        let m = projector.eval(MEASURE);
        let shot = projector.screenshot(&format!("hall-{width}x{height}"));
        assert_eq!(m["viewport"], json!([width, height]), "{m}");
        let h = height as f64;
        for part in m["parts"].as_array().unwrap() {
            let (css, b) = (&part[0], &part[1]);
            assert!(
                b["top"].as_f64().unwrap() >= 0.0
                    && b["bottom"].as_f64().unwrap() <= h
                    && b["right"].as_f64().unwrap() <= width as f64
                    && b["height"].as_f64().unwrap() > 0.0,
                "{css} is not wholly on the {width}x{height} screen: {b}; see {shot:?}"
            );
        }
        assert!(
            m["lastPledgeLine"].as_f64().unwrap() <= h,
            "the pledge runs off the screen: {m}; see {shot:?}"
        );
        // Readable from the back of a hall: the counts stand at least 8% of the
        // screen's height (58 px at 720, 86 px at 1080).
        assert!(
            m["countSize"].as_f64().unwrap() >= 0.08 * h,
            "counts of {} px on a {height}-pixel screen; see {shot:?}",
            m["countSize"]
        );
        // The QR code is large enough to scan from the rows in front.
        let qr = &m["parts"][6][1];
        assert!(
            qr["height"].as_f64().unwrap() >= 0.3 * h,
            "a QR code of {qr}; see {shot:?}"
        );
    }

    // A signature at the desk shows on the screen without a reload.
    assert_eq!(app.check_in(ceremony, SITI, ADMIN).status, 201);
    projector.wait_text("#count-checked-in", "2");
    projector.screenshot("hall-1920x1080-updated");
    assert!(
        projector.console_errors().is_empty(),
        "{:?}",
        projector.console_errors()
    );
}
