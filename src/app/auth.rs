//! Who is calling: bearer tokens, the role each carries, and what each role may see or
//! do (the rules themselves are in [`crate::domain::access`]). Officials never hold
//! tokens; they prove who they are by signing with their enrolled key. Also issuing,
//! listing and revoking tokens, which only the admin may do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::paging::{PageRequest, PageSize, split_page};
use super::{App, random};
use crate::domain::access::{TokenName, TokenRole, TokenState, token_expiry, token_state};
use crate::domain::crypto::Sha256Hash;
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::domain::zone::Zone;
use crate::error::{Error, ErrorKind, Result};
use crate::store::{NewTokenRow, TokenRow};

/// What a caller may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Admin,
    /// Checks officials in at the desk of one ceremony.
    Operator(CeremonyId),
    /// Reads the names in one OPD (its head).
    Supervisor(OpdCode),
    /// Reads every OPD's names and reports, writes nothing.
    Inspektorat,
    /// Reads the per-OPD counts, never a name (Bawaslu, BKN, the press).
    Auditor,
}

/// An authenticated caller: what they may do, and who holds the token (for the access
/// log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access: Access,
    pub holder: String,
}

/// What a token is, for pages that adapt to their user.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub role: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opd: Option<String>,
}

fn forbidden_names() -> Error {
    Error::forbidden(
        "Token auditor hanya membaca rekapitulasi angka per OPD, bukan nama. Daftar nama dibaca dengan token inspektorat, supervisor OPD, atau admin.",
    )
}

impl Caller {
    /// The admin, acting through the admin token or a command run on the server.
    pub fn admin(holder: impl Into<String>) -> Caller {
        Caller {
            access: Access::Admin,
            holder: holder.into(),
        }
    }

    pub fn role(&self) -> Role {
        let (role, ceremony, opd) = match &self.access {
            Access::Admin => ("admin", None, None),
            Access::Operator(c) => ("operator", Some(c.get()), None),
            Access::Supervisor(o) => ("supervisor", None, Some(o.to_string())),
            Access::Inspektorat => ("inspektorat", None, None),
            Access::Auditor => ("auditor", None, None),
        };
        Role {
            role,
            name: self.holder.clone(),
            ceremony,
            opd,
        }
    }

    pub fn require_admin(&self) -> Result<()> {
        match self.access {
            Access::Admin => Ok(()),
            _ => Err(Error::forbidden(
                "Hanya admin BKPSDM yang boleh melakukan ini. Gunakan token admin.",
            )),
        }
    }

    /// The registration desk of `ceremony` (check-in, and finding its invitees) is the
    /// admin's or that ceremony's operator's.
    pub fn require_check_in(&self, ceremony: CeremonyId) -> Result<()> {
        match &self.access {
            Access::Admin => Ok(()),
            Access::Operator(c) if *c == ceremony => Ok(()),
            Access::Operator(_) => Err(Error::forbidden(
                "Token operator ini untuk upacara lain. Minta token operator untuk upacara ini ke admin.",
            )),
            _ => Err(Error::forbidden(
                "Presensi dan pencarian di meja registrasi hanya untuk admin atau operator upacara ini.",
            )),
        }
    }

    /// Which OPD's names (roster, unsigned lists) the caller may read: `requested` if
    /// allowed (None = all OPDs).
    pub fn readable_opd(&self, requested: Option<OpdCode>) -> Result<Option<OpdCode>> {
        match &self.access {
            Access::Auditor => Err(forbidden_names()),
            _ => self.countable_opd(requested),
        }
    }

    /// Whether the caller may read officials' phone numbers (the unsigned list's
    /// `phone` and `whatsapp`, the WhatsApp CSV): the admin, and a supervisor, whose
    /// lists are always of their own OPD. Not the inspektorat, auditors or operators.
    pub fn reads_phones(&self) -> bool {
        matches!(self.access, Access::Admin | Access::Supervisor(_))
    }

    /// Which OPD's counts (the report) the caller may read: `requested` if allowed
    /// (None = all OPDs).
    pub fn countable_opd(&self, requested: Option<OpdCode>) -> Result<Option<OpdCode>> {
        match (&self.access, requested) {
            (Access::Admin | Access::Inspektorat | Access::Auditor, requested) => Ok(requested),
            (Access::Supervisor(own), None) => Ok(Some(own.clone())),
            (Access::Supervisor(own), Some(asked)) if *own == asked => Ok(Some(asked)),
            (Access::Supervisor(own), Some(asked)) => Err(Error::forbidden(format!(
                "Token supervisor ini hanya untuk OPD {own}; data OPD {asked} tidak dapat dibaca."
            ))),
            (Access::Operator(_), _) => Err(Error::forbidden(
                "Token operator hanya untuk presensi; laporan dibaca dengan token admin, supervisor, inspektorat, atau auditor.",
            )),
        }
    }
}

/// The body of `POST /api/tokens`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub role: String,
    pub ceremony: Option<u64>,
    pub opd: Option<String>,
    /// Who holds it; named after the role and scope when left out.
    pub name: Option<String>,
    /// How many days it works (1 to 366; default 30).
    pub days: Option<u64>,
}

/// A token as the admin sees it in the list: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: u64,
    pub name: String,
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opd: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// active, expired, revoked, or ceremony_closed (operator tokens end with their
    /// ceremony).
    pub state: &'static str,
}

/// A new token: the secret, shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct NewToken {
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

impl TokenView {
    fn of(row: &TokenRow, now: DateTime<Utc>) -> TokenView {
        let scope = row.scope.clone();
        let (ceremony, opd) = match row.role {
            TokenRole::Operator => (scope.and_then(|s| s.parse().ok()), None),
            TokenRole::Supervisor => (None, scope),
            TokenRole::Inspektorat | TokenRole::Auditor => (None, None),
        };
        TokenView {
            id: row.id,
            name: row.name.clone(),
            role: row.role.as_str(),
            ceremony,
            opd,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            state: state_of(row, now).as_str(),
        }
    }
}

fn state_of(row: &TokenRow, now: DateTime<Utc>) -> TokenState {
    token_state(
        now,
        row.expires_at,
        row.revoked_at.is_some(),
        row.ceremony_closed,
    )
}

/// The token list: a few hundred bytes a token.
pub const TOKEN_PAGE: PageSize = PageSize {
    default: 100,
    max: 1000,
};

/// One page of the token list and where the next starts.
#[derive(Debug, Clone, Serialize)]
pub struct TokenPage {
    pub tokens: Vec<TokenView>,
    pub next: Option<u64>,
}

fn unauthorized(code: &'static str, message: String) -> Error {
    Error::new(ErrorKind::Unauthorized, code, message)
}

/// Why a stored token no longer works, in words its holder can act on; None while it
/// works.
fn refusal(row: &TokenRow, state: TokenState, zone: Zone) -> Option<Error> {
    Some(match state {
        TokenState::Active => return None,
        TokenState::Expired => unauthorized(
            "token_expired",
            format!(
                "Token '{}' sudah berakhir pada {}. Minta token baru ke admin.",
                row.name,
                zone.format_indonesian(row.expires_at)
            ),
        ),
        TokenState::Revoked => unauthorized(
            "token_revoked",
            format!(
                "Token '{}' sudah dicabut oleh admin. Minta token baru bila masih diperlukan.",
                row.name
            ),
        ),
        TokenState::CeremonyClosed => unauthorized(
            "token_ended",
            format!(
                "Token operator '{}' berakhir bersama upacaranya, yang sudah ditutup.",
                row.name
            ),
        ),
    })
}

impl App {
    pub async fn authenticate(&self, bearer: Option<String>) -> Result<Caller> {
        let token = bearer.ok_or_else(|| {
            unauthorized(
                "missing_token",
                // Read by a clerk on a web page far more often than by a programmer,
                // who finds the header in the API description.
                "Anda belum masuk. Masukkan token akses yang diberikan admin BKPSDM di kolom Token, lalu coba lagi.".into(),
            )
        })?;
        let app = self.clone();
        let now = self.now();
        self.store
            .read(move |db| {
                if app.is_admin_token(db, &token)? {
                    return Ok(Caller::admin("admin"));
                }
                let unknown = || {
                    unauthorized(
                        "invalid_token",
                        "Token tidak dikenal. Periksa token yang disalin, atau minta token baru ke admin.".into(),
                    )
                };
                let row = db
                    .token_by_hash(&Sha256Hash::of(token.as_bytes()))?
                    .ok_or_else(unknown)?;
                if let Some(refused) = refusal(&row, state_of(&row, now), app.config.zone) {
                    return Err(refused);
                }
                let scope = row.scope.clone().unwrap_or_default();
                let access = match row.role {
                    TokenRole::Operator => {
                        CeremonyId::parse(&scope).map(Access::Operator).map_err(|_| unknown())?
                    }
                    TokenRole::Supervisor => {
                        OpdCode::parse(&scope).map(Access::Supervisor).map_err(|_| unknown())?
                    }
                    TokenRole::Inspektorat => Access::Inspektorat,
                    TokenRole::Auditor => Access::Auditor,
                };
                Ok(Caller {
                    access,
                    holder: row.name,
                })
            })
            .await
    }

    pub async fn create_token(&self, caller: &Caller, request: TokenRequest) -> Result<NewToken> {
        caller.require_admin()?;
        let role = TokenRole::parse(&request.role);
        let scope = match (role, request.ceremony, request.opd) {
            (Some(TokenRole::Operator), Some(ceremony), None) => {
                let id = CeremonyId::new(ceremony).ok_or_else(|| {
                    Error::bad_request("invalid_ceremony", "Nomor upacara harus angka positif.")
                })?;
                self.ceremony_or_404(id).await?;
                Some(id.to_string())
            }
            (Some(TokenRole::Supervisor), None, Some(opd)) => {
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
                Some(code.to_string())
            }
            (Some(TokenRole::Inspektorat | TokenRole::Auditor), None, None) => None,
            _ => {
                return Err(Error::bad_request(
                    "invalid_token_request",
                    "Kirim {\"role\": \"operator\", \"ceremony\": N}, {\"role\": \"supervisor\", \"opd\": \"KODE\"}, {\"role\": \"inspektorat\"} atau {\"role\": \"auditor\"}, dengan \"name\" (siapa pemegangnya) dan \"days\" (masa berlaku, bawaan 30 hari).",
                ));
            }
        };
        let role = role.ok_or_else(|| Error::internal("a token role passed the match unparsed"))?;
        let name = match request.name {
            Some(name) => TokenName::parse(&name)
                .map_err(|e| Error::bad_request("invalid_token_name", e.to_string()))?,
            None => TokenName::parse(&format!(
                "{} {}",
                role.as_str(),
                scope.as_deref().unwrap_or("")
            ))
            .map_err(|e| Error::internal(e.to_string()))?,
        };
        let now = self.now();
        let expires_at = token_expiry(now, request.days)
            .map_err(|e| Error::bad_request("invalid_token_days", e.to_string()))?;
        let token = format!("pakta_{}_{}", role.as_str(), hex::encode(random::<20>()?));
        let hash = Sha256Hash::of(token.as_bytes());
        let row = self
            .store
            .write(move |w| {
                let id = w.insert_token(NewTokenRow {
                    sha256: &hash,
                    name: name.as_str(),
                    role,
                    scope: scope.as_deref(),
                    created_at: now,
                    expires_at,
                })?;
                w.db()
                    .token_by_id(id)?
                    .ok_or_else(|| Error::internal("a token just made was not found"))
            })
            .await?;
        Ok(NewToken {
            token,
            view: TokenView::of(&row, now),
        })
    }

    /// The tokens the admin issued, oldest first, a page at a time (`after`: the `next`
    /// of the previous page).
    pub async fn tokens(&self, caller: &Caller, page: PageRequest) -> Result<TokenPage> {
        caller.require_admin()?;
        let page = page.parse(TOKEN_PAGE)?;
        let now = self.now();
        let rows = self
            .store
            .read(move |db| db.tokens(page.after.unwrap_or(0), page.limit as usize + 1))
            .await?;
        let (rows, next) = split_page(rows, page.limit, |row| row.id);
        let tokens = rows.iter().map(|row| TokenView::of(row, now)).collect();
        Ok(TokenPage { tokens, next })
    }

    /// Revokes a token at once: its next request is refused. Revoking it again changes
    /// nothing and answers the same.
    pub async fn revoke_token(&self, caller: &Caller, id: u64) -> Result<TokenView> {
        caller.require_admin()?;
        let now = self.now();
        let row = self
            .store
            .write(move |w| w.revoke_token(id, now))
            .await?
            .ok_or_else(|| {
                Error::not_found(
                    "unknown_token",
                    format!("Tidak ada token nomor {id}. Lihat daftar token untuk nomornya."),
                )
            })?;
        Ok(TokenView::of(&row, now))
    }
}
