//! The one error type of the library. Every failure a user can cause carries a stable
//! machine-readable code and a sentence saying what went wrong and what to do next; the
//! HTTP layer maps [`ErrorKind`] to a status code in exactly one place
//! (`http::error`), and the CLI prints the message.

use std::fmt;

use crate::domain::ceremony::Refusal;

/// The class of failure, which decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is malformed or invalid (400).
    BadRequest,
    /// No valid token (401).
    Unauthorized,
    /// A valid token whose role or scope does not allow this (403).
    Forbidden,
    NotFound,
    /// The path exists, but not with this method (405).
    MethodNotAllowed,
    /// The request is well-formed but the registry's state does not allow it now (409).
    Conflict,
    /// A statement or enrollment code whose time has passed (410).
    Expired,
    PayloadTooLarge,
    /// The request's head (request line and headers) is larger than the server reads
    /// (431).
    HeaderTooLarge,
    /// The client took too long to send its request's body (408).
    RequestTimeout,
    /// The client's address already has as many requests in flight as it may (429).
    TooManyRequests,
    /// A fault on our side: a bug, a crashed writer (500).
    Internal,
    /// The storage cannot take writes now (disk full, I/O error, a damaged database):
    /// nothing was recorded, and the registry serves again once the cause is gone (503).
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Error {
        Error {
            kind,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadRequest, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Conflict, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Forbidden, "forbidden", message)
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, "internal_error", message)
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        Error::conflict(refusal.code(), refusal.message())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode;
        tracing::error!(error = %e, "storage failure");
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::new(
                ErrorKind::Unavailable,
                "storage_full",
                "Penyimpanan registri penuh, jadi tidak ada yang dicatat. Coba lagi beberapa saat lagi. Admin server: kosongkan ruang disk pada direktori data; registri pulih sendiri tanpa dimulai ulang.",
            ),
            Some(
                ErrorCode::SystemIoFailure
                | ErrorCode::CannotOpen
                | ErrorCode::ReadOnly
                | ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::DatabaseCorrupt
                | ErrorCode::NotADatabase,
            ) => Error::new(
                ErrorKind::Unavailable,
                "storage_unavailable",
                "Penyimpanan registri tidak dapat ditulis saat ini (gangguan disk), jadi tidak ada yang dicatat. Coba lagi beberapa saat lagi. Admin server: periksa disk dan log server.",
            ),
            _ => Error::internal(
                "Penyimpanan registri gagal; tidak ada data yang berubah. Coba lagi; bila berulang, hubungi admin server.",
            ),
        }
    }
}
