//! How many registries one witness can follow: a real witness (`Witness` served by
//! `pakta::http::serve_witness` on a loopback port, its state in a temporary directory)
//! follows `--logs` registries, and `--clients` threads play those registries, each
//! submitting one checkpoint per log per round for `--rounds` rounds, as
//! `pakta serve --witness` does once per second. Every log grows by one entry per round,
//! so every request carries a consistency proof the witness verifies, a log signature
//! it verifies strictly, and a state it stores (synchronous=FULL) before it cosigns.
//! Each cosignature is checked by the client outside the timing of the witness.
//!
//! Prints the rate of accepted checkpoints, the latency of `add-checkpoint` (p50, p99,
//! max), and so how many registries at one round per second one witness keeps up with.
//!
//! Run: `cargo run --release --example bench_witness -- --logs 550 --rounds 10`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use pakta::clock::SystemClock;
use pakta::domain::cosignature::vouches;
use pakta::domain::crypto::Sha256Hash;
use pakta::domain::merkle;
use pakta::domain::note::{Checkpoint, VerifierKey};
use pakta::domain::witness::AddCheckpoint;
use pakta::witness::Witness;

struct Options {
    logs: usize,
    rounds: usize,
    clients: usize,
}

fn options() -> Options {
    let mut o = Options {
        logs: 550,
        rounds: 10,
        clients: 32,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = || pair.get(1).and_then(|v| v.parse().ok()).expect("a number");
        match pair[0].as_str() {
            "--logs" => o.logs = value(),
            "--rounds" => o.rounds = value(),
            "--clients" => o.clients = value(),
            other => panic!("unknown option {other}; use --logs N --rounds N --clients N"),
        }
    }
    o
}

/// One simulated registry: its key, and its leaves so far.
struct Log {
    origin: String,
    key: SigningKey,
    leaves: Vec<Sha256Hash>,
}

impl Log {
    fn subtree(&self) -> impl FnMut(u32, u64) -> Result<Sha256Hash, ()> + '_ {
        |level, index| {
            let start = (index << level) as usize;
            let mut b = merkle::RootBuilder::default();
            for leaf in &self.leaves[start..start + (1usize << level)] {
                b.push(*leaf);
            }
            Ok(b.root())
        }
    }

    /// Grows by one entry and returns the request from `old` to the new size.
    fn grow(&mut self, old: u64) -> AddCheckpoint {
        let entry = format!("{} {}", self.origin, self.leaves.len());
        self.leaves.push(merkle::leaf_hash(entry.as_bytes()));
        let size = self.leaves.len() as u64;
        let root = merkle::root(size, &mut self.subtree()).unwrap();
        let proof = if old == 0 {
            Vec::new()
        } else {
            merkle::consistency_proof(old, size, &mut self.subtree()).unwrap()
        };
        let note = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        }
        .sign(&self.key);
        AddCheckpoint {
            old_size: old,
            proof,
            note,
        }
    }
}

fn main() {
    let o = options();
    let dir = tempfile::tempdir().unwrap();
    let mut logs: Vec<Log> = (0..o.logs)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            Log {
                origin: format!("pakta.bench/registri-{i}"),
                key: SigningKey::from_bytes(&seed),
                leaves: Vec::new(),
            }
        })
        .collect();
    let vkeys: Vec<VerifierKey> = logs
        .iter()
        .map(|l| VerifierKey::new(&l.origin, pakta::keyfile::public_key(&l.key)))
        .collect();
    let witness = Witness::open(dir.path(), "saksi.bench/1", vkeys, Arc::new(SystemClock))
        .expect("open the witness");
    let wkey = witness.vkey();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/add-checkpoint", listener.local_addr().unwrap());
    let witness = Arc::new(witness);
    std::thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { pakta::http::serve_witness(witness, listener)?.await })
    });

    // Requests are made before the clock starts: the bench times the witness, not the
    // registries' own Merkle work.
    let mut latencies = Vec::new();
    let mut accepted = 0usize;
    let mut elapsed = Duration::ZERO;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for round in 0..o.rounds {
        let requests: Vec<(String, String)> = logs
            .iter_mut()
            .map(|l| {
                let old = l.leaves.len() as u64;
                let r = l.grow(old);
                (r.note.clone(), r.encode())
            })
            .collect();
        let chunk = requests.len().div_ceil(o.clients);
        let started = Instant::now();
        let answers: Vec<Vec<(Duration, u16, String, String)>> = std::thread::scope(|s| {
            let handles: Vec<_> = requests
                .chunks(chunk)
                .map(|part| {
                    let (agent, url) = (agent.clone(), url.clone());
                    s.spawn(move || {
                        part.iter()
                            .map(|(note, body)| {
                                let t = Instant::now();
                                let mut reply = agent
                                    .post(&url)
                                    .send(body.as_str())
                                    .expect("reach the witness");
                                let status = reply.status().as_u16();
                                let text = reply.body_mut().read_to_string().unwrap();
                                (t.elapsed(), status, note.clone(), text)
                            })
                            .collect()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        elapsed += started.elapsed();
        for (latency, status, note, lines) in answers.into_iter().flatten() {
            assert_eq!(status, 200, "round {round}: {lines}");
            let cosigned = format!("{note}{lines}");
            assert_eq!(
                vouches(&cosigned, std::slice::from_ref(&wkey))
                    .unwrap()
                    .len(),
                1
            );
            latencies.push(latency);
            accepted += 1;
        }
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let rate = accepted as f64 / elapsed.as_secs_f64();
    println!(
        "| witness, {} logs x {} rounds, {} clients | {accepted} cosigned, {rate:.0} checkpoints/s | add-checkpoint p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms | keeps up with about {:.0} registries at one round per second |",
        o.logs,
        o.rounds,
        o.clients,
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        rate.floor()
    );
}
