//! Opening a data directory: the database, the registry's log key and origin (which
//! together make the verifier key auditors pin), and the admin token.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ed25519_dalek::SigningKey;

use super::continuity::{self, Publisher};
use super::witnessing::{WITNESSED_FILE, Witnessing};
use super::{App, Config, Secrets, random};
use crate::clock::Clock;
use crate::domain::crypto::Sha256Hash;
use crate::domain::note::{Checkpoint, VerifierKey, is_valid_name};
use crate::error::{Error, Result};
use crate::keyfile;
use crate::store::Store;
use crate::store::writer::Committed;

const ADMIN_TOKEN_META: &str = "admin_token_sha256";
/// A chosen admin token shorter than this is refused: 32 characters of base64 carry 192
/// random bits, far beyond an offline guess at the stored hash.
const MIN_ADMIN_TOKEN_LENGTH: usize = 32;
pub(super) const ORIGIN_META: &str = "origin";
const PRESENCE_SECRET_META: &str = "presence_secret";
const STATEMENT_SECRET_META: &str = "statement_secret";

pub fn log_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("log-key")
}

/// The registry's own identity: the origin line of its checkpoints and the key that
/// signs them. It signs checkpoints only.
pub struct LogSigner {
    origin: String,
    key: SigningKey,
}

impl LogSigner {
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn vkey(&self) -> VerifierKey {
        VerifierKey::new(&self.origin, keyfile::public_key(&self.key))
    }

    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        debug_assert_eq!(checkpoint.origin, self.origin);
        checkpoint.sign(&self.key)
    }
}

/// The origin a registry gets when none is given: a slug of the instansi's name, so two
/// kabupaten never share one by accident.
pub fn default_origin(instansi: &str) -> String {
    let mut slug = String::new();
    for c in instansi.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    format!("pakta/{}", slug.trim_end_matches('-'))
}

/// Starts asking the configured witnesses to cosign. Without witnesses, a witnessed
/// checkpoint kept by an earlier run is set aside (renamed, as evidence), so that
/// publishing never serves a cosigned checkpoint that no longer follows the log.
fn start_witnessing(
    config: &Config,
    data_dir: &Path,
    log: &LogSigner,
    store: &Store,
    publisher: &Arc<Publisher>,
) -> Result<Option<Arc<Witnessing>>> {
    if config.witnesses.is_empty() {
        let kept = data_dir.join(WITNESSED_FILE);
        if kept.exists() {
            std::fs::rename(&kept, kept.with_extension("previous")).map_err(|e| {
                Error::internal(format!("cannot set aside {}: {e}", kept.display()))
            })?;
        }
        return Ok(None);
    }
    let quorum = config.witness_quorum;
    if quorum == 0 || quorum > config.witnesses.len() {
        return Err(Error::bad_request(
            "invalid_witness_quorum",
            format!(
                "--witness-quorum must be between 1 and the number of witnesses ({}); it is {quorum}",
                config.witnesses.len()
            ),
        ));
    }
    Witnessing::start(
        config.witnesses.clone(),
        quorum,
        data_dir,
        log.vkey(),
        store.clone(),
        publisher.clone(),
    )
    .map(Some)
}

/// A secret of the registry (behind the hall's presence codes, or the seal on issued
/// statements), made once and kept so codes and statements stay valid across a restart.
fn registry_secret(store: &Store, name: &'static str) -> Result<[u8; 32]> {
    let stored = store.read_blocking(|db| db.meta(name))?;
    let mut secret = [0u8; 32];
    match stored.and_then(|hex_text| hex::decode_to_slice(hex_text, &mut secret).ok()) {
        Some(()) => Ok(secret),
        None => {
            let secret = random::<32>()?;
            let text = hex::encode(secret);
            store.write_blocking(move |w| w.set_meta(name, &text))?;
            Ok(secret)
        }
    }
}

impl App {
    /// Opens (creating on first start) the registry in `data_dir`: database, log key
    /// (mode 0600), origin and the last kept checkpoint, refusing a directory whose
    /// database does not extend what the key already signed (see [`continuity`]). The
    /// origin is fixed at first start, because auditors pin the verifier key made from
    /// it; asking for another one later is refused.
    pub fn open(
        data_dir: &Path,
        clock: Arc<dyn Clock>,
        config: Config,
        origin: Option<&str>,
    ) -> Result<App> {
        let key_path = log_key_path(data_dir);
        let found = continuity::check_files(data_dir, &key_path)?;
        let checked = continuity::check_before_opening(data_dir, &key_path, &found)?;
        let store = Store::open(data_dir, clock.clone())?;
        let (size, kept_before) = store.read_blocking(|db| {
            Ok((
                db.log_head()?.0,
                db.meta(continuity::CHECKPOINT_KEPT_META)?.is_some(),
            ))
        })?;
        let key = if found.key_exists {
            keyfile::read(&key_path).map_err(|e| Error::internal(format!("Log key: {e}")))?
        } else if size > 0 {
            return Err(continuity::log_key_missing(
                &key_path,
                &format!("the registry already holds {size} entries"),
            ));
        } else {
            keyfile::generate()
                .and_then(|k| keyfile::create(&key_path, &k).map(|_| k))
                .map_err(|e| Error::internal(format!("Log key: {e}")))?
        };

        let stored = store.read_blocking(|db| db.meta(ORIGIN_META))?;
        let origin = match (stored, origin) {
            (Some(stored), Some(asked)) if stored != asked => {
                return Err(Error::bad_request(
                    "origin_fixed",
                    format!(
                        "This registry's origin is '{stored}' and cannot change: auditors pinned the verifier key made from it. Start without --origin, or with --origin '{stored}'."
                    ),
                ));
            }
            (Some(stored), _) => stored,
            (None, asked) => {
                let origin = asked.map_or_else(|| default_origin(&config.instansi), str::to_string);
                if !is_valid_name(&origin) {
                    return Err(Error::bad_request(
                        "invalid_origin",
                        format!(
                            "Origin '{origin}' must be non-empty with no spaces and no '+', like pakta.example.go.id/netralitas."
                        ),
                    ));
                }
                origin
            }
        };
        let log = Arc::new(LogSigner { origin, key });
        let published = match checked {
            Some(published) => published,
            None => store.read_blocking(|db| {
                continuity::check_database(
                    db,
                    &log.vkey(),
                    found.checkpoint.as_deref(),
                    kept_before,
                    data_dir,
                )
            })?,
        };
        let publisher = Arc::new(Publisher::new(log.clone(), data_dir, published));
        // Publish what the database holds beyond the kept checkpoint (a crash between a
        // commit and its checkpoint, or a registry older than the checkpoint file) before
        // serving anything, then after every batch the writer commits.
        store.read_blocking(|db| publisher.publish(&Committed::reading(db)))?;
        let origin = log.origin.clone();
        store.write_blocking(move |w| {
            w.set_meta(ORIGIN_META, &origin)?;
            w.set_meta(continuity::CHECKPOINT_KEPT_META, "1")
        })?;
        let hook = publisher.clone();
        store
            .writer()
            .set_after_commit(Box::new(move |committed| hook.publish(committed)))?;
        let witnessing = start_witnessing(&config, data_dir, &log, &store, &publisher)?;
        let presence_secret = registry_secret(&store, PRESENCE_SECRET_META)?;
        let statement_secret = registry_secret(&store, STATEMENT_SECRET_META)?;
        Ok(App::new(
            store,
            clock,
            config,
            log,
            publisher,
            witnessing,
            Secrets {
                presence: presence_secret,
                statement: statement_secret,
            },
        ))
    }

    /// Makes sure there is an admin token. `admin_token` (from PAKTA_ADMIN_TOKEN) replaces
    /// the stored one; without it a token is generated once and returned, to be shown
    /// once: only its hash is kept.
    pub fn setup_admin_token(&self, admin_token: Option<&str>) -> Result<Option<String>> {
        match admin_token {
            Some(token) if token.trim().len() < MIN_ADMIN_TOKEN_LENGTH => Err(Error::bad_request(
                "weak_admin_token",
                format!(
                    "PAKTA_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} characters: only a hash of it is stored, and a short one could be guessed from a copy of the database. Make one with: head -c 24 /dev/urandom | base64"
                ),
            )),
            Some(token) => {
                let hash = salted_token_hash(token.trim())?;
                self.store
                    .write_blocking(move |w| w.set_meta(ADMIN_TOKEN_META, &hash))?;
                Ok(None)
            }
            None => {
                if self
                    .store
                    .read_blocking(|db| db.meta(ADMIN_TOKEN_META))?
                    .is_some()
                {
                    return Ok(None);
                }
                let token = format!("pakta_admin_{}", hex::encode(random::<20>()?));
                let hash = salted_token_hash(&token)?;
                self.store
                    .write_blocking(move |w| w.set_meta(ADMIN_TOKEN_META, &hash))?;
                Ok(Some(token))
            }
        }
    }

    pub(super) fn is_admin_token(&self, db: &crate::store::Db<'_>, token: &str) -> Result<bool> {
        Ok(db
            .meta(ADMIN_TOKEN_META)?
            .is_some_and(|stored| admin_token_matches(&stored, token)))
    }
}

/// The admin token as stored: `salted:<salt>:<SHA-256(salt || token)>` in hex. The salt
/// makes a precomputed table of likely tokens useless against a copied database.
fn salted_token_hash(token: &str) -> Result<String> {
    let salt = random::<16>()?;
    Ok(format!(
        "salted:{}:{}",
        hex::encode(salt),
        Sha256Hash::of(&[&salt[..], token.as_bytes()].concat()).to_hex()
    ))
}

/// Whether `token` is the admin token `stored`: salted, or, from registries made before
/// salting, the plain SHA-256 (replaced by a salted one when PAKTA_ADMIN_TOKEN is next
/// set).
fn admin_token_matches(stored: &str, token: &str) -> bool {
    match stored
        .strip_prefix("salted:")
        .and_then(|s| s.split_once(':'))
    {
        Some((salt, hash)) => hex::decode(salt).is_ok_and(|salt| {
            Sha256Hash::of(&[&salt[..], token.as_bytes()].concat()).to_hex() == hash
        }),
        None => Sha256Hash::of(token.as_bytes()).to_hex() == stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_tokens_are_stored_salted_and_old_plain_hashes_still_match() {
        let token = "pakta_admin_0123456789abcdef0123456789abcdef";
        let first = salted_token_hash(token).unwrap();
        let second = salted_token_hash(token).unwrap();
        assert_ne!(first, second, "each setting draws a new salt");
        assert!(!first.contains(&Sha256Hash::of(token.as_bytes()).to_hex()));
        assert!(admin_token_matches(&first, token));
        assert!(admin_token_matches(&second, token));
        assert!(!admin_token_matches(
            &first,
            "pakta_admin_0123456789abcdef0123456789abcdee"
        ));
        let legacy = Sha256Hash::of(token.as_bytes()).to_hex();
        assert!(admin_token_matches(&legacy, token));
        assert!(!admin_token_matches(
            &legacy,
            "another token of enough length......"
        ));
        assert!(!admin_token_matches("salted:zz:00", token));
    }

    #[test]
    fn default_origins_are_valid_key_names() {
        let origin = default_origin("Pemerintah Kabupaten Sukamaju Raya (Jawa Barat)");
        assert_eq!(
            origin,
            "pakta/pemerintah-kabupaten-sukamaju-raya-jawa-barat"
        );
        assert!(is_valid_name(&origin));
    }
}
