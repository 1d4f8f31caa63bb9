//! A busy ceremony morning, over HTTP: 64 clients enroll, check in and sign 2,000
//! officials at once while the registry's clock runs fast and now and then steps back.
//! Whatever the interleaving, every acknowledged signature is in the log, every receipt
//! proves it against the final checkpoint, and the registry passes its own offline audit
//! (which refuses an entry whose time is earlier than the one before it: the bug this
//! test was written for, when requests took "now" before queueing for the writer).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use common::*;
use ed25519_dalek::SigningKey;
use serde_json::json;

use pakta::clock::Clock;
use pakta::demo::kabupaten::DemoKabupaten;
use pakta::domain::crypto::{Sha256Hash, decode_base64};
use pakta::domain::merkle::verify_consistency;
use pakta::domain::note::{Checkpoint, VerifierKey};
use pakta::domain::receipt::Receipt;

const OFFICIALS: usize = 2_000;
const CLIENTS: usize = 64;

#[test]
fn concurrent_signatures_all_land_in_a_log_that_passes_its_audit() {
    let mut app = TestApp::spawn();
    let kab = DemoKabupaten::generate(7, OFFICIALS);
    let imported = app.import(&kab.roster_csv());
    assert_eq!(imported.body["created"], OFFICIALS, "{}", imported.text);

    let nips: Vec<String> = kab.officials.iter().map(|o| o.nip.clone()).collect();
    let officials: Vec<(String, SigningKey)> = in_parallel(CLIENTS, nips, |nip| {
        let key = app.enroll(&nip);
        (nip, key)
    });
    let ceremony = app.create_ceremony(json!({"all": true}));
    app.open(ceremony);
    let operator = app.token(json!({"role": "operator", "ceremony": ceremony}));
    let checked_in = in_parallel(
        CLIENTS,
        officials.iter().map(|(nip, _)| nip.clone()).collect(),
        |nip| app.check_in(ceremony, &nip, &operator).status,
    );
    assert!(
        checked_in.iter().all(|s| *s == 201),
        "every check-in accepted"
    );

    // The clock runs about 200 times too fast and steps back 3 s every 50 ticks, as a
    // server clock corrected by NTP might, while the signatures flow.
    let signing = AtomicBool::new(true);
    let steps_back = AtomicUsize::new(0);
    let receipts: Vec<(String, String)> = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut tick = 0u64;
            while signing.load(Ordering::SeqCst) {
                tick += 1;
                if tick % 50 == 0 {
                    app.clock.set(app.clock.now() - Duration::seconds(3));
                    steps_back.fetch_add(1, Ordering::SeqCst);
                } else {
                    app.advance(Duration::seconds(1));
                }
                std::thread::sleep(StdDuration::from_millis(5));
            }
        });
        let receipts = in_parallel(CLIENTS, officials.clone(), |(nip, key)| {
            let reply = app.sign(ceremony, &nip, &key);
            assert_eq!(reply.status, 201, "signature of {nip}: {}", reply.text);
            (
                reply.body["entry_hash"].as_str().unwrap().to_string(),
                reply.body["receipt"].as_str().unwrap().to_string(),
            )
        });
        signing.store(false, Ordering::SeqCst);
        receipts
    });
    assert_eq!(receipts.len(), OFFICIALS);
    assert!(
        steps_back.load(Ordering::SeqCst) > 0,
        "the clock never stepped back while signatures were made"
    );

    // Every receipt verifies offline, and its checkpoint is a prefix of the final one.
    let vkey = VerifierKey::parse(&app.vkey).unwrap();
    let last = Checkpoint::open(
        &String::from_utf8(app.get_bytes("/checkpoint")).unwrap(),
        &vkey,
    )
    .expect("the final checkpoint is signed by the log key");
    let mut by_size: BTreeMap<u64, Sha256Hash> = BTreeMap::new();
    for (entry_hash, text) in &receipts {
        let receipt = Receipt::parse(text).expect("a receipt file");
        let failed: Vec<_> = receipt
            .verify(&vkey)
            .into_iter()
            .filter(|c| !c.ok)
            .collect();
        assert!(failed.is_empty(), "receipt fails: {failed:?}");
        assert_eq!(&Sha256Hash::of(&receipt.entry).to_hex(), entry_hash);
        let checkpoint = Checkpoint::open(&receipt.checkpoint, &vkey).unwrap();
        assert!(checkpoint.size > receipt.index && checkpoint.size <= last.size);
        by_size.insert(checkpoint.size, checkpoint.root);
    }
    for (size, root) in &by_size {
        let proof = app.get(
            &format!(
                "/api/registry/proof/consistency?from={size}&to={}",
                last.size
            ),
            None,
        );
        let hashes: Vec<Sha256Hash> = proof.body["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                Sha256Hash::from_slice(&decode_base64("h", h.as_str().unwrap()).unwrap()).unwrap()
            })
            .collect();
        assert!(
            verify_consistency(*size, last.size, &hashes, root, &last.root),
            "the checkpoint of size {size} in a receipt is not a prefix of the final one"
        );
    }

    // The full offline audit, as an auditor runs it on the data directory.
    let size = app.registry_size();
    app.stop();
    let started = Instant::now();
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("OK: {size} entries verified")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("signatures verified: {OFFICIALS}")),
        "{stdout}"
    );
    eprintln!(
        "{OFFICIALS} concurrent signatures, {} receipt checkpoints, audit of {size} entries in {:.1} s",
        by_size.len(),
        started.elapsed().as_secs_f64()
    );
}
