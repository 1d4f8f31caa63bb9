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
            .service(resource("/officials/import", "POST").route(web::post().to(import_officials)))
            .service(resource("/officials", "GET").route(web::get().to(list_officials)))
            .service(
                resource("/officials/{nip}/enrollment-code", "POST")
                    .route(web::post().to(enrollment_code)),
            )
            .service(resource("/tokens", "POST").route(web::post().to(create_token)))
            .service(resource("/whoami", "GET").route(web::get().to(whoami)))
            .service(resource("/enroll", "POST").route(web::post().to(enroll)))
            .service(
                resource("/pledges", "GET, POST")
                    .route(web::post().to(publish_pledge))
                    .route(web::get().to(list_pledges)),
            )
            .service(
                resource("/ceremonies", "GET, POST")
                    .route(web::post().to(create_ceremony))
                    .route(web::get().to(list_ceremonies)),
            )
            .service(resource("/ceremonies/{id}", "GET").route(web::get().to(ceremony_details)))
            .service(resource("/ceremonies/{id}/open", "POST").route(web::post().to(open_ceremony)))
            .service(
                resource("/ceremonies/{id}/attendance", "POST").route(web::post().to(check_in)),
            )
            .service(
                resource("/ceremonies/{id}/statement", "POST")
                    .route(web::post().to(issue_statement)),
            )
            .service(
                resource("/ceremonies/{id}/close", "POST").route(web::post().to(close_ceremony)),
            )
            .service(resource("/ceremonies/{id}/report", "GET").route(web::get().to(report)))
            .service(resource("/ceremonies/{id}/unsigned", "GET").route(web::get().to(unsigned)))
            .service(
                resource("/ceremonies/{id}/presence-code", "GET")
                    .route(web::get().to(presence_code)),
            )
            .service(
                resource("/ceremonies/{id}/presence", "POST")
                    .route(web::post().to(presence_check_in)),
            )
            .service(resource("/ceremonies/{id}/counts", "GET").route(web::get().to(counts)))
            .service(resource("/enrollment-cards", "POST").route(web::post().to(enrollment_cards)))
            .service(resource("/qr.svg", "GET").route(web::get().to(qr_svg)))
            .service(resource("/signatures", "POST").route(web::post().to(submit_signature)))
            .service(resource("/verify", "POST").route(web::post().to(verify)))
            .service(resource("/registry/head", "GET").route(web::get().to(registry_head)))
            .service(resource("/registry/entries", "GET").route(web::get().to(registry_entries)))
            .service(resource("/registry/vkey", "GET").route(web::get().to(vkey)))
            .service(
                resource("/registry/proof/inclusion", "GET").route(web::get().to(inclusion_proof)),
            )
            .service(
                resource("/registry/proof/consistency", "GET")
                    .route(web::get().to(consistency_proof)),
            )
            .service(resource("/openapi.yaml", "GET").route(web::get().to(openapi)))
            .service(resource("/info", "GET").route(web::get().to(info)))
            .default_service(web::to(error::unknown_route)),
    )
    .service(resource("/checkpoint", "GET").route(web::get().to(checkpoint)))
    .service(resource("/tile/{path:.*}", "GET").route(web::get().to(tile)))
    .service(resource("/", "GET").route(web::get().to(web_page)))
    .service(resource("/{file:[^/]+}", "GET").route(web::get().to(web_page)))
    .default_service(web::to(error::unknown_route));
}

/// One path of the route table. A request with a method the path does not take gets
/// `405 method_not_allowed` with the envelope and an `Allow` header listing `allow`.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path)
        .app_data(error::Allow(allow))
        .default_service(web::to(error::method_not_allowed))
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
