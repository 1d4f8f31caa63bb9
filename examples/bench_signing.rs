//! The signing benchmark behind DESIGN's first performance target: many officials sign at
//! once, each signature verified strictly, appended and durable (WAL, synchronous=FULL)
//! before its reply. It measures, in one run and one registry:
//!
//! 1. the in-process ceiling: `App::submit_signature` (verify + group-committed append +
//!    receipt) for statements issued and signed beforehand, from `--clients` tasks;
//! 2. signing over HTTP: `--clients` threads, each asking for its officials' statements,
//!    signing them and posting the signatures to a real server on a loopback port;
//!    signatures per second and the latency of the signature request (p50, p99, max).
//!
//! Both follow signing protocol version 2: a statement request signed by the official's
//! key, then the statement signed.
//!
//! Run: `cargo run --release --example bench_signing -- --officials 10000 --clients 256`
//! (the clients share the machine's cores with the server, as they would not in the field).
//! With `--data DIR` the registry is kept, so `pakta verify --data DIR` can audit it.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
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

#[derive(Parser)]
struct Args {
    /// Officials in the roster; half sign in process, half over HTTP.
    #[arg(long, default_value_t = 10_000)]
    officials: usize,
    /// Concurrent signers.
    #[arg(long, default_value_t = 256)]
    clients: usize,
    /// Keep the registry in this (new or empty) directory instead of a temporary one.
    #[arg(long)]
    data: Option<std::path::PathBuf>,
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

/// Runs `work` over `items` from `tasks` concurrent tasks on the app's runtime.
async fn in_parallel<T, F, Fut>(items: Vec<T>, tasks: usize, work: F) -> Result<()>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = pakta::error::Result<()>> + 'static,
{
    let queue = Arc::new(std::sync::Mutex::new(items));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (queue, work) = (queue.clone(), work.clone());
        handles.push(actix_web::rt::spawn(async move {
            loop {
                let next = queue.lock().expect("queue").pop();
                match next {
                    Some(item) => work(item).await?,
                    None => return Ok::<(), pakta::error::Error>(()),
                }
            }
        }));
    }
    for h in handles {
        h.await.context("a task panicked")??;
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<()> {
    let args = Args::parse();
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
    let admin = Caller::admin("benchmark");
    let kab = DemoKabupaten::generate(11, args.officials);
    let officials: Vec<Official> = kab
        .officials
        .iter()
        .map(|o| {
            Ok(Official {
                nip: o.nip.clone(),
                key: pakta::keyfile::generate()?,
            })
        })
        .collect::<Result<_>>()?;
    let runtime = actix_web::rt::System::new();

    // Setup: roster, keys, pledge, one ceremony inviting everyone, everyone checked in.
    let started = Instant::now();
    let ceremony: CeremonyId = runtime.block_on(async {
        app.import_roster(&admin, kab.roster_csv().as_bytes())
            .await?;
        let enrollments: Vec<(String, SigningKey)> = officials
            .iter()
            .map(|o| (o.nip.clone(), o.key.clone()))
            .collect();
        let a = app.clone();
        in_parallel(enrollments, args.clients, move |(nip, key)| {
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
        })
        .await?;
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
        let a = app.clone();
        in_parallel(
            officials.iter().map(|o| o.nip.clone()).collect(),
            args.clients,
            move |nip| {
                let (app, admin) = (a.clone(), Caller::admin("benchmark"));
                async move { app.check_in(&admin, ceremony, &nip).await.map(|_| ()) }
            },
        )
        .await?;
        Ok::<_, anyhow::Error>(ceremony)
    })?;
    println!(
        "setup: {} officials enrolled and checked in, {:.1} s",
        officials.len(),
        started.elapsed().as_secs_f64()
    );
    let (in_process, over_http) = officials.split_at(officials.len() / 2);

    // 1. In-process ceiling: statements issued and signed beforehand; time the submits.
    let signed: Vec<SignatureRequest> = runtime.block_on(async {
        let mut out = Vec::new();
        for o in in_process {
            let issued = app
                .issue_statement(ceremony, statement_request(ceremony, o))
                .await?;
            out.push(SignatureRequest {
                signature: sign(&o.key, &issued.statement),
                statement: issued.statement,
            });
        }
        Ok::<_, anyhow::Error>(out)
    })?;
    let count = signed.len();
    let started = Instant::now();
    let a = app.clone();
    runtime.block_on(in_parallel(signed, args.clients, move |request| {
        let app = a.clone();
        async move { app.submit_signature(request).await.map(|_| ()) }
    }))?;
    let ceiling = count as f64 / started.elapsed().as_secs_f64();
    println!(
        "in-process ceiling (verify + append + receipt): {count} signatures, {ceiling:.0} signatures/s"
    );

    // 2. Over HTTP, from `clients` threads against a real server.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let server_app = app.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
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
    let queue: Arc<std::sync::Mutex<Vec<&Official>>> =
        Arc::new(std::sync::Mutex::new(over_http.iter().collect()));
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..args.clients)
            .map(|_| {
                let (queue, url) = (queue.clone(), url.clone());
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
                    let mut mine = Vec::new();
                    loop {
                        // Taken in its own statement, so the lock is not held while signing.
                        let next = queue.lock().expect("queue").pop();
                        let Some(o) = next else { break };
                        let request = statement_request(ceremony, o);
                        let issued: Value = agent
                            .post(format!("{url}/api/ceremonies/{ceremony}/statement"))
                            .send_json(
                                json!({"request": request.request, "signature": request.signature}),
                            )
                            .expect("statement")
                            .body_mut()
                            .read_json()
                            .expect("statement JSON");
                        let statement = issued["statement"].as_str().expect("statement text");
                        let body =
                            json!({"statement": statement, "signature": sign(&o.key, statement)});
                        let sent = Instant::now();
                        let reply = agent
                            .post(format!("{url}/api/signatures"))
                            .send_json(body)
                            .expect("signature accepted");
                        assert_eq!(reply.status().as_u16(), 201);
                        mine.push(sent.elapsed());
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("client"))
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut sorted = latencies.clone();
    sorted.sort();
    println!(
        "over HTTP ({} clients): {} signatures, {:.0} signatures/s; signature request p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        args.clients,
        sorted.len(),
        sorted.len() as f64 / elapsed,
        percentile(&sorted, 0.50).as_secs_f64() * 1e3,
        percentile(&sorted, 0.99).as_secs_f64() * 1e3,
        sorted.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    actix_web::rt::System::new().block_on(handle.stop(true));
    if let Some(kept) = &args.data {
        println!(
            "registry kept in {0}; audit it with: pakta verify --data {0}",
            kept.display()
        );
    }
    Ok(())
}
