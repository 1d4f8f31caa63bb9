//! The witness's HTTP interface, c2sp.org/tlog-witness: `POST /add-checkpoint` (the
//! submission prefix) and `GET /vkey` (its verifier key, for readers to pin). Plain text
//! in and out, as the protocol says; the statuses of its refusals are mapped in
//! [`super::error::witness_refusal`]. Handlers stay thin: the witness runs the rule on a
//! blocking thread, since it ends in an fsync.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App as ActixApp, HttpResponse, HttpServer, web};

use super::error::witness_refusal;
use crate::error::Error;
use crate::witness::Witness;

/// A checkpoint with 63 proof lines and a few dozen signatures is under 8 KiB.
const MAX_BODY: usize = 64 * 1024;

pub fn serve_witness(witness: Arc<Witness>, listener: TcpListener) -> std::io::Result<Server> {
    let data = web::Data::from(witness);
    Ok(HttpServer::new(move || {
        ActixApp::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route("/vkey", web::get().to(vkey))
            .route("/add-checkpoint", web::post().to(add_checkpoint))
    })
    .workers(2)
    .listen(listener)?
    .run())
}

async fn vkey(witness: web::Data<Witness>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(format!("{}\n", witness.vkey()))
}

async fn add_checkpoint(
    witness: web::Data<Witness>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return Ok(witness_refusal(
            &crate::domain::witness::Refusal::Malformed("the body is not UTF-8".into()),
        ));
    };
    let answer = web::block(move || witness.add_checkpoint(&body))
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
    Ok(match answer {
        Ok(lines) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(lines),
        Err(refusal) => witness_refusal(&refusal),
    })
}
