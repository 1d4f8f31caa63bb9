//! The OpenAPI document (`src/http/openapi.yaml`, served at `GET /api/openapi.yaml`)
//! is valid OpenAPI, as a real validator (`openapi-spec-validator`, in the tools'
//! virtualenv) reads it, and it describes exactly the route table: every path that
//! `routes` registers is documented with the methods of its `Allow`, and nothing else
//! is. The route table is listed by `pakta::http::route_list`, from the registration
//! itself. That every operation answers only what the document says is checked by
//! fuzzing a running `pakta demo` (tests/api_contract.rs).

mod common;
#[path = "common/python_tools.rs"]
mod python_tools;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

/// Routes of the table that the document leaves out on purpose, with why.
const NOT_API: &[(&str, &str)] = &[
    ("/", "the home page (web/index.html), not part of the API"),
    (
        "/{file}",
        "the other web pages and their scripts and styles from web/, not part of the API",
    ),
];

/// Loads the document refusing a key given twice in one mapping (YAML parsers keep the
/// last one silently, and an operation disappears) and any key that is not a string (an
/// unquoted status code), validates it with openapi-spec-validator, and prints
/// `{path: [METHOD, ...]}` as JSON.
const CHECK_DOCUMENT: &str = r#"
import json, sys, yaml
from openapi_spec_validator import validate

class Strict(yaml.SafeLoader):
    pass

def mapping(loader, node):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        where = "line %d" % (key_node.start_mark.line + 1)
        if not isinstance(key, str):
            sys.exit("%s: the key %r is not a string; quote it" % (where, key))
        if key in seen:
            sys.exit("%s: the key %r appears twice in one mapping, so one of them is lost" % (where, key))
        seen.add(key)
    return loader.construct_mapping(node, deep=True)

Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
with open(sys.argv[1], encoding="utf-8") as f:
    try:
        spec = yaml.load(f, Loader=Strict)
    except yaml.YAMLError as e:
        sys.exit("not valid YAML: %s" % e)
try:
    validate(spec)
except Exception as e:
    sys.exit("not valid OpenAPI: %s" % e)
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
print(json.dumps({path: sorted(m.upper() for m in item if m in methods)
                  for path, item in spec["paths"].items()}))
"#;

/// `{path: methods}` of the document, after the checks of [`CHECK_DOCUMENT`]; panics
/// with the validator's words when the document is not valid.
fn documented() -> &'static BTreeMap<String, BTreeSet<String>> {
    static DOCUMENTED: OnceLock<BTreeMap<String, BTreeSet<String>>> = OnceLock::new();
    DOCUMENTED.get_or_init(|| {
        let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/openapi.yaml");
        let dir = common::private_tempdir();
        let out =
            python_tools::run_python(&["-c", CHECK_DOCUMENT, doc.to_str().unwrap()], dir.path());
        assert!(
            out.status.success(),
            "src/http/openapi.yaml: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).expect("the paths as JSON")
    })
}

/// An actix pattern as an OpenAPI path: `{path:.*}` becomes `{path}`.
fn openapi_path(pattern: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut in_regex = false;
    for c in pattern.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push('{');
                    in_regex = false;
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                }
            }
            ':' if depth == 1 => in_regex = true,
            c if depth == 0 || !in_regex => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn the_document_is_valid_openapi() {
    let paths = documented();
    assert!(paths.len() > 20, "{paths:?}");
}

#[test]
fn the_route_table_and_the_document_name_the_same_operations() {
    let routes = pakta::http::route_list();
    assert!(routes.len() > 20, "route_list found only {routes:?}");
    let mut served = BTreeMap::new();
    for route in &routes {
        let path = openapi_path(&route.path);
        let methods: BTreeSet<String> = route.methods.iter().cloned().collect();
        assert!(
            served.insert(path.clone(), methods).is_none(),
            "{path} is registered twice in the route table"
        );
    }
    for (path, why) in NOT_API {
        assert!(
            served.remove(*path).is_some(),
            "{path} is listed in NOT_API ({why}) but is no longer in the route table"
        );
    }

    let documented = documented();
    let mut problems = Vec::new();
    for (path, methods) in &served {
        match documented.get(path) {
            None => problems.push(format!(
                "{path} ({}) is served but not in src/http/openapi.yaml",
                join(methods)
            )),
            Some(doc) if doc != methods => problems.push(format!(
                "{path} takes {} (its Allow in src/http/mod.rs) but src/http/openapi.yaml documents {}",
                join(methods),
                join(doc)
            )),
            Some(_) => {}
        }
    }
    for (path, methods) in documented {
        if !served.contains_key(path) {
            problems.push(format!(
                "{path} ({}) is in src/http/openapi.yaml but not in the route table",
                join(methods)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn join(methods: &BTreeSet<String>) -> String {
    methods.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[test]
fn actix_patterns_become_openapi_paths() {
    assert_eq!(
        openapi_path("/api/ceremonies/{id}/open"),
        "/api/ceremonies/{id}/open"
    );
    assert_eq!(openapi_path("/tile/{path:.*}"), "/tile/{path}");
    assert_eq!(openapi_path("/{file:[^/]+}"), "/{file}");
    assert_eq!(openapi_path("/v{v:[[:digit:]]{1}}/x"), "/v{v}/x");
}

/// The document is the one the binary serves.
#[test]
fn the_served_document_is_the_file() {
    let app = common::TestApp::spawn();
    let served = app.get_response("/api/openapi.yaml");
    assert_eq!(served.status, 200);
    assert!(served.content_type.starts_with("application/yaml"));
    let file =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/openapi.yaml")).unwrap();
    assert!(
        served.body == file,
        "the served document differs from the file"
    );
}
