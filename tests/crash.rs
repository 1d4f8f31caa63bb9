//! Crash safety shown: the real `pakta serve` is killed with SIGKILL while eight clients
//! sign, round after round, and every signature it acknowledged survives.
//!
//! Setup over HTTP, as an administrator would: a roster of 300 officials with valid
//! 18-digit NIPs, each enrolled with an Ed25519 key, a pledge, a ceremony inviting all,
//! opened, everyone checked in. When the unsigned (official, ceremony) pairs run low,
//! another ceremony inviting all is opened and closed, which routes everyone to ikrar
//! mandiri.
//!
//! Each round (`PAKTA_CRASH_ROUNDS`, default 3; `scripts/crash-test.sh` runs 20 in
//! release mode): eight client threads sign (statement request, statement, signature,
//! request time from the system clock as the real server uses it) and record every
//! signature answered 201 or 200 with its receipt; after a random 50–400 ms (OS
//! randomness, printed) the server gets SIGKILL, is restarted on the same data directory
//! (a new port each time), and the time from spawn to its serving line plus a successful
//! `GET /api/registry/head` is printed. A signature whose reply was lost in the kill may
//! or may not have been committed: it is sent again after the restart, and must get
//! either its original receipt (200) or a new one (201), never an error.
//!
//! At the end: every acknowledged signature is in the log at its index with the entry
//! hash its reply gave; receipts verify offline with `pakta verify-receipt FILE --vkey
//! VKEY`, all of them when there are at most 2000, otherwise an evenly spread sample of
//! 500 plus every receipt of the last round (to bound the time spent starting the
//! binary); and, after a last SIGKILL, the full offline audit `pakta verify --data DIR`
//! passes.

mod common;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::serve_process::{self, STARTUP, ServeProcess, Stderr};
use common::{ADMIN, enrollment_body, sign_b64, signed_request_body, statement_request};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

const OFFICIALS: usize = 300;
const CLIENTS: usize = 8;
const DEFAULT_ROUNDS: usize = 3;
const MAX_ROUNDS: usize = 200;
/// The kill comes this long after the clients start, drawn uniformly.
const KILL_AFTER_MS: std::ops::RangeInclusive<u64> = 50..=400;
/// No client runs longer than this in one round, whatever happens.
const ROUND_LIMIT: Duration = Duration::from_secs(60);
/// Receipts checked one by one with the binary: all up to this many.
const ALL_RECEIPTS_UP_TO: usize = 2000;
const RECEIPT_SAMPLE: usize = 500;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
        .build()
        .into()
}

/// A reply, or `Err` when the connection failed (the server is down).
fn call(
    agent: &ureq::Agent,
    url: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value), ureq::Error> {
    let mut response = match body {
        Some(body) => {
            let mut request = agent.post(format!("{url}{path}"));
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            request.send_json(body)?
        }
        None => agent.get(format!("{url}{path}")).call()?,
    };
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// A call while the server is known to be up: a failed connection fails the test.
fn must(
    agent: &ureq::Agent,
    url: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    call(agent, url, path, token, body).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Starts `pakta serve` on `data` (port 0, `PAKTA_ADMIN_TOKEN` set, its log to `log`)
/// and returns it with the time until it printed its serving line and answered
/// `GET /api/registry/head`.
fn start(data: &Path, log: &Path) -> (ServeProcess, Duration) {
    let server = serve_process::start(data, Some(ADMIN), Stderr::File(log))
        .unwrap_or_else(|_| fail(log, "exited before serving"));
    let deadline = server.started + STARTUP;
    let agent = agent();
    while !matches!(
        call(&agent, &server.url, "/api/registry/head", None, None),
        Ok((200, _))
    ) {
        if Instant::now() > deadline {
            fail(
                log,
                "printed its serving line but never answered /api/registry/head",
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = server.started.elapsed();
    (server, took)
}

fn fail(log: &Path, why: &str) -> ! {
    panic!(
        "pakta serve {why}; its log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    )
}

/// A valid 18-digit NIP: birth date, recruitment year and month, gender, serial.
fn nip(i: usize) -> String {
    format!(
        "{:04}{:02}{:02}{:04}{:02}{}{:03}",
        1965 + i % 35,
        1 + i % 12,
        1 + i % 28,
        1990 + i % 30,
        1 + (i / 12) % 12,
        1 + i % 2,
        i + 1
    )
}

fn roster() -> String {
    let opds = [
        ("DISDIK", "Dinas Pendidikan"),
        ("DINKES", "Dinas Kesehatan"),
        ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
        ("DISHUB", "Dinas Perhubungan"),
        ("SETDA", "Sekretariat Daerah"),
    ];
    let mut csv = String::from("nip,name,position,rank,category,opd_code,opd_name\n");
    for i in 0..OFFICIALS {
        let (code, name) = opds[i % opds.len()];
        csv.push_str(&format!(
            "{},Pegawai Uji {:03},Staf Pelaksana,Penata Muda (III/a),PNS,{code},{name}\n",
            nip(i),
            i + 1
        ));
    }
    csv
}

/// Runs `job` over `items` on `CLIENTS` threads.
fn in_parallel<T: Send + Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(CLIENTS).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(&job).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[derive(Clone)]
enum Work {
    /// Ask for a statement and sign it.
    Fresh { ceremony: u64, nip: String },
    /// Send again a signature whose reply was lost when the server was killed.
    Retry {
        nip: String,
        statement: String,
        signature: String,
    },
}

#[derive(Clone)]
struct Ack {
    round: usize,
    nip: String,
    index: u64,
    entry_hash: String,
    receipt: String,
    /// 200: the same statement and signature, answered with the original receipt.
    status: u16,
    retried: bool,
}

struct Shared {
    keys: HashMap<String, SigningKey>,
    queue: Mutex<VecDeque<Work>>,
    acks: Mutex<Vec<Ack>>,
    failures: Mutex<Vec<String>>,
}

/// Sends one signature; `None` when the connection failed.
fn submit(
    agent: &ureq::Agent,
    url: &str,
    statement: &str,
    signature: &str,
) -> Option<(u16, Value)> {
    call(
        agent,
        url,
        "/api/signatures",
        None,
        Some(&json!({"statement": statement, "signature": signature})),
    )
    .ok()
}

/// One client: takes work until the queue is empty, the round is stopped, or the server
/// stops answering (it was killed); unfinished work goes back to the queue.
fn client(shared: &Shared, url: &str, round: usize, stop: &AtomicBool) {
    let agent = agent();
    let began = Instant::now();
    while !stop.load(Ordering::SeqCst) && began.elapsed() < ROUND_LIMIT {
        let Some(work) = shared.queue.lock().unwrap().pop_front() else {
            return;
        };
        let (nip, statement, signature, retried) = match work.clone() {
            Work::Fresh { ceremony, nip } => {
                let key = &shared.keys[&nip];
                let request = statement_request(ceremony, &nip, chrono::Utc::now());
                let path = format!("/api/ceremonies/{ceremony}/statement");
                let body = signed_request_body(&request, key);
                let Ok((status, issued)) = call(&agent, url, &path, None, Some(&body)) else {
                    // Issuing writes nothing: ask again after the restart.
                    shared.queue.lock().unwrap().push_front(work);
                    return;
                };
                if status != 200 {
                    shared
                        .failures
                        .lock()
                        .unwrap()
                        .push(format!("statement for {nip}: {status} {issued}"));
                    continue;
                }
                let statement = issued["statement"].as_str().unwrap().to_string();
                let signature = sign_b64(key, statement.as_bytes());
                (nip, statement, signature, false)
            }
            Work::Retry {
                nip,
                statement,
                signature,
            } => (nip, statement, signature, true),
        };
        let Some((status, reply)) = submit(&agent, url, &statement, &signature) else {
            // In flight at the kill: committed or not, the reply is lost. Send it again.
            shared.queue.lock().unwrap().push_front(Work::Retry {
                nip,
                statement,
                signature,
            });
            return;
        };
        if status == 201 || (status == 200 && retried) {
            shared.acks.lock().unwrap().push(Ack {
                round,
                nip,
                index: reply["index"].as_u64().unwrap(),
                entry_hash: reply["entry_hash"].as_str().unwrap().to_string(),
                receipt: reply["receipt"].as_str().unwrap().to_string(),
                status,
                retried,
            });
        } else {
            shared.failures.lock().unwrap().push(format!(
                "signature of {nip} (retried: {retried}): {status} {reply}"
            ));
        }
    }
}

/// Opens a ceremony inviting all; `check_in` checks everyone in, otherwise it is closed
/// at once, routing everyone to ikrar mandiri. Queues one signature per official.
fn new_ceremony(url: &str, pledge: u64, check_in: bool, shared: &Shared, nips: &[String]) {
    let agent = agent();
    let (status, reply) = must(
        &agent,
        url,
        "/api/ceremonies",
        Some(ADMIN),
        Some(&json!({
            "title": "Ikrar Netralitas ASN",
            "place": "Pendopo Kabupaten",
            "starts_at": "2024-10-07T09:00:00+07:00",
            "timezone": "Asia/Jakarta",
            "pledge_id": pledge,
            "invite": {"all": true},
            "mandiri_days": 7
        })),
    );
    assert_eq!(status, 201, "{reply}");
    let ceremony = reply["id"].as_u64().unwrap();
    let path = format!("/api/ceremonies/{ceremony}/open");
    let (status, reply) = must(&agent, url, &path, Some(ADMIN), Some(&json!({})));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["invited"].as_u64(), Some(OFFICIALS as u64), "{reply}");
    if check_in {
        let path = format!("/api/ceremonies/{ceremony}/attendance");
        for (status, reply) in in_parallel(nips, |nip| {
            must(&agent, url, &path, Some(ADMIN), Some(&json!({"nip": nip})))
        }) {
            assert_eq!(status, 201, "{reply}");
        }
    } else {
        let path = format!("/api/ceremonies/{ceremony}/close");
        let (status, reply) = must(&agent, url, &path, Some(ADMIN), Some(&json!({})));
        assert_eq!(status, 200, "{reply}");
    }
    shared
        .queue
        .lock()
        .unwrap()
        .extend(nips.iter().map(|nip| Work::Fresh {
            ceremony,
            nip: nip.clone(),
        }));
}

fn rounds() -> usize {
    match std::env::var("PAKTA_CRASH_ROUNDS") {
        Ok(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=MAX_ROUNDS).contains(n))
            .unwrap_or_else(|| panic!("PAKTA_CRASH_ROUNDS must be 1 to {MAX_ROUNDS}: {text:?}")),
        Err(_) => DEFAULT_ROUNDS,
    }
}

fn kill_delay() -> Duration {
    let span = KILL_AFTER_MS.end() - KILL_AFTER_MS.start() + 1;
    let random = getrandom::u64().expect("OS randomness");
    Duration::from_millis(KILL_AFTER_MS.start() + random % span)
}

#[test]
fn every_acknowledged_signature_survives_repeated_sigkills() {
    let rounds = rounds();
    let work = common::private_tempdir();
    let data = work.path().join("data");
    let log = |n: usize| -> PathBuf { work.path().join(format!("server-{n}.log")) };
    let (mut server, took) = start(&data, &log(0));
    println!("first start: serving in {took:?}");
    let agent = agent();

    // Setup over HTTP: roster, enrollment, pledge, a ceremony with everyone present.
    let began = Instant::now();
    let (status, reply) = {
        let mut response = agent
            .post(format!("{}/api/officials/import", server.url))
            .header("Authorization", format!("Bearer {ADMIN}"))
            .content_type("text/csv")
            .send(roster().as_bytes())
            .expect("import the roster");
        let text = response.body_mut().read_to_string().unwrap();
        (response.status().as_u16(), text)
    };
    assert_eq!(status, 200, "{reply}");
    let report: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(
        report["created"].as_u64(),
        Some(OFFICIALS as u64),
        "{reply}"
    );
    let nips: Vec<String> = (0..OFFICIALS).map(nip).collect();
    let url = server.url.clone();
    let keys: HashMap<String, SigningKey> = in_parallel(&nips, |nip| {
        let code_path = format!("/api/officials/{nip}/enrollment-code");
        let (status, reply) = must(&agent, &url, &code_path, Some(ADMIN), Some(&json!({})));
        assert_eq!(status, 201, "{reply}");
        let key = pakta::keyfile::generate().unwrap();
        let body = enrollment_body(nip, reply["code"].as_str().unwrap(), &key);
        let (status, reply) = must(&agent, &url, "/api/enroll", None, Some(&body));
        assert_eq!(status, 201, "enroll {nip}: {reply}");
        (nip.clone(), key)
    })
    .into_iter()
    .collect();
    let (status, reply) = must(
        &agent,
        &url,
        "/api/pledges",
        Some(ADMIN),
        Some(
            &json!({"title": "Pakta Integritas Netralitas ASN Pilkada 2024", "text": "1. Netral.\n2. Tidak memihak.\n"}),
        ),
    );
    assert_eq!(status, 201, "{reply}");
    let pledge = reply["id"].as_u64().unwrap();
    let shared = Arc::new(Shared {
        keys,
        queue: Mutex::new(VecDeque::new()),
        acks: Mutex::new(Vec::new()),
        failures: Mutex::new(Vec::new()),
    });
    new_ceremony(&url, pledge, true, &shared, &nips);
    println!(
        "setup: {OFFICIALS} officials enrolled and checked in, in {:?}",
        began.elapsed()
    );

    let mut restarts = Vec::new();
    let mut most_in_a_round = 0;
    for round in 1..=rounds {
        // Enough unsigned pairs that the kill finds clients busy.
        while shared.queue.lock().unwrap().len() < (2 * most_in_a_round).max(400) {
            new_ceremony(&server.url, pledge, false, &shared, &nips);
        }
        let before = shared.acks.lock().unwrap().len();
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (shared, stop, url) = (shared.clone(), stop.clone(), server.url.clone());
                std::thread::spawn(move || client(&shared, &url, round, &stop))
            })
            .collect();
        let delay = kill_delay();
        std::thread::sleep(delay);
        server.kill();
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            c.join().expect("a client panicked");
        }
        let acked = shared.acks.lock().unwrap().len() - before;
        most_in_a_round = most_in_a_round.max(acked);
        let pending = shared
            .queue
            .lock()
            .unwrap()
            .iter()
            .filter(|w| matches!(w, Work::Retry { .. }))
            .count();

        let (restarted, took) = start(&data, &log(round));
        server = restarted;
        restarts.push(took);
        let (_, head) = must(&agent, &server.url, "/api/registry/head", None, None);
        let size = head["size"].as_u64().unwrap();
        let highest = shared.acks.lock().unwrap().iter().map(|a| a.index).max();
        assert!(
            highest.is_none_or(|i| i < size),
            "round {round}: acknowledged entry {highest:?} beyond the restarted log of {size}"
        );
        println!(
            "round {round}: killed after {delay:?}, {acked} signatures acknowledged, {pending} replies lost in flight; restart: serving in {took:?} with {size} entries"
        );
    }

    // Replies lost in the last kill: sent again now, each must be answered.
    while let Some(work) = shared.queue.lock().unwrap().pop_front() {
        if let Work::Retry {
            nip,
            statement,
            signature,
        } = work
        {
            let (status, reply) = submit(&agent, &server.url, &statement, &signature)
                .expect("the restarted server answers");
            assert!(status == 200 || status == 201, "{nip}: {status} {reply}");
            shared.acks.lock().unwrap().push(Ack {
                round: rounds,
                nip,
                index: reply["index"].as_u64().unwrap(),
                entry_hash: reply["entry_hash"].as_str().unwrap().to_string(),
                receipt: reply["receipt"].as_str().unwrap().to_string(),
                status,
                retried: true,
            });
        }
    }
    let failures = shared.failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} requests failed, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let acks = shared.acks.lock().unwrap().clone();
    assert!(!acks.is_empty(), "nothing was signed");

    // Every acknowledged signature is in the log at its index, with its entry hash.
    let (_, head) = must(&agent, &server.url, "/api/registry/head", None, None);
    let size = head["size"].as_u64().unwrap();
    let mut hashes = HashMap::new();
    while (hashes.len() as u64) < size {
        let path = format!("/api/registry/entries?start={}&limit=1000", hashes.len());
        let (status, page) = must(&agent, &server.url, &path, None, None);
        assert_eq!(status, 200, "{page}");
        let entries = page["entries"].as_array().unwrap();
        assert!(!entries.is_empty(), "the log ended before its head");
        for e in entries {
            hashes.insert(
                e["index"].as_u64().unwrap(),
                e["hash"].as_str().unwrap().to_string(),
            );
        }
    }
    let mut indexes = HashSet::new();
    let mut signers = HashSet::new();
    for ack in &acks {
        assert_eq!(
            hashes.get(&ack.index),
            Some(&ack.entry_hash),
            "acknowledged signature of {} (round {}) is not entry {}",
            ack.nip,
            ack.round,
            ack.index
        );
        assert!(
            indexes.insert(ack.index),
            "entry {} acknowledged twice",
            ack.index
        );
        signers.insert(ack.nip.clone());
    }
    let originals = acks.iter().filter(|a| a.retried && a.status == 200).count();
    let retried = acks.iter().filter(|a| a.retried).count();
    println!(
        "{} signatures acknowledged by {} officials, all in the log of {size} entries; {retried} sent again after a kill ({originals} had been committed and got their original receipt)",
        acks.len(),
        signers.len()
    );

    // Receipts, checked offline with the binary.
    let (status, vkey) = {
        let mut response = agent
            .get(format!("{}/api/registry/vkey", server.url))
            .call()
            .unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        (response.status().as_u16(), text)
    };
    assert_eq!(status, 200);
    let vkey_file = work.path().join("registry.vkey");
    std::fs::write(&vkey_file, &vkey).unwrap();
    let checked: Vec<&Ack> = if acks.len() <= ALL_RECEIPTS_UP_TO {
        acks.iter().collect()
    } else {
        let step = acks.len().div_ceil(RECEIPT_SAMPLE);
        acks.iter()
            .enumerate()
            .filter(|(i, a)| i % step == 0 || a.round == rounds)
            .map(|(_, a)| a)
            .collect()
    };
    let receipts = work.path().join("receipts");
    std::fs::create_dir(&receipts).unwrap();
    let began = Instant::now();
    for ack in &checked {
        let file = receipts.join(format!("{}.tlog-proof", ack.index));
        std::fs::write(&file, &ack.receipt).unwrap();
        let out = common::pakta(&[
            "verify-receipt",
            file.to_str().unwrap(),
            "--vkey",
            vkey_file.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("VALID"),
            "receipt of entry {} (round {}):\n{stdout}{}",
            ack.index,
            ack.round,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!(
        "{} of {} receipts verified offline in {:?}",
        checked.len(),
        acks.len(),
        began.elapsed()
    );

    // One last crash, then the full offline audit.
    server.kill();
    let out = common::pakta(&["verify", "--data", data.to_str().unwrap()]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pakta verify --data failed:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sorted = restarts.clone();
    sorted.sort();
    println!(
        "{} restarts after SIGKILL: {:?}; fastest {:?}, median {:?}, slowest {:?}",
        restarts.len(),
        restarts,
        sorted[0],
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
}
