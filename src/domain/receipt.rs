//! The receipt an official keeps: one text file proving their signature is in the
//! registry, checkable offline with nothing but the log's verifier key.
//!
//! ```text
//! pakta/receipt/v1
//! key: <base64 public key of the signer>
//! signature: <base64 signature over the document>
//!
//! <the signed document: a statement, or an enrollment message>
//!
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the exact entry bytes>
//! index <entry index>
//! <base64 audit path hash, one per line>
//!
//! <the checkpoint, a signed note>
//! ```
//!
//! From "c2sp.org/tlog-proof@v1" on, the file is a standard tlog proof whose extra data
//! is the entry itself, so generic tlog tooling can check the inclusion part.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::crypto::{PublicKey, Sha256Hash, Signature};
use super::entry::{Entry, EntryBody};
use super::merkle::{leaf_hash, verify_inclusion};
use super::note::{Checkpoint, VerifierKey};
use super::representation::{REPRESENTATION_TITLE, RepresentationStatement};
use super::statement::{ENROLL_HEADER, STATEMENT_TITLE, Statement, parse_enrollment_message};

pub const RECEIPT_HEADER: &str = "pakta/receipt/v1";
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// One named check with its outcome, in words a person can read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

pub fn check(name: &'static str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok,
        detail: detail.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub key: PublicKey,
    pub signature: Signature,
    pub document: String,
    pub entry: Vec<u8>,
    pub index: u64,
    pub proof: Vec<Sha256Hash>,
    /// The signed checkpoint, as served by the registry.
    pub checkpoint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "berkas tanda terima tidak terbaca: {0}. Gunakan berkas .tlog-proof persis seperti diunduh."
)]
pub struct ReceiptError(pub &'static str);

impl Receipt {
    pub fn encode(&self) -> String {
        let mut out = format!(
            "{RECEIPT_HEADER}\nkey: {}\nsignature: {}\n\n{}\n{TLOG_PROOF_HEADER}\nextra {}\nindex {}\n",
            self.key.to_base64(),
            self.signature.to_base64(),
            self.document,
            STANDARD.encode(&self.entry),
            self.index
        );
        for hash in &self.proof {
            out.push_str(&STANDARD.encode(hash.0));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let text = text.replace("\r\n", "\n");
        let rest = text
            .strip_prefix(RECEIPT_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or(ReceiptError("baris pertama harus pakta/receipt/v1"))?;
        let (header, rest) = rest
            .split_once("\n\n")
            .ok_or(ReceiptError("bagian kunci dan tanda tangan tidak lengkap"))?;
        let mut header = header.lines();
        let key = header
            .next()
            .and_then(|l| l.strip_prefix("key: "))
            .and_then(|k| PublicKey::from_base64(k).ok())
            .ok_or(ReceiptError("baris key tidak valid"))?;
        let signature = header
            .next()
            .and_then(|l| l.strip_prefix("signature: "))
            .and_then(|s| Signature::from_base64("signature", s).ok())
            .ok_or(ReceiptError("baris signature tidak valid"))?;
        let (document, rest) = rest
            .split_once("\n\n")
            .ok_or(ReceiptError("dokumen yang ditandatangani tidak lengkap"))?;
        let document = format!("{document}\n");
        let (proof, checkpoint) = rest
            .split_once("\n\n")
            .ok_or(ReceiptError("bukti c2sp.org/tlog-proof@v1 tidak lengkap"))?;
        let mut lines = proof.lines();
        if lines.next() != Some(TLOG_PROOF_HEADER) {
            return Err(ReceiptError("bukti harus diawali c2sp.org/tlog-proof@v1"));
        }
        let entry = lines
            .next()
            .and_then(|l| l.strip_prefix("extra "))
            .and_then(|e| STANDARD.decode(e).ok())
            .ok_or(ReceiptError("baris extra (entri registri) tidak valid"))?;
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .and_then(|i| i.parse::<u64>().ok().filter(|n| n.to_string() == i))
            .ok_or(ReceiptError("baris index tidak valid"))?;
        let proof = lines
            .map(|l| {
                STANDARD
                    .decode(l)
                    .ok()
                    .and_then(|b| Sha256Hash::from_slice(&b))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(ReceiptError("hash jalur audit tidak valid"))?;
        Ok(Receipt {
            key,
            signature,
            document,
            entry,
            index,
            proof,
            checkpoint: checkpoint.to_string(),
        })
    }

    /// Every offline check, in order; the receipt is valid when all pass.
    pub fn verify(&self, vkey: &VerifierKey) -> Vec<Check> {
        let mut checks = Vec::new();
        let doc = self.document.as_bytes();
        let doc_hash = Sha256Hash::of(doc);
        let is_statement = self.document.starts_with(STATEMENT_TITLE);
        let statement = is_statement
            .then(|| Statement::parse(&self.document).ok())
            .flatten();
        checks.push(if is_statement {
            match Statement::parse(&self.document) {
                Ok(s) => check(
                    "document",
                    true,
                    format!(
                        "Pernyataan pakta untuk upacara {} mode {}.",
                        s.ceremony,
                        s.mode.as_str()
                    ),
                ),
                Err(e) => check("document", false, e.to_string()),
            }
        } else if self.document.starts_with(REPRESENTATION_TITLE) {
            match RepresentationStatement::parse(&self.document) {
                Ok(r) => check(
                    "document",
                    true,
                    format!(
                        "Pernyataan perwakilan pakta/perwakilan/v1 untuk upacara {} atas nama {} pegawai.",
                        r.ceremony,
                        r.represented.len()
                    ),
                ),
                Err(e) => check("document", false, e.to_string()),
            }
        } else if self.document.starts_with(ENROLL_HEADER) {
            match parse_enrollment_message(&self.document) {
                Ok(_) => check("document", true, "Pesan pendaftaran kunci pakta/enroll/v1."),
                Err(e) => check("document", false, e.to_string()),
            }
        } else {
            check(
                "document",
                false,
                "Dokumen bukan pernyataan pakta maupun pesan pendaftaran kunci.",
            )
        });
        let signed = self.key.verify_strict(doc, &self.signature);
        checks.push(check(
            "signature",
            signed,
            if signed {
                "Tanda tangan Ed25519 sah (verifikasi ketat) atas dokumen oleh kunci ini."
            } else {
                "Tanda tangan tidak cocok dengan dokumen dan kunci ini."
            },
        ));
        checks.push(match Entry::parse(&self.entry) {
            Err(e) => check("entry", false, format!("Entri registri tidak valid: {e}")),
            Ok(entry) => {
                let binds = match &entry.body {
                    EntryBody::PledgeSigned {
                        ceremony,
                        subject,
                        mode,
                        statement_sha256,
                        fingerprint,
                        signature,
                    } => {
                        // The entry must say what the statement says, not only hash it.
                        statement.as_ref().is_some_and(|s| {
                            s.ceremony == *ceremony && s.subject == *subject && s.mode == *mode
                        }) && *statement_sha256 == doc_hash
                            && *fingerprint == self.key.fingerprint()
                            && *signature == self.signature
                    }
                    EntryBody::RepresentationSigned {
                        ceremony,
                        subject,
                        represented,
                        represented_sha256,
                        statement_sha256,
                        fingerprint,
                        signature,
                    } => {
                        RepresentationStatement::parse(&self.document).is_ok_and(|r| {
                            r.ceremony == *ceremony
                                && r.subject == *subject
                                && r.represented.len() as u64 == *represented
                                && r.represented_sha256() == *represented_sha256
                        }) && *statement_sha256 == doc_hash
                            && *fingerprint == self.key.fingerprint()
                            && *signature == self.signature
                    }
                    EntryBody::KeyEnrolled {
                        key,
                        enrollment_sha256,
                        proof,
                        ..
                    } => {
                        *enrollment_sha256 == doc_hash && *key == self.key && *proof == self.signature
                    }
                    _ => false,
                };
                let ok = binds && entry.index == self.index;
                check(
                    "entry",
                    ok,
                    if ok {
                        format!(
                            "Entri {} ({}) memuat SHA-256 dokumen {doc_hash}, sidik kunci, dan tanda tangan yang sama.",
                            entry.index,
                            entry.body.kind()
                        )
                    } else {
                        "Entri registri tidak memuat dokumen, kunci, atau tanda tangan ini.".into()
                    },
                )
            }
        });
        let claimed = Checkpoint::parse(
            self.checkpoint
                .split_once("\n\n")
                .map_or("", |(text, _)| text),
        );
        checks.push(match &claimed {
            Ok(cp) => {
                let ok = verify_inclusion(&leaf_hash(&self.entry), self.index, cp.size, &self.proof, &cp.root);
                check(
                    "inclusion",
                    ok,
                    if ok {
                        format!("Entri {} termasuk dalam pohon Merkle berukuran {} (RFC 6962).", self.index, cp.size)
                    } else {
                        "Jalur audit tidak menghubungkan entri ini dengan akar pohon pada checkpoint.".into()
                    },
                )
            }
            Err(e) => check("inclusion", false, e.to_string()),
        });
        checks.push(match Checkpoint::open(&self.checkpoint, vkey) {
            Ok(cp) => check(
                "checkpoint",
                true,
                format!(
                    "Checkpoint ukuran {} ditandatangani oleh kunci log {}.",
                    cp.size, vkey
                ),
            ),
            Err(e) => check("checkpoint", false, e.to_string()),
        });
        checks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::RevocationReason;
    use crate::domain::identifier::Identifier;
    use crate::domain::ids::SubjectId;
    use crate::domain::merkle::{Subtree, inclusion_proof, node_hash, root};
    use crate::domain::record::parse_time;
    use crate::domain::statement::{EnrollmentCode, enrollment_message};
    use ed25519_dalek::{Signer, SigningKey};
    use std::collections::HashMap;

    /// A three-entry log whose middle entry is an enrollment, with its receipt.
    fn sample() -> (Receipt, VerifierKey) {
        let official = SigningKey::from_bytes(&[1; 32]);
        let key = PublicKey::from_bytes(&official.verifying_key().to_bytes()).unwrap();
        let nip = Identifier::parse_any("198001012005011001").unwrap();
        let code = EnrollmentCode::parse("0123-4567-89AB").unwrap();
        let message = enrollment_message(&nip, &key, &code);
        let proof = Signature::from_bytes(&official.sign(message.as_bytes()).to_bytes());
        let subject = SubjectId::from_random([7; 16]);
        let bodies = [
            EntryBody::KeyRevoked {
                subject,
                fingerprint: key.fingerprint(),
                reason: RevocationReason::Superseded,
            },
            EntryBody::KeyEnrolled {
                subject,
                key,
                enrollment_sha256: Sha256Hash::of(message.as_bytes()),
                proof,
            },
            EntryBody::KeyRevoked {
                subject,
                fingerprint: key.fingerprint(),
                reason: RevocationReason::Superseded,
            },
        ];
        let mut entries = Vec::new();
        let mut prev = Sha256Hash::ZERO;
        for (i, body) in bodies.into_iter().enumerate() {
            let bytes = Entry {
                index: i as u64,
                time: parse_time("2024-10-07T02:00:00Z").unwrap(),
                prev,
                body,
            }
            .encode();
            prev = Sha256Hash::of(&bytes);
            entries.push(bytes);
        }
        let mut nodes = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            nodes.insert((0, i as u64), leaf_hash(e));
        }
        nodes.insert((1, 0), node_hash(&nodes[&(0, 0)], &nodes[&(0, 1)]));
        let mut lookup = |l: u32, i: u64| Ok::<_, ()>(nodes[&(l, i)]);
        let lookup: &mut Subtree<'_, ()> = &mut lookup;
        let log_key = SigningKey::from_bytes(&[2; 32]);
        let log_public = PublicKey::from_bytes(&log_key.verifying_key().to_bytes()).unwrap();
        let checkpoint = Checkpoint {
            origin: "pakta/test".into(),
            size: 3,
            root: root(3, lookup).unwrap(),
        };
        let receipt = Receipt {
            key,
            signature: proof,
            document: message,
            entry: entries[1].clone(),
            index: 1,
            proof: inclusion_proof(1, 3, lookup).unwrap(),
            checkpoint: checkpoint.sign(&log_key),
        };
        (receipt, VerifierKey::new("pakta/test", log_public))
    }

    #[test]
    fn a_receipt_round_trips_and_every_check_passes() {
        let (receipt, vkey) = sample();
        let text = receipt.encode();
        assert!(text.starts_with("pakta/receipt/v1\nkey: "));
        assert!(text.contains("\n\nc2sp.org/tlog-proof@v1\nextra "));
        let parsed = Receipt::parse(&text).unwrap();
        assert_eq!(parsed, receipt);
        let checks = parsed.verify(&vkey);
        assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
        assert_eq!(checks.len(), 5);
    }

    #[test]
    fn a_flipped_byte_anywhere_fails_a_named_check_or_does_not_parse() {
        let (receipt, vkey) = sample();
        let text = receipt.encode();
        let failing = |t: &str| -> Option<Vec<&'static str>> {
            let r = Receipt::parse(t).ok()?;
            Some(
                r.verify(&vkey)
                    .into_iter()
                    .filter(|c| !c.ok)
                    .map(|c| c.name)
                    .collect(),
            )
        };
        let flip = |needle: &str, with: &str| text.replacen(needle, with, 1);
        assert_eq!(
            failing(&flip("code: 0123", "code: 0124")).unwrap(),
            ["signature", "entry"]
        );
        assert_eq!(
            failing(&flip("index 1", "index 0")).unwrap(),
            ["entry", "inclusion"]
        );
        // A claimed size of 4 happens to fold to the same root here; the log's signature
        // is what pins the size.
        assert_eq!(
            failing(&flip("pakta/test\n3\n", "pakta/test\n4\n")).unwrap(),
            ["checkpoint"]
        );
        let root_line = receipt.checkpoint.lines().nth(2).unwrap();
        let mut other_root = root_line.to_string();
        other_root.replace_range(0..1, if root_line.starts_with('A') { "B" } else { "A" });
        assert_eq!(
            failing(&flip(root_line, &other_root)).unwrap(),
            ["inclusion", "checkpoint"]
        );
        let other = VerifierKey::new("pakta/test", receipt.key);
        let checks = Receipt::parse(&text).unwrap().verify(&other);
        assert_eq!(
            checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.name)
                .collect::<Vec<_>>(),
            ["checkpoint"]
        );
        assert!(Receipt::parse(&text.replace("pakta/receipt/v1", "pakta/receipt/v2")).is_err());
    }
}
