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
