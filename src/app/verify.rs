//! `POST /api/verify`: given a statement and a signature, or a receipt, says which
//! checks pass: the document's form, whether it is in the registry, whether the key was
//! enrolled and active when it signed, whether the signature verifies, and for a receipt
//! the inclusion proof and the log's signature on the checkpoint.

use serde::Serialize;

use super::App;
use crate::domain::crypto::{Sha256Hash, Signature};
use crate::domain::receipt::{Check, Receipt, check};
use crate::domain::statement::Statement;
use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub valid: bool,
    pub checks: Vec<Check>,
    pub index: Option<u64>,
}

impl App {
    pub async fn verify_signature(
        &self,
        statement: String,
        signature: String,
    ) -> Result<Verification> {
        let mut checks = Vec::new();
        let parsed = Statement::parse(&statement);
        checks.push(match &parsed {
            Ok(s) => check(
                "statement_format",
                true,
                format!(
                    "Pernyataan berformat pakta/statement/v1 untuk upacara {} mode {}.",
                    s.ceremony,
                    s.mode.as_str()
                ),
            ),
            Err(e) => check("statement_format", false, e.to_string()),
        });
        let signature = Signature::from_base64("signature", &signature);
        if let Err(e) = &signature {
            checks.push(check("signature_encoding", false, e.to_string()));
        }
        let sha256 = Sha256Hash::of(statement.as_bytes());
        let (entry, key) = self
            .store
            .read(move |db| {
                let entry = db.signature_by_statement(&sha256)?;
                let key = match &entry {
                    Some(e) => db.key(&e.fingerprint)?,
                    None => None,
                };
                Ok((entry, key))
            })
            .await?;

        checks.push(match &entry {
            Some(e) => check(
                "in_registry",
                true,
                format!("Tercatat di registri sebagai entri nomor {} (SHA-256 pernyataan {sha256}).", e.idx),
            ),
            None => check(
                "in_registry",
                false,
                format!("Tidak ada tanda tangan di registri untuk pernyataan dengan SHA-256 {sha256}. Periksa bahwa teksnya tidak berubah sedikit pun."),
            ),
        });
        if let (Some(e), Some(k)) = (&entry, &key) {
            let active_then = k.enrolled_idx < e.idx && k.revoked_idx.is_none_or(|r| r > e.idx);
            let detail = if active_then {
                format!(
                    "Kunci {} didaftarkan di entri {} dan aktif saat penandatanganan.",
                    e.fingerprint, k.enrolled_idx
                )
            } else {
                format!("Kunci {} tidak aktif saat penandatanganan.", e.fingerprint)
            };
            checks.push(check("key_active_at_signing", active_then, detail));
            if let Ok(sig) = &signature {
                let ok = k.key.verify_strict(statement.as_bytes(), sig);
                checks.push(check(
                    "signature",
                    ok,
                    if ok {
                        "Tanda tangan Ed25519 sah (verifikasi ketat) atas pernyataan ini."
                            .to_string()
                    } else {
                        "Tanda tangan tidak cocok dengan pernyataan dan kunci yang tercatat."
                            .to_string()
                    },
                ));
            }
        }
        let valid = parsed.is_ok()
            && entry.is_some()
            && checks.iter().all(|c| c.ok)
            && checks.iter().any(|c| c.name == "signature");
        Ok(Verification {
            valid,
            checks,
            index: entry.map(|e| e.idx),
        })
    }
}

impl App {
    /// Checks a receipt offline against this registry's verifier key, and then against
    /// the log itself: the entry must be the one stored at its index.
    pub async fn verify_receipt(&self, text: String) -> Result<Verification> {
        let receipt = match Receipt::parse(&text) {
            Ok(r) => r,
            Err(e) => {
                return Ok(Verification {
                    valid: false,
                    checks: vec![check("receipt_format", false, e.to_string())],
                    index: None,
                });
            }
        };
        let mut checks = receipt.verify(&self.log.vkey());
        let index = receipt.index;
        let stored = self
            .store
            .read(move |db| Ok(db.log_entries(index, 1)?.pop().filter(|e| e.index == index)))
            .await?;
        let matches = stored.is_some_and(|e| e.bytes == receipt.entry);
        checks.push(check(
            "in_registry",
            matches,
            if matches {
                format!("Entri nomor {index} di registri ini sama persis dengan entri pada tanda terima.")
            } else {
                format!("Registri ini tidak memuat entri tanda terima di nomor {index}.")
            },
        ));
        Ok(Verification {
            valid: checks.iter().all(|c| c.ok),
            checks,
            index: Some(index),
        })
    }
}
