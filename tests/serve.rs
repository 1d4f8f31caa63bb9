//! Starting the real `pakta serve` binary as an administrator would: first start makes
//! the data directory, the database, a private log key and a one-time admin token; a
//! restart keeps them and does not print the token again.

mod common;

use common::serve_process::{self, ServeProcess, Stderr};
use serde_json::json;

/// Starts `pakta serve` on port 0 and reads its banner up to the serving line.
fn start(data: &std::path::Path) -> ServeProcess {
    serve_process::start(data, None, Stderr::Discard)
        .unwrap_or_else(|exited| panic!("no serving line in {:?}", exited.lines))
}

#[test]
fn first_start_sets_up_the_data_directory_and_a_one_time_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("pakta-data");
    let server = start(&data);

    let token = server
        .lines
        .iter()
        .find_map(|l| {
            l.split("shown once")
                .nth(1)
                .and_then(|r| r.split_whitespace().last())
        })
        .unwrap_or_else(|| panic!("no admin token printed: {:?}", server.lines))
        .to_string();
    let printed_vkey = server
        .lines
        .iter()
        .find_map(|l| l.strip_prefix("log verifier key (auditors pin this): "))
        .unwrap_or_else(|| panic!("no verifier key printed: {:?}", server.lines))
        .to_string();
    assert!(
        printed_vkey.starts_with("pakta/pemerintah-daerah+"),
        "{printed_vkey}"
    );
    assert!(data.join(pakta::store::DATABASE_FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("log-key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the log key is private");
    }

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let pledge = |url: &str, token: &str| {
        agent
            .post(format!("{url}/api/pledges"))
            .header("Authorization", format!("Bearer {token}"))
            .send_json(json!({"title": "Pakta", "text": "Netral."}))
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        pledge(&server.url, &token),
        201,
        "the printed token is the admin token"
    );
    let served_vkey = agent
        .get(format!("{}/api/registry/vkey", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(
        served_vkey.trim(),
        printed_vkey,
        "the served key is the printed one"
    );
    assert_eq!(pledge(&server.url, "pakta_admin_guess"), 401);
    drop(server);

    // Only the hash was kept: a restart does not print the token, and it still works.
    let again = start(&data);
    assert!(!again.lines.iter().any(|l| l.contains(&token)));
    assert!(
        again.lines.iter().any(|l| l.ends_with(&printed_vkey)),
        "the log key and origin survive a restart"
    );
    assert_eq!(pledge(&again.url, &token), 201, "the token still works");
    let stored = std::fs::read(data.join(pakta::store::DATABASE_FILE)).unwrap();
    assert!(
        !stored.windows(token.len()).any(|w| w == token.as_bytes()),
        "the admin token itself is never stored"
    );
}
