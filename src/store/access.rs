//! The SQL of access control beside the registry: the tokens the admin issued (by hash,
//! with holder, expiry and revocation) and the access log of reads of personal data.
//! Neither is part of the log: they say who may read, and who did, not what was pledged.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Db, WriteTx};
use crate::domain::access::TokenRole;
use crate::domain::crypto::Sha256Hash;
use crate::domain::record::{format_time, parse_time};
use crate::error::{Error, Result};

/// One issued token, without its secret (only the hash is kept, and never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: u64,
    pub name: String,
    pub role: TokenRole,
    /// The ceremony id of an operator token, the OPD code of a supervisor token.
    pub scope: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// For an operator token: whether its ceremony has closed.
    pub ceremony_closed: bool,
}

const TOKEN_COLUMNS: &str =
    "t.id, t.name, t.role, t.scope, t.created_at, t.expires_at, t.revoked_at,
     t.role = 'operator' AND EXISTS (SELECT 1 FROM ceremonies c
                                     WHERE CAST(c.id AS TEXT) = t.scope AND c.state = 'closed')";

fn stored<T, E: std::fmt::Display>(index: usize, parsed: Result<T, E>) -> rusqlite::Result<T> {
    parsed.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            e.to_string().into(),
        )
    })
}

fn time_at(row: &Row, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    stored(index, parse_time(&row.get::<_, String>(index)?))
}

fn token_row(row: &Row) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: row.get(0)?,
        name: row.get(1)?,
        role: stored(
            2,
            TokenRole::parse(&row.get::<_, String>(2)?).ok_or("unknown token role"),
        )?,
        scope: row.get(3)?,
        created_at: time_at(row, 4)?,
        expires_at: time_at(row, 5)?,
        revoked_at: row
            .get::<_, Option<String>>(6)?
            .map(|t| stored(6, parse_time(&t)))
            .transpose()?,
        ceremony_closed: row.get(7)?,
    })
}

/// One read of personal data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessRecord {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub token_name: String,
    pub role: String,
    pub action: String,
    pub scope: String,
    pub people: u64,
}

impl Db<'_> {
    pub fn token_by_hash(&self, sha256: &Sha256Hash) -> Result<Option<TokenRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM access_tokens t WHERE t.token_sha256 = ?1"
            ))?
            .query_row([&sha256.0[..]], token_row)
            .optional()?)
    }

    pub fn token_by_id(&self, id: u64) -> Result<Option<TokenRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM access_tokens t WHERE t.id = ?1"
            ))?
            .query_row([id], token_row)
            .optional()?)
    }

    /// Tokens with an id above `after`, oldest first, at most `limit`.
    pub fn tokens(&self, after: u64, limit: usize) -> Result<Vec<TokenRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t WHERE t.id > ?1 ORDER BY t.id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after, limit as u64], token_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many invitees of a ceremony (in one OPD, or all) have not signed: the people
    /// an unsigned-list download names.
    pub fn unsigned_count(
        &self,
        ceremony: crate::domain::ids::CeremonyId,
        opd: Option<&crate::domain::identifier::OpdCode>,
    ) -> Result<u64> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM invitees i
                 JOIN officials o ON o.subject = i.subject
                 LEFT JOIN signatures s ON s.ceremony_id = i.ceremony_id AND s.subject = i.subject
                 WHERE i.ceremony_id = ?1 AND s.subject IS NULL AND (?2 IS NULL OR o.opd_code = ?2)",
            )?
            .query_row(
                params![ceremony.get(), opd.map(|o| o.as_str().to_string())],
                |r| r.get(0),
            )?)
    }

    /// Access records with an id below `before` (newest first), at most `limit`.
    pub fn access_log(&self, before: Option<u64>, limit: usize) -> Result<Vec<AccessRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, token_name, role, action, scope, people FROM access_log
             WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![before, limit as u64], |row| {
            Ok(AccessRecord {
                id: row.get(0)?,
                at: time_at(row, 1)?,
                token_name: row.get(2)?,
                role: row.get(3)?,
                action: row.get(4)?,
                scope: row.get(5)?,
                people: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// What a new token is: the hash of its secret and who it is for.
pub struct NewTokenRow<'a> {
    pub sha256: &'a Sha256Hash,
    pub name: &'a str,
    pub role: TokenRole,
    pub scope: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl WriteTx<'_> {
    pub fn insert_token(&mut self, token: NewTokenRow<'_>) -> Result<u64> {
        self.tx
            .prepare_cached(
                "INSERT INTO access_tokens (token_sha256, name, role, scope, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                &token.sha256.0[..],
                token.name,
                token.role.as_str(),
                token.scope,
                format_time(token.created_at),
                format_time(token.expires_at)
            ])?;
        Ok(self.tx.last_insert_rowid() as u64)
    }

    /// Marks a token revoked at `now`, once: revoking it again keeps the first time.
    /// None if there is no such token.
    pub fn revoke_token(&mut self, id: u64, now: DateTime<Utc>) -> Result<Option<TokenRow>> {
        self.tx
            .prepare_cached(
                "UPDATE access_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![id, format_time(now)])?;
        self.db().token_by_id(id)
    }

    pub fn record_access(
        &mut self,
        at: DateTime<Utc>,
        token_name: &str,
        role: &str,
        action: &str,
        scope: &str,
        people: u64,
    ) -> Result<()> {
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO access_log (at, token_name, role, action, scope, people)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                format_time(at),
                token_name,
                role,
                action,
                scope,
                people
            ])?;
        if inserted != 1 {
            return Err(Error::internal("the access log did not take the record"));
        }
        Ok(())
    }
}
