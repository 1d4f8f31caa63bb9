//! `pakta mirror` as an auditor runs it: it follows a registry over HTTP from its
//! checkpoint and entry tiles, keeps a verified copy that `pakta verify` audits, and
//! stops with exit status 3, naming both checkpoints, when the registry shows a history
//! that does not extend the one it verified before.

mod common;

use common::*;
use serde_json::json;

fn publish(app: &TestApp, from: usize, to: usize, wording: &str) {
    for i in from..to {
        let reply = app.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": format!("{wording} {i}.\n")}),
        );
        assert_eq!(reply.status, 201);
    }
}

fn mirror(url: &str, data: &std::path::Path, vkey: &str) -> (Option<i32>, String) {
    let out = pakta(&[
        "mirror",
        url,
        "--data",
        data.to_str().unwrap(),
        "--vkey",
        vkey,
        "--once",
    ]);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_mirror_follows_the_log_and_stops_on_a_fork() {
    let real = TestApp::spawn();
    publish(&real, 0, 300, "Teks");
    let dir = private_tempdir();
    let copy = dir.path().join("mirror");

    let (code, out) = mirror(&real.url, &copy, &real.vkey);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("the copy now holds 300 entries"), "{out}");

    publish(&real, 300, 310, "Teks");
    let (code, out) = mirror(&real.url, &copy, &real.vkey);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verified entries 300..310"), "{out}");
    let (code, out) = mirror(&real.url, &copy, &real.vkey);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("up to date: 310"), "{out}");

    // The verified copy passes the full offline audit.
    let audit = pakta(&["verify", "--data", copy.to_str().unwrap()]);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    assert!(String::from_utf8_lossy(&audit.stdout).contains("OK: 310 entries verified"));

    // The same log key shows another history, longer than the one verified.
    let fake = TestApp::spawn_impersonating(&real);
    assert_eq!(fake.vkey, real.vkey);
    publish(&fake, 0, 320, "Teks lain");
    let (code, out) = mirror(&fake.url, &copy, &real.vkey);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("FORK DETECTED"), "{out}");
    assert!(
        out.contains(&format!("{ORIGIN}\n310\n")),
        "names the verified checkpoint: {out}"
    );
    assert!(
        out.contains(&format!("{ORIGIN}\n320\n")),
        "names the offered checkpoint: {out}"
    );

    // A shorter history that differs from the verified one is a fork too; the copy
    // still holds what was verified.
    let rewritten = TestApp::spawn_impersonating(&real);
    publish(&rewritten, 0, 5, "Teks diubah");
    let (code, out) = mirror(&rewritten.url, &copy, &real.vkey);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("a different root for 5 entries"), "{out}");
    let audit = pakta(&["verify", "--data", copy.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&audit.stdout).contains("OK: 310 entries verified"));

    // An older checkpoint of the same history (a lagging cache) is not a fork.
    let lagging = TestApp::spawn_impersonating(&real);
    publish(&lagging, 0, 5, "Teks");
    let (code, out) = mirror(&lagging.url, &copy, &real.vkey);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("older checkpoint (5 entries)"), "{out}");

    // A registry signed by another key is refused before anything is fetched.
    let stranger = TestApp::spawn();
    let (code, out) = mirror(&stranger.url, &copy, &real.vkey);
    assert_ne!(code, Some(0), "{out}");
}
