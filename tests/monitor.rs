//! `pakta mirror --registries` as a monitoring auditor runs it over fifty real registries
//! (each a `pakta serve` process on its own data directory): the first pass copies and
//! verifies them all; after 48 grew, one showed another history under its key and one
//! stood still, the next pass names the fork (keeping both checkpoints as evidence), the
//! log that stopped growing and the 48 that grew, and exits with status 3.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::serve_process::{self, ServeProcess, Stderr};
use common::{ADMIN, pakta, private_tempdir};
use serde_json::json;

const REGISTRIES: usize = 50;
/// The registry that shows another history to the second pass.
const FORKED: usize = 7;
/// The registry that does not grow between the passes.
const STILL: usize = 23;
/// How long a registry may take to show what was appended.
const DEADLINE: Duration = Duration::from_secs(30);

struct Registry {
    data: tempfile::TempDir,
    server: ServeProcess,
    vkey: String,
}

fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn start(data: &Path) -> ServeProcess {
    serve_process::start(data, Some(ADMIN), Stderr::Discard)
        .unwrap_or_else(|e| panic!("pakta serve exited with {}: {:?}", e.status, e.lines))
}

fn text(agent: &ureq::Agent, url: &str) -> String {
    let mut reply = agent.get(url).call().expect("GET");
    assert_eq!(reply.status(), 200, "{url}");
    reply.body_mut().read_to_string().expect("body")
}

/// The size the registry's signed checkpoint names.
fn checkpoint_size(agent: &ureq::Agent, url: &str) -> u64 {
    text(agent, &format!("{url}/checkpoint"))
        .lines()
        .nth(1)
        .and_then(|size| size.parse().ok())
        .expect("a checkpoint with a size line")
}

/// Publishes `count` pledges as the administrator, then waits until the checkpoint
/// covers them.
fn grow(agent: &ureq::Agent, url: &str, count: u64, wording: &str) -> u64 {
    let before = checkpoint_size(agent, url);
    for i in 0..count {
        let reply = agent
            .post(format!("{url}/api/pledges"))
            .header("Authorization", format!("Bearer {ADMIN}"))
            .content_type("application/json")
            .send(
                json!({"title": format!("Pakta {}", before + i), "text": format!("{wording} {}.\n", before + i)})
                    .to_string(),
            )
            .expect("POST /api/pledges");
        assert_eq!(reply.status(), 201, "{url}");
    }
    let deadline = Instant::now() + DEADLINE;
    loop {
        let size = checkpoint_size(agent, url);
        if size == before + count {
            return size;
        }
        assert!(
            Instant::now() < deadline,
            "{url} still signs {size} entries"
        );
        std::thread::yield_now();
    }
}

/// A copy of a stopped registry's data directory (the database, its log and the log
/// key), keeping each file's mode.
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs `jobs` over `items` on a few threads, keeping their order.
fn in_parallel<T: Send, R: Send>(items: Vec<T>, job: impl Fn(T) -> R + Sync) -> Vec<R> {
    let slots: Vec<std::sync::Mutex<Option<T>>> = items
        .into_iter()
        .map(|i| std::sync::Mutex::new(Some(i)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        slots.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(slot) = slots.get(i) else { break };
                    let item = slot.lock().unwrap().take().unwrap();
                    *results[i].lock().unwrap() = Some(job(item));
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap().unwrap())
        .collect()
}

fn write_registries(file: &Path, entries: &[(String, String)]) {
    let mut text = String::from("# The registries this auditor watches: URL and pinned key.\n\n");
    for (url, vkey) in entries {
        text.push_str(&format!("{url} {vkey}\n"));
    }
    std::fs::write(file, text).unwrap();
}

/// Runs one pass; returns the exit status, stdout, and stdout+stderr for messages.
fn monitor(file: &Path, data: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "mirror",
        "--registries",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--once",
    ];
    args.extend_from_slice(extra);
    let out = pakta(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), stdout, all)
}

/// The report's lines by registry URL: (label, rest of the line).
fn report_by_url(stdout: &str) -> BTreeMap<String, (String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let (label, rest) = (line.get(..16)?.trim_end(), line.get(17..)?);
            let (url, _) = rest.split_once(' ')?;
            url.starts_with("http://")
                .then(|| (url.to_string(), (label.to_string(), rest.to_string())))
        })
        .collect()
}

fn verify_copy(copy: &Path) -> String {
    let audit = pakta(&["verify", "--data", copy.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert!(audit.status.success(), "{}: {stdout}", copy.display());
    stdout
}

#[test]
fn the_monitor_reports_forks_and_logs_that_stopped_growing_over_fifty_registries() {
    let began = Instant::now();
    let agent = client();

    // Fifty registries, three pledges each.
    let mut registries: Vec<Registry> = in_parallel((0..REGISTRIES).collect(), |_| {
        let data = private_tempdir();
        let server = start(data.path());
        let agent = client();
        let vkey = text(&agent, &format!("{}/api/registry/vkey", server.url))
            .trim()
            .to_string();
        grow(&agent, &server.url, 3, "Teks");
        Registry { data, server, vkey }
    });
    let started = began.elapsed();

    // Registry FORKED is stopped and its data directory copied: from here on the copy,
    // signing with the same key, grows another history than the original.
    let original = registries.remove(FORKED);
    let Registry { data, server, vkey } = original;
    server.kill();
    let split = private_tempdir();
    copy_dir(data.path(), split.path());
    let server = start(data.path());
    let impostor = start(split.path());
    assert_eq!(
        text(&agent, &format!("{}/api/registry/vkey", impostor.url)).trim(),
        vkey
    );
    assert_eq!(grow(&agent, &server.url, 2, "Teks"), 5);
    assert_eq!(grow(&agent, &impostor.url, 3, "Teks lain"), 6);
    registries.insert(FORKED, Registry { data, server, vkey });

    let dir = private_tempdir();
    let file = dir.path().join("registries.txt");
    let copies = dir.path().join("copies");
    let mut listed: Vec<(String, String)> = registries
        .iter()
        .map(|r| (r.server.url.clone(), r.vkey.clone()))
        .collect();
    write_registries(&file, &listed);

    // First pass: every registry is copied and verified.
    let first = Instant::now();
    let (code, stdout, all) = monitor(&file, &copies, &[]);
    let first = first.elapsed();
    assert_eq!(code, Some(0), "{all}");
    let first_checked = checked_line(&stdout);
    let report = report_by_url(&stdout);
    assert_eq!(report.len(), REGISTRIES, "{stdout}");
    for (i, r) in registries.iter().enumerate() {
        let (label, rest) = &report[&r.server.url];
        let size = if i == FORKED { 5 } else { 3 };
        assert_eq!(label, "grew", "{stdout}");
        assert!(
            rest.ends_with(&format!("from 0 to {size} entries")),
            "{rest}"
        );
    }
    assert!(
        stdout.contains(&format!(
            "{REGISTRIES} registries: 0 fork, 0 unreachable, 0 check failed, 0 stopped growing, {REGISTRIES} grew, 0 up to date"
        )),
        "{stdout}"
    );
    let copy_dirs: Vec<PathBuf> = std::fs::read_dir(&copies)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copy_dirs.len(), REGISTRIES, "one copy per registry");
    let audits = Instant::now();
    for out in in_parallel(copy_dirs.clone(), |copy| verify_copy(&copy)) {
        assert!(
            out.contains("OK: 3 entries verified") || out.contains("OK: 5 entries verified"),
            "{out}"
        );
    }
    let audits = audits.elapsed();

    // Between the passes: 48 registries grow, FORKED's list line now points at the
    // impostor, STILL stays as it was.
    let grown = in_parallel(
        registries
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != FORKED && *i != STILL)
            .map(|(_, r)| r.server.url.clone())
            .collect(),
        |url| grow(&client(), &url, 2, "Teks"),
    );
    assert!(grown.iter().all(|size| *size == 5));
    listed[FORKED].0 = impostor.url.clone();
    write_registries(&file, &listed);

    let second = Instant::now();
    let (code, stdout, all) = monitor(&file, &copies, &["--stale-after", "0s"]);
    let second = second.elapsed();
    assert_eq!(code, Some(3), "{all}");
    let second_checked = checked_line(&stdout);
    let report = report_by_url(&stdout);
    assert_eq!(report.len(), REGISTRIES, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("FORK "), "problems first: {stdout}");
    assert!(lines[1].starts_with("STOPPED GROWING "), "{stdout}");

    let (label, rest) = &report[&impostor.url];
    assert_eq!(label, "FORK", "{stdout}");
    assert!(
        rest.contains("verified 5 entries with root ") && rest.contains("now offered 6 entries"),
        "{rest}"
    );
    let (label, rest) = &report[&registries[STILL].server.url];
    assert_eq!(label, "STOPPED GROWING", "{stdout}");
    assert!(rest.contains("at 3 entries, since "), "{rest}");
    for (i, r) in registries.iter().enumerate() {
        if i != FORKED && i != STILL {
            let (label, rest) = &report[&r.server.url];
            assert_eq!(label, "grew", "{stdout}");
            assert!(rest.ends_with("from 3 to 5 entries"), "{rest}");
        }
    }
    assert!(
        stdout.contains(&format!(
            "{REGISTRIES} registries: 1 fork, 0 unreachable, 0 check failed, 1 stopped growing, 48 grew, 0 up to date"
        )),
        "{stdout}"
    );

    // The evidence: both signed checkpoints, in the forked registry's copy, which still
    // holds the verified history.
    let forked_copy = copy_dirs
        .iter()
        .find(|c| {
            let evidence = std::fs::read_dir(c)
                .unwrap()
                .filter(|e| {
                    let name = e.as_ref().unwrap().file_name();
                    name.to_string_lossy().starts_with("fork-evidence-")
                })
                .count();
            evidence > 0
        })
        .expect("an evidence file");
    let evidence = std::fs::read_dir(forked_copy)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("fork-evidence-"))
        .unwrap();
    assert!(
        report[&impostor.url]
            .1
            .contains(&evidence.display().to_string()),
        "the report says where the evidence is"
    );
    let kept = std::fs::read_to_string(&evidence).unwrap();
    let vkey = &registries[FORKED].vkey;
    let origin = vkey.split('+').next().unwrap();
    assert!(kept.contains(vkey.as_str()), "{kept}");
    assert!(kept.contains(&format!("{origin}\n5\n")), "{kept}");
    assert!(kept.contains(&format!("{origin}\n6\n")), "{kept}");
    assert!(kept.contains("\u{2014} "), "signed notes: {kept}");
    assert!(verify_copy(forked_copy).contains("OK: 5 entries verified"));

    // Third pass, a day's patience: the list points at the original again, one registry
    // is down. The time of last growth was kept in each copy, so STILL (which grew on the
    // first pass) is not yet stopped; the one that is down is named, with status 4.
    listed[FORKED].0 = registries[FORKED].server.url.clone();
    write_registries(&file, &listed);
    let down = registries.remove(STILL + 1);
    let down_url = down.server.url.clone();
    down.server.kill();
    let (code, stdout, all) = monitor(&file, &copies, &["--stale-after", "24h"]);
    assert_eq!(code, Some(4), "{all}");
    let report = report_by_url(&stdout);
    let (label, rest) = &report[&down_url];
    assert_eq!(label, "UNREACHABLE", "{stdout}");
    assert!(rest.contains("/checkpoint"), "says what failed: {rest}");
    assert!(stdout.lines().next().unwrap().starts_with("UNREACHABLE "));
    assert_eq!(
        report[&registries[STILL].server.url].1.rsplit(": ").next(),
        Some("at 3 entries")
    );
    assert!(
        stdout.contains(&format!(
            "{REGISTRIES} registries: 0 fork, 1 unreachable, 0 check failed, 0 stopped growing, 0 grew, 49 up to date"
        )),
        "{stdout}"
    );

    eprintln!(
        "timings: {REGISTRIES} registries started and grown in {:.1} s; first pass {:.2} s; {REGISTRIES} audits {:.1} s; second pass {:.2} s; whole test {:.1} s",
        started.as_secs_f64(),
        first.as_secs_f64(),
        audits.as_secs_f64(),
        second.as_secs_f64(),
        began.elapsed().as_secs_f64()
    );
    eprintln!("first pass: {first_checked}; second pass: {second_checked}");
}

/// The report's last line, with the time the pass took.
fn checked_line(stdout: &str) -> String {
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("checked {REGISTRIES} registries in ")),
        "{stdout}"
    );
    last.to_string()
}
