//! The offline audit of a registry: feed it every entry in order and it checks the hash
//! chain, the canonical encoding, the key history and every signature, and names the
//! first entry that is wrong. It reads nothing itself: the caller streams entries in and
//! lends a lookup for the documents kept beside the log (statements, enrollment
//! messages), so the same code audits a live data directory or an export.
//!
//! The rules, by family: [`keys`] (key history), [`ceremonies`] (pledges, ceremonies,
//! attendance, signatures, ikrar mandiri, representation), [`campaigns`] (campaigns and
//! the heads' recaps). The checks of a kept document and of the signature over it
//! ([`checks`]) depend on nothing the audit remembers, so an auditor made with
//! [`Auditor::deferring`] hands them to the caller to run on other cores instead of
//! running them in line; the verdict is the same (see [`DeferredCheck`]).
//!
//! The state is compact, because a full audit of millions of entries must run in
//! bounded memory: officials are interned to integers, keys kept as their 32 compressed
//! bytes, and what is remembered per ceremony and official shrinks to the mandiri
//! assignments once a ceremony's closing is complete.

mod campaigns;
mod ceremonies;
mod checks;
mod keys;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use checks::Check;
pub use checks::DeferredCheck;

use super::crypto::Sha256Hash;
use super::entry::{Entry, EntryBody, entry_hash};
use super::identifier::OpdCode;
use super::ids::{CampaignId, CeremonyId, PledgeId};
use super::merkle::{RootBuilder, leaf_hash};
use ceremonies::CeremonyRecord;
use keys::{Keys, Subjects};

/// The first problem found, at the position (0-based) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {index}: {problem}")]
pub struct AuditFailure {
    pub index: u64,
    pub problem: String,
}

/// The audit's verdict when the document and signature checks ran apart from the rules
/// ([`Auditor::deferring`]): the failure of the lowest entry, and at one entry the
/// check's, since a check of an entry runs before any rule of that entry that could
/// still fail (the rules that follow it in line are the ones left to fail).
pub fn first_failure(
    rule: Option<AuditFailure>,
    check: Option<AuditFailure>,
) -> Option<AuditFailure> {
    match (rule, check) {
        (Some(rule), Some(check)) if rule.index < check.index => Some(rule),
        (_, Some(check)) => Some(check),
        (rule, None) => rule,
    }
}

/// What a clean audit saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSummary {
    pub entries: u64,
    pub head: Option<Sha256Hash>,
    /// The RFC 6962 root of all entries, recomputed from their bytes (set by `finish`).
    pub root: Option<Sha256Hash>,
    pub keys_enrolled: u64,
    pub keys_revoked: u64,
    pub signatures_verified: u64,
    /// Signatures whose statement was erased under the PDP law: the chain still proves
    /// the entry, but the signature cannot be re-checked without the statement.
    pub statements_erased: u64,
    pub enrollment_proofs_verified: u64,
    /// Enrollment messages not kept beside the log (erased, or not at hand, as in a
    /// mirror): the key's enrollment stands, its proof of possession is not re-checked.
    pub enrollment_messages_erased: u64,
    /// `person.erased` entries: officials whose personal data was erased under the PDP law.
    pub persons_erased: u64,
    /// The documents those entries say were erased.
    pub documents_erased: u64,
    /// Representation signatures (`representation.signed`) verified over their kept
    /// statement.
    pub representations_verified: u64,
    /// Representation statements erased (a person they name was erased): the entry
    /// stands, its signature and list are not re-checked.
    pub representations_erased: u64,
    /// `campaign.created` entries.
    pub campaigns: u64,
    /// Heads' recap signatures (`recap.signed`) verified over their kept recap.
    pub recaps_verified: u64,
    /// Recaps whose statement was erased: the entry stands, its signature is not
    /// re-checked.
    pub recaps_erased: u64,
}

/// The document and signature checks: run in line, or handed to the caller.
#[derive(Default)]
struct Checks {
    defer: bool,
    handed: Vec<DeferredCheck>,
}

impl Checks {
    /// Runs `check` of entry `index` now, or hands it over.
    fn run_or_defer(&mut self, index: u64, check: Check) -> Result<(), String> {
        if self.defer {
            self.handed.push(DeferredCheck { index, check });
            Ok(())
        } else {
            check.run()
        }
    }
}

/// A lookup of the documents kept beside the log, by SHA-256: None when it was erased
/// (or, for a mirror, never fetched).
pub type SideDocuments<'a> = dyn FnMut(&Sha256Hash) -> Option<Vec<u8>> + 'a;

pub struct Auditor {
    summary: AuditSummary,
    tree: RootBuilder,
    /// The subtrees the last entry completed, as (level, index, hash), leaf first.
    completed: Vec<(u32, u64, Sha256Hash)>,
    prev: Sha256Hash,
    last_time: Option<DateTime<Utc>>,
    checks: Checks,
    subjects: Subjects,
    keys: Keys,
    pledges: HashMap<PledgeId, Sha256Hash>,
    ceremonies: HashMap<CeremonyId, CeremonyRecord>,
    /// The ceremony whose mandiri assignments are still being listed, if any.
    assigning: Option<CeremonyId>,
    /// Each campaign's pledge text hash.
    campaigns: HashMap<CampaignId, Sha256Hash>,
    /// The entry of each official's one signature in a campaign.
    campaign_signed: HashMap<(CampaignId, u32), u64>,
    /// Units whose recap a head signed, per campaign (one per OPD, not per official).
    recaps: HashSet<(CampaignId, OpdCode)>,
}

impl Default for Auditor {
    /// An auditor that runs every document and signature check itself, in line.
    fn default() -> Self {
        Auditor {
            summary: AuditSummary::default(),
            tree: RootBuilder::default(),
            completed: Vec::new(),
            prev: Sha256Hash::ZERO,
            last_time: None,
            checks: Checks::default(),
            subjects: Subjects::default(),
            keys: Keys::default(),
            pledges: HashMap::new(),
            ceremonies: HashMap::new(),
            assigning: None,
            campaigns: HashMap::new(),
            campaign_signed: HashMap::new(),
            recaps: HashSet::new(),
        }
    }
}

impl Auditor {
    /// An auditor that hands each document and signature check to the caller
    /// ([`Auditor::take_deferred`]) instead of running it. The caller must run every
    /// check it is handed, including after a failure of [`Auditor::check`] (a check of
    /// the failing entry came before the rule that failed), and report the failure of
    /// the lowest entry, a check's failure before a rule's at the same entry.
    pub fn deferring() -> Auditor {
        Auditor {
            checks: Checks {
                defer: true,
                handed: Vec::new(),
            },
            ..Auditor::default()
        }
    }

    /// Checks the next entry. `stored_hash` is the hash the database keeps beside the
    /// bytes, if any; `side_document` returns a statement or enrollment message by its
    /// SHA-256, or None if it was erased.
    pub fn check(
        &mut self,
        stored_hash: Option<Sha256Hash>,
        bytes: &[u8],
        side_document: &mut SideDocuments<'_>,
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
        // The leaf is hashed here once; the caller compares the subtrees it completes
        // with a stored tree through `completed_subtrees`.
        self.completed = self.tree.push(leaf_hash(bytes));
        self.last_time = Some(entry.time);
        self.summary.entries += 1;
        self.summary.head = Some(hash);
        Ok(())
    }

    /// The complete subtrees the last entry that passed [`Auditor::check`] completed, as
    /// (level, index, hash), the leaf itself first: what a stored tree must hold.
    pub fn completed_subtrees(&self) -> &[(u32, u64, Sha256Hash)] {
        &self.completed
    }

    /// The document and signature checks handed over since the last call (only from an
    /// auditor made with [`Auditor::deferring`]), in entry order.
    pub fn take_deferred(&mut self) -> std::vec::Drain<'_, DeferredCheck> {
        self.checks.handed.drain(..)
    }

    fn check_body(
        &mut self,
        entry: &Entry,
        side_document: &mut SideDocuments<'_>,
    ) -> Result<(), String> {
        let continues_assignments = matches!(
            (&entry.body, self.assigning),
            (EntryBody::MandiriAssigned { ceremony, .. }, Some(open)) if *ceremony == open
        );
        if !continues_assignments {
            self.end_assignments()?;
        }
        if let Some(subject) = entry.body.subject()
            && self.subjects.is_erased(&subject)
        {
            return Err(format!(
                "names subject {subject}, whose personal data was erased earlier: nothing may be recorded for an erased person"
            ));
        }
        match &entry.body {
            EntryBody::KeyEnrolled { .. } => self.key_enrolled(entry, side_document),
            EntryBody::KeyRevoked { .. } => self.key_revoked(entry),
            EntryBody::PledgeSigned { .. } => self.pledge_signed(entry, side_document),
            EntryBody::PledgePublished {
                pledge,
                text_sha256,
                ..
            } => {
                if self.pledges.insert(*pledge, *text_sha256).is_some() {
                    return Err(format!("pledge {pledge} is published a second time"));
                }
                Ok(())
            }
            EntryBody::CeremonyOpened { .. } => self.ceremony_opened(entry),
            EntryBody::AttendanceRecorded { .. } => self.attendance_recorded(entry),
            EntryBody::CeremonyClosed { .. } => self.ceremony_closed(entry),
            EntryBody::MandiriAssigned { .. } => self.mandiri_assigned(entry),
            EntryBody::RepresentationAllowed { .. } => self.representation_allowed(entry),
            EntryBody::RepresentationSigned { .. } => {
                self.representation_signed(entry, side_document)
            }
            EntryBody::CampaignCreated { .. } => self.campaign_created(entry),
            EntryBody::RecapSigned { .. } => self.recap_signed(entry, side_document),
            EntryBody::PersonErased {
                subject,
                documents_erased,
            } => {
                // A second erasure of the same subject is refused above, as any entry
                // naming an erased subject is.
                let subject = self.subjects.intern(subject)?;
                self.subjects.erase(subject);
                self.summary.persons_erased += 1;
                self.summary.documents_erased += documents_erased;
                Ok(())
            }
        }
    }

    /// The summary of a clean audit, or the problem found at the end of the log.
    pub fn finish(mut self) -> Result<AuditSummary, AuditFailure> {
        self.end_assignments().map_err(|problem| AuditFailure {
            index: self.summary.entries,
            problem,
        })?;
        self.summary.root = Some(self.tree.root());
        Ok(self.summary)
    }
}
