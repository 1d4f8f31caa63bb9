//! Representatives (perwakilan): naming, per OPD, a representative who signs on behalf
//! of named officials in a ceremony that allows it; reading the namings; and the
//! representative's signing of a representation statement (`pakta/perwakilan/v1`),
//! which mirrors the pledge's signing protocol v2 (see [`super::signing`]):
//!
//! 1. The representative's device asks with a `pakta/perwakilan-request/v1` signed by
//!    their active key. Until that proof holds every failure gets the same 401.
//! 2. The statement is issued sealed and nothing is written.
//! 3. The signature is checked off the writer, the facts again inside it, and the
//!    `representation.signed` entry appended once per representative and ceremony; the
//!    statement is kept beside the log as an erasable document.
//!
//! A representation covers the officials it lists: their status is "represented"
//! until they sign themselves, and closing does not route them to ikrar mandiri.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access_log::{Reading, scope_text};
use super::ceremonies::ceremony_in;
use super::reports::parse_opd;
use super::{App, Caller};
use crate::domain::ceremony::CeremonyState;
use crate::domain::crypto::{PublicKey, Sha256Hash, Signature};
use crate::domain::entry::{Entry, EntryBody};
use crate::domain::identifier::{Identifier, OpdCode};
use crate::domain::ids::{CeremonyId, SubjectId};
use crate::domain::representation::{
    NamingContext, NamingParty, NamingRefusal, RepresentationRequest, RepresentationStatement,
    RepresentedOfficial, check_naming, is_sealed, seal,
};
use crate::error::{Error, ErrorKind, Result};
use crate::store::{Db, Official, RepresentationRow};

/// The body of `POST /api/ceremonies/{id}/representatives`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamingRequest {
    pub opd: String,
    pub representative: String,
    pub represents: Vec<String>,
}

/// One official in a naming, as the admin and the OPD's supervisor read it.
#[derive(Debug, Clone, Serialize)]
pub struct NamedOfficial {
    pub nip: String,
    pub name: String,
    pub position: String,
}

/// A representative of a ceremony and whom they represent.
#[derive(Debug, Clone, Serialize)]
pub struct NamingView {
    pub opd: String,
    pub opd_name: String,
    pub representative: NamedOfficial,
    pub represents: Vec<NamedOfficial>,
    /// When the representation was signed (its entry's time); null until then.
    pub signed_at: Option<DateTime<Utc>>,
    /// The `representation.signed` entry; null until signed.
    pub index: Option<u64>,
}

/// The body of `POST /api/ceremonies/{id}/representation-statement`: as for pledge
/// statements, missing fields are a failed proof, not a malformed request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RepresentationRequestBody {
    pub request: Option<String>,
    pub signature: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IssuedRepresentation {
    pub statement: String,
    pub expires_at: DateTime<Utc>,
    pub sha256: String,
    /// How many officials the statement lists.
    pub represented: u64,
}

/// The body of `POST /api/representations`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentationSubmission {
    pub statement: String,
    pub signature: String,
}

/// What an accepted representation returns, with the receipt to keep.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedRepresentation {
    pub kind: &'static str,
    pub index: u64,
    pub entry_hash: String,
    pub statement_sha256: String,
    pub represented_sha256: String,
    pub fingerprint: String,
    pub ceremony: u64,
    pub represented: u64,
    pub signed_at: DateTime<Utc>,
    pub statement: String,
    pub signature: String,
    /// The receipt (`pakta/receipt/v1`), checkable offline; it proves a representation
    /// signature, never a pledge signature of the officials represented.
    pub receipt: String,
}

/// A submitted representation: appended now, or accepted before (a retry).
#[derive(Debug, Clone)]
pub enum SubmittedRepresentation {
    Appended(AcceptedRepresentation),
    AlreadyAccepted(AcceptedRepresentation),
}

fn not_authenticated() -> Error {
    Error::new(
        ErrorKind::Unauthorized,
        "request_not_authenticated",
        "Permintaan pernyataan perwakilan tidak dapat dibuktikan berasal dari pemilik NIP ini. Buka halaman tanda tangan di perangkat tempat Anda mendaftarkan kunci, pastikan jam perangkat benar, lalu coba lagi.",
    )
}

fn not_issued() -> Error {
    Error::bad_request(
        "statement_not_issued",
        "Pernyataan perwakilan ini tidak diterbitkan oleh registri ini, atau teksnya sudah berubah. Minta pernyataan baru dan tanda tangani tanpa mengubah satu karakter pun.",
    )
}

fn expired() -> Error {
    Error::new(
        ErrorKind::Expired,
        "statement_expired",
        "Pernyataan perwakilan ini sudah kedaluwarsa. Minta pernyataan baru lalu tanda tangani segera.",
    )
}

fn mismatch() -> Error {
    Error::bad_request(
        "signature_mismatch",
        "Tanda tangan tidak cocok dengan pernyataan perwakilan ini dan kunci perwakilan yang terdaftar. Tanda tangani pernyataan persis seperti diterima, dengan kunci di perangkat Anda sendiri.",
    )
}

fn refused(refusal: NamingRefusal) -> Error {
    Error::conflict(refusal.code(), refusal.message())
}

fn not_a_representative() -> Error {
    Error::conflict(
        "not_a_representative",
        "Anda tidak ditunjuk sebagai perwakilan di upacara ini. Bila seharusnya ditunjuk, minta admin BKPSDM menunjuk Anda dan pegawai yang Anda wakili.",
    )
}

fn own_pledge_first() -> Error {
    Error::conflict(
        "own_pledge_first",
        "Tanda tangani dahulu pakta Anda sendiri di upacara ini; sesudah itu Anda dapat menandatangani sebagai perwakilan.",
    )
}

fn already_signed() -> Error {
    Error::conflict(
        "representation_already_signed",
        "Anda sudah menandatangani pernyataan perwakilan di upacara ini; tanda tangan perwakilan hanya diterima sekali.",
    )
}

fn ceremony_not_open(state: CeremonyState) -> Error {
    match state {
        CeremonyState::Draft => Error::conflict(
            "ceremony_not_open",
            "Upacara belum dibuka. Tanda tangan perwakilan diterima selama upacara dibuka.",
        ),
        _ => Error::conflict(
            "ceremony_closed",
            "Upacara sudah ditutup; tanda tangan perwakilan hanya diterima selama upacara dibuka.",
        ),
    }
}

fn not_allowed() -> Error {
    refused(NamingRefusal::NotAllowed)
}

fn unknown(nip: &Identifier) -> Error {
    Error::not_found(
        "unknown_official",
        format!(
            "NIP/NIK {nip} tidak ada di data pegawai. Periksa nomornya atau impor data pegawainya dahulu."
        ),
    )
}

fn parse_nip(text: &str) -> Result<Identifier> {
    Identifier::parse_any(text).map_err(|e| Error::bad_request("invalid_nip", e.to_string()))
}

fn named(o: &Official) -> NamedOfficial {
    NamedOfficial {
        nip: o.nip.to_string(),
        name: o.name.clone(),
        position: o.position.clone(),
    }
}

/// Checks a naming against the ceremony and the other namings.
fn check_in_db(
    db: &Db<'_>,
    id: CeremonyId,
    opd: &OpdCode,
    representative: &Official,
    represented: &[Official],
) -> Result<()> {
    let ceremony = ceremony_in(db, id)?;
    let namings = db.namings(id)?;
    let others: Vec<_> = namings
        .iter()
        .filter(|n| n.representative != representative.subject)
        .collect();
    let represented_elsewhere: Vec<SubjectId> = others
        .iter()
        .flat_map(|n| n.represented.iter().copied())
        .collect();
    let other_representatives: Vec<SubjectId> = others.iter().map(|n| n.representative).collect();
    let invitee = |s: &SubjectId| db.invitee_facts(id, s).ok().flatten().is_some();
    let ctx = NamingContext {
        allowed: db.allows_representation(id)?,
        closed: ceremony.state == CeremonyState::Closed,
        already_signed: db.representation_of(id, &representative.subject)?.is_some(),
        represented_elsewhere: &represented_elsewhere,
        other_representatives: &other_representatives,
        invited: (ceremony.state == CeremonyState::Open)
            .then_some(&invitee as &dyn Fn(&SubjectId) -> bool),
    };
    let party = |o: &Official| NamingParty {
        subject: o.subject,
        nip: o.nip.clone(),
        opd: o.opd_code.clone(),
    };
    let parties: Vec<NamingParty> = represented.iter().map(party).collect();
    check_naming(&ctx, opd, &party(representative), &parties).map_err(refused)
}

/// The namings of an opening ceremony must name invitees only: checked as it opens.
pub(super) fn check_namings_at_opening(
    db: &Db<'_>,
    id: CeremonyId,
    invitees: &[SubjectId],
) -> Result<()> {
    let invited: HashSet<&SubjectId> = invitees.iter().collect();
    for naming in db.namings(id)? {
        for subject in std::iter::once(&naming.representative).chain(&naming.represented) {
            if !invited.contains(subject) {
                let nip = db
                    .official_by_subject(subject)?
                    .map_or_else(|| subject.to_hex(), |o| o.nip.to_string());
                return Err(Error::conflict(
                    "representative_not_invited",
                    format!(
                        "Upacara tidak dapat dibuka: NIP {nip} disebut dalam penunjukan perwakilan OPD {}, tetapi tidak termasuk undangan. Ubah undangan atau penunjukan perwakilan, lalu buka lagi.",
                        naming.opd
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Where a submitted representation stands before the writer sees it.
enum Precheck {
    Accepted(RepresentationRow),
    Sealed(PublicKey),
    NotIssued,
}

impl App {
    /// Names a representative and whom they represent (admin; the ceremony allows it
    /// and is a draft or open). Naming the same representative again replaces their
    /// list until they sign.
    pub async fn name_representative(
        &self,
        caller: &Caller,
        id: CeremonyId,
        request: NamingRequest,
    ) -> Result<NamingView> {
        caller.require_admin()?;
        let opd = OpdCode::parse(&request.opd)
            .map_err(|e| Error::bad_request("invalid_opd", e.to_string()))?;
        let representative = parse_nip(&request.representative)?;
        let represents = request
            .represents
            .iter()
            .map(|n| parse_nip(n))
            .collect::<Result<Vec<_>>>()?;
        let now = self.now();
        let scope = scope_text(Some(id.get()), Some(request.opd.trim()));
        let view = self
            .store
            .write(move |w| {
                let db = w.db();
                ceremony_in(&db, id)?;
                if !db.allows_representation(id)? {
                    return Err(not_allowed());
                }
                let opd_name = db.opd_name(&opd)?.ok_or_else(|| {
                    Error::bad_request(
                        "unknown_opd",
                        format!("OPD {opd} tidak ada di data pegawai. Periksa kode OPD."),
                    )
                })?;
                let rep = db
                    .official_by_nip(&representative)?
                    .ok_or_else(|| unknown(&representative))?;
                let mut listed = Vec::with_capacity(represents.len());
                for nip in &represents {
                    listed.push(db.official_by_nip(nip)?.ok_or_else(|| unknown(nip))?);
                }
                check_in_db(&db, id, &opd, &rep, &listed)?;
                let subjects: Vec<SubjectId> = listed.iter().map(|o| o.subject).collect();
                w.name_representative(id, &rep.subject, &opd, &subjects, now)?;
                listed.sort_by(|a, b| a.name.cmp(&b.name).then(a.nip.cmp(&b.nip)));
                Ok(NamingView {
                    opd: opd.to_string(),
                    opd_name,
                    representative: named(&rep),
                    represents: listed.iter().map(named).collect(),
                    signed_at: None,
                    index: None,
                })
            })
            .await?;
        // The reply names the representative and everyone represented.
        let people = 1 + view.represents.len() as u64;
        self.record_access(caller, Reading::Representatives, scope, people)
            .await?;
        Ok(view)
    }

    /// The namings of a ceremony, optionally of one OPD: the admin, the inspektorat and
    /// the supervisor of that OPD (names, so recorded in the access log).
    pub async fn representatives(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<Vec<NamingView>> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
        let views = self
            .store
            .read(move |db| {
                ceremony_in(db, id)?;
                let mut views = Vec::new();
                for naming in db.namings(id)? {
                    if opd.as_ref().is_some_and(|o| *o != naming.opd) {
                        continue;
                    }
                    let Some(rep) = db.official_by_subject(&naming.representative)? else {
                        continue;
                    };
                    let mut listed = Vec::new();
                    for s in &naming.represented {
                        if let Some(o) = db.official_by_subject(s)? {
                            listed.push(o);
                        }
                    }
                    listed.sort_by(|a, b| a.name.cmp(&b.name).then(a.nip.cmp(&b.nip)));
                    let signed = db.representation_of(id, &naming.representative)?;
                    views.push(NamingView {
                        opd_name: db
                            .opd_name(&naming.opd)?
                            .unwrap_or_else(|| naming.opd.to_string()),
                        opd: naming.opd.to_string(),
                        representative: named(&rep),
                        represents: listed.iter().map(named).collect(),
                        signed_at: signed.as_ref().map(|s| s.at),
                        index: signed.map(|s| s.idx),
                    });
                }
                Ok(views)
            })
            .await?;
        let people = views.iter().map(|v| 1 + v.represents.len() as u64).sum();
        self.record_access(caller, Reading::Representatives, scope, people)
            .await?;
        Ok(views)
    }

    /// Issues a representation statement to whoever proves, with a signed
    /// `pakta/perwakilan-request/v1`, to hold the representative's active key. Writes
    /// nothing.
    pub async fn issue_representation(
        &self,
        ceremony: CeremonyId,
        body: RepresentationRequestBody,
    ) -> Result<IssuedRepresentation> {
        let now = self.now();
        let text = body.request.unwrap_or_default();
        let request = RepresentationRequest::parse(&text)
            .filter(|r| r.ceremony == ceremony && r.is_fresh(now));
        let (_, official, key) = self
            .prove_request(
                &text,
                request,
                body.signature,
                |r| r.nip.clone(),
                not_authenticated,
            )
            .await?;
        // Proved: the refusals from here on only tell the representative about themself.
        let subject = official.subject;
        let (c, represented, pledge) = self
            .store
            .read(move |db| {
                let c = ceremony_in(db, ceremony)?;
                let listed = representable(db, ceremony, &c.state, &subject)?;
                let pledge = db
                    .pledge(c.pledge_id)?
                    .ok_or_else(|| Error::internal("Pakta upacara tidak ditemukan."))?;
                Ok((c, listed, pledge))
            })
            .await?;
        let mut statement = RepresentationStatement {
            zone: c.zone,
            name: official.name,
            nip: official.nip,
            position: official.position,
            unit: official.opd_name,
            ceremony,
            time: now,
            pledge_title: pledge.title,
            pledge_sha256: pledge.sha256,
            subject,
            represented,
            nonce: String::new(),
        };
        seal(&self.secrets.statement, &key.fingerprint(), &mut statement).map_err(|e| {
            Error::conflict(
                "roster_data_unsignable",
                format!(
                    "{e}. Admin BKPSDM perlu memperbaiki data pegawai ini lalu mengimpor ulang."
                ),
            )
        })?;
        let text = statement.encode();
        Ok(IssuedRepresentation {
            sha256: Sha256Hash::of(text.as_bytes()).to_hex(),
            represented: statement.represented.len() as u64,
            statement: text,
            expires_at: now + self.config.statement_ttl,
        })
    }

    /// Accepts a representative's signature over a representation statement this
    /// registry issued, once; the same statement and signature again get the original
    /// receipt.
    pub async fn submit_representation(
        &self,
        request: RepresentationSubmission,
    ) -> Result<SubmittedRepresentation> {
        let signature = Signature::from_base64("signature", &request.signature)
            .map_err(|e| Error::bad_request("invalid_signature", e.to_string()))?;
        let text = request.statement;
        let statement = RepresentationStatement::parse(&text).map_err(|_| not_issued())?;
        let sha256 = Sha256Hash::of(text.as_bytes());
        let subject = statement.subject;
        let secret = self.secrets.statement;
        let sealed = statement.clone();
        let precheck = self
            .store
            .read(move |db| {
                if let Some(row) = db.representation_by_statement(&sha256)? {
                    return Ok(Precheck::Accepted(row));
                }
                Ok(match db.active_key(&subject)? {
                    Some(key) if is_sealed(&secret, &key.fingerprint(), &sealed) => {
                        Precheck::Sealed(key)
                    }
                    _ => Precheck::NotIssued,
                })
            })
            .await?;
        let key = match precheck {
            Precheck::Accepted(row) => {
                return self.representation_again(row, text, signature).await;
            }
            Precheck::Sealed(key) => key,
            Precheck::NotIssued => return Err(not_issued()),
        };
        if self.now() > statement.time + self.config.statement_ttl {
            return Err(expired());
        }
        if !key.verify_strict(text.as_bytes(), &signature) {
            return Err(mismatch());
        }
        let ttl = self.config.statement_ttl;
        let document = text.clone();
        let outcome = self
            .store
            .write(move |w| {
                if let Some(row) = w.db().representation_by_statement(&sha256)? {
                    return Ok(Err(row));
                }
                if w.db().active_key(&statement.subject)?.map(|k| k.fingerprint())
                    != Some(key.fingerprint())
                {
                    return Err(Error::conflict(
                        "key_revoked",
                        "Kunci yang dipakai untuk pernyataan ini sudah dicabut. Minta pernyataan baru dan tanda tangani dengan kunci terbaru.",
                    ));
                }
                if w.now() > statement.time + ttl {
                    return Err(expired());
                }
                let ceremony = ceremony_in(&w.db(), statement.ceremony)?;
                let listed =
                    representable(&w.db(), statement.ceremony, &ceremony.state, &statement.subject)?;
                if listed != statement.represented {
                    return Err(Error::conflict(
                        "representation_changed",
                        "Daftar pegawai yang Anda wakili berubah sejak pernyataan ini diterbitkan. Minta pernyataan baru.",
                    ));
                }
                let fingerprint = key.fingerprint();
                let represented_sha256 = statement.represented_sha256();
                let covers = statement.represented_subjects();
                let entry = w.append_not_before(
                    Some(statement.time),
                    EntryBody::RepresentationSigned {
                        ceremony: statement.ceremony,
                        subject: statement.subject,
                        represented: covers.len() as u64,
                        represented_sha256,
                        statement_sha256: sha256,
                        fingerprint,
                        signature,
                    },
                )?;
                w.insert_document(&sha256, "representation", &text)?;
                w.insert_representation(
                    statement.ceremony,
                    &statement.subject,
                    entry.index,
                    entry.time,
                    &sha256,
                    &fingerprint,
                    &covers,
                )?;
                Ok(Ok(AcceptedRepresentation {
                    kind: "representation.signed",
                    index: entry.index,
                    entry_hash: entry.hash.to_hex(),
                    statement_sha256: sha256.to_hex(),
                    represented_sha256: represented_sha256.to_hex(),
                    fingerprint: fingerprint.to_hex(),
                    ceremony: statement.ceremony.get(),
                    represented: covers.len() as u64,
                    signed_at: entry.time,
                    statement: text,
                    signature: signature.to_base64(),
                    receipt: String::new(),
                }))
            })
            .await?;
        match outcome {
            Ok(mut accepted) => {
                accepted.receipt = self
                    .receipt(accepted.index, key, signature, document)
                    .await?;
                Ok(SubmittedRepresentation::Appended(accepted))
            }
            Err(row) => self.representation_again(row, document, signature).await,
        }
    }

    async fn representation_again(
        &self,
        row: RepresentationRow,
        text: String,
        signature: Signature,
    ) -> Result<SubmittedRepresentation> {
        let (entry, entry_hash, key) = self
            .store
            .read(move |db| {
                let stored = db.intact_entry(row.idx)?;
                let entry = Entry::parse(&stored.bytes).map_err(|e| {
                    Error::internal(format!("Entri {} tidak terbaca: {e}", row.idx))
                })?;
                let key = db
                    .key(&row.fingerprint)?
                    .ok_or_else(|| Error::internal("Kunci perwakilan ini tidak ditemukan."))?
                    .key;
                Ok((entry, stored.hash, key))
            })
            .await?;
        let EntryBody::RepresentationSigned {
            signature: accepted,
            statement_sha256,
            represented_sha256,
            ceremony,
            represented,
            ..
        } = entry.body
        else {
            return Err(Error::internal(format!(
                "Entri {} bukan tanda tangan perwakilan.",
                entry.index
            )));
        };
        if accepted != signature {
            return Err(Error::conflict(
                "statement_already_signed",
                "Pernyataan perwakilan ini sudah ditandatangani dan tercatat dengan tanda tangan lain.",
            ));
        }
        let receipt = self
            .receipt(entry.index, key, signature, text.clone())
            .await?;
        Ok(SubmittedRepresentation::AlreadyAccepted(
            AcceptedRepresentation {
                kind: "representation.signed",
                index: entry.index,
                entry_hash: entry_hash.to_hex(),
                statement_sha256: statement_sha256.to_hex(),
                represented_sha256: represented_sha256.to_hex(),
                fingerprint: key.fingerprint().to_hex(),
                ceremony: ceremony.get(),
                represented,
                signed_at: entry.time,
                statement: text,
                signature: signature.to_base64(),
                receipt,
            },
        ))
    }
}

/// Whom `representative` may sign for now, as the statement lists them (by NIP), or
/// why they cannot sign a representation: the ceremony allows it and is open, they are
/// named, signed their own pledge here, and have not signed a representation yet.
fn representable(
    db: &Db<'_>,
    id: CeremonyId,
    state: &CeremonyState,
    representative: &SubjectId,
) -> Result<Vec<RepresentedOfficial>> {
    if !db.allows_representation(id)? {
        return Err(not_allowed());
    }
    if *state != CeremonyState::Open {
        return Err(ceremony_not_open(*state));
    }
    let naming = db
        .naming_of(id, representative)?
        .ok_or_else(not_a_representative)?;
    if db.representation_of(id, representative)?.is_some() {
        return Err(already_signed());
    }
    let own = db.invitee_facts(id, representative)?;
    if own.and_then(|f| f.signature).is_none() {
        return Err(own_pledge_first());
    }
    let mut listed = Vec::with_capacity(naming.represented.len());
    for subject in &naming.represented {
        let o = db
            .official_by_subject(subject)?
            .ok_or_else(|| Error::internal("Pegawai yang diwakili tidak ditemukan."))?;
        listed.push(RepresentedOfficial {
            subject: o.subject,
            nip: o.nip,
            name: o.name,
            position: o.position,
            unit: o.opd_name,
        });
    }
    if listed.is_empty() {
        return Err(not_a_representative());
    }
    listed.sort_by(|a, b| a.nip.cmp(&b.nip));
    Ok(listed)
}

/// The names of the representatives of a ceremony's represented officials, for the
/// unsigned list ("diwakili oleh …").
pub(super) fn representative_names(
    db: &Db<'_>,
    id: CeremonyId,
) -> Result<HashMap<SubjectId, String>> {
    db.representative_names(id)
}
