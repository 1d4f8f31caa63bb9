//! actix-web only: the route table ([`routes`]: the JSON API under /api, and the
//! transparency log's /checkpoint and /tile/… in their C2SP forms), thin handlers that turn requests into
//! calls on [`crate::app::App`] and results into JSON, (in [`error`]) the one mapping
//! from errors to status codes, and (in [`limits`]) the bounds on slow and greedy clients.

mod error;
mod handlers;
mod limits;
mod pages;

use std::net::TcpListener;

use actix_web::middleware::from_fn;
use actix_web::{App as ActixApp, HttpServer, dev::Server, web};

pub use limits::Limits;

use crate::app::App;

/// How long this project's own HTTP clients (the CLI, the tests) keep an idle pooled
/// connection: well under the 5 s after which the server closes an idle keep-alive
/// connection, so a request is never sent down a connection the server has just closed.
pub const CLIENT_IDLE_AGE: std::time::Duration = std::time::Duration::from_secs(2);

/// Largest JSON body accepted: a statement, a signature and some fields fit many times.
pub const JSON_LIMIT: usize = 64 * 1024;
/// Largest roster upload: about 100,000 officials.
pub const CSV_LIMIT: usize = 16 * 1024 * 1024;

/// The whole route table of version 1 of the API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    use pages::web_page;
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(error::json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(error::query_error))
    .app_data(web::PathConfig::default().error_handler(error::path_error))
    .service(
        web::scope("/api")
            .route("/officials/import", web::post().to(import_officials))
            .route("/officials", web::get().to(list_officials))
            .route(
                "/officials/{nip}/enrollment-code",
                web::post().to(enrollment_code),
            )
            .route("/tokens", web::post().to(create_token))
            .route("/whoami", web::get().to(whoami))
            .route("/enroll", web::post().to(enroll))
            .route("/pledges", web::post().to(publish_pledge))
            .route("/pledges", web::get().to(list_pledges))
            .route("/ceremonies", web::post().to(create_ceremony))
            .route("/ceremonies", web::get().to(list_ceremonies))
            .route("/ceremonies/{id}", web::get().to(ceremony_details))
            .route("/ceremonies/{id}/open", web::post().to(open_ceremony))
            .route("/ceremonies/{id}/attendance", web::post().to(check_in))
            .route(
                "/ceremonies/{id}/statement",
                web::post().to(issue_statement),
            )
            .route("/ceremonies/{id}/close", web::post().to(close_ceremony))
            .route("/ceremonies/{id}/report", web::get().to(report))
            .route("/ceremonies/{id}/unsigned", web::get().to(unsigned))
            .route(
                "/ceremonies/{id}/presence-code",
                web::get().to(presence_code),
            )
            .route(
                "/ceremonies/{id}/presence",
                web::post().to(presence_check_in),
            )
            .route("/ceremonies/{id}/counts", web::get().to(counts))
            .route("/enrollment-cards", web::post().to(enrollment_cards))
            .route("/qr.svg", web::get().to(qr_svg))
            .route("/signatures", web::post().to(submit_signature))
            .route("/verify", web::post().to(verify))
            .route("/registry/head", web::get().to(registry_head))
            .route("/registry/entries", web::get().to(registry_entries))
            .route("/registry/vkey", web::get().to(vkey))
            .route("/registry/proof/inclusion", web::get().to(inclusion_proof))
            .route(
                "/registry/proof/consistency",
                web::get().to(consistency_proof),
            )
            .route("/openapi.yaml", web::get().to(openapi))
            .route("/info", web::get().to(info))
            .default_service(web::to(error::unknown_route)),
    )
    .route("/checkpoint", web::get().to(checkpoint))
    .route("/tile/{path:.*}", web::get().to(tile))
    .route("/", web::get().to(web_page))
    .route("/{file:[^/]+}", web::get().to(web_page));
}

/// Starts serving on an already bound listener (port 0 in tests), with the default
/// [`Limits`]. The returned server runs until stopped.
pub fn serve(app: App, listener: TcpListener) -> std::io::Result<Server> {
    serve_with(app, listener, Limits::default())
}

/// [`serve`] with chosen limits on slow and greedy clients.
pub fn serve_with(app: App, listener: TcpListener, limits: Limits) -> std::io::Result<Server> {
    let data = web::Data::new(app);
    let gate = limits::Gate::new(limits);
    let server = HttpServer::new(move || {
        let gate = gate.clone();
        ActixApp::new()
            .app_data(data.clone())
            // Inside the security headers, so that its refusals carry them too.
            .wrap(from_fn(move |req, next| gate.clone().enforce(req, next)))
            .wrap(pages::security_headers())
            .configure(routes)
    })
    .client_request_timeout(limits.header_timeout)
    // A connection being closed, or idle between requests, is held no longer than one
    // whose headers are slow.
    .client_disconnect_timeout(limits.header_timeout)
    .keep_alive(limits.header_timeout)
    .listen(listener)?
    .run();
    Ok(server)
}
