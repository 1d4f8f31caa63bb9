//! The single writer: one thread owns the only read-write connection and runs every
//! change to the database. Jobs that arrive while a transaction is being committed are
//! gathered into the next one (group commit), each inside its own savepoint so a job
//! that fails leaves no trace, and no job's result is released before the transaction
//! holding it is durable (WAL, synchronous=FULL).

use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::WriteTx;
use crate::error::{Error, Result};

/// How many jobs may share one transaction. Large enough to amortise the fsync over a
/// burst of signatures, small enough to keep each reply's wait short.
const MAX_BATCH: usize = 256;

/// A job runs inside the transaction and returns whether it succeeded plus a deferred
/// reply, called once the commit outcome is known.
type Job = Box<dyn FnOnce(&mut WriteTx<'_>) -> (bool, Reply) + Send>;
type Reply = Box<dyn FnOnce(Result<()>) + Send>;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub fn start(mut conn: Connection) -> std::io::Result<Writer> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("pakta-writer".into())
            .spawn(move || run(&mut conn, inbox))?;
        Ok(Writer { jobs })
    }

    fn submit<T, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T>>>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |w| {
            let outcome = f(w);
            let ok = outcome.is_ok();
            let reply: Reply = Box::new(move |commit| {
                let _ = tx.send(commit.and(outcome));
            });
            (ok, reply)
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::internal("Penulis registri berhenti; mulai ulang server."))?;
        Ok(rx)
    }

    /// Runs `f` in the writer's transaction and waits until it is durable.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        let rx = self.submit(f)?;
        rx.await
            .map_err(|_| Error::internal("Penulis registri berhenti; mulai ulang server."))?
    }

    /// The same, for command-line tools that have no async runtime.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        let rx = self.submit(f)?;
        rx.blocking_recv()
            .map_err(|_| Error::internal("Penulis registri berhenti; mulai ulang server."))?
    }
}

fn run(conn: &mut Connection, inbox: mpsc::Receiver<Job>) {
    while let Ok(first) = inbox.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut replies = Vec::with_capacity(batch.len());
        let commit = run_batch(conn, batch, &mut replies);
        if let Err(e) = &commit {
            tracing::error!(error = %e, "a write transaction failed; its jobs are refused");
        }
        for reply in replies {
            reply(commit.clone());
        }
    }
}

fn run_batch(conn: &mut Connection, batch: Vec<Job>, replies: &mut Vec<Reply>) -> Result<()> {
    let tx = conn.transaction()?;
    for job in batch {
        tx.execute_batch("SAVEPOINT job")?;
        let mut w = WriteTx { tx: &tx };
        let (ok, reply) = job(&mut w);
        if ok {
            tx.execute_batch("RELEASE job")?;
        } else {
            tx.execute_batch("ROLLBACK TO job; RELEASE job")?;
        }
        replies.push(reply);
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER PRIMARY KEY);")
            .unwrap();
        (dir, Writer::start(conn).unwrap(), path)
    }

    #[test]
    fn a_failed_job_leaves_no_trace_and_does_not_spoil_its_batch() {
        let (_dir, writer, path) = writer();
        let handles: Vec<_> = (0..200i64)
            .map(|x| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    writer.write_blocking(move |w| {
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
        let conn = Connection::open(&path).unwrap();
        let (count, odd): (i64, i64) = conn
            .query_row("SELECT COUNT(*), SUM(x % 2) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, odd), (100, 0));
    }

    #[test]
    fn a_reply_comes_only_after_the_commit_is_visible_to_other_connections() {
        let (_dir, writer, path) = writer();
        let reader = Connection::open(&path).unwrap();
        for x in 0..20i64 {
            writer
                .write_blocking(move |w| Ok(w.tx.execute("INSERT INTO t (x) VALUES (?1)", [x])?))
                .unwrap();
            let seen: i64 = reader
                .query_row("SELECT COUNT(*) FROM t WHERE x = ?1", [x], |r| r.get(0))
                .unwrap();
            assert_eq!(seen, 1, "row {x} acknowledged before it was committed");
        }
    }
}
