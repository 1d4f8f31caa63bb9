//! The one place where errors become HTTP responses: [`ErrorKind`] decides the status,
//! and every error, including malformed JSON, bad query strings and unknown routes, is
//! answered with the same envelope: `{"error": {"code": "...", "message": "..."}}`.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::error::{Error, ErrorKind};

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Expired => StatusCode::GONE,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
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
            ErrorKind::Unavailable => {
                response.insert_header(("Retry-After", "5"));
            }
            _ => {}
        }
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
        other => Error::bad_request(
            "malformed_body",
            format!("Isi permintaan tidak terbaca: {other}."),
        ),
    };
    error.into()
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
