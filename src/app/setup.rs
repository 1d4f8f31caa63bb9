//! First start of a data directory: the registry's log key and the admin token.

use std::path::{Path, PathBuf};

use super::{App, random};
use crate::domain::crypto::{PublicKey, Sha256Hash};
use crate::error::{Error, Result};
use crate::keyfile;

const ADMIN_TOKEN_META: &str = "admin_token_sha256";

/// What starting a registry produced that the operator must be told.
#[derive(Debug, Clone)]
pub struct Started {
    /// A newly generated admin token: shown once, only its hash is kept.
    pub new_admin_token: Option<String>,
    pub log_public_key: PublicKey,
}

pub fn log_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("log-key")
}

impl App {
    /// Makes sure the data directory has a log key and an admin token. `admin_token` (from
    /// PAKTA_ADMIN_TOKEN) replaces the stored one; without it a token is generated once.
    pub fn start(&self, data_dir: &Path, admin_token: Option<&str>) -> Result<Started> {
        let key_path = log_key_path(data_dir);
        let log_key = if key_path.exists() {
            keyfile::read(&key_path)
        } else {
            keyfile::generate().and_then(|k| keyfile::create(&key_path, &k).map(|_| k))
        }
        .map_err(|e| Error::internal(format!("Log key: {e}")))?;

        let new_admin_token = match admin_token {
            Some(token) if token.trim().len() < 16 => {
                return Err(Error::bad_request(
                    "weak_admin_token",
                    "PAKTA_ADMIN_TOKEN must be at least 16 characters; use a long random value.",
                ));
            }
            Some(token) => {
                let hash = Sha256Hash::of(token.trim().as_bytes()).to_hex();
                self.store
                    .write_blocking(move |w| w.set_meta(ADMIN_TOKEN_META, &hash))?;
                None
            }
            None => {
                let existing = self.store.read_blocking(|db| db.meta(ADMIN_TOKEN_META))?;
                if existing.is_some() {
                    None
                } else {
                    let token = format!("pakta_admin_{}", hex::encode(random::<20>()?));
                    let hash = Sha256Hash::of(token.as_bytes()).to_hex();
                    self.store
                        .write_blocking(move |w| w.set_meta(ADMIN_TOKEN_META, &hash))?;
                    Some(token)
                }
            }
        };
        Ok(Started {
            new_admin_token,
            log_public_key: keyfile::public_key(&log_key),
        })
    }

    pub(super) fn is_admin_token(&self, db: &crate::store::Db<'_>, token: &str) -> Result<bool> {
        Ok(db.meta(ADMIN_TOKEN_META)?.as_deref()
            == Some(Sha256Hash::of(token.as_bytes()).to_hex().as_str()))
    }
}
