//! Browser-test harness: a real headless Chromium driven over W3C WebDriver by Debian's
//! `chromedriver`, behind a small synchronous API for tests that play a person in front
//! of the web UI.
//!
//! Use it from a test file together with the shared harness:
//!
//! ```ignore
//! mod browser;
//! mod common;
//!
//! let phone = browser::Browser::start(true);
//! phone.goto(&format!("{}/", app.url));
//! phone.click("#sign");
//! phone.wait_text("#status", "Tersimpan");
//! ```
//!
//! Each [`Browser`] is its own `chromedriver` process on a free local port and one
//! session of a Chromium with a fresh profile directory, so two `Browser`s are two
//! separate devices (separate IndexedDB, cookies, storage). Both processes end when the
//! `Browser` is dropped, also while a failing test unwinds. The programs come from
//! Debian's `chromium` and `chromium-driver` packages, which [`ensure_installed`]
//! installs where they are missing, so `cargo test` works on a fresh machine.
//!
//! Why the WebDriver wire protocol spoken directly with `ureq` rather than `fantoccini`:
//! fantoccini 0.22 builds here (with `default-features = false`), but brings 28 more
//! crates for a dev-dependency (a second HTTP stack, hyper 1, beside ureq, and the ICU
//! segmenter and its data via the `webdriver` crate), it is async, so every call would
//! go through a private runtime, and it has no command for Chromium's browser log, which
//! would need a hand-made command anyway. The handful of W3C endpoints used here are
//! plain JSON over HTTP, and `ureq` (already a dependency, blocking) speaks them with no
//! new crate and no runtime.
//!
//! Every helper that gives up (element missing, text never shown, script error) saves a
//! screenshot into `test-artifacts/` first and names it in the panic message, with the
//! page's URL and its console errors.

#![allow(dead_code)]

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::common::ensure_installed;

/// The W3C key under which an element reference arrives (a fixed, deliberately odd name).
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long `click`, `fill`, `select`, `upload`, `text` and `value` wait for their element.
const ACT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `wait_text` waits for the text.
const TEXT_TIMEOUT: Duration = Duration::from_secs(15);
/// Script timeout given to the session, for `eval_async`.
const SCRIPT_TIMEOUT_MS: u64 = 30_000;
const POLL: Duration = Duration::from_millis(100);
const INSTALL_HINT: &str = "browser tests need Debian's chromium and chromium-driver of the same version: `apt-get install chromium chromium-driver` as root";

/// One headless Chromium: a `chromedriver` process and one WebDriver session in it.
pub struct Browser {
    /// `http://127.0.0.1:PORT/session/ID`, the prefix of every session command.
    session: String,
    agent: ureq::Agent,
    driver: Child,
    /// Holds the Chromium profile (`profile/`) and the driver's output (`chromedriver.log`);
    /// removed after both processes have ended.
    dir: tempfile::TempDir,
}

/// A WebDriver error reply (or a transport failure, or a condition not met yet).
#[derive(Debug)]
struct WebDriverError {
    /// The W3C error code, such as `no such element`.
    error: String,
    message: String,
}

impl WebDriverError {
    fn new(error: &str, message: String) -> WebDriverError {
        WebDriverError {
            error: error.to_string(),
            message,
        }
    }

    /// Errors that may go away by waiting: the page is still loading or changing.
    fn is_transient(&self) -> bool {
        matches!(
            self.error.as_str(),
            "no such element"
                | "stale element reference"
                | "element not interactable"
                | "element click intercepted"
                | "invalid element state"
                | "not yet"
        )
    }
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first_line = self.message.lines().next().unwrap_or_default();
        if first_line.starts_with(&self.error) {
            write!(f, "{first_line}")
        } else {
            write!(f, "{}: {first_line}", self.error)
        }
    }
}

enum Method {
    Get,
    Post(Value),
    Delete,
}

/// Sends one WebDriver command and returns the reply's `value`.
fn send(agent: &ureq::Agent, method: Method, url: &str) -> Result<Value, WebDriverError> {
    let reply = match method {
        Method::Get => agent.get(url).call(),
        Method::Post(body) => agent.post(url).send_json(body),
        Method::Delete => agent.delete(url).call(),
    };
    let mut reply = reply.map_err(|e| WebDriverError::new("transport", format!("{url}: {e}")))?;
    let status = reply.status().as_u16();
    let text = reply
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_string()
        .map_err(|e| WebDriverError::new("transport", format!("{url}: {e}")))?;
    let body: Value = serde_json::from_str(&text).map_err(|_| {
        WebDriverError::new(
            "transport",
            format!("{url}: HTTP {status}, not JSON: {text}"),
        )
    })?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    match value["error"].as_str() {
        Some(error) if status >= 400 => Err(WebDriverError::new(
            error,
            value["message"].as_str().unwrap_or_default().to_string(),
        )),
        _ => Ok(value),
    }
}

/// A CSS string literal (double-quoted) holding `s`.
fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Where screenshots go: `<crate>/test-artifacts/<name>.png`, the name made file-safe.
fn artifact_path(name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-artifacts")
        .join(format!("{safe}.png"))
}

/// Starts `chromedriver` on a free local port and waits until it says it is ready.
/// Retries on a new port if it exits early (the port may have been taken meanwhile).
fn start_driver(program: &Path, log: &Path, agent: &ureq::Agent) -> (Child, String) {
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free local port")
            .port();
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .expect("chromedriver log file");
        let mut child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("chromedriver log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", program.display()));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            let status = send(agent, Method::Get, &format!("{url}/status"));
            if status.is_ok_and(|s| s["ready"] == true) {
                return (child, url);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            sleep(Duration::from_millis(50));
        }
    }
    panic!(
        "{} did not start serving on a local port; {INSTALL_HINT}. Its output:\n{}",
        program.display(),
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

impl Browser {
    /// Starts chromedriver on a free local port and a headless Chromium session with its
    /// own fresh profile directory (so several Browsers are separate "devices" with
    /// separate IndexedDB), window 360x800 when `phone` is true, else 1280x900. The phone
    /// is an emulated mobile device: 360x800 CSS pixels at device pixel ratio 2 (so its
    /// screenshots are 720x1600), with touch.
    pub fn start(phone: bool) -> Browser {
        let driver_program = ensure_installed("chromedriver", "chromium-driver");
        let chromium = ensure_installed("chromium", "chromium");
        let dir = tempfile::Builder::new()
            .prefix("pakta-browser-")
            .tempdir()
            .expect("temp dir for the browser profile");
        let log = dir.path().join("chromedriver.log");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(90)))
            .build()
            .into();
        let (mut driver, url) = start_driver(&driver_program, &log, &agent);
        let (width, height) = if phone { (360, 800) } else { (1280, 900) };
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            format!("--user-data-dir={}", dir.path().join("profile").display()),
            format!("--window-size={width},{height}"),
        ];
        let mut chrome = json!({"binary": chromium, "args": args});
        if phone {
            // A desktop window is at least 500 px wide, even headless: a phone's viewport
            // takes device emulation (which also honours `<meta name="viewport">`, and
            // gives touch events and `pointer: coarse`).
            chrome["mobileEmulation"] = json!({"deviceMetrics": {
                "width": width, "height": height, "pixelRatio": 2, "mobile": true, "touch": true
            }});
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": chrome,
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"implicit": 0, "pageLoad": 30_000, "script": SCRIPT_TIMEOUT_MS},
        }}});
        let created = send(
            &agent,
            Method::Post(capabilities),
            &format!("{url}/session"),
        );
        let id = match created {
            Ok(value) => value["sessionId"].as_str().map(str::to_string),
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "Chromium ({}) did not start under chromedriver: {e}\n{INSTALL_HINT}. \
                     chromedriver's output:\n{}",
                    chromium.display(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Browser {
            session: format!("{url}/session/{}", id.expect("a session id")),
            agent,
            driver,
            dir,
        }
    }

    fn get(&self, path: &str) -> Result<Value, WebDriverError> {
        send(&self.agent, Method::Get, &format!("{}{path}", self.session))
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, WebDriverError> {
        send(
            &self.agent,
            Method::Post(body),
            &format!("{}{path}", self.session),
        )
    }

    /// Panics with `message` after saving a screenshot, and says where it is, with the
    /// page's URL and console errors.
    fn fail(&self, message: &str) -> ! {
        static FAILURES: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "failure-{}-{}",
            std::thread::current().name().unwrap_or("test"),
            FAILURES.fetch_add(1, Ordering::Relaxed)
        );
        let screenshot = match self.try_screenshot(&name) {
            Ok(path) => path.display().to_string(),
            Err(e) => format!("(none: {e})"),
        };
        eprintln!("browser failure screenshot: {screenshot}");
        let url = self
            .get("/url")
            .map_or_else(|e| e.to_string(), |v| v.to_string());
        let console = self
            .try_console_errors()
            .map_or_else(|e| e.to_string(), |v| format!("{v:#?}"));
        panic!("{message}\n  url: {url}\n  screenshot: {screenshot}\n  console errors: {console}");
    }

    /// Tries `attempt` until it succeeds or `timeout` passes, while it fails with errors
    /// that waiting may cure; fails at once on any other error.
    fn until<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut attempt: impl FnMut() -> Result<T, WebDriverError>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            match attempt() {
                Ok(value) => return value,
                Err(e) if !e.is_transient() => self.fail(&format!("{what}: {e}")),
                Err(e) if Instant::now() >= deadline => {
                    self.fail(&format!("{what}: gave up after {timeout:?}; last: {e}"))
                }
                Err(_) => sleep(POLL),
            }
        }
    }

    /// The first element matching `css`, if any.
    fn find(&self, css: &str) -> Result<Option<String>, WebDriverError> {
        let found = self.post("/elements", json!({"using": "css selector", "value": css}))?;
        Ok(found[0][ELEMENT].as_str().map(str::to_string))
    }

    /// The first element matching `css`, which must also be displayed when `displayed`.
    fn element(&self, css: &str, displayed: bool) -> Result<String, WebDriverError> {
        let id = self.find(css)?.ok_or_else(|| {
            WebDriverError::new("no such element", format!("nothing matches `{css}`"))
        })?;
        if displayed && self.get(&format!("/element/{id}/displayed"))? != true {
            return Err(WebDriverError::new(
                "element not interactable",
                format!("`{css}` is there but not displayed"),
            ));
        }
        Ok(id)
    }

    pub fn goto(&self, url: &str) {
        if let Err(e) = self.post("/url", json!({"url": url})) {
            self.fail(&format!("goto {url}: {e}"));
        }
    }

    /// Clicks the element, waiting up to 10 s for it to be present and displayed.
    pub fn click(&self, css: &str) {
        self.until(ACT_TIMEOUT, &format!("click `{css}`"), || {
            let id = self.element(css, true)?;
            self.post(&format!("/element/{id}/click"), json!({}))
                .map(drop)
        });
    }

    /// Clears the field, then types `text` into it.
    pub fn fill(&self, css: &str, text: &str) {
        self.until(ACT_TIMEOUT, &format!("fill `{css}`"), || {
            let id = self.element(css, true)?;
            self.post(&format!("/element/{id}/clear"), json!({}))?;
            self.post(&format!("/element/{id}/value"), json!({"text": text}))
                .map(drop)
        });
    }

    /// Chooses the option whose value is `value` in a `<select>`, as a click would.
    pub fn select(&self, css: &str, value: &str) {
        let option = format!("option[value={}]", css_string(value));
        self.until(ACT_TIMEOUT, &format!("select {value:?} in `{css}`"), || {
            let id = self.element(css, true)?;
            let found = self.post(
                &format!("/element/{id}/element"),
                json!({"using": "css selector", "value": option}),
            )?;
            let option = found[ELEMENT].as_str().unwrap_or_default();
            self.post(&format!("/element/{option}/click"), json!({}))
                .map(drop)
        });
    }

    /// Puts the file at `path` into an `<input type=file>` (which may be hidden behind a
    /// styled label: only its presence is waited for).
    pub fn upload(&self, css: &str, path: &Path) {
        let path = std::fs::canonicalize(path)
            .unwrap_or_else(|e| panic!("upload {}: {e}", path.display()));
        let path = path.to_str().expect("a UTF-8 path");
        self.until(ACT_TIMEOUT, &format!("upload into `{css}`"), || {
            let id = self.element(css, false)?;
            self.post(&format!("/element/{id}/value"), json!({"text": path}))
                .map(drop)
        });
    }

    /// The element's visible text, waiting up to 10 s for the element to be present.
    pub fn text(&self, css: &str) -> String {
        self.until(ACT_TIMEOUT, &format!("text of `{css}`"), || {
            let id = self.element(css, false)?;
            let text = self.get(&format!("/element/{id}/text"))?;
            Ok(text.as_str().unwrap_or_default().to_string())
        })
    }

    /// Polls up to 15 s until the element's visible text contains `needle`, and returns
    /// that text. `needle` must not be empty: every text contains "", so that wait would
    /// end at once; wait for the real condition with [`Browser::wait_text_where`].
    pub fn wait_text(&self, css: &str, needle: &str) -> String {
        assert!(
            !needle.is_empty(),
            "wait_text(`{css}`, \"\") is true at once; use wait_text_where with the real condition"
        );
        self.wait_text_where(css, &format!("showing {needle:?}"), |text| {
            text.contains(needle)
        })
    }

    /// Polls up to 15 s until the element's visible text satisfies `holds`, and returns
    /// that text. `what` describes the condition for the failure message, e.g. "an
    /// 8-character code". An element that is hidden has no visible text, so this also
    /// waits for it to be shown when `holds("")` is false.
    pub fn wait_text_where(&self, css: &str, what: &str, holds: impl Fn(&str) -> bool) -> String {
        self.until(TEXT_TIMEOUT, &format!("`{css}` {what}"), || {
            let id = self.element(css, false)?;
            let text = self.get(&format!("/element/{id}/text"))?;
            let text = text.as_str().unwrap_or_default();
            if holds(text) {
                Ok(text.to_string())
            } else {
                Err(WebDriverError::new("not yet", format!("text is {text:?}")))
            }
        })
    }

    /// The element's `value` property (of an input, select or textarea).
    pub fn value(&self, css: &str) -> String {
        self.until(ACT_TIMEOUT, &format!("value of `{css}`"), || {
            let id = self.element(css, false)?;
            let value = self.get(&format!("/element/{id}/property/value"))?;
            Ok(value.as_str().unwrap_or_default().to_string())
        })
    }

    /// Whether an element matches `css` now (no waiting).
    pub fn exists(&self, css: &str) -> bool {
        match self.find(css) {
            Ok(found) => found.is_some(),
            Err(e) => self.fail(&format!("look for `{css}`: {e}")),
        }
    }

    /// Runs `js` as the body of a function (`return ...;` gives the result).
    pub fn eval(&self, js: &str) -> Value {
        self.post("/execute/sync", json!({"script": js, "args": []}))
            .unwrap_or_else(|e| self.fail(&format!("script failed: {e}\n{js}")))
    }

    /// Runs `js` as the body of a function whose last argument is the callback that
    /// gives the result: `const done = arguments[arguments.length - 1]; ... done(x);`.
    /// Gives up after 30 s.
    pub fn eval_async(&self, js: &str) -> Value {
        self.post("/execute/async", json!({"script": js, "args": []}))
            .unwrap_or_else(|e| self.fail(&format!("async script failed: {e}\n{js}")))
    }

    /// Resizes the window so that the page's viewport is `width` x `height` CSS pixels
    /// (a projector's 1280x720, say): the window's own frame, if any, is measured and
    /// added. Not for a phone, whose viewport is fixed by its emulation.
    pub fn set_viewport(&self, width: u64, height: u64) {
        let (mut outer_w, mut outer_h) = (width, height);
        for _ in 0..3 {
            let inner = self.resize_window(outer_w, outer_h);
            if inner == (width, height) {
                return;
            }
            // The frame is what the window has beyond its viewport.
            outer_w = (outer_w + width).saturating_sub(inner.0);
            outer_h = (outer_h + height).saturating_sub(inner.1);
        }
        let inner = self.eval("return [window.innerWidth, window.innerHeight];");
        self.fail(&format!("the viewport is {inner}, not [{width}, {height}]"));
    }

    /// Sets the window's outer size and returns the viewport once the page has been
    /// laid out at that size (the resize reaches the page a moment later).
    fn resize_window(&self, width: u64, height: u64) -> (u64, u64) {
        if let Err(e) = self.post("/window/rect", json!({"width": width, "height": height})) {
            self.fail(&format!("resize the window to {width}x{height}: {e}"));
        }
        let size = || {
            let s = self.eval(
                "return [window.outerWidth, window.outerHeight, window.innerWidth, window.innerHeight];",
            );
            (0..4)
                .map(|i| s[i].as_u64().unwrap_or(0))
                .collect::<Vec<_>>()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = size();
        loop {
            sleep(POLL);
            let now = size();
            if now == last && now[0] == width && now[1] == height {
                return (now[2], now[3]);
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "the window did not become {width}x{height}: outer and inner sizes {now:?}"
                ));
            }
            last = now;
        }
    }

    fn try_screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = self.get("/screenshot").map_err(|e| e.to_string())?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .map_err(|e| format!("screenshot is not base64: {e}"))?;
        let path = artifact_path(name);
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// Polls a script expression until it is true, for up to `seconds`: the real
    /// condition a test waits for, never a fixed sleep. Gives up with a screenshot.
    pub fn wait_for(&self, condition: &str, seconds: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
        while self.eval(&format!("return {condition};")) != Value::Bool(true) {
            if std::time::Instant::now() >= deadline {
                self.fail(&format!("never true within {seconds} s: {condition}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves what the viewport shows as `<CARGO_MANIFEST_DIR>/test-artifacts/<name>.png`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        self.try_screenshot(name)
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"))
    }

    /// The page as Chromium prints it, as PDF bytes: on A4 paper with the margins of
    /// web/style.css's `@page` (W3C WebDriver "Print Page"), not shrunk to fit, so a
    /// layout that needs a second sheet gets one here too.
    pub fn print_pdf(&self) -> Vec<u8> {
        let printed = self
            .post(
                "/print",
                json!({
                    "page": {"width": 21.0, "height": 29.7},
                    "margin": {"top": 1.4, "bottom": 1.2, "left": 1.4, "right": 1.4},
                    "shrinkToFit": false,
                    "background": true,
                }),
            )
            .unwrap_or_else(|e| self.fail(&format!("print the page: {e}")));
        base64::engine::general_purpose::STANDARD
            .decode(printed.as_str().unwrap_or_default())
            .unwrap_or_else(|e| self.fail(&format!("the printed PDF is not base64: {e}")))
    }

    /// Lays the page out for `media` ("print" or "screen") as Chromium's DevTools
    /// emulation does, so a test can measure the printed layout with scripts; "" ends
    /// the emulation. It holds while printing too: end it before [`Browser::print_pdf`].
    pub fn emulate_media(&self, media: &str) {
        self.post(
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": media}}),
        )
        .unwrap_or_else(|e| self.fail(&format!("emulate {media} media: {e}")));
    }

    fn try_console_errors(&self) -> Result<Vec<String>, WebDriverError> {
        let entries = self.post("/se/log", json!({"type": "browser"}))?;
        Ok(entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
            .collect())
    }

    /// The page's errors since the last call: `console.error` calls, uncaught exceptions
    /// and failed loads (Chromium's browser log at level SEVERE, kept by chromedriver
    /// through the `goog:loggingPrefs` capability). Reading the log empties it.
    pub fn console_errors(&self) -> Vec<String> {
        self.try_console_errors()
            .unwrap_or_else(|e| self.fail(&format!("read the browser log: {e}")))
    }
}

/// How many pages a PDF from [`Browser::print_pdf`] has: its page objects, each
/// `/Type /Page` (the page tree's own object is `/Type /Pages`).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session quits Chromium; then the driver goes, and the profile after.
        let _ = send(&self.agent, Method::Delete, &self.session);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// [`Browser::wait_for`] with the usual 15 seconds.
pub fn wait_until(browser: &Browser, condition: &str) {
    browser.wait_for(condition, 15);
}
