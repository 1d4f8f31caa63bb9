//! Never a second history under one key: the real `pakta serve` binary refuses to start
//! on a data directory whose database no longer extends the checkpoint its log key
//! already signed (kept in `log-checkpoint`), and on a key that is missing or readable by
//! others. Each refusal exits non-zero before serving anything, says what happened and
//! how to recover, and changes nothing in the data directory; following its advice
//! (restoring the backup, `chmod 600`) makes the registry start again and pass the full
//! offline audit. An honest restart, after a clean stop or a SIGKILL, starts and serves a
//! checkpoint at least as large as before; a registry older than the checkpoint file
//! starts and keeps one.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::serve_process::{self, Exited, STARTUP, ServeProcess, Stderr};
use common::*;
use serde_json::{Value, json};

const DATABASE: &str = pakta::store::DATABASE_FILE;
const WAL: &str = "pakta.sqlite3-wal";
const SHM: &str = "pakta.sqlite3-shm";
const LOG_KEY: &str = "log-key";
const CHECKPOINT: &str = "log-checkpoint";

/// A running `pakta serve` and a client for it; dropping it kills the process with
/// SIGKILL.
struct Server {
    process: ServeProcess,
    agent: ureq::Agent,
    /// From spawn until the serving line was printed and `/api/registry/head` answered.
    took: Duration,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
        .build()
        .into()
}

/// Runs `pakta serve` on `data` (port 0, `PAKTA_ADMIN_TOKEN` set) until it either
/// prints its serving line and answers `/api/registry/head`, or exits (a refused start).
fn launch(data: &Path) -> Result<Server, Exited> {
    let process = serve_process::start(data, Some(ADMIN), Stderr::Capture)?;
    let deadline = process.started + STARTUP;
    let mut server = Server {
        process,
        agent: agent(),
        took: Duration::ZERO,
    };
    loop {
        if server.get("/api/registry/head").0 == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pakta serve printed its serving line but /api/registry/head never answered"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    server.took = server.process.started.elapsed();
    Ok(server)
}

/// Starts `pakta serve` on `data`, which must succeed.
fn serve(data: &Path) -> Server {
    match launch(data) {
        Ok(server) => server,
        Err(r) => panic!(
            "pakta serve refused to start ({}):\n{}\n{}",
            r.status,
            r.lines.join("\n"),
            r.stderr
        ),
    }
}

impl Server {
    fn get(&self, path: &str) -> (u16, String) {
        match self.agent.get(format!("{}{path}", self.process.url)).call() {
            Ok(mut response) => (
                response.status().as_u16(),
                response.body_mut().read_to_string().unwrap_or_default(),
            ),
            Err(_) => (0, String::new()),
        }
    }

    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.agent.post(format!("{}{path}", self.process.url));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.send_json(body).expect("POST to pakta serve");
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (
            response.status().as_u16(),
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// The served checkpoint's text.
    fn checkpoint(&self) -> String {
        let (status, text) = self.get("/checkpoint");
        assert_eq!(status, 200, "{text}");
        text
    }

    /// Appends entries over HTTP as an administrator and an official would: a fresh key
    /// for each roster official and a pledge per round. Returns the size the registry
    /// acknowledged last.
    fn grow(&self, rounds: usize) -> u64 {
        for round in 0..rounds {
            let (status, reply) = self.post(
                "/api/pledges",
                Some(ADMIN),
                &json!({"title": format!("Pakta Netralitas {round}"), "text": "1. Netral.\n"}),
            );
            assert_eq!(status, 201, "{reply}");
            let nip = [ANDI, SITI, BUDI, RINA][round % 4];
            let (status, reply) = self.post(
                &format!("/api/officials/{nip}/enrollment-code"),
                Some(ADMIN),
                &json!({}),
            );
            assert_eq!(status, 201, "{reply}");
            let key = pakta::keyfile::generate().unwrap();
            let code = reply["code"].as_str().unwrap();
            let (status, reply) = self.post("/api/enroll", None, &enrollment_body(nip, code, &key));
            assert_eq!(status, 201, "{reply}");
        }
        checkpoint_size(&self.checkpoint())
    }
}

/// The size line of a checkpoint note.
fn checkpoint_size(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("not a checkpoint: {note}"))
}

/// The size of the checkpoint kept in `data`.
fn kept_size(data: &Path) -> u64 {
    checkpoint_size(&std::fs::read_to_string(data.join(CHECKPOINT)).unwrap())
}

/// Every file of the data directory with its mode and bytes, except SQLite's shared
/// memory index (`-shm`), which any reader rebuilds from the database and its WAL, and
/// an empty WAL, which holds nothing (SQLite may leave one behind any connection,
/// read-only ones included).
fn snapshot(data: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !(name.ends_with("-shm") || name == WAL && e.metadata().unwrap().len() == 0)
        })
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            (name, (mode, std::fs::read(e.path()).unwrap()))
        })
        .collect()
}

fn describe(snapshot: &BTreeMap<String, (u32, Vec<u8>)>) -> Vec<String> {
    snapshot
        .iter()
        .map(|(name, (mode, bytes))| {
            format!(
                "{name} ({mode:o}, {} bytes, sha256 {})",
                bytes.len(),
                pakta::domain::crypto::Sha256Hash::of(bytes).to_hex()
            )
        })
        .collect()
}

/// Starts `pakta serve` on `data`, which must be refused: non-zero exit, no serving
/// line, a message holding every one of `expected`, and the data directory unchanged.
/// Returns the message.
fn assert_refused(data: &Path, expected: &[&str]) -> String {
    let before = snapshot(data);
    let refusal = match launch(data) {
        Err(refusal) => refusal,
        Ok(server) => panic!(
            "pakta serve started on {} at {} instead of refusing",
            data.display(),
            server.process.url
        ),
    };
    assert!(
        !refusal.status.success(),
        "a refused start must exit non-zero: {}",
        refusal.status
    );
    let stdout = refusal.lines.join("\n");
    assert!(
        !stdout.contains("serving on"),
        "nothing may be served: {}",
        stdout
    );
    for words in expected {
        assert!(
            refusal.stderr.contains(words),
            "the refusal should say {words:?}:\n{}",
            refusal.stderr
        );
    }
    let after = snapshot(data);
    assert_eq!(
        describe(&before),
        describe(&after),
        "a refused start changed the data directory"
    );
    println!("refused as expected:\n{}", refusal.stderr.trim());
    refusal.stderr
}

/// The full offline audit of `data`.
fn audit(data: &Path) -> (bool, String) {
    let out = pakta(&["verify", "--data", data.to_str().unwrap()]);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn assert_audit_passes(data: &Path) {
    let (ok, report) = audit(data);
    assert!(ok, "pakta verify --data failed:\n{report}");
}

/// Waits until every connection of a stopped in-process registry has closed, and its
/// WAL is folded into the database file. The last connection to close does that and
/// removes the WAL, unless it was a read-only one: so this opens one of its own, reads,
/// and closes it, until the WAL is gone (which proves no other connection is open).
fn settle(data: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while data.join(WAL).exists() {
        assert!(
            Instant::now() < deadline,
            "the stopped registry never closed its database"
        );
        let conn = rusqlite::Connection::open(data.join(DATABASE)).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(conn);
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A registry of a dozen entries (roster, three enrollments, a pledge, a ceremony,
/// attendance and two signatures, the last entry a signature), stopped cleanly so its
/// database file holds everything. Its directory lives as long as the returned app.
fn registry() -> TestApp {
    let mut app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    app.enroll(BUDI);
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK"]}));
    app.open(ceremony);
    for (nip, key) in [(ANDI, &andi), (SITI, &siti)] {
        assert_eq!(app.check_in(ceremony, nip, ADMIN).status, 201);
        assert_eq!(app.sign(ceremony, nip, key).status, 201);
    }
    let size = app.registry_size();
    app.stop();
    settle(app.data_dir());
    assert_eq!(kept_size(app.data_dir()), size, "the checkpoint was kept");
    app
}

/// Copies the files of `from` (not SQLite's `-shm`) into a new temporary directory.
fn backup(from: &Path) -> tempfile::TempDir {
    let to = private_tempdir();
    copy_files(from, to.path());
    to
}

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_name().to_string_lossy().ends_with("-shm") {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn remove_database(data: &Path) {
    for name in [DATABASE, WAL, SHM] {
        let _ = std::fs::remove_file(data.join(name));
    }
}

/// Restores the database of `backup` into `data`, as the refusals advise.
fn restore_database(backup: &Path, data: &Path) {
    remove_database(data);
    for name in [DATABASE, WAL] {
        if backup.join(name).exists() {
            std::fs::copy(backup.join(name), data.join(name)).unwrap();
        }
    }
}

/// Starts the registry after a recovery and checks it serves the kept checkpoint's size,
/// then stops it and runs the full offline audit.
fn assert_starts_again(data: &Path, size: u64) {
    let server = serve(data);
    assert_eq!(checkpoint_size(&server.checkpoint()), size);
    drop(server);
    assert_audit_passes(data);
}

#[test]
fn a_deleted_database_is_refused_until_it_is_restored_from_a_backup() {
    let app = registry();
    let data = app.data_dir();
    let size = kept_size(data);
    let saved = backup(data);
    remove_database(data);

    assert_refused(
        data,
        &[
            "pakta.sqlite3 is missing or empty",
            &format!("checkpoint of {size} entries"),
            "Restore pakta.sqlite3",
            "from a backup",
        ],
    );
    assert!(!data.join(DATABASE).exists(), "no empty database was made");

    restore_database(saved.path(), data);
    assert_starts_again(data, size);
}

#[test]
fn a_database_truncated_to_zero_bytes_is_refused() {
    let app = registry();
    let data = app.data_dir();
    let size = kept_size(data);
    let saved = backup(data);
    std::fs::write(data.join(DATABASE), b"").unwrap();
    for name in [WAL, SHM] {
        let _ = std::fs::remove_file(data.join(name));
    }

    assert_refused(
        data,
        &[
            "pakta.sqlite3 is missing or empty",
            &format!("checkpoint of {size} entries"),
            "Restore pakta.sqlite3",
            "from a backup",
        ],
    );
    assert_eq!(
        std::fs::metadata(data.join(DATABASE)).unwrap().len(),
        0,
        "the empty file stays empty: no fresh schema was written over the evidence"
    );

    restore_database(saved.path(), data);
    assert_starts_again(data, size);
}

/// The entries `pakta.sqlite3` holds together with `wal` (no WAL file when empty), read
/// from a scratch copy so the files under test are not touched.
fn entries_with_wal(data: &Path, wal: &[u8]) -> u64 {
    let scratch = private_tempdir();
    std::fs::copy(data.join(DATABASE), scratch.path().join(DATABASE)).unwrap();
    if !wal.is_empty() {
        std::fs::write(scratch.path().join(WAL), wal).unwrap();
    }
    let conn = rusqlite::Connection::open(scratch.path().join(DATABASE)).unwrap();
    conn.query_row("SELECT COUNT(*) FROM log", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_write_ahead_log_that_lost_its_tail_is_refused_even_when_sqlite_recovers_part_of_it() {
    // Cleanly stopped first, so the entries so far live in pakta.sqlite3 itself.
    let app = registry();
    let data = app.data_dir();
    let clean = kept_size(data);

    // The real binary acknowledges more entries, then is killed with SIGKILL: below
    // SQLite's auto-checkpoint (1000 pages) they exist only in the WAL.
    let server = serve(data);
    let acknowledged = server.grow(6);
    assert!(acknowledged > clean + 6);
    drop(server);
    assert_eq!(kept_size(data), acknowledged);
    let wal = std::fs::read(data.join(WAL)).expect("a WAL after SIGKILL");
    assert!(wal.len() > 32, "the WAL holds frames");
    assert_eq!(
        entries_with_wal(data, &[]),
        clean,
        "the acknowledged entries are only in the WAL"
    );
    assert_eq!(entries_with_wal(data, &wal), acknowledged);

    // The longest prefix of whole frames that no longer holds every acknowledged entry:
    // SQLite recovers every commit in it, and the registry must still refuse.
    let page_size = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
    let frame = 24 + page_size;
    let frames = (wal.len() - 32) / frame;
    let (kept_frames, recovered) = (0..frames)
        .rev()
        .find_map(|k| {
            let n = entries_with_wal(data, &wal[..32 + k * frame]);
            (n < acknowledged).then_some((k, n))
        })
        .expect("some prefix of the WAL lacks the last entries");
    assert!(
        recovered > clean,
        "SQLite recovered committed frames beyond the clean stop ({recovered} entries)"
    );
    println!(
        "WAL of {frames} frames cut to {kept_frames}: SQLite recovers {recovered} of {acknowledged} acknowledged entries"
    );

    for (what, len, holds) in [
        ("lost its last frames", 32 + kept_frames * frame, recovered),
        ("truncated to zero bytes", 0, clean),
    ] {
        let copy = private_tempdir();
        for name in [DATABASE, LOG_KEY, CHECKPOINT] {
            std::fs::copy(data.join(name), copy.path().join(name)).unwrap();
        }
        // Copied and cut, the WAL keeps the private mode the registry gave it.
        std::fs::copy(data.join(WAL), copy.path().join(WAL)).unwrap();
        std::fs::write(copy.path().join(WAL), &wal[..len]).unwrap();
        println!("the WAL {what}:");
        assert_refused(
            copy.path(),
            &[
                &format!("holds only {holds} entries"),
                &format!("checkpoint of {acknowledged} entries"),
                "lost the end of its write-ahead log",
                "Restore pakta.sqlite3 (with its -wal file) from a backup",
            ],
        );
    }

    // The directory as the crash left it is its own backup: it starts, whole.
    assert_starts_again(data, acknowledged);
}

#[test]
fn a_deleted_log_key_is_refused_and_no_new_key_is_made() {
    let app = registry();
    let data = app.data_dir();
    let size = kept_size(data);
    let saved = backup(data);
    std::fs::remove_file(data.join(LOG_KEY)).unwrap();

    assert_refused(
        data,
        &["log key", "is missing", "restore log-key from your backup"],
    );
    assert!(!data.join(LOG_KEY).exists(), "no new log key was made");

    std::fs::copy(saved.path().join(LOG_KEY), data.join(LOG_KEY)).unwrap();
    assert_starts_again(data, size);
}

#[test]
fn a_log_key_readable_by_others_is_refused_until_chmod_600() {
    use std::os::unix::fs::PermissionsExt;
    let app = registry();
    let data = app.data_dir();
    let size = kept_size(data);
    let key = data.join(LOG_KEY);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();

    assert_refused(
        data,
        &["can be read by other users", "mode 644", "chmod 600"],
    );

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_starts_again(data, size);
}

#[test]
fn a_deleted_checkpoint_file_is_refused_until_it_is_restored() {
    let app = registry();
    let data = app.data_dir();
    let size = kept_size(data);
    let saved = backup(data);
    std::fs::remove_file(data.join(CHECKPOINT)).unwrap();

    assert_refused(
        data,
        &["log-checkpoint is missing", "Restore log-checkpoint"],
    );
    assert!(!data.join(CHECKPOINT).exists());

    std::fs::copy(saved.path().join(CHECKPOINT), data.join(CHECKPOINT)).unwrap();
    assert_starts_again(data, size);
}

/// Overwrites 16 bytes inside entry `target` of a cleanly stopped registry's database
/// file (found by the entry's `prev` line, hex digits replaced by other hex digits so it
/// still reads as an entry), and checks the start is refused naming that entry, the
/// audit fails at it, and the backup starts again.
fn assert_damaged_entry_is_refused(target: impl FnOnce(u64) -> u64) {
    let mut app = TestApp::spawn();
    assert_eq!(app.import(ROSTER).status, 200);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let ceremony = app.create_ceremony(json!({"nips": [ANDI, SITI]}));
    app.open(ceremony);
    for (nip, key) in [(ANDI, &andi), (SITI, &siti)] {
        assert_eq!(app.check_in(ceremony, nip, ADMIN).status, 201);
        assert_eq!(app.sign(ceremony, nip, key).status, 201);
    }
    let size = app.registry_size();
    let index = target(size);
    let entry = app.get(
        &format!("/api/registry/entries?start={index}&limit=1"),
        None,
    );
    let bytes = pakta::domain::crypto::decode_base64(
        "bytes",
        entry.body["entries"][0]["bytes"].as_str().unwrap(),
    )
    .unwrap();
    let prev_line = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("prev: "))
        .expect("the entry names its predecessor")
        .to_string();
    app.stop();
    settle(app.data_dir());
    let data = app.data_dir();
    let saved = backup(data);

    let mut file = std::fs::read(data.join(DATABASE)).unwrap();
    let found: Vec<usize> = file
        .windows(prev_line.len())
        .enumerate()
        .filter(|(_, w)| *w == prev_line.as_bytes())
        .map(|(at, _)| at)
        .collect();
    assert!(!found.is_empty(), "entry {index} is in the database file");
    let replacement = b"deadbeefdeadbeef";
    for at in found {
        let hex = at + "prev: ".len() + 8;
        assert_ne!(&file[hex..hex + 16], replacement);
        file[hex..hex + 16].copy_from_slice(replacement);
    }
    std::fs::write(data.join(DATABASE), &file).unwrap();

    let message = assert_refused(data, &["pakta verify --data", "pakta.sqlite3"]);
    // The message names the damaged entry, and no other ("Entri" where the store
    // itself found it, reading the last entry's time).
    let named: Vec<u64> = ["Entry ", "Entri "]
        .iter()
        .flat_map(|word| message.match_indices(word).map(|(at, w)| at + w.len()))
        .filter_map(|at| {
            let digits: String = message[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    assert!(
        !named.is_empty() && named.iter().all(|&n| n == index),
        "the refusal should name entry {index} only, it names {named:?}:\n{message}"
    );
    assert!(
        message.contains("damaged") || message.contains("rusak"),
        "{message}"
    );
    assert!(
        message.contains("from a backup") || message.contains("dari cadangan"),
        "{message}"
    );
    let (ok, report) = audit(data);
    assert!(!ok, "the audit passed a damaged entry:\n{report}");
    assert!(
        report.contains(&format!("FAILED at entry {index}:")),
        "{report}"
    );

    restore_database(saved.path(), data);
    assert_starts_again(data, size);
}

#[test]
fn sixteen_overwritten_bytes_in_the_last_entry_are_refused_and_fail_the_audit() {
    assert_damaged_entry_is_refused(|size| size - 1);
}

#[test]
fn sixteen_overwritten_bytes_in_an_earlier_entry_are_refused_naming_that_entry() {
    assert_damaged_entry_is_refused(|size| size / 2);
}

#[test]
fn an_honest_restart_starts_and_serves_a_checkpoint_at_least_as_large() {
    let app = registry();
    let data = app.data_dir();
    let before = kept_size(data);

    let server = serve(data);
    println!(
        "restart after a clean stop ({before} entries): serving in {:?}",
        server.took
    );
    assert!(checkpoint_size(&server.checkpoint()) >= before);
    let acknowledged = server.grow(5);
    drop(server); // SIGKILL between requests

    let server = serve(data);
    println!(
        "restart after SIGKILL ({acknowledged} entries): serving in {:?}",
        server.took
    );
    let served = server.checkpoint();
    assert!(checkpoint_size(&served) >= acknowledged);
    assert_eq!(
        served,
        std::fs::read_to_string(data.join(CHECKPOINT)).unwrap(),
        "the served checkpoint is the kept one"
    );
    assert!(server.grow(1) > acknowledged, "and it takes writes again");
    drop(server);
    assert_audit_passes(data);
}

#[test]
fn a_registry_older_than_the_checkpoint_file_starts_and_keeps_one() {
    let app = registry();
    let data = app.data_dir();
    let size = kept_size(data);
    std::fs::remove_file(data.join(CHECKPOINT)).unwrap();
    {
        let conn = rusqlite::Connection::open(data.join(DATABASE)).unwrap();
        let removed = conn
            .execute("DELETE FROM meta WHERE key = 'checkpoint_file_kept'", [])
            .unwrap();
        assert_eq!(
            removed, 1,
            "the registry had marked its checkpoint file kept"
        );
    }
    settle(data);

    let server = serve(data);
    let served = server.checkpoint();
    assert_eq!(checkpoint_size(&served), size);
    assert_eq!(
        std::fs::read_to_string(data.join(CHECKPOINT)).unwrap(),
        served,
        "a checkpoint file was written, holding what is served"
    );
    drop(server);
    assert_audit_passes(data);

    // From now on the file is expected: losing it again is refused.
    let saved = backup(data);
    std::fs::remove_file(data.join(CHECKPOINT)).unwrap();
    assert_refused(data, &["Restore log-checkpoint"]);
    std::fs::copy(saved.path().join(CHECKPOINT), data.join(CHECKPOINT)).unwrap();
    assert_starts_again(data, size);
}
