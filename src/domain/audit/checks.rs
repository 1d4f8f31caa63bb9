//! The checks of a document kept beside the log and of the signature over it: the
//! enrollment message and its proof of possession (FORMATS §18, rule 6), the statement
//! and its signature (rule 12), and the signatures over a recap or a representation
//! statement (rules 12c and 15). They read nothing the audit remembers, only what the
//! entry and the rules before it fixed, so they may run on any core and in any order:
//! that is what makes a full audit of a large registry use every core. Signatures are
//! verified strictly, one by one; never in a batch, which accepts signatures the strict
//! check refuses.

use chrono::{DateTime, Utc};

use super::AuditFailure;
use crate::domain::crypto::{PublicKey, Sha256Hash, Signature};
use crate::domain::entry::SigningMode;
use crate::domain::identifier::Identifier;
use crate::domain::ids::{CeremonyId, SubjectId};
use crate::domain::statement::{EnrollmentCode, Statement, enrollment_message};

/// What the entry and the ceremony say a kept statement must say.
pub(super) struct ExpectedStatement {
    pub(super) sha256: Sha256Hash,
    pub(super) subject: SubjectId,
    pub(super) ceremony: CeremonyId,
    pub(super) mode: SigningMode,
    pub(super) pledge_sha256: Sha256Hash,
    /// The entry's time: a statement is never issued after the signature is recorded.
    pub(super) not_after: DateTime<Utc>,
}

pub(super) enum Check {
    /// `key.enrolled` with its enrollment message kept.
    Enrollment {
        key: PublicKey,
        message: Vec<u8>,
        sha256: Sha256Hash,
        proof: Signature,
    },
    /// `pledge.signed` with its statement kept.
    Statement {
        key: [u8; 32],
        statement: Vec<u8>,
        expected: ExpectedStatement,
        signature: Signature,
    },
    /// The signature over a recap or a representation statement the audit has read.
    Signature {
        key: [u8; 32],
        message: Vec<u8>,
        signature: Signature,
        problem: &'static str,
    },
}

impl Check {
    /// The check's verdict: the problem, in the words of the rule, or nothing.
    pub(super) fn run(&self) -> Result<(), String> {
        match self {
            Check::Enrollment {
                key,
                message,
                sha256,
                proof,
            } => {
                if Sha256Hash::of(message) != *sha256 {
                    return Err("the kept enrollment message does not match its hash".into());
                }
                if !names_key(message, key) {
                    return Err(
                        "the kept enrollment message is malformed or names another key".into(),
                    );
                }
                if !key.verify_strict(message, proof) {
                    return Err("the proof of possession does not verify".into());
                }
                Ok(())
            }
            Check::Statement {
                key,
                statement,
                expected,
                signature,
            } => {
                if Sha256Hash::of(statement) != expected.sha256 {
                    return Err("the kept statement does not match its hash".into());
                }
                let text = std::str::from_utf8(statement)
                    .map_err(|_| "the kept statement is not UTF-8".to_string())?;
                let parsed = Statement::parse(text).map_err(|e| e.to_string())?;
                if parsed.subject != expected.subject
                    || parsed.ceremony != expected.ceremony
                    || parsed.mode != expected.mode
                    || parsed.pledge_sha256 != expected.pledge_sha256
                    || parsed.time > expected.not_after
                {
                    return Err(
                        "the statement names another subject, ceremony, mode or pledge than the entry, or a later time"
                            .into(),
                    );
                }
                if !verify_strict(key, statement, signature) {
                    return Err("the signature does not verify over the statement".into());
                }
                Ok(())
            }
            Check::Signature {
                key,
                message,
                signature,
                problem,
            } => {
                if !verify_strict(key, message, signature) {
                    return Err((*problem).into());
                }
                Ok(())
            }
        }
    }
}

/// Whether `message` is the canonical enrollment message naming `key`: what reading it
/// (`statement::parse_enrollment_message`) and comparing the key it names decide,
/// without decompressing that key a second time (the entry's key was decompressed, and
/// found not weak, when the entry was read). The message must be exactly the one built
/// from its NIP and code and this key, and a message that reads as canonical is the one
/// built from what it holds.
pub(super) fn names_key(message: &[u8], key: &PublicKey) -> bool {
    let Ok(text) = std::str::from_utf8(message) else {
        return false;
    };
    let field = |name: &str| text.lines().find_map(|line| line.strip_prefix(name));
    let (Some(nip), Some(code)) = (field("nip: "), field("code: ")) else {
        return false;
    };
    let (Ok(nip), Ok(code)) = (Identifier::parse_any(nip), EnrollmentCode::parse(code)) else {
        return false;
    };
    enrollment_message(&nip, key, &code) == text
}

/// Strict verification under a key kept as its 32 bytes. The key decompressed and was
/// not weak when it was enrolled, so it does again; if it did not, nothing verifies.
fn verify_strict(key: &[u8; 32], message: &[u8], signature: &Signature) -> bool {
    PublicKey::from_bytes(key).is_ok_and(|key| key.verify_strict(message, signature))
}

/// A check of one entry's kept document and signature, handed over by an auditor made
/// with [`Auditor::deferring`](super::Auditor::deferring) to run on any thread.
pub struct DeferredCheck {
    pub(super) index: u64,
    pub(super) check: Check,
}

impl DeferredCheck {
    /// The entry whose document and signature this checks.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The verdict, named at the check's entry as the audit would have named it.
    pub fn run(&self) -> Result<(), AuditFailure> {
        self.check.run().map_err(|problem| AuditFailure {
            index: self.index,
            problem,
        })
    }
}
