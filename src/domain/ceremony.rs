//! The rules of a pledge ceremony: its life (draft → open → closed), who may sign in
//! which mode, and the status of each invitee in the per-OPD report. Pure functions over
//! facts the caller gathered; the current time is always passed in.

use chrono::{DateTime, Utc};

use super::entry::SigningMode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyState {
    Draft,
    Open,
    Closed,
}

impl CeremonyState {
    pub fn as_str(self) -> &'static str {
        match self {
            CeremonyState::Draft => "draft",
            CeremonyState::Open => "open",
            CeremonyState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<CeremonyState> {
        match text {
            "draft" => Some(CeremonyState::Draft),
            "open" => Some(CeremonyState::Open),
            "closed" => Some(CeremonyState::Closed),
            _ => None,
        }
    }

    /// Opening fixes the invitee list; only a draft can be opened.
    pub fn open(self) -> Result<CeremonyState, Refusal> {
        match self {
            CeremonyState::Draft => Ok(CeremonyState::Open),
            CeremonyState::Open => Err(Refusal::AlreadyOpen),
            CeremonyState::Closed => Err(Refusal::AlreadyClosed),
        }
    }

    /// Closing routes the unsigned to ikrar mandiri; only an open ceremony can close.
    pub fn close(self) -> Result<CeremonyState, Refusal> {
        match self {
            CeremonyState::Open => Ok(CeremonyState::Closed),
            CeremonyState::Draft => Err(Refusal::NotOpen),
            CeremonyState::Closed => Err(Refusal::AlreadyClosed),
        }
    }
}

/// Why something cannot happen to a ceremony now. Each carries a stable error code and
/// a sentence for the person at the desk or the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotOpen,
    AlreadyOpen,
    AlreadyClosed,
    NotInvited,
    NotCheckedIn,
    AlreadyCheckedIn,
    AlreadySigned,
    NoKey,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotOpen => "ceremony_not_open",
            Refusal::AlreadyOpen => "ceremony_already_open",
            Refusal::AlreadyClosed => "ceremony_closed",
            Refusal::NotInvited => "not_invited",
            Refusal::NotCheckedIn => "not_checked_in",
            Refusal::AlreadyCheckedIn => "already_checked_in",
            Refusal::AlreadySigned => "already_signed",
            Refusal::NoKey => "no_active_key",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotOpen => {
                "Upacara belum dibuka. Tunggu panitia membuka upacara, lalu coba lagi."
            }
            Refusal::AlreadyOpen => "Upacara sudah dibuka; daftar undangan sudah terkunci.",
            Refusal::AlreadyClosed => {
                "Upacara sudah ditutup. Pegawai yang belum menandatangani mengikuti ikrar mandiri."
            }
            Refusal::NotInvited => {
                "Pegawai ini tidak termasuk undangan upacara ini. Periksa NIP atau hubungi BKPSDM."
            }
            Refusal::NotCheckedIn => {
                "Pegawai belum tercatat hadir. Lapor ke meja registrasi untuk presensi terlebih dahulu."
            }
            Refusal::AlreadyCheckedIn => "Pegawai ini sudah tercatat hadir di upacara ini.",
            Refusal::AlreadySigned => {
                "Pegawai ini sudah menandatangani pakta untuk upacara ini; tanda tangan hanya diterima sekali."
            }
            Refusal::NoKey => {
                "Pegawai ini belum mendaftarkan kunci tanda tangan. Minta kode pendaftaran ke BKPSDM lalu daftar di perangkat sendiri."
            }
        }
    }
}

/// What is known about one invitee of one ceremony.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InviteeFacts {
    pub checked_in: bool,
    pub signature: Option<(SigningMode, DateTime<Utc>)>,
    pub mandiri_due: Option<DateTime<Utc>>,
    /// A representative signed a representation that lists this invitee (perwakilan).
    /// Their own signature, if they make one, still counts as theirs.
    pub represented: bool,
}

/// In which mode an official may sign now, or why not. `facts` is None for an official
/// who is not invited; before opening nobody is, because the invitees are fixed then.
pub fn signing_mode(
    state: CeremonyState,
    facts: Option<&InviteeFacts>,
) -> Result<SigningMode, Refusal> {
    if state == CeremonyState::Draft {
        return Err(Refusal::NotOpen);
    }
    let facts = facts.ok_or(Refusal::NotInvited)?;
    if facts.signature.is_some() {
        return Err(Refusal::AlreadySigned);
    }
    match state {
        CeremonyState::Draft => Err(Refusal::NotOpen),
        CeremonyState::Open if facts.checked_in => Ok(SigningMode::Ceremony),
        CeremonyState::Open => Err(Refusal::NotCheckedIn),
        CeremonyState::Closed if facts.mandiri_due.is_some() => Ok(SigningMode::Mandiri),
        // Closing routes every unsigned invitee to mandiri, so this is only reachable for
        // data that predates the close; refusing is the safe answer.
        CeremonyState::Closed => Err(Refusal::AlreadyClosed),
    }
}

/// Where an invitee stands, as shown to heads of OPD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InviteeStatus {
    Absent,
    AttendedUnsigned,
    Signed,
    MandiriPending,
    MandiriSigned,
    MandiriLate,
    MandiriOverdue,
    /// Not signed personally, but listed in a representation a representative signed
    /// ("diwakili oleh …"). Not routed to ikrar mandiri at closing.
    Represented,
}

impl InviteeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InviteeStatus::Absent => "absent",
            InviteeStatus::AttendedUnsigned => "attended-unsigned",
            InviteeStatus::Signed => "signed",
            InviteeStatus::MandiriPending => "mandiri-pending",
            InviteeStatus::MandiriSigned => "mandiri-signed",
            InviteeStatus::MandiriLate => "mandiri-late",
            InviteeStatus::MandiriOverdue => "mandiri-overdue",
            InviteeStatus::Represented => "represented",
        }
    }

    pub fn is_signed(self) -> bool {
        matches!(
            self,
            InviteeStatus::Signed | InviteeStatus::MandiriSigned | InviteeStatus::MandiriLate
        )
    }
}

pub fn invitee_status(facts: &InviteeFacts, now: DateTime<Utc>) -> InviteeStatus {
    match (facts.signature, facts.mandiri_due) {
        (Some((SigningMode::Ceremony, _)), _) => InviteeStatus::Signed,
        (Some((SigningMode::Mandiri, at)), Some(due)) if is_late(due, at) => {
            InviteeStatus::MandiriLate
        }
        (Some((SigningMode::Mandiri, _)), _) => InviteeStatus::MandiriSigned,
        (None, _) if facts.represented => InviteeStatus::Represented,
        (None, Some(due)) if now > due => InviteeStatus::MandiriOverdue,
        (None, Some(_)) => InviteeStatus::MandiriPending,
        (None, None) if facts.checked_in => InviteeStatus::AttendedUnsigned,
        (None, None) => InviteeStatus::Absent,
    }
}

/// A mandiri signature is still accepted after its due date, but reported as late.
pub fn is_late(due: DateTime<Utc>, signed_at: DateTime<Utc>) -> bool {
    signed_at > due
}

/// The per-OPD counts of the ceremony report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpdTally {
    pub invited: u64,
    pub attended: u64,
    pub signed_ceremony: u64,
    pub signed_mandiri: u64,
    /// Not signed and not overdue: absent or attended during the ceremony, or within
    /// the mandiri period afterwards.
    pub pending: u64,
    pub overdue: u64,
    /// Mandiri signatures made after the due date (also counted in signed_mandiri).
    pub late: u64,
    /// Represented by a representative's signed representation, without a signature
    /// of their own: neither signed nor pending.
    pub represented: u64,
}

impl OpdTally {
    pub fn add(&mut self, facts: &InviteeFacts, status: InviteeStatus) {
        self.invited += 1;
        self.attended += u64::from(facts.checked_in);
        match status {
            InviteeStatus::Signed => self.signed_ceremony += 1,
            InviteeStatus::MandiriSigned => self.signed_mandiri += 1,
            InviteeStatus::MandiriLate => {
                self.signed_mandiri += 1;
                self.late += 1;
            }
            InviteeStatus::MandiriOverdue => self.overdue += 1,
            InviteeStatus::Represented => self.represented += 1,
            InviteeStatus::Absent
            | InviteeStatus::AttendedUnsigned
            | InviteeStatus::MandiriPending => self.pending += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 10, day, 2, 0, 0).unwrap()
    }

    #[test]
    fn life_is_draft_open_closed_only() {
        assert_eq!(CeremonyState::Draft.open(), Ok(CeremonyState::Open));
        assert_eq!(CeremonyState::Open.close(), Ok(CeremonyState::Closed));
        assert_eq!(CeremonyState::Draft.close(), Err(Refusal::NotOpen));
        assert_eq!(CeremonyState::Closed.open(), Err(Refusal::AlreadyClosed));
        assert_eq!(CeremonyState::Open.open(), Err(Refusal::AlreadyOpen));
    }

    #[test]
    fn ceremony_signing_needs_check_in() {
        let mut facts = InviteeFacts::default();
        assert_eq!(
            signing_mode(CeremonyState::Open, Some(&facts)),
            Err(Refusal::NotCheckedIn)
        );
        facts.checked_in = true;
        assert_eq!(
            signing_mode(CeremonyState::Open, Some(&facts)),
            Ok(SigningMode::Ceremony)
        );
        assert_eq!(
            signing_mode(CeremonyState::Draft, Some(&facts)),
            Err(Refusal::NotOpen)
        );
    }

    #[test]
    fn nobody_is_invited_before_opening() {
        assert_eq!(
            signing_mode(CeremonyState::Draft, None),
            Err(Refusal::NotOpen)
        );
        assert_eq!(
            signing_mode(CeremonyState::Open, None),
            Err(Refusal::NotInvited)
        );
        assert_eq!(
            signing_mode(CeremonyState::Closed, None),
            Err(Refusal::NotInvited)
        );
    }

    #[test]
    fn after_close_only_mandiri_invitees_sign_and_only_once() {
        let mut facts = InviteeFacts {
            checked_in: true,
            ..Default::default()
        };
        assert_eq!(
            signing_mode(CeremonyState::Closed, Some(&facts)),
            Err(Refusal::AlreadyClosed)
        );
        facts.mandiri_due = Some(at(14));
        assert_eq!(
            signing_mode(CeremonyState::Closed, Some(&facts)),
            Ok(SigningMode::Mandiri)
        );
        facts.signature = Some((SigningMode::Mandiri, at(10)));
        assert_eq!(
            signing_mode(CeremonyState::Closed, Some(&facts)),
            Err(Refusal::AlreadySigned)
        );
    }

    #[test]
    fn statuses_follow_the_invitee_through_the_ceremony() {
        let now = at(20);
        let mut f = InviteeFacts::default();
        assert_eq!(invitee_status(&f, now), InviteeStatus::Absent);
        f.checked_in = true;
        assert_eq!(invitee_status(&f, now), InviteeStatus::AttendedUnsigned);
        f.mandiri_due = Some(at(14));
        assert_eq!(invitee_status(&f, at(13)), InviteeStatus::MandiriPending);
        assert_eq!(invitee_status(&f, now), InviteeStatus::MandiriOverdue);
        f.signature = Some((SigningMode::Mandiri, at(12)));
        assert_eq!(invitee_status(&f, now), InviteeStatus::MandiriSigned);
        f.signature = Some((SigningMode::Mandiri, at(15)));
        assert_eq!(invitee_status(&f, now), InviteeStatus::MandiriLate);
        f.signature = Some((SigningMode::Ceremony, at(7)));
        assert_eq!(invitee_status(&f, now), InviteeStatus::Signed);
    }

    #[test]
    fn a_represented_invitee_is_represented_until_they_sign_themselves() {
        let now = at(7);
        let mut f = InviteeFacts {
            represented: true,
            ..Default::default()
        };
        assert_eq!(invitee_status(&f, now), InviteeStatus::Represented);
        assert!(!InviteeStatus::Represented.is_signed());
        f.checked_in = true;
        assert_eq!(invitee_status(&f, now), InviteeStatus::Represented);
        let mut tally = OpdTally::default();
        tally.add(&f, invitee_status(&f, now));
        assert_eq!((tally.represented, tally.pending), (1, 0));
        f.signature = Some((SigningMode::Ceremony, at(7)));
        assert_eq!(invitee_status(&f, now), InviteeStatus::Signed);
    }

    #[test]
    fn tally_counts_each_invitee_once_in_the_signed_pending_overdue_split() {
        let now = at(20);
        let cases = [
            InviteeFacts::default(),
            InviteeFacts {
                checked_in: true,
                signature: Some((SigningMode::Ceremony, at(7))),
                mandiri_due: None,
                represented: false,
            },
            InviteeFacts {
                checked_in: false,
                signature: Some((SigningMode::Mandiri, at(15))),
                mandiri_due: Some(at(14)),
                represented: false,
            },
            InviteeFacts {
                checked_in: true,
                signature: None,
                mandiri_due: Some(at(14)),
                represented: false,
            },
        ];
        let mut tally = OpdTally::default();
        for f in &cases {
            tally.add(f, invitee_status(f, now));
        }
        assert_eq!(
            tally,
            OpdTally {
                invited: 4,
                attended: 2,
                signed_ceremony: 1,
                signed_mandiri: 1,
                pending: 1,
                overdue: 1,
                late: 1,
                represented: 0,
            }
        );
    }
}
