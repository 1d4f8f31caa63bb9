//! Who is calling: bearer tokens by role, and what each role may see or do. Officials
//! never hold tokens; they prove who they are by signing with their enrolled key.

use serde::Deserialize;

use super::{App, random};
use crate::domain::crypto::Sha256Hash;
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Admin,
    /// Checks officials in at the desk of one ceremony.
    Operator(CeremonyId),
    /// Reads the reports of one OPD (a head of OPD, Inspektorat).
    Supervisor(OpdCode),
    /// Reads everything, writes nothing (Bawaslu, BKN, Inspektorat).
    Auditor,
}

/// What a token is, for pages that adapt to their user.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Role {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opd: Option<String>,
}

impl Caller {
    pub fn role(&self) -> Role {
        let (role, ceremony, opd) = match self {
            Caller::Admin => ("admin", None, None),
            Caller::Operator(c) => ("operator", Some(c.get()), None),
            Caller::Supervisor(o) => ("supervisor", None, Some(o.to_string())),
            Caller::Auditor => ("auditor", None, None),
        };
        Role {
            role,
            ceremony,
            opd,
        }
    }

    pub fn require_admin(&self) -> Result<()> {
        match self {
            Caller::Admin => Ok(()),
            _ => Err(Error::forbidden(
                "Hanya admin BKPSDM yang boleh melakukan ini. Gunakan token admin.",
            )),
        }
    }

    pub fn require_check_in(&self, ceremony: CeremonyId) -> Result<()> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Operator(c) if *c == ceremony => Ok(()),
            Caller::Operator(_) => Err(Error::forbidden(
                "Token operator ini untuk upacara lain. Minta token operator untuk upacara ini ke admin.",
            )),
            _ => Err(Error::forbidden(
                "Presensi hanya dapat dicatat oleh admin atau operator meja registrasi upacara ini.",
            )),
        }
    }

    /// Which OPD the caller may read: `requested` if allowed (None = all OPDs).
    pub fn readable_opd(&self, requested: Option<OpdCode>) -> Result<Option<OpdCode>> {
        match (self, requested) {
            (Caller::Admin | Caller::Auditor, requested) => Ok(requested),
            (Caller::Supervisor(own), None) => Ok(Some(own.clone())),
            (Caller::Supervisor(own), Some(asked)) if *own == asked => Ok(Some(asked)),
            (Caller::Supervisor(own), Some(asked)) => Err(Error::forbidden(format!(
                "Token supervisor ini hanya untuk OPD {own}; data OPD {asked} tidak dapat dibaca."
            ))),
            (Caller::Operator(_), _) => Err(Error::forbidden(
                "Token operator hanya untuk presensi; laporan dibaca dengan token admin, supervisor, atau auditor.",
            )),
        }
    }
}

/// The body of `POST /api/tokens`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub role: String,
    pub ceremony: Option<u64>,
    pub opd: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewToken {
    pub token: String,
    pub role: String,
}

impl App {
    pub async fn authenticate(&self, bearer: Option<String>) -> Result<Caller> {
        let token = bearer.ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthorized,
                "missing_token",
                "Butuh token: kirim header 'Authorization: Bearer <token>'.",
            )
        })?;
        let app = self.clone();
        self.store
            .read(move |db| {
                if app.is_admin_token(db, &token)? {
                    return Ok(Caller::Admin);
                }
                let unknown = || {
                    Error::new(
                        ErrorKind::Unauthorized,
                        "invalid_token",
                        "Token tidak dikenal. Periksa token yang disalin, atau minta token baru ke admin.",
                    )
                };
                let (role, scope) = db
                    .token(&Sha256Hash::of(token.as_bytes()))?
                    .ok_or_else(unknown)?;
                let scope = scope.unwrap_or_default();
                match role.as_str() {
                    "operator" => CeremonyId::parse(&scope).map(Caller::Operator).map_err(|_| unknown()),
                    "supervisor" => OpdCode::parse(&scope).map(Caller::Supervisor).map_err(|_| unknown()),
                    "auditor" => Ok(Caller::Auditor),
                    _ => Err(unknown()),
                }
            })
            .await
    }

    pub async fn create_token(&self, caller: &Caller, request: TokenRequest) -> Result<NewToken> {
        caller.require_admin()?;
        let (role, scope) = match (request.role.as_str(), request.ceremony, request.opd) {
            ("operator", Some(ceremony), None) => {
                let id = CeremonyId::new(ceremony).ok_or_else(|| {
                    Error::bad_request("invalid_ceremony", "Nomor upacara harus angka positif.")
                })?;
                self.ceremony_or_404(id).await?;
                ("operator", Some(id.to_string()))
            }
            ("supervisor", None, Some(opd)) => {
                let code = OpdCode::parse(&opd)
                    .map_err(|e| Error::bad_request("invalid_opd", e.to_string()))?;
                let known = {
                    let code = code.clone();
                    self.store.read(move |db| db.opd_name(&code)).await?
                };
                if known.is_none() {
                    return Err(Error::bad_request(
                        "unknown_opd",
                        format!(
                            "OPD {code} tidak ada di data pegawai. Impor data pegawai OPD itu dahulu."
                        ),
                    ));
                }
                ("supervisor", Some(code.to_string()))
            }
            ("auditor", None, None) => ("auditor", None),
            _ => {
                return Err(Error::bad_request(
                    "invalid_token_request",
                    "Kirim {\"role\": \"operator\", \"ceremony\": N}, {\"role\": \"supervisor\", \"opd\": \"KODE\"} atau {\"role\": \"auditor\"}.",
                ));
            }
        };
        let token = format!("pakta_{role}_{}", hex::encode(random::<20>()?));
        let hash = Sha256Hash::of(token.as_bytes());
        let now = self.now();
        self.store
            .write(move |w| w.insert_token(&hash, role, scope.as_deref(), now))
            .await?;
        Ok(NewToken {
            token,
            role: role.to_string(),
        })
    }
}
