//! A real S3-compatible server for the object storage tests: moto in server mode
//! (`python -m moto.server`), pinned, in a virtualenv of its own under
//! `target/pakta-tools/` that the first test to need it makes (the pattern of
//! `python_tools.rs`). Each [`S3Server`] runs on a free loopback port, records the
//! requests it gets (moto's recorder), and is killed when dropped.
//!
//! Used with `mod common;`, `#[path = "common/python_tools.rs"] mod python_tools;` and
//! `#[path = "common/s3_server.rs"] mod s3_server;`.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::python_tools::pinned_venv;

/// Every package pip installs for `moto[s3]` and its server mode (Flask), pinned (what
/// `pip freeze` listed), so every machine tests against the same S3 server. A change
/// here makes a new virtualenv beside the old one.
pub const REQUIREMENTS: &str = "\
moto[s3]==5.2.5
Flask==3.1.3
flask-cors==6.0.5
blinker==1.9.0
boto3==1.44.18
botocore==1.44.18
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.5.3
click==8.5.1
cryptography==51.0.1
idna==3.21
itsdangerous==2.2.0
Jinja2==3.1.6
jmespath==1.1.0
MarkupSafe==3.0.4
py-partiql-parser==0.6.3
pycparser==3.12
python-dateutil==2.9.0.post0
PyYAML==6.0.4
requests==2.34.2
responses==0.26.3
s3transfer==0.19.3
six==1.17.0
urllib3==2.8.0
Werkzeug==3.1.9
xmltodict==1.0.4
";

/// How long moto may take to answer after it is started.
const STARTUP: Duration = Duration::from_secs(60);

/// Credentials moto accepts (it checks none, but the client signs every request).
pub const ACCESS_KEY: &str = "pakta-test-key";
pub const SECRET_KEY: &str = "pakta-test-secret";
pub const REGION: &str = "us-east-1";

/// The Python of moto's virtualenv, made where missing (once per test process, kept in
/// `target/` for the next runs).
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| pinned_venv("moto", REQUIREMENTS, "the moto S3 server", "s3_server.rs"))
}

/// A running moto S3 server; dropping it kills the process.
pub struct S3Server {
    child: Child,
    /// moto's working directory, with its record of requests.
    _dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    agent: ureq::Agent,
}

/// One object as an anonymous HTTP reader (a CDN) gets it.
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    pub cache: String,
}

impl S3Server {
    /// Starts moto on a free port and waits until it answers.
    pub fn start() -> S3Server {
        let python = python();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("find a free port")
            .port();
        // The recorder writes to a file: one of its own for each server, never in the
        // work tree.
        let dir = tempfile::tempdir().expect("moto's directory");
        let child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .current_dir(dir.path())
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", dir.path().join("recording"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut server = S3Server {
            child,
            _dir: dir,
            endpoint: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let deadline = Instant::now() + STARTUP;
        loop {
            let answered = server
                .agent
                .get(format!("{}/moto-api/", server.endpoint))
                .call()
                .is_ok();
            if answered {
                break;
            }
            if let Some(status) = server.child.try_wait().expect("poll moto") {
                panic!("moto exited at start ({status}); is port {port} taken?");
            }
            assert!(
                Instant::now() < deadline,
                "moto did not answer within {STARTUP:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Creates `bucket`, readable by anyone (as a bucket behind a CDN is): moto takes
    /// path-style requests without credentials.
    pub fn create_public_bucket(&self, bucket: &str) {
        let mut reply = self
            .agent
            .put(format!("{}/{bucket}", self.endpoint))
            .header("x-amz-acl", "public-read")
            .send(&[][..])
            .expect("create the bucket");
        assert_eq!(
            reply.status().as_u16(),
            200,
            "{}",
            reply.body_mut().read_to_string().unwrap_or_default()
        );
    }

    /// The environment `pakta` reads to reach this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", REGION.into()),
        ]
    }

    /// The public URL of `bucket/prefix`, path-style, as a CDN would fetch it.
    pub fn url(&self, bucket: &str, prefix: &str) -> String {
        format!("{}/{bucket}/{prefix}", self.endpoint)
    }

    /// Every key under `prefix/` in `bucket`, relative to it, sorted.
    pub fn list(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request = self
                .agent
                .get(format!("{}/{bucket}", self.endpoint))
                .query("list-type", "2")
                .query("prefix", format!("{prefix}/"));
            if let Some(t) = &token {
                request = request.query("continuation-token", t);
            }
            let text = request
                .call()
                .expect("list the bucket")
                .body_mut()
                .read_to_string()
                .expect("listing");
            keys.extend(
                elements(&text, "Key")
                    .into_iter()
                    .map(|k| k[prefix.len() + 1..].to_string()),
            );
            token = elements(&text, "NextContinuationToken").into_iter().next();
            if token.is_none() {
                break;
            }
        }
        keys.sort();
        keys
    }

    /// GETs `bucket/prefix/name` without credentials.
    pub fn fetch(&self, bucket: &str, prefix: &str, name: &str) -> Fetched {
        let mut response = self
            .agent
            .get(format!("{}/{name}", self.url(bucket, prefix)))
            .call()
            .expect("GET from moto");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (content_type, cache) = (header("content-type"), header("cache-control"));
        Fetched {
            status: response.status().as_u16(),
            content_type,
            cache,
            body: response
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_vec()
                .unwrap_or_default(),
        }
    }

    /// Starts (or restarts, empty) moto's record of the requests it gets.
    pub fn start_recording(&self) {
        for action in ["stop-recording", "reset-recording", "start-recording"] {
            self.agent
                .post(format!("{}/moto-api/recorder/{action}", self.endpoint))
                .send(&[][..])
                .expect("moto recorder");
        }
    }

    /// The paths of the object PUTs recorded since [`Self::start_recording`], in the
    /// order moto got them (`/bucket/prefix/tile/0/000`, …).
    pub fn recorded_puts(&self) -> Vec<String> {
        let text = self
            .agent
            .get(format!(
                "{}/moto-api/recorder/download-recording",
                self.endpoint
            ))
            .call()
            .expect("moto recording")
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .expect("recording");
        text.lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| {
                    panic!("moto recorded a line that does not read ({e}): {line}")
                })
            })
            .filter(|r| r["method"] == "PUT")
            .filter_map(|r| r["url"].as_str().map(str::to_string))
            .map(|url| {
                let path = url.strip_prefix(&self.endpoint).unwrap_or(&url);
                path.split('?').next().unwrap_or(path).to_string()
            })
            .collect()
    }
}

/// The texts of every `<name>…</name>` in an S3 XML reply.
fn elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|part| part.split_once(&close).map(|(text, _)| text.to_string()))
        .collect()
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
