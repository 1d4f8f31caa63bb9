//! `pakta bench signing`: the benchmark behind DESIGN's first performance target. Many
//! officials sign at once, each signature verified strictly, appended and durable (WAL,
//! synchronous=FULL) before its reply, and the run ends with the full offline audit of
//! the registry it made. It measures, in one run and one registry:
//!
//! 1. the in-process ceiling of the append path: `App::submit_signature` (verify, group-
//!    committed append, receipt) for statements issued and signed beforehand;
//! 2. the whole protocol in process: statement request proved, statement issued, signed
//!    by the official's key, submitted: the same work as over HTTP, without HTTP;
//! 3. the whole protocol over HTTP against a real server on a loopback port, from
//!    `--clients` client threads on the same machine: signatures per second and the
//!    latency of each request (p50, p99, max), and the ratio to (2).
//!
//! The in-process parts run on one single-threaded runtime per core, as the server's
//! workers do, so signature checks use every core in every part.
//!
//! Run: `cargo run --release -- bench signing --officials 30000 --clients 256`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use pakta::app::{
    App, Caller, Config, EnrollmentRequest, Invite, NewCeremony, SignatureRequest,
    StatementRequestBody,
};
use pakta::clock::{Clock, SystemClock};
use pakta::demo::kabupaten::DemoKabupaten;
use pakta::domain::crypto::encode_base64;
use pakta::domain::identifier::Identifier;
use pakta::domain::ids::CeremonyId;
use pakta::domain::signing_protocol::StatementRequest;
use pakta::domain::statement::{EnrollmentCode, enrollment_message};

#[derive(Args)]
pub struct SigningArgs {
    /// Officials in the roster; a third sign in each part.
    #[arg(long, default_value_t = 30_000)]
    officials: usize,
    /// Concurrent signers in each part.
    #[arg(long, default_value_t = 256)]
    clients: usize,
    /// Keep the registry in this new or empty directory instead of a temporary one.
    #[arg(long)]
    data: Option<PathBuf>,
}

struct Official {
    nip: String,
    key: SigningKey,
}

fn sign(key: &SigningKey, text: &str) -> String {
    encode_base64(&key.sign(text.as_bytes()).to_bytes())
}

/// The signed statement request an official's device sends, timed now.
fn statement_request(ceremony: CeremonyId, o: &Official) -> StatementRequestBody {
    let request = StatementRequest {
        ceremony,
        nip: Identifier::parse_any(&o.nip).expect("generated NIPs are valid"),
        time: SystemClock.now(),
    }
    .encode();
    StatementRequestBody {
        signature: Some(sign(&o.key, &request)),
        request: Some(request),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work` over `items` from `tasks` concurrent tasks, spread over one
/// single-threaded runtime per core. Returns the time each item took.
fn in_parallel<T, F, Fut>(items: Vec<T>, tasks: usize, work: F) -> Result<Vec<Duration>>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = pakta::error::Result<()>> + 'static,
{
    let queue = Arc::new(Mutex::new(items));
    let threads = cores().min(tasks.max(1));
    let runtimes: Vec<_> = (0..threads)
        .map(|t| {
            let (queue, work) = (queue.clone(), work.clone());
            // Tasks split evenly over the runtimes, the remainder to the first ones.
            let mine = tasks / threads + usize::from(t < tasks % threads);
            std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let mut handles = Vec::new();
                    for _ in 0..mine {
                        let (queue, work) = (queue.clone(), work.clone());
                        handles.push(actix_web::rt::spawn(async move {
                            let mut times = Vec::new();
                            loop {
                                let next = queue.lock().expect("queue").pop();
                                let Some(item) = next else {
                                    return Ok::<_, pakta::error::Error>(times);
                                };
                                let started = Instant::now();
                                work(item).await?;
                                times.push(started.elapsed());
                            }
                        }));
                    }
                    let mut times = Vec::new();
                    for handle in handles {
                        times.extend(handle.await.context("a task panicked")??);
                    }
                    Ok::<_, anyhow::Error>(times)
                })
            })
        })
        .collect();
    let mut times = Vec::new();
    for runtime in runtimes {
        times.extend(
            runtime
                .join()
                .map_err(|_| anyhow::anyhow!("a runtime panicked"))??,
        );
    }
    Ok(times)
}

/// p50, p99 and max of `times`, in milliseconds, as one line.
fn latencies(times: &mut [Duration]) -> String {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(times.last().copied().unwrap_or_default())
    )
}

/// The roster, keys, pledge and one open ceremony inviting everyone, everyone checked
/// in, as a hall would have it just before the signing starts.
fn set_up(
    app: &App,
    kab: &DemoKabupaten,
    officials: &[Official],
    clients: usize,
) -> Result<CeremonyId> {
    let admin = Caller::admin("benchmark");
    let system = actix_web::rt::System::new();
    system.block_on(app.import_roster(&admin, kab.roster_csv().as_bytes()))?;
    let enrollments: Vec<(String, SigningKey)> = officials
        .iter()
        .map(|o| (o.nip.clone(), o.key.clone()))
        .collect();
    let a = app.clone();
    in_parallel(enrollments, clients, move |(nip, key)| {
        let (app, admin) = (a.clone(), Caller::admin("benchmark"));
        async move {
            let issued = app.issue_enrollment_code(&admin, &nip).await?;
            let public = pakta::keyfile::public_key(&key);
            let id = Identifier::parse_any(&nip).expect("generated NIPs are valid");
            let code = EnrollmentCode::parse(&issued.code).expect("issued codes parse");
            let message = enrollment_message(&id, &public, &code);
            app.enroll(EnrollmentRequest {
                nip,
                code: issued.code,
                public_key: public.to_base64(),
                proof: sign(&key, &message),
            })
            .await
            .map(|_| ())
        }
    })?;
    let ceremony = system.block_on(async {
        let pledge = app
            .publish_pledge(&admin, "Pakta Integritas Netralitas ASN", "Netral.\n")
            .await?;
        let ceremony = app
            .create_ceremony(
                &admin,
                NewCeremony {
                    title: "Ikrar bersama".into(),
                    place: "Aula".into(),
                    starts_at: "2024-10-07T09:00:00+07:00".into(),
                    timezone: None,
                    pledge_id: Some(pledge.id),
                    campaign: None,
                    invite: Invite {
                        opds: None,
                        nips: None,
                        all: Some(true),
                    },
                    mandiri_days: None,
                    allow_representation: None,
                },
            )
            .await?;
        app.open_ceremony(&admin, ceremony).await?;
        Ok::<_, pakta::error::Error>(ceremony)
    })?;
    let a = app.clone();
    in_parallel(
        officials.iter().map(|o| o.nip.clone()).collect(),
        clients,
        move |nip| {
            let (app, admin) = (a.clone(), Caller::admin("benchmark"));
            async move { app.check_in(&admin, ceremony, &nip).await.map(|_| ()) }
        },
    )?;
    Ok(ceremony)
}

/// Part 3: `clients` threads, each signing its share of `officials` over HTTP.
/// Returns signatures per second and the latencies of the statement and signature
/// requests.
fn over_http(
    app: &App,
    ceremony: CeremonyId,
    officials: Vec<Official>,
    clients: usize,
) -> Result<(f64, Vec<Duration>, Vec<Duration>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let server_app = app.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let server_thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            // Every client is on this machine, one address: no per-address cap.
            let limits = pakta::http::Limits {
                max_connections_per_address: 0,
                rate_limit: 0,
                ..pakta::http::Limits::default()
            };
            let server = pakta::http::serve_with(server_app, listener, limits).expect("serve");
            tx.send(server.handle()).expect("handle");
            server.await.expect("server");
        })
    });
    let handle = rx.recv()?;
    let count = officials.len();
    let queue = Arc::new(Mutex::new(officials));
    let started = Instant::now();
    let (statements, signatures): (Vec<_>, Vec<_>) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (queue, url) = (queue.clone(), url.clone());
                scope.spawn(move || -> Result<Vec<(Duration, Duration)>> {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let mut mine = Vec::new();
                    loop {
                        // Taken in its own statement, so the lock is not held while signing.
                        let next = queue.lock().expect("queue").pop();
                        let Some(o) = next else { break };
                        let request = statement_request(ceremony, &o);
                        let asked = Instant::now();
                        let mut reply = agent
                            .post(format!("{url}/api/ceremonies/{ceremony}/statement"))
                            .send_json(
                                json!({"request": request.request, "signature": request.signature}),
                            )?;
                        let asking = asked.elapsed();
                        if reply.status() != 200 {
                            bail!("statement refused: {}", reply.body_mut().read_to_string()?);
                        }
                        let issued: Value = reply.body_mut().read_json()?;
                        let statement = issued["statement"].as_str().context("statement text")?;
                        let body =
                            json!({"statement": statement, "signature": sign(&o.key, statement)});
                        let sent = Instant::now();
                        let mut reply = agent
                            .post(format!("{url}/api/signatures"))
                            .send_json(body)?;
                        let signing = sent.elapsed();
                        if reply.status() != 201 {
                            bail!("signature refused: {}", reply.body_mut().read_to_string()?);
                        }
                        let accepted: Value = reply.body_mut().read_json()?;
                        if accepted["receipt"].as_str().is_none_or(str::is_empty) {
                            bail!("a signature was accepted without its receipt");
                        }
                        mine.push((asking, signing));
                    }
                    Ok(mine)
                })
            })
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.join().expect("client thread")?);
        }
        Ok::<_, anyhow::Error>(all.into_iter().unzip())
    })?;
    let rate = count as f64 / started.elapsed().as_secs_f64();
    actix_web::rt::System::new().block_on(handle.stop(true));
    server_thread.join().expect("server thread");
    Ok((rate, statements, signatures))
}

pub fn signing(args: SigningArgs) -> Result<ExitCode> {
    if args.officials < 3 || args.clients == 0 {
        bail!("give --officials 3 or more and --clients 1 or more");
    }
    let temporary = tempfile::tempdir()?;
    let dir = args
        .data
        .clone()
        // A directory the registry creates itself is private (0700), as it must be.
        .unwrap_or_else(|| temporary.path().join("registry"));
    let app = App::open(
        &dir,
        Arc::new(SystemClock),
        Config::default(),
        Some("pakta.bench/signing"),
    )?;
    let kab = DemoKabupaten::generate(11, args.officials);
    let mut officials: Vec<Official> = kab
        .officials
        .iter()
        .map(|o| {
            Ok(Official {
                nip: o.nip.clone(),
                key: pakta::keyfile::generate()?,
            })
        })
        .collect::<Result<_>>()?;
    println!(
        "machine: {} cores; {} officials, {} clients",
        cores(),
        args.officials,
        args.clients
    );
    let started = Instant::now();
    let ceremony = set_up(&app, &kab, &officials, args.clients)?;
    println!(
        "setup: {} officials enrolled and checked in, {:.1} s",
        officials.len(),
        started.elapsed().as_secs_f64()
    );
    let third = officials.len() / 3;
    let http_part = officials.split_off(2 * third);
    let protocol_part = officials.split_off(third);
    let append_part = officials;

    // 1. The append path: statements issued and signed beforehand; only submits timed.
    let system = actix_web::rt::System::new();
    let signed: Vec<SignatureRequest> = system.block_on(async {
        let mut out = Vec::new();
        for o in &append_part {
            let issued = app
                .issue_statement(ceremony, statement_request(ceremony, o))
                .await?;
            out.push(SignatureRequest {
                signature: sign(&o.key, &issued.statement),
                statement: issued.statement,
            });
        }
        Ok::<_, pakta::error::Error>(out)
    })?;
    let count = signed.len();
    let started = Instant::now();
    let a = app.clone();
    let mut times = in_parallel(signed, args.clients, move |request| {
        let app = a.clone();
        async move { app.submit_signature(request).await.map(|_| ()) }
    })?;
    let ceiling = count as f64 / started.elapsed().as_secs_f64();
    println!(
        "1. in process, append path (verify + append + receipt): {count} signatures, {ceiling:.0} signatures/s; {}",
        latencies(&mut times)
    );

    // 2. The whole protocol in process.
    let count = protocol_part.len();
    let started = Instant::now();
    let a = app.clone();
    let mut times = in_parallel(protocol_part, args.clients, move |o| {
        let app = a.clone();
        async move {
            let issued = app
                .issue_statement(ceremony, statement_request(ceremony, &o))
                .await?;
            app.submit_signature(SignatureRequest {
                signature: sign(&o.key, &issued.statement),
                statement: issued.statement,
            })
            .await
            .map(|_| ())
        }
    })?;
    let whole = count as f64 / started.elapsed().as_secs_f64();
    println!(
        "2. in process, whole protocol (request proved, statement issued, signed, verify + append + receipt): {count} signatures, {whole:.0} signatures/s; {}",
        latencies(&mut times)
    );

    // 3. The whole protocol over HTTP.
    let count = http_part.len();
    let (rate, mut statements, mut signatures) =
        over_http(&app, ceremony, http_part, args.clients)?;
    println!(
        "3. over HTTP ({} clients), whole protocol: {count} signatures, {rate:.0} signatures/s",
        args.clients
    );
    println!("   statement request: {}", latencies(&mut statements));
    println!("   signature request: {}", latencies(&mut signatures));
    println!(
        "   HTTP / whole protocol in process: {:.2}; HTTP / append path: {:.2}",
        rate / whole,
        rate / ceiling
    );

    println!(
        "audit of the registry this run made (pakta verify --data {}):",
        dir.display()
    );
    let audit = super::audit::verify(Some(&dir), None)?;
    if let Some(kept) = &args.data {
        println!("registry kept in {}", kept.display());
    }
    Ok(audit)
}
