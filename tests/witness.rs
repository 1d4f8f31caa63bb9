//! Witnesses (c2sp.org/tlog-witness, tlog-cosignature) against the real `pakta witness`
//! binary: two witnesses and a registry on port 0. The registry's checkpoints and its
//! receipts carry both cosignatures, whose bytes are re-derived here from the spec alone
//! (SHA-256 key id with 0x04, `cosignature/v1`, time, checkpoint text, Ed25519);
//! `pakta verify-receipt --witness … --quorum K` says who vouched. A registry copied and
//! grown apart (a split view) is cosigned on one branch and refused with 409 on the
//! other, and the witness remembers across a restart. Every refusal of the protocol gets
//! its status.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use pakta::app::{Config, WitnessEndpoint};
use serde_json::json;
use sha2::{Digest, Sha256};

use common::serve_process::{self, ServeProcess, Stderr};
use common::*;

const DEADLINE: Duration = Duration::from_secs(60);

struct RunningWitness {
    process: ServeProcess,
    name: String,
    /// Its verifier key, the first line it printed.
    vkey: String,
}

impl RunningWitness {
    fn endpoint(&self) -> WitnessEndpoint {
        format!("{}={}@{}", self.name, self.vkey, self.process.url)
            .parse()
            .expect("a witness endpoint")
    }
}

fn start_witness(data: &Path, name: &str, log_vkey: &str, stderr: Stderr) -> RunningWitness {
    let args = [
        "witness",
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--log",
        log_vkey,
        "--name",
        name,
    ];
    let process = serve_process::start_with(&args, None, stderr)
        .unwrap_or_else(|e| panic!("the witness did not start: {:?} {}", e.lines, e.stderr));
    let vkey = process.lines[0].clone();
    RunningWitness {
        process,
        name: name.to_string(),
        vkey,
    }
}

fn with_witnesses(witnesses: &[&RunningWitness], quorum: usize) -> Config {
    Config {
        witnesses: witnesses.iter().map(|w| w.endpoint()).collect(),
        witness_quorum: quorum,
        ..Config::default()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A POST to a witness's `add-checkpoint`: status, Content-Type, body.
fn add_checkpoint(witness: &RunningWitness, body: &str) -> (u16, String, String) {
    let mut reply = agent()
        .post(format!("{}/add-checkpoint", witness.process.url))
        .send(body)
        .expect("reach the witness");
    let status = reply.status().as_u16();
    let content_type = reply
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        content_type,
        reply.body_mut().read_to_string().unwrap(),
    )
}

/// Checks, from the spec alone, that `note` carries a valid cosignature by the witness
/// with verifier key `vkey`; returns its timestamp.
fn cosignature_by_hand(note: &str, vkey: &str) -> u64 {
    let mut parts = vkey.splitn(3, '+');
    let (name, id_hex, key) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let key = STANDARD.decode(key).unwrap();
    assert_eq!(key[0], 0x04, "a cosignature/v1 key is of type 0x04");
    let public: [u8; 32] = key[1..].try_into().unwrap();
    let id = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(b"\n")
        .chain_update([0x04])
        .chain_update(public)
        .finalize();
    assert_eq!(hex::encode(&id[..4]), id_hex);
    // The checkpoint text: origin, size and root, each with its LF.
    let text: String = note.split_inclusive('\n').take(3).collect();
    let line = note
        .lines()
        .find(|l| l.starts_with(&format!("\u{2014} {name} ")))
        .unwrap_or_else(|| panic!("no line of {name} in\n{note}"));
    let bytes = STANDARD.decode(line.rsplit(' ').next().unwrap()).unwrap();
    assert_eq!(bytes.len(), 4 + 8 + 64);
    assert_eq!(bytes[..4], id[..4]);
    let timestamp = u64::from_be_bytes(bytes[4..12].try_into().unwrap());
    let message = format!("cosignature/v1\ntime {timestamp}\n{text}");
    VerifyingKey::from_bytes(&public)
        .unwrap()
        .verify_strict(
            message.as_bytes(),
            &Signature::from_bytes(&bytes[12..].try_into().unwrap()),
        )
        .expect("the cosignature verifies over the spec's message");
    timestamp
}

fn size_of(note: &str) -> u64 {
    note.lines().nth(1).unwrap().parse().unwrap()
}

fn cosignature_lines(note: &str) -> usize {
    note.lines().filter(|l| l.starts_with('\u{2014}')).count() - 1
}

/// Waits until the registry serves a checkpoint of at least `size` with `lines`
/// cosignatures.
fn wait_for_witnessed(app: &TestApp, size: u64, lines: usize) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let note = app.get("/checkpoint", None).text;
        if size_of(&note) >= size && cosignature_lines(&note) >= lines {
            return note;
        }
        assert!(
            Instant::now() < deadline,
            "no checkpoint of size {size} with {lines} cosignatures; serving\n{note}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn verify_receipt(receipt: &str, app: &TestApp, extra: &[&str]) -> (bool, String) {
    let dir = private_tempdir();
    let file = dir.path().join("andi.tlog-proof");
    std::fs::write(&file, receipt).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args([
            "verify-receipt",
            file.to_str().unwrap(),
            "--vkey",
            &app.vkey,
        ])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn checkpoint_of(receipt: &str) -> &str {
    let at = receipt
        .find(&format!("\n\n{ORIGIN}\n"))
        .expect("a checkpoint");
    &receipt[at + 2..]
}

/// The consistency proof from `from` to `to` as `registry` serves it, one base64 hash
/// per line, as an `add-checkpoint` body carries it.
fn proof_lines(registry: &TestApp, from: u64, to: u64) -> String {
    let proof = registry.get(
        &format!("/api/registry/proof/consistency?from={from}&to={to}"),
        None,
    );
    proof.body["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{}\n", h.as_str().unwrap()))
        .collect()
}

fn signing_ready(app: &TestApp) -> (u64, SigningKey, SigningKey) {
    assert_eq!(app.import(ROSTER).status, 200);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI, SITI]);
    (ceremony, andi, siti)
}

#[test]
fn two_witnesses_cosign_the_registrys_checkpoints_and_its_receipts() {
    let registry = TestApp::spawn();
    let (ceremony, andi, _) = signing_ready(&registry);
    let (d1, d2) = (private_tempdir(), private_tempdir());
    let stderr_file = d1.path().join("witness-1.log");
    let w1 = start_witness(
        d1.path(),
        "saksi.test/1",
        &registry.vkey,
        Stderr::File(&stderr_file),
    );
    let w2 = start_witness(d2.path(), "saksi.test/2", &registry.vkey, Stderr::Discard);
    // The first line is the key, and /vkey serves the same.
    for w in [&w1, &w2] {
        assert!(w.vkey.starts_with(&format!("{}+", w.name)), "{}", w.vkey);
        let served = agent()
            .get(format!("{}/vkey", w.process.url))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        assert_eq!(served, format!("{}\n", w.vkey));
    }
    let registry = registry.restart_with(with_witnesses(&[&w1, &w2], 2));

    let signed = registry.sign(ceremony, ANDI, &andi);
    assert_eq!(signed.status, 201, "{}", signed.text);
    let receipt = signed.body["receipt"].as_str().unwrap();
    let index = signed.body["index"].as_u64().unwrap();
    let checkpoint = checkpoint_of(receipt);
    assert!(size_of(checkpoint) > index);
    let now = chrono::Utc::now().timestamp() as u64;
    for w in [&w1, &w2] {
        let at = cosignature_by_hand(checkpoint, &w.vkey);
        assert!(at.abs_diff(now) < 120, "cosigned at {at}, now {now}");
    }

    let both = [
        "--witness",
        w1.vkey.as_str(),
        "--witness",
        w2.vkey.as_str(),
        "--quorum",
        "2",
    ];
    let (valid, out) = verify_receipt(receipt, &registry, &both);
    assert!(valid, "{out}");
    assert!(
        out.contains("ok   witnesses: Disaksikan oleh 2 dari 2 saksi yang dipercaya (kuorum 2): saksi.test/1 (")
            && out.contains("saksi.test/2 ("),
        "{out}"
    );
    // A witness the receipt does not carry cannot make up a quorum of three.
    let stranger = SigningKey::from_bytes(&[0x5a; 32]);
    let stranger = pakta::domain::cosignature::WitnessKey::new(
        "saksi.test/3",
        pakta::keyfile::public_key(&stranger),
    )
    .to_string();
    let mut three = both.to_vec();
    three.truncate(4);
    three.extend(["--witness", stranger.as_str(), "--quorum", "3"]);
    let (valid, out) = verify_receipt(receipt, &registry, &three);
    assert!(!valid, "{out}");
    assert!(
        out.contains("FAIL witnesses: Disaksikan oleh 2 dari 3")
            && out.contains("Tanpa tanda tangan bersama yang sah dari: saksi.test/3")
            && out.contains("INVALID receipt"),
        "{out}"
    );
    // Without witness keys the verdict says nothing about witnesses.
    let (valid, out) = verify_receipt(receipt, &registry, &[]);
    assert!(valid && !out.contains("witnesses"), "{out}");

    // Many appends at once: the witnesses are asked at most once per second.
    let started = Instant::now();
    let before = registry.registry_size();
    for i in 0..40 {
        let reply = registry.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": format!("Teks pakta nomor {i}.")}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    wait_for_witnessed(&registry, before + 40, 2);
    let seconds = started.elapsed().as_secs();
    let rounds = std::fs::read_to_string(&stderr_file)
        .unwrap()
        .matches("cosigned")
        .count() as u64;
    assert!(
        (1..=seconds + 3).contains(&rounds),
        "{rounds} cosignatures by one witness in {seconds} s"
    );
}

#[test]
fn a_registry_forked_into_two_copies_is_cosigned_on_one_branch_and_refused_409_on_the_other() {
    let registry = TestApp::spawn();
    let (ceremony, andi, siti) = signing_ready(&registry);
    let (d1, d2) = (private_tempdir(), private_tempdir());
    let mut w1 = start_witness(d1.path(), "saksi.test/1", &registry.vkey, Stderr::Discard);
    let w2 = start_witness(d2.path(), "saksi.test/2", &registry.vkey, Stderr::Discard);
    let config = || with_witnesses(&[&w1, &w2], 2);
    let mut a = registry.restart_with(config());
    let shared = wait_for_witnessed(&a, a.registry_size(), 2);
    let n = size_of(&shared);

    // Two copies of one data directory, grown apart.
    a.stop();
    let copy = private_tempdir();
    for file in std::fs::read_dir(a.data_dir()).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), copy.path().join(file.file_name())).unwrap();
    }
    let a = a.restart_with(config());
    let b = TestApp::spawn_configured(copy, ORIGIN, config(), load_test_limits());

    let on_a = a.sign(ceremony, ANDI, &andi);
    assert_eq!(on_a.status, 201, "{}", on_a.text);
    let a_receipt = on_a.body["receipt"].as_str().unwrap();
    assert_eq!(
        cosignature_lines(checkpoint_of(a_receipt)),
        2,
        "{a_receipt}"
    );
    let witnessed_a = wait_for_witnessed(&a, n + 1, 2);
    assert_eq!(size_of(&witnessed_a), n + 1);

    let on_b = b.sign(ceremony, SITI, &siti);
    assert_eq!(on_b.status, 201, "{}", on_b.text);
    // B's entry is durable and its receipt honest: signed by the log, vouched by no one.
    let b_receipt = on_b.body["receipt"].as_str().unwrap();
    let b_checkpoint = checkpoint_of(b_receipt);
    assert_eq!(size_of(b_checkpoint), n + 1);
    assert_eq!(cosignature_lines(b_checkpoint), 0, "{b_receipt}");
    let keys = ["--witness", w1.vkey.as_str(), "--witness", w2.vkey.as_str()];
    let (valid, out) = verify_receipt(b_receipt, &b, &keys);
    assert!(
        !valid && out.contains("FAIL witnesses: Disaksikan oleh 0 dari 2"),
        "{out}"
    );
    let (valid, out) = verify_receipt(a_receipt, &a, &keys);
    assert!(valid, "{out}");
    // B still serves the last checkpoint both branches share.
    assert_eq!(b.get("/checkpoint", None).text, shared);

    // B's branch, submitted as B's registry does: 409, naming the size A got cosigned.
    let b_note = std::fs::read_to_string(b.data_dir().join("log-checkpoint")).unwrap();
    assert_ne!(b_note.lines().nth(2), witnessed_a.lines().nth(2));
    let proof_lines = proof_lines(&b, n, n + 1);
    for w in [&w1, &w2] {
        let (status, content_type, body) =
            add_checkpoint(w, &format!("old {n}\n{proof_lines}\n{b_note}"));
        assert_eq!(
            (status, content_type.as_str(), body.clone()),
            (409, "text/x.tlog.size", format!("{}\n", n + 1))
        );
        // Asked again from the size named: same size, another root, still 409.
        let (status, content_type, body) = add_checkpoint(w, &format!("old {}\n\n{b_note}", n + 1));
        assert_eq!(
            (status, content_type.as_str(), body),
            (409, "text/x.tlog.size", format!("{}\n", n + 1))
        );
    }

    // The witness keeps what it cosigned across a restart.
    let url = w1.process.url.clone();
    w1.process.kill();
    w1 = start_witness(d1.path(), "saksi.test/1", &a.vkey, Stderr::Discard);
    assert_ne!(w1.process.url, url);
    let (status, _, body) = add_checkpoint(&w1, &format!("old 0\n\n{b_note}"));
    assert_eq!((status, body), (409, format!("{}\n", n + 1)));
    // And still cosigns the honest branch as it grows.
    let a_note = std::fs::read_to_string(a.data_dir().join("log-checkpoint")).unwrap();
    let (status, _, body) = add_checkpoint(&w1, &format!("old {}\n\n{a_note}", n + 1));
    assert_eq!(status, 200, "{body}");
    cosignature_by_hand(&format!("{a_note}{body}"), &w1.vkey);
}

#[test]
fn each_refusal_of_the_protocol_has_its_status() {
    let registry = TestApp::spawn();
    let dir = private_tempdir();
    let witness = start_witness(dir.path(), "saksi.test/1", &registry.vkey, Stderr::Discard);
    for i in 0..3 {
        registry.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": "Teks."}),
        );
    }
    let note = registry.get("/checkpoint", None).text;
    let size = size_of(&note);

    let (status, _, body) = add_checkpoint(&witness, &format!("old 0\n\n{note}"));
    assert_eq!(status, 200, "{body}");
    cosignature_by_hand(&format!("{note}{body}"), &witness.vkey);
    // The same checkpoint again, from its own size: cosigned again.
    let (status, _, _) = add_checkpoint(&witness, &format!("old {size}\n\n{note}"));
    assert_eq!(status, 200);

    // Another log's checkpoint (same origin, another key): 403. Another origin: 404.
    let other = TestApp::spawn_impersonating(&TestApp::spawn());
    let foreign = other.get("/checkpoint", None).text;
    assert_eq!(
        add_checkpoint(&witness, &format!("old 0\n\n{foreign}")).0,
        403
    );
    let stranger = TestApp::spawn_prepared("pakta.test/lain", |_| {});
    let unknown = stranger.get("/checkpoint", None).text;
    assert_eq!(
        add_checkpoint(&witness, &format!("old 0\n\n{unknown}")).0,
        404
    );

    // Grow, then send a proof that does not verify: 422. An old size beyond: 400.
    registry.post(
        "/api/pledges",
        Some(ADMIN),
        &json!({"title": "Pakta 4", "text": "Teks."}),
    );
    let grown = registry.get("/checkpoint", None).text;
    let wrong = STANDARD.encode([7u8; 32]);
    assert_eq!(
        add_checkpoint(&witness, &format!("old {size}\n{wrong}\n\n{grown}")).0,
        422
    );
    assert_eq!(
        add_checkpoint(&witness, &format!("old {}\n\n{grown}", size + 5)).0,
        400
    );
    assert_eq!(add_checkpoint(&witness, "not a request").0, 400);
    // Nothing refused moved the witness: the right proof is still accepted.
    let lines = proof_lines(&registry, size, size_of(&grown));
    let (status, _, body) = add_checkpoint(&witness, &format!("old {size}\n{lines}\n{grown}"));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn concurrent_submissions_are_cosigned_once_and_never_roll_the_witness_back() {
    let registry = TestApp::spawn();
    let dir = private_tempdir();
    let witness = start_witness(dir.path(), "saksi.test/1", &registry.vkey, Stderr::Discard);
    let first = registry.get("/checkpoint", None).text;
    let (status, _, _) = add_checkpoint(&witness, &format!("old 0\n\n{first}"));
    assert_eq!(status, 200);
    let base = size_of(&first);
    // Sixteen later checkpoints of one history, each with its proof from `base`.
    let mut bodies = Vec::new();
    for i in 0..16 {
        registry.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": "Teks."}),
        );
        let note = std::fs::read_to_string(registry.data_dir().join("log-checkpoint")).unwrap();
        let lines = proof_lines(&registry, base, size_of(&note));
        bodies.push((size_of(&note), format!("old {base}\n{lines}\n{note}")));
    }
    // All at once, twice each: every one is valid alone, but only one can extend `base`.
    let answers: Vec<(u64, u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = bodies
            .iter()
            .chain(bodies.iter())
            .map(|(size, body)| {
                let witness = &witness;
                s.spawn(move || {
                    let (status, _, text) = add_checkpoint(witness, body);
                    (*size, status, text)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let accepted: Vec<u64> = answers
        .iter()
        .filter(|(_, status, _)| *status == 200)
        .map(|(size, _, _)| *size)
        .collect();
    assert_eq!(accepted.len(), 1, "{answers:?}");
    for (_, status, text) in answers.iter().filter(|(_, s, _)| *s != 200) {
        assert_eq!((*status, text.clone()), (409, format!("{}\n", accepted[0])));
    }
    // The witness holds the accepted size, asked afterwards.
    let (status, _, text) = add_checkpoint(&witness, &format!("old 0\n\n{first}"));
    assert_eq!((status, text), (409, format!("{}\n", accepted[0])));
    let audit = Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(["verify", "--data", registry.data_dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(audit.status.success(), "{audit:?}");
}
