//! Every list comes a page at a time, and nothing the server refuses is answered without
//! the envelope. Seen as a user sees it: following `next` through a large roster finds
//! every official exactly once, in order, in pages no larger than asked; a made-up or
//! stale cursor is refused with a 400 envelope; the unsigned CSV, streamed, holds every
//! unsigned official, and a download that breaks off midway fails instead of looking
//! complete; a request whose headers are too large gets 431 with the envelope, one the
//! server cannot parse 400 with it, and one whose headers are too slow 408 with it, on
//! any request of a connection.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// Officials in the large roster: several pages at the largest page size.
const OFFICIALS: usize = 2_500;
/// Units they are spread over.
const UNITS: usize = 7;

/// A valid 18-digit NIP per number: birth date 1980-01-01, then digits no rule checks.
fn nip(i: usize) -> String {
    format!("19800101{:06}1{:03}", i / 1000, i % 1000)
}

fn unit(i: usize) -> String {
    format!("DINAS-{:02}", i % UNITS)
}

/// Names in an order unrelated to the NIPs, some shared, so paging by name then NIP is
/// exercised where names tie.
fn name(i: usize) -> String {
    format!("Pegawai {:04}", (i * 7919) % (OFFICIALS / 2))
}

fn large_roster() -> String {
    let mut csv = String::from("nip,name,position,rank,category,opd_code,opd_name\n");
    for i in 0..OFFICIALS {
        let unit = unit(i);
        csv.push_str(&format!(
            "{},{},Staf,,PNS,{unit},Dinas {unit}\n",
            nip(i),
            name(i)
        ));
    }
    csv
}

fn app_with_large_roster() -> TestApp {
    let app = TestApp::spawn();
    let imported = app.import(&large_roster());
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["created"], OFFICIALS);
    app
}

/// Follows `next` from the first page of `path` to the last; returns every page's items.
fn all_pages(app: &TestApp, path: &str, key: &str) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut after: Option<u64> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match after {
            Some(a) => format!("{path}{sep}after={a}"),
            None => path.to_string(),
        };
        let reply = app.get(&url, Some(ADMIN));
        assert_eq!(reply.status, 200, "{url}: {}", reply.text);
        pages.push(reply.body[key].as_array().expect(key).clone());
        match &reply.body["next"] {
            Value::Null => return pages,
            next => after = Some(next.as_u64().expect("next is a number")),
        }
        assert!(pages.len() <= OFFICIALS, "paging never ends");
    }
}

#[test]
fn paging_through_a_large_roster_returns_every_official_once_in_order() {
    let app = app_with_large_roster();

    for (query, size) in [("?limit=1000", 1000), ("", 100), ("?limit=333", 333)] {
        let pages = all_pages(&app, &format!("/api/officials{query}"), "officials");
        assert_eq!(pages.len(), OFFICIALS.div_ceil(size), "{query}");
        assert!(pages.iter().all(|p| p.len() <= size && !p.is_empty()));
        let listed: Vec<&Value> = pages.iter().flatten().collect();
        let nips: HashSet<String> = listed
            .iter()
            .map(|o| o["nip"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed.len(), OFFICIALS, "{query}: someone listed twice");
        assert_eq!(nips, (0..OFFICIALS).map(nip).collect::<HashSet<_>>());
        let order: Vec<(&str, &str, &str)> = listed
            .iter()
            .map(|o| {
                let field = |k: &str| o[k].as_str().unwrap();
                (field("opd_code"), field("name"), field("nip"))
            })
            .collect();
        assert!(order.is_sorted(), "{query}: not by unit, name, NIP");
    }

    // One unit, paged the same way, holds exactly that unit.
    let pages = all_pages(&app, "/api/officials?opd=DINAS-03&limit=100", "officials");
    let listed: Vec<Value> = pages.into_iter().flatten().collect();
    let expected = (0..OFFICIALS).filter(|i| unit(*i) == "DINAS-03").count();
    assert_eq!(listed.len(), expected);
    assert!(listed.iter().all(|o| o["opd_code"] == "DINAS-03"));

    // The page size is bounded: asking for more than the maximum is refused.
    let too_many = app.get("/api/officials?limit=100000", Some(ADMIN));
    assert_eq!(too_many.status, 400);
    assert_eq!(too_many.error_code(), "invalid_limit");
}

#[test]
fn bad_cursors_and_limits_are_refused_with_the_envelope() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    let routes = [
        "/api/officials".to_string(),
        format!("/api/ceremonies/{ceremony}/unsigned"),
        "/api/ceremonies".to_string(),
        "/api/pledges".to_string(),
    ];
    for route in &routes {
        for (query, code) in [
            ("after=abc", "invalid_cursor"),
            ("after=-1", "invalid_cursor"),
            ("after=0", "invalid_cursor"),
            ("limit=0", "invalid_limit"),
            ("limit=many", "invalid_limit"),
            ("limit=1000000", "invalid_limit"),
        ] {
            let reply = app.get(&format!("{route}?{query}"), Some(ADMIN));
            assert_eq!(reply.status, 400, "{route}?{query}: {}", reply.text);
            assert_eq!(reply.error_code(), code, "{route}?{query}");
        }
    }
    // A cursor that names no official (made up, or one whose row is gone) is refused,
    // not read as the end of the list.
    for route in &routes[..2] {
        let reply = app.get(&format!("{route}?after=999999"), Some(ADMIN));
        assert_eq!(reply.status, 400, "{route}: {}", reply.text);
        assert_eq!(reply.error_code(), "invalid_cursor");
    }
    // Past the last ceremony or pledge there is simply nothing more.
    let past = app.get("/api/ceremonies?after=999999", None);
    assert_eq!(past.body, json!({"ceremonies": [], "next": null}));
}

#[test]
fn ceremonies_pledges_and_cards_come_in_pages() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let ids: Vec<u64> = (0..3)
        .map(|_| app.create_ceremony(json!({"all": true})))
        .collect();
    let pages = all_pages(&app, "/api/ceremonies?limit=2", "ceremonies");
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
    let listed: Vec<u64> = pages
        .iter()
        .flatten()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(listed, ids);
    // Each ceremony above published its own pledge.
    let pages = all_pages(&app, "/api/pledges?limit=2", "pledges");
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);

    // Enrollment cards: each page issues codes for the next officials without a key.
    let _siti = app.enroll(SITI);
    let mut cards = Vec::new();
    let mut path = "/api/enrollment-cards?limit=2".to_string();
    loop {
        let reply = app.post(&path, Some(ADMIN), &json!({}));
        assert_eq!(reply.status, 201, "{}", reply.text);
        let page = reply.body["cards"].as_array().unwrap();
        assert!(page.len() <= 2);
        cards.extend(page.iter().map(|c| c["nip"].as_str().unwrap().to_string()));
        match reply.body["next"].as_u64() {
            Some(next) => path = format!("/api/enrollment-cards?limit=2&after={next}"),
            None => break,
        }
    }
    cards.sort();
    let mut keyless = vec![ANDI.to_string(), BUDI.to_string(), RINA.to_string()];
    keyless.sort();
    assert_eq!(cards, keyless);
}

/// The unsigned list of `ceremony`, read as report.js reads it: every page, with an
/// OPD that runs over a page boundary joined into one group.
fn unsigned_by_opd(app: &TestApp, ceremony: u64, limit: usize) -> BTreeMap<String, Vec<String>> {
    let pages = all_pages(
        app,
        &format!("/api/ceremonies/{ceremony}/unsigned?limit={limit}"),
        "opds",
    );
    let mut opds: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for group in pages.iter().flatten() {
        let list = opds
            .entry(group["code"].as_str().unwrap().into())
            .or_default();
        for official in group["unsigned"].as_array().unwrap() {
            list.push(official["nip"].as_str().unwrap().into());
        }
    }
    opds
}

/// The CSV download as bytes, with whether it came chunked and whether it ended as
/// HTTP says a whole body ends.
fn download_csv(app: &TestApp, ceremony: u64) -> (String, bool, Result<String, String>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!(
            "{}/api/ceremonies/{ceremony}/unsigned?format=csv",
            app.url
        ))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .call()
        .expect("GET the CSV");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (content_type, chunked) = (
        header("content-type"),
        header("transfer-encoding") == "chunked",
    );
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|e| e.to_string());
    (content_type, chunked, body)
}

#[test]
fn the_unsigned_csv_streams_every_unsigned_official_and_fails_when_cut_off() {
    let app = app_with_large_roster();
    let ceremony = app.open_ceremony_with_checked_in(&[]);
    // Two officials sign at the ceremony.
    let signers = [nip(10), nip(2_000)];
    for signer in &signers {
        assert_eq!(app.check_in(ceremony, signer, ADMIN).status, 201);
        let key = app.enroll(signer);
        let signed = app.sign(ceremony, signer, &key);
        assert_eq!(signed.status, 201, "{}", signed.text);
    }
    let unsigned: HashSet<String> = (0..OFFICIALS)
        .map(nip)
        .filter(|n| !signers.contains(n))
        .collect();

    // The JSON pages, joined, list every unsigned official once, and every OPD.
    for limit in [1000, 150] {
        let opds = unsigned_by_opd(&app, ceremony, limit);
        assert_eq!(opds.len(), UNITS);
        let listed: Vec<&String> = opds.values().flatten().collect();
        assert_eq!(listed.len(), unsigned.len(), "limit {limit}");
        assert_eq!(
            listed.into_iter().cloned().collect::<HashSet<_>>(),
            unsigned
        );
    }

    // The CSV, sent as it is read, holds the same officials.
    let (content_type, chunked, body) = download_csv(&app, ceremony);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(chunked, "the CSV is not streamed");
    let body = body.expect("a whole CSV");
    let mut rows = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        rows.headers().unwrap(),
        vec!["Kode OPD", "Nama OPD", "NIP", "Nama", "Jabatan", "Status"]
    );
    let nips: Vec<String> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            r[2].trim_start_matches("=\"")
                .trim_end_matches('"')
                .to_string()
        })
        .collect();
    assert_eq!(nips.len(), unsigned.len(), "someone missing or twice");
    assert_eq!(nips.into_iter().collect::<HashSet<_>>(), unsigned);

    // A read that fails after the first page (an official's stored NIP damaged behind
    // the application's back) breaks the transfer off: the client sees an error, not a
    // shorter file that looks complete.
    let last_of_all = (0..OFFICIALS)
        .max_by_key(|i| (unit(*i), name(*i), nip(*i)))
        .unwrap();
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    conn.execute(
        "UPDATE officials SET nip = 'rusak' WHERE nip = ?1",
        [nip(last_of_all)],
    )
    .unwrap();
    drop(conn);
    let (_, chunked, body) = download_csv(&app, ceremony);
    assert!(chunked);
    assert!(
        body.is_err(),
        "a broken-off CSV was read as complete ({} bytes)",
        body.map(|b| b.len()).unwrap_or_default()
    );
}

/// A whole answer read from a raw connection: status, header lines (lowercase) and body.
struct Answer {
    status: u16,
    head: String,
    body: Value,
}

/// Sends `request` and reads answers until the server closes the connection.
fn exchange(app: &TestApp, request: &[u8]) -> Vec<Answer> {
    let mut stream = TcpStream::connect(app.url.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    // The server may answer and close before it has read all of an oversized request.
    let _ = stream.write_all(request);
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the connection was never closed: {}",
            String::from_utf8_lossy(&bytes)
        );
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading: {e}"),
        }
    }
    let mut answers = Vec::new();
    let mut rest = &bytes[..];
    while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&rest[..end]).to_lowercase();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        let body = &rest[end + 4..end + 4 + length];
        answers.push(Answer {
            status,
            head,
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
        });
        rest = &rest[end + 4 + length..];
    }
    answers
}

fn assert_envelope(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.head);
    assert!(
        answer
            .head
            .lines()
            .any(|l| l == "content-type: application/json"),
        "{}",
        answer.head
    );
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.body);
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.len() > 20, "no useful message: {}", answer.body);
}

#[test]
fn requests_refused_before_the_application_get_the_envelope_too() {
    let app = TestApp::spawn();
    let get = "GET /api/registry/head HTTP/1.1\r\nHost: localhost\r\n\r\n";

    // Headers too large, after a request on the same connection that is answered first.
    let oversized = format!(
        "GET /api/registry/head HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    let answers = exchange(&app, format!("{get}{oversized}").as_bytes());
    assert_eq!(
        answers.len(),
        2,
        "{:?}",
        answers.iter().map(|a| &a.head).collect::<Vec<_>>()
    );
    assert_eq!(answers[0].status, 200);
    assert_envelope(&answers[1], 431, "headers_too_large");
    assert!(answers[1].head.lines().any(|l| l == "connection: close"));

    // Too many header lines.
    let many: String = (0..100).map(|i| format!("X-Header-{i}: 1\r\n")).collect();
    let answers = exchange(&app, format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes());
    assert_envelope(&answers[0], 431, "headers_too_large");

    // Requests that cannot be parsed.
    for bad in [
        "GET /api/registry/head HTTP/1.1\r\nHost: localhost\r\nBad Header: 1\r\n\r\n",
        "BREW /\u{7} HTTP/1.1\r\n\r\n",
        "POST /api/verify HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    ] {
        let answers = exchange(&app, bad.as_bytes());
        assert_eq!(answers.len(), 1, "{bad:?}");
        assert_envelope(&answers[0], 400, "malformed_request");
    }

    // Bodies are told from heads, whether sent with a length or chunked: the request
    // after a body is answered, and a body is never read as a (bad) request.
    let json = r#"{"receipt": "GET /api/registry/head HTTP/1.1"}"#;
    let last = "GET /api/registry/head HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let post = "POST /api/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
    for framed in [
        format!("Content-Length: {}\r\n\r\n{json}", json.len()),
        format!(
            "Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{json}\r\n0\r\n\r\n",
            json.len()
        ),
    ] {
        let answers = exchange(&app, format!("{post}{framed}{get}{last}").as_bytes());
        let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [200, 200, 200], "{framed:?}");
        assert_eq!(answers[0].body["valid"], false);
    }
}

#[test]
fn a_slow_head_gets_408_with_the_envelope_on_any_request_of_a_connection() {
    let header_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with_limits(pakta::http::Limits {
        header_timeout,
        ..load_test_limits()
    });
    let mut stream = TcpStream::connect(app.url.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let read_until = |stream: &mut TcpStream, done: &dyn Fn(&[u8]) -> bool| {
        let started = Instant::now();
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        while !done(&bytes) {
            assert!(started.elapsed() < Duration::from_secs(20), "no answer");
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("reading: {e}"),
            }
        }
        (bytes, started.elapsed())
    };
    // A first request, answered, on a connection kept alive.
    stream
        .write_all(b"GET /api/registry/head HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let (first, _) = read_until(&mut stream, &|b| {
        String::from_utf8_lossy(b).contains("\"size\"")
    });
    assert!(first.starts_with(b"HTTP/1.1 200"));
    // The second request's head never ends: it is cut off with the envelope, though
    // actix-http itself only times the first request of a connection.
    stream
        .write_all(b"GET /api/registry/head HTTP/1.1\r\nHost: loc")
        .unwrap();
    let (second, took) = read_until(&mut stream, &|_| false);
    assert!(
        took >= header_timeout && took < header_timeout + Duration::from_secs(3),
        "cut off after {took:?}"
    );
    let text = String::from_utf8_lossy(&second).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("an answer");
    let answer = Answer {
        status: head.split_whitespace().nth(1).unwrap().parse().unwrap(),
        head: head.to_lowercase(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    };
    assert_envelope(&answer, 408, "header_timeout");
}
