//! The log published to object storage (FORMATS §16.1): `pakta publish` and
//! `pakta serve --publish` against a real S3-compatible server (moto, installed where
//! missing) and a local directory. What a reader of the bucket would check: every
//! object is what the registry serves at the same path, with the right headers; a
//! second round writes only what is new, and the checkpoint last; `pakta mirror`
//! follows the log from the bucket's URL alone.

mod common;
#[path = "common/python_tools.rs"]
mod python_tools;
#[path = "common/s3_server.rs"]
mod s3_server;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use pakta::app::publishing::{CACHE_IMMUTABLE, CACHE_PARTIAL, PAGE_FILES};
use pakta::domain::publication::{tiles_describing, tiles_new_since};
use pakta::domain::tiles::TilePath;
use s3_server::S3Server;
use serde_json::json;

const BUCKET: &str = "pakta-log";

/// Appends entries `from..to`, one published pledge text each: the cheapest entries.
fn grow(app: &TestApp, from: u64, to: u64) {
    for i in from..to {
        let reply = app.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": format!("Teks pakta {i}.\n")}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
}

/// A registry with officials who enrolled and signed, grown to at least `size` entries.
fn registry_with_signatures(size: u64) -> TestApp {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let keys: Vec<_> = [ANDI, SITI].iter().map(|nip| app.enroll(nip)).collect();
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI, SITI]);
    for (nip, key) in [ANDI, SITI].iter().zip(&keys) {
        let reply = app.sign(ceremony, nip, key);
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let now = app.registry_size();
    grow(&app, now, size.max(now));
    app
}

/// `pakta ARGS` with the AWS_* environment pointing at `s3`.
fn pakta_s3(s3: &S3Server, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pakta"));
    command.args(args);
    for (name, value) in s3.env() {
        command.env(name, value);
    }
    command.output().expect("run pakta")
}

fn succeeded(out: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

fn publish_to(s3: &S3Server, app: &TestApp, url: &str) -> String {
    succeeded(&pakta_s3(
        s3,
        &[
            "publish",
            "--data",
            app.data_dir().to_str().unwrap(),
            "--to",
            url,
        ],
    ))
}

/// A round whose writes moto records. moto's recorder appends each request's line to
/// one file from its concurrent handler threads without a lock, so lines of concurrent
/// uploads can interleave and be lost; one upload at a time keeps the record whole. The
/// round is the same code at any concurrency: the checkpoint waits for every upload.
fn publish_recorded(s3: &S3Server, app: &TestApp, url: &str) -> String {
    s3.start_recording();
    succeeded(&pakta_s3(
        s3,
        &[
            "publish",
            "--data",
            app.data_dir().to_str().unwrap(),
            "--to",
            url,
            "--concurrency",
            "1",
        ],
    ))
}

/// What a published copy of a log of `size` entries holds: the checkpoint, the
/// verifier key, the page, and the tiles of FORMATS §16.
fn expected_layout(size: u64) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = tiles_describing(size)
        .iter()
        .map(|t| format!("tile/{}", t.to_path()))
        .collect();
    names.extend(["checkpoint".to_string(), "vkey".to_string()]);
    names.extend(
        PAGE_FILES
            .iter()
            .filter(|f| pakta::http::web_file(f).is_some())
            .map(|f| f.to_string()),
    );
    names
}

/// The registry's own answer for a published object's name.
fn served(app: &TestApp, name: &str) -> Vec<u8> {
    let path = if name == "vkey" {
        "/api/registry/vkey".to_string()
    } else {
        format!("/{name}")
    };
    let raw = app.get_response(&path);
    assert_eq!(raw.status, 200, "{path}");
    raw.body
}

#[test]
fn the_bucket_holds_what_the_registry_serves_and_grows_by_new_objects_only() {
    let s3 = S3Server::start();
    s3.create_public_bucket(BUCKET);
    let app = registry_with_signatures(300);
    let url = format!("s3://{BUCKET}/kabupaten-contoh");

    // Round 1: everything, byte for byte as the registry serves it.
    let out = publish_to(&s3, &app, &url);
    let size = app.registry_size();
    assert!(out.contains(&format!("published {size} entries")), "{out}");
    let listed: BTreeSet<String> = s3.list(BUCKET, "kabupaten-contoh").into_iter().collect();
    assert_eq!(listed, expected_layout(size));
    for name in &listed {
        let object = s3.fetch(BUCKET, "kabupaten-contoh", name);
        assert_eq!(object.status, 200, "{name}");
        assert!(object.body == served(&app, name), "{name} differs");
        if let Some(tile) = name.strip_prefix("tile/") {
            let tile = TilePath::parse(tile).expect("a tile path");
            assert_eq!(object.content_type, "application/octet-stream", "{name}");
            let cache = if tile.width.is_none() {
                CACHE_IMMUTABLE
            } else {
                CACHE_PARTIAL
            };
            assert_eq!(object.cache, cache, "{name}");
        }
    }
    let checkpoint = s3.fetch(BUCKET, "kabupaten-contoh", "checkpoint");
    assert_eq!(checkpoint.cache, "no-cache");
    assert!(checkpoint.content_type.starts_with("text/plain"));
    let page = s3.fetch(BUCKET, "kabupaten-contoh", "verifikasi.html");
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    let script = s3.fetch(BUCKET, "kabupaten-contoh", "verify.js");
    assert!(
        script.content_type.starts_with("text/javascript"),
        "{}",
        script.content_type
    );
    assert!(listed.contains("tile/entries/000") && listed.contains("tile/0/000"));

    // Round 2, past two more tile boundaries: only the new tiles, and the checkpoint
    // last. The full tiles of round 1 are not written again.
    grow(&app, size, 600);
    let grown = app.registry_size();
    let out = publish_recorded(&s3, &app, &url);
    assert!(
        out.contains(&format!("published {grown} entries ({} new)", grown - size)),
        "{out}"
    );
    let puts = s3.recorded_puts();
    let base = format!("/{BUCKET}/kabupaten-contoh/");
    let written: Vec<&str> = puts
        .iter()
        .map(|p| {
            p.strip_prefix(&base)
                .unwrap_or_else(|| panic!("{p} is not under {base}"))
        })
        .collect();
    assert_eq!(written.last(), Some(&"checkpoint"), "{written:?}");
    let tiles_written: BTreeSet<String> = written
        .iter()
        .filter(|n| n.starts_with("tile/"))
        .map(|n| n.to_string())
        .collect();
    let new: BTreeSet<String> = tiles_new_since(size, grown)
        .iter()
        .map(|t| format!("tile/{}", t.to_path()))
        .collect();
    assert_eq!(tiles_written, new);
    assert!(!tiles_written.contains("tile/entries/000") && !tiles_written.contains("tile/0/000"));
    assert_eq!(
        written.iter().filter(|n| n.starts_with("tile/")).count(),
        new.len(),
        "each new tile written once"
    );
    // The bucket now describes the grown log, and its checkpoint names only tiles it has.
    let listed: BTreeSet<String> = s3.list(BUCKET, "kabupaten-contoh").into_iter().collect();
    assert!(listed.is_superset(&expected_layout(grown)));
    assert_eq!(
        s3.fetch(BUCKET, "kabupaten-contoh", "checkpoint").body,
        served(&app, "checkpoint")
    );

    // Nothing new: no tile is written (a new process writes the page files again, in
    // case the binary was upgraded, and the checkpoint after them).
    let out = publish_recorded(&s3, &app, &url);
    assert!(
        out.contains(&format!("published {grown} entries (0 new)")),
        "{out}"
    );
    assert!(s3.recorded_puts().iter().all(|p| !p.contains("/tile/")));

    // (3) A mirror follows the log from the bucket's URL alone, and the copy audits.
    let dir = private_tempdir();
    let copy = dir.path().join("mirror");
    let out = succeeded(&pakta(&[
        "mirror",
        &s3.url(BUCKET, "kabupaten-contoh"),
        "--data",
        copy.to_str().unwrap(),
        "--vkey",
        &app.vkey,
        "--once",
    ]));
    assert!(
        out.contains(&format!("the copy now holds {grown} entries")),
        "{out}"
    );
    let audit = succeeded(&pakta(&["verify", "--data", copy.to_str().unwrap()]));
    assert!(
        audit.contains(&format!("OK: {grown} entries verified")),
        "{audit}"
    );
}

#[test]
fn a_directory_gets_the_same_layout_as_the_bucket() {
    let s3 = S3Server::start();
    s3.create_public_bucket(BUCKET);
    let app = registry_with_signatures(260);
    publish_to(&s3, &app, &format!("s3://{BUCKET}/copy"));
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("www").join("pakta");
    let out = succeeded(&pakta(&[
        "publish",
        "--data",
        app.data_dir().to_str().unwrap(),
        "--to",
        &format!("file://{}", target.display()),
    ]));
    assert!(out.contains("objects"), "{out}");
    let files = files_under(&target);
    let bucket: BTreeSet<String> = s3.list(BUCKET, "copy").into_iter().collect();
    assert_eq!(files, bucket);
    for name in &files {
        assert!(
            std::fs::read(target.join(name)).unwrap() == s3.fetch(BUCKET, "copy", name).body,
            "{name}"
        );
    }
}

fn files_under(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_str().unwrap();
                out.insert(relative.to_string());
            }
        }
    }
    out
}

/// `pakta serve --publish` keeps the bucket up to date as the log grows.
#[test]
fn serve_publishes_after_the_log_grows() {
    let s3 = S3Server::start();
    s3.create_public_bucket(BUCKET);
    let mut app = registry_with_signatures(20);
    app.stop();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args([
            "serve",
            "--data",
            app.data_dir().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
            "--publish",
            &format!("s3://{BUCKET}/served"),
            "--publish-interval",
            "0.2",
        ])
        .envs(s3.env())
        .env("PAKTA_ADMIN_TOKEN", ADMIN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pakta serve");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = None;
    for line in stdout.lines().map_while(Result::ok) {
        if let Some((_, rest)) = line.split_once("is serving on ") {
            url = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let url = url.expect("pakta serve printed its address");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let served_checkpoint = || {
        agent
            .get(format!("{url}/checkpoint"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    };
    let wait_for_bucket = |expected: Vec<u8>| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while s3.fetch(BUCKET, "served", "checkpoint").body != expected {
            assert!(Instant::now() < deadline, "the bucket never caught up");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for_bucket(served_checkpoint());

    for i in 0..300 {
        let reply = agent
            .post(format!("{url}/api/pledges"))
            .header("Authorization", format!("Bearer {ADMIN}"))
            .send_json(json!({"title": format!("Lagi {i}"), "text": format!("Teks {i}.\n")}))
            .unwrap();
        assert_eq!(reply.status(), 201);
    }
    let checkpoint = served_checkpoint();
    wait_for_bucket(checkpoint.clone());
    let size: u64 = String::from_utf8(checkpoint)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let listed: BTreeSet<String> = s3.list(BUCKET, "served").into_iter().collect();
    assert!(listed.is_superset(&expected_layout(size)));
    let _ = child.kill();
    let _ = child.wait();
    // Everything the server wrote while publishing still audits.
    succeeded(&pakta(&[
        "verify",
        "--data",
        app.data_dir().to_str().unwrap(),
    ]));
}
