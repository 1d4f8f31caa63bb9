//! The SQL the PDF documents need beyond the reports': the registry entries that opened
//! and closed a ceremony, which its berita acara names.

use rusqlite::OptionalExtension;

use super::Db;
use crate::domain::ids::CeremonyId;
use crate::error::Result;

impl Db<'_> {
    /// The indexes of the `ceremony.opened` and `ceremony.closed` entries of a
    /// ceremony, each None until it happened; None altogether for an unknown ceremony.
    pub fn ceremony_entry_indexes(
        &self,
        ceremony: CeremonyId,
    ) -> Result<Option<(Option<u64>, Option<u64>)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT opened_idx, closed_idx FROM ceremonies WHERE id = ?1")?
            .query_row([ceremony.get()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
}
