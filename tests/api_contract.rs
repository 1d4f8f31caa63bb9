//! The API answers only what its OpenAPI document says, as a machine checks it:
//! schemathesis (a property-based API fuzzer, in the tools' virtualenv) reads the
//! document from a running `pakta demo` and sends every operation generated requests,
//! valid and invalid, with the admin token. Any 5xx, a status code, a content type or a
//! body the document does not describe, fails the test with schemathesis's report and a
//! curl command that reproduces each failure.
//!
//! The generation is deterministic (Hypothesis's derandomize), so a run sends the same
//! requests every time and CI is reproducible. The number of requests per operation is
//! chosen to keep the run within a couple of minutes on a loaded 2-core machine.

mod common;
#[path = "common/python_tools.rs"]
mod python_tools;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The admin token the demo is started with (PAKTA_ADMIN_TOKEN, at least 32 characters).
const ADMIN: &str = common::ADMIN;

/// Generated requests per operation in the fuzzing phase (the examples and coverage
/// phases add their own, a fixed set derived from the document).
const MAX_EXAMPLES: u32 = 40;

/// The checks of every response: no 5xx; status code, content type and body as
/// documented.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// How long the demo may take to load and serve.
const STARTUP: Duration = Duration::from_secs(120);

/// A running `pakta demo`, killed when dropped.
struct Demo {
    child: Child,
    url: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pakta demo` on a fresh data directory in `dir` and port 0, without the rate
/// limit (every request comes from one address), and waits for its serving line.
fn start_demo(dir: &Path) -> Demo {
    let stderr = std::fs::File::create(dir.join("demo-stderr.txt")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(["demo", "--data"])
        .arg(dir.join("data"))
        .args(["--listen", "127.0.0.1:0", "--rate-limit", "0"])
        .env("PAKTA_ADMIN_TOKEN", ADMIN)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start pakta demo");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    // Reads stdout to its end, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + STARTUP;
    let mut printed = Vec::new();
    let mut demo = Demo {
        child,
        url: String::new(),
    };
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("Pakta is serving on ") {
                    demo.url = rest.split_whitespace().next().unwrap().to_string();
                    return demo;
                }
                printed.push(line);
            }
            Err(_) => {
                let _ = demo.child.kill();
                let status = demo.child.wait();
                panic!(
                    "pakta demo did not serve within {STARTUP:?} ({status:?}):\n{}\n{}",
                    printed.join("\n"),
                    std::fs::read_to_string(dir.join("demo-stderr.txt")).unwrap_or_default()
                );
            }
        }
    }
}

#[test]
fn every_operation_answers_only_what_the_document_says() {
    // Made before the demo starts, so a first run's install is not timed with it.
    python_tools::python();
    let dir = common::private_tempdir();
    let demo = start_demo(dir.path());
    let started = Instant::now();
    let max_examples = MAX_EXAMPLES.to_string();
    let authorization = format!("Authorization: Bearer {ADMIN}");
    let schema = format!("{}/api/openapi.yaml", demo.url);
    // Run in the temporary directory: no schemathesis.toml of anyone's is read, and
    // nothing is left in the work tree.
    let out = python_tools::run_python(
        &[
            "-m",
            "schemathesis.cli",
            "run",
            &schema,
            "--url",
            &demo.url,
            "--checks",
            CHECKS,
            "--header",
            &authorization,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            &max_examples,
            // Hypothesis derandomized: the same requests on every run.
            "--generation-deterministic",
            "--workers",
            "1",
            // Health checks time the generation, which a loaded machine can fail.
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        dir.path(),
    );
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "schemathesis ran for {:.0} s against {}",
        started.elapsed().as_secs_f64(),
        demo.url
    );
    assert!(
        out.status.success(),
        "schemathesis found responses the OpenAPI document does not describe (fix the \
         document where it is wrong, the handler where the server is):\n{report}"
    );

    // Every documented operation was tested, none skipped or left out.
    let (selected, total) = counts_after(&report, "Selected:");
    let (tested, _) = counts_after(&report, "Tested:");
    assert!(
        total > 20 && selected == total && tested == total,
        "schemathesis tested {tested} of {total} operations:\n{report}"
    );
    drop(demo);
}

/// The N and M of a summary line `LABEL N/M`, or N twice from `LABEL N`.
fn counts_after(report: &str, label: &str) -> (usize, usize) {
    let numbers: Vec<usize> = report
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(|rest| {
            rest.split('/')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    match numbers[..] {
        [n] => (n, n),
        [n, m] => (n, m),
        _ => panic!("no '{label} N' or '{label} N/M' line in the report:\n{report}"),
    }
}
