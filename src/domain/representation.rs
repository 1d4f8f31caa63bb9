//! Representatives (perwakilan): where an instansi allows it, a ceremony names, per OPD,
//! an official who signs on behalf of named colleagues. This module holds the pure
//! rules: who may be named for whom, the representation statement the representative
//! signs (`pakta/perwakilan/v1`), the request that asks for it
//! (`pakta/perwakilan-request/v1`), its seal, and the digest of the represented list
//! that the `representation.signed` entry carries. `docs/FORMATS.md` §6.5 and §7.12 pin
//! the bytes with golden vectors.
//!
//! A representation never stands in for anyone's own pledge in the log: the
//! represented officials' status becomes "represented" (diwakili), not "signed", and an
//! official represented may still sign personally, which then counts as theirs.

use chrono::{DateTime, Utc};

use super::crypto::{KeyFingerprint, Sha256Hash};
use super::entry::invitees_digest;
use super::identifier::{Identifier, OpdCode};
use super::ids::{CeremonyId, SubjectId};
use super::record::{
    RecordError, RecordReader, RecordWriter, clean_value, format_time, parse_time,
};
use super::signing_protocol::{
    PLACEHOLDER_NONCE, REQUEST_WINDOW, document_seal, is_document_sealed,
};
use super::zone::Zone;

pub const REPRESENTATION_TITLE: &str = "PERNYATAAN PERWAKILAN PAKTA INTEGRITAS NETRALITAS ASN";
pub const REPRESENTATION_FORMAT: &str = "format: pakta/perwakilan/v1";
pub const REPRESENTATION_REQUEST_HEADER: &str = "pakta/perwakilan-request/v1";

/// The most officials one representative may sign for: a statement of 100 stays well
/// inside the 64 KiB a JSON body may carry, and is still a list a person reads.
pub const MAX_REPRESENTED: usize = 100;

/// Domain separation of the representation seal from the statement seal (§6.2), which
/// uses the same secret.
const SEAL_CONTEXT: &[u8] = b"pakta/perwakilan-seal/v1\n";

/// One official on whose behalf the representative signs, as the roster had them when
/// the statement was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepresentedOfficial {
    pub subject: SubjectId,
    pub nip: Identifier,
    pub name: String,
    pub position: String,
    pub unit: String,
}

/// The document a representative signs: who they are, the pledge they signed
/// themselves, and whom they sign for. Its last line is the seal, as for statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepresentationStatement {
    pub zone: Zone,
    pub name: String,
    pub nip: Identifier,
    pub position: String,
    pub unit: String,
    pub ceremony: CeremonyId,
    pub time: DateTime<Utc>,
    pub pledge_title: String,
    pub pledge_sha256: Sha256Hash,
    pub subject: SubjectId,
    /// Ordered by NIP, ascending, each official once.
    pub represented: Vec<RepresentedOfficial>,
    pub nonce: String,
}

/// Why a text is not a representation statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepresentationError {
    #[error("pernyataan perwakilan tidak sesuai format pakta/perwakilan/v1: {0}")]
    Format(#[from] RecordError),
    #[error("pernyataan perwakilan tidak dapat dibuat: nilai '{field}' {reason}")]
    BadField { field: String, reason: String },
    #[error("pernyataan perwakilan tidak sah: {0}")]
    Rule(String),
}

/// The sentence of consent: the representative signed the pledge themselves and now
/// signs for the officials listed.
pub fn representation_consent(pledge_title: &str, count: usize) -> String {
    format!(
        "Saya telah menandatangani {pledge_title} atas nama saya sendiri, dan dengan pernyataan ini menandatanganinya sebagai perwakilan atas nama {count} pegawai yang tercantum di bawah ini."
    )
}

/// `represented-sha256` of `representation.signed`: SHA-256 of the represented subject
/// ids in ascending order, each as 32 lowercase hex characters and LF (the same rule as
/// `invitees-sha256`, FORMATS §9).
pub fn represented_digest(subjects: &[SubjectId]) -> Sha256Hash {
    invitees_digest(subjects)
}

impl RepresentationStatement {
    /// The represented officials' subject ids.
    pub fn represented_subjects(&self) -> Vec<SubjectId> {
        self.represented.iter().map(|r| r.subject).collect()
    }

    /// The digest the entry carries for this statement's list.
    pub fn represented_sha256(&self) -> Sha256Hash {
        represented_digest(&self.represented_subjects())
    }

    /// The rules every representation statement obeys: one to [`MAX_REPRESENTED`]
    /// officials, ordered by NIP without repeats, the representative not among them.
    pub fn check_list(&self) -> Result<(), RepresentationError> {
        let rule = |m: String| Err(RepresentationError::Rule(m));
        if self.represented.is_empty() || self.represented.len() > MAX_REPRESENTED {
            return rule(format!(
                "daftar yang diwakili harus berisi 1 sampai {MAX_REPRESENTED} pegawai"
            ));
        }
        for pair in self.represented.windows(2) {
            if pair[0].nip >= pair[1].nip {
                return rule(format!(
                    "NIP {} tercantum dua kali atau tidak berurutan naik",
                    pair[1].nip
                ));
            }
        }
        let mut subjects = self.represented_subjects();
        subjects.sort();
        if subjects.windows(2).any(|p| p[0] == p[1]) {
            return rule("satu subjek tercantum dua kali di daftar yang diwakili".into());
        }
        if self
            .represented
            .iter()
            .any(|r| r.subject == self.subject || r.nip == self.nip)
        {
            return rule("perwakilan tidak boleh mewakili dirinya sendiri".into());
        }
        Ok(())
    }

    /// Checks that every free-text value can be written and the list obeys the rules;
    /// used before issuing, so roster data that cannot be signed is caught clearly.
    pub fn check_fields(&self) -> Result<(), RepresentationError> {
        let bad = |field: String, reason: String| RepresentationError::BadField { field, reason };
        for (field, value) in [
            ("nama", &self.name),
            ("jabatan", &self.position),
            ("unit-kerja", &self.unit),
            ("judul-pakta", &self.pledge_title),
        ] {
            clean_value(value).map_err(|r| bad(field.into(), r))?;
        }
        for (i, r) in self.represented.iter().enumerate() {
            for (field, value) in [
                ("nama", &r.name),
                ("jabatan", &r.position),
                ("unit-kerja", &r.unit),
            ] {
                clean_value(value).map_err(|reason| {
                    bad(
                        format!("diwakili-{}-{field} (NIP {})", i + 1, r.nip),
                        reason,
                    )
                })?;
            }
        }
        if !is_nonce(&self.nonce) {
            return Err(bad(
                "segel".into(),
                "harus 32 karakter heksadesimal huruf kecil".into(),
            ));
        }
        self.check_list()
    }

    pub fn encode(&self) -> String {
        let mut w = RecordWriter::new(&[REPRESENTATION_TITLE, REPRESENTATION_FORMAT])
            .field("nama", &self.name)
            .field("nip", self.nip.as_str())
            .field("jabatan", &self.position)
            .field("unit-kerja", &self.unit)
            .field(
                "persetujuan",
                representation_consent(&self.pledge_title, self.represented.len()),
            )
            .field("upacara", self.ceremony.to_string())
            .field("waktu", self.zone.format_indonesian(self.time))
            .field("waktu-utc", format_time(self.time))
            .field("judul-pakta", &self.pledge_title)
            .field("sha256-pakta", self.pledge_sha256.to_hex())
            .field("subjek", self.subject.to_hex())
            .field("jumlah-diwakili", self.represented.len().to_string());
        for (i, r) in self.represented.iter().enumerate() {
            let n = i + 1;
            w = w
                .field(&format!("diwakili-{n}-nama"), &r.name)
                .field(&format!("diwakili-{n}-nip"), r.nip.as_str())
                .field(&format!("diwakili-{n}-jabatan"), &r.position)
                .field(&format!("diwakili-{n}-unit-kerja"), &r.unit)
                .field(&format!("diwakili-{n}-subjek"), r.subject.to_hex());
        }
        w.field("segel", &self.nonce).finish()
    }

    /// Reads a representation statement; only the canonical bytes of a list that obeys
    /// the rules are accepted.
    pub fn parse(text: &str) -> Result<RepresentationStatement, RepresentationError> {
        let mut r = RecordReader::new(text, &[REPRESENTATION_TITLE, REPRESENTATION_FORMAT])?;
        let name = r.text("nama")?;
        let nip = r.parse("nip", Identifier::parse_any)?;
        let position = r.text("jabatan")?;
        let unit = r.text("unit-kerja")?;
        r.text("persetujuan")?;
        let ceremony = r.parse("upacara", CeremonyId::parse)?;
        let zone = r.parse("waktu", |t| {
            match t.rsplit(' ').next().unwrap_or_default() {
                a @ ("WIB" | "WITA" | "WIT") => Zone::parse(a).map_err(|e| e.to_string()),
                _ => Err("harus diakhiri zona waktu WIB, WITA atau WIT".to_string()),
            }
        })?;
        let time = r.parse("waktu-utc", parse_time)?;
        let pledge_title = r.text("judul-pakta")?;
        let pledge_sha256 =
            r.parse("sha256-pakta", |t| Sha256Hash::parse_hex("sha256-pakta", t))?;
        let subject = r.parse("subjek", SubjectId::parse)?;
        let count = r.parse("jumlah-diwakili", |t| {
            t.parse::<usize>()
                .ok()
                .filter(|n| n.to_string() == t && (1..=MAX_REPRESENTED).contains(n))
                .ok_or_else(|| format!("harus bilangan 1 sampai {MAX_REPRESENTED}"))
        })?;
        let mut represented = Vec::with_capacity(count);
        for n in 1..=count {
            represented.push(RepresentedOfficial {
                name: r.text(&format!("diwakili-{n}-nama"))?,
                nip: r.parse(&format!("diwakili-{n}-nip"), Identifier::parse_any)?,
                position: r.text(&format!("diwakili-{n}-jabatan"))?,
                unit: r.text(&format!("diwakili-{n}-unit-kerja"))?,
                subject: r.parse(&format!("diwakili-{n}-subjek"), SubjectId::parse)?,
            });
        }
        let nonce = r.parse("segel", |t| {
            if is_nonce(t) {
                Ok(t.to_string())
            } else {
                Err("harus 32 karakter heksadesimal huruf kecil")
            }
        })?;
        r.end()?;
        let statement = RepresentationStatement {
            zone,
            name,
            nip,
            position,
            unit,
            ceremony,
            time,
            pledge_title,
            pledge_sha256,
            subject,
            represented,
            nonce,
        };
        statement.check_list()?;
        if statement.encode() != text {
            return Err(RepresentationError::BadField {
                field: "nip".into(),
                reason: "tidak dalam bentuk baku (NIP hanya angka tanpa spasi; kalimat persetujuan dan waktu setempat persis seperti yang diterbitkan)".into(),
            });
        }
        Ok(statement)
    }
}

/// What a representative's device signs to ask for the representation statement:
///
/// ```text
/// pakta/perwakilan-request/v1
/// ceremony: <ceremony id>
/// nip: <identifier>
/// time: <RFC 3339 UTC, seconds>
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepresentationRequest {
    pub ceremony: CeremonyId,
    pub nip: Identifier,
    pub time: DateTime<Utc>,
}

impl RepresentationRequest {
    pub fn encode(&self) -> String {
        RecordWriter::new(&[REPRESENTATION_REQUEST_HEADER])
            .field("ceremony", self.ceremony.to_string())
            .field("nip", self.nip.as_str())
            .field("time", format_time(self.time))
            .finish()
    }

    /// Reads a request; `None` for anything but the canonical bytes (every failed proof
    /// is answered alike, so the reason is not needed).
    pub fn parse(text: &str) -> Option<RepresentationRequest> {
        let read = || -> Result<RepresentationRequest, RecordError> {
            let mut r = RecordReader::new(text, &[REPRESENTATION_REQUEST_HEADER])?;
            let request = RepresentationRequest {
                ceremony: r.parse("ceremony", CeremonyId::parse)?,
                nip: r.parse("nip", Identifier::parse_any)?,
                time: r.parse("time", parse_time)?,
            };
            r.end()?;
            Ok(request)
        };
        read().ok().filter(|request| request.encode() == text)
    }

    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        (self.time - now).abs() <= REQUEST_WINDOW
    }
}

/// Checks the statement, then sets its `segel` to the seal ([`document_seal`] with the
/// context `pakta/perwakilan-seal/v1\n`).
pub fn seal(
    secret: &[u8; 32],
    fingerprint: &KeyFingerprint,
    statement: &mut RepresentationStatement,
) -> Result<(), RepresentationError> {
    statement.nonce = PLACEHOLDER_NONCE.into();
    statement.check_fields()?;
    statement.nonce = document_seal(secret, SEAL_CONTEXT, fingerprint, &statement.encode());
    Ok(())
}

/// Whether the registry holding `secret` issued `statement` for the key `fingerprint`.
pub fn is_sealed(
    secret: &[u8; 32],
    fingerprint: &KeyFingerprint,
    statement: &RepresentationStatement,
) -> bool {
    let encoded = RepresentationStatement {
        nonce: PLACEHOLDER_NONCE.into(),
        ..statement.clone()
    }
    .encode();
    is_document_sealed(
        secret,
        SEAL_CONTEXT,
        fingerprint,
        &encoded,
        &statement.nonce,
    )
}

fn is_nonce(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One official as the naming rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingParty {
    pub subject: SubjectId,
    pub nip: Identifier,
    pub opd: OpdCode,
}

/// Why a naming of a representative is refused; each says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamingRefusal {
    NotAllowed,
    CeremonyClosed,
    Empty,
    TooMany,
    RepresentativeOfOtherOpd { opd: OpdCode },
    OtherOpd { nip: Identifier, opd: OpdCode },
    Themself,
    ListedTwice { nip: Identifier },
    AlreadyRepresented { nip: Identifier },
    RepresentativeIsRepresented,
    RepresentedIsRepresentative { nip: Identifier },
    NotInvited { nip: Identifier },
    AlreadySigned,
}

impl NamingRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            NamingRefusal::NotAllowed => "representation_not_allowed",
            NamingRefusal::CeremonyClosed => "ceremony_closed",
            NamingRefusal::Empty | NamingRefusal::TooMany => "invalid_represented",
            NamingRefusal::RepresentativeOfOtherOpd { .. } | NamingRefusal::OtherOpd { .. } => {
                "other_opd"
            }
            NamingRefusal::Themself => "represents_themself",
            NamingRefusal::ListedTwice { .. } | NamingRefusal::AlreadyRepresented { .. } => {
                "already_represented"
            }
            NamingRefusal::RepresentativeIsRepresented
            | NamingRefusal::RepresentedIsRepresentative { .. } => "representative_conflict",
            NamingRefusal::NotInvited { .. } => "not_invited",
            NamingRefusal::AlreadySigned => "representation_already_signed",
        }
    }

    pub fn message(&self) -> String {
        match self {
            NamingRefusal::NotAllowed => "Upacara ini tidak mengizinkan perwakilan. Buat upacara dengan \"allow_representation\": true bila instansi mengizinkan perwakilan.".into(),
            NamingRefusal::CeremonyClosed => "Upacara sudah ditutup; perwakilan hanya dapat ditunjuk selama upacara masih draf atau dibuka.".into(),
            NamingRefusal::Empty => "Daftar pegawai yang diwakili kosong. Sebutkan paling sedikit satu NIP di \"represents\".".into(),
            NamingRefusal::TooMany => format!("Satu perwakilan paling banyak mewakili {MAX_REPRESENTED} pegawai. Bagi daftar ini ke beberapa perwakilan."),
            NamingRefusal::RepresentativeOfOtherOpd { opd } => format!("Perwakilan ini bukan pegawai OPD yang disebut; ia tercatat di OPD {opd}. Pilih perwakilan dari OPD itu sendiri."),
            NamingRefusal::OtherOpd { nip, opd } => format!("NIP {nip} adalah pegawai OPD {opd}, bukan OPD perwakilan ini. Perwakilan hanya mewakili pegawai OPD-nya sendiri; hapus NIP itu dari daftar."),
            NamingRefusal::Themself => "Perwakilan tidak boleh mewakili dirinya sendiri; hapus NIP perwakilan dari daftar yang diwakili.".into(),
            NamingRefusal::ListedTwice { nip } => format!("NIP {nip} tercantum dua kali di daftar; sebutkan setiap pegawai sekali saja."),
            NamingRefusal::AlreadyRepresented { nip } => format!("NIP {nip} sudah diwakili oleh perwakilan lain di upacara ini; setiap pegawai hanya diwakili sekali. Hapus NIP itu dari daftar."),
            NamingRefusal::RepresentativeIsRepresented => "Pegawai ini sudah tercantum sebagai pegawai yang diwakili orang lain di upacara ini, jadi tidak dapat menjadi perwakilan. Pilih perwakilan lain.".into(),
            NamingRefusal::RepresentedIsRepresentative { nip } => format!("NIP {nip} sudah ditunjuk sebagai perwakilan di upacara ini, jadi tidak dapat diwakili. Hapus NIP itu dari daftar."),
            NamingRefusal::NotInvited { nip } => format!("NIP {nip} tidak termasuk undangan upacara ini. Setelah upacara dibuka, perwakilan dan yang diwakili harus undangan."),
            NamingRefusal::AlreadySigned => "Perwakilan ini sudah menandatangani pernyataan perwakilannya; daftarnya tidak dapat diubah lagi.".into(),
        }
    }
}

/// What the naming rules need to know about the ceremony and the namings already made.
pub struct NamingContext<'a> {
    pub allowed: bool,
    pub closed: bool,
    /// Whether this representative already signed their representation.
    pub already_signed: bool,
    /// Subjects represented by other representatives of this ceremony.
    pub represented_elsewhere: &'a [SubjectId],
    /// Other representatives of this ceremony.
    pub other_representatives: &'a [SubjectId],
    /// Once the ceremony is open: whether a subject is invited. `None` in draft.
    pub invited: Option<&'a dyn Fn(&SubjectId) -> bool>,
}

/// Checks one naming: `representative` signs for `represented`, all of OPD `opd`.
pub fn check_naming(
    ctx: &NamingContext<'_>,
    opd: &OpdCode,
    representative: &NamingParty,
    represented: &[NamingParty],
) -> Result<(), NamingRefusal> {
    if !ctx.allowed {
        return Err(NamingRefusal::NotAllowed);
    }
    if ctx.closed {
        return Err(NamingRefusal::CeremonyClosed);
    }
    if ctx.already_signed {
        return Err(NamingRefusal::AlreadySigned);
    }
    if represented.is_empty() {
        return Err(NamingRefusal::Empty);
    }
    if represented.len() > MAX_REPRESENTED {
        return Err(NamingRefusal::TooMany);
    }
    if representative.opd != *opd {
        return Err(NamingRefusal::RepresentativeOfOtherOpd {
            opd: representative.opd.clone(),
        });
    }
    if ctx.represented_elsewhere.contains(&representative.subject) {
        return Err(NamingRefusal::RepresentativeIsRepresented);
    }
    let mut seen = std::collections::HashSet::new();
    for r in represented {
        if r.subject == representative.subject {
            return Err(NamingRefusal::Themself);
        }
        if r.opd != *opd {
            return Err(NamingRefusal::OtherOpd {
                nip: r.nip.clone(),
                opd: r.opd.clone(),
            });
        }
        if !seen.insert(r.subject) {
            return Err(NamingRefusal::ListedTwice { nip: r.nip.clone() });
        }
        if ctx.represented_elsewhere.contains(&r.subject) {
            return Err(NamingRefusal::AlreadyRepresented { nip: r.nip.clone() });
        }
        if ctx.other_representatives.contains(&r.subject) {
            return Err(NamingRefusal::RepresentedIsRepresentative { nip: r.nip.clone() });
        }
    }
    if let Some(invited) = ctx.invited {
        for party in std::iter::once(representative).chain(represented) {
            if !invited(&party.subject) {
                return Err(NamingRefusal::NotInvited {
                    nip: party.nip.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crypto::PublicKey;
    use chrono::Duration;

    fn nip(s: &str) -> Identifier {
        Identifier::parse_any(s).unwrap()
    }

    fn sample() -> RepresentationStatement {
        RepresentationStatement {
            zone: Zone::Wib,
            name: "Andi Wijaya, S.Pd.".into(),
            nip: nip("198001012005011001"),
            position: "Kepala Dinas Pendidikan".into(),
            unit: "Dinas Pendidikan".into(),
            ceremony: CeremonyId::new(1).unwrap(),
            time: parse_time("2024-10-07T02:20:00Z").unwrap(),
            pledge_title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
            pledge_sha256: Sha256Hash::of(b"teks"),
            subject: SubjectId::from_random([1; 16]),
            represented: vec![
                RepresentedOfficial {
                    subject: SubjectId::from_random([3; 16]),
                    nip: nip("198502142010122002"),
                    name: "Siti Rahmawati".into(),
                    position: "Sekretaris Dinas".into(),
                    unit: "Dinas Pendidikan".into(),
                },
                RepresentedOfficial {
                    subject: SubjectId::from_random([2; 16]),
                    nip: nip("199003032021211003"),
                    name: "Budi Santoso, A.Md.Kep.".into(),
                    position: "Guru".into(),
                    unit: "Dinas Pendidikan".into(),
                },
            ],
            nonce: "000102030405060708090a0b0c0d0e0f".into(),
        }
    }

    fn fingerprint(seed: u8) -> KeyFingerprint {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        PublicKey::from_bytes(&key.verifying_key().to_bytes())
            .unwrap()
            .fingerprint()
    }

    #[test]
    fn a_statement_round_trips_and_says_whom_it_represents() {
        let s = sample();
        s.check_fields().unwrap();
        let text = s.encode();
        assert!(text.contains("\njumlah-diwakili: 2\ndiwakili-1-nama: Siti Rahmawati\n"));
        assert!(text.contains("atas nama 2 pegawai"));
        assert!(text.contains("\nwaktu: Senin, 7 Oktober 2024 09.20 WIB\n"));
        assert_eq!(RepresentationStatement::parse(&text).unwrap(), s);
    }

    #[test]
    fn the_represented_digest_ignores_listing_order() {
        let s = sample();
        let mut reversed = s.represented_subjects();
        reversed.reverse();
        assert_eq!(s.represented_sha256(), represented_digest(&reversed));
    }

    #[test]
    fn edited_or_ill_formed_lists_are_refused() {
        let text = sample().encode();
        for (from, to) in [
            ("atas nama 2 pegawai", "atas nama 3 pegawai"),
            ("09.20 WIB", "09.21 WIB"),
            ("jumlah-diwakili: 2", "jumlah-diwakili: 02"),
            ("jumlah-diwakili: 2", "jumlah-diwakili: 1"),
        ] {
            let edited = text.replace(from, to);
            assert!(
                RepresentationStatement::parse(&edited).is_err(),
                "{from} -> {to}"
            );
        }
        let mut unordered = sample();
        unordered.represented.reverse();
        assert!(RepresentationStatement::parse(&unordered.encode()).is_err());
        let mut themself = sample();
        themself.represented[0].subject = themself.subject;
        assert!(matches!(
            RepresentationStatement::parse(&themself.encode()),
            Err(RepresentationError::Rule(_))
        ));
    }

    #[test]
    fn the_seal_binds_the_list_and_the_key() {
        let secret = [7; 32];
        let mut s = sample();
        seal(&secret, &fingerprint(2), &mut s).unwrap();
        assert!(is_sealed(&secret, &fingerprint(2), &s));
        assert!(!is_sealed(&secret, &fingerprint(1), &s));
        let mut fewer = s.clone();
        fewer.represented.pop();
        assert!(!is_sealed(&secret, &fingerprint(2), &fewer));
    }

    #[test]
    fn a_request_has_one_spelling() {
        let request = RepresentationRequest {
            ceremony: CeremonyId::new(1).unwrap(),
            nip: nip("198001012005011001"),
            time: parse_time("2024-10-07T02:19:55Z").unwrap(),
        };
        let text = request.encode();
        assert_eq!(
            text,
            "pakta/perwakilan-request/v1\nceremony: 1\nnip: 198001012005011001\ntime: 2024-10-07T02:19:55Z\n"
        );
        assert_eq!(RepresentationRequest::parse(&text), Some(request.clone()));
        assert!(
            RepresentationRequest::parse(&text.replace("perwakilan-request", "statement-request"))
                .is_none()
        );
        assert!(request.is_fresh(request.time + Duration::minutes(10)));
        assert!(!request.is_fresh(request.time + Duration::minutes(11)));
    }

    fn party(seed: u8, nip_text: &str, opd: &str) -> NamingParty {
        NamingParty {
            subject: SubjectId::from_random([seed; 16]),
            nip: nip(nip_text),
            opd: OpdCode::parse(opd).unwrap(),
        }
    }

    #[test]
    fn naming_rules_say_what_to_fix() {
        let opd = OpdCode::parse("DISDIK").unwrap();
        let rep = party(1, "198001012005011001", "DISDIK");
        let siti = party(2, "198502142010122002", "DISDIK");
        let budi = party(3, "199003032021211003", "DINKES");
        let ctx = |allowed| NamingContext {
            allowed,
            closed: false,
            already_signed: false,
            represented_elsewhere: &[],
            other_representatives: &[],
            invited: None,
        };
        assert_eq!(
            check_naming(&ctx(true), &opd, &rep, std::slice::from_ref(&siti)),
            Ok(())
        );
        assert_eq!(
            check_naming(&ctx(false), &opd, &rep, std::slice::from_ref(&siti)),
            Err(NamingRefusal::NotAllowed)
        );
        assert!(matches!(
            check_naming(&ctx(true), &opd, &rep, std::slice::from_ref(&budi)),
            Err(NamingRefusal::OtherOpd { .. })
        ));
        assert_eq!(
            check_naming(&ctx(true), &opd, &rep, std::slice::from_ref(&rep)),
            Err(NamingRefusal::Themself)
        );
        assert!(matches!(
            check_naming(&ctx(true), &opd, &rep, &[siti.clone(), siti.clone()]),
            Err(NamingRefusal::ListedTwice { .. })
        ));
        let elsewhere = [siti.subject];
        let taken = NamingContext {
            represented_elsewhere: &elsewhere,
            ..ctx(true)
        };
        assert!(matches!(
            check_naming(&taken, &opd, &rep, std::slice::from_ref(&siti)),
            Err(NamingRefusal::AlreadyRepresented { .. })
        ));
        let nobody_invited = |_: &SubjectId| false;
        let open = NamingContext {
            invited: Some(&nobody_invited),
            ..ctx(true)
        };
        assert!(matches!(
            check_naming(&open, &opd, &rep, &[siti]),
            Err(NamingRefusal::NotInvited { .. })
        ));
        assert!(NamingRefusal::Themself.message().contains("hapus NIP"));
    }
}
