//! Applies the SQL files in `schema/` in order, once each, tracked by SQLite's
//! `user_version`. The files are compiled into the binary so a release binary alone can
//! create its database.

use rusqlite::{Connection, OptionalExtension};

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
    (
        "0004_access_and_erasure.sql",
        include_str!("../../schema/0004_access_and_erasure.sql"),
    ),
    (
        "0005_paging.sql",
        include_str!("../../schema/0005_paging.sql"),
    ),
    (
        "0006_siasn.sql",
        include_str!("../../schema/0006_siasn.sql"),
    ),
    (
        "0007_campaigns.sql",
        include_str!("../../schema/0007_campaigns.sql"),
    ),
    (
        "0008_representatives.sql",
        include_str!("../../schema/0008_representatives.sql"),
    ),
];

/// Whether every migration has been applied to this database.
pub fn is_current(conn: &Connection) -> Result<bool> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(current == MIGRATIONS.len())
}

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
///
/// It runs at every start, so it compares the last leaf with the last entry, one
/// B-tree descent each: counting both tables read all of them, 0.3 to 0.5 s of every
/// start of a 1,000,000-entry registry (README, "Performance, measured"). Entries and
/// leaves are numbered from 0 without gaps, so the last index plus one is the count.
fn fill_tree(conn: &mut Connection) -> Result<()> {
    let leaves = next_index(
        conn,
        "SELECT idx FROM tree WHERE level = 0 ORDER BY idx DESC LIMIT 1",
    )?;
    let entries = next_index(conn, "SELECT idx FROM log ORDER BY idx DESC LIMIT 1")?;
    if leaves >= entries {
        return Ok(());
    }
    let tx = conn.transaction()?;
    {
        let mut read = tx.prepare("SELECT idx, bytes FROM log WHERE idx >= ?1 ORDER BY idx")?;
        let mut rows = read.query([leaves])?;
        let mut nodes = std::collections::HashMap::new();
        while let Some(row) = rows.next()? {
            let index: u64 = row.get(0)?;
            let bytes: Vec<u8> = row.get(1)?;
            super::queries::add_leaf(&tx, &mut nodes, index, &bytes)?;
        }
    }
    tx.commit()?;
    tracing::info!(entries = entries - leaves, "filled in the Merkle tree");
    Ok(())
}

/// One past the index `last` reads (0 when it reads nothing).
fn next_index(conn: &Connection, last: &str) -> Result<u64> {
    let index: Option<u64> = conn.query_row(last, [], |r| r.get(0)).optional()?;
    Ok(index.map_or(0, |i| i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_issued_but_never_signed_are_dropped_by_the_v2_migration() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute(
            "INSERT INTO issued_statements (sha256, text, ceremony_id, subject, mode, fingerprint, expires_at)
             VALUES (x'00', 'nip: 198001012005011001', 1, 'aa', 'ceremony', 'ff', '2024-10-07T02:15:00Z')",
            [],
        )
        .unwrap();
        assert!(!is_current(&conn).unwrap());
        apply(&mut conn).unwrap();
        assert!(is_current(&conn).unwrap());
        let left: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'issued_statements'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            left, 0,
            "unsigned statements (names and NIPs) are still stored"
        );
    }
}

#[cfg(test)]
mod tree_fill_tests {
    use super::*;
    use crate::domain::merkle;

    fn root(conn: &Connection, size: u64) -> crate::domain::crypto::Sha256Hash {
        let db = crate::store::Db::over(conn);
        merkle::root(size, &mut |level, index| db.subtree(level, index)).unwrap()
    }

    /// A log kept before the tree existed, or whose tree stops short, gets the leaves
    /// and nodes after the last stored leaf, found without counting either table.
    #[test]
    fn entries_after_the_last_leaf_are_added_to_the_tree() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        let entries: Vec<Vec<u8>> = (0..13u8).map(|i| vec![i; 3]).collect();
        let insert = |conn: &Connection, range: std::ops::Range<usize>| {
            for i in range {
                conn.execute(
                    "INSERT INTO log (idx, hash, bytes) VALUES (?1, x'00', ?2)",
                    rusqlite::params![i as u64, entries[i]],
                )
                .unwrap();
            }
        };
        let expected = |size: usize| {
            let mut builder = merkle::RootBuilder::default();
            for entry in &entries[..size] {
                builder.push(merkle::leaf_hash(entry));
            }
            builder.root()
        };
        insert(&conn, 0..5);
        apply(&mut conn).unwrap();
        assert_eq!(root(&conn, 5), expected(5));
        insert(&conn, 5..13);
        apply(&mut conn).unwrap();
        assert_eq!(root(&conn, 13), expected(13));
        let rows: u64 = conn
            .query_row("SELECT COUNT(*) FROM tree", [], |r| r.get(0))
            .unwrap();
        apply(&mut conn).unwrap();
        let again: u64 = conn
            .query_row("SELECT COUNT(*) FROM tree", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, again, "a complete tree is left as it is");
    }
}

#[cfg(test)]
mod access_migration_tests {
    use super::*;

    #[test]
    fn tokens_made_before_names_and_expiry_keep_working_for_thirty_days() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute(
            "INSERT INTO tokens (token_sha256, role, scope, created_at)
             VALUES (x'01', 'supervisor', 'DINKES', '2024-10-07T01:00:00Z'),
                    (x'02', 'auditor', NULL, '2024-10-08T01:00:00Z')",
            [],
        )
        .unwrap();
        apply(&mut conn).unwrap();
        let rows: Vec<(String, String, String)> = conn
            .prepare("SELECT name, role, expires_at FROM access_tokens ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (
                    "supervisor DINKES (token lama)".to_string(),
                    "supervisor".to_string(),
                    "2024-11-06T01:00:00Z".to_string()
                ),
                (
                    "auditor (token lama)".to_string(),
                    "auditor".to_string(),
                    "2024-11-07T01:00:00Z".to_string()
                ),
            ]
        );
    }
}
