//! The OpenAPI document served by the binary describes the API that is really there:
//! every route of the version 1 contract is documented, and every documented route
//! answers (with data or a proper error), never "unknown route".

mod common;

use common::*;

/// The routes DESIGN.md fixes as version 1 of the contract.
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/api/officials/import"),
    ("get", "/api/officials"),
    ("post", "/api/tokens"),
    ("post", "/api/officials/{nip}/enrollment-code"),
    ("post", "/api/enroll"),
    ("post", "/api/pledges"),
    ("post", "/api/ceremonies"),
    ("post", "/api/ceremonies/{id}/open"),
    ("post", "/api/ceremonies/{id}/attendance"),
    ("post", "/api/ceremonies/{id}/statement"),
    ("post", "/api/signatures"),
    ("post", "/api/ceremonies/{id}/close"),
    ("get", "/api/ceremonies/{id}/report"),
    ("get", "/api/ceremonies/{id}/unsigned"),
    ("post", "/api/verify"),
    ("get", "/api/registry/head"),
    ("get", "/api/registry/entries"),
    ("get", "/api/registry/vkey"),
    ("get", "/api/registry/proof/inclusion"),
    ("get", "/api/registry/proof/consistency"),
];

/// (method, path) pairs of the document, read from its two-level YAML layout.
fn documented(yaml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut path = None;
    for line in yaml.lines() {
        if let Some(p) = line.strip_prefix("  /api/") {
            path = Some(format!("/api/{}", p.trim_end_matches(':')));
        } else if let Some(p) = &path
            && let Some(method) = ["get:", "post:"]
                .iter()
                .find(|m| line == format!("    {m}"))
        {
            out.push((method.trim_end_matches(':').to_string(), p.clone()));
        } else if !line.starts_with("  ") {
            path = None;
        }
    }
    out
}

#[test]
fn every_contract_route_is_documented_and_every_documented_route_exists() {
    let app = TestApp::spawn();
    let doc = app.get("/api/openapi.yaml", None);
    assert_eq!(doc.status, 200);
    let routes = documented(&doc.text);
    for (method, path) in CONTRACT {
        assert!(
            routes.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is not in the OpenAPI document"
        );
    }
    for (method, path) in &routes {
        let concrete = path.replace("{id}", "1").replace("{nip}", ANDI);
        let reply = match method.as_str() {
            "get" => app.get(&concrete, Some(ADMIN)),
            _ => app.post(&concrete, Some(ADMIN), &serde_json::json!({})),
        };
        assert_ne!(
            reply.body["error"]["code"], "unknown_route",
            "{method} {path} is documented but not served"
        );
    }
}
