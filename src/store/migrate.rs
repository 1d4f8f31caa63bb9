//! Applies the SQL files in `schema/` in order, once each, tracked by SQLite's
//! `user_version`. The files are compiled into the binary so a release binary alone can
//! create its database.

use rusqlite::Connection;

use crate::error::Result;

const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_registry.sql",
    include_str!("../../schema/0001_registry.sql"),
)];

pub fn apply(conn: &mut Connection) -> Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (number, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", number + 1)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied schema migration");
    }
    Ok(())
}
