//! The rules of a campaign: one election (e.g. "Pilkada Serentak 2024") with one pledge
//! text and several ceremonies, in which an official signs once. Pure functions over
//! facts the caller gathered: where each official stands for the campaign as a whole
//! (signed in any of its ceremonies or by ikrar mandiri, represented, pending or
//! overdue), the per-OPD counts of the campaign report, and when a unit's recap may be
//! signed by its head. The current time is always passed in.

use chrono::{DateTime, Utc};

use super::ceremony::CeremonyState;
use super::ids::CeremonyId;

/// What is known about one official invited to one or more ceremonies of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignFacts {
    /// The ceremony of the campaign in which the official signed, if they did.
    pub signed_in: Option<CeremonyId>,
    /// A representative signed for them (issue 10, part 3); a signature of their own
    /// still counts as theirs.
    pub represented: bool,
    /// Each ceremony of the campaign they were invited to: its state, and their mandiri
    /// due date there if closing routed them to ikrar mandiri.
    pub invitations: Vec<(CeremonyState, Option<DateTime<Utc>>)>,
}

/// Where an official stands for a campaign. Additive: `Represented` counts as covered
/// but is shown apart from `Signed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CampaignStatus {
    Signed,
    Represented,
    /// Not signed, and a ceremony or an ikrar mandiri of the campaign is still open to
    /// them.
    Pending,
    /// Not signed, every ceremony they were invited to is closed and every mandiri due
    /// date they had has passed.
    Overdue,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Signed => "signed",
            CampaignStatus::Represented => "represented",
            CampaignStatus::Pending => "pending",
            CampaignStatus::Overdue => "overdue",
        }
    }

    /// Signed or represented: nothing more is asked of this official for the campaign.
    pub fn is_covered(self) -> bool {
        matches!(self, CampaignStatus::Signed | CampaignStatus::Represented)
    }

    /// The word written for this official in the recap list (FORMATS §6.4.1).
    pub fn recap_word(self) -> &'static str {
        match self {
            CampaignStatus::Signed => "signed",
            CampaignStatus::Represented => "represented",
            CampaignStatus::Pending | CampaignStatus::Overdue => "not-signed",
        }
    }
}

pub fn campaign_status(facts: &CampaignFacts, now: DateTime<Utc>) -> CampaignStatus {
    if facts.signed_in.is_some() {
        return CampaignStatus::Signed;
    }
    if facts.represented {
        return CampaignStatus::Represented;
    }
    let still_open = facts.invitations.iter().any(|(state, due)| match state {
        CeremonyState::Draft | CeremonyState::Open => true,
        CeremonyState::Closed => due.is_some_and(|due| now <= due),
    });
    if still_open || facts.invitations.is_empty() {
        CampaignStatus::Pending
    } else {
        CampaignStatus::Overdue
    }
}

/// The per-OPD counts of the campaign report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignTally {
    pub invited: u64,
    pub signed: u64,
    pub represented: u64,
    pub pending: u64,
    pub overdue: u64,
}

impl CampaignTally {
    pub fn add(&mut self, status: CampaignStatus) {
        self.invited += 1;
        match status {
            CampaignStatus::Signed => self.signed += 1,
            CampaignStatus::Represented => self.represented += 1,
            CampaignStatus::Pending => self.pending += 1,
            CampaignStatus::Overdue => self.overdue += 1,
        }
    }

    /// Invited and neither signed nor represented.
    pub fn not_signed(&self) -> u64 {
        self.pending + self.overdue
    }

    /// Whether the unit's head may sign its recap now: nobody is pending. That is the
    /// unit complete (everyone signed or represented), or the deadline reached (every
    /// ceremony the unsigned were invited to is closed and their mandiri due passed).
    pub fn ready_for_recap(&self) -> bool {
        self.invited > 0 && self.pending == 0
    }
}

/// Why an official cannot sign in this ceremony: they signed for the campaign already,
/// in `ceremony`.
pub fn already_signed_message(ceremony: CeremonyId, title: &str) -> String {
    format!(
        "Anda sudah menandatangani pakta untuk kampanye ini di upacara {ceremony} ({title}); satu pegawai cukup menandatangani sekali per kampanye. Simpan tanda terima dari tanda tangan itu; tidak ada yang perlu dilakukan lagi."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 10, day, 2, 0, 0).unwrap()
    }

    #[test]
    fn a_signature_in_any_ceremony_covers_the_campaign() {
        let facts = CampaignFacts {
            signed_in: CeremonyId::new(2),
            represented: true,
            invitations: vec![(CeremonyState::Closed, Some(at(1)))],
        };
        assert_eq!(campaign_status(&facts, at(20)), CampaignStatus::Signed);
    }

    #[test]
    fn represented_is_covered_but_told_apart() {
        let facts = CampaignFacts {
            represented: true,
            ..CampaignFacts::default()
        };
        let status = campaign_status(&facts, at(20));
        assert_eq!(status, CampaignStatus::Represented);
        assert!(status.is_covered());
        assert_eq!(status.recap_word(), "represented");
    }

    #[test]
    fn unsigned_is_pending_while_any_ceremony_or_mandiri_is_open_then_overdue() {
        let mut facts = CampaignFacts {
            invitations: vec![
                (CeremonyState::Closed, Some(at(14))),
                (CeremonyState::Open, None),
            ],
            ..CampaignFacts::default()
        };
        assert_eq!(campaign_status(&facts, at(20)), CampaignStatus::Pending);
        facts.invitations[1] = (CeremonyState::Closed, Some(at(21)));
        assert_eq!(campaign_status(&facts, at(20)), CampaignStatus::Pending);
        assert_eq!(campaign_status(&facts, at(22)), CampaignStatus::Overdue);
        assert_eq!(CampaignStatus::Overdue.recap_word(), "not-signed");
    }

    #[test]
    fn a_unit_is_ready_for_its_recap_when_nobody_is_pending() {
        let mut tally = CampaignTally::default();
        assert!(
            !tally.ready_for_recap(),
            "an empty unit has nothing to recap"
        );
        tally.add(CampaignStatus::Signed);
        tally.add(CampaignStatus::Pending);
        assert!(!tally.ready_for_recap());
        let mut done = CampaignTally::default();
        done.add(CampaignStatus::Signed);
        done.add(CampaignStatus::Represented);
        done.add(CampaignStatus::Overdue);
        assert!(done.ready_for_recap());
        assert_eq!(done.not_signed(), 1);
        assert_eq!(
            done,
            CampaignTally {
                invited: 3,
                signed: 1,
                represented: 1,
                pending: 0,
                overdue: 1
            }
        );
    }
}
