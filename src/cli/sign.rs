//! `pakta keygen` and `pakta sign`: for an official without a smartphone, a key pair
//! in a file on their own computer, and a signature over a statement file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ed25519_dalek::Signer;

use pakta::domain::crypto::encode_base64;
use pakta::keyfile;

pub fn keygen(out: &Path) -> Result<ExitCode> {
    let key = keyfile::generate()?;
    keyfile::create(out, &key)?;
    println!("{}", keyfile::public_key(&key).to_base64());
    eprintln!(
        "Secret key written to {} (readable by you only). Keep it; it never leaves this computer.",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn sign(key_file: &Path, statement_file: &Path) -> Result<ExitCode> {
    let key = keyfile::read(key_file)?;
    // The exact bytes are signed: no newline conversion, no trimming.
    let statement = std::fs::read(statement_file).with_context(|| {
        format!(
            "cannot read the statement file {}; save the statement exactly as the registry issued it",
            statement_file.display()
        )
    })?;
    println!("{}", encode_base64(&key.sign(&statement).to_bytes()));
    Ok(ExitCode::SUCCESS)
}
