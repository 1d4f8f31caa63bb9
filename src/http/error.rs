//! The one place where errors become HTTP responses: [`ErrorKind`] decides the status,
//! and every error, including malformed JSON, bad query strings and unknown routes, is
//! answered with the same envelope: `{"error": {"code": "...", "message": "..."}}`.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use super::limits::is_body_timeout;
use crate::error::{Error, ErrorKind};

/// Seconds a client refused for having too many requests in flight is asked to wait: a
/// crowd's ordinary requests finish within that.
const RETRY_AFTER_SECONDS: u32 = 1;
/// How long a client waits before retrying when the storage cannot keep anything: long
/// enough for an administrator's fix or a disk to drain, short enough for a phone in the
/// hall to try again before the official gives up.
const STORAGE_RETRY_AFTER_SECONDS: u32 = 5;

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Expired => StatusCode::GONE,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::HeaderTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorKind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            // Not 503: the refusal concerns one address while everyone else is served, and
            // a 5xx would tell monitors and proxies that the whole server is failing.
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self.kind {
            ErrorKind::Unauthorized => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ErrorKind::TooManyRequests => {
                response.insert_header(("Retry-After", RETRY_AFTER_SECONDS.to_string()));
            }
            ErrorKind::Unavailable => {
                response.insert_header(("Retry-After", STORAGE_RETRY_AFTER_SECONDS.to_string()));
            }
            _ => {}
        }
        // A refusal may come before the request's body was read (a missing token, a
        // slow or greedy client), and actix then drops the connection. Saying so in the
        // answer keeps a client from sending its next request down a closed connection.
        response.force_close();
        response.json(json!({"error": {"code": self.code, "message": self.message}}))
    }
}

pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let error = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => Error::new(
            ErrorKind::PayloadTooLarge,
            "body_too_large",
            format!("Isi permintaan terlalu besar; batasnya {limit} byte."),
        ),
        JsonPayloadError::ContentType => Error::bad_request(
            "unsupported_content_type",
            "Kirim isi permintaan sebagai JSON dengan header 'Content-Type: application/json'.",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => Error::bad_request(
            "invalid_field",
            format!(
                "JSON terbaca, tetapi isinya tidak sesuai: {e}. Periksa nama dan jenis setiap kolom."
            ),
        ),
        JsonPayloadError::Deserialize(e) => Error::bad_request(
            "malformed_json",
            format!("Isi permintaan bukan JSON yang valid: {e}."),
        ),
        JsonPayloadError::Payload(e) => payload_error(e),
        other => Error::bad_request(
            "malformed_body",
            format!("Isi permintaan tidak terbaca: {other}."),
        ),
    };
    error.into()
}

/// A body that could not be read: too slow (408), or broken off.
pub fn payload_error(err: &PayloadError) -> Error {
    if is_body_timeout(err) {
        body_timeout()
    } else {
        Error::bad_request(
            "malformed_body",
            format!("Isi permintaan tidak terbaca: {err}."),
        )
    }
}

pub fn body_timeout() -> Error {
    Error::new(
        ErrorKind::RequestTimeout,
        "body_timeout",
        "Isi permintaan datang terlalu lambat sehingga dihentikan. Kirim ulang dari koneksi yang lebih baik, misalnya Wi-Fi atau tempat dengan sinyal lebih kuat.",
    )
}

pub fn too_many_connections() -> Error {
    Error::new(
        ErrorKind::TooManyRequests,
        "too_many_connections",
        "Terlalu banyak permintaan sekaligus dari alamat jaringan Anda. Tunggu sebentar, lalu coba lagi.",
    )
}

/// The answer to a client over its rate on the public routes: 429, and `Retry-After`
/// with the whole seconds until its next request is allowed.
pub fn rate_limited(wait: std::time::Duration) -> HttpResponse {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = Error::new(
        ErrorKind::TooManyRequests,
        "rate_limited",
        format!(
            "Terlalu banyak permintaan dari alamat jaringan Anda dalam waktu singkat. Tunggu {seconds} detik, lalu coba lagi."
        ),
    )
    .error_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(seconds.max(1)),
    );
    response
}

/// Reads an optional JSON body by hand (an empty body means "no options"), with the same
/// answers as the JSON extractor for a body that is present but wrong.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| deserialize_error(&e))
}

fn deserialize_error(e: &serde_json::Error) -> Error {
    if e.is_data() {
        Error::bad_request(
            "invalid_field",
            format!(
                "JSON terbaca, tetapi isinya tidak sesuai: {e}. Periksa nama dan jenis setiap kolom."
            ),
        )
    } else {
        Error::bad_request(
            "malformed_json",
            format!("Isi permintaan bukan JSON yang valid: {e}."),
        )
    }
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    Error::bad_request(
        "invalid_query",
        format!("Parameter URL tidak valid: {err}. Contoh: ?start=0&limit=100."),
    )
    .into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    Error::bad_request("invalid_path", format!("Alamat tidak valid: {err}.")).into()
}

/// The methods a path takes, for the `Allow` header of its 405.
pub struct Allow(pub &'static str);

pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let allow = req.app_data::<Allow>().map_or("", |a| a.0);
    let mut response = Error::new(
        ErrorKind::MethodNotAllowed,
        "method_not_allowed",
        format!(
            "{} {} tidak tersedia; alamat ini hanya menerima {allow}. Daftar rute ada di README (bagian HTTP API).",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

pub async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, Error> {
    Err(Error::not_found(
        "unknown_route",
        format!(
            "Tidak ada {} {}. Daftar rute ada di README (bagian HTTP API).",
            req.method(),
            req.path()
        ),
    ))
}

/// c2sp.org/tlog-witness: each refusal of `add-checkpoint` has its own status, and a
/// conflict tells the client the size the witness knows, as `text/x.tlog.size`, so it
/// can retry with the right consistency proof.
pub fn witness_refusal(refusal: &crate::domain::witness::Refusal) -> HttpResponse {
    use crate::domain::witness::Refusal;
    let status = match refusal {
        Refusal::Malformed(_) | Refusal::OldSizeBeyond { .. } => StatusCode::BAD_REQUEST,
        Refusal::UnknownLog(_) => StatusCode::NOT_FOUND,
        Refusal::NotSigned(_) => StatusCode::FORBIDDEN,
        Refusal::Conflict { .. } => StatusCode::CONFLICT,
        Refusal::BadProof { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    match refusal {
        Refusal::Conflict { known } => HttpResponse::build(status)
            .content_type("text/x.tlog.size")
            .body(format!("{known}\n")),
        other => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(format!("{other}\n")),
    }
}
