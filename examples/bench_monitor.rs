//! The monitor over many registries, timed: `pakta mirror --registries FILE --data DIR
//! --once` as an auditor runs it over `--registries` real registries on this machine.
//!
//! Starts `--registries` (default 50) `pakta serve` processes (the binary given by
//! `--pakta`, by default the one built beside this example), each on a fresh private data
//! directory with `PAKTA_ADMIN_TOKEN` set, and waits for each one's serving line. Grows
//! each by `--entries` (default 100) pledges published as the administrator
//! (`POST /api/pledges`, one request per entry, a few registries at a time) and waits
//! until its signed checkpoint covers them; writes the registries file (`URL VKEY` per
//! line, the key from `GET /api/registry/vkey`). Then times, from spawn to exit, three
//! runs of `pakta mirror --registries FILE --data DIR --once` (with `--stale-after` and
//! `--jobs` passed on when given):
//!
//! 1. the first pass, which creates every copy, fetching and verifying every entry
//!    (signatures, Merkle root against the signed checkpoint);
//! 2. a second pass with nothing new (each registry's checkpoint fetched and checked);
//! 3. a third pass after every registry grew by `--more` (default 5) entries (each copy
//!    fetches the new entries and checks the new tree extends the verified one).
//!
//! Each pass must exit 0 and report every registry as `grew` (passes 1 and 3) or
//! `up to date` (pass 2); the row also gives the time the pass reports itself
//! (`checked N registries in … s`), which leaves out the process start and the report.
//! Last, `pakta verify --data COPY` over every copy, one after the other, each of which
//! must pass. The servers and the clients share the machine's cores, as they would not
//! in the field; the time to start and grow the registries is printed but is not the
//! monitor's. Every server is killed (SIGKILL) when the benchmark ends, also on an error
//! or a panic, and the temporary directories are removed.
//!
//! Run (release, after building the server beside it):
//! `cargo build --release && cargo run --release --example bench_monitor`
//! (`-- --registries 200` for more registries, `-- --entries 1000` for longer logs).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use clap::Parser;
use serde_json::json;

const TOKEN: &str = "bench-monitor-admin-token-0123456789abcdef";
/// How long a server may take to print its serving line, and a checkpoint to cover what
/// was appended.
const DEADLINE: Duration = Duration::from_secs(120);

#[derive(Parser)]
struct Args {
    /// Registries served and watched.
    #[arg(long, default_value_t = 50)]
    registries: usize,
    /// Entries each registry holds at the first pass.
    #[arg(long, default_value_t = 100)]
    entries: u64,
    /// Entries each registry grows by before the third pass.
    #[arg(long, default_value_t = 5)]
    more: u64,
    /// Passed on to `pakta mirror` (its default when left out: 8).
    #[arg(long)]
    jobs: Option<u16>,
    /// Passed on to `pakta mirror` (its default when left out: 24h).
    #[arg(long)]
    stale_after: Option<String>,
    /// Client threads starting and growing the registries.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// The `pakta` binary (default: target/<profile>/pakta beside this example).
    #[arg(long)]
    pakta: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(args.registries > 0, "--registries must be at least 1");
    ensure!(args.clients > 0, "--clients must be at least 1");
    ensure!(
        args.entries > 0 && args.more > 0,
        "--entries and --more must be at least 1: the first and third passes time growth"
    );
    let pakta = match &args.pakta {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .context("no target directory")?
            .join("pakta"),
    };
    ensure!(
        pakta.is_file(),
        "{} is missing: build it first with `cargo build --release` (or give --pakta)",
        pakta.display()
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();

    println!(
        "{} registries of {} entries (+{} before the third pass), pakta mirror --jobs {}, {}",
        args.registries,
        args.entries,
        args.more,
        args.jobs.map_or("8 (default)".into(), |j| j.to_string()),
        pakta.display()
    );

    // Declared before the servers, so it is removed after they are killed.
    let work = private_dir()?;
    let began = Instant::now();
    let servers: Vec<Server> = in_parallel(args.clients, args.registries, |_| {
        Server::start(&pakta, &agent)
    })?;
    let started = began.elapsed();
    let began = Instant::now();
    in_parallel(args.clients, servers.len(), |i| {
        servers[i].grow(&agent, args.entries)
    })?;
    let grown = began.elapsed();
    println!(
        "setup (not the monitor's time): {} servers serving in {:.2} s, grown to {} entries each in {:.2} s",
        servers.len(),
        started.as_secs_f64(),
        args.entries,
        grown.as_secs_f64()
    );

    let file = work.path().join("registries.txt");
    let mut listed = String::from("# URL and pinned verifier key of every registry watched\n");
    for server in &servers {
        listed.push_str(&format!("{} {}\n", server.url, server.vkey));
    }
    std::fs::write(&file, listed)?;
    let copies = work.path().join("copies");
    let n = servers.len();

    println!();
    println!("| pass | wall (spawn to exit) | as the pass reports | report |");
    println!("| --- | --- | --- | --- |");
    monitor_pass(
        &pakta,
        &args,
        &file,
        &copies,
        &format!(
            "first: creates and verifies {n} copies of {} entries",
            args.entries
        ),
        &format!("{n} grew, 0 up to date"),
    )?;
    monitor_pass(
        &pakta,
        &args,
        &file,
        &copies,
        "second: nothing new",
        &format!("0 grew, {n} up to date"),
    )?;
    in_parallel(args.clients, servers.len(), |i| {
        servers[i].grow(&agent, args.entries + args.more)
    })?;
    monitor_pass(
        &pakta,
        &args,
        &file,
        &copies,
        &format!("third: each registry grew by {} entries", args.more),
        &format!("{n} grew, 0 up to date"),
    )?;

    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&copies)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    dirs.sort();
    ensure!(
        dirs.len() == n,
        "{} copies under {}, expected {n}",
        dirs.len(),
        copies.display()
    );
    let mut each = Vec::with_capacity(n);
    for dir in &dirs {
        let began = Instant::now();
        let out = Command::new(&pakta)
            .args(["verify", "--data"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .context("running pakta verify")?;
        each.push(began.elapsed());
        ensure!(
            out.status.success(),
            "pakta verify failed on {} ({}):\n{}{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let total: Duration = each.iter().sum();
    let slowest = each.iter().max().copied().unwrap_or_default();
    println!(
        "| `pakta verify --data COPY` over the {n} copies of {} entries, one after the other | {:.2} s | mean {:.3} s, slowest {:.3} s per copy | all passed |",
        args.entries + args.more,
        total.as_secs_f64(),
        total.as_secs_f64() / n as f64,
        slowest.as_secs_f64()
    );

    // Kills every server before the directories go.
    drop(servers);
    work.close()?;
    Ok(())
}

/// Runs one `pakta mirror --registries … --once` pass, checks it exited 0 with the
/// expected summary, and prints its row.
fn monitor_pass(
    pakta: &Path,
    args: &Args,
    file: &Path,
    copies: &Path,
    what: &str,
    expected: &str,
) -> Result<()> {
    let mut command = Command::new(pakta);
    command
        .args(["mirror", "--registries"])
        .arg(file)
        .arg("--data")
        .arg(copies)
        .arg("--once")
        .stdin(Stdio::null());
    if let Some(jobs) = args.jobs {
        command.args(["--jobs", &jobs.to_string()]);
    }
    if let Some(stale) = &args.stale_after {
        command.args(["--stale-after", stale]);
    }
    let began = Instant::now();
    let out = command.output().context("running pakta mirror")?;
    let wall = began.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success(),
        "pakta mirror ({what}) exited with {}:\n{stdout}{stderr}",
        out.status
    );
    let summary = stdout
        .lines()
        .find(|l| l.contains(" registries: "))
        .ok_or_else(|| anyhow!("no summary line in the report:\n{stdout}"))?;
    ensure!(
        summary.contains("0 fork, 0 unreachable, 0 check failed, 0 stopped growing")
            && summary.ends_with(expected),
        "pass {what}: expected `… {expected}`, got `{summary}`"
    );
    let reported = stdout
        .lines()
        .find_map(|l| l.strip_prefix("checked "))
        .and_then(|rest| rest.split(" in ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .ok_or_else(|| anyhow!("no `checked … in … s` line in the report:\n{stdout}"))?;
    println!(
        "| {what} | {:.2} s | {reported} s | {} |",
        wall.as_secs_f64(),
        summary.trim()
    );
    Ok(())
}

/// A running `pakta serve` on a data directory of its own; dropping it kills the process
/// (SIGKILL), then removes the directory.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, from the serving line.
    url: String,
    vkey: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Spawns `pakta serve` on a new data directory and port 0, and waits for the line
    /// naming where it serves.
    fn start(pakta: &Path, agent: &ureq::Agent) -> Result<Server> {
        let data = private_dir()?;
        let mut child = Command::new(pakta)
            .args(["serve", "--data"])
            .arg(data.path())
            .args(["--listen", "127.0.0.1:0"])
            .args(["--max-connections-per-address", "0", "--rate-limit", "0"])
            .env("PAKTA_ADMIN_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", pakta.display()))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let (tx, lines) = mpsc::channel();
        // Reads stdout to its end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Owned from here, so an early return kills it.
        let mut server = Server {
            child,
            url: String::new(),
            vkey: String::new(),
            _data: data,
        };
        let deadline = Instant::now() + DEADLINE;
        while server.url.is_empty() {
            let line = lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .map_err(|_| anyhow!("pakta serve neither served nor exited in time"))?;
            if let Some((_, rest)) = line
                .strip_prefix("Pakta ")
                .and_then(|rest| rest.split_once("is serving on "))
            {
                server.url = rest.split_whitespace().next().unwrap_or_default().into();
            }
        }
        server.vkey = server.get(agent, "/api/registry/vkey")?.trim().to_string();
        Ok(server)
    }

    fn get(&self, agent: &ureq::Agent, path: &str) -> Result<String> {
        let mut reply = agent.get(format!("{}{path}", self.url)).call()?;
        ensure!(
            reply.status() == 200,
            "GET {}{path}: {}",
            self.url,
            reply.status()
        );
        Ok(reply.body_mut().read_to_string()?)
    }

    /// The size its signed checkpoint names.
    fn size(&self, agent: &ureq::Agent) -> Result<u64> {
        let note = self.get(agent, "/checkpoint")?;
        note.lines()
            .nth(1)
            .and_then(|size| size.parse().ok())
            .ok_or_else(|| anyhow!("{}: a checkpoint without a size line", self.url))
    }

    /// Publishes pledges as the administrator until the log holds `size` entries (every
    /// pledge is one entry), then waits until the signed checkpoint covers them.
    fn grow(&self, agent: &ureq::Agent, size: u64) -> Result<()> {
        let before = self.size(agent)?;
        for n in before..size {
            let reply = agent
                .post(format!("{}/api/pledges", self.url))
                .header("Authorization", format!("Bearer {TOKEN}"))
                .content_type("application/json")
                .send(
                    json!({"title": format!("Pakta {n}"), "text": format!("Teks pakta nomor {n}.\n")})
                        .to_string(),
                )?;
            ensure!(
                reply.status() == 201,
                "POST {}/api/pledges: {}",
                self.url,
                reply.status()
            );
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let signed = self.size(agent)?;
            if signed == size {
                return Ok(());
            }
            ensure!(
                signed < size && Instant::now() < deadline,
                "{} signs {signed} entries, expected {size}",
                self.url
            );
            std::thread::yield_now();
        }
    }
}

/// Runs `job(0..count)` on `threads` threads; the results in order, or the first error.
fn in_parallel<R: Send>(
    threads: usize,
    count: usize,
    job: impl Fn(usize) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<R>>>> = (0..count).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(count) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = results.get(i) else { break };
                    let result = job(i);
                    *slot.lock().unwrap() = Some(result);
                }
            });
        }
    });
    let mut out = Vec::with_capacity(count);
    for slot in results {
        out.push(
            slot.into_inner()
                .map_err(|_| anyhow!("a client thread panicked"))?
                .ok_or_else(|| anyhow!("a job did not run"))??,
        );
    }
    Ok(out)
}

/// A private temporary directory (`pakta serve` refuses a data directory others can
/// read).
fn private_dir() -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}
