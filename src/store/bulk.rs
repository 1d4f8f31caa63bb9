//! Reads and writes in bulk, for the full audit and the benchmark generator. The audit
//! reads the kept documents and the stored Merkle tree forward, in large chunks and in
//! the order the log needs them, instead of one indexed lookup per entry ([`KeptDocuments`],
//! [`StoredTree`]); the generator loads millions of entries through a writer whose
//! connection holds the indexes it inserts into ([`Store::bulk_writer`]).

use std::collections::VecDeque;
use std::path::Path;

use rusqlite::params;

use super::writer::Writer;
use super::{DATABASE_FILE, Db, Store, migrate};
use crate::domain::crypto::Sha256Hash;
use crate::error::{Error, Result};

/// The bulk writer's page cache, in KiB. A load inserts into the indexes of documents,
/// signatures, keys and the tree at random places; with SQLite's default 2 MiB every
/// such insert reread a page from the operating system once a registry held a few
/// hundred thousand entries.
const BULK_CACHE_KIB: i64 = 512 * 1024;

/// Documents read ahead of the entries that name them, at most.
const DOCUMENTS_AHEAD: usize = 256;
/// Documents read per query.
const DOCUMENTS_PER_READ: usize = 128;
/// Stored subtree hashes read per query at level 0; a level up completes half as often.
const NODES_PER_READ: u64 = 4096;

impl Store {
    /// A writer over the database of a data directory that [`Store::open`] made (its
    /// migrations applied), for loading many entries at once: the same single writer,
    /// transactions and [`WriteTx`](super::WriteTx) methods as the server, durable the
    /// same way (WAL, `synchronous=FULL`), on a connection with a page cache large
    /// enough for a load of millions of entries. Nothing else may write meanwhile.
    pub fn bulk_writer(dir: &Path) -> Result<Writer> {
        let path = dir.join(DATABASE_FILE);
        if !path.exists() {
            return Err(Error::internal(format!(
                "No registry at {}: create it with `pakta serve --data DIR` (or App::open) first.",
                path.display()
            )));
        }
        let conn = super::writer_connection(&path)?;
        conn.execute_batch(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB};"))?;
        if !migrate::is_current(&conn)? {
            return Err(Error::internal(format!(
                "The registry at {} is from an older version: open it once with `pakta serve` to bring it up to date.",
                path.display()
            )));
        }
        super::start_writer(conn)
    }
}

/// The documents kept beside the log (statements, enrollment messages, representation
/// statements), read forward in the order they were kept, which is the order of the
/// entries that name them. A document asked for out of that order, or not there (erased,
/// or a recap, which has a table of its own), is looked up by its hash as before, so
/// what the audit is given never depends on the order: only how fast it comes.
pub struct KeptDocuments<'d, 'c> {
    db: &'d Db<'c>,
    /// The rowid of the last document read.
    after: i64,
    ahead: VecDeque<(Sha256Hash, String)>,
    /// No documents left to read forward.
    done: bool,
}

impl<'d, 'c> KeptDocuments<'d, 'c> {
    pub fn new(db: &'d Db<'c>) -> Self {
        KeptDocuments {
            db,
            after: 0,
            ahead: VecDeque::new(),
            done: false,
        }
    }

    /// The kept document with this SHA-256, if there is one.
    pub fn take(&mut self, sha256: &Sha256Hash) -> Result<Option<String>> {
        loop {
            if let Some(at) = self.ahead.iter().position(|(hash, _)| hash == sha256) {
                // Documents kept before it and not asked for yet name no entry so far;
                // should a later entry name one, the lookup by hash below finds it.
                self.ahead.drain(..at);
                return Ok(self.ahead.pop_front().map(|(_, text)| text));
            }
            if self.done || self.ahead.len() >= DOCUMENTS_AHEAD {
                return self.db.document(sha256);
            }
            self.read_forward()?;
        }
    }

    fn read_forward(&mut self) -> Result<()> {
        let mut read = self.db.conn.prepare_cached(
            "SELECT rowid, sha256, text FROM documents WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
        )?;
        let mut rows = read.query(params![self.after, DOCUMENTS_PER_READ as i64])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            count += 1;
            self.after = row.get(0)?;
            let hash: Vec<u8> = row.get(1)?;
            // A malformed hash names no entry's document: skip it (asked for by a
            // well-formed hash, the lookup below gives the same answer).
            if let Some(hash) = Sha256Hash::from_slice(&hash) {
                self.ahead.push_back((hash, row.get(2)?));
            }
        }
        self.done = count < DOCUMENTS_PER_READ;
        Ok(())
    }
}

/// The stored Merkle tree (`tree`), read forward one level at a time, as an audit that
/// walks the log in order completes its subtrees.
pub struct StoredTree<'d, 'c> {
    db: &'d Db<'c>,
    levels: Vec<Level>,
}

#[derive(Default)]
struct Level {
    /// (index, hash) rows read and not passed yet; `None` for a hash that is not 32
    /// bytes.
    ahead: VecDeque<(u64, Option<Sha256Hash>)>,
    /// The first index not read yet.
    next: u64,
    /// The level holds no rows from `next` on.
    done: bool,
}

impl<'d, 'c> StoredTree<'d, 'c> {
    pub fn new(db: &'d Db<'c>) -> Self {
        StoredTree {
            db,
            levels: Vec::new(),
        }
    }

    /// The stored hash of the complete subtree at (level, index), or None if it is
    /// missing or malformed. Within a level, indexes are asked for in increasing order.
    pub fn node(&mut self, level: u32, index: u64) -> Result<Option<Sha256Hash>> {
        let at = level as usize;
        if self.levels.len() <= at {
            self.levels.resize_with(at + 1, Level::default);
        }
        let reader = &mut self.levels[at];
        while reader.ahead.front().is_some_and(|&(i, _)| i < index) {
            reader.ahead.pop_front();
        }
        if reader.ahead.is_empty() && !reader.done {
            let from = index.max(reader.next);
            let count = (NODES_PER_READ >> level.min(8)).max(16);
            let mut read = self.db.conn.prepare_cached(
                "SELECT idx, hash FROM tree WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3",
            )?;
            let mut rows = read.query(params![level, from, count])?;
            let mut read_count = 0;
            while let Some(row) = rows.next()? {
                read_count += 1;
                let i: u64 = row.get(0)?;
                let hash: Vec<u8> = row.get(1)?;
                reader.ahead.push_back((i, Sha256Hash::from_slice(&hash)));
                reader.next = i + 1;
            }
            reader.done = read_count < count;
        }
        Ok(match reader.ahead.front() {
            Some(&(i, hash)) if i == index => {
                reader.ahead.pop_front();
                hash
            }
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate::apply(&mut conn).unwrap();
        conn
    }

    #[test]
    fn documents_come_as_the_lookup_by_hash_gives_them_whatever_the_order() {
        let conn = database();
        let kept: Vec<(Sha256Hash, String)> = (0..600)
            .map(|i| {
                let text = format!("document {i}");
                (Sha256Hash::of(text.as_bytes()), text)
            })
            .collect();
        for (hash, text) in &kept {
            conn.execute(
                "INSERT INTO documents (sha256, kind, text) VALUES (?1, 'statement', ?2)",
                params![&hash.0[..], text],
            )
            .unwrap();
        }
        let db = Db { conn: &conn };
        let mut documents = KeptDocuments::new(&db);
        // In order, with documents no entry names, two swapped, far ahead, far behind,
        // and one asked for twice.
        for i in [0, 1, 3, 2, 10, 300, 11, 599, 5, 0] {
            let (hash, text) = &kept[i];
            assert_eq!(documents.take(hash).unwrap().as_ref(), Some(text), "{i}");
        }
        let erased = Sha256Hash::of(b"erased");
        assert_eq!(documents.take(&erased).unwrap(), None);
        assert_eq!(
            documents.take(&kept[12].0).unwrap().as_ref(),
            Some(&kept[12].1)
        );
    }

    #[test]
    fn the_stored_tree_is_read_forward_and_a_missing_or_malformed_node_is_none() {
        let conn = database();
        let node = |level: u32, index: u64| Sha256Hash::of(format!("{level}/{index}").as_bytes());
        for index in 0..5000u64 {
            let hash = node(0, index);
            let stored: &[u8] = if index == 20 { &hash.0[..31] } else { &hash.0 };
            if index != 17 {
                conn.execute(
                    "INSERT INTO tree (level, idx, hash) VALUES (0, ?1, ?2)",
                    params![index, stored],
                )
                .unwrap();
            }
            if index % 2 == 1 {
                conn.execute(
                    "INSERT INTO tree (level, idx, hash) VALUES (1, ?1, ?2)",
                    params![index / 2, &node(1, index / 2).0[..]],
                )
                .unwrap();
            }
        }
        let db = Db { conn: &conn };
        let mut tree = StoredTree::new(&db);
        for index in 0..5001u64 {
            let expected = (index != 17 && index != 20 && index < 5000).then(|| node(0, index));
            assert_eq!(tree.node(0, index).unwrap(), expected, "(0, {index})");
            if index % 2 == 1 {
                assert_eq!(tree.node(1, index / 2).unwrap(), Some(node(1, index / 2)));
            }
        }
        assert_eq!(tree.node(5, 0).unwrap(), None);
    }
}
