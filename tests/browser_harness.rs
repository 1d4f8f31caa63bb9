//! Self-test of the browser harness (tests/browser/mod.rs): a real headless Chromium
//! fills and submits a form, shows text, takes a screenshot and reports console errors;
//! it makes Ed25519 keys with WebCrypto and keeps them in IndexedDB, as the official's
//! device will; and two `Browser`s are two devices that do not share that storage.
//!
//! The pages come from a tiny HTTP server on 127.0.0.1 (not `data:` URLs: those have an
//! opaque origin, where IndexedDB is not available).

mod browser;
mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use browser::Browser;
use serde_json::json;

/// The one page every path serves: a form, and the key store of a device.
const PAGE: &str = r#"<!doctype html>
<html lang="id"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Harness</title></head>
<body>
<form id="form" onsubmit="event.preventDefault(); submitted()">
  <label>Nama <input id="name" value="awal"></label>
  <select id="kind"><option value="pns">PNS</option><option value="pppk">PPPK</option></select>
  <label id="pick">Berkas <input id="file" type="file" style="display:none"></label>
  <button id="go">Kirim</button>
</form>
<p id="out"></p>
<script>
function submitted() {
  const file = document.getElementById("file").files[0];
  setTimeout(() => {
    document.getElementById("out").textContent = "Halo " + document.getElementById("name").value +
      " (" + document.getElementById("kind").value + ", " + (file ? file.name + " " + file.size : "no file") + ")";
    console.error("harness: submitted");
  }, 300);
}
function database() {
  return new Promise((ok, fail) => {
    const open = indexedDB.open("device", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onsuccess = () => ok(open.result);
    open.onerror = () => fail(open.error);
  });
}
async function storeKey() {
  const pair = await crypto.subtle.generateKey({name: "Ed25519"}, false, ["sign", "verify"]);
  const db = await database();
  await new Promise((ok, fail) => {
    const tx = db.transaction("keys", "readwrite");
    tx.objectStore("keys").put(pair, "device");
    tx.oncomplete = ok;
    tx.onerror = () => fail(tx.error);
  });
  return "stored";
}
async function loadKey() {
  const db = await database();
  const pair = await new Promise((ok, fail) => {
    const get = db.transaction("keys").objectStore("keys").get("device");
    get.onsuccess = () => ok(get.result);
    get.onerror = () => fail(get.error);
  });
  if (!pair) return null;
  const message = new TextEncoder().encode("pakta");
  const signature = await crypto.subtle.sign("Ed25519", pair.privateKey, message);
  const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
  return {
    algorithm: pair.privateKey.algorithm.name,
    extractable: pair.privateKey.extractable,
    verified: await crypto.subtle.verify("Ed25519", pair.publicKey, signature, message),
    public_key_bytes: raw.byteLength,
  };
}
</script>
</body></html>"#;

/// Serves `PAGE` for every request on a local port, for as long as the test runs.
fn serve_page() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        // A thread for each connection: Chromium may open one ahead and leave it idle.
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    url
}

/// Calls one of the page's async functions and returns what it resolved to.
fn call_async(browser: &Browser, function: &str) -> serde_json::Value {
    browser.eval_async(&format!(
        "const done = arguments[arguments.length - 1];
         {function}().then(done, e => done('error: ' + e));"
    ))
}

#[test]
fn phone_fills_a_form_reads_text_and_takes_a_screenshot() {
    let started = std::time::Instant::now();
    let url = serve_page();
    let phone = Browser::start(true);
    eprintln!("phone browser up in {:?}", started.elapsed());
    phone.goto(&format!("{url}/form"));
    assert_eq!(phone.eval("return window.innerWidth;"), json!(360));
    assert!(phone.exists("#form"));
    assert!(!phone.exists("#nothing"));
    assert_eq!(phone.value("#name"), "awal");

    phone.fill("#name", "Andi Wijaya");
    phone.select("#kind", "pppk");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), b"nip,name\n").unwrap();
    phone.upload("#file", file.path());
    assert_eq!(phone.value("#name"), "Andi Wijaya");
    assert_eq!(phone.value("#kind"), "pppk");
    assert_eq!(phone.text("#go"), "Kirim");
    phone.click("#go");
    let file_name = file.path().file_name().unwrap().to_str().unwrap();
    let shown = phone.wait_text("#out", "Halo Andi Wijaya");
    assert_eq!(shown, format!("Halo Andi Wijaya (pppk, {file_name} 9)"));

    let errors = phone.console_errors();
    assert!(
        errors.iter().any(|e| e.contains("harness: submitted")),
        "{errors:?}"
    );
    assert!(phone.console_errors().is_empty(), "reading empties the log");

    let path = phone.screenshot("browser-harness-phone");
    let png = std::fs::read(&path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", path.display());
    eprintln!("self-test took {:?}", started.elapsed());
}

#[test]
fn ed25519_keys_live_in_indexeddb_of_one_device_only() {
    let url = format!("{}/device", serve_page());
    let phone = Browser::start(true);
    phone.goto(&url);
    assert_eq!(call_async(&phone, "storeKey"), json!("stored"));
    phone.goto(&url);
    assert_eq!(
        call_async(&phone, "loadKey"),
        json!({"algorithm": "Ed25519", "extractable": false, "verified": true, "public_key_bytes": 32})
    );

    let desktop = Browser::start(false);
    desktop.goto(&url);
    assert_eq!(desktop.eval("return window.innerWidth;"), json!(1280));
    assert_eq!(call_async(&desktop, "loadKey"), json!(null));
    assert!(phone.console_errors().is_empty());
}
