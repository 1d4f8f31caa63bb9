//! Runs the real `pakta serve` binary as a child process, as an administrator would:
//! spawns it on a data directory and port 0, reads its stdout up to the
//! `Pakta is serving on URL` line (or sees it exit first, and reports how), within
//! [`STARTUP`], and kills it with SIGKILL when dropped. What the tests then ask of the
//! server stays with them.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a start may take to either serve or exit.
pub const STARTUP: Duration = Duration::from_secs(60);

/// Where the server's stderr goes.
#[derive(Clone, Copy)]
pub enum Stderr<'a> {
    Discard,
    /// Kept in memory, through a pipe.
    Capture,
    /// Written to this file (created or truncated).
    File(&'a Path),
}

/// A running `pakta serve`; dropping it kills the process with SIGKILL.
pub struct ServeProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`, from the serving line.
    pub url: String,
    /// What it printed on stdout, up to and including the serving line.
    pub lines: Vec<String>,
    /// When it was spawned: `started.elapsed()` is the time to serving and beyond, and
    /// `started + STARTUP` the deadline of the start.
    pub started: Instant,
}

/// A start that exited before printing its serving line.
pub struct Exited {
    pub status: ExitStatus,
    /// What it printed on stdout.
    pub lines: Vec<String>,
    /// What it printed on stderr (nothing with [`Stderr::Discard`]).
    pub stderr: String,
}

/// Starts `pakta serve --data DATA --listen 127.0.0.1:0 --rate-limit 0` (every test
/// client comes from one address, as in a load test) with `PAKTA_ADMIN_TOKEN` set to
/// `admin_token` (removed when `None`) and waits until it prints its serving line or
/// exits. Fails the test, after killing it, when it does neither within [`STARTUP`].
pub fn start(
    data: &Path,
    admin_token: Option<&str>,
    stderr: Stderr,
) -> Result<ServeProcess, Exited> {
    let args = [
        "serve",
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--rate-limit",
        "0",
    ];
    start_with(&args, admin_token, stderr)
}

/// Starts `pakta ARGS…` (a command that prints `Pakta … is serving on URL` once it
/// serves, such as `serve` with more options or `witness`) the way [`start`] does.
pub fn start_with(
    args: &[&str],
    admin_token: Option<&str>,
    stderr: Stderr,
) -> Result<ServeProcess, Exited> {
    let started = Instant::now();
    let deadline = started + STARTUP;
    let mut command = Command::new(env!("CARGO_BIN_EXE_pakta"));
    command.args(args);
    match admin_token {
        Some(token) => command.env("PAKTA_ADMIN_TOKEN", token),
        None => command.env_remove("PAKTA_ADMIN_TOKEN"),
    };
    command.stdout(Stdio::piped()).stderr(match stderr {
        Stderr::Discard => Stdio::null(),
        Stderr::Capture => Stdio::piped(),
        Stderr::File(path) => std::fs::File::create(path).unwrap().into(),
    });
    let mut child = command.spawn().expect("start pakta serve");

    let (lines_tx, printed) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    // Reads stdout to its end, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let captured = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });

    let mut lines = Vec::new();
    loop {
        match printed.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                let url = line
                    .strip_prefix("Pakta ")
                    .and_then(|rest| rest.split_once("is serving on "))
                    .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_string());
                lines.push(line);
                if let Some(url) = url {
                    return Ok(ServeProcess {
                        child,
                        url,
                        lines,
                        started,
                    });
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = loop {
                    if let Some(status) = child.try_wait().expect("poll pakta serve") {
                        break status;
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        panic!("pakta serve did not exit within {STARTUP:?}");
                    }
                    std::thread::sleep(Duration::from_millis(10));
                };
                return Err(Exited {
                    status,
                    lines,
                    stderr: stderr_text(stderr, captured),
                });
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "pakta serve neither served nor exited within {STARTUP:?}: {lines:?}\n{}",
                    stderr_text(stderr, captured)
                );
            }
        }
    }
}

/// What the exited server printed on stderr.
fn stderr_text(stderr: Stderr, captured: Option<JoinHandle<String>>) -> String {
    match (stderr, captured) {
        (_, Some(reader)) => reader.join().unwrap(),
        (Stderr::File(path), None) => std::fs::read_to_string(path).unwrap_or_default(),
        _ => String::new(),
    }
}

impl ServeProcess {
    /// SIGKILL (what `Child::kill` sends on Unix), and wait for the process to be gone.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL pakta serve");
        self.child.wait().expect("reap pakta serve");
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
