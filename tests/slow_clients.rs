//! Slow and greedy clients cannot take the server from everyone else: headers and bodies
//! that arrive too slowly are cut off, and one address with hundreds of slow requests in
//! flight is refused beyond its cap while other addresses are answered at once. Clients
//! here speak raw HTTP over TCP, so they can be as slow as an attacker, and bind chosen
//! loopback addresses (all of 127.0.0.0/8 is local) to stand for different machines.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use pakta::http::Limits;
use serde_json::{Value, json};
use socket2::{Domain, Socket, Type};

/// Long enough for a loaded 2-core machine to answer anything the server answers at once.
const PROMPTLY: Duration = Duration::from_secs(5);
/// Every wait in these tests gives up here.
const GIVE_UP: Duration = Duration::from_secs(20);

const ELSEWHERE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const GREEDY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

struct Answer {
    status: u16,
    /// Header lines, lowercased.
    head: String,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }

    fn code(&self) -> &str {
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.len() > 10, "no useful message: {}", self.body);
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

/// A whole answer from the bytes read so far, or None while it is incomplete.
fn parse(bytes: &[u8], closed: bool) -> Option<Answer> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..end]).to_lowercase();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut answer = Answer {
        status,
        head,
        body: Value::Null,
    };
    let length = answer
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    let body = match length {
        Some(length) if bytes.len() >= end + length => &bytes[end..end + length],
        None if closed => &bytes[end..],
        _ => return None,
    };
    answer.body = serde_json::from_slice(body).unwrap_or(Value::Null);
    Some(answer)
}

/// What arrived on a connection, without waiting longer than `wait`.
enum Arrival {
    Nothing,
    Bytes,
    Closed,
}

/// Reads what has arrived, waiting up to `wait` for something (None: not at all).
fn read_some(stream: &mut TcpStream, into: &mut Vec<u8>, wait: Option<Duration>) -> Arrival {
    stream.set_nonblocking(wait.is_none()).unwrap();
    stream.set_read_timeout(wait).unwrap();
    let mut buf = [0u8; 4096];
    match stream.read(&mut buf) {
        Ok(0) => Arrival::Closed,
        Ok(n) => {
            into.extend_from_slice(&buf[..n]);
            Arrival::Bytes
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Arrival::Nothing
        }
        Err(e) if e.kind() == ErrorKind::ConnectionReset => Arrival::Closed,
        Err(e) => panic!("reading: {e}"),
    }
}

/// Reads until a whole answer is in; panics past `GIVE_UP`.
fn read_answer(stream: &mut TcpStream) -> Answer {
    let started = Instant::now();
    let mut bytes = Vec::new();
    while started.elapsed() < GIVE_UP {
        let closed = matches!(
            read_some(stream, &mut bytes, Some(Duration::from_millis(100))),
            Arrival::Closed
        );
        if let Some(answer) = parse(&bytes, closed) {
            return answer;
        }
        assert!(!closed, "closed before a whole answer: {bytes:?}");
    }
    panic!("no answer within {GIVE_UP:?}");
}

/// Whether the server closes the connection within `PROMPTLY`.
fn closed_promptly(stream: &mut TcpStream) -> bool {
    let started = Instant::now();
    let mut rest = Vec::new();
    while started.elapsed() < PROMPTLY {
        if let Arrival::Closed = read_some(stream, &mut rest, Some(Duration::from_millis(100))) {
            return true;
        }
    }
    false
}

fn server(app: &TestApp) -> SocketAddr {
    app.url.trim_start_matches("http://").parse().unwrap()
}

/// A connection to the server from the loopback address `source`.
fn connect_from(source: Ipv4Addr, server: SocketAddr) -> TcpStream {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from((source, 0)).into()).unwrap();
    socket.connect_timeout(&server.into(), PROMPTLY).unwrap();
    socket.into()
}

/// A GET from `source`, answered within `PROMPTLY`.
fn get_from(source: Ipv4Addr, server: SocketAddr, path: &str) -> Answer {
    let started = Instant::now();
    let mut stream = connect_from(source, server);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let answer = read_answer(&mut stream);
    let took = started.elapsed();
    assert!(took < PROMPTLY, "GET {path} from {source} took {took:?}");
    answer
}

/// Request headers announcing a body of 1,000 bytes, and its first byte.
fn slow_post(path: &str, token: Option<&str>, content_type: &str) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n{{"
    )
}

#[test]
fn a_slow_body_is_cut_off_with_408() {
    let body_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with_limits(Limits {
        body_timeout,
        ..Limits::default()
    });
    let server = server(&app);
    // One route per way a handler reads its body: the JSON extractor, an optional JSON
    // body read by hand, and the streamed CSV upload (the last two check their token
    // first, so they get one).
    let routes = [
        ("/api/verify", None, "application/json"),
        ("/api/ceremonies/1/close", Some(ADMIN), "application/json"),
        ("/api/officials/import", Some(ADMIN), "text/csv"),
    ];
    let trickles: Vec<_> = routes
        .into_iter()
        .map(|(path, token, content_type)| {
            thread::spawn(move || {
                let started = Instant::now();
                let mut stream = TcpStream::connect(server).unwrap();
                stream
                    .write_all(slow_post(path, token, content_type).as_bytes())
                    .unwrap();
                // A byte every quarter second, as long as nothing has come back.
                let mut bytes = Vec::new();
                let mut sent = 1;
                let answer = loop {
                    assert!(started.elapsed() < GIVE_UP, "{path}: never cut off");
                    let closed = matches!(
                        read_some(&mut stream, &mut bytes, Some(Duration::from_millis(250))),
                        Arrival::Closed
                    );
                    if let Some(answer) = parse(&bytes, closed) {
                        break answer;
                    }
                    assert!(!closed, "{path}: closed without an answer");
                    if bytes.is_empty() && sent < 1000 {
                        stream.write_all(b" ").unwrap();
                        sent += 1;
                    }
                };
                let took = started.elapsed();
                assert!(sent < 1000, "{path}: the whole body went out");
                assert_eq!(answer.status, 408, "{path}: {}", answer.body);
                assert_eq!(answer.code(), "body_timeout", "{path}");
                assert_eq!(answer.header("connection"), Some("close"), "{path}");
                assert!(
                    took >= body_timeout && took < body_timeout + PROMPTLY,
                    "{path}: cut off after {took:?}, body timeout {body_timeout:?}"
                );
                assert!(closed_promptly(&mut stream), "{path}: connection kept");
            })
        })
        .collect();
    for trickle in trickles {
        trickle.join().unwrap();
    }
    // The server is still there for everyone else.
    assert_eq!(
        get_from(ELSEWHERE, server, "/api/registry/head").status,
        200
    );
}

#[test]
fn a_slow_header_is_cut_off() {
    let header_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with_limits(Limits {
        header_timeout,
        ..Limits::default()
    });
    let started = Instant::now();
    let mut stream = TcpStream::connect(server(&app)).unwrap();
    stream
        .write_all(b"GET /api/registry/head HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    let mut bytes = Vec::new();
    let mut lines = 0;
    let answer = loop {
        assert!(started.elapsed() < GIVE_UP, "never cut off");
        let closed = matches!(
            read_some(&mut stream, &mut bytes, Some(Duration::from_millis(250))),
            Arrival::Closed
        );
        if let Some(answer) = parse(&bytes, closed) {
            break answer;
        }
        assert!(!closed, "closed without an answer");
        // Headers that never end, a line at a time (within actix's header count limit).
        if bytes.is_empty() && lines < 60 {
            write!(stream, "X-Slow-{lines}: 1\r\n").unwrap();
            lines += 1;
        }
    };
    let took = started.elapsed();
    assert_eq!(answer.status, 408);
    // Well before actix's own default of 5 s, so this is the configured bound at work.
    assert!(
        took >= header_timeout && took < header_timeout + Duration::from_secs(3),
        "cut off after {took:?}, header timeout {header_timeout:?}"
    );
    assert!(closed_promptly(&mut stream), "connection kept");
}

#[test]
fn slow_clients_from_one_address_do_not_starve_others() {
    const CAP: usize = 50;
    const SLOW: usize = 300;
    // The slow bodies stay in flight for the whole test.
    let app = TestApp::spawn_with_limits(Limits {
        max_connections_per_address: CAP,
        body_timeout: Duration::from_secs(120),
        ..Limits::default()
    });
    let server = server(&app);
    let request = slow_post("/api/verify", None, "application/json");

    struct Slow {
        stream: TcpStream,
        opened: Instant,
        bytes: Vec<u8>,
        answer: Option<Answer>,
    }
    let mut slow: Vec<Slow> = Vec::with_capacity(SLOW);
    // Collects whatever answers have arrived, without waiting for any.
    let sweep = |slow: &mut [Slow]| {
        for s in slow.iter_mut().filter(|s| s.answer.is_none()) {
            let closed = matches!(
                read_some(&mut s.stream, &mut s.bytes, None),
                Arrival::Closed
            );
            s.answer = parse(&s.bytes, closed);
            if let Some(answer) = &s.answer {
                let took = s.opened.elapsed();
                assert!(took < PROMPTLY, "refusal took {took:?}");
                assert_eq!(answer.status, 429, "{}", answer.body);
            } else {
                assert!(!closed, "a slow connection closed without an answer");
            }
        }
    };
    for i in 0..SLOW {
        let mut stream = connect_from(GREEDY, server);
        stream.write_all(request.as_bytes()).unwrap();
        slow.push(Slow {
            stream,
            opened: Instant::now(),
            bytes: Vec::new(),
            answer: None,
        });
        sweep(&mut slow);
        if i % 50 == 49 {
            let head = get_from(ELSEWHERE, server, "/api/registry/head");
            assert_eq!(head.status, 200, "while {} are slow: {}", i + 1, head.body);
        }
    }
    let started = Instant::now();
    let refused = |slow: &[Slow]| slow.iter().filter(|s| s.answer.is_some()).count();
    while refused(&slow) < SLOW - CAP && started.elapsed() < PROMPTLY {
        thread::sleep(Duration::from_millis(10));
        sweep(&mut slow);
    }
    assert_eq!(
        refused(&slow),
        SLOW - CAP,
        "refused beyond the cap of {CAP}"
    );

    for s in slow.iter_mut().filter(|s| s.answer.is_some()) {
        let answer = s.answer.as_ref().unwrap();
        assert_eq!(answer.code(), "too_many_connections");
        assert_eq!(answer.header("retry-after"), Some("1"));
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(closed_promptly(&mut s.stream), "refused connection kept");
    }
    // Still full for the greedy address, still open to everyone else.
    let greedy = get_from(GREEDY, server, "/api/registry/head");
    assert_eq!(greedy.status, 429, "{}", greedy.body);
    let head = get_from(ELSEWHERE, server, "/api/registry/head");
    assert_eq!(head.status, 200, "{}", head.body);

    // The greedy client hangs up: its slots are given back.
    slow.clear();
    let started = Instant::now();
    let answer = loop {
        let answer = get_from(GREEDY, server, "/api/registry/head");
        if answer.status == 200 || started.elapsed() > PROMPTLY {
            break answer;
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(answer.status, 200, "slots not given back: {}", answer.body);
}

/// A `POST /api/verify` from `source`, read raw so its headers can be checked.
fn verify_from(source: Ipv4Addr, server: SocketAddr) -> Answer {
    let body = json!({"statement": "x", "signature": "AAAA"}).to_string();
    let mut stream = connect_from(source, server);
    write!(
        stream,
        "POST /api/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    read_answer(&mut stream)
}

/// The rate limit on the public routes: one address over its rate gets 429 with the
/// seconds to wait, on those routes only, while another address is served as usual.
#[test]
fn one_address_over_its_rate_is_told_when_to_come_back() {
    const RATE: u32 = 5;
    let app = TestApp::spawn_with_limits(pakta::http::Limits {
        rate_limit: RATE,
        ..pakta::http::Limits::default()
    });
    let server = server(&app);
    // A burst of twice the rate passes, then requests are refused until the rate refills.
    let started = Instant::now();
    let mut allowed = 0u32;
    let refused = loop {
        let answer = verify_from(ELSEWHERE, server);
        if answer.status != 429 {
            assert_eq!(answer.status, 200, "{}", answer.body);
            allowed += 1;
            assert!(allowed < 200, "never refused");
            continue;
        }
        break answer;
    };
    let refill = (started.elapsed().as_secs_f64() * f64::from(RATE)).ceil() as u32;
    assert!(
        (2 * RATE..=2 * RATE + refill).contains(&allowed),
        "{allowed} allowed: a burst of {} and at most {refill} refilled",
        2 * RATE
    );
    assert_eq!(refused.code(), "rate_limited");
    assert_eq!(refused.header("retry-after"), Some("1"), "{}", refused.head);
    // Reads are not rate limited, and another address is not held back by this one.
    assert_eq!(
        get_from(ELSEWHERE, server, "/api/registry/head").status,
        200
    );
    let other = verify_from(Ipv4Addr::new(127, 0, 0, 3), server);
    assert_eq!(other.status, 200, "{}", other.body);
}
