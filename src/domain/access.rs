//! Who may read and do what: the roles a bearer token can carry, the rules for a token's
//! name and lifetime, and whether a token still works at a given moment. Pure: the
//! caller passes the time and the facts it looked up.
//!
//! The roles follow the people. Admin (BKPSDM) runs the registry; an operator checks
//! officials in at the desk of one ceremony; a supervisor (head of an OPD) reads the
//! names in that OPD; the Inspektorat reads every OPD's names and writes nothing; an
//! auditor (Bawaslu, BKN, the press) reads the per-OPD counts, never a name. The public
//! needs no token and sees only the log, its proofs and verification.

use chrono::{DateTime, Duration, Utc};

use super::record::is_invisible_format;

/// The role of a token the admin issues. The admin token itself is not one of these: it
/// comes from the server's environment or its first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenRole {
    Operator,
    Supervisor,
    Inspektorat,
    Auditor,
}

impl TokenRole {
    pub const ALL: [TokenRole; 4] = [
        TokenRole::Operator,
        TokenRole::Supervisor,
        TokenRole::Inspektorat,
        TokenRole::Auditor,
    ];

    pub fn parse(text: &str) -> Option<TokenRole> {
        TokenRole::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenRole::Operator => "operator",
            TokenRole::Supervisor => "supervisor",
            TokenRole::Inspektorat => "inspektorat",
            TokenRole::Auditor => "auditor",
        }
    }
}

/// Who holds a token, as the admin wrote it ("Budi, meja registrasi 2"): shown in the
/// token list and in the access log, so it must read as it looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

pub const MAX_TOKEN_NAME_CHARS: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenNameError {
    #[error(
        "nama pemegang token kosong; tulis siapa yang memegangnya, misalnya 'Budi, meja registrasi 2'"
    )]
    Empty,
    #[error(
        "nama pemegang token terlalu panjang ({0} karakter); paling banyak {MAX_TOKEN_NAME_CHARS}"
    )]
    TooLong(usize),
    #[error(
        "nama pemegang token memuat karakter tak terlihat atau karakter kendali di posisi {0}; ketik ulang namanya"
    )]
    HiddenCharacter(usize),
}

impl TokenName {
    pub fn parse(text: &str) -> Result<TokenName, TokenNameError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TokenNameError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_TOKEN_NAME_CHARS {
            return Err(TokenNameError::TooLong(chars));
        }
        if let Some(position) = text
            .chars()
            .position(|c| c.is_control() || is_invisible_format(c))
        {
            return Err(TokenNameError::HiddenCharacter(position + 1));
        }
        Ok(TokenName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TokenName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long a token works when the admin does not say.
pub const DEFAULT_TOKEN_DAYS: u32 = 30;
/// The longest a token may work: one election cycle's preparation, not for ever.
pub const MAX_TOKEN_DAYS: u32 = 366;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("masa berlaku token harus 1 sampai {MAX_TOKEN_DAYS} hari; yang diminta {0}")]
pub struct TokenDaysError(pub u64);

/// When a token issued at `now` stops working, `days` (default 30) later.
pub fn token_expiry(
    now: DateTime<Utc>,
    days: Option<u64>,
) -> Result<DateTime<Utc>, TokenDaysError> {
    let days = days.unwrap_or(u64::from(DEFAULT_TOKEN_DAYS));
    if days == 0 || days > u64::from(MAX_TOKEN_DAYS) {
        return Err(TokenDaysError(days));
    }
    Ok(now + Duration::days(days as i64))
}

/// Whether a token works now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
    /// An operator token whose ceremony has closed: the desk it served is gone.
    CeremonyClosed,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
            TokenState::CeremonyClosed => "ceremony_closed",
        }
    }
}

/// A token's state at `now`. Revocation is named first: it is the admin's explicit act.
pub fn token_state(
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked: bool,
    ceremony_closed: bool,
) -> TokenState {
    if revoked {
        TokenState::Revoked
    } else if now >= expires_at {
        TokenState::Expired
    } else if ceremony_closed {
        TokenState::CeremonyClosed
    } else {
        TokenState::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn roles_round_trip_and_admin_is_not_one_of_them() {
        for role in TokenRole::ALL {
            assert_eq!(TokenRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(TokenRole::parse("admin"), None);
        assert_eq!(TokenRole::parse("Auditor"), None);
    }

    #[test]
    fn names_are_trimmed_and_must_read_as_they_look() {
        assert_eq!(
            TokenName::parse("  Budi, meja 2 ").unwrap().as_str(),
            "Budi, meja 2"
        );
        assert_eq!(TokenName::parse(" \t"), Err(TokenNameError::Empty));
        assert_eq!(
            TokenName::parse("Bu\u{200B}di"),
            Err(TokenNameError::HiddenCharacter(3))
        );
        assert_eq!(
            TokenName::parse("Budi\u{202E}x"),
            Err(TokenNameError::HiddenCharacter(5))
        );
        assert_eq!(
            TokenName::parse("a\nb"),
            Err(TokenNameError::HiddenCharacter(2))
        );
        let long = "x".repeat(MAX_TOKEN_NAME_CHARS + 1);
        assert_eq!(
            TokenName::parse(&long),
            Err(TokenNameError::TooLong(MAX_TOKEN_NAME_CHARS + 1))
        );
        assert!(TokenName::parse(&"é".repeat(MAX_TOKEN_NAME_CHARS)).is_ok());
    }

    #[test]
    fn tokens_last_thirty_days_unless_told_and_never_beyond_a_year() {
        let now = at("2026-12-01T08:00:00Z");
        assert_eq!(token_expiry(now, None), Ok(at("2026-12-31T08:00:00Z")));
        assert_eq!(token_expiry(now, Some(1)), Ok(at("2026-12-02T08:00:00Z")));
        assert_eq!(token_expiry(now, Some(0)), Err(TokenDaysError(0)));
        assert_eq!(token_expiry(now, Some(367)), Err(TokenDaysError(367)));
        assert!(token_expiry(now, Some(u64::MAX)).is_err());
    }

    #[test]
    fn a_token_stops_at_its_expiry_its_revocation_or_its_ceremony_closing() {
        let expires = at("2026-12-31T08:00:00Z");
        let before = at("2026-12-31T07:59:59Z");
        assert_eq!(
            token_state(before, expires, false, false),
            TokenState::Active
        );
        assert_eq!(
            token_state(expires, expires, false, false),
            TokenState::Expired
        );
        assert_eq!(
            token_state(before, expires, true, false),
            TokenState::Revoked
        );
        assert_eq!(
            token_state(expires, expires, true, true),
            TokenState::Revoked
        );
        assert_eq!(
            token_state(before, expires, false, true),
            TokenState::CeremonyClosed
        );
    }
}
