//! The offline audit of a registry: feed it every entry in order and it checks the hash
//! chain, the canonical encoding, the key history and every signature, and names the
//! first entry that is wrong. It reads nothing itself: the caller streams entries in and
//! lends a lookup for the documents kept beside the log (statements, enrollment
//! messages), so the same code audits a live data directory or an export.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::crypto::{KeyFingerprint, PublicKey, Sha256Hash};
use super::entry::{Entry, EntryBody, entry_hash};
use super::ids::{CeremonyId, SubjectId};
use super::statement::Statement;

/// The first problem found, at the position (0-based) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {index}: {problem}")]
pub struct AuditFailure {
    pub index: u64,
    pub problem: String,
}

/// What a clean audit saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSummary {
    pub entries: u64,
    pub head: Option<Sha256Hash>,
    pub keys_enrolled: u64,
    pub keys_revoked: u64,
    pub signatures_verified: u64,
    /// Signatures whose statement was erased under the PDP law: the chain still proves
    /// the entry, but the signature cannot be re-checked without the statement.
    pub statements_erased: u64,
    pub enrollment_proofs_verified: u64,
}

struct KeyRecord {
    key: PublicKey,
    subject: SubjectId,
    revoked: bool,
}

pub struct Auditor {
    summary: AuditSummary,
    prev: Sha256Hash,
    last_time: Option<DateTime<Utc>>,
    keys: HashMap<KeyFingerprint, KeyRecord>,
    active_key: HashMap<SubjectId, KeyFingerprint>,
    signed: HashSet<(CeremonyId, SubjectId)>,
}

impl Default for Auditor {
    fn default() -> Self {
        Auditor {
            summary: AuditSummary::default(),
            prev: Sha256Hash::ZERO,
            last_time: None,
            keys: HashMap::new(),
            active_key: HashMap::new(),
            signed: HashSet::new(),
        }
    }
}

impl Auditor {
    /// Checks the next entry. `stored_hash` is the hash the database keeps beside the
    /// bytes, if any; `side_document` returns a statement or enrollment message by its
    /// SHA-256, or None if it was erased.
    pub fn check(
        &mut self,
        stored_hash: Option<Sha256Hash>,
        bytes: &[u8],
        side_document: &mut dyn FnMut(&Sha256Hash) -> Option<Vec<u8>>,
    ) -> Result<(), AuditFailure> {
        let position = self.summary.entries;
        let fail = |problem: String| AuditFailure {
            index: position,
            problem,
        };
        let hash = entry_hash(bytes);
        if let Some(stored) = stored_hash
            && stored != hash
        {
            return Err(fail(format!(
                "the bytes hash to {hash}, but the stored hash is {stored}: the entry was altered"
            )));
        }
        let entry = Entry::parse(bytes).map_err(|e| fail(e.to_string()))?;
        if entry.index != position {
            return Err(fail(format!(
                "expected the entry with index {position}, found index {}: entries were removed, inserted or reordered",
                entry.index
            )));
        }
        if entry.prev != self.prev {
            return Err(fail(format!(
                "prev is {}, but the previous entry hashes to {}: the chain is broken",
                entry.prev, self.prev
            )));
        }
        if let Some(last) = self.last_time
            && entry.time < last
        {
            return Err(fail(format!(
                "time {} is earlier than the previous entry's {}",
                entry.time, last
            )));
        }
        self.check_body(&entry, side_document).map_err(fail)?;
        self.prev = hash;
        self.last_time = Some(entry.time);
        self.summary.entries += 1;
        self.summary.head = Some(hash);
        Ok(())
    }

    fn check_body(
        &mut self,
        entry: &Entry,
        side_document: &mut dyn FnMut(&Sha256Hash) -> Option<Vec<u8>>,
    ) -> Result<(), String> {
        match &entry.body {
            EntryBody::KeyEnrolled {
                subject,
                key,
                enrollment_sha256,
                proof,
            } => {
                if let Some(active) = self.active_key.get(subject) {
                    return Err(format!(
                        "subject {subject} enrolls a second key while {active} is still active"
                    ));
                }
                if let Some(message) = side_document(enrollment_sha256) {
                    if Sha256Hash::of(&message) != *enrollment_sha256 {
                        return Err("the kept enrollment message does not match its hash".into());
                    }
                    if !key.verify_strict(&message, proof) {
                        return Err("the proof of possession does not verify".into());
                    }
                    self.summary.enrollment_proofs_verified += 1;
                }
                let fingerprint = key.fingerprint();
                if self.keys.contains_key(&fingerprint) {
                    return Err(format!("key {fingerprint} was already enrolled"));
                }
                self.keys.insert(
                    fingerprint,
                    KeyRecord {
                        key: *key,
                        subject: *subject,
                        revoked: false,
                    },
                );
                self.active_key.insert(*subject, fingerprint);
                self.summary.keys_enrolled += 1;
            }
            EntryBody::KeyRevoked {
                subject,
                fingerprint,
                ..
            } => {
                if self.active_key.get(subject) != Some(fingerprint) {
                    return Err(format!(
                        "revokes key {fingerprint}, which is not the active key of subject {subject}"
                    ));
                }
                self.active_key.remove(subject);
                if let Some(record) = self.keys.get_mut(fingerprint) {
                    record.revoked = true;
                }
                self.summary.keys_revoked += 1;
            }
            EntryBody::PledgeSigned {
                ceremony,
                subject,
                mode,
                statement_sha256,
                fingerprint,
                signature,
            } => {
                let record = self.keys.get(fingerprint).ok_or_else(|| {
                    format!("signed by key {fingerprint}, which was never enrolled")
                })?;
                if record.revoked {
                    return Err(format!(
                        "signed by key {fingerprint}, which was revoked earlier"
                    ));
                }
                if record.subject != *subject {
                    return Err(format!(
                        "signed by key {fingerprint}, which belongs to another subject"
                    ));
                }
                if !self.signed.insert((*ceremony, *subject)) {
                    return Err(format!(
                        "subject {subject} signs ceremony {ceremony} a second time"
                    ));
                }
                match side_document(statement_sha256) {
                    None => self.summary.statements_erased += 1,
                    Some(bytes) => {
                        if Sha256Hash::of(&bytes) != *statement_sha256 {
                            return Err("the kept statement does not match its hash".into());
                        }
                        let text = std::str::from_utf8(&bytes)
                            .map_err(|_| "the kept statement is not UTF-8".to_string())?;
                        let statement = Statement::parse(text).map_err(|e| e.to_string())?;
                        if statement.subject != *subject
                            || statement.ceremony != *ceremony
                            || statement.mode != *mode
                        {
                            return Err(
                                "the statement names another subject, ceremony or mode than the entry"
                                    .into(),
                            );
                        }
                        if !record.key.verify_strict(&bytes, signature) {
                            return Err("the signature does not verify over the statement".into());
                        }
                        self.summary.signatures_verified += 1;
                    }
                }
            }
            EntryBody::PledgePublished { .. }
            | EntryBody::CeremonyOpened { .. }
            | EntryBody::AttendanceRecorded { .. }
            | EntryBody::CeremonyClosed { .. }
            | EntryBody::MandiriAssigned { .. } => {}
        }
        Ok(())
    }

    pub fn finish(self) -> AuditSummary {
        self.summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crypto::Signature;
    use crate::domain::entry::RevocationReason;
    use crate::domain::record::parse_time;
    use ed25519_dalek::{Signer, SigningKey};

    struct Log {
        entries: Vec<Vec<u8>>,
        prev: Sha256Hash,
    }

    impl Log {
        fn push(&mut self, body: EntryBody) {
            let entry = Entry {
                index: self.entries.len() as u64,
                time: parse_time("2024-10-07T02:00:00Z").unwrap(),
                prev: self.prev,
                body,
            };
            let bytes = entry.encode();
            self.prev = entry_hash(&bytes);
            self.entries.push(bytes);
        }
    }

    fn audit(entries: &[Vec<u8>]) -> Result<AuditSummary, AuditFailure> {
        let mut auditor = Auditor::default();
        for bytes in entries {
            auditor.check(None, bytes, &mut |_| None)?;
        }
        Ok(auditor.finish())
    }

    fn sample_log() -> Log {
        let mut log = Log {
            entries: vec![],
            prev: Sha256Hash::ZERO,
        };
        let subject = SubjectId::from_random([1; 16]);
        for seed in [1u8, 2] {
            let signer = SigningKey::from_bytes(&[seed; 32]);
            let key = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
            if seed == 2 {
                let old = PublicKey::from_bytes(
                    &SigningKey::from_bytes(&[1; 32]).verifying_key().to_bytes(),
                )
                .unwrap();
                log.push(EntryBody::KeyRevoked {
                    subject,
                    fingerprint: old.fingerprint(),
                    reason: RevocationReason::Superseded,
                });
            }
            log.push(EntryBody::KeyEnrolled {
                subject,
                key,
                enrollment_sha256: Sha256Hash::of(&[seed]),
                proof: Signature::from_bytes(&signer.sign(&[seed]).to_bytes()),
            });
        }
        log
    }

    #[test]
    fn a_clean_log_passes_with_a_summary() {
        let log = sample_log();
        let summary = audit(&log.entries).unwrap();
        assert_eq!(summary.entries, 3);
        assert_eq!(summary.keys_enrolled, 2);
        assert_eq!(summary.keys_revoked, 1);
        assert_eq!(summary.head, Some(log.prev));
    }

    #[test]
    fn removal_and_reordering_are_named_at_the_first_bad_position() {
        let log = sample_log();
        let mut removed = log.entries.clone();
        removed.remove(1);
        assert_eq!(audit(&removed).unwrap_err().index, 1);
        let mut swapped = log.entries.clone();
        swapped.swap(0, 1);
        assert_eq!(audit(&swapped).unwrap_err().index, 0);
    }

    #[test]
    fn a_second_active_key_without_revocation_is_refused() {
        let mut log = sample_log();
        log.entries.remove(1);
        // Rebuild the chain so only the key rule, not the hashes, is at fault.
        let bodies: Vec<Entry> = log
            .entries
            .iter()
            .map(|b| Entry::parse(b).unwrap())
            .collect();
        let mut rebuilt = Log {
            entries: vec![],
            prev: Sha256Hash::ZERO,
        };
        for e in bodies {
            rebuilt.push(e.body);
        }
        let failure = audit(&rebuilt.entries).unwrap_err();
        assert_eq!(failure.index, 1);
        assert!(failure.problem.contains("second key"), "{failure}");
    }

    #[test]
    fn an_altered_entry_is_caught_by_its_stored_hash() {
        let log = sample_log();
        let mut auditor = Auditor::default();
        let stored = entry_hash(&log.entries[0]);
        let mut altered = log.entries[0].clone();
        let last = altered.len() - 3;
        altered[last] ^= 1;
        let failure = auditor
            .check(Some(stored), &altered, &mut |_| None)
            .unwrap_err();
        assert_eq!(failure.index, 0);
    }
}
