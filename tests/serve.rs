//! Starting the real `pakta serve` binary as an administrator would: first start makes
//! the data directory, the database, a private log key and a one-time admin token; a
//! restart keeps them and does not print the token again. The directory and its files
//! are readable by their owner only, and a start on ones others can read is refused.

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
    let dir = common::private_tempdir();
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
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
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

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A refused start: its exit and what it said on stdout and stderr.
fn refused(data: &std::path::Path) -> String {
    match serve_process::start(data, None, Stderr::Capture) {
        Ok(server) => panic!("served although refused: {:?}", server.lines),
        Err(exited) => {
            assert!(!exited.status.success());
            format!("{}\n{}", exited.lines.join("\n"), exited.stderr)
        }
    }
}

#[test]
fn the_data_directory_and_its_files_are_private_from_the_start() {
    let dir = common::private_tempdir();
    let data = dir.path().join("pakta-data");
    let server = start(&data);
    assert_eq!(mode(&data), 0o700, "the data directory");
    for file in [
        "pakta.sqlite3",
        "pakta.sqlite3-wal",
        "pakta.sqlite3-shm",
        "log-key",
        "log-checkpoint",
    ] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    drop(server);

    // A directory or database others can read is refused, with the chmod that fixes it.
    set_mode(&data, 0o755);
    let said = refused(&data);
    assert!(
        said.contains(&format!("chmod 700 {}", data.display())),
        "{said}"
    );
    set_mode(&data, 0o700);
    drop(start(&data));

    let database = data.join("pakta.sqlite3");
    set_mode(&database, 0o644);
    let said = refused(&data);
    assert!(said.contains("chmod 600"), "{said}");
    assert!(said.contains("pakta.sqlite3"), "{said}");
    set_mode(&database, 0o600);
    drop(start(&data));
}

#[test]
fn a_short_chosen_admin_token_is_refused_with_how_to_make_one() {
    let dir = common::private_tempdir();
    let data = dir.path().join("pakta-data");
    let exited = match serve_process::start(&data, Some("rahasia-bkpsdm-2024"), Stderr::Capture) {
        Ok(server) => panic!("served with a short admin token: {:?}", server.lines),
        Err(exited) => exited,
    };
    assert!(!exited.status.success());
    assert!(
        exited.stderr.contains("at least 32 characters")
            && exited.stderr.contains("head -c 24 /dev/urandom | base64"),
        "{}",
        exited.stderr
    );
}
