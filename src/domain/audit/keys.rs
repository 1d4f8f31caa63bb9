//! Key history (FORMATS §18, rules 6 and 7): one active key per official, a key enrolled
//! only once, only the active key revoked; and the compact tables behind it, which every
//! other rule reads to find who signed with which key.

use std::collections::HashMap;

use super::checks::Check;
use super::{Auditor, SideDocuments};
use crate::domain::crypto::{KeyFingerprint, Sha256Hash};
use crate::domain::entry::{Entry, EntryBody};
use crate::domain::ids::SubjectId;

/// Officials by subject id, interned to dense integers (per-key and per-ceremony state
/// then holds 4 bytes per official instead of 16), with each one's active key and
/// whether their personal data was erased.
#[derive(Default)]
pub(super) struct Subjects {
    ids: HashMap<SubjectId, u32>,
    state: Vec<SubjectState>,
}

#[derive(Clone, Copy)]
struct SubjectState {
    /// Index into [`Keys`], if the official has an active key.
    active_key: Option<u32>,
    erased: bool,
}

impl Subjects {
    /// The official's number, given on first sight.
    pub(super) fn intern(&mut self, subject: &SubjectId) -> Result<u32, String> {
        if let Some(&id) = self.ids.get(subject) {
            return Ok(id);
        }
        // Every official takes at least one entry, so the memory of the audit runs out
        // long before 2^32 of them; say so rather than wrap around.
        let id = u32::try_from(self.state.len())
            .map_err(|_| "the log names more officials than this audit can count".to_string())?;
        self.ids.insert(*subject, id);
        self.state.push(SubjectState {
            active_key: None,
            erased: false,
        });
        Ok(id)
    }

    /// The official's number, if an entry named them before.
    pub(super) fn find(&self, subject: &SubjectId) -> Option<u32> {
        self.ids.get(subject).copied()
    }

    pub(super) fn is_erased(&self, subject: &SubjectId) -> bool {
        self.find(subject)
            .is_some_and(|id| self.state[id as usize].erased)
    }

    pub(super) fn erase(&mut self, id: u32) {
        self.state[id as usize].erased = true;
    }

    fn active_key(&self, id: u32) -> Option<u32> {
        self.state[id as usize].active_key
    }

    fn set_active_key(&mut self, id: u32, key: Option<u32>) {
        self.state[id as usize].active_key = key;
    }
}

/// Every key ever enrolled, by fingerprint.
#[derive(Default)]
pub(super) struct Keys {
    by_fingerprint: HashMap<KeyFingerprint, u32>,
    rows: Vec<KeyRow>,
}

pub(super) struct KeyRow {
    /// The key's 32 bytes as enrolled. A decompressed point would take 192: the
    /// signature checks decompress it again instead, on whichever core runs them.
    pub(super) key: [u8; 32],
    /// Whose key it is (see [`Subjects`]).
    pub(super) subject: u32,
    pub(super) revoked: bool,
}

impl Keys {
    pub(super) fn get(&self, fingerprint: &KeyFingerprint) -> Option<&KeyRow> {
        self.by_fingerprint
            .get(fingerprint)
            .map(|&i| &self.rows[i as usize])
    }

    /// The fingerprint of key `index`, for messages: SHA-256 of its 32 bytes, which is
    /// how a fingerprint is written.
    fn fingerprint_text(&self, index: u32) -> Sha256Hash {
        Sha256Hash::of(&self.rows[index as usize].key)
    }
}

impl Auditor {
    /// `key.enrolled` (rule 6): the subject has no active key and the key was never
    /// enrolled; the kept enrollment message names the key and the proof verifies over
    /// it. The key becomes the subject's active key.
    pub(super) fn key_enrolled(
        &mut self,
        entry: &Entry,
        side_document: &mut SideDocuments<'_>,
    ) -> Result<(), String> {
        let EntryBody::KeyEnrolled {
            subject,
            key,
            enrollment_sha256,
            proof,
        } = &entry.body
        else {
            return Ok(());
        };
        let id = self.subjects.intern(subject)?;
        if let Some(active) = self.subjects.active_key(id) {
            return Err(format!(
                "subject {subject} enrolls a second key while {} is still active",
                self.keys.fingerprint_text(active)
            ));
        }
        match side_document(enrollment_sha256) {
            None => self.summary.enrollment_messages_erased += 1,
            Some(message) => {
                self.checks.run_or_defer(
                    entry.index,
                    Check::Enrollment {
                        key: *key,
                        message,
                        sha256: *enrollment_sha256,
                        proof: *proof,
                    },
                )?;
                self.summary.enrollment_proofs_verified += 1;
            }
        }
        let fingerprint = key.fingerprint();
        if self.keys.by_fingerprint.contains_key(&fingerprint) {
            return Err(format!("key {fingerprint} was already enrolled"));
        }
        let index = u32::try_from(self.keys.rows.len())
            .map_err(|_| "the log enrolls more keys than this audit can count".to_string())?;
        self.keys.by_fingerprint.insert(fingerprint, index);
        self.keys.rows.push(KeyRow {
            key: key.to_bytes(),
            subject: id,
            revoked: false,
        });
        self.subjects.set_active_key(id, Some(index));
        self.summary.keys_enrolled += 1;
        Ok(())
    }

    /// `key.revoked` (rule 7): `fingerprint` is the subject's active key; it is revoked
    /// from here on.
    pub(super) fn key_revoked(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::KeyRevoked {
            subject,
            fingerprint,
            ..
        } = &entry.body
        else {
            return Ok(());
        };
        let id = self.subjects.find(subject);
        let active = id.and_then(|id| self.subjects.active_key(id));
        let revoked = self.keys.by_fingerprint.get(fingerprint).copied();
        let (Some(id), Some(index)) = (id, active.filter(|&a| Some(a) == revoked)) else {
            return Err(format!(
                "revokes key {fingerprint}, which is not the active key of subject {subject}"
            ));
        };
        self.subjects.set_active_key(id, None);
        self.keys.rows[index as usize].revoked = true;
        self.summary.keys_revoked += 1;
        Ok(())
    }
}
