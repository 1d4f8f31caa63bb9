//! The single writer: one thread owns the only read-write connection and runs every
//! change to the database. Jobs that arrive while a transaction is being committed are
//! gathered into the next one (group commit), each inside its own savepoint so a job
//! that fails, or panics, leaves no trace and does not spoil its batch. No job's result
//! is released before the transaction holding it is durable (WAL, synchronous=FULL) and
//! the after-commit hook (the application publishes its signed checkpoint there) has
//! run. A job may ask for a second step that runs after that hook, in the writer, over
//! the tree as just committed: that is how a whole batch of signatures gets its receipts
//! (inclusion proof and checkpoint) without one more read transaction each.
//!
//! The writer also holds what one batch needs again and again ([`Batch`]): the log's
//! head, read and checked once per batch instead of once per entry, and the Merkle nodes
//! the batch read or made, so proofs and the checkpoint's root come from memory. And it
//! owns entry time: see [`EntryClock`].

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};
use std::thread;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::{Db, WriteTx};
use crate::clock::Clock;
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::next_entry_time;
use crate::error::{Error, Result};

/// How many jobs may share one transaction. Large enough to amortise the fsync over a
/// burst of signatures, small enough to keep each reply's wait short.
const MAX_BATCH: usize = 256;

/// A job runs inside the transaction and returns whether it succeeded plus a deferred
/// reply, called once the commit outcome is known: with the committed tree, or with
/// the error that kept the batch from being acknowledged.
type Job = Box<dyn FnOnce(&Transaction<'_>, &mut Batch) -> (bool, Reply) + Send>;
type Reply = Box<dyn for<'a> FnOnce(std::result::Result<&Committed<'a>, Error>) + Send>;

/// Runs after every committed batch, before any of its replies is released. An error
/// here is given to every job of the batch instead of its result: what was committed
/// stays committed, but nothing is acknowledged that the hook could not finish.
pub type AfterCommit = Box<dyn FnMut(&Committed<'_>) -> Result<()> + Send>;

enum Message {
    Job(Job),
    SetAfterCommit(AfterCommit),
}

/// The time an entry gets: the submitting clock read when the entry is appended, never
/// earlier than the entry before it. Taking the time here, under the writer, is what
/// keeps a request that queued later from carrying an earlier second.
pub struct EntryClock {
    last: Option<DateTime<Utc>>,
}

impl EntryClock {
    /// The time of an entry appended now, after `last` and not before `not_before`.
    pub(super) fn take(
        &mut self,
        clock: &dyn Clock,
        not_before: Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        let floor = self.last.max(not_before);
        let time = next_entry_time(clock.now(), floor);
        self.last = Some(time);
        time
    }

    /// What [`EntryClock::take`] would return now, without moving anything.
    pub(super) fn peek(&self, clock: &dyn Clock) -> DateTime<Utc> {
        next_entry_time(clock.now(), self.last)
    }
}

/// The end of the log: how many entries it holds and the hash of the last one (zero
/// while it is empty), the `prev` of the next entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogHead {
    pub size: u64,
    pub hash: Sha256Hash,
}

/// What the writer keeps for the batch it is running.
pub struct Batch {
    pub(super) times: EntryClock,
    /// The log's head as this batch has made it; `None` until the first append of the
    /// batch reads it (and checks the last entry intact) from the database. Read again
    /// every batch, so a change made by another process between batches (`pakta erase`
    /// beside a running server) is seen.
    pub(super) head: Option<LogHead>,
    /// Merkle subtree hashes this batch read or stored, by (level, index). Only a cache:
    /// anything missing is read from the `tree` table.
    pub(super) nodes: HashMap<(u32, u64), Sha256Hash>,
}

impl Batch {
    fn start(&mut self) {
        self.head = None;
        self.nodes.clear();
    }

    /// Forgets what a failed job may have added: its rows are rolled back, so the head
    /// goes back to where it was and nodes it made must not be served.
    fn forget_job(&mut self, head_before: Option<LogHead>) {
        self.head = head_before;
        self.nodes.clear();
    }
}

/// The database as a batch just committed it, with the batch's Merkle nodes at hand.
pub struct Committed<'c> {
    conn: &'c Connection,
    head: Option<LogHead>,
    nodes: &'c HashMap<(u32, u64), Sha256Hash>,
}

impl<'c> Committed<'c> {
    /// What a read sees as committed, with no batch's nodes at hand (the checkpoint
    /// published at start).
    pub fn reading(db: &Db<'c>) -> Committed<'c> {
        static NO_NODES: std::sync::LazyLock<HashMap<(u32, u64), Sha256Hash>> =
            std::sync::LazyLock::new(HashMap::new);
        Committed {
            conn: db.conn,
            head: None,
            nodes: &NO_NODES,
        }
    }

    pub fn db(&self) -> Db<'_> {
        Db { conn: self.conn }
    }

    /// How many entries the log holds now.
    pub fn size(&self) -> Result<u64> {
        match self.head {
            Some(head) => Ok(head.size),
            None => Ok(self.db().log_head()?.0),
        }
    }

    /// The hash of the complete subtree at (level, index), from the batch's nodes when
    /// it has it.
    pub fn subtree(&self, level: u32, index: u64) -> Result<Sha256Hash> {
        match self.nodes.get(&(level, index)) {
            Some(hash) => Ok(*hash),
            None => self.db().subtree(level, index),
        }
    }
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Message>,
}

fn stopped() -> Error {
    Error::internal("Penulis registri berhenti; mulai ulang server.")
}

impl Writer {
    /// Starts the writer thread over `conn`. `last_time` is the time of the log's last
    /// entry, the floor for the next one.
    pub fn start(
        mut conn: Connection,
        last_time: Option<DateTime<Utc>>,
    ) -> std::io::Result<Writer> {
        let (jobs, inbox) = mpsc::channel::<Message>();
        let batch = Batch {
            times: EntryClock { last: last_time },
            head: None,
            nodes: HashMap::new(),
        };
        thread::Builder::new()
            .name("pakta-writer".into())
            .spawn(move || run(&mut conn, inbox, batch))?;
        Ok(Writer { jobs })
    }

    /// Installs the hook that runs after every commit (replacing any earlier one).
    pub fn set_after_commit(&self, hook: AfterCommit) -> Result<()> {
        self.jobs
            .send(Message::SetAfterCommit(hook))
            .map_err(|_| stopped())
    }

    fn submit<T, U, F, G>(
        &self,
        clock: Arc<dyn Clock>,
        f: F,
        then: G,
    ) -> Result<oneshot::Receiver<Result<U>>>
    where
        T: Send + 'static,
        U: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
        G: FnOnce(T, &Committed<'_>) -> Result<U> + Send + 'static,
    {
        let (sender, rx) = oneshot::channel();
        let job: Job = Box::new(move |tx, batch| {
            let mut w = WriteTx {
                tx,
                batch,
                clock: &*clock,
            };
            // A panic is a bug in one job: it fails that job alone (its savepoint is
            // rolled back) and the writer goes on serving everyone else.
            let outcome = catch_unwind(AssertUnwindSafe(|| f(&mut w))).unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %what, "a write job panicked; it was rolled back");
                Err(Error::internal(
                    "Terjadi kesalahan internal saat mencatat; tidak ada yang tercatat untuk permintaan ini. Coba lagi; bila berulang, laporkan ke admin server.",
                ))
            });
            let ok = outcome.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let result = match (committed, outcome) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(e),
                    (Ok(committed), Ok(value)) => {
                        catch_unwind(AssertUnwindSafe(|| then(value, committed)))
                            .unwrap_or_else(|_| {
                                Err(Error::internal(
                                    "Tercatat, tetapi tanda terimanya gagal disusun. Minta lagi dengan mengirim ulang permintaan yang sama.",
                                ))
                            })
                    }
                };
                let _ = sender.send(result);
            });
            (ok, reply)
        });
        self.jobs.send(Message::Job(job)).map_err(|_| stopped())?;
        Ok(rx)
    }

    /// Runs `f` in the writer's transaction and waits until it is durable.
    pub async fn write<T, F>(&self, clock: Arc<dyn Clock>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        let rx = self.submit(clock, f, |value, _| Ok(value))?;
        rx.await.map_err(|_| stopped())?
    }

    /// Runs `f` in the writer's transaction, then, once it is durable and the
    /// after-commit hook has run, `then` over what was committed, still in the writer.
    /// `then` runs only when `f` succeeded and the batch was acknowledged.
    pub async fn write_then<T, U, F, G>(&self, clock: Arc<dyn Clock>, f: F, then: G) -> Result<U>
    where
        T: Send + 'static,
        U: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
        G: FnOnce(T, &Committed<'_>) -> Result<U> + Send + 'static,
    {
        let rx = self.submit(clock, f, then)?;
        rx.await.map_err(|_| stopped())?
    }

    /// The same as [`Writer::write`], for command-line tools that have no async runtime.
    pub fn write_blocking<T, F>(&self, clock: Arc<dyn Clock>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        let rx = self.submit(clock, f, |value, _| Ok(value))?;
        rx.blocking_recv().map_err(|_| stopped())?
    }
}

fn run(conn: &mut Connection, inbox: mpsc::Receiver<Message>, mut batch: Batch) {
    let mut after_commit: Option<AfterCommit> = None;
    while let Ok(first) = inbox.recv() {
        let mut jobs = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Job(job) => jobs.push(job),
                Message::SetAfterCommit(hook) => after_commit = Some(hook),
            }
            if jobs.len() < MAX_BATCH {
                next = inbox.try_recv().ok();
            }
        }
        if jobs.is_empty() {
            continue;
        }
        batch.start();
        let mut replies = Vec::with_capacity(jobs.len());
        let mut outcome = run_batch(conn, jobs, &mut replies, &mut batch);
        let committed = Committed {
            conn,
            head: batch.head,
            nodes: &batch.nodes,
        };
        if outcome.is_ok()
            && let Some(hook) = after_commit.as_mut()
        {
            outcome = catch_unwind(AssertUnwindSafe(|| hook(&committed))).unwrap_or_else(|_| {
                Err(Error::internal(
                    "Registri gagal menerbitkan checkpoint; belum ada yang dikonfirmasi. Coba lagi; bila berulang, laporkan ke admin server.",
                ))
            });
        }
        if let Err(e) = &outcome {
            tracing::error!(error = %e, "a write batch was not acknowledged; its jobs are refused");
        }
        for reply in replies {
            reply(outcome.clone().map(|()| &committed));
        }
    }
}

fn run_batch(
    conn: &mut Connection,
    jobs: Vec<Job>,
    replies: &mut Vec<Reply>,
    batch: &mut Batch,
) -> Result<()> {
    // IMMEDIATE takes the write lock before the first read, so a writer from outside
    // (the WAL checkpoint after an erasure, `pakta token` or `pakta erase` on a running
    // server) makes this wait its busy timeout instead of failing the whole batch with
    // a stale snapshot.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for job in jobs {
        let head_before = batch.head;
        tx.prepare_cached("SAVEPOINT job")?.execute([])?;
        let (ok, reply) = job(&tx, batch);
        if !ok {
            tx.prepare_cached("ROLLBACK TO job")?.execute([])?;
            batch.forget_job(head_before);
        }
        tx.prepare_cached("RELEASE job")?.execute([])?;
        replies.push(reply);
    }
    let committed = tx.commit();
    if committed.is_err() {
        // Nothing of this batch is in the database: what it cached describes nothing.
        batch.start();
    }
    committed?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::error::{Error, ErrorKind};

    fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER PRIMARY KEY);")
            .unwrap();
        (dir, Writer::start(conn, None).unwrap(), path)
    }

    fn clock() -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }

    fn count(path: &std::path::Path) -> (i64, i64) {
        let conn = Connection::open(path).unwrap();
        conn.query_row("SELECT COUNT(*), COALESCE(SUM(x % 2), 0) FROM t", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    }

    #[test]
    fn a_failed_job_leaves_no_trace_and_does_not_spoil_its_batch() {
        let (_dir, writer, path) = writer();
        let handles: Vec<_> = (0..200i64)
            .map(|x| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    writer.write_blocking(clock(), move |w| {
                        w.tx.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                        if x % 2 == 1 {
                            return Err(Error::bad_request("odd", "odd numbers are refused"));
                        }
                        Ok(x)
                    })
                })
            })
            .collect();
        for (x, h) in handles.into_iter().enumerate() {
            let reply = h.join().unwrap();
            if x % 2 == 1 {
                assert_eq!(reply.unwrap_err().code, "odd");
            } else {
                assert_eq!(reply.unwrap(), x as i64);
            }
        }
        assert_eq!(count(&path), (100, 0));
    }

    #[test]
    fn a_panicking_job_fails_alone_and_the_writer_goes_on() {
        let (_dir, writer, path) = writer();
        let handles: Vec<_> = (0..100i64)
            .map(|x| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    writer.write_blocking(clock(), move |w| {
                        w.tx.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                        if x % 10 == 3 {
                            panic!("a bug in job {x}");
                        }
                        Ok(x)
                    })
                })
            })
            .collect();
        for (x, h) in handles.into_iter().enumerate() {
            let reply = h.join().expect("the panic stays inside the writer");
            if x % 10 == 3 {
                let error = reply.unwrap_err();
                assert_eq!(error.kind, ErrorKind::Internal);
                assert!(error.message.contains("tidak ada yang tercatat"));
            } else {
                assert_eq!(reply.unwrap(), x as i64);
            }
        }
        let after = writer
            .write_blocking(clock(), |w| {
                Ok(w.tx.execute("INSERT INTO t (x) VALUES (1000)", [])?)
            })
            .expect("the writer still writes after panics");
        assert_eq!(after, 1);
        let conn = Connection::open(&path).unwrap();
        let panicked: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM t WHERE x % 10 = 3 AND x < 1000",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(panicked, 0, "a panicked job's row was committed");
        assert_eq!(count(&path).0, 91);
    }

    #[test]
    fn a_failing_after_commit_hook_acknowledges_nothing_and_later_batches_recover() {
        let (_dir, writer, path) = writer();
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = fail.clone();
        writer
            .set_after_commit(Box::new(move |_db| {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    Err(Error::internal("the checkpoint could not be kept"))
                } else {
                    Ok(())
                }
            }))
            .unwrap();
        let refused = writer.write_blocking(clock(), |w| {
            Ok(w.tx.execute("INSERT INTO t (x) VALUES (2)", [])?)
        });
        assert!(refused.is_err(), "acknowledged although the hook failed");
        fail.store(false, std::sync::atomic::Ordering::SeqCst);
        writer
            .write_blocking(clock(), |w| {
                Ok(w.tx.execute("INSERT INTO t (x) VALUES (4)", [])?)
            })
            .expect("recovers once the hook succeeds");
        assert_eq!(count(&path).0, 2);
    }

    #[test]
    fn a_reply_comes_only_after_the_commit_is_visible_to_other_connections() {
        let (_dir, writer, path) = writer();
        let reader = Connection::open(&path).unwrap();
        for x in 0..20i64 {
            writer
                .write_blocking(clock(), move |w| {
                    Ok(w.tx.execute("INSERT INTO t (x) VALUES (?1)", [x])?)
                })
                .unwrap();
            let seen: i64 = reader
                .query_row("SELECT COUNT(*) FROM t WHERE x = ?1", [x], |r| r.get(0))
                .unwrap();
            assert_eq!(seen, 1, "row {x} acknowledged before it was committed");
        }
    }

    #[test]
    fn entry_times_never_go_back_even_when_the_clock_does() {
        use crate::clock::ManualClock;
        let start = chrono::TimeZone::with_ymd_and_hms(&Utc, 2024, 10, 7, 2, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let mut times = EntryClock { last: None };
        assert_eq!(times.take(&clock, None), start);
        clock.set(start - chrono::Duration::seconds(5));
        assert_eq!(
            times.take(&clock, None),
            start,
            "a clock that steps back reuses the last time"
        );
        let later = start + chrono::Duration::seconds(9);
        assert_eq!(
            times.take(&clock, Some(later)),
            later,
            "never before the floor asked for"
        );
        assert_eq!(times.peek(&clock), later);
    }
}

#[cfg(test)]
mod batch_tests {
    //! The writer's per-batch head and Merkle nodes against the real schema: a job that
    //! fails after appending must not leave its entry in the chain the next job builds
    //! on, and receipts proved from the batch's nodes must be the proofs a reader makes.

    use std::sync::Arc;

    use crate::clock::SystemClock;
    use crate::domain::crypto::Sha256Hash;
    use crate::domain::entry::{Entry, EntryBody, entry_hash};
    use crate::domain::ids::PledgeId;
    use crate::domain::merkle;
    use crate::error::Error;
    use crate::store::Store;

    fn pledge(n: u64) -> EntryBody {
        EntryBody::PledgePublished {
            pledge: PledgeId::new(n + 1).unwrap(),
            title: format!("Pakta {n}"),
            text_sha256: Sha256Hash::of(&n.to_be_bytes()),
        }
    }

    #[test]
    fn entries_of_failed_jobs_leave_no_gap_in_the_chain_and_receipts_match_a_readers_proofs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Arc::new(SystemClock)).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // Concurrent jobs, so many share a batch; every third appends and then fails.
        let proved: Vec<(u64, u64, Vec<u8>, Vec<Sha256Hash>)> = runtime.block_on(async {
            let jobs = (0..300u64).map(|n| {
                let store = store.clone();
                async move {
                    store
                        .write_then(
                            move |w| {
                                let appended = w.append(pledge(n))?;
                                if n % 3 == 1 {
                                    return Err(Error::bad_request("refused", "refused"));
                                }
                                Ok(appended)
                            },
                            |appended, committed| {
                                let size = committed.size()?;
                                let proof =
                                    merkle::inclusion_proof(appended.index, size, &mut |l, i| {
                                        committed.subtree(l, i)
                                    })?;
                                Ok((appended.index, size, appended.bytes, proof))
                            },
                        )
                        .await
                }
            });
            futures_util::future::join_all(jobs)
                .await
                .into_iter()
                .filter_map(|r| r.ok())
                .collect()
        });
        assert_eq!(
            proved.len(),
            200,
            "every job that did not fail was acknowledged"
        );

        store
            .read_blocking(|db| {
                let mut previous = Sha256Hash::ZERO;
                let mut count = 0u64;
                db.for_each_entry(|stored| {
                    let entry = Entry::parse(&stored.bytes).unwrap();
                    assert_eq!(entry.index, count);
                    assert_eq!(
                        entry.prev, previous,
                        "entry {count} does not continue the chain"
                    );
                    previous = entry_hash(&stored.bytes);
                    count += 1;
                    Ok(())
                })?;
                assert_eq!(count, 200, "a failed job's entry stayed in the log");
                for (index, size, bytes, proof) in &proved {
                    let root = merkle::root(*size, &mut |l, i| db.subtree(l, i))?;
                    let from_reader =
                        merkle::inclusion_proof(*index, *size, &mut |l, i| db.subtree(l, i))?;
                    assert_eq!(proof, &from_reader, "receipt of entry {index}");
                    assert!(merkle::verify_inclusion(
                        &merkle::leaf_hash(bytes),
                        *index,
                        *size,
                        proof,
                        &root
                    ));
                }
                Ok(())
            })
            .unwrap();
    }
}
