//! actix-web only: the route table ([`routes`]: the JSON API under /api, and the
//! transparency log's /checkpoint and /tile/… in their C2SP forms), thin handlers that turn requests into
//! calls on [`crate::app::App`] and results into JSON, (in [`error`]) the one mapping
//! from errors to status codes, (in [`limits`]) the bounds on slow and greedy clients,
//! and (in [`protocol`]) the envelope for requests refused before any route runs.

mod error;
mod handlers;
mod limits;
mod pages;
mod protocol;
mod witness;

use std::net::TcpListener;

use actix_web::middleware::from_fn;
use actix_web::{App as ActixApp, dev::Server, web};

pub use limits::Limits;
pub use pages::web_file;
pub use witness::serve_witness;

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
            .service(resource("/units/import", "POST").route(web::post().to(import_units)))
            .service(resource("/units/unmapped", "GET").route(web::get().to(unmapped_units)))
            .service(resource("/units/{id}", "PUT").route(web::put().to(assign_unit)))
            .service(resource("/officials", "GET").route(web::get().to(list_officials)))
            .service(resource("/officials/{nip}", "DELETE").route(web::delete().to(erase_official)))
            .service(
                resource("/officials/{nip}/enrollment-code", "POST")
                    .route(web::post().to(enrollment_code)),
            )
            .service(
                resource("/tokens", "GET, POST")
                    .route(web::post().to(create_token))
                    .route(web::get().to(list_tokens)),
            )
            .service(resource("/tokens/{id}", "DELETE").route(web::delete().to(revoke_token)))
            .service(resource("/whoami", "GET").route(web::get().to(whoami)))
            .service(resource("/access-log", "GET").route(web::get().to(access_log)))
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
                resource("/ceremonies/{id}/invitees", "GET").route(web::get().to(find_invitees)),
            )
            .service(
                resource("/ceremonies/{id}/statement", "POST")
                    .route(web::post().to(issue_statement)),
            )
            .service(
                resource("/ceremonies/{id}/representatives", "GET, POST")
                    .route(web::post().to(name_representative))
                    .route(web::get().to(list_representatives)),
            )
            .service(
                resource("/ceremonies/{id}/representation-statement", "POST")
                    .route(web::post().to(issue_representation)),
            )
            .service(
                resource("/ceremonies/{id}/close", "POST").route(web::post().to(close_ceremony)),
            )
            .service(resource("/ceremonies/{id}/report", "GET").route(web::get().to(report)))
            .service(resource("/ceremonies/{id}/unsigned", "GET").route(web::get().to(unsigned)))
            .service(
                resource("/ceremonies/{id}/report.pdf", "GET").route(web::get().to(report_pdf)),
            )
            .service(
                resource("/ceremonies/{id}/berita-acara.pdf", "GET")
                    .route(web::get().to(berita_acara_pdf)),
            )
            .service(
                resource("/ceremonies/{id}/presence-code", "GET")
                    .route(web::get().to(presence_code)),
            )
            .service(
                resource("/ceremonies/{id}/presence", "POST")
                    .route(web::post().to(presence_check_in)),
            )
            .service(resource("/ceremonies/{id}/counts", "GET").route(web::get().to(counts)))
            .service(
                resource("/campaigns", "GET, POST")
                    .route(web::post().to(create_campaign))
                    .route(web::get().to(list_campaigns)),
            )
            .service(resource("/campaigns/{id}", "GET").route(web::get().to(campaign_details)))
            .service(
                resource("/campaigns/{id}/report", "GET").route(web::get().to(campaign_report)),
            )
            .service(
                resource("/campaigns/{id}/unsigned", "GET").route(web::get().to(campaign_unsigned)),
            )
            .service(
                resource("/campaigns/{id}/recap-statement", "POST")
                    .route(web::post().to(issue_recap)),
            )
            .service(resource("/recaps", "POST").route(web::post().to(submit_recap)))
            .service(
                resource("/opds/{code}/head", "GET, PUT")
                    .route(web::put().to(set_opd_head))
                    .route(web::get().to(opd_head)),
            )
            .service(resource("/enrollment-cards", "POST").route(web::post().to(enrollment_cards)))
            .service(resource("/qr.svg", "GET").route(web::get().to(qr_svg)))
            .service(resource("/signatures", "POST").route(web::post().to(submit_signature)))
            .service(
                resource("/representations", "POST").route(web::post().to(submit_representation)),
            )
            .service(resource("/verify", "POST").route(web::post().to(verify)))
            .service(resource("/receipts/pdf", "POST").route(web::post().to(receipt_pdf)))
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
/// While [`route_list`] runs, the path and `allow` are also recorded.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    RECORDING.with_borrow_mut(|recording| {
        if let Some(recording) = recording {
            recording.push((path.to_string(), allow));
        }
    });
    web::resource(path)
        .app_data(error::Allow(allow))
        .default_service(web::to(error::method_not_allowed))
}

/// One path of the route table as the router serves it, with the methods it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    /// The full pattern, as actix matches it: `/api/ceremonies/{id}`, `/tile/{path:.*}`.
    pub path: String,
    /// The methods of its `Allow` header, as written there (upper case).
    pub methods: Vec<String>,
}

thread_local! {
    /// While [`route_list`] runs [`routes`] on this thread: every path given to
    /// [`resource`] (relative to its scope), with its `Allow`, in order.
    static RECORDING: std::cell::RefCell<Option<Vec<(String, &'static str)>>> =
        const { std::cell::RefCell::new(None) };
}

/// The scopes of [`routes`], where [`route_list`] looks for each recorded path.
const SCOPES: &[&str] = &["", "/api"];

/// The route table, listed from the registration itself: [`routes`] runs on a throwaway
/// app while [`resource`] records each path, and actix's own router, built from that
/// app, says under which scope each path is served. Panics when a recorded path is
/// served under none of [`SCOPES`] (a new scope, or a path shadowed by an earlier one)
/// or under several. Runs its own actix system, so it cannot be called from inside one.
pub fn route_list() -> Vec<RouteEntry> {
    RECORDING.set(Some(Vec::new()));
    let app = ActixApp::new().configure(routes);
    let recorded = RECORDING.take().unwrap_or_default();
    let listed = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let out = listed.clone();
    let app = app.wrap_fn(move |req, service| {
        use actix_web::dev::Service;
        let router = req.resource_map();
        *out.borrow_mut() = recorded
            .iter()
            .map(|(path, allow)| RouteEntry {
                path: served_under(router, path),
                methods: allow.split(',').map(|m| m.trim().to_string()).collect(),
            })
            .collect();
        service.call(req)
    });
    actix_web::rt::System::new().block_on(async {
        let service = actix_web::test::init_service(app).await;
        let probe = actix_web::test::TestRequest::default().to_request();
        actix_web::test::call_service(&service, probe).await;
    });
    listed.take()
}

/// The full pattern under which the router serves `path`, a pattern relative to one of
/// [`SCOPES`]: the one whose sample request (each `{…}` segment filled with `1`) the
/// router matches to exactly that pattern.
fn served_under(router: &actix_web::dev::ResourceMap, path: &str) -> String {
    let mut sample = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    sample.push('1');
                }
                depth += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            c if depth == 0 => sample.push(c),
            _ => {}
        }
    }
    let served: Vec<String> = SCOPES
        .iter()
        .map(|scope| format!("{scope}{path}"))
        .zip(SCOPES)
        .filter(|(full, scope)| {
            router.match_pattern(&format!("{scope}{sample}")).as_deref() == Some(full.as_str())
        })
        .map(|(full, _)| full)
        .collect();
    match <[String; 1]>::try_from(served) {
        Ok([full]) => full,
        Err(served) => panic!(
            "route {path} is served under {served:?}, not under exactly one of the scopes {SCOPES:?}: add a new scope to SCOPES in src/http/mod.rs, or register the path before the route that shadows it"
        ),
    }
}

/// Starts serving on an already bound listener (port 0 in tests), with the default
/// [`Limits`]. The returned server runs until stopped.
pub fn serve(app: App, listener: TcpListener) -> std::io::Result<Server> {
    serve_with(app, listener, Limits::default())
}

/// [`serve`] with chosen limits on slow and greedy clients.
///
/// Built from actix-http's HTTP/1 service rather than actix-web's `HttpServer`, which
/// cannot wrap a connection: each socket is read through [`protocol::Guarded`], which
/// answers requests actix-http would refuse itself (a head too large, malformed or too
/// slow) with the JSON envelope instead of an empty body.
pub fn serve_with(app: App, listener: TcpListener, limits: Limits) -> std::io::Result<Server> {
    use actix_http::{HttpService, error::DispatchError};
    use actix_service::{ServiceFactoryExt, map_config};
    use actix_web::dev::{AppConfig, fn_service};
    use actix_web::rt::net::TcpStream;

    let data = web::Data::new(app);
    let gate = limits::Gate::new(limits);
    let local = listener.local_addr()?;
    // actix-http's own timer on the first request's head stays as a backstop, a second
    // after the wrapper's, which answers first.
    let backstop = if limits.header_timeout.is_zero() {
        limits.header_timeout
    } else {
        limits.header_timeout + std::time::Duration::from_secs(1)
    };
    let server = Server::build()
        .listen("pakta", listener, move || {
            let (gate, data) = (gate.clone(), data.clone());
            let app = ActixApp::new()
                .app_data(data)
                // Inside the security headers, so that its refusals carry them too.
                .wrap(from_fn(move |req, next| gate.clone().enforce(req, next)))
                .wrap(pages::security_headers())
                .configure(routes);
            fn_service(move |io: TcpStream| {
                let peer = io.peer_addr().ok();
                let guarded = protocol::Guarded::new(io, limits.header_timeout);
                std::future::ready(Ok::<_, DispatchError>((guarded, peer)))
            })
            .and_then(
                HttpService::build()
                    .client_request_timeout(backstop)
                    // A connection being closed, or idle between requests, is held no
                    // longer than one whose headers are slow.
                    .client_disconnect_timeout(limits.header_timeout)
                    .keep_alive(limits.header_timeout)
                    .local_addr(local)
                    // The routes build no URLs, so the host and address actix-web
                    // would put here for that are not needed.
                    .h1(map_config(app, |_| AppConfig::default())),
            )
        })?
        .run();
    Ok(server)
}
