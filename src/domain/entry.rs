//! Registry entries: what each kind of entry says, and its exact bytes.
//!
//! An entry is stored as the bytes that are hashed, and those bytes are the
//! [`record`](super::record) text form (`docs/FORMATS.md` has the grammar and golden
//! vectors):
//!
//! ```text
//! pakta/entry/v1
//! index: <decimal, from 0>
//! time: <RFC 3339 UTC, seconds>
//! kind: <kind>
//! prev: <hex SHA-256 of the previous entry's bytes; 64 zeros for index 0>
//! <kind-specific fields, in the order listed on EntryBody>
//! ```
//!
//! entry hash = SHA-256(entry bytes). No entry holds personal data: officials appear as
//! random subject ids, statements by their hash.

use chrono::{DateTime, Utc};

use super::crypto::{KeyFingerprint, PublicKey, Sha256Hash, Signature};
use super::identifier::OpdCode;
use super::ids::{CampaignId, CeremonyId, PledgeId, SubjectId};
use super::record::{RecordError, RecordReader, RecordWriter, format_time, parse_time};

pub const ENTRY_HEADER: &str = "pakta/entry/v1";

/// How a pledge was signed: at the joint ceremony (ikrar bersama) or on one's own later
/// (ikrar mandiri).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningMode {
    Ceremony,
    Mandiri,
}

impl SigningMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningMode::Ceremony => "ceremony",
            SigningMode::Mandiri => "mandiri",
        }
    }

    pub fn parse(text: &str) -> Result<SigningMode, String> {
        match text {
            "ceremony" => Ok(SigningMode::Ceremony),
            "mandiri" => Ok(SigningMode::Mandiri),
            _ => Err(format!(
                "mode '{text}' tidak dikenal; gunakan ceremony atau mandiri"
            )),
        }
    }
}

/// How attendance at the hall was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceMethod {
    /// The registration desk checked the official in (typed NIP or scanned phone).
    Desk,
    /// The official's device presented the rotating code shown on the hall screen.
    PresenceCode,
}

impl AttendanceMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceMethod::Desk => "desk",
            AttendanceMethod::PresenceCode => "presence-code",
        }
    }

    pub fn parse(text: &str) -> Result<AttendanceMethod, String> {
        match text {
            "desk" => Ok(AttendanceMethod::Desk),
            "presence-code" => Ok(AttendanceMethod::PresenceCode),
            _ => Err(format!("metode kehadiran '{text}' tidak dikenal")),
        }
    }
}

/// The kind-specific part of an entry. Field order in the bytes is the order here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryBody {
    /// `key.enrolled`: subject, key (base64), fingerprint, enrollment-sha256 (of the
    /// exact enrollment message, kept beside the log), proof (base64 signature by `key`
    /// over that message).
    KeyEnrolled {
        subject: SubjectId,
        key: PublicKey,
        enrollment_sha256: Sha256Hash,
        proof: Signature,
    },
    /// `key.revoked`: subject, fingerprint, reason.
    KeyRevoked {
        subject: SubjectId,
        fingerprint: KeyFingerprint,
        reason: RevocationReason,
    },
    /// `pledge.published`: pledge, title, text-sha256.
    PledgePublished {
        pledge: PledgeId,
        title: String,
        text_sha256: Sha256Hash,
    },
    /// `ceremony.opened`: ceremony, pledge, pledge-sha256, invited (count),
    /// invitees-sha256 (see [`invitees_digest`]), then `campaign` only for a ceremony of
    /// a campaign (FORMATS §7.4.1): entries of ceremonies outside campaigns keep exactly
    /// the bytes they always had.
    CeremonyOpened {
        ceremony: CeremonyId,
        pledge: PledgeId,
        pledge_sha256: Sha256Hash,
        invited: u64,
        invitees_sha256: Sha256Hash,
        campaign: Option<CampaignId>,
    },
    /// `attendance.recorded`: ceremony, subject, method.
    AttendanceRecorded {
        ceremony: CeremonyId,
        subject: SubjectId,
        method: AttendanceMethod,
    },
    /// `pledge.signed`: ceremony, subject, mode, statement-sha256, fingerprint, signature.
    PledgeSigned {
        ceremony: CeremonyId,
        subject: SubjectId,
        mode: SigningMode,
        statement_sha256: Sha256Hash,
        fingerprint: KeyFingerprint,
        signature: Signature,
    },
    /// `ceremony.closed`: ceremony, routed-to-mandiri (count), mandiri-due.
    CeremonyClosed {
        ceremony: CeremonyId,
        routed_to_mandiri: u64,
        mandiri_due: DateTime<Utc>,
    },
    /// `mandiri.assigned`: ceremony, subject, due.
    MandiriAssigned {
        ceremony: CeremonyId,
        subject: SubjectId,
        due: DateTime<Utc>,
    },
    /// `campaign.created`: campaign, title, pledge, pledge-sha256. A campaign (one
    /// election, e.g. "Pilkada Serentak 2024") has one pledge text and several
    /// ceremonies; an official signs once per campaign.
    CampaignCreated {
        campaign: CampaignId,
        title: String,
        pledge: PledgeId,
        pledge_sha256: Sha256Hash,
    },
    /// `recap.signed`: campaign, opd, subject (the head of the OPD), statement-sha256
    /// (of the `pakta/rekap/v1` recap statement, kept beside the log), fingerprint,
    /// signature (by the head's key over that statement).
    RecapSigned {
        campaign: CampaignId,
        opd: OpdCode,
        subject: SubjectId,
        statement_sha256: Sha256Hash,
        fingerprint: KeyFingerprint,
        signature: Signature,
    },
    /// `representation.allowed`: ceremony. The instansi allows representatives
    /// (perwakilan) in this ceremony; appended right after its `ceremony.opened`
    /// (FORMATS §7.12).
    RepresentationAllowed { ceremony: CeremonyId },
    /// `representation.signed`: ceremony, subject (the representative), represented
    /// (count), represented-sha256 (see
    /// [`represented_digest`](super::representation::represented_digest)),
    /// statement-sha256 (of the `pakta/perwakilan/v1` statement, kept beside the log),
    /// fingerprint, signature (FORMATS §7.12).
    RepresentationSigned {
        ceremony: CeremonyId,
        subject: SubjectId,
        represented: u64,
        represented_sha256: Sha256Hash,
        statement_sha256: Sha256Hash,
        fingerprint: KeyFingerprint,
        signature: Signature,
    },
    /// `person.erased`: subject, documents-erased (count). The person's roster data and
    /// the documents kept beside the log (signed statements, enrollment messages) were
    /// deleted under UU 27/2022; earlier entries stay, proving what was signed by hash.
    PersonErased {
        subject: SubjectId,
        documents_erased: u64,
    },
}

/// Why a key stopped being usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    /// The official enrolled a new key (new phone, lost device); one key is active at a time.
    Superseded,
}

impl RevocationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Superseded => "superseded",
        }
    }

    fn parse(text: &str) -> Result<RevocationReason, String> {
        match text {
            "superseded" => Ok(RevocationReason::Superseded),
            _ => Err(format!("alasan pencabutan '{text}' tidak dikenal")),
        }
    }
}

impl EntryBody {
    /// The official an entry is about, if it is about one.
    pub fn subject(&self) -> Option<SubjectId> {
        match self {
            EntryBody::KeyEnrolled { subject, .. }
            | EntryBody::KeyRevoked { subject, .. }
            | EntryBody::AttendanceRecorded { subject, .. }
            | EntryBody::PledgeSigned { subject, .. }
            | EntryBody::MandiriAssigned { subject, .. }
            | EntryBody::RecapSigned { subject, .. }
            | EntryBody::RepresentationSigned { subject, .. }
            | EntryBody::PersonErased { subject, .. } => Some(*subject),
            EntryBody::RepresentationAllowed { .. } => None,
            EntryBody::CampaignCreated { .. } => None,
            EntryBody::PledgePublished { .. }
            | EntryBody::CeremonyOpened { .. }
            | EntryBody::CeremonyClosed { .. } => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            EntryBody::KeyEnrolled { .. } => "key.enrolled",
            EntryBody::KeyRevoked { .. } => "key.revoked",
            EntryBody::PledgePublished { .. } => "pledge.published",
            EntryBody::CeremonyOpened { .. } => "ceremony.opened",
            EntryBody::AttendanceRecorded { .. } => "attendance.recorded",
            EntryBody::PledgeSigned { .. } => "pledge.signed",
            EntryBody::CeremonyClosed { .. } => "ceremony.closed",
            EntryBody::MandiriAssigned { .. } => "mandiri.assigned",
            EntryBody::PersonErased { .. } => "person.erased",
            EntryBody::CampaignCreated { .. } => "campaign.created",
            EntryBody::RecapSigned { .. } => "recap.signed",
            EntryBody::RepresentationAllowed { .. } => "representation.allowed",
            EntryBody::RepresentationSigned { .. } => "representation.signed",
        }
    }
}

/// One registry entry, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: u64,
    pub time: DateTime<Utc>,
    pub prev: Sha256Hash,
    pub body: EntryBody,
}

/// Why stored bytes are not a valid entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("entry is not UTF-8 text")]
    NotUtf8,
    #[error("entry is malformed: {0}")]
    Malformed(#[from] RecordError),
    #[error("entry kind '{0}' is unknown")]
    UnknownKind(String),
}

impl Entry {
    pub fn encode(&self) -> Vec<u8> {
        let w = RecordWriter::new(&[ENTRY_HEADER])
            .field("index", self.index.to_string())
            .field("time", format_time(self.time))
            .field("kind", self.body.kind())
            .field("prev", self.prev.to_hex());
        let w = match &self.body {
            EntryBody::KeyEnrolled {
                subject,
                key,
                enrollment_sha256,
                proof,
            } => w
                .field("subject", subject.to_hex())
                .field("key", key.to_base64())
                .field("fingerprint", key.fingerprint().to_hex())
                .field("enrollment-sha256", enrollment_sha256.to_hex())
                .field("proof", proof.to_base64()),
            EntryBody::KeyRevoked {
                subject,
                fingerprint,
                reason,
            } => w
                .field("subject", subject.to_hex())
                .field("fingerprint", fingerprint.to_hex())
                .field("reason", reason.as_str()),
            EntryBody::PledgePublished {
                pledge,
                title,
                text_sha256,
            } => w
                .field("pledge", pledge.to_string())
                .field("title", title)
                .field("text-sha256", text_sha256.to_hex()),
            EntryBody::CeremonyOpened {
                ceremony,
                pledge,
                pledge_sha256,
                invited,
                invitees_sha256,
                campaign,
            } => {
                let w = w
                    .field("ceremony", ceremony.to_string())
                    .field("pledge", pledge.to_string())
                    .field("pledge-sha256", pledge_sha256.to_hex())
                    .field("invited", invited.to_string())
                    .field("invitees-sha256", invitees_sha256.to_hex());
                match campaign {
                    Some(campaign) => w.field("campaign", campaign.to_string()),
                    None => w,
                }
            }
            EntryBody::AttendanceRecorded {
                ceremony,
                subject,
                method,
            } => w
                .field("ceremony", ceremony.to_string())
                .field("subject", subject.to_hex())
                .field("method", method.as_str()),
            EntryBody::PledgeSigned {
                ceremony,
                subject,
                mode,
                statement_sha256,
                fingerprint,
                signature,
            } => w
                .field("ceremony", ceremony.to_string())
                .field("subject", subject.to_hex())
                .field("mode", mode.as_str())
                .field("statement-sha256", statement_sha256.to_hex())
                .field("fingerprint", fingerprint.to_hex())
                .field("signature", signature.to_base64()),
            EntryBody::CeremonyClosed {
                ceremony,
                routed_to_mandiri,
                mandiri_due,
            } => w
                .field("ceremony", ceremony.to_string())
                .field("routed-to-mandiri", routed_to_mandiri.to_string())
                .field("mandiri-due", format_time(*mandiri_due)),
            EntryBody::MandiriAssigned {
                ceremony,
                subject,
                due,
            } => w
                .field("ceremony", ceremony.to_string())
                .field("subject", subject.to_hex())
                .field("due", format_time(*due)),
            EntryBody::PersonErased {
                subject,
                documents_erased,
            } => w
                .field("subject", subject.to_hex())
                .field("documents-erased", documents_erased.to_string()),
            EntryBody::RepresentationAllowed { ceremony } => {
                w.field("ceremony", ceremony.to_string())
            }
            EntryBody::RepresentationSigned {
                ceremony,
                subject,
                represented,
                represented_sha256,
                statement_sha256,
                fingerprint,
                signature,
            } => w
                .field("ceremony", ceremony.to_string())
                .field("subject", subject.to_hex())
                .field("represented", represented.to_string())
                .field("represented-sha256", represented_sha256.to_hex())
                .field("statement-sha256", statement_sha256.to_hex())
                .field("fingerprint", fingerprint.to_hex())
                .field("signature", signature.to_base64()),
            EntryBody::CampaignCreated {
                campaign,
                title,
                pledge,
                pledge_sha256,
            } => w
                .field("campaign", campaign.to_string())
                .field("title", title)
                .field("pledge", pledge.to_string())
                .field("pledge-sha256", pledge_sha256.to_hex()),
            EntryBody::RecapSigned {
                campaign,
                opd,
                subject,
                statement_sha256,
                fingerprint,
                signature,
            } => w
                .field("campaign", campaign.to_string())
                .field("opd", opd.as_str())
                .field("subject", subject.to_hex())
                .field("statement-sha256", statement_sha256.to_hex())
                .field("fingerprint", fingerprint.to_hex())
                .field("signature", signature.to_base64()),
        };
        w.finish().into_bytes()
    }

    /// Decodes stored bytes. Accepts only the canonical form: decoding and re-encoding
    /// gives back the same bytes, so one entry has exactly one hash.
    pub fn parse(bytes: &[u8]) -> Result<Entry, EntryError> {
        let text = std::str::from_utf8(bytes).map_err(|_| EntryError::NotUtf8)?;
        let mut r = RecordReader::new(text, &[ENTRY_HEADER])?;
        let index = r.parse("index", parse_u64)?;
        let time = r.parse("time", parse_time)?;
        let kind = r.text("kind")?;
        let prev = r.parse("prev", |t| Sha256Hash::parse_hex("prev", t))?;
        let subject = |r: &mut RecordReader| r.parse("subject", SubjectId::parse);
        let ceremony = |r: &mut RecordReader| r.parse("ceremony", CeremonyId::parse);
        let hash = |r: &mut RecordReader, name: &'static str| {
            r.parse(name, |t| Sha256Hash::parse_hex(name, t))
        };
        let body = match kind.as_str() {
            "key.enrolled" => {
                let subject = subject(&mut r)?;
                let key = r.parse("key", PublicKey::from_base64)?;
                let fingerprint = r.parse("fingerprint", KeyFingerprint::parse)?;
                if fingerprint != key.fingerprint() {
                    return Err(RecordError::BadValue {
                        line: 8,
                        field: "fingerprint".into(),
                        reason: "is not the SHA-256 of the key".into(),
                    }
                    .into());
                }
                EntryBody::KeyEnrolled {
                    subject,
                    key,
                    enrollment_sha256: hash(&mut r, "enrollment-sha256")?,
                    proof: r.parse("proof", |t| Signature::from_base64("proof", t))?,
                }
            }
            "key.revoked" => EntryBody::KeyRevoked {
                subject: subject(&mut r)?,
                fingerprint: r.parse("fingerprint", KeyFingerprint::parse)?,
                reason: r.parse("reason", RevocationReason::parse)?,
            },
            "pledge.published" => EntryBody::PledgePublished {
                pledge: r.parse("pledge", PledgeId::parse)?,
                title: r.text("title")?,
                text_sha256: hash(&mut r, "text-sha256")?,
            },
            "ceremony.opened" => EntryBody::CeremonyOpened {
                ceremony: ceremony(&mut r)?,
                pledge: r.parse("pledge", PledgeId::parse)?,
                pledge_sha256: hash(&mut r, "pledge-sha256")?,
                invited: r.parse("invited", parse_u64)?,
                invitees_sha256: hash(&mut r, "invitees-sha256")?,
                campaign: if r.at_end() {
                    None
                } else {
                    Some(r.parse("campaign", CampaignId::parse)?)
                },
            },
            "attendance.recorded" => EntryBody::AttendanceRecorded {
                ceremony: ceremony(&mut r)?,
                subject: subject(&mut r)?,
                method: r.parse("method", AttendanceMethod::parse)?,
            },
            "pledge.signed" => EntryBody::PledgeSigned {
                ceremony: ceremony(&mut r)?,
                subject: subject(&mut r)?,
                mode: r.parse("mode", SigningMode::parse)?,
                statement_sha256: hash(&mut r, "statement-sha256")?,
                fingerprint: r.parse("fingerprint", KeyFingerprint::parse)?,
                signature: r.parse("signature", |t| Signature::from_base64("signature", t))?,
            },
            "ceremony.closed" => EntryBody::CeremonyClosed {
                ceremony: ceremony(&mut r)?,
                routed_to_mandiri: r.parse("routed-to-mandiri", parse_u64)?,
                mandiri_due: r.parse("mandiri-due", parse_time)?,
            },
            "mandiri.assigned" => EntryBody::MandiriAssigned {
                ceremony: ceremony(&mut r)?,
                subject: subject(&mut r)?,
                due: r.parse("due", parse_time)?,
            },
            "person.erased" => EntryBody::PersonErased {
                subject: subject(&mut r)?,
                documents_erased: r.parse("documents-erased", parse_u64)?,
            },
            "campaign.created" => EntryBody::CampaignCreated {
                campaign: r.parse("campaign", CampaignId::parse)?,
                title: r.text("title")?,
                pledge: r.parse("pledge", PledgeId::parse)?,
                pledge_sha256: hash(&mut r, "pledge-sha256")?,
            },
            "recap.signed" => EntryBody::RecapSigned {
                campaign: r.parse("campaign", CampaignId::parse)?,
                opd: r.parse("opd", OpdCode::parse)?,
                subject: subject(&mut r)?,
                statement_sha256: hash(&mut r, "statement-sha256")?,
                fingerprint: r.parse("fingerprint", KeyFingerprint::parse)?,
                signature: r.parse("signature", |t| Signature::from_base64("signature", t))?,
            },
            "representation.allowed" => EntryBody::RepresentationAllowed {
                ceremony: ceremony(&mut r)?,
            },
            "representation.signed" => EntryBody::RepresentationSigned {
                ceremony: ceremony(&mut r)?,
                subject: subject(&mut r)?,
                represented: r.parse("represented", parse_u64)?,
                represented_sha256: hash(&mut r, "represented-sha256")?,
                statement_sha256: hash(&mut r, "statement-sha256")?,
                fingerprint: r.parse("fingerprint", KeyFingerprint::parse)?,
                signature: r.parse("signature", |t| Signature::from_base64("signature", t))?,
            },
            other => return Err(EntryError::UnknownKind(other.to_string())),
        };
        r.end()?;
        let entry = Entry {
            index,
            time,
            prev,
            body,
        };
        if entry.encode() != bytes {
            return Err(EntryError::Malformed(RecordError::BadValue {
                line: 0,
                field: "entry".into(),
                reason: "is not in canonical form".into(),
            }));
        }
        Ok(entry)
    }
}

fn parse_u64(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|v| v.to_string() == text)
        .ok_or_else(|| format!("'{text}' is not a canonical decimal number"))
}

/// The entry hash that chains entries together: SHA-256 of the exact entry bytes.
pub fn entry_hash(bytes: &[u8]) -> Sha256Hash {
    Sha256Hash::of(bytes)
}

/// The time the next entry gets. DESIGN, "Time is the writer's": an entry's time is
/// "never earlier than the previous entry's time (if the clock steps back, the previous
/// time is reused)". The audit refuses a log whose times go back.
pub fn next_entry_time(now: DateTime<Utc>, previous: Option<DateTime<Utc>>) -> DateTime<Utc> {
    previous.map_or(now, |previous| now.max(previous))
}

/// Commits a ceremony to its invitee list without publishing who is on it:
/// SHA-256 over the sorted subject ids, each as 32 hex characters followed by LF.
pub fn invitees_digest(subjects: &[SubjectId]) -> Sha256Hash {
    let mut sorted = subjects.to_vec();
    sorted.sort();
    let mut text = String::with_capacity(sorted.len() * 33);
    for s in sorted {
        text.push_str(&s.to_hex());
        text.push('\n');
    }
    Sha256Hash::of(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn sample_bodies() -> Vec<EntryBody> {
        let signer = SigningKey::from_bytes(&[9; 32]);
        let key = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
        let sig = Signature::from_bytes(&signer.sign(b"x").to_bytes());
        let subject = SubjectId::from_random([1; 16]);
        let ceremony = CeremonyId::new(3).unwrap();
        let h = Sha256Hash::of(b"h");
        vec![
            EntryBody::KeyEnrolled {
                subject,
                key,
                enrollment_sha256: h,
                proof: sig,
            },
            EntryBody::KeyRevoked {
                subject,
                fingerprint: key.fingerprint(),
                reason: RevocationReason::Superseded,
            },
            EntryBody::PledgePublished {
                pledge: PledgeId::new(1).unwrap(),
                title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
                text_sha256: h,
            },
            EntryBody::CeremonyOpened {
                ceremony,
                pledge: PledgeId::new(1).unwrap(),
                pledge_sha256: h,
                invited: 40,
                invitees_sha256: h,
                campaign: None,
            },
            EntryBody::AttendanceRecorded {
                ceremony,
                subject,
                method: AttendanceMethod::PresenceCode,
            },
            EntryBody::PledgeSigned {
                ceremony,
                subject,
                mode: SigningMode::Mandiri,
                statement_sha256: h,
                fingerprint: key.fingerprint(),
                signature: sig,
            },
            EntryBody::CeremonyClosed {
                ceremony,
                routed_to_mandiri: 7,
                mandiri_due: t("2024-10-14T16:59:59Z"),
            },
            EntryBody::MandiriAssigned {
                ceremony,
                subject,
                due: t("2024-10-14T16:59:59Z"),
            },
            EntryBody::CeremonyOpened {
                ceremony,
                pledge: PledgeId::new(1).unwrap(),
                pledge_sha256: h,
                invited: 40,
                invitees_sha256: h,
                campaign: CampaignId::new(2),
            },
            EntryBody::CampaignCreated {
                campaign: CampaignId::new(2).unwrap(),
                title: "Pilkada Serentak 2024".into(),
                pledge: PledgeId::new(1).unwrap(),
                pledge_sha256: h,
            },
            EntryBody::RecapSigned {
                campaign: CampaignId::new(2).unwrap(),
                opd: OpdCode::parse("DISDIK").unwrap(),
                subject,
                statement_sha256: h,
                fingerprint: key.fingerprint(),
                signature: sig,
            },
        ]
    }

    #[test]
    fn every_kind_round_trips_through_its_bytes() {
        for (i, body) in sample_bodies().into_iter().enumerate() {
            let entry = Entry {
                index: i as u64,
                time: t("2024-10-07T02:00:00Z"),
                prev: Sha256Hash::of(&[i as u8]),
                body,
            };
            let bytes = entry.encode();
            assert_eq!(Entry::parse(&bytes).unwrap(), entry);
        }
    }

    #[test]
    fn one_changed_byte_is_either_rejected_or_a_different_entry() {
        let entry = Entry {
            index: 0,
            time: t("2024-10-07T02:00:00Z"),
            prev: Sha256Hash::ZERO,
            body: sample_bodies().remove(5),
        };
        let bytes = entry.encode();
        for i in 0..bytes.len() {
            let mut altered = bytes.clone();
            altered[i] ^= 0x01;
            if let Ok(other) = Entry::parse(&altered) {
                assert_ne!(other, entry);
                assert_ne!(entry_hash(&altered), entry_hash(&bytes));
            }
        }
    }

    #[test]
    fn non_canonical_numbers_are_refused() {
        let entry = Entry {
            index: 5,
            time: t("2024-10-07T02:00:00Z"),
            prev: Sha256Hash::ZERO,
            body: sample_bodies().remove(2),
        };
        let text = String::from_utf8(entry.encode()).unwrap();
        let padded = text.replace("index: 5", "index: 05");
        assert!(Entry::parse(padded.as_bytes()).is_err());
    }

    #[test]
    fn invitees_digest_ignores_order() {
        let a = SubjectId::from_random([1; 16]);
        let b = SubjectId::from_random([2; 16]);
        assert_eq!(invitees_digest(&[a, b]), invitees_digest(&[b, a]));
        assert_ne!(invitees_digest(&[a]), invitees_digest(&[a, b]));
    }
}
