//! Test harness: starts the real application on port 0 over a real SQLite file in a
//! temporary directory, with a clock the test can move, and talks to it over HTTP the
//! way a browser or the CLI would. Helpers play the official's device (key pair,
//! enrollment proof, signature) with real Ed25519.

#![allow(dead_code)]

pub mod serve_process;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use pakta::app::{App, Config};
use pakta::clock::{Clock, ManualClock};
use pakta::domain::crypto::encode_base64;

pub const ADMIN: &str = "admin-token-for-tests-0123456789";
pub const ORIGIN: &str = "pakta.test/kabupaten-contoh";

/// Officials used across tests: valid identifiers, two OPDs.
pub const ANDI: &str = "198001012005011001"; // PNS, DISDIK
pub const SITI: &str = "198502142010122002"; // PNS, DISDIK
pub const BUDI: &str = "199003032021211003"; // PPPK, DINKES
pub const RINA: &str = "3201014501900001"; // NON_ASN (NIK, woman), DINKES

pub const ROSTER: &str = "\
nip,name,position,rank,category,opd_code,opd_name
198001012005011001,\"Andi Wijaya, S.Pd.\",Kepala Dinas Pendidikan,Pembina Utama Muda (IV/c),PNS,DISDIK,Dinas Pendidikan
198502142010122002,Siti Rahmawati,Sekretaris Dinas,Pembina (IV/a),PNS,DISDIK,Dinas Pendidikan
199003032021211003,Budi Santoso,Perawat Ahli Pertama,Golongan IX,PPPK,DINKES,Dinas Kesehatan
3201014501900001,Rina Marlina,Staf Pelaksana,,NON_ASN,DINKES,Dinas Kesehatan
";

pub struct TestApp {
    pub url: String,
    /// The log's verifier key, as an auditor would pin it.
    pub vkey: String,
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    agent: ureq::Agent,
    server: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

/// A reply read as bytes.
pub struct Raw {
    pub status: u16,
    pub content_type: String,
    pub cache: String,
    pub body: Vec<u8>,
}

impl Reply {
    /// The error code of a JSON error envelope, after checking the envelope's shape.
    pub fn error_code(&self) -> &str {
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10,
            "error without a useful message: {}",
            self.text
        );
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error envelope: {}", self.text))
    }
}

impl TestApp {
    pub fn spawn() -> TestApp {
        TestApp::spawn_with_limits(load_test_limits())
    }

    /// A registry served with chosen limits on slow and greedy clients.
    pub fn spawn_with_limits(limits: pakta::http::Limits) -> TestApp {
        TestApp::spawn_in_with(private_tempdir(), ORIGIN, limits)
    }

    /// A registry whose data directory `prepare` fills before first start (a log key of
    /// its own, entries copied in), under `origin`.
    pub fn spawn_prepared(origin: &str, prepare: impl FnOnce(&Path)) -> TestApp {
        let dir = private_tempdir();
        prepare(dir.path());
        TestApp::spawn_in(dir, origin)
    }

    /// A registry that signs with the same log key (and origin) as `other`: the way an
    /// operator could show two different histories under one identity.
    pub fn spawn_impersonating(other: &TestApp) -> TestApp {
        let dir = private_tempdir();
        let key = pakta::app::log_key_path(other.data_dir());
        std::fs::copy(&key, pakta::app::log_key_path(dir.path())).expect("copy log key");
        TestApp::spawn_in(dir, ORIGIN)
    }

    /// A registry in `dir` (a directory on a filesystem the test controls).
    pub fn spawn_in(dir: tempfile::TempDir, origin: &str) -> TestApp {
        TestApp::spawn_in_with(dir, origin, load_test_limits())
    }

    fn spawn_in_with(dir: tempfile::TempDir, origin: &str, limits: pakta::http::Limits) -> TestApp {
        TestApp::spawn_configured(dir, origin, Config::default(), limits)
    }

    /// The same data directory served again with `config` (witnesses, say), after this
    /// server stopped.
    pub fn restart_with(mut self, config: Config) -> TestApp {
        self.stop();
        let dir = std::mem::replace(&mut self.dir, private_tempdir());
        TestApp::spawn_configured(dir, ORIGIN, config, load_test_limits())
    }

    /// A registry in `dir`, opened with `config`.
    pub fn spawn_configured(
        dir: tempfile::TempDir,
        origin: &str,
        config: Config,
        limits: pakta::http::Limits,
    ) -> TestApp {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2024, 10, 7, 1, 0, 0).unwrap(),
        ));
        let app =
            App::open(dir.path(), clock.clone(), config, Some(origin)).expect("open the registry");
        app.setup_admin_token(Some(ADMIN)).expect("admin token");
        let vkey = app.vkey();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = pakta::http::serve_with(app, listener, limits).expect("serve");
                tx.send(server.handle()).unwrap();
                server.await.expect("server ran");
            });
        });
        let server = rx.recv().expect("server handle");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
            .build()
            .into();
        TestApp {
            url,
            vkey,
            dir,
            clock,
            agent,
            server,
            thread: Some(thread),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join(pakta::store::DATABASE_FILE)
    }

    fn finish(mut response: ureq::http::Response<ureq::Body>) -> Reply {
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.agent.get(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::finish(req.call().expect("GET"))
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.agent.delete(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::finish(req.call().expect("DELETE"))
    }

    /// A GET as bytes with its headers (for tiles and other bodies that are not JSON).
    pub fn get_response(&self, path: &str) -> Raw {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.url))
            .call()
            .expect("GET");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (content_type, cache) = (header("content-type"), header("cache-control"));
        Raw {
            status: response.status().as_u16(),
            content_type,
            cache,
            body: response.body_mut().read_to_vec().unwrap_or_default(),
        }
    }

    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        self.get_response(path).body
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.post_raw(path, token, "application/json", body.to_string().as_bytes())
    }

    pub fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.url))
            .content_type(content_type);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::finish(req.send(body).expect("POST"))
    }

    pub fn registry_size(&self) -> u64 {
        self.get("/api/registry/head", None).body["size"]
            .as_u64()
            .unwrap()
    }

    pub fn import(&self, csv: &str) -> Reply {
        self.post_raw(
            "/api/officials/import",
            Some(ADMIN),
            "text/csv",
            csv.as_bytes(),
        )
    }

    /// Enrolls a fresh key for `nip`, as the official's device would.
    pub fn enroll(&self, nip: &str) -> SigningKey {
        let key = pakta::keyfile::generate().unwrap();
        let reply = self.try_enroll(nip, &key);
        assert_eq!(reply.status, 201, "enroll {nip}: {}", reply.text);
        key
    }

    pub fn enrollment_code(&self, nip: &str) -> String {
        let reply = self.post(
            &format!("/api/officials/{nip}/enrollment-code"),
            Some(ADMIN),
            &json!({}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["code"].as_str().unwrap().to_string()
    }

    pub fn try_enroll(&self, nip: &str, key: &SigningKey) -> Reply {
        let code = self.enrollment_code(nip);
        self.post("/api/enroll", None, &enrollment_body(nip, &code, key))
    }

    pub fn publish_pledge(&self) -> u64 {
        let reply = self.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": "Pakta Integritas Netralitas ASN Pilkada 2024", "text": "1. Netral.\n2. Tidak memihak.\n3. Bijak bermedia sosial.\n4. Menolak politik uang.\n"}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["id"].as_u64().unwrap()
    }

    pub fn create_ceremony(&self, invite: Value) -> u64 {
        let pledge = self.publish_pledge();
        let reply = self.post(
            "/api/ceremonies",
            Some(ADMIN),
            &json!({
                "title": "Ikrar Netralitas ASN",
                "place": "Pendopo Kabupaten",
                "starts_at": "2024-10-07T09:00:00+07:00",
                "timezone": "Asia/Jakarta",
                "pledge_id": pledge,
                "invite": invite,
                "mandiri_days": 7
            }),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["id"].as_u64().unwrap()
    }

    pub fn open(&self, ceremony: u64) {
        let reply = self.post(
            &format!("/api/ceremonies/{ceremony}/open"),
            Some(ADMIN),
            &json!({}),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    /// A ceremony inviting everyone, opened, with `nips` checked in at the desk: where
    /// most signing tests start.
    pub fn open_ceremony_with_checked_in(&self, nips: &[&str]) -> u64 {
        let ceremony = self.create_ceremony(json!({"all": true}));
        self.open(ceremony);
        for nip in nips {
            let reply = self.check_in(ceremony, nip, ADMIN);
            assert_eq!(reply.status, 201, "check in {nip}: {}", reply.text);
        }
        ceremony
    }

    /// Closes the ceremony with the default mandiri due date.
    pub fn close(&self, ceremony: u64) -> Reply {
        self.post(
            &format!("/api/ceremonies/{ceremony}/close"),
            Some(ADMIN),
            &json!({}),
        )
    }

    pub fn check_in(&self, ceremony: u64, nip: &str, token: &str) -> Reply {
        self.post(
            &format!("/api/ceremonies/{ceremony}/attendance"),
            Some(token),
            &json!({"nip": nip}),
        )
    }

    /// Asks for the official's statement as their device does: a statement request,
    /// timed by the registry's clock, signed with `key`.
    pub fn statement(&self, ceremony: u64, nip: &str, key: &SigningKey) -> Reply {
        let request = statement_request(ceremony, nip, self.clock.now());
        self.post(
            &format!("/api/ceremonies/{ceremony}/statement"),
            None,
            &signed_request_body(&request, key),
        )
    }

    /// Gets a statement and signs it with `key`; returns the signature reply.
    pub fn sign(&self, ceremony: u64, nip: &str, key: &SigningKey) -> Reply {
        let issued = self.statement(ceremony, nip, key);
        assert_eq!(issued.status, 200, "statement for {nip}: {}", issued.text);
        let statement = issued.body["statement"].as_str().unwrap();
        self.submit(statement, key)
    }

    pub fn submit(&self, statement: &str, key: &SigningKey) -> Reply {
        self.post(
            "/api/signatures",
            None,
            &json!({"statement": statement, "signature": sign_b64(key, statement.as_bytes())}),
        )
    }

    /// Checks a receipt file offline with the real `pakta verify-receipt`, against this
    /// registry's verifier key, as an official or auditor would.
    pub fn assert_receipt_file_verifies(&self, file: &Path) {
        let out = pakta(&[
            "verify-receipt",
            file.to_str().unwrap(),
            "--vkey",
            &self.vkey,
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("VALID"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The same for a receipt's text: saved to a file first, as it is downloaded.
    pub fn assert_receipt_verifies(&self, receipt: &str) {
        let file = tempfile::NamedTempFile::new_in(self.data_dir()).unwrap();
        std::fs::write(file.path(), receipt).unwrap();
        self.assert_receipt_file_verifies(file.path());
    }

    pub fn token(&self, body: Value) -> String {
        let reply = self.post("/api/tokens", Some(ADMIN), &body);
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["token"].as_str().unwrap().to_string()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Stops the server and waits until the database is closed, so the file can be
    /// opened and altered behind the application's back.
    pub fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let handle = self.server.clone();
            std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(handle.stop(false));
            })
            .join()
            .unwrap();
            thread.join().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The bytes of a `pakta/statement-request/v1`, written out as an outside client would.
pub fn statement_request(
    ceremony: impl std::fmt::Display,
    nip: &str,
    time: chrono::DateTime<Utc>,
) -> String {
    format!(
        "pakta/statement-request/v1\nceremony: {ceremony}\nnip: {nip}\ntime: {}\n",
        time.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

/// The body of `POST /api/ceremonies/{id}/statement` for `request` signed by `key`.
pub fn signed_request_body(request: &str, key: &SigningKey) -> Value {
    json!({"request": request, "signature": sign_b64(key, request.as_bytes())})
}

pub fn sign_b64(key: &SigningKey, message: &[u8]) -> String {
    encode_base64(&key.sign(message).to_bytes())
}

pub fn public_b64(key: &SigningKey) -> String {
    encode_base64(&key.verifying_key().to_bytes())
}

/// The enroll request body with a correct proof of possession.
pub fn enrollment_body(nip: &str, code: &str, key: &SigningKey) -> Value {
    let message = format!(
        "pakta/enroll/v1\nnip: {nip}\npublic-key: {}\ncode: {code}\n",
        public_b64(key)
    );
    json!({
        "nip": nip,
        "code": code,
        "public_key": public_b64(key),
        "proof": sign_b64(key, message.as_bytes()),
    })
}

/// The default limits without the rate limit: every test client comes from one
/// address, as a load test does (DESIGN: load tests from one address run without it).
/// Tests of the limits themselves choose their own.
pub fn load_test_limits() -> pakta::http::Limits {
    pakta::http::Limits {
        rate_limit: 0,
        ..pakta::http::Limits::default()
    }
}

/// A temporary directory readable by its owner only, as a data directory must be
/// (`pakta serve` refuses one that others can read; `tempfile` makes them 0755).
pub fn private_tempdir() -> tempfile::TempDir {
    private(tempfile::tempdir().expect("temp dir"))
}

/// The same, inside `parent` (a filesystem the test controls).
pub fn private_tempdir_in(parent: &Path) -> tempfile::TempDir {
    private(tempfile::tempdir_in(parent).expect("temp dir"))
}

fn private(dir: tempfile::TempDir) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod 700 the temp dir");
    dir
}

/// Runs the real `pakta` binary.
pub fn pakta(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(args)
        .output()
        .expect("run pakta")
}

/// Finds `program` on the PATH, installing Debian's `package` when it is missing (the
/// test command installs what the tests need, as README says). Panics with what to do if
/// it cannot.
pub fn ensure_installed(program: &str, package: &str) -> PathBuf {
    use std::process::Command;
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let find = || {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|p| p.is_file())
        })
    };
    if let Some(path) = find() {
        return path;
    }
    eprintln!("{program} is missing; installing Debian package {package}");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=600", "-qq"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let installed = apt(&["update"]) && apt(&["install", "-y", "--no-install-recommends", package]);
    find().filter(|_| installed).unwrap_or_else(|| {
        panic!(
            "{program} is needed by this test and could not be installed; run `apt-get install {package}` as root"
        )
    })
}

/// Runs `work` on every item from `clients` threads at once, as that many phones would;
/// the results come back in the order they finished.
pub fn in_parallel<T: Send, R: Send>(
    clients: usize,
    items: Vec<T>,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let queue = std::sync::Mutex::new(items);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some(item) = next else { break };
                    let result = work(item);
                    results.lock().unwrap().push(result);
                }
            });
        }
    });
    results.into_inner().unwrap()
}
