//! The public verification page in real headless Chromium, beyond a registry's own
//! checks: with witnesses' verifier keys and a quorum (given in the link) it names the
//! witnesses whose cosignatures on the receipt's checkpoint verify, and says SAH only
//! when they make the quorum; and published beside a static copy of the log (a plain
//! file server, no API), it proves from the hash tiles that an older receipt's checkpoint
//! is a prefix of the latest one and finds the entry in its entry bundle, and a damaged
//! tile makes that proof fail; and published by `pakta publish` to a real S3-compatible
//! server (moto), it does the same from the bucket's URL alone. Screenshots go to
//! test-artifacts/.
//!
//! The cosignatures are made here with ed25519-dalek, straight from c2sp.org/tlog-
//! cosignature (Ed25519 `cosignature/v1`), not with any code of the registry.

mod browser;
mod common;
#[path = "common/python_tools.rs"]
mod python_tools;
#[path = "common/s3_server.rs"]
mod s3_server;

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use browser::{Browser, wait_until};
use common::*;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The files of the page, as published beside the log.
const PAGE_FILES: [&str; 8] = [
    "verifikasi.html",
    "verify.js",
    "common.js",
    "keys.js",
    "tlog.js",
    "tiles.js",
    "style.css",
    "favicon.svg",
];

/// A witness: its name and Ed25519 key.
struct Witness {
    name: &'static str,
    key: SigningKey,
}

impl Witness {
    fn new(name: &'static str, seed: u8) -> Witness {
        Witness {
            name,
            key: SigningKey::from_bytes(&[seed; 32]),
        }
    }

    /// SHA-256(name || "\n" || 0x04 || public key)[:4].
    fn key_id(&self) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update(b"\n\x04");
        h.update(self.key.verifying_key().as_bytes());
        h.finalize()[..4].try_into().unwrap()
    }

    /// `name+hexid+base64(0x04 || key)`.
    fn vkey(&self) -> String {
        let mut key = vec![0x04];
        key.extend_from_slice(self.key.verifying_key().as_bytes());
        let id: String = self.key_id().iter().map(|b| format!("{b:02x}")).collect();
        format!("{}+{id}+{}", self.name, B64.encode(key))
    }

    /// `— name base64(keyid || time u64 BE || signature)` over
    /// "cosignature/v1\ntime <time>\n" followed by the checkpoint's text.
    fn cosign(&self, checkpoint_text: &str, time: u64) -> String {
        let message = format!("cosignature/v1\ntime {time}\n{checkpoint_text}");
        let mut blob = self.key_id().to_vec();
        blob.extend_from_slice(&time.to_be_bytes());
        blob.extend_from_slice(&self.key.sign(message.as_bytes()).to_bytes());
        format!("\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// Andi's receipt for his pledge signature, early in a fresh log.
fn andi_signs(app: &TestApp) -> String {
    assert_eq!(app.import(ROSTER).status, 200);
    let andi = app.enroll(ANDI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI]);
    let signed = app.sign(ceremony, ANDI, &andi);
    assert_eq!(signed.status, 201, "{}", signed.text);
    signed.body["receipt"].as_str().unwrap().to_string()
}

/// The checkpoint's signed text (origin, size, root lines) at the end of a receipt.
fn checkpoint_text(receipt: &str) -> String {
    let at = receipt.rfind(&format!("{ORIGIN}\n")).unwrap();
    let note = &receipt[at..];
    note[..note.find("\n\n").unwrap() + 1].to_string()
}

/// Waits until the page, served without an API, has put the log's key (from `vkey`
/// beside it) into its field.
fn wait_for_pinned_key(page: &Browser, vkey: &str) {
    wait_until(
        page,
        &format!(
            "document.querySelector('#vkey').value === {}",
            Value::from(vkey)
        ),
    );
}

/// Puts `receipt` into the page's field and asks for the check.
fn check(page: &Browser, receipt: &str) {
    page.eval(&format!(
        "document.querySelector('#verdict').textContent = ''; \
         document.querySelector('#receipt').value = {}; return true;",
        Value::from(receipt)
    ));
    page.click("#verify");
    wait_until(
        page,
        "/SAH|Tercatat/.test(document.querySelector('#verdict').textContent)",
    );
}

/// The text of the check (one list item) whose label starts with `label`, and whether
/// it passed.
fn check_line(page: &Browser, label: &str) -> (bool, String) {
    let found = page.eval(&format!(
        "const li = [...document.querySelectorAll('#checks li')].find((li) => \
         li.textContent.replace(/^[✓✗]\\s*(Lolos|Gagal): /, '').startsWith({}));\
         return li ? [li.className === 'pass', li.textContent] : null;",
        Value::from(label)
    ));
    assert!(
        !found.is_null(),
        "no check {label:?} in {}",
        page.text("#checks")
    );
    (
        found[0].as_bool().unwrap(),
        found[1].as_str().unwrap().to_string(),
    )
}

#[test]
fn the_page_names_the_witnesses_who_vouched_and_holds_to_the_quorum() {
    let app = TestApp::spawn();
    let receipt = andi_signs(&app);
    let text = checkpoint_text(&receipt);
    let first = Witness::new("saksi-satu.example/w", 0x11);
    let second = Witness::new("saksi-dua.example/w", 0x22);
    let stranger = Witness::new("saksi-lain.example/w", 0x33);
    // 2024-10-07 02:15:00 and 02:20:00 UTC: 09.15 and 09.20 WIB.
    let (t1, t2) = (1_728_267_300, 1_728_267_600);
    let cosigned = format!(
        "{receipt}{}{}{}",
        first.cosign(&text, t1),
        stranger.cosign(&text, t2),
        second.cosign(&text, t2)
    );
    app.assert_receipt_verifies(&cosigned);

    // The instansi's link carries both witnesses and the quorum.
    let page = Browser::start(true);
    let link = format!(
        "{}/verifikasi.html#saksi={}&saksi={}&kuorum=2",
        app.url,
        urlencode(&first.vkey()),
        urlencode(&second.vkey())
    );
    page.goto(&link);
    wait_until(&page, "document.querySelector('#quorum').value === '2'");
    assert_eq!(
        page.value("#witnesses"),
        format!("{}\n{}", first.vkey(), second.vkey())
    );
    check(&page, &cosigned);
    let verdict = page.text("#verdict");
    assert!(
        verdict.starts_with("SAH: Andi Wijaya, S.Pd.")
            && verdict.contains("disaksikan oleh saksi-satu.example/w dan saksi-dua.example/w"),
        "{verdict}"
    );
    let (ok, line) = check_line(&page, "Saksi (peramban)");
    assert!(ok, "{line}");
    for part in [
        "saksi-satu.example/w (Senin, 7 Oktober 2024 09.15 WIB)",
        "saksi-dua.example/w (Senin, 7 Oktober 2024 09.20 WIB)",
        "kuorum 2 terpenuhi",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(!page.text("#checks").contains("saksi-lain"));
    page.screenshot("verification-witnesses-quorum-met");

    // Three are asked for, two vouched: not SAH.
    page.fill("#quorum", "3");
    check(&page, &cosigned);
    let verdict = page.text("#verdict");
    assert!(verdict.starts_with("TIDAK SAH"), "{verdict}");
    let (ok, line) = check_line(&page, "Saksi (peramban)");
    assert!(!ok && line.contains("Kuorum 3 tidak terpenuhi"), "{line}");
    page.screenshot("verification-witnesses-quorum-not-met");

    // One byte of the second witness's signature changed: it is not counted.
    let genuine = second.cosign(&text, t2);
    let mut blob = B64
        .decode(genuine.rsplit(' ').next().unwrap().trim())
        .unwrap();
    blob[40] ^= 0x01;
    let altered = cosigned.replace(
        &genuine,
        &format!("\u{2014} {} {}\n", second.name, B64.encode(blob)),
    );
    assert_ne!(altered, cosigned);
    page.fill("#quorum", "2");
    check(&page, &altered);
    assert!(page.text("#verdict").starts_with("TIDAK SAH"));
    let (ok, line) = check_line(&page, "Saksi (peramban)");
    assert!(
        !ok && line.contains("Hanya 1 saksi") && line.contains("saksi-satu.example/w"),
        "{line}"
    );
    assert!(!line.contains("saksi-dua"), "{line}");
    page.fill("#quorum", "1");
    check(&page, &altered);
    let verdict = page.text("#verdict");
    assert!(
        verdict.starts_with("SAH: Andi Wijaya")
            && verdict.contains("disaksikan oleh saksi-satu.example/w.")
            && !verdict.contains("saksi-dua"),
        "{verdict}"
    );

    // Without witness keys the page says nothing about witnesses.
    page.eval("document.querySelector('#witnesses').value = ''; return true;");
    check(&page, &cosigned);
    assert!(page.text("#verdict").starts_with("SAH: Andi Wijaya"));
    for part in [page.text("#verdict"), page.text("#checks")] {
        assert!(!part.to_lowercase().contains("saksi"), "{part}");
    }
    assert!(
        page.console_errors().is_empty(),
        "{:?}",
        page.console_errors()
    );
}

/// `s` with every byte but unreserved ASCII percent-encoded, as a link carries it.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `python3 -m http.server` over a directory on a free port, ended when dropped.
struct StaticServer {
    child: Child,
    url: String,
}

impl StaticServer {
    fn start(dir: &Path) -> StaticServer {
        let python = ensure_installed("python3", "python3");
        let mut child = Command::new(python)
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .arg("--directory")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run python3 -m http.server");
        // It says "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..." once bound.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(url) = line.split(['(', ')']).nth(1) {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("python3 -m http.server did not say where it serves within 30 s");
            }
        };
        StaticServer { child, url }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tile paths that describe a log of `size` entries (FORMATS §16).
fn tiles_of(size: u64) -> Vec<String> {
    let index = |n: u64| {
        let digits = format!("{n}");
        let digits = format!("{digits:0>width$}", width = digits.len().div_ceil(3) * 3);
        let groups: Vec<&str> = (0..digits.len() / 3)
            .map(|i| &digits[3 * i..3 * i + 3])
            .collect();
        let last = groups.len() - 1;
        groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                if i < last {
                    format!("x{g}")
                } else {
                    g.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut paths = Vec::new();
    let mut level_tiles = |level: &str, items: u64| {
        for n in 0..items.div_ceil(256) {
            let width = (items - 256 * n).min(256);
            let partial = if width < 256 {
                format!(".p/{width}")
            } else {
                String::new()
            };
            paths.push(format!("tile/{level}/{}{partial}", index(n)));
        }
    };
    let mut level = 0;
    while size / 256u64.pow(level) > 0 {
        level_tiles(&level.to_string(), size / 256u64.pow(level));
        level += 1;
    }
    level_tiles("entries", size);
    paths
}

#[test]
fn published_beside_a_static_copy_of_the_log_the_page_proves_an_old_receipt_is_still_there() {
    let app = TestApp::spawn();
    let receipt = andi_signs(&app);
    let old_size: u64 = checkpoint_text(&receipt)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let index: u64 = receipt
        .lines()
        .find_map(|l| l.strip_prefix("index "))
        .unwrap()
        .parse()
        .unwrap();
    for i in 0..300 {
        let reply = app.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": format!("Teks {i}.\n")}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let size = app.registry_size();
    assert!(size > 300 && old_size < 20, "{old_size} -> {size}");

    // What the publisher puts in a bucket: the page, the checkpoint, the key, the tiles.
    let bucket = tempfile::tempdir().unwrap();
    let put = |path: &str, bytes: &[u8]| {
        let file = bucket.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    };
    for file in PAGE_FILES {
        let raw = app.get_response(&format!("/{file}"));
        assert_eq!(raw.status, 200, "{file}");
        put(file, &raw.body);
    }
    put("checkpoint", &app.get_bytes("/checkpoint"));
    put("vkey", format!("{}\n", app.vkey).as_bytes());
    let tiles = tiles_of(size);
    assert!(
        tiles.contains(&"tile/0/000".to_string()) && tiles.len() == 5,
        "{tiles:?}"
    );
    for tile in &tiles {
        let raw = app.get_response(&format!("/{tile}"));
        assert_eq!(raw.status, 200, "{tile}");
        put(tile, &raw.body);
    }
    let server = StaticServer::start(bucket.path());

    let page = Browser::start(false);
    page.goto(&format!("{}verifikasi.html", server.url));
    wait_for_pinned_key(&page, &app.vkey);
    assert!(page.text("#static-help").contains("salinan log"));
    check(&page, &receipt);
    let verdict = page.text("#verdict");
    assert!(verdict.starts_with("SAH: Andi Wijaya, S.Pd."), "{verdict}");
    let (ok, line) = check_line(&page, "Konsisten dengan log terbaru");
    assert!(ok, "{line}");
    assert!(
        line.contains(&format!(
            "Log berukuran {old_size} pada tanda terima adalah awal dari log terbaru berukuran {size}"
        )),
        "{line}"
    );
    let (ok, line) = check_line(&page, "Tercatat di log terbitan");
    assert!(
        ok && line.contains(&format!("Entri {index} pada log terbitan sama persis")),
        "{line}"
    );
    assert!(!page.text("#checks").contains("(server)"));
    page.screenshot("verification-static-consistent");

    // A QR link to an entry, checked from the entry bundle and the tiles alone.
    let entry = &app
        .get(
            &format!("/api/registry/entries?start={index}&limit=1"),
            None,
        )
        .body["entries"][0];
    page.goto(&format!(
        "{}verifikasi.html#entri={index}&hash={}",
        server.url,
        entry["hash"].as_str().unwrap()
    ));
    page.wait_text("#verdict", "tanpa pernyataannya");
    let (ok, line) = check_line(&page, "Entri di log terbitan");
    assert!(ok, "{line}");

    // The only console errors: the page looking for an API beside it, and finding none.
    let errors = page.console_errors();
    assert!(
        errors.iter().all(|e| e.contains("api/registry/vkey")),
        "{errors:?}"
    );

    // One byte changed in a leaf hash the proof needs (entry 300, in the partial tile).
    let partial = tiles
        .iter()
        .find(|t| t.starts_with("tile/0/001.p/"))
        .unwrap();
    let file = bucket.path().join(partial);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[(300 - 256) * 32] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    // Newer than what the browser saw, so that revalidation fetches it again.
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(std::time::SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    page.goto(&format!("{}verifikasi.html", server.url));
    wait_for_pinned_key(&page, &app.vkey);
    check(&page, &receipt);
    let verdict = page.text("#verdict");
    assert!(verdict.starts_with("TIDAK SAH"), "{verdict}");
    let (ok, line) = check_line(&page, "Konsisten dengan log terbaru");
    assert!(
        !ok && line.contains("Ubin hash tidak membuktikan"),
        "{line}"
    );
    page.screenshot("verification-static-tampered-tile");
}

#[test]
fn published_to_a_bucket_the_page_checks_a_receipt_from_the_buckets_url_alone() {
    let s3 = s3_server::S3Server::start();
    s3.create_public_bucket("pakta-log");
    let app = TestApp::spawn();
    let receipt = andi_signs(&app);
    for i in 0..260 {
        let reply = app.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": format!("Teks {i}.\n")}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let size = app.registry_size();
    let published = Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(["publish", "--data", app.data_dir().to_str().unwrap()])
        .args(["--to", "s3://pakta-log/kabupaten-contoh"])
        .envs(s3.env())
        .output()
        .unwrap();
    assert!(published.status.success(), "{published:?}");

    let bucket = s3.url("pakta-log", "kabupaten-contoh");
    let page = Browser::start(false);
    page.goto(&format!("{bucket}/verifikasi.html"));
    wait_for_pinned_key(&page, &app.vkey);
    check(&page, &receipt);
    let verdict = page.text("#verdict");
    assert!(verdict.starts_with("SAH: Andi Wijaya, S.Pd."), "{verdict}");
    let (ok, line) = check_line(&page, "Konsisten dengan log terbaru");
    assert!(
        ok && line.contains(&format!("adalah awal dari log terbaru berukuran {size}")),
        "{line}"
    );
    let (ok, line) = check_line(&page, "Tercatat di log terbitan");
    assert!(ok, "{line}");
    assert!(!page.text("#checks").contains("(server)"));
    page.screenshot("verification-from-bucket");
}
