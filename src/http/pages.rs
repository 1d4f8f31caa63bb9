//! The web pages in `web/`, compiled into the binary so the release binary alone serves
//! them (the hall may have no internet), the QR codes they show, and the security
//! headers every response carries.

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, web};
use qrcode::QrCode;
use qrcode::render::svg;
use rust_embed::RustEmbed;

use crate::error::{Error, Result};

#[derive(RustEmbed)]
#[folder = "web/"]
struct Web;

/// Longest text put into a QR code: an enrollment link with NIP and code fits many times.
const QR_MAX: usize = 512;

/// Pages load nothing from elsewhere and cannot be framed; values are inserted as text
/// by the scripts, and the policy forbids inline script as a second line of defence.
pub static SECURITY_HEADERS: [(header::HeaderName, &str); 3] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// [`SECURITY_HEADERS`] on every response of the application.
pub fn security_headers() -> DefaultHeaders {
    SECURITY_HEADERS
        .iter()
        .cloned()
        .fold(DefaultHeaders::new(), |headers, header| headers.add(header))
}

/// A file of `web/` and its `Content-Type`, as the registry serves it (and as it is
/// published beside the tiles).
pub fn web_file(name: &str) -> Option<(Vec<u8>, String)> {
    let content = Web::get(name)?;
    let mime = content.metadata.mimetype();
    let mime = if mime.starts_with("text/") || mime.ends_with("javascript") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    Some((content.data.into_owned(), mime))
}

pub async fn web_page(file: Option<web::Path<String>>) -> HttpResponse {
    let name = file.map_or_else(|| "index.html".to_string(), |f| f.into_inner());
    match web_file(&name) {
        Some((data, mime)) => HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_str(&mime).expect("valid mime"),
            ))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(data),
        None => HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(
                Web::get("404.html")
                    .map(|c| c.data.into_owned())
                    .unwrap_or_default(),
            ),
    }
}

pub fn qr_svg(text: &str) -> Result<String> {
    if text.is_empty() || text.len() > QR_MAX {
        return Err(Error::bad_request(
            "invalid_qr_text",
            format!("Teks untuk kode QR harus 1 sampai {QR_MAX} byte."),
        ));
    }
    let code = QrCode::new(text.as_bytes()).map_err(|e| {
        Error::bad_request(
            "invalid_qr_text",
            format!("Teks tidak dapat dijadikan kode QR: {e}."),
        )
    })?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}
