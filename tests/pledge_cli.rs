//! `pakta pledge`, the whole signing from a key file for officials without a smartphone,
//! run as the real binary against a registry started in process. The registry's clock is
//! fixed at 7 October 2024, far from the machine's, so a run that succeeds proves the
//! command times its statement request by the registry's `now`. Each run is checked from
//! the outside: what the official sees, the receipt file and its offline verification,
//! and the size of the registry.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use pakta::domain::receipt::Receipt;
use serde_json::json;

/// Makes a key file with `pakta keygen` and enrolls it for `nip`, as the official would.
fn keygen_and_enroll(app: &TestApp, dir: &Path, nip: &str) -> PathBuf {
    let key_path = dir.join(format!("{nip}.key"));
    let made = pakta(&["keygen", "--out", key_path.to_str().unwrap()]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let key = pakta::keyfile::read(&key_path).unwrap();
    let code = app.enrollment_code(nip);
    let enrolled = app.post("/api/enroll", None, &enrollment_body(nip, &code, &key));
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    key_path
}

/// `pakta pledge` for `nip` in ceremony 1, run in `cwd`.
fn pledge(app: &TestApp, key: &Path, nip: &str, cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pakta"));
    command
        .current_dir(cwd)
        .args([
            "pledge",
            "--server",
            &app.url,
            "--ceremony",
            "1",
            "--nip",
            nip,
        ])
        .arg("--key")
        .arg(key);
    command
}

/// Runs `command` with `input` written to its stdin, which is then closed.
fn answering(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pakta");
    let written = child.stdin.take().unwrap().write_all(input.as_bytes());
    // A run refused before it asks anything (a receipt file already there) may exit
    // before reading its answer: the pipe is then closed, and that is its outcome.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The run succeeded, printed the statement that the receipt holds and where the receipt
/// went, and the receipt verifies offline against the log's key.
fn assert_signed(app: &TestApp, out: &Output, receipt_path: &Path) {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    let receipt = std::fs::read_to_string(receipt_path)
        .unwrap_or_else(|e| panic!("no receipt at {}: {e}\n{stdout}", receipt_path.display()));
    let statement = Receipt::parse(&receipt).unwrap().document;
    assert!(
        stdout.contains(&statement),
        "the statement signed was not shown exactly:\n{stdout}"
    );
    assert!(
        stdout.contains("PAKTA INTEGRITAS NETRALITAS ASN"),
        "{stdout}"
    );
    assert!(stdout.contains("ikrar bersama di upacara"), "{stdout}");
    assert!(
        stdout.contains("WIB"),
        "expiry in the instansi's zone: {stdout}"
    );
    assert!(stdout.contains("entri nomor"), "{stdout}");
    assert!(
        stdout.contains(
            &receipt_path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        ),
        "{stdout}"
    );
    app.assert_receipt_file_verifies(receipt_path);
}

#[test]
fn pledge_signs_from_a_key_file_only_after_the_official_agrees() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let dir = private_tempdir();
    let keys: Vec<PathBuf> = [ANDI, SITI, BUDI]
        .iter()
        .map(|nip| keygen_and_enroll(&app, dir.path(), nip))
        .collect();
    let ceremony = app.create_ceremony(json!({"all": true}));
    assert_eq!(ceremony, 1);
    app.open(ceremony);
    for nip in [ANDI, SITI, BUDI] {
        let checked_in = app.check_in(ceremony, nip, ADMIN);
        assert_eq!(checked_in.status, 201, "{}", checked_in.text);
    }

    // A script signs with --yes, saving the receipt where --out says.
    let before = app.registry_size();
    let andi_receipt = dir.path().join("andi.tlog-proof");
    let out = pledge(&app, &keys[0], ANDI, dir.path())
        .args(["--yes", "--out", andi_receipt.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_signed(&app, &out, &andi_receipt);
    assert_eq!(app.registry_size(), before + 1);

    // Siti answers "ya" at the question; the receipt gets its default name in the
    // current directory.
    let out = answering(pledge(&app, &keys[1], SITI, dir.path()), "ya\n");
    assert!(
        text(&out.stdout).contains("Tanda tangani pernyataan ini? Ketik 'ya'"),
        "{}",
        text(&out.stdout)
    );
    assert_signed(
        &app,
        &out,
        &dir.path()
            .join(format!("tanda-terima-{SITI}-upacara-1.tlog-proof")),
    );
    assert_eq!(app.registry_size(), before + 2);

    // Budi answers anything else, or nothing at all: nothing is signed or saved.
    let budi_receipt = dir
        .path()
        .join(format!("tanda-terima-{BUDI}-upacara-1.tlog-proof"));
    for (answer, why) in [
        ("tidak\n", "an answer other than ya"),
        ("y\n", "an abbreviation"),
        ("", "a closed stdin without --yes"),
    ] {
        let out = answering(pledge(&app, &keys[2], BUDI, dir.path()), answer);
        assert!(
            !out.status.success(),
            "{why}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("PAKTA INTEGRITAS NETRALITAS ASN"),
            "{why}: the statement is shown before the question"
        );
        assert_eq!(app.registry_size(), before + 2, "{why} signed");
        assert!(!budi_receipt.exists(), "{why} saved a receipt");
    }
    let budi_signed = app.get(&format!("/api/ceremonies/{ceremony}/counts"), None);
    assert_eq!(budi_signed.body["signed"], 2, "{}", budi_signed.text);

    // An existing receipt file is never overwritten: refused before anything is sent.
    let kept = "not a receipt, but mine\n";
    std::fs::write(&budi_receipt, kept).unwrap();
    let out = answering(pledge(&app, &keys[2], BUDI, dir.path()), "ya\n");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("sudah ada"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&budi_receipt).unwrap(), kept);
    assert_eq!(app.registry_size(), before + 2);
}

#[test]
fn pledge_says_what_went_wrong_in_indonesian() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let dir = private_tempdir();
    let andi_key = keygen_and_enroll(&app, dir.path(), ANDI);
    let ceremony = app.create_ceremony(json!({"all": true}));
    app.open(ceremony);
    app.check_in(ceremony, ANDI, ADMIN);
    let before = app.registry_size();

    // A NIP that cannot be one is refused before anything is sent.
    let out = pledge(&app, &andi_key, "12345", dir.path())
        .arg("--yes")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("NIP '12345' tidak valid"),
        "{}",
        text(&out.stderr)
    );

    // Siti's NIP with Andi's key: the registry's 401 is shown with its message, and
    // what to check next.
    let out = pledge(&app, &andi_key, SITI, dir.path())
        .arg("--yes")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("request_not_authenticated"), "{stderr}");
    assert!(
        stderr.contains("Permintaan pernyataan tidak dapat dibuktikan"),
        "{stderr}"
    );
    assert!(stderr.contains("pastikan --nip benar"), "{stderr}");

    // Budi is not checked in, and the registry says so.
    let budi_key = keygen_and_enroll(&app, dir.path(), BUDI);
    let out = pledge(&app, &budi_key, BUDI, dir.path())
        .arg("--yes")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not_checked_in"), "{stderr}");

    assert_eq!(app.registry_size(), before + 1, "only Budi's enrollment");
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tlog-proof")
    }));
}
