//! Thin handlers: read the request (path, query, JSON, bearer token), call one
//! [`App`] method, and shape its answer. No rules live here.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::{CSV_LIMIT, JSON_LIMIT};
use crate::app::{
    App, Caller, EnrollmentRequest, NewCeremony, PageRequest, PresenceCheckIn, SignatureRequest,
    StatementRequestBody, Submitted, TokenRequest,
};
use crate::domain::ids::{CampaignId, CeremonyId};
use crate::error::{Error, ErrorKind, Result};

type Data = web::Data<App>;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string()).filter(|t| !t.is_empty())
}

async fn caller(app: &App, req: &HttpRequest) -> Result<Caller> {
    app.authenticate(bearer(req)).await
}

/// The largest id or position the database can hold (SQLite's INTEGER is a signed
/// 64-bit number): a larger one names nothing, and cannot even be looked up.
const MAX_STORED: u64 = i64::MAX as u64;

fn ceremony_id(raw: &str) -> Result<CeremonyId> {
    CeremonyId::parse(raw).map_err(|e| Error::bad_request("invalid_ceremony", e.to_string()))
}

pub async fn import_officials(
    app: Data,
    req: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let csv = read_spreadsheet(
        &req,
        &mut body,
        "data pegawai",
        "bagi per OPD lalu impor bertahap",
    )
    .await?;
    let report = app.import_roster(&who, &csv).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The media type of an .xlsx workbook, as browsers and curl send it.
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The body of a CSV or .xlsx upload (the roster, the SIASN units), refused with what
/// to send instead when its type is neither or it is larger than the limit.
async fn read_spreadsheet(
    req: &HttpRequest,
    body: &mut web::Payload,
    what: &str,
    when_too_large: &str,
) -> Result<web::BytesMut> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(content_type.starts_with("text/csv") || content_type.starts_with(XLSX_TYPE)) {
        return Err(Error::bad_request(
            "unsupported_content_type",
            format!(
                "Kirim {what} sebagai CSV dengan header 'Content-Type: text/csv', atau berkas Excel SIASN dengan 'Content-Type: {XLSX_TYPE}'."
            ),
        ));
    }
    read_body(body, CSV_LIMIT, || {
        format!(
            "Berkas {what} lebih dari {} MiB; {when_too_large}.",
            CSV_LIMIT >> 20
        )
    })
    .await
}

/// `POST /api/units/import`: the SIASN unit tree or a unit→OPD file, as CSV or .xlsx.
pub async fn import_units(
    app: Data,
    req: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let bytes = read_spreadsheet(
        &req,
        &mut body,
        "data unit",
        "pisahkan per OPD lalu impor bertahap",
    )
    .await?;
    Ok(HttpResponse::Ok().json(app.import_units(&who, &bytes).await?))
}

/// `GET /api/units/unmapped`.
pub async fn unmapped_units(app: Data, req: HttpRequest) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok().json(app.unmapped_units(&who).await?))
}

/// `PUT /api/units/{id}` with `{"opd_code", "opd_name"?}`.
pub async fn assign_unit(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<crate::app::UnitAssignment>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok().json(app.assign_unit(&who, &id, body.into_inner()).await?))
}

/// Reads a whole request body of at most `limit` bytes; a larger one is refused with
/// 413 and the envelope (actix's own limit on `web::Bytes` answers in plain text).
async fn read_body(
    body: &mut web::Payload,
    limit: usize,
    too_large: impl FnOnce() -> String,
) -> Result<web::BytesMut> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| super::error::payload_error(&e))?;
        if bytes.len() + chunk.len() > limit {
            return Err(Error::new(
                ErrorKind::PayloadTooLarge,
                "body_too_large",
                too_large(),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// An optional JSON body of at most [`JSON_LIMIT`] bytes.
async fn read_json_body(body: &mut web::Payload) -> Result<web::BytesMut> {
    read_body(body, JSON_LIMIT, || {
        format!("Isi permintaan terlalu besar; batasnya {JSON_LIMIT} byte.")
    })
    .await
}

/// `GET /api/ceremonies/{id}/report`: optionally one OPD, as JSON or (`format=csv`) as a
/// spreadsheet.
#[derive(Deserialize)]
pub struct ReportQuery {
    opd: Option<String>,
    format: Option<String>,
}

/// The roster's page, optionally narrowed by `q`, a part of a name or identifier.
#[derive(Deserialize)]
pub struct RosterQuery {
    opd: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// A page of a list route: at most `limit` items, after `after` (the `next` of the
/// previous page).
#[derive(Deserialize)]
pub struct PageQuery {
    limit: Option<String>,
    after: Option<String>,
}

impl PageQuery {
    fn page(&self) -> PageRequest {
        PageRequest {
            limit: self.limit.clone(),
            after: self.after.clone(),
        }
    }
}

pub async fn list_officials(
    app: Data,
    req: HttpRequest,
    q: web::Query<RosterQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let q = q.into_inner();
    let page = PageRequest {
        limit: q.limit,
        after: q.after,
    };
    let page = app.search_officials(&who, q.opd, q.q, page).await?;
    Ok(HttpResponse::Ok().json(json!({ "officials": page.items, "next": page.next })))
}

pub async fn erase_official(
    app: Data,
    req: HttpRequest,
    nip: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok().json(app.erase_official(&who, &nip).await?))
}

pub async fn enrollment_code(
    app: Data,
    req: HttpRequest,
    nip: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let code = app.issue_enrollment_code(&who, &nip).await?;
    Ok(HttpResponse::Created().json(code))
}

pub async fn create_token(
    app: Data,
    req: HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let token = app.create_token(&who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(token))
}

pub async fn list_tokens(
    app: Data,
    req: HttpRequest,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok().json(app.tokens(&who, q.page()).await?))
}

pub async fn revoke_token(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let id = id
        .parse::<u64>()
        .ok()
        .filter(|id| *id <= MAX_STORED)
        .ok_or_else(|| {
            Error::bad_request(
                "invalid_token_id",
                format!("'{id}' bukan nomor token; nomornya ada di daftar token."),
            )
        })?;
    Ok(HttpResponse::Ok().json(app.revoke_token(&who, id).await?))
}

#[derive(Deserialize)]
pub struct AccessLogQuery {
    limit: Option<String>,
    after: Option<String>,
    format: Option<String>,
}

/// `GET /api/access-log`: a page of who read personal data, or (`format=csv`) all of
/// it as a streamed download.
pub async fn access_log(
    app: Data,
    req: HttpRequest,
    q: web::Query<AccessLogQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let q = q.into_inner();
    match q.format.as_deref() {
        None | Some("json") => {
            let page = PageRequest {
                limit: q.limit,
                after: q.after,
            };
            Ok(HttpResponse::Ok().json(app.access_log(&who, page).await?))
        }
        Some("csv") => {
            let chunks = app.access_log_csv(&who).await?.map(|chunk| {
                chunk.map(web::Bytes::from).inspect_err(|e| {
                    tracing::error!(error = %e, "the access log CSV was cut off");
                })
            });
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"log-akses-pakta.csv\"",
                ))
                .streaming(chunks))
        }
        Some(other) => Err(Error::bad_request(
            "invalid_format",
            format!("format '{other}' tidak dikenal; gunakan json atau csv."),
        )),
    }
}

pub async fn whoami(app: Data, req: HttpRequest) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(caller(&app, &req).await?.role()))
}

pub async fn enroll(app: Data, body: web::Json<EnrollmentRequest>) -> Result<HttpResponse> {
    let enrolled = app.enroll(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(enrolled))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPledge {
    title: String,
    text: String,
}

pub async fn publish_pledge(
    app: Data,
    req: HttpRequest,
    body: web::Json<NewPledge>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let published = app.publish_pledge(&who, &body.title, &body.text).await?;
    Ok(HttpResponse::Created().json(published))
}

pub async fn create_ceremony(
    app: Data,
    req: HttpRequest,
    body: web::Json<NewCeremony>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let id = app.create_ceremony(&who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(json!({ "id": id.get() })))
}

pub async fn list_pledges(app: Data, q: web::Query<PageQuery>) -> Result<HttpResponse> {
    let page = app.pledges(q.page()).await?;
    Ok(HttpResponse::Ok().json(json!({ "pledges": page.items, "next": page.next })))
}

pub async fn list_ceremonies(app: Data, q: web::Query<PageQuery>) -> Result<HttpResponse> {
    let page = app.ceremonies(q.page()).await?;
    Ok(HttpResponse::Ok().json(json!({ "ceremonies": page.items, "next": page.next })))
}

pub async fn ceremony_details(app: Data, id: web::Path<String>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.ceremony_details(ceremony_id(&id)?).await?))
}

pub async fn open_ceremony(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let opened = app.open_ceremony_counted(&who, ceremony_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(json!({
        "state": "open",
        "invited": opened.invited,
        "excluded_already_signed": opened.excluded_already_signed,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NipBody {
    nip: String,
}

pub async fn check_in(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<NipBody>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let checked_in = app.check_in(&who, ceremony_id(&id)?, &body.nip).await?;
    Ok(HttpResponse::Created().json(checked_in))
}

#[derive(Deserialize)]
pub struct InviteeQuery {
    /// Missing is read as empty, and refused as too short once the token is checked.
    q: Option<String>,
}

/// `GET /api/ceremonies/{id}/invitees?q=…`: the desk's search by name or NIP.
pub async fn find_invitees(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<InviteeQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let found = app
        .find_invitees(&who, ceremony_id(&id)?, q.q.as_deref().unwrap_or(""))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(found))
}

pub async fn issue_statement(
    app: Data,
    id: web::Path<String>,
    body: web::Json<StatementRequestBody>,
) -> Result<HttpResponse> {
    let issued = app
        .issue_statement(ceremony_id(&id)?, body.into_inner())
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

/// 201 for a signature appended now; 200 with the original receipt for one accepted
/// before (a phone retrying after a lost reply).
pub async fn submit_signature(
    app: Data,
    body: web::Json<SignatureRequest>,
) -> Result<HttpResponse> {
    Ok(match app.submit_signature(body.into_inner()).await? {
        Submitted::Appended(accepted) => HttpResponse::Created().json(accepted),
        Submitted::AlreadyAccepted(accepted) => HttpResponse::Ok().json(accepted),
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    mandiri_due: Option<String>,
}

pub async fn close_ceremony(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    mut body: web::Payload,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let body: CloseBody = super::error::optional_json(&read_json_body(&mut body).await?)?;
    let closed = app
        .close_ceremony(&who, ceremony_id(&id)?, body.mandiri_due.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(closed))
}

pub async fn report(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let q = q.into_inner();
    let id = ceremony_id(&id)?;
    match q.format.as_deref() {
        None | Some("json") => {
            let opds = app.report(&who, id, q.opd).await?;
            Ok(HttpResponse::Ok().json(json!({ "opds": opds })))
        }
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rekap-per-opd-upacara-{id}.csv\""),
            ))
            .body(app.report_csv(&who, id, q.opd).await?)),
        Some(other) => Err(Error::bad_request(
            "invalid_format",
            format!("format '{other}' tidak dikenal; gunakan json atau csv."),
        )),
    }
}

#[derive(Deserialize)]
pub struct UnsignedQuery {
    opd: Option<String>,
    format: Option<String>,
    /// Pages of the JSON list; the CSV is always the whole list, streamed.
    limit: Option<String>,
    after: Option<String>,
}

pub async fn unsigned(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<UnsignedQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let q = q.into_inner();
    let as_csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some("wa-csv") => {
            let id = ceremony_id(&id)?;
            return Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"pengingat-whatsapp-upacara-{id}.csv\""),
                ))
                .body(
                    app.unsigned_wa_csv(&who, &base_url(&req), id, q.opd)
                        .await?,
                ));
        }
        Some(other) => {
            return Err(Error::bad_request(
                "invalid_format",
                format!("format '{other}' tidak dikenal; gunakan json, csv, atau wa-csv."),
            ));
        }
    };
    let id = ceremony_id(&id)?;
    if !as_csv {
        let page = PageRequest {
            limit: q.limit,
            after: q.after,
        };
        let page = app.unsigned(&who, &base_url(&req), id, q.opd, page).await?;
        return Ok(HttpResponse::Ok().json(json!({ "opds": page.items, "next": page.next })));
    }
    // Sent chunked as it is read. A read that fails midway ends the stream with an
    // error, and actix then closes the connection without the chunked body's last
    // chunk: curl, browsers and every HTTP/1.1 client report the download as failed
    // instead of keeping a file that looks complete.
    let chunks = app.unsigned_csv(&who, id, q.opd).await?.map(move |chunk| {
        chunk.map(web::Bytes::from).inspect_err(|e| {
            tracing::error!(ceremony = %id, error = %e, "the unsigned CSV was cut off");
        })
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"belum-tanda-tangan-upacara-{id}.csv\""),
        ))
        .streaming(chunks))
}

/// `POST /api/verify` takes a statement with its signature, or a receipt file.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum VerifyBody {
    Receipt {
        receipt: String,
    },
    Signed {
        statement: String,
        signature: String,
    },
}

pub async fn verify(app: Data, body: web::Json<VerifyBody>) -> Result<HttpResponse> {
    let verification = match body.into_inner() {
        VerifyBody::Receipt { receipt } => app.verify_receipt(receipt).await?,
        VerifyBody::Signed {
            statement,
            signature,
        } => app.verify_signature(statement, signature).await?,
    };
    Ok(HttpResponse::Ok().json(verification))
}

fn plain_text(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

pub async fn checkpoint(app: Data) -> HttpResponse {
    plain_text(app.checkpoint())
}

pub async fn vkey(app: Data) -> HttpResponse {
    plain_text(format!("{}\n", app.vkey()))
}

#[derive(Deserialize)]
pub struct InclusionQuery {
    index: u64,
    size: Option<u64>,
}

pub async fn inclusion_proof(app: Data, q: web::Query<InclusionQuery>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.inclusion_proof(q.index, q.size).await?))
}

#[derive(Deserialize)]
pub struct ConsistencyQuery {
    from: u64,
    to: Option<u64>,
}

pub async fn consistency_proof(app: Data, q: web::Query<ConsistencyQuery>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.consistency_proof(q.from, q.to).await?))
}

/// Full tiles never change, so caches may keep them for a year; partial ones are
/// replaced by wider ones as the log grows.
pub async fn tile(app: Data, path: web::Path<String>) -> Result<HttpResponse> {
    let tile = app.tile(&path).await?;
    let cache = if tile.full {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((header::CACHE_CONTROL, cache))
        .body(tile.bytes))
}

pub async fn info(app: Data) -> HttpResponse {
    HttpResponse::Ok().json(app.info())
}

pub async fn registry_head(app: Data) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.head().await?))
}

#[derive(Deserialize)]
pub struct EntriesQuery {
    start: Option<u64>,
    limit: Option<u64>,
}

pub async fn registry_entries(app: Data, q: web::Query<EntriesQuery>) -> Result<HttpResponse> {
    // A start past what the database can hold is past the end, like any other.
    let start = q.start.unwrap_or(0).min(MAX_STORED);
    let entries = app.entries(start, q.limit).await?;
    Ok(HttpResponse::Ok().json(json!({ "entries": entries })))
}

/// The API description, compiled into the binary.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(include_str!("openapi.yaml"))
}

pub async fn presence_code(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(app.presence_code(&who, ceremony_id(&id)?).await?))
}

pub async fn presence_check_in(
    app: Data,
    id: web::Path<String>,
    body: web::Json<PresenceCheckIn>,
) -> Result<HttpResponse> {
    let index = app
        .check_in_with_presence(ceremony_id(&id)?, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(json!({ "index": index })))
}

pub async fn counts(app: Data, id: web::Path<String>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.counts(ceremony_id(&id)?).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CardsBody {
    opd: Option<String>,
}

pub async fn enrollment_cards(
    app: Data,
    req: HttpRequest,
    q: web::Query<PageQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let body: CardsBody = super::error::optional_json(&read_json_body(&mut body).await?)?;
    let page = app.enrollment_cards(&who, body.opd, q.page()).await?;
    Ok(HttpResponse::Created().json(json!({ "cards": page.items, "next": page.next })))
}

#[derive(Deserialize)]
pub struct QrQuery {
    text: String,
}

/// A QR code as SVG, drawn here so pages need nothing from outside the server.
pub async fn qr_svg(q: web::Query<QrQuery>) -> Result<HttpResponse> {
    let svg = crate::http::pages::qr_svg(&q.text)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(svg))
}

/// A PDF document, offered as a download under `filename`.
fn pdf(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

/// `GET /api/ceremonies/{id}/report.pdf`: optionally one OPD.
#[derive(Deserialize)]
pub struct ReportPdfQuery {
    opd: Option<String>,
}

pub async fn report_pdf(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<ReportPdfQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let id = ceremony_id(&id)?;
    let bytes = app.report_pdf(&who, id, q.into_inner().opd).await?;
    Ok(pdf(bytes, &format!("laporan-upacara-{id}.pdf")))
}

pub async fn berita_acara_pdf(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let id = ceremony_id(&id)?;
    let bytes = app.berita_acara_pdf(&who, id).await?;
    Ok(pdf(bytes, &format!("berita-acara-upacara-{id}.pdf")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptPdfBody {
    receipt: String,
}

/// The address the caller reached this registry at, as a page's `location.origin`: the
/// `Origin` a browser sends with the page's request, else the scheme and host the
/// request came with (through a proxy, as its `Forwarded` headers say).
fn base_url(req: &HttpRequest) -> String {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| {
            o.strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"))
                .is_some_and(plain)
        });
    if let Some(origin) = origin {
        return origin.to_string();
    }
    let info = req.connection_info();
    let scheme = if info.scheme() == "https" {
        "https"
    } else {
        "http"
    };
    let host = Some(info.host())
        .filter(|h| plain(h))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// `POST /api/receipts/pdf`: the official's signed pakta, from the receipt they hold.
pub async fn receipt_pdf(
    app: Data,
    req: HttpRequest,
    body: web::Json<ReceiptPdfBody>,
) -> Result<HttpResponse> {
    let bytes = app
        .receipt_pdf(body.into_inner().receipt, &base_url(&req))
        .await?;
    Ok(pdf(bytes, "tanda-terima-pakta.pdf"))
}

/// `POST /api/ceremonies/{id}/representatives` (admin): names a representative and
/// whom they represent.
pub async fn name_representative(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<crate::app::NamingRequest>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let named = app
        .name_representative(&who, ceremony_id(&id)?, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(named))
}

#[derive(Deserialize)]
pub struct RepresentativesQuery {
    opd: Option<String>,
}

/// `GET /api/ceremonies/{id}/representatives?opd=CODE`: who represents whom (names,
/// recorded in the access log).
pub async fn list_representatives(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<RepresentativesQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let list = app
        .representatives(&who, ceremony_id(&id)?, q.into_inner().opd)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "representatives": list })))
}

/// `POST /api/ceremonies/{id}/representation-statement`: the representative's signed
/// request in, their representation statement out.
pub async fn issue_representation(
    app: Data,
    id: web::Path<String>,
    body: web::Json<crate::app::RepresentationRequestBody>,
) -> Result<HttpResponse> {
    let issued = app
        .issue_representation(ceremony_id(&id)?, body.into_inner())
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

/// `POST /api/representations`: 201 for a representation appended now, 200 with the
/// original receipt for one accepted before.
pub async fn submit_representation(
    app: Data,
    body: web::Json<crate::app::RepresentationSubmission>,
) -> Result<HttpResponse> {
    use crate::app::SubmittedRepresentation;
    Ok(match app.submit_representation(body.into_inner()).await? {
        SubmittedRepresentation::Appended(accepted) => HttpResponse::Created().json(accepted),
        SubmittedRepresentation::AlreadyAccepted(accepted) => HttpResponse::Ok().json(accepted),
    })
}

fn campaign_id(raw: &str) -> Result<CampaignId> {
    CampaignId::parse(raw).map_err(|e| Error::bad_request("invalid_campaign", e.to_string()))
}

/// `POST /api/campaigns` (admin): a campaign for a published pledge.
pub async fn create_campaign(
    app: Data,
    req: HttpRequest,
    body: web::Json<crate::app::NewCampaign>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let created = app.create_campaign(&who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// `GET /api/campaigns` (public): titles, pledges and ceremonies, no persons.
pub async fn list_campaigns(app: Data) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(json!({ "campaigns": app.campaigns().await? })))
}

pub async fn campaign_details(app: Data, id: web::Path<String>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.campaign_details(campaign_id(&id)?).await?))
}

#[derive(Deserialize)]
pub struct OpdQuery {
    opd: Option<String>,
}

/// `GET /api/campaigns/{id}/report`: roles as the ceremony report.
pub async fn campaign_report(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<OpdQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let report = app
        .campaign_report(&who, campaign_id(&id)?, q.into_inner().opd)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /api/campaigns/{id}/unsigned`: names; roles as the ceremony's unsigned list.
pub async fn campaign_unsigned(
    app: Data,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<OpdQuery>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    let opds = app
        .campaign_unsigned(&who, campaign_id(&id)?, q.into_inner().opd)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "opds": opds })))
}

/// `POST /api/campaigns/{id}/recap-statement`: the head's signed recap request.
pub async fn issue_recap(
    app: Data,
    id: web::Path<String>,
    body: web::Json<crate::app::RecapRequestBody>,
) -> Result<HttpResponse> {
    let issued = app
        .issue_recap(campaign_id(&id)?.get(), body.into_inner())
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

/// `POST /api/recaps`: 201 when appended now, 200 for a recap accepted before.
pub async fn submit_recap(
    app: Data,
    body: web::Json<crate::app::RecapSignatureBody>,
) -> Result<HttpResponse> {
    let signed = app.submit_recap(body.into_inner()).await?;
    Ok(if signed.again {
        HttpResponse::Ok().json(signed)
    } else {
        HttpResponse::Created().json(signed)
    })
}

/// `PUT /api/opds/{code}/head` (admin).
pub async fn set_opd_head(
    app: Data,
    req: HttpRequest,
    code: web::Path<String>,
    body: web::Json<crate::app::HeadRequest>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok().json(app.set_opd_head(&who, &code, body.into_inner()).await?))
}

/// `GET /api/opds/{code}/head` (admin): the head, or `{"head": null}`.
pub async fn opd_head(
    app: Data,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse> {
    let who = caller(&app, &req).await?;
    Ok(HttpResponse::Ok().json(json!({ "head": app.opd_head(&who, &code).await? })))
}
