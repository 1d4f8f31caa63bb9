//! Ed25519 secret key files: an official's key made by `pakta keygen`, and the
//! registry's own log key. A key file is created with mode 0600, never overwritten, and
//! holds two lines: a format line and the base64 of the 32-byte seed.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use ed25519_dalek::SigningKey;

use crate::domain::crypto::{PublicKey, decode_base64, encode_base64};

pub const KEY_FILE_HEADER: &str = "pakta-ed25519-secret-key-v1";

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(
        "{0} already exists; refusing to overwrite a key. Choose another --out path, or move the old file away if you really mean to replace it"
    )]
    Exists(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{0} is not a Pakta key file (expected a first line '{KEY_FILE_HEADER}' and a base64 seed)"
    )]
    Malformed(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// Makes a new key from the operating system's random number generator.
pub fn generate() -> Result<SigningKey, KeyFileError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyFileError::Random(e.to_string()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to a new file readable by its owner only.
pub fn create(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyFileError::Exists(path.display().to_string())
        } else {
            KeyFileError::Write {
                path: path.display().to_string(),
                source: e,
            }
        }
    })?;
    let text = format!("{KEY_FILE_HEADER}\n{}\n", encode_base64(&key.to_bytes()));
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| KeyFileError::Write {
            path: path.display().to_string(),
            source: e,
        })
}

pub fn read(path: &Path) -> Result<SigningKey, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyFileError::Read {
        path: path.display().to_string(),
        source: e,
    })?;
    let malformed = || KeyFileError::Malformed(path.display().to_string());
    let mut lines = text.lines();
    if lines.next() != Some(KEY_FILE_HEADER) {
        return Err(malformed());
    }
    let seed = lines
        .next()
        .and_then(|l| decode_base64("key", l).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(malformed)?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn public_key(key: &SigningKey) -> PublicKey {
    PublicKey::from_bytes(&key.verifying_key().to_bytes())
        .expect("a key made from a seed is never weak")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_files_are_private_read_back_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = generate().unwrap();
        create(&path, &key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(read(&path).unwrap().to_bytes(), key.to_bytes());
        let other = generate().unwrap();
        assert!(matches!(
            create(&path, &other),
            Err(KeyFileError::Exists(_))
        ));
        assert_eq!(read(&path).unwrap().to_bytes(), key.to_bytes());
    }
}
