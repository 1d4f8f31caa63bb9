//! Ceremonies (FORMATS §18, rules 9 to 12 and 15): a ceremony opens with a published
//! pledge text; check-ins and ceremony-mode signatures fall while it is open; its
//! closing is followed by exactly the mandiri assignments it announces; mandiri
//! signatures come from the assigned; representations need the ceremony's leave and the
//! representative's own signature.
//!
//! What the audit remembers per ceremony and official is one byte of flags. Once a
//! closing's assignments are complete, no rule can ask about a check-in or a
//! ceremony-mode signature of that ceremony again (the rules that would are refused
//! because it is closed), so only the assigned officials are kept, for their mandiri
//! signature: a closed ceremony costs its absentees, not its hall.

use std::collections::{HashMap, HashSet};

use super::checks::{Check, ExpectedStatement};
use super::{Auditor, SideDocuments};
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::{Entry, EntryBody, SigningMode};
use crate::domain::ids::CampaignId;
use crate::domain::representation::RepresentationStatement;

const ATTENDED: u8 = 1;
const SIGNED: u8 = 2;
const ASSIGNED: u8 = 4;

/// Where a ceremony is in its life, as the log tells it.
pub(super) enum Phase {
    Open,
    /// Closed; `awaiting` mandiri.assigned entries must follow the ceremony.closed entry.
    Closed {
        awaiting: u64,
    },
}

pub(super) struct CeremonyRecord {
    pub(super) pledge_sha256: Sha256Hash,
    pub(super) phase: Phase,
    /// The campaign the ceremony belongs to (the `campaign` of its `ceremony.opened`).
    pub(super) campaign: Option<CampaignId>,
    /// Per official the log named in this ceremony (see [`super::keys::Subjects`]):
    /// checked in, signed, assigned to mandiri. After the closing's assignments, only
    /// the assigned.
    people: HashMap<u32, u8>,
    /// Whether `representation.allowed` was seen.
    representation_allowed: bool,
    /// Representatives who signed a representation.
    representatives: HashSet<u32>,
    /// Officials represented (from the kept statements).
    represented: HashSet<u32>,
}

impl CeremonyRecord {
    fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open)
    }

    fn flags(&self, official: u32) -> u8 {
        self.people.get(&official).copied().unwrap_or(0)
    }

    /// Sets `flag` for the official; false if it was set already.
    fn mark(&mut self, official: u32, flag: u8) -> bool {
        let flags = self.people.entry(official).or_insert(0);
        let fresh = *flags & flag == 0;
        *flags |= flag;
        fresh
    }

    /// How many officials the audit remembers for this ceremony.
    #[cfg(test)]
    pub(super) fn people_remembered(&self) -> usize {
        self.people.len()
    }

    /// The closing's assignments are complete: forget what only an open ceremony needs.
    fn settle(&mut self) {
        self.people.retain(|_, flags| *flags & ASSIGNED != 0);
        self.people.shrink_to_fit();
        self.representatives = HashSet::new();
        self.represented = HashSet::new();
    }
}

impl Auditor {
    /// `ceremony.opened` (rules 9 and 12a): the pledge text is published with this
    /// hash, the campaign (if any) was created with it, and the ceremony is new.
    pub(super) fn ceremony_opened(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::CeremonyOpened {
            ceremony,
            pledge,
            pledge_sha256,
            campaign,
            ..
        } = &entry.body
        else {
            return Ok(());
        };
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
            people: HashMap::new(),
            representation_allowed: false,
            representatives: HashSet::new(),
            represented: HashSet::new(),
        };
        if self.ceremonies.insert(*ceremony, fresh).is_some() {
            return Err(format!("ceremony {ceremony} is opened a second time"));
        }
        Ok(())
    }

    /// `attendance.recorded` (rule 10): the ceremony is open; nobody checks in twice.
    pub(super) fn attendance_recorded(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::AttendanceRecorded {
            ceremony, subject, ..
        } = &entry.body
        else {
            return Ok(());
        };
        let record = self
            .ceremonies
            .get_mut(ceremony)
            .filter(|c| c.is_open())
            .ok_or_else(|| format!("attendance at ceremony {ceremony}, which is not open"))?;
        let official = self.subjects.intern(subject)?;
        if !record.mark(official, ATTENDED) {
            return Err(format!(
                "subject {subject} checks in at ceremony {ceremony} twice"
            ));
        }
        Ok(())
    }

    /// `pledge.signed` (rules 12 and 12a).
    pub(super) fn pledge_signed(
        &mut self,
        entry: &Entry,
        side_document: &mut SideDocuments<'_>,
    ) -> Result<(), String> {
        let EntryBody::PledgeSigned {
            ceremony,
            subject,
            mode,
            statement_sha256,
            fingerprint,
            signature,
        } = &entry.body
        else {
            return Ok(());
        };
        let official = self.subjects.intern(subject)?;
        let record = self
            .ceremonies
            .get_mut(ceremony)
            .ok_or_else(|| format!("signs ceremony {ceremony}, which was never opened"))?;
        let pledge_sha256 = record.pledge_sha256;
        let campaign = record.campaign;
        let flags = record.flags(official);
        match (mode, &record.phase) {
            (SigningMode::Ceremony, Phase::Open) => {
                if flags & ATTENDED == 0 {
                    return Err(format!(
                        "subject {subject} signs at ceremony {ceremony} without recorded attendance"
                    ));
                }
            }
            (SigningMode::Mandiri, Phase::Closed { .. }) => {
                if flags & ASSIGNED == 0 {
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
        let key = self
            .keys
            .get(fingerprint)
            .ok_or_else(|| format!("signed by key {fingerprint}, which was never enrolled"))?;
        if key.revoked {
            return Err(format!(
                "signed by key {fingerprint}, which was revoked earlier"
            ));
        }
        if key.subject != official {
            return Err(format!(
                "signed by key {fingerprint}, which belongs to another subject"
            ));
        }
        let key = key.key;
        if !record.mark(official, SIGNED) {
            return Err(format!(
                "subject {subject} signs ceremony {ceremony} a second time"
            ));
        }
        if let Some(campaign) = campaign
            && let Some(first) = self
                .campaign_signed
                .insert((campaign, official), entry.index)
        {
            return Err(format!(
                "subject {subject} signs a second time in campaign {campaign} (first signature at entry {first}): an official signs once per campaign"
            ));
        }
        match side_document(statement_sha256) {
            None => self.summary.statements_erased += 1,
            Some(statement) => {
                self.checks.run_or_defer(
                    entry.index,
                    Check::Statement {
                        key,
                        statement,
                        expected: ExpectedStatement {
                            sha256: *statement_sha256,
                            subject: *subject,
                            ceremony: *ceremony,
                            mode: *mode,
                            pledge_sha256,
                            not_after: entry.time,
                        },
                        signature: *signature,
                    },
                )?;
                self.summary.signatures_verified += 1;
            }
        }
        Ok(())
    }

    /// `ceremony.closed` (rule 11): the ceremony is open; its assignments follow.
    pub(super) fn ceremony_closed(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::CeremonyClosed {
            ceremony,
            routed_to_mandiri,
            ..
        } = &entry.body
        else {
            return Ok(());
        };
        let record = self
            .ceremonies
            .get_mut(ceremony)
            .filter(|c| c.is_open())
            .ok_or_else(|| format!("closes ceremony {ceremony}, which is not open"))?;
        record.phase = Phase::Closed {
            awaiting: *routed_to_mandiri,
        };
        self.assigning = Some(*ceremony);
        Ok(())
    }

    /// `mandiri.assigned` (rules 11 and 12a): right after its closing, as many as it
    /// announced, each for a different official who has not signed (in the ceremony,
    /// nor in its campaign).
    pub(super) fn mandiri_assigned(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::MandiriAssigned {
            ceremony, subject, ..
        } = &entry.body
        else {
            return Ok(());
        };
        let official = self.subjects.intern(subject)?;
        if let Some(campaign) = self.ceremonies.get(ceremony).and_then(|c| c.campaign)
            && let Some(first) = self.campaign_signed.get(&(campaign, official))
        {
            return Err(format!(
                "assigns mandiri to subject {subject}, who already signed in campaign {campaign} (entry {first})"
            ));
        }
        let not_closed = || format!("assigns mandiri for ceremony {ceremony}, which is not closed");
        let record = self.ceremonies.get_mut(ceremony).ok_or_else(not_closed)?;
        let Phase::Closed { awaiting } = &mut record.phase else {
            return Err(not_closed());
        };
        if self.assigning != Some(*ceremony) || *awaiting == 0 {
            return Err(format!(
                "assigns mandiri for ceremony {ceremony} beyond the number its closing announced"
            ));
        }
        *awaiting -= 1;
        if record.flags(official) & (SIGNED | ASSIGNED) != 0 {
            return Err(format!(
                "assigns mandiri to subject {subject}, who already signed or was already assigned"
            ));
        }
        record.mark(official, ASSIGNED);
        Ok(())
    }

    /// A closing announces how many mandiri assignments follow it; they must all be
    /// there. Then the ceremony keeps only its assigned officials.
    pub(super) fn end_assignments(&mut self) -> Result<(), String> {
        let Some(ceremony) = self.assigning.take() else {
            return Ok(());
        };
        let Some(record) = self.ceremonies.get_mut(&ceremony) else {
            return Ok(());
        };
        if let Phase::Closed { awaiting } = record.phase
            && awaiting > 0
        {
            return Err(format!(
                "ceremony {ceremony}'s closing announced {awaiting} more mandiri assignments than follow it"
            ));
        }
        record.settle();
        Ok(())
    }

    /// `representation.allowed` (rule 15): the ceremony is open, allowed once.
    pub(super) fn representation_allowed(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::RepresentationAllowed { ceremony } = &entry.body else {
            return Ok(());
        };
        let record = self
            .ceremonies
            .get_mut(ceremony)
            .filter(|c| c.is_open())
            .ok_or_else(|| {
                format!("allows representation in ceremony {ceremony}, which is not open")
            })?;
        if record.representation_allowed {
            return Err(format!(
                "allows representation in ceremony {ceremony} a second time"
            ));
        }
        record.representation_allowed = true;
        Ok(())
    }

    /// `representation.signed` (rule 15): the ceremony allows representation and is
    /// open; the key is enrolled for the representative and not revoked; the
    /// representative signed their own pledge in this ceremony before; one
    /// representation per representative and ceremony; and, if the statement is kept,
    /// it is the canonical document the entry names, its signature verifies strictly,
    /// its list gives the entry's count and digest, and nobody on it is represented
    /// twice in the ceremony, is the representative, or was erased.
    pub(super) fn representation_signed(
        &mut self,
        entry: &Entry,
        side_document: &mut SideDocuments<'_>,
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
            .get_mut(ceremony)
            .filter(|c| c.is_open())
            .ok_or_else(|| format!("a representation in ceremony {ceremony}, which is not open"))?;
        let pledge_sha256 = record.pledge_sha256;
        if !record.representation_allowed {
            return Err(format!(
                "a representation in ceremony {ceremony}, which does not allow representation"
            ));
        }
        let key = self.keys.get(fingerprint).ok_or_else(|| {
            format!("representation signed by key {fingerprint}, which was never enrolled")
        })?;
        let representative = self.subjects.find(subject);
        let Some(representative) = representative.filter(|&r| !key.revoked && key.subject == r)
        else {
            return Err(format!(
                "representation signed by key {fingerprint}, which is not the active key of subject {subject}"
            ));
        };
        let key = key.key;
        if record.flags(representative) & SIGNED == 0 {
            return Err(format!(
                "representative {subject} signs for others in ceremony {ceremony} before signing their own pledge there"
            ));
        }
        if !record.representatives.insert(representative) {
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
        self.checks.run_or_defer(
            entry.index,
            Check::Signature {
                key,
                message: bytes,
                signature: *signature,
                problem: "the representation signature does not verify over its statement",
            },
        )?;
        for r in &statement.represented {
            if self.subjects.is_erased(&r.subject) {
                return Err(format!(
                    "represents subject {}, whose personal data was erased earlier",
                    r.subject
                ));
            }
            let official = self.subjects.intern(&r.subject)?;
            if !record.represented.insert(official) {
                return Err(format!(
                    "subject {} is represented twice in ceremony {ceremony}",
                    r.subject
                ));
            }
        }
        self.summary.representations_verified += 1;
        Ok(())
    }
}
