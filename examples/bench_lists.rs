//! The list benchmark behind issue 8, item 7 ("bounded and uniform"): how large the
//! replies of the roster lists are, and how much memory the server takes while several
//! clients read them whole, with 100,000 officials.
//!
//! It serves a real `pakta serve` (the binary given by `--pakta`, by default the one
//! built beside this example) on a fresh data directory, imports a generated roster of
//! `--officials` over 40 OPDs, opens a ceremony inviting everyone, and then, for each
//! list, has `--clients` clients read the whole list at once: following `next` page by
//! page at the largest page size, or, from a server without pages, the one reply. The
//! server's peak resident memory (`VmHWM`, reset before each list through
//! `/proc/PID/clear_refs`) is read from `/proc`, so Linux only.
//!
//! Run: `cargo build --release && cargo run --release --example bench_lists`
//! (`-- --pakta OTHER_BINARY` measures another build the same way).

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::{Value, json};

const TOKEN: &str = "bench-lists-admin-token-0123456789abcdef";

#[derive(Parser)]
struct Args {
    /// Officials in the roster.
    #[arg(long, default_value_t = 100_000)]
    officials: usize,
    /// Clients reading each list at the same time.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// The `pakta` binary to serve (default: target/<profile>/pakta beside this example).
    #[arg(long)]
    pakta: Option<PathBuf>,
}

/// A running `pakta serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(pakta: &PathBuf) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        // `pakta serve` refuses a data directory others can read.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(pakta)
            .args(["serve", "--data"])
            .arg(dir.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--max-connections-per-address", "0"])
            .env("PAKTA_ADMIN_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", pakta.display()))?;
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let started = Instant::now();
        while ureq::get(format!("{}/api/info", server.url))
            .call()
            .is_err()
        {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the server did not answer within a minute");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The server's (current, peak) resident memory in MiB.
    fn memory(&self) -> Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| -> Result<f64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .context("no such field")?;
            let kib: f64 = line
                .split_whitespace()
                .nth(1)
                .context("no value")?
                .parse()?;
            Ok(kib / 1024.0)
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// Starts a new peak: the kernel sets the high-water mark back to the current use.
    fn reset_peak(&self) -> Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")?;
        Ok(())
    }

    fn call(&self, method: &str, path: &str, body: Option<(&str, Vec<u8>)>) -> Result<Value> {
        let url = format!("{}{path}", self.url);
        let auth = format!("Bearer {TOKEN}");
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
}

fn roster(officials: usize) -> String {
    let mut csv = String::from("nip,name,position,rank,category,opd_code,opd_name\n");
    for i in 0..officials {
        let unit = i % 40;
        csv.push_str(&format!(
            "19800101{:06}1{:03},Pegawai Nomor {:06},Analis Kebijakan Ahli Pertama,Penata Muda (III/a),PNS,OPD{unit:02},Dinas Nomor {unit:02} Kabupaten Contoh\n",
            i / 1000,
            i % 1000,
            (i * 7919) % officials,
        ));
    }
    csv
}

/// Reads a whole list the way the web pages do: page after page at the largest size
/// while the reply has a `next`. Returns the bytes read and the pages.
fn read_list(url: &str, first: &str) -> Result<(u64, u64)> {
    let (mut bytes, mut pages) = (0u64, 0u64);
    let mut path = first.to_string();
    loop {
        let mut response = ureq::get(format!("{url}{path}"))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .call()?;
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()?;
        bytes += text.len() as u64;
        pages += 1;
        let reply: Value = serde_json::from_slice(&text)?;
        match reply.get("next").and_then(Value::as_u64) {
            Some(next) => {
                let sep = if first.contains('?') { '&' } else { '?' };
                path = format!("{first}{sep}after={next}");
            }
            None => return Ok((bytes, pages)),
        }
    }
}

/// Reads a download to its end without keeping it.
fn read_download(url: &str, path: &str) -> Result<(u64, u64)> {
    let mut response = ureq::get(format!("{url}{path}"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .call()?;
    let mut reader = response.body_mut().with_config().limit(1 << 30).reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        match reader.read(&mut buf)? {
            0 => return Ok((bytes, 1)),
            n => bytes += n as u64,
        }
    }
}

/// `clients` clients read one list at once; prints a table row.
fn measure(
    server: &Server,
    clients: usize,
    what: &str,
    read: fn(&str, &str) -> Result<(u64, u64)>,
    path: &str,
) -> Result<()> {
    let (before, _) = server.memory()?;
    server.reset_peak()?;
    let started = Instant::now();
    let results: Vec<Result<(u64, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| s.spawn(|| read(&server.url, path)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = started.elapsed();
    let (bytes, pages) = results.into_iter().next().context("no clients")??;
    let (_, peak) = server.memory()?;
    println!(
        "| {what} | {:.1} MB in {pages} replies, the first {:.2} MB | {took:.1?} | {before:.0} MiB | {peak:.0} MiB |",
        bytes as f64 / 1e6,
        first_reply(server, path)? as f64 / 1e6,
    );
    Ok(())
}

/// The size of the first reply of `path`.
fn first_reply(server: &Server, path: &str) -> Result<u64> {
    let mut response = ureq::get(format!("{}{path}", server.url))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .call()?;
    Ok(response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()?
        .len() as u64)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let pakta = match args.pakta {
        Some(p) => p,
        None => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .context("no target directory")?
            .join("pakta"),
    };
    let server = Server::start(&pakta)?;
    let started = Instant::now();
    let imported = server.call(
        "POST",
        "/api/officials/import",
        Some(("text/csv", roster(args.officials).into_bytes())),
    )?;
    if imported["created"] != args.officials {
        bail!("import: {imported}");
    }
    let pledge = server.call(
        "POST",
        "/api/pledges",
        Some((
            "application/json",
            json!({"title": "Pakta", "text": "1. Netral.\n"})
                .to_string()
                .into_bytes(),
        )),
    )?;
    let ceremony = server.call(
        "POST",
        "/api/ceremonies",
        Some((
            "application/json",
            json!({"title": "Ikrar", "place": "Pendopo", "starts_at": "2026-11-23T09:00:00+07:00",
                   "pledge_id": pledge["id"], "invite": {"all": true}})
            .to_string()
            .into_bytes(),
        )),
    )?;
    let id = &ceremony["id"];
    server.call(
        "POST",
        &format!("/api/ceremonies/{id}/open"),
        Some(("application/json", b"{}".to_vec())),
    )?;
    println!(
        "{} officials imported and invited in {:.1?}; {} clients per list.\n",
        args.officials,
        started.elapsed(),
        args.clients
    );
    println!(
        "| list, read whole by each client | read per client | all clients done in | server memory before | server peak |"
    );
    println!("| --- | --- | --- | --- | --- |");
    let c = args.clients;
    measure(
        &server,
        c,
        "`GET /api/officials`",
        read_list,
        "/api/officials?limit=1000",
    )?;
    measure(
        &server,
        c,
        "`GET /api/ceremonies/{id}/unsigned`",
        read_list,
        &format!("/api/ceremonies/{id}/unsigned?limit=1000"),
    )?;
    measure(
        &server,
        c,
        "`GET /api/ceremonies/{id}/unsigned?format=csv`",
        read_download,
        &format!("/api/ceremonies/{id}/unsigned?format=csv"),
    )?;
    measure(
        &server,
        c,
        "`GET /api/ceremonies/{id}/report`",
        read_download,
        &format!("/api/ceremonies/{id}/report"),
    )?;
    Ok(())
}
