//! Reading the public log: its head and its entries, exactly as stored.

use serde::Serialize;

use super::App;
use crate::domain::crypto::encode_base64;
use crate::error::{Error, Result};

/// Most entries one page of `GET /api/registry/entries` returns.
pub const MAX_PAGE: u64 = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub size: u64,
    /// Hex entry hash of the last entry; absent while the log is empty.
    pub head: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub index: u64,
    pub hash: String,
    /// Base64 of the exact entry bytes.
    pub bytes: String,
}

/// Who runs this registry, in which zone its people read times, and its clock (a
/// device whose own clock drifts times its statement requests by this one).
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub instansi: String,
    pub timezone: &'static str,
    pub timezone_abbreviation: &'static str,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl App {
    pub fn info(&self) -> Info {
        Info {
            instansi: self.config.instansi.clone(),
            timezone: self.config.zone.iana(),
            timezone_abbreviation: self.config.zone.abbreviation(),
            now: self.now(),
        }
    }

    pub async fn head(&self) -> Result<Head> {
        let (size, head) = self.store.read(|db| db.log_head()).await?;
        Ok(Head {
            size,
            head: head.map(|h| h.to_hex()),
        })
    }

    pub async fn entries(&self, start: u64, limit: Option<u64>) -> Result<Vec<EntryView>> {
        let limit = limit.unwrap_or(100);
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::bad_request(
                "invalid_limit",
                format!(
                    "limit harus antara 1 dan {MAX_PAGE}; ambil entri berikutnya dengan start yang lebih besar."
                ),
            ));
        }
        let rows = self
            .store
            .read(move |db| db.log_entries(start, limit))
            .await?;
        Ok(rows
            .into_iter()
            .map(|e| EntryView {
                index: e.index,
                hash: e.hash.to_hex(),
                bytes: encode_base64(&e.bytes),
            })
            .collect())
    }
}
