//! The offline audit of a registry: feed it every entry in order and it checks the hash
//! chain, the canonical encoding, the key history and every signature, and names the
//! first entry that is wrong. It reads nothing itself: the caller streams entries in and
//! lends a lookup for the documents kept beside the log (statements, enrollment
//! messages), so the same code audits a live data directory or an export.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::crypto::{KeyFingerprint, PublicKey, Sha256Hash};
use super::entry::SigningMode;
use super::entry::{Entry, EntryBody, entry_hash};
use super::identifier::OpdCode;
use super::ids::{CampaignId, CeremonyId, PledgeId, SubjectId};
use super::merkle::{RootBuilder, leaf_hash};
use super::recap::{RecapStatement, count_recap_list};
use super::representation::RepresentationStatement;
use super::statement::{Statement, parse_enrollment_message};

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

struct KeyRecord {
    key: PublicKey,
    subject: SubjectId,
    revoked: bool,
}

/// Where a ceremony is in its life, as the log tells it.
enum Phase {
    Open,
    /// Closed; `awaiting` mandiri.assigned entries must follow the ceremony.closed entry.
    Closed {
        awaiting: u64,
    },
}

struct CeremonyRecord {
    pledge_sha256: Sha256Hash,
    phase: Phase,
    /// The campaign the ceremony belongs to (the `campaign` of its `ceremony.opened`).
    campaign: Option<CampaignId>,
}

pub struct Auditor {
    summary: AuditSummary,
    tree: RootBuilder,
    prev: Sha256Hash,
    last_time: Option<DateTime<Utc>>,
    keys: HashMap<KeyFingerprint, KeyRecord>,
    active_key: HashMap<SubjectId, KeyFingerprint>,
    pledges: HashMap<PledgeId, Sha256Hash>,
    ceremonies: HashMap<CeremonyId, CeremonyRecord>,
    /// The ceremony whose mandiri assignments are still being listed, if any.
    assigning: Option<CeremonyId>,
    attended: HashSet<(CeremonyId, SubjectId)>,
    assigned: HashSet<(CeremonyId, SubjectId)>,
    signed: HashSet<(CeremonyId, SubjectId)>,
    erased: HashSet<SubjectId>,
    /// Ceremonies whose `representation.allowed` was seen.
    representation_allowed: HashSet<CeremonyId>,
    /// Representatives who signed a representation, per ceremony.
    representatives: HashSet<(CeremonyId, SubjectId)>,
    /// Officials represented, per ceremony (from the kept statements).
    represented: HashSet<(CeremonyId, SubjectId)>,
    /// Each campaign's pledge text hash.
    campaigns: HashMap<CampaignId, Sha256Hash>,
    /// The entry of each official's one signature in a campaign.
    campaign_signed: HashMap<(CampaignId, SubjectId), u64>,
    /// Units whose recap a head signed, per campaign.
    recaps: HashSet<(CampaignId, OpdCode)>,
}

impl Default for Auditor {
    fn default() -> Self {
        Auditor {
            summary: AuditSummary::default(),
            tree: RootBuilder::default(),
            prev: Sha256Hash::ZERO,
            last_time: None,
            keys: HashMap::new(),
            active_key: HashMap::new(),
            pledges: HashMap::new(),
            ceremonies: HashMap::new(),
            assigning: None,
            attended: HashSet::new(),
            assigned: HashSet::new(),
            signed: HashSet::new(),
            erased: HashSet::new(),
            representation_allowed: HashSet::new(),
            representatives: HashSet::new(),
            represented: HashSet::new(),
            campaigns: HashMap::new(),
            campaign_signed: HashMap::new(),
            recaps: HashSet::new(),
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
        self.tree.push(leaf_hash(bytes));
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
        let continues_assignments = matches!(
            (&entry.body, self.assigning),
            (EntryBody::MandiriAssigned { ceremony, .. }, Some(open)) if *ceremony == open
        );
        if !continues_assignments {
            self.end_assignments()?;
        }
        if let Some(subject) = entry.body.subject()
            && self.erased.contains(&subject)
        {
            return Err(format!(
                "names subject {subject}, whose personal data was erased earlier: nothing may be recorded for an erased person"
            ));
        }
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
                if let Some(message) = side_document(enrollment_sha256).or_else(|| {
                    self.summary.enrollment_messages_erased += 1;
                    None
                }) {
                    if Sha256Hash::of(&message) != *enrollment_sha256 {
                        return Err("the kept enrollment message does not match its hash".into());
                    }
                    let names_key = std::str::from_utf8(&message)
                        .ok()
                        .and_then(|t| parse_enrollment_message(t).ok())
                        .is_some_and(|(_, named, _)| named == *key);
                    if !names_key {
                        return Err(
                            "the kept enrollment message is malformed or names another key".into(),
                        );
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
                let record = self
                    .ceremonies
                    .get(ceremony)
                    .ok_or_else(|| format!("signs ceremony {ceremony}, which was never opened"))?;
                let pledge_sha256 = record.pledge_sha256;
                let campaign = record.campaign;
                match (mode, &record.phase) {
                    (SigningMode::Ceremony, Phase::Open) => {
                        if !self.attended.contains(&(*ceremony, *subject)) {
                            return Err(format!(
                                "subject {subject} signs at ceremony {ceremony} without recorded attendance"
                            ));
                        }
                    }
                    (SigningMode::Mandiri, Phase::Closed { .. }) => {
                        if !self.assigned.contains(&(*ceremony, *subject)) {
                            return Err(format!(
                                "subject {subject} signs mandiri for ceremony {ceremony} without being assigned"
                            ));
                        }
                    }
                    (SigningMode::Ceremony, Phase::Closed { .. }) => {
                        return Err(format!(
                            "a ceremony-mode signature after ceremony {ceremony} closed"
                        ));
                    }
                    (SigningMode::Mandiri, Phase::Open) => {
                        return Err(format!(
                            "a mandiri signature while ceremony {ceremony} is still open"
                        ));
                    }
                }
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
                if let Some(campaign) = campaign
                    && let Some(first) = self
                        .campaign_signed
                        .insert((campaign, *subject), entry.index)
                {
                    return Err(format!(
                        "subject {subject} signs a second time in campaign {campaign} (first signature at entry {first}): an official signs once per campaign"
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
                            || statement.pledge_sha256 != pledge_sha256
                            || statement.time > entry.time
                        {
                            return Err(
                                "the statement names another subject, ceremony, mode or pledge than the entry, or a later time"
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
            EntryBody::PledgePublished {
                pledge,
                text_sha256,
                ..
            } => {
                if self.pledges.insert(*pledge, *text_sha256).is_some() {
                    return Err(format!("pledge {pledge} is published a second time"));
                }
            }
            EntryBody::CeremonyOpened {
                ceremony,
                pledge,
                pledge_sha256,
                campaign,
                ..
            } => {
                if self.pledges.get(pledge) != Some(pledge_sha256) {
                    return Err(format!(
                        "opens with pledge {pledge} and hash {pledge_sha256}, which is not a published pledge text"
                    ));
                }
                if let Some(campaign) = campaign {
                    match self.campaigns.get(campaign) {
                        None => {
                            return Err(format!(
                                "opens ceremony {ceremony} in campaign {campaign}, which was never created"
                            ));
                        }
                        Some(hash) if hash != pledge_sha256 => {
                            return Err(format!(
                                "opens ceremony {ceremony} in campaign {campaign} with another pledge text than the campaign's"
                            ));
                        }
                        Some(_) => {}
                    }
                }
                let fresh = CeremonyRecord {
                    pledge_sha256: *pledge_sha256,
                    phase: Phase::Open,
                    campaign: *campaign,
                };
                if self.ceremonies.insert(*ceremony, fresh).is_some() {
                    return Err(format!("ceremony {ceremony} is opened a second time"));
                }
            }
            EntryBody::AttendanceRecorded {
                ceremony, subject, ..
            } => {
                if !matches!(
                    self.ceremonies.get(ceremony).map(|c| &c.phase),
                    Some(Phase::Open)
                ) {
                    return Err(format!(
                        "attendance at ceremony {ceremony}, which is not open"
                    ));
                }
                if !self.attended.insert((*ceremony, *subject)) {
                    return Err(format!(
                        "subject {subject} checks in at ceremony {ceremony} twice"
                    ));
                }
            }
            EntryBody::CeremonyClosed {
                ceremony,
                routed_to_mandiri,
                ..
            } => {
                let record = self
                    .ceremonies
                    .get_mut(ceremony)
                    .filter(|c| matches!(c.phase, Phase::Open))
                    .ok_or_else(|| format!("closes ceremony {ceremony}, which is not open"))?;
                record.phase = Phase::Closed {
                    awaiting: *routed_to_mandiri,
                };
                self.assigning = Some(*ceremony);
            }
            EntryBody::MandiriAssigned {
                ceremony, subject, ..
            } => {
                if let Some(campaign) = self.ceremonies.get(ceremony).and_then(|c| c.campaign)
                    && let Some(first) = self.campaign_signed.get(&(campaign, *subject))
                {
                    return Err(format!(
                        "assigns mandiri to subject {subject}, who already signed in campaign {campaign} (entry {first})"
                    ));
                }
                let Some(CeremonyRecord {
                    phase: Phase::Closed { awaiting },
                    ..
                }) = self.ceremonies.get_mut(ceremony)
                else {
                    return Err(format!(
                        "assigns mandiri for ceremony {ceremony}, which is not closed"
                    ));
                };
                if self.assigning != Some(*ceremony) || *awaiting == 0 {
                    return Err(format!(
                        "assigns mandiri for ceremony {ceremony} beyond the number its closing announced"
                    ));
                }
                *awaiting -= 1;
                if self.signed.contains(&(*ceremony, *subject))
                    || !self.assigned.insert((*ceremony, *subject))
                {
                    return Err(format!(
                        "assigns mandiri to subject {subject}, who already signed or was already assigned"
                    ));
                }
            }
            EntryBody::RepresentationAllowed { ceremony } => {
                if !matches!(
                    self.ceremonies.get(ceremony).map(|c| &c.phase),
                    Some(Phase::Open)
                ) {
                    return Err(format!(
                        "allows representation in ceremony {ceremony}, which is not open"
                    ));
                }
                if !self.representation_allowed.insert(*ceremony) {
                    return Err(format!(
                        "allows representation in ceremony {ceremony} a second time"
                    ));
                }
            }
            EntryBody::RepresentationSigned { .. } => {
                self.check_representation(entry, side_document)?;
            }
            EntryBody::CampaignCreated {
                campaign,
                pledge,
                pledge_sha256,
                ..
            } => {
                if self.pledges.get(pledge) != Some(pledge_sha256) {
                    return Err(format!(
                        "creates campaign {campaign} with pledge {pledge} and hash {pledge_sha256}, which is not a published pledge text"
                    ));
                }
                if self.campaigns.insert(*campaign, *pledge_sha256).is_some() {
                    return Err(format!("campaign {campaign} is created a second time"));
                }
                self.summary.campaigns += 1;
            }
            EntryBody::RecapSigned {
                campaign,
                opd,
                subject,
                statement_sha256,
                fingerprint,
                signature,
            } => {
                if !self.campaigns.contains_key(campaign) {
                    return Err(format!(
                        "a recap for campaign {campaign}, which was never created"
                    ));
                }
                let record = self.keys.get(fingerprint).ok_or_else(|| {
                    format!("recap signed by key {fingerprint}, which was never enrolled")
                })?;
                if record.revoked || record.subject != *subject {
                    return Err(format!(
                        "recap signed by key {fingerprint}, which is not the active key of subject {subject}"
                    ));
                }
                if !self.recaps.insert((*campaign, opd.clone())) {
                    return Err(format!(
                        "a second recap of OPD {opd} for campaign {campaign}"
                    ));
                }
                let key = record.key;
                match side_document(statement_sha256) {
                    None => self.summary.recaps_erased += 1,
                    Some(bytes) => {
                        if Sha256Hash::of(&bytes) != *statement_sha256 {
                            return Err("the kept recap does not match its hash".into());
                        }
                        let text = std::str::from_utf8(&bytes)
                            .map_err(|_| "the kept recap is not UTF-8".to_string())?;
                        let recap = RecapStatement::parse(text).map_err(|e| e.to_string())?;
                        if recap.campaign != *campaign
                            || recap.opd != *opd
                            || recap.head_subject != *subject
                            || recap.time > entry.time
                        {
                            return Err(
                                "the recap names another campaign, OPD or head than the entry, or a later time"
                                    .into(),
                            );
                        }
                        if !key.verify_strict(&bytes, signature) {
                            return Err(
                                "the head's signature does not verify over the recap".into()
                            );
                        }
                        if let Some(list) = side_document(&recap.list_sha256) {
                            if Sha256Hash::of(&list) != recap.list_sha256 {
                                return Err("the kept recap list does not match its hash".into());
                            }
                            let counted = std::str::from_utf8(&list)
                                .map_err(|_| "the kept recap list is not UTF-8".to_string())
                                .and_then(count_recap_list)?;
                            if counted != recap.counts {
                                return Err(
                                    "the kept recap list does not give the counts its recap states"
                                        .into(),
                                );
                            }
                        }
                        self.summary.recaps_verified += 1;
                    }
                }
            }
            EntryBody::PersonErased {
                subject,
                documents_erased,
            } => {
                // A second erasure of the same subject is refused above, as any entry
                // naming an erased subject is.
                self.erased.insert(*subject);
                self.summary.persons_erased += 1;
                self.summary.documents_erased += documents_erased;
            }
        }
        Ok(())
    }

    /// `representation.signed` (FORMATS §18, rule 15): the ceremony allows
    /// representation and is open; the key is enrolled for the representative and not
    /// revoked; the representative signed their own pledge in this ceremony before; one
    /// representation per representative and ceremony; and, if the statement is kept,
    /// it is the canonical document the entry names, its signature verifies strictly,
    /// its list gives the entry's count and digest, and nobody on it is represented
    /// twice in the ceremony, is the representative, or was erased.
    fn check_representation(
        &mut self,
        entry: &Entry,
        side_document: &mut dyn FnMut(&Sha256Hash) -> Option<Vec<u8>>,
    ) -> Result<(), String> {
        let EntryBody::RepresentationSigned {
            ceremony,
            subject,
            represented,
            represented_sha256,
            statement_sha256,
            fingerprint,
            signature,
        } = &entry.body
        else {
            return Ok(());
        };
        let record = self
            .ceremonies
            .get(ceremony)
            .filter(|c| matches!(c.phase, Phase::Open))
            .ok_or_else(|| format!("a representation in ceremony {ceremony}, which is not open"))?;
        let pledge_sha256 = record.pledge_sha256;
        if !self.representation_allowed.contains(ceremony) {
            return Err(format!(
                "a representation in ceremony {ceremony}, which does not allow representation"
            ));
        }
        let key = self.keys.get(fingerprint).ok_or_else(|| {
            format!("representation signed by key {fingerprint}, which was never enrolled")
        })?;
        if key.revoked || key.subject != *subject {
            return Err(format!(
                "representation signed by key {fingerprint}, which is not the active key of subject {subject}"
            ));
        }
        let key = key.key;
        if !self.signed.contains(&(*ceremony, *subject)) {
            return Err(format!(
                "representative {subject} signs for others in ceremony {ceremony} before signing their own pledge there"
            ));
        }
        if !self.representatives.insert((*ceremony, *subject)) {
            return Err(format!(
                "representative {subject} signs a second representation in ceremony {ceremony}"
            ));
        }
        let Some(bytes) = side_document(statement_sha256) else {
            self.summary.representations_erased += 1;
            return Ok(());
        };
        if Sha256Hash::of(&bytes) != *statement_sha256 {
            return Err("the kept representation statement does not match its hash".into());
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| "the kept representation statement is not UTF-8".to_string())?;
        let statement = RepresentationStatement::parse(text).map_err(|e| e.to_string())?;
        if statement.subject != *subject
            || statement.ceremony != *ceremony
            || statement.pledge_sha256 != pledge_sha256
            || statement.time > entry.time
        {
            return Err(
                "the representation statement names another representative, ceremony or pledge than the entry, or a later time"
                    .into(),
            );
        }
        if statement.represented.len() as u64 != *represented
            || statement.represented_sha256() != *represented_sha256
        {
            return Err(
                "the representation statement lists other officials than the entry's count and represented-sha256"
                    .into(),
            );
        }
        if !key.verify_strict(&bytes, signature) {
            return Err("the representation signature does not verify over its statement".into());
        }
        for r in &statement.represented {
            if self.erased.contains(&r.subject) {
                return Err(format!(
                    "represents subject {}, whose personal data was erased earlier",
                    r.subject
                ));
            }
            if !self.represented.insert((*ceremony, r.subject)) {
                return Err(format!(
                    "subject {} is represented twice in ceremony {ceremony}",
                    r.subject
                ));
            }
        }
        self.summary.representations_verified += 1;
        Ok(())
    }

    /// A closing announces how many mandiri assignments follow it; they must all be there.
    fn end_assignments(&mut self) -> Result<(), String> {
        if let Some(ceremony) = self.assigning.take()
            && let Some(CeremonyRecord {
                phase: Phase::Closed { awaiting },
                ..
            }) = self.ceremonies.get(&ceremony)
            && *awaiting > 0
        {
            return Err(format!(
                "ceremony {ceremony}'s closing announced {awaiting} more mandiri assignments than follow it"
            ));
        }
        Ok(())
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
        auditor.finish()
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

    /// A ceremony season in entries, with `edit` applied to the list of bodies first.
    /// The season of [`season`] inside a campaign, then a second ceremony of the same
    /// campaign in which subject a (who signed in the first) signs again.
    fn campaign_season(second_campaign: Option<u64>) -> Result<AuditSummary, AuditFailure> {
        use crate::domain::entry::AttendanceMethod;
        season(|b| {
            let campaign = CampaignId::new(1).unwrap();
            let EntryBody::PledgeSigned {
                subject,
                fingerprint,
                signature,
                ..
            } = b[4].clone()
            else {
                panic!("entry 4 signs")
            };
            if let EntryBody::CeremonyOpened { campaign: c, .. } = &mut b[2] {
                *c = Some(campaign);
            }
            b.insert(
                2,
                EntryBody::CampaignCreated {
                    campaign,
                    title: "Pilkada Serentak 2024".into(),
                    pledge: PledgeId::new(1).unwrap(),
                    pledge_sha256: Sha256Hash::of(b"pledge text"),
                },
            );
            let second = CeremonyId::new(2).unwrap();
            b.push(EntryBody::CeremonyOpened {
                ceremony: second,
                pledge: PledgeId::new(1).unwrap(),
                pledge_sha256: Sha256Hash::of(b"pledge text"),
                invited: 1,
                invitees_sha256: Sha256Hash::of(b"i2"),
                campaign: second_campaign.and_then(CampaignId::new),
            });
            b.push(EntryBody::AttendanceRecorded {
                ceremony: second,
                subject,
                method: AttendanceMethod::Desk,
            });
            b.push(EntryBody::PledgeSigned {
                ceremony: second,
                subject,
                mode: SigningMode::Ceremony,
                statement_sha256: Sha256Hash::of(b"s2"),
                fingerprint,
                signature,
            });
        })
    }

    #[test]
    fn a_second_signature_in_one_campaign_is_refused_and_named_by_its_index() {
        let failure = campaign_season(Some(1)).unwrap_err();
        assert_eq!(failure.index, 10, "{failure}");
        assert!(
            failure.problem.contains("second time in campaign 1")
                && failure.problem.contains("first signature at entry 5"),
            "{failure}"
        );
        let outside = campaign_season(None).expect("a ceremony outside the campaign");
        assert_eq!(outside.campaigns, 1);
    }

    #[test]
    fn a_campaign_ceremony_needs_a_created_campaign() {
        let failure = campaign_season(Some(7)).unwrap_err();
        assert_eq!(failure.index, 8, "{failure}");
        assert!(failure.problem.contains("never created"), "{failure}");
    }

    fn season(edit: impl FnOnce(&mut Vec<EntryBody>)) -> Result<AuditSummary, AuditFailure> {
        use crate::domain::entry::AttendanceMethod;
        let signer = SigningKey::from_bytes(&[3; 32]);
        let key = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
        let (a, b) = (
            SubjectId::from_random([1; 16]),
            SubjectId::from_random([2; 16]),
        );
        let ceremony = CeremonyId::new(1).unwrap();
        let pledge = PledgeId::new(1).unwrap();
        let text = Sha256Hash::of(b"pledge text");
        let due = parse_time("2024-10-14T16:59:59Z").unwrap();
        let sig = Signature::from_bytes(&signer.sign(b"statement").to_bytes());
        let mut bodies = vec![
            EntryBody::KeyEnrolled {
                subject: a,
                key,
                enrollment_sha256: Sha256Hash::of(b"e"),
                proof: sig,
            },
            EntryBody::PledgePublished {
                pledge,
                title: "Pakta".into(),
                text_sha256: text,
            },
            EntryBody::CeremonyOpened {
                ceremony,
                pledge,
                pledge_sha256: text,
                invited: 2,
                invitees_sha256: Sha256Hash::of(b"i"),
                campaign: None,
            },
            EntryBody::AttendanceRecorded {
                ceremony,
                subject: a,
                method: AttendanceMethod::Desk,
            },
            EntryBody::PledgeSigned {
                ceremony,
                subject: a,
                mode: SigningMode::Ceremony,
                statement_sha256: Sha256Hash::of(b"s"),
                fingerprint: key.fingerprint(),
                signature: sig,
            },
            EntryBody::CeremonyClosed {
                ceremony,
                routed_to_mandiri: 1,
                mandiri_due: due,
            },
            EntryBody::MandiriAssigned {
                ceremony,
                subject: b,
                due,
            },
        ];
        edit(&mut bodies);
        let mut log = Log {
            entries: vec![],
            prev: Sha256Hash::ZERO,
        };
        for body in bodies {
            log.push(body);
        }
        audit(&log.entries)
    }

    #[test]
    fn a_whole_season_passes() {
        let summary = season(|_| {}).unwrap();
        assert_eq!(summary.entries, 7);
        assert_eq!(summary.statements_erased, 1);
    }

    #[test]
    fn an_erasure_is_counted_and_nothing_may_name_the_erased_person_after_it() {
        let erase_a = EntryBody::PersonErased {
            subject: SubjectId::from_random([1; 16]),
            documents_erased: 2,
        };
        let erased = season(|b| b.push(erase_a.clone())).unwrap();
        assert_eq!(erased.persons_erased, 1);
        assert_eq!(erased.documents_erased, 2);
        assert_eq!(erased.enrollment_messages_erased, 1);
        assert_eq!(erased.statements_erased, 1);

        let twice = season(|b| {
            b.push(erase_a.clone());
            b.push(erase_a.clone());
        })
        .unwrap_err();
        assert_eq!(twice.index, 8);
        assert!(twice.problem.contains("erased earlier"), "{twice}");

        let signs_after = season(|b| b.insert(4, erase_a.clone())).unwrap_err();
        assert_eq!(signs_after.index, 5);
        assert!(
            signs_after.problem.contains("erased earlier"),
            "{signs_after}"
        );
    }

    #[test]
    fn a_ceremony_signature_needs_recorded_attendance() {
        let failure = season(|b| {
            b.remove(3);
        })
        .unwrap_err();
        assert_eq!(failure.index, 3);
        assert!(
            failure.problem.contains("without recorded attendance"),
            "{failure}"
        );
    }

    #[test]
    fn a_ceremony_must_open_with_a_published_pledge_text() {
        let failure = season(|b| {
            if let EntryBody::CeremonyOpened { pledge_sha256, .. } = &mut b[2] {
                *pledge_sha256 = Sha256Hash::of(b"another text");
            }
        })
        .unwrap_err();
        assert_eq!(failure.index, 2);
    }

    #[test]
    fn a_closing_must_be_followed_by_every_assignment_it_announces() {
        let missing = season(|b| {
            b.pop();
        })
        .unwrap_err();
        assert_eq!(missing.index, 6);
        assert!(
            missing.problem.contains("more mandiri assignments"),
            "{missing}"
        );
        let extra = season(|b| {
            let again = b[6].clone();
            b.push(again);
        })
        .unwrap_err();
        assert_eq!(extra.index, 7);
    }

    #[test]
    fn signing_in_the_wrong_mode_for_the_phase_is_refused() {
        let failure = season(|b| {
            let signed = b.remove(4);
            b.push(signed);
        })
        .unwrap_err();
        assert_eq!(failure.index, 6);
        assert!(
            failure.problem.contains("after ceremony 1 closed"),
            "{failure}"
        );
    }
}
