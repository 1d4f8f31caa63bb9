//! The registration desk's one query: a ceremony's invitees whose name or NIP holds what
//! the operator typed ([`crate::domain::desk::InviteeQuery`]), a handful at a time.

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::Db;
use super::queries::{OFFICIAL_COLUMNS, Official, official_row_at};
use crate::domain::desk::{InviteeQuery, like_anywhere};
use crate::domain::ids::CeremonyId;
use crate::error::Result;

impl Db<'_> {
    /// Up to `limit` invitees of `ceremony` matching `query`, each with whether they are
    /// checked in: the whole identifier first when one was typed, then by name. Only the
    /// ceremony's invitees are looked at (its primary key range), so a search costs a
    /// walk of one ceremony, never of the roster.
    pub fn find_invitees(
        &self,
        ceremony: CeremonyId,
        query: &InviteeQuery,
        limit: u64,
    ) -> Result<Vec<(Official, bool)>> {
        let mut params = vec![
            Value::from(i64::try_from(ceremony.get()).unwrap_or(i64::MAX)),
            Value::from(query.whole_nip.clone().unwrap_or_default()),
        ];
        let mut conditions = Vec::new();
        let mut like = |column: &str, word: &str| {
            params.push(Value::from(like_anywhere(word)));
            conditions.push(format!("{column} LIKE ?{} ESCAPE '\\'", params.len()));
        };
        for word in &query.name_words {
            like("o.name", word);
        }
        for word in &query.nip_words {
            like("o.nip", word);
        }
        params.push(Value::from(i64::try_from(limit).unwrap_or(i64::MAX)));
        let limit = params.len();
        let wanted = if conditions.is_empty() {
            "0".to_string()
        } else {
            conditions.join(" AND ")
        };
        let sql = format!(
            "SELECT {OFFICIAL_COLUMNS}, a.subject IS NOT NULL
             FROM invitees i
             JOIN officials o ON o.subject = i.subject
             JOIN opds d ON d.code = o.opd_code
             LEFT JOIN attendance a ON a.ceremony_id = i.ceremony_id AND a.subject = i.subject
             WHERE i.ceremony_id = ?1 AND {wanted}
             ORDER BY o.nip = ?2 DESC, o.name, o.nip
             LIMIT ?{limit}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(&params), |r| {
            Ok((official_row_at(r, 0)?, r.get::<_, bool>(8)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
