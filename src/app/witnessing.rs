//! Asking witnesses to cosign the registry's checkpoints (c2sp.org/tlog-witness), so a
//! reader who trusts them knows the registry showed everyone the same history.
//!
//! With `--witness NAME=VKEY@URL` (repeatable) and `--witness-quorum K`, one thread
//! follows the log: whenever it has grown, and at most once per [`ROUND_EVERY`] whatever
//! the signing rate, it sends the newest checkpoint with a consistency proof from the
//! size each witness last cosigned to all witnesses at once. A witness that answers 409
//! names the size it knows, and is asked again once with a proof from there. When at
//! least K valid cosignatures are back, the checkpoint with their lines is kept in
//! `witnessed-checkpoint` (synced and renamed, like `log-checkpoint`) and becomes what
//! `GET /checkpoint` serves and what receipts carry. A witness that refuses is logged
//! with its reason: a 409 at the same size, or a 422, is what a split view looks like.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::continuity::{self, Published, Publisher};
use crate::domain::cosignature::{WitnessKey, vouches};
use crate::domain::merkle;
use crate::domain::note::{Checkpoint, VerifierKey};
use crate::domain::witness::AddCheckpoint;
use crate::error::{Error, Result};
use crate::store::Store;

pub const WITNESSED_FILE: &str = "witnessed-checkpoint";
/// At most one round of requests to the witnesses per this long.
pub const ROUND_EVERY: Duration = Duration::from_secs(1);
/// How long a witness may take to answer before the round goes on without it.
const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// One witness the registry asks: its key (which names it) and its submission prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessEndpoint {
    pub key: WitnessKey,
    pub url: String,
}

impl std::str::FromStr for WitnessEndpoint {
    type Err = String;

    /// `NAME=VKEY@URL`, e.g.
    /// `saksi-1=saksi.example/1+1a2b3c4d+BK…=@https://saksi.example/1`.
    fn from_str(text: &str) -> std::result::Result<WitnessEndpoint, String> {
        let shape = "a witness is given as NAME=VKEY@URL, e.g. saksi.example/1=saksi.example/1+1a2b3c4d+BAbC…=@https://saksi.example/1 (VKEY as `pakta witness` prints it)";
        let (name, rest) = text.split_once('=').ok_or(shape)?;
        // Base64 has '=' but no '@', so the key ends at the first '@'.
        let (vkey, url) = rest.split_once('@').ok_or(shape)?;
        let key = WitnessKey::parse(vkey)
            .map_err(|e| format!("the witness key of {name} is not usable: {e}; {shape}"))?;
        if key.name != name {
            return Err(format!(
                "the witness key names '{}', not '{name}': a witness's name is part of its key",
                key.name
            ));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the witness URL '{url}' must start with http:// or https://"
            ));
        }
        Ok(WitnessEndpoint {
            key,
            url: url.trim_end_matches('/').to_string(),
        })
    }
}

/// The witnessed checkpoint, shared between the round thread and the request handlers.
pub struct Witnessing {
    witnesses: Vec<WitnessEndpoint>,
    quorum: usize,
    /// The size each witness last cosigned, as far as the registry knows.
    known: Mutex<Vec<u64>>,
    path: PathBuf,
    latest: tokio::sync::watch::Sender<Witnessed>,
}

/// What the rounds have shown so far.
#[derive(Clone, Default)]
struct Witnessed {
    /// The latest checkpoint cosigned by a quorum.
    checkpoint: Option<Published>,
    /// Whether the last round reached the quorum. While it does not, receipts do not
    /// wait for cosignatures that are not coming: each would be slowed for nothing.
    healthy: bool,
    /// Rounds that ended without a quorum, so a waiting receipt learns of one at once.
    failed_rounds: u64,
}

impl Witnessing {
    /// Loads the last witnessed checkpoint kept in `data_dir` (if it is of this log and
    /// not beyond it) and starts the thread that asks the witnesses.
    pub(super) fn start(
        witnesses: Vec<WitnessEndpoint>,
        quorum: usize,
        data_dir: &Path,
        vkey: VerifierKey,
        store: Store,
        publisher: Arc<Publisher>,
    ) -> Result<Arc<Witnessing>> {
        let path = data_dir.join(WITNESSED_FILE);
        let kept = std::fs::read_to_string(&path).ok().and_then(|note| {
            let checkpoint = Checkpoint::open(&note, &vkey).ok()?;
            let current = publisher.current();
            let same_history = checkpoint.size <= current.size
                && store
                    .read_blocking(|db| {
                        merkle::root(checkpoint.size, &mut |l, i| db.subtree(l, i))
                    })
                    .is_ok_and(|root| root == checkpoint.root);
            if !same_history {
                tracing::warn!(path = %path.display(), "the kept witnessed checkpoint is not of this log's history; asking the witnesses afresh");
                return None;
            }
            Some(Published {
                size: checkpoint.size,
                root: checkpoint.root,
                note,
            })
        });
        let witnessing = Arc::new(Witnessing {
            known: Mutex::new(vec![kept.as_ref().map_or(0, |k| k.size); witnesses.len()]),
            witnesses,
            quorum,
            path,
            latest: tokio::sync::watch::Sender::new(Witnessed {
                checkpoint: kept,
                healthy: true,
                failed_rounds: 0,
            }),
        });
        let weak = Arc::downgrade(&witnessing);
        std::thread::Builder::new()
            .name("witnesses".into())
            .spawn(move || follow(weak, store, publisher))
            .map_err(|e| Error::internal(format!("cannot start the witness thread: {e}")))?;
        Ok(witnessing)
    }

    /// The latest checkpoint cosigned by a quorum, if any yet.
    pub fn current(&self) -> Option<Published> {
        self.latest.borrow().checkpoint.clone()
    }

    /// The witnessed checkpoint once it covers entry `index`; None after `wait`, after a
    /// round ends without a quorum, or at once while the witnesses are not reaching one.
    pub async fn covering(&self, index: u64, wait: Duration) -> Option<Published> {
        let mut updates = self.latest.subscribe();
        let (failed_before, healthy) = {
            let now = updates.borrow();
            (now.failed_rounds, now.healthy)
        };
        let found = tokio::time::timeout(
            wait,
            updates.wait_for(|w| {
                w.checkpoint.as_ref().is_some_and(|p| p.size > index)
                    || !healthy
                    || w.failed_rounds > failed_before
            }),
        )
        .await;
        match found {
            Ok(Ok(witnessed)) => witnessed.checkpoint.clone().filter(|p| p.size > index),
            _ => None,
        }
    }
}

/// The round thread: waits for growth, asks, rests until the next round may start.
/// Ends when the registry that started it is gone.
fn follow(witnessing: Weak<Witnessing>, store: Store, publisher: Arc<Publisher>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(WITNESS_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    loop {
        let Some(witnessing) = witnessing.upgrade() else {
            return;
        };
        let witnessed = witnessing.current().map_or(0, |p| p.size);
        // Woken by growth; the timeout only lets the thread notice the registry is gone.
        let checkpoint = publisher.wait_beyond(witnessed, Duration::from_secs(2));
        if checkpoint.size <= witnessed {
            continue;
        }
        let started = Instant::now();
        witnessing.round(&agent, &store, &checkpoint);
        drop(witnessing);
        std::thread::sleep(ROUND_EVERY.saturating_sub(started.elapsed()));
    }
}

impl Witnessing {
    /// Asks every witness at once to cosign `checkpoint`; keeps it if a quorum did.
    fn round(&self, agent: &ureq::Agent, store: &Store, checkpoint: &Published) {
        let known = self.known.lock().expect("witness sizes poisoned").clone();
        let answers: Vec<std::result::Result<(u64, String), String>> = std::thread::scope(|s| {
            let asks: Vec<_> = self
                .witnesses
                .iter()
                .zip(known)
                .map(|(w, old)| s.spawn(move || ask(agent, store, w, old, checkpoint)))
                .collect();
            asks.into_iter()
                .map(|a| {
                    a.join()
                        .unwrap_or_else(|_| Err("the request panicked".into()))
                })
                .collect()
        });
        let mut lines = String::new();
        let mut vouched = 0;
        {
            let mut known = self.known.lock().expect("witness sizes poisoned");
            for ((witness, answer), size) in
                self.witnesses.iter().zip(answers).zip(known.iter_mut())
            {
                match answer {
                    Ok((new_size, line)) => {
                        *size = new_size;
                        lines.push_str(&line);
                        vouched += 1;
                    }
                    Err(why) => {
                        tracing::warn!(witness = %witness.key.name, size = checkpoint.size, "no cosignature: {why}")
                    }
                }
            }
        }
        if vouched < self.quorum {
            self.latest.send_modify(|w| {
                w.healthy = false;
                w.failed_rounds += 1;
            });
            tracing::warn!(
                size = checkpoint.size,
                vouched,
                quorum = self.quorum,
                "the checkpoint has too few cosignatures to be served; asking again at the next round"
            );
            return;
        }
        let note = format!("{}{lines}", checkpoint.note);
        if let Err(e) = continuity::keep(&self.path, &note) {
            tracing::error!(error = %e, "cannot keep the witnessed checkpoint");
            self.latest.send_modify(|w| w.failed_rounds += 1);
            return;
        }
        self.latest.send_modify(|w| {
            w.checkpoint = Some(Published {
                size: checkpoint.size,
                root: checkpoint.root,
                note,
            });
            w.healthy = true;
        });
    }
}

/// One witness's cosignature line for `checkpoint`, asked with a proof from `old` (and
/// once more from the size it names in a 409), checked against its key.
fn ask(
    agent: &ureq::Agent,
    store: &Store,
    witness: &WitnessEndpoint,
    mut old: u64,
    checkpoint: &Published,
) -> std::result::Result<(u64, String), String> {
    let size = checkpoint.size;
    for _ in 0..2 {
        if old > size {
            return Err(format!(
                "it has cosigned size {old} of this log, beyond the {size} entries this registry holds: this data directory is behind what was published (restored from an old backup?) or is another branch of the log"
            ));
        }
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            store
                .read_blocking(|db| {
                    merkle::consistency_proof(old, size, &mut |l, i| db.subtree(l, i))
                })
                .map_err(|e| format!("cannot make the consistency proof: {e}"))?
        };
        let body = AddCheckpoint {
            old_size: old,
            proof,
            note: checkpoint.note.clone(),
        }
        .encode();
        let mut response = agent
            .post(format!("{}/add-checkpoint", witness.url))
            .header("Content-Type", "text/plain; charset=utf-8")
            .send(body)
            .map_err(|e| format!("cannot reach {}: {e}", witness.url))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("cannot read the answer of {}: {e}", witness.url))?;
        match status {
            200 => return cosignature_of(witness, &checkpoint.note, &text).map(|l| (size, l)),
            409 => {
                let named: u64 = text.trim().parse().map_err(|_| {
                    format!("409 without a size (text/x.tlog.size): {}", text.trim())
                })?;
                if named == old {
                    return Err(format!(
                        "409: it cosigned another checkpoint of size {old} of this log: the log was shown with two histories (a split view)"
                    ));
                }
                old = named;
            }
            _ => return Err(format!("{status}: {}", text.trim())),
        }
    }
    Err(format!("it answered 409 twice; it now names size {old}"))
}

/// The line of `witness` among the answer's lines, if its cosignature verifies over the
/// checkpoint (tlog-witness: the client ignores cosignatures of unknown keys).
fn cosignature_of(
    witness: &WitnessEndpoint,
    note: &str,
    answer: &str,
) -> std::result::Result<String, String> {
    for line in answer.lines() {
        let cosigned = format!("{note}{line}\n");
        let vouched = vouches(&cosigned, std::slice::from_ref(&witness.key))
            .map_err(|e| format!("malformed answer: {e}"))?;
        if !vouched.is_empty() {
            return Ok(format!("{line}\n"));
        }
    }
    Err("its answer carries no cosignature that verifies under its key".into())
}
