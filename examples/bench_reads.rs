//! The read benchmark behind issue 11, item 5 ("reads at scale"): Merkle proofs at ten
//! million entries, one OPD's unsigned list over a 100,000-official roster, and how soon
//! a registry of a million entries serves again after `kill -9`. Each part is chosen by
//! its flag (all three without one) and prints its figures as table rows.
//!
//! `--proofs`: builds the `tree` table of `--leaves` synthetic leaves (leaf `i` is the
//! leaf hash of `i`'s eight big-endian bytes) with plain SQL, level by level, in a store
//! made by `pakta::store::Store::open` in a temporary directory, then times random
//! inclusion and consistency proofs through the code the server runs for
//! `/api/registry/proof/...`: `merkle::inclusion_proof` and `merkle::consistency_proof`
//! over `Db::subtree`, each proof in its own read transaction on a pooled read
//! connection (`Store::read_blocking`). Proofs read nothing but the `tree` table, so a
//! synthetic tree costs them what a real log of that size would; there is no `log`
//! table behind it, so the server's one extra read of the log's head per request is
//! not in the figure. Every proof is checked against the root (made independently by
//! `merkle::RootBuilder`) outside the timing. The temporary directory is removed at the
//! end.
//!
//! `--unsigned`: serves a real `pakta serve` (the binary given by `--pakta`, by default
//! the one built beside this example) on a fresh data directory, imports `--officials`
//! generated officials over `--opds` OPDs, opens one ceremony inviting them all (nobody
//! has signed, so each page lists every invitee it looks at), and times the first page
//! of one OPD's unsigned list as its supervisor asks for it
//! (`GET /api/ceremonies/{id}/unsigned?opd=CODE`, with that OPD's supervisor token,
//! which also records the read in the access log and looks up phone numbers), the same
//! asked by the admin, and the store query behind it (`Db::invitees_page`) on a
//! read-only connection to the same database.
//!
//! `--restart`: copies the registry in `--registry DIR` (or, without it, makes one of
//! `--entries` entries with `pakta bench generate`) into a temporary directory, serves
//! it once, then `--restarts` times: publishes pledges from a client while the server
//! is killed with SIGKILL (so the write-ahead log holds a batch cut off), starts `pakta
//! serve` again on the same directory and times from the spawn until
//! `GET /api/registry/head` answers, checking that every acknowledged pledge is in the
//! log. The page cache is warm, as it is after a process (not a machine) dies.
//!
//! Run (release, after building the server beside it):
//! `cargo build --release && cargo run --release --example bench_reads -- --proofs`,
//! `... -- --unsigned`, `... -- --restart --registry /tmp/issue11/reg1m`
//! (made by `pakta bench generate --entries 1000000 --data /tmp/issue11/reg1m`).

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use pakta::clock::SystemClock;
use pakta::domain::crypto::Sha256Hash;
use pakta::domain::identifier::OpdCode;
use pakta::domain::ids::CeremonyId;
use pakta::domain::merkle::{self, RootBuilder};
use pakta::store::{DATABASE_FILE, Db, Store};

const TOKEN: &str = "bench-reads-admin-token-0123456789abcdef";

#[derive(Parser)]
struct Args {
    /// Time inclusion and consistency proofs over a synthetic tree of `--leaves`.
    #[arg(long)]
    proofs: bool,
    /// Time one OPD's unsigned list over a roster of `--officials` in `--opds` OPDs.
    #[arg(long)]
    unsigned: bool,
    /// Time `pakta serve` answering again after `kill -9` on a large registry.
    #[arg(long)]
    restart: bool,
    /// Leaves of the synthetic tree.
    #[arg(long, default_value_t = 10_000_000)]
    leaves: u64,
    /// Proofs timed of each kind.
    #[arg(long, default_value_t = 10_000)]
    samples: usize,
    /// Officials in the roster.
    #[arg(long, default_value_t = 100_000)]
    officials: usize,
    /// OPDs the roster is spread over, evenly.
    #[arg(long, default_value_t = 500)]
    opds: usize,
    /// Requests timed per way of asking for the unsigned list.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    /// The registry to restart (copied first, never changed); without it one of
    /// `--entries` entries is generated.
    #[arg(long)]
    registry: Option<PathBuf>,
    /// Entries of the generated registry, without `--registry`.
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Kills and restarts timed.
    #[arg(long, default_value_t = 3)]
    restarts: usize,
    /// The `pakta` binary to serve (default: target/<profile>/pakta beside this example).
    #[arg(long)]
    pakta: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let all = !(args.proofs || args.unsigned || args.restart);
    let pakta = match &args.pakta {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .context("no target directory")?
            .join("pakta"),
    };
    if all || args.proofs {
        proofs(args.leaves, args.samples)?;
    }
    if all || args.unsigned {
        unsigned(&pakta, &args)?;
    }
    if all || args.restart {
        restart(&pakta, &args)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Timings

/// Durations of one kind of operation, summarised.
struct Timings(Vec<Duration>);

impl Timings {
    fn summary(mut self) -> String {
        self.0.sort();
        let n = self.0.len();
        let mean = self.0.iter().sum::<Duration>() / n as u32;
        let p = |q: f64| self.0[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
        format!(
            "mean {}, p50 {}, p99 {}, max {} ({n} timed)",
            ms(mean),
            ms(p(0.5)),
            ms(p(0.99)),
            ms(self.0[n - 1])
        )
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// A small deterministic generator (SplitMix64), so runs pick the same samples.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..high`.
    fn below(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

// ---------------------------------------------------------------------------------------
// Part (a): proofs

fn synthetic_leaf(index: u64) -> Sha256Hash {
    merkle::leaf_hash(&index.to_be_bytes())
}

/// Fills the `tree` table with every complete subtree of `leaves` synthetic leaves, one
/// level after the other, so every row goes to the right end of the table's B-tree.
/// Returns the root, made by `RootBuilder` from the leaves alone.
fn build_tree(path: &Path, leaves: u64) -> Result<Sha256Hash> {
    let mut conn = Connection::open(path)?;
    // A benchmark's scratch table: a crash loses nothing worth an fsync per commit.
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA busy_timeout = 5000;")?;
    const ROWS_PER_TRANSACTION: usize = 1 << 20;
    let mut builder = RootBuilder::default();
    let mut level: Vec<Sha256Hash> = (0..leaves)
        .map(|i| {
            let leaf = synthetic_leaf(i);
            builder.push(leaf);
            leaf
        })
        .collect();
    let mut height = 0u32;
    while !level.is_empty() {
        for (chunk_number, chunk) in level.chunks(ROWS_PER_TRANSACTION).enumerate() {
            let tx = conn.transaction()?;
            {
                let mut insert =
                    tx.prepare_cached("INSERT INTO tree (level, idx, hash) VALUES (?1, ?2, ?3)")?;
                let first = (chunk_number * ROWS_PER_TRANSACTION) as u64;
                for (offset, hash) in chunk.iter().enumerate() {
                    insert.execute(params![height, first + offset as u64, &hash.0[..]])?;
                }
            }
            tx.commit()?;
        }
        level = level
            .chunks_exact(2)
            .map(|pair| merkle::node_hash(&pair[0], &pair[1]))
            .collect();
        height += 1;
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(builder.root())
}

/// One proof timed inside its own read transaction, with the subtree reads it made.
fn timed<T>(
    store: &Store,
    proof: impl FnOnce(
        &mut dyn FnMut(u32, u64) -> pakta::error::Result<Sha256Hash>,
    ) -> pakta::error::Result<T>,
) -> Result<(T, Duration, u32)> {
    let started = Instant::now();
    let (out, reads) = store.read_blocking(|db| {
        let mut reads = 0u32;
        let out = proof(&mut |level, index| {
            reads += 1;
            db.subtree(level, index)
        })?;
        Ok((out, reads))
    })?;
    Ok((out, started.elapsed(), reads))
}

fn proofs(leaves: u64, samples: usize) -> Result<()> {
    ensure!(leaves >= 2, "--leaves must be at least 2");
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path(), Arc::new(SystemClock))?;
    let started = Instant::now();
    let root = build_tree(&dir.path().join(DATABASE_FILE), leaves)?;
    let bytes = std::fs::metadata(dir.path().join(DATABASE_FILE))?.len();
    println!(
        "tree of {leaves} synthetic leaves built in {:.1?} ({:.0} MB)",
        started.elapsed(),
        bytes as f64 / 1e6
    );
    let stored_root =
        store.read_blocking(|db| merkle::root(leaves, &mut |l, i| db.subtree(l, i)))?;
    ensure!(
        stored_root == root,
        "the stored tree's root differs from the leaves' root"
    );
    let root_of = |size: u64| -> Result<Sha256Hash> {
        if size == leaves {
            return Ok(root);
        }
        Ok(store.read_blocking(|db| merkle::root(size, &mut |l, i| db.subtree(l, i)))?)
    };

    let mut random = Random(11);
    println!("\n| proof, at {leaves} leaves | latency | subtree reads per proof |");
    println!("| --- | --- | --- |");
    for at_head in [true, false] {
        let (mut times, mut reads) = (Vec::new(), Vec::new());
        for _ in 0..samples {
            let size = if at_head {
                leaves
            } else {
                random.below(2, leaves + 1)
            };
            let index = random.below(0, size);
            let (proof, took, read) = timed(&store, |subtree| {
                merkle::inclusion_proof(index, size, subtree)
            })?;
            ensure!(
                merkle::verify_inclusion(
                    &synthetic_leaf(index),
                    index,
                    size,
                    &proof,
                    &root_of(size)?
                ),
                "the inclusion proof of {index} in {size} does not verify"
            );
            times.push(took);
            reads.push(read);
        }
        let what = if at_head {
            "inclusion, random leaf, tree of all leaves"
        } else {
            "inclusion, random leaf, tree of a random size"
        };
        row(what, times, &reads);
    }
    for at_head in [true, false] {
        let (mut times, mut reads) = (Vec::new(), Vec::new());
        for _ in 0..samples {
            let new = if at_head {
                leaves
            } else {
                random.below(2, leaves + 1)
            };
            let old = random.below(1, new);
            let (proof, took, read) = timed(&store, |subtree| {
                merkle::consistency_proof(old, new, subtree)
            })?;
            ensure!(
                merkle::verify_consistency(old, new, &proof, &root_of(old)?, &root_of(new)?),
                "the consistency proof from {old} to {new} does not verify"
            );
            times.push(took);
            reads.push(read);
        }
        let what = if at_head {
            "consistency, random size to all leaves"
        } else {
            "consistency, between two random sizes"
        };
        row(what, times, &reads);
    }
    drop(store);
    dir.close()?;
    Ok(())
}

fn row(what: &str, times: Vec<Duration>, reads: &[u32]) {
    let mean = reads.iter().map(|&r| f64::from(r)).sum::<f64>() / reads.len() as f64;
    let max = reads.iter().max().copied().unwrap_or(0);
    println!(
        "| {what} | {} | mean {mean:.1}, max {max} |",
        Timings(times).summary()
    );
}

// ---------------------------------------------------------------------------------------
// A served registry

/// A running `pakta serve`, killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Spawns `pakta serve` on `data` and waits until it answers; returns it with the
    /// time from the spawn to the first answer of `GET /api/registry/head`.
    fn start(pakta: &Path, data: &Path) -> Result<(Server, Duration)> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let started = Instant::now();
        let child = Command::new(pakta)
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--max-connections-per-address", "0", "--rate-limit", "0"])
            .env("PAKTA_ADMIN_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", pakta.display()))?;
        let mut server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let head = format!("{}/api/registry/head", server.url);
        loop {
            if ureq::get(&head).call().is_ok() {
                return Ok((server, started.elapsed()));
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("pakta serve stopped ({status}) before it answered");
            }
            if started.elapsed() > Duration::from_secs(600) {
                bail!("the server did not answer within ten minutes");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.url);
        let auth = format!("Bearer {token}");
        let mut response = match (method, body) {
            ("POST", Some((content_type, body))) => ureq::post(&url)
                .header("Authorization", &auth)
                .content_type(content_type)
                .send(&body[..])?,
            _ => ureq::get(&url).header("Authorization", &auth).call()?,
        };
        Ok(response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_json()?)
    }

    fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.call(
            TOKEN,
            "POST",
            path,
            Some(("application/json", body.to_string().into_bytes())),
        )
    }
}

/// A private temporary data directory (`pakta serve` refuses one others can read).
fn private_dir() -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

// ---------------------------------------------------------------------------------------
// Part (b): one OPD's unsigned list

fn opd_code(unit: usize) -> String {
    format!("OPD{unit:03}")
}

fn roster(officials: usize, opds: usize) -> String {
    let mut csv = String::from("nip,name,position,rank,category,opd_code,opd_name\n");
    for i in 0..officials {
        let unit = i % opds;
        csv.push_str(&format!(
            "19800101{:06}1{:03},Pegawai Nomor {:06},Analis Kebijakan Ahli Pertama,Penata Muda (III/a),PNS,{},Dinas Nomor {unit:03} Kabupaten Contoh\n",
            i / 1000,
            i % 1000,
            (i * 7919) % officials,
            opd_code(unit),
        ));
    }
    csv
}

fn unsigned(pakta: &Path, args: &Args) -> Result<()> {
    ensure!(
        args.opds > 0 && args.opds <= 1000,
        "--opds must be 1 to 1000"
    );
    let dir = private_dir()?;
    let (server, _) = Server::start(pakta, dir.path())?;
    let started = Instant::now();
    let imported = server.call(
        TOKEN,
        "POST",
        "/api/officials/import",
        Some(("text/csv", roster(args.officials, args.opds).into_bytes())),
    )?;
    ensure!(imported["created"] == args.officials, "import: {imported}");
    let pledge = server.post_json(
        "/api/pledges",
        &json!({"title": "Pakta", "text": "1. Netral.\n"}),
    )?;
    let ceremony = server.post_json(
        "/api/ceremonies",
        &json!({"title": "Ikrar", "place": "Pendopo", "starts_at": "2026-11-23T09:00:00+07:00",
               "pledge_id": pledge["id"], "invite": {"all": true}}),
    )?;
    let id = ceremony["id"].as_u64().context("no ceremony id")?;
    server.post_json(&format!("/api/ceremonies/{id}/open"), &json!({}))?;
    println!(
        "\n{} officials in {} OPDs imported and invited in {:.1?}",
        args.officials,
        args.opds,
        started.elapsed()
    );

    // The supervisors of some OPDs spread over the roster order.
    let supervised: Vec<usize> = (0..args.opds).step_by((args.opds / 50).max(1)).collect();
    let mut supervisors = Vec::new();
    for &unit in &supervised {
        let token = server.post_json(
            "/api/tokens",
            &json!({"role": "supervisor", "opd": opd_code(unit)}),
        )?;
        supervisors.push((
            unit,
            token["token"].as_str().context("no token")?.to_string(),
        ));
    }

    let first_page = |token: &str, unit: usize| -> Result<Duration> {
        let path = format!("/api/ceremonies/{id}/unsigned?opd={}", opd_code(unit));
        let started = Instant::now();
        let reply = server.call(token, "GET", &path, None)?;
        let took = started.elapsed();
        let listed = reply["opds"][0]["unsigned"].as_array().map_or(0, Vec::len);
        ensure!(
            listed == 100.min(args.officials / args.opds),
            "the first page of {} lists {listed}: {reply}",
            opd_code(unit)
        );
        Ok(took)
    };
    println!("\n| one OPD's unsigned list, first page (100 invitees) | latency |");
    println!("| --- | --- |");
    let mut times = Vec::new();
    for n in 0..args.requests {
        let (unit, token) = &supervisors[n % supervisors.len()];
        times.push(first_page(token, *unit)?);
    }
    println!(
        "| `GET /api/ceremonies/{{id}}/unsigned?opd=CODE`, the OPD's supervisor | {} |",
        Timings(times).summary()
    );
    let mut times = Vec::new();
    for n in 0..args.requests {
        times.push(first_page(TOKEN, n * 7 % args.opds)?);
    }
    println!("| the same, the admin | {} |", Timings(times).summary());

    // The store query behind it, on a read-only connection like the server's readers.
    let conn = Store::open_read_only(dir.path())?;
    let db = Db::over(&conn);
    let ceremony = CeremonyId::new(id).context("ceremony ids start at 1")?;
    let mut times = Vec::new();
    for n in 0..args.requests.max(args.opds) {
        let opd = OpdCode::parse(&opd_code(n % args.opds))?;
        let started = Instant::now();
        let rows = db.invitees_page(ceremony, Some(&opd), None, 101)?;
        times.push(started.elapsed());
        ensure!(
            rows.len() == 101.min(args.officials / args.opds),
            "{} rows",
            rows.len()
        );
    }
    println!(
        "| `Db::invitees_page` (101 rows: a page and the next one's first) | {} |",
        Timings(times).summary()
    );

    // The per-OPD report beside it, for comparison: one OPD's, then every OPD's (one
    // pass over every invitee, not paged), and that pass alone in the store.
    let report = |opd: Option<usize>| -> Result<Timings> {
        let query = opd.map_or(String::new(), |unit| format!("?opd={}", opd_code(unit)));
        let mut times = Vec::new();
        for n in 0..if opd.is_some() { args.requests } else { 10 } {
            let path = match opd {
                Some(unit) => format!(
                    "/api/ceremonies/{id}/report?opd={}",
                    opd_code((unit + n * 7) % args.opds)
                ),
                None => format!("/api/ceremonies/{id}/report{query}"),
            };
            let started = Instant::now();
            server.call(TOKEN, "GET", &path, None)?;
            times.push(started.elapsed());
        }
        Ok(Timings(times))
    };
    println!(
        "| `GET /api/ceremonies/{{id}}/report?opd=CODE`, one OPD, the admin | {} |",
        report(Some(0))?.summary()
    );
    println!(
        "| `GET /api/ceremonies/{{id}}/report`, every OPD (not paged) | {} |",
        report(None)?.summary()
    );
    let mut times = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let mut invitees = 0usize;
        db.for_each_invitee_by_unit(ceremony, None, |_, _, _| {
            invitees += 1;
            Ok(())
        })?;
        times.push(started.elapsed());
        ensure!(invitees == args.officials, "{invitees} invitees");
    }
    println!(
        "| `Db::for_each_invitee_by_unit`, every invitee (the report's pass) | {} |",
        Timings(times).summary()
    );
    drop(conn);
    drop(server);
    dir.close()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Part (c): serving again after kill -9

fn copy_registry(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn log_size(server: &Server) -> Result<u64> {
    let head = server.call(TOKEN, "GET", "/api/registry/head", None)?;
    head["size"]
        .as_u64()
        .with_context(|| format!("no size in {head}"))
}

fn restart(pakta: &Path, args: &Args) -> Result<()> {
    let dir = private_dir()?;
    let data = dir.path().join("registry");
    let started = Instant::now();
    match &args.registry {
        Some(registry) => {
            std::fs::create_dir(&data)?;
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700))?;
            copy_registry(registry, &data)?;
            println!(
                "\n{} copied in {:.1?}",
                registry.display(),
                started.elapsed()
            );
        }
        None => {
            let status = Command::new(pakta)
                .args([
                    "bench",
                    "generate",
                    "--entries",
                    &args.entries.to_string(),
                    "--data",
                ])
                .arg(&data)
                .stdout(Stdio::null())
                .status()?;
            ensure!(status.success(), "pakta bench generate failed");
            println!(
                "\n{} entries generated in {:.1?}",
                args.entries,
                started.elapsed()
            );
        }
    }
    let (server, first) = Server::start(pakta, &data)?;
    println!(
        "first start (schema brought up to date if needed): answered after {}; {} entries",
        ms(first),
        log_size(&server)?
    );
    println!("\n| restart after `kill -9` | entries | WAL at restart | answered after |");
    println!("| --- | --- | --- | --- |");
    let mut server = server;
    for round in 1..=args.restarts {
        let before = log_size(&server)?;
        // A client publishes pledges, one entry each, until the server dies under it.
        let stop = AtomicBool::new(false);
        let acknowledged = AtomicU64::new(0);
        std::thread::scope(|s| -> Result<()> {
            let writer = s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let pledge = json!({"title": format!("Pakta {round}"), "text": "1. Netral.\n"});
                    if server.post_json("/api/pledges", &pledge).is_ok() {
                        acknowledged.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            // Long enough for the client to be mid-request when the kill lands.
            std::thread::sleep(Duration::from_millis(500));
            let pid = server.child.id();
            let status = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()?;
            ensure!(status.success(), "kill -9 {pid} failed");
            stop.store(true, Ordering::Relaxed);
            writer.join().expect("the writing client panicked");
            Ok(())
        })?;
        drop(server);
        let wal =
            std::fs::metadata(data.join(format!("{DATABASE_FILE}-wal"))).map_or(0, |m| m.len());
        let (again, took) = Server::start(pakta, &data)?;
        let after = log_size(&again)?;
        let acknowledged = acknowledged.into_inner();
        ensure!(
            after >= before + acknowledged,
            "{acknowledged} pledges were acknowledged after entry {before}, but the log holds {after} entries"
        );
        println!(
            "| {round} | {after} ({acknowledged} acknowledged before the kill) | {:.1} MB | {} |",
            wal as f64 / 1e6,
            ms(took)
        );
        server = again;
    }
    drop(server);
    dir.close()?;
    Ok(())
}
