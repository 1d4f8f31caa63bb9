//! Applies the SQL files in `schema/` in order, once each, tracked by SQLite's
//! `user_version`. The files are compiled into the binary so a release binary alone can
//! create its database.

use rusqlite::Connection;

use crate::error::Result;

const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_registry.sql",
        include_str!("../../schema/0001_registry.sql"),
    ),
    (
        "0002_merkle.sql",
        include_str!("../../schema/0002_merkle.sql"),
    ),
    (
        "0003_sealed_statements.sql",
        include_str!("../../schema/0003_sealed_statements.sql"),
    ),
];

pub fn apply(conn: &mut Connection) -> Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (number, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", number + 1)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied schema migration");
    }
    fill_tree(conn)
}

/// Computes the Merkle tree rows of entries appended before the tree existed (a
/// registry created by an older version). SQL cannot hash, so this runs here, once.
fn fill_tree(conn: &mut Connection) -> Result<()> {
    let leaves: u64 = conn.query_row("SELECT COUNT(*) FROM tree WHERE level = 0", [], |r| {
        r.get(0)
    })?;
    let entries: u64 = conn.query_row("SELECT COUNT(*) FROM log", [], |r| r.get(0))?;
    if leaves >= entries {
        return Ok(());
    }
    let tx = conn.transaction()?;
    {
        let mut read = tx.prepare("SELECT idx, bytes FROM log WHERE idx >= ?1 ORDER BY idx")?;
        let mut rows = read.query([leaves])?;
        while let Some(row) = rows.next()? {
            let index: u64 = row.get(0)?;
            let bytes: Vec<u8> = row.get(1)?;
            super::queries::add_leaf(&tx, index, &bytes)?;
        }
    }
    tx.commit()?;
    tracing::info!(entries = entries - leaves, "filled in the Merkle tree");
    Ok(())
}
