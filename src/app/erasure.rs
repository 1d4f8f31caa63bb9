//! Erasing an official's personal data (UU 27/2022, hak untuk menghapus), by the admin
//! over the API or with `pakta erase` on the server. The roster row, the signed
//! statements and the enrollment messages go; a `person.erased` entry records that it
//! happened, holding only the random subject id and how many documents went. The log
//! and the Merkle tree stay whole, so `pakta verify` still passes and receipts the
//! official kept still verify offline.

use serde::Serialize;

use super::enrollment::{parse_nip, unknown_official};
use super::{App, Caller};
use crate::domain::entry::EntryBody;
use crate::error::Result;

/// What an erasure did, as the admin is told.
#[derive(Debug, Clone, Serialize)]
pub struct Erasure {
    /// The random subject id the log knew the official by.
    pub subject: String,
    /// Signed statements and enrollment messages deleted.
    pub documents_erased: u64,
    /// Ceremonies not yet opened whose invitation listed the NIP, now without it.
    pub invitations_rewritten: u64,
    /// The `person.erased` entry.
    pub index: u64,
    pub entry_hash: String,
    /// Whether the write-ahead log was emptied into the database file at once, so the
    /// deleted rows survive in no file of the data directory. False only when long
    /// reads held it; the next checkpoint then finishes the job.
    pub files_cleared: bool,
}

impl App {
    pub async fn erase_official(&self, caller: &Caller, nip: &str) -> Result<Erasure> {
        caller.require_admin()?;
        let nip = parse_nip(nip)?;
        let mut erasure = self
            .store
            .write(move |w| {
                let official = w
                    .db()
                    .official_by_nip(&nip)?
                    .ok_or_else(|| unknown_official(&nip))?;
                let subject = official.subject;
                let mut documents = w.db().documents_of_subject(&subject)?;
                // Representation statements name the representative and everyone they
                // represented: erasing any of them erases the statement (perwakilan).
                documents.extend(w.db().representation_documents_naming(&subject)?);
                // Recaps signed by this head, and recap lists that hold this NIP
                // (campaigns, FORMATS §6.4).
                documents.extend(w.db().recap_documents_naming(&subject, &nip)?);
                w.forget_namings_of(&subject)?;
                let removed = w.remove_person(&subject, &nip, &documents)?;
                let appended = w.append(EntryBody::PersonErased {
                    subject,
                    documents_erased: removed.documents,
                })?;
                w.record_erasure(
                    &subject,
                    &official.opd_code,
                    appended.index,
                    appended.time,
                    removed.documents,
                )?;
                Ok(Erasure {
                    subject: subject.to_hex(),
                    documents_erased: removed.documents,
                    invitations_rewritten: removed.invitations_rewritten,
                    index: appended.index,
                    entry_hash: appended.hash.to_hex(),
                    files_cleared: false,
                })
            })
            .await?;
        let store = self.store.clone();
        erasure.files_cleared = tokio::task::spawn_blocking(move || store.truncate_wal())
            .await
            .map_err(|_| crate::error::Error::internal("emptying the write-ahead log stopped"))??;
        if !erasure.files_cleared {
            tracing::warn!(
                index = erasure.index,
                "erased, but readers kept the write-ahead log from being emptied at once"
            );
        }
        Ok(erasure)
    }
}
