//! The witness (`pakta witness`): an independent party that cosigns a registry's
//! checkpoints only after checking they extend what it saw before, so a registry cannot
//! show one history to some and another to others (a split view) without being caught.
//!
//! It holds its own Ed25519 key (`witness-key`, mode 0600, made at first start), its name
//! (fixed at first start: readers pin the name with the key), the verifier keys of the
//! logs it follows, and its state ([`crate::store::witness`]). The rule is
//! [`crate::domain::witness::judge`]; the cosignature [`crate::domain::cosignature`].
//!
//! One thread judges and stores: whatever requests wait are handled in one transaction
//! and one sync (group commit), so a witness following hundreds of registries, each
//! asking once per second, spends one fsync per batch instead of one per registry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use ed25519_dalek::SigningKey;

use crate::clock::Clock;
use crate::domain::cosignature::{WitnessKey, cosign};
use crate::domain::note::{VerifierKey, is_valid_name};
use crate::domain::witness::{AddCheckpoint, Cosigned, Refusal, judge};
use crate::error::{Error, ErrorKind, Result};
use crate::keyfile;
use crate::store::witness::WitnessState;

const NAME_META: &str = "name";

pub fn witness_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("witness-key")
}

/// The outcome of one `add-checkpoint`: cosignature lines, or the protocol's refusal.
pub type Answer = std::result::Result<String, Refusal>;

/// Requests cosigned together in one transaction, at most.
const MAX_BATCH: usize = 512;

pub struct Witness {
    vkey: WitnessKey,
    cosigner: Arc<Cosigner>,
    jobs: mpsc::Sender<Job>,
}

/// What the cosigning thread holds: the key, the logs followed, and the state.
struct Cosigner {
    name: String,
    key: SigningKey,
    /// The logs it follows, by origin.
    logs: HashMap<String, VerifierKey>,
    state: WitnessState,
    clock: Arc<dyn Clock>,
}

/// One `add-checkpoint` waiting for the cosigning thread.
struct Job {
    request: AddCheckpoint,
    origin: String,
    reply: mpsc::SyncSender<Result<Answer>>,
}

impl Witness {
    /// Opens (or makes, at first start) the witness in `data_dir`.
    pub fn open(
        data_dir: &Path,
        name: &str,
        logs: Vec<VerifierKey>,
        clock: Arc<dyn Clock>,
    ) -> Result<Witness> {
        if !is_valid_name(name) {
            return Err(Error::bad_request(
                "invalid_witness_name",
                format!(
                    "'{name}' cannot be a witness name: use a name without spaces or '+', such as witness.bkpsdm.example.go.id/saksi-1"
                ),
            ));
        }
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                "data_dir_unusable",
                format!(
                    "cannot create the witness data directory {}: {e}",
                    data_dir.display()
                ),
            )
        })?;
        let state = WitnessState::open(data_dir)?;
        match state.meta(NAME_META)? {
            Some(kept) if kept != name => {
                return Err(Error::conflict(
                    "witness_name_fixed",
                    format!(
                        "this witness was started as '{kept}', and readers pin that name with its key; start it with --name {kept}, or use a new --data directory for a new witness"
                    ),
                ));
            }
            Some(_) => {}
            None => state.set_meta(NAME_META, name)?,
        }
        let key_path = witness_key_path(data_dir);
        let key = if key_path.exists() {
            keyfile::read(&key_path)
        } else {
            keyfile::generate().and_then(|k| keyfile::create(&key_path, &k).map(|()| k))
        }
        .map_err(|e| Error::new(ErrorKind::Unavailable, "witness_key", e.to_string()))?;
        let cosigner = Arc::new(Cosigner {
            name: name.to_string(),
            logs: logs.into_iter().map(|v| (v.name.clone(), v)).collect(),
            key,
            state,
            clock,
        });
        let (jobs, queue) = mpsc::channel();
        let worker = cosigner.clone();
        std::thread::Builder::new()
            .name("cosigner".into())
            .spawn(move || worker.cosign_batches(queue))
            .map_err(|e| Error::internal(format!("cannot start the cosigning thread: {e}")))?;
        Ok(Witness {
            vkey: WitnessKey::new(name, keyfile::public_key(&cosigner.key)),
            cosigner,
            jobs,
        })
    }

    /// The witness's verifier key in C2SP vkey form (type 0x04, cosignature/v1).
    pub fn vkey(&self) -> WitnessKey {
        self.vkey.clone()
    }

    /// What it last cosigned for a log.
    pub fn latest(&self, origin: &str) -> Result<Option<Cosigned>> {
        self.cosigner.state.latest(origin)
    }

    /// c2sp.org/tlog-witness `add-checkpoint`: checks the submission against the state,
    /// stores the new state, and only then cosigns. Blocks until its batch is committed.
    pub fn add_checkpoint(&self, body: &str) -> Result<Answer> {
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let origin = match request.origin() {
            Ok(o) => o.to_string(),
            Err(refusal) => return Ok(Err(refusal)),
        };
        let (reply, answer) = mpsc::sync_channel(1);
        let stopped = || Error::internal("the witness's cosigning thread has stopped");
        self.jobs
            .send(Job {
                request,
                origin,
                reply,
            })
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

impl Cosigner {
    /// Takes whatever requests are waiting, judges and stores them in one transaction,
    /// then answers each. Ends when the witness is dropped.
    fn cosign_batches(&self, queue: mpsc::Receiver<Job>) {
        while let Ok(first) = queue.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH
                && let Ok(next) = queue.try_recv()
            {
                batch.push(next);
            }
            let now = self.clock.now();
            let timestamp = u64::try_from(now.timestamp()).unwrap_or(0);
            let decisions = batch.iter().map(|job| {
                let log = self.logs.get(&job.origin);
                let decide = move |latest: Option<Cosigned>| {
                    let (checkpoint, text) = judge(&job.request, log, latest.as_ref())?;
                    let line = cosign(&text, &self.name, &self.key, timestamp);
                    let next = Cosigned {
                        size: checkpoint.size,
                        root: checkpoint.root,
                    };
                    Ok((next, job.request.note.clone(), line))
                };
                (job.origin.as_str(), decide)
            });
            match self.state.advance_all(&now.to_rfc3339(), decisions) {
                Ok(answers) => {
                    for (job, answer) in batch.iter().zip(answers) {
                        match &answer {
                            Ok(_) => tracing::info!(origin = %job.origin, "cosigned"),
                            Err(refusal) => {
                                tracing::warn!(origin = %job.origin, %refusal, "refused to cosign")
                            }
                        }
                        let _ = job.reply.send(Ok(answer));
                    }
                }
                Err(e) => {
                    for job in &batch {
                        let _ = job.reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}
