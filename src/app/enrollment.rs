//! Enrollment: the admin issues a single-use, expiring code for one official; the
//! official's device submits its new public key with a proof of possession (a signature
//! over the exact enrollment message). Enrolling again revokes the previous key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access_log::{Reading, scope_text};
use super::{App, Caller, random};
use crate::domain::crypto::{PublicKey, Sha256Hash, Signature};
use crate::domain::entry::{EntryBody, RevocationReason};
use crate::domain::identifier::Identifier;
use crate::domain::statement::{EnrollmentCode, enrollment_message};
use crate::error::{Error, ErrorKind, Result};
use crate::store::{Db, Official};

#[derive(Debug, Clone, Serialize)]
pub struct IssuedCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
    pub nip: String,
    pub name: String,
}

/// The body of `POST /api/enroll`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentRequest {
    pub nip: String,
    pub code: String,
    pub public_key: String,
    pub proof: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enrolled {
    pub fingerprint: String,
    pub index: u64,
    /// The entry that revoked the previous key, when there was one.
    pub revoked_index: Option<u64>,
    /// The receipt proving the enrollment is in the registry.
    pub receipt: String,
}

/// A new random enrollment code (`from_symbols` keeps 5 bits of each random byte).
pub(super) fn fresh_code() -> Result<EnrollmentCode> {
    random::<12>().map(EnrollmentCode::from_symbols)
}

pub(super) fn parse_nip(raw: &str) -> Result<Identifier> {
    Identifier::parse_any(raw).map_err(|e| Error::bad_request("invalid_nip", e.to_string()))
}

pub(super) fn unknown_official(nip: &Identifier) -> Error {
    Error::not_found(
        "unknown_official",
        format!(
            "NIP/NIK {nip} tidak ada di data pegawai. Periksa kembali nomornya, atau minta admin BKPSDM mengimpor data pegawai tersebut."
        ),
    )
}

/// The one answer to an unknown NIP, a code that is not this official's, and a code
/// already used: a stranger cannot tell from it whether a person is on the roster.
fn code_refused() -> Error {
    Error::bad_request(
        "unknown_enrollment_code",
        "NIP dan kode pendaftaran ini tidak cocok dengan kartu kode yang berlaku. Periksa kembali NIP dan kode di kartu (setiap kode hanya berlaku sekali), atau minta kartu baru ke admin BKPSDM.",
    )
}

/// The official whose current card holds this code. Only someone holding that card
/// learns more than [`code_refused`]: that it was replaced or has expired.
fn card_holder(
    db: &Db<'_>,
    nip: &Identifier,
    code_hash: &Sha256Hash,
    now: DateTime<Utc>,
) -> Result<Official> {
    let official = db.official_by_nip(nip)?.ok_or_else(code_refused)?;
    let stored = db
        .enrollment_code(code_hash)?
        .filter(|c| c.subject == official.subject && !c.used)
        .ok_or_else(code_refused)?;
    if stored.superseded {
        return Err(Error::conflict(
            "enrollment_code_superseded",
            "Kode ini sudah diganti dengan kode yang lebih baru. Pakai kartu kode terbaru atau minta kode baru.",
        ));
    }
    if now > stored.expires_at {
        return Err(Error::new(
            ErrorKind::Expired,
            "enrollment_code_expired",
            "Kode pendaftaran ini sudah kedaluwarsa. Minta kode baru ke admin BKPSDM.",
        ));
    }
    Ok(official)
}

impl App {
    pub async fn issue_enrollment_code(&self, caller: &Caller, nip: &str) -> Result<IssuedCode> {
        caller.require_admin()?;
        let nip = parse_nip(nip)?;
        let code = fresh_code()?;
        let code_hash = Sha256Hash::of(code.as_str().as_bytes());
        let now = self.now();
        let expires_at = now + self.config.enrollment_code_ttl;
        let official = self
            .store
            .write(move |w| {
                let official = w
                    .db()
                    .official_by_nip(&nip)?
                    .ok_or_else(|| unknown_official(&nip))?;
                w.insert_enrollment_code(&code_hash, &official.subject, now, expires_at)?;
                Ok(official)
            })
            .await?;
        let scope = scope_text(None, Some(official.opd_code.as_str()));
        self.record_access(caller, Reading::EnrollmentCode, scope, 1)
            .await?;
        Ok(IssuedCode {
            code: code.as_str().to_string(),
            expires_at,
            nip: official.nip.to_string(),
            name: official.name,
        })
    }

    pub async fn enroll(&self, request: EnrollmentRequest) -> Result<Enrolled> {
        let nip = parse_nip(&request.nip)?;
        // Lenient on what people type (case, spaces, hyphens, O for 0); the refusal says
        // what a code is made of rather than how it was capitalised.
        let code = EnrollmentCode::parse(&request.code).map_err(|_| {
            Error::bad_request(
                "invalid_enrollment_code",
                format!(
                    "Kode pendaftaran '{}' tidak lengkap atau memuat tanda yang tidak ada di kartu. Ketik 12 huruf dan angka seperti tercetak di kartu (contoh 7K2M-Q9XD-4HPA; huruf kecil, spasi, dan tanda hubung boleh), atau minta kartu baru ke admin BKPSDM.",
                    request.code.trim().chars().take(40).collect::<String>()
                ),
            )
        })?;
        let key = PublicKey::from_base64(&request.public_key)
            .map_err(|e| Error::bad_request("invalid_public_key", e.to_string()))?;
        let proof = Signature::from_base64("proof", &request.proof)
            .map_err(|e| Error::bad_request("invalid_proof", e.to_string()))?;
        let message = enrollment_message(&nip, &key, &code);
        // Checked before touching the database: a proof that fails costs no write.
        if !key.verify_strict(message.as_bytes(), &proof) {
            return Err(Error::bad_request(
                "invalid_proof",
                format!(
                    "Bukti kepemilikan kunci tidak cocok: tanda tangan harus dibuat oleh kunci baru atas pesan pakta/enroll/v1 dengan NIP, kunci publik, dan kode yang sama persis, kode dalam bentuk bakunya {}.",
                    code.as_str()
                ),
            ));
        }
        let code_hash = Sha256Hash::of(code.as_str().as_bytes());
        // Read first: a wrong code costs no write, and is answered exactly like an
        // unknown NIP.
        {
            let nip = nip.clone();
            let now = self.now();
            self.store
                .read(move |db| card_holder(db, &nip, &code_hash, now).map(|_| ()))
                .await?;
        }
        let document = message.clone();
        let mut enrolled = self
            .store
            .write(move |w| {
                let official = card_holder(&w.db(), &nip, &code_hash, w.now())?;
                if w.db().key(&key.fingerprint())?.is_some() {
                    return Err(Error::conflict(
                        "key_already_enrolled",
                        "Kunci publik ini sudah pernah didaftarkan. Buat pasangan kunci baru di perangkat Anda.",
                    ));
                }
                let subject = official.subject;
                let revoked_index = match w.db().active_key(&subject)? {
                    Some(old) => {
                        let fingerprint = old.fingerprint();
                        let revoked = w.append(
                            EntryBody::KeyRevoked {
                                subject,
                                fingerprint,
                                reason: RevocationReason::Superseded,
                            },
                        )?;
                        w.revoke_key(&fingerprint, revoked.index)?;
                        Some(revoked.index)
                    }
                    None => None,
                };
                let message_hash = Sha256Hash::of(message.as_bytes());
                w.insert_document(&message_hash, "enrollment", &message)?;
                let enrolled = w.append(
                    EntryBody::KeyEnrolled {
                        subject,
                        key,
                        enrollment_sha256: message_hash,
                        proof,
                    },
                )?;
                w.insert_key(&subject, &key, enrolled.index)?;
                w.use_enrollment_code(&code_hash, enrolled.time)?;
                Ok(Enrolled {
                    fingerprint: key.fingerprint().to_hex(),
                    index: enrolled.index,
                    revoked_index,
                    receipt: String::new(),
                })
            })
            .await?;
        enrolled.receipt = self.receipt(enrolled.index, key, proof, document).await?;
        Ok(enrolled)
    }
}
