//! The Python tools of the API contract tests: `openapi-spec-validator` (is the document
//! valid OpenAPI?) and `schemathesis` (a property-based fuzzer of the running API),
//! pinned, in a virtualenv under `target/pakta-tools/` that the first test to need it
//! makes. Where `python3` or its `venv` module is missing they are installed from
//! Debian with `apt-get` (as root); the Python packages come from PyPI with `pip`.
//! When something cannot be installed the test stops and says what to do by hand.
//!
//! Used with `mod common;` and `#[path = "common/python_tools.rs"] mod python_tools;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::common::ensure_installed;

/// Every package of the virtualenv, pinned (what `pip freeze` listed after installing
/// the first two), so every machine fuzzes with the same generator and validator. A
/// change here makes a new virtualenv beside the old one.
pub const REQUIREMENTS: &str = "\
schemathesis==4.32.5
openapi-spec-validator==0.9.0
hypothesis==6.170.17
annotated-types==0.8.0
anyio==4.16.0
attrs==26.1.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis-graphql==0.13.5
idna==3.20
iniconfig==2.3.1
jsonschema==4.26.0
jsonschema-path==0.5.0
jsonschema-specifications==2025.9.1
jsonschema_rs==0.60.3
lazy-object-proxy==1.13.0
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
openapi-schema-validator==0.9.0
packaging==26.4
pathable==0.6.0
pluggy==1.7.0
pydantic==2.14.4
pydantic-settings==2.16.3
pydantic_core==2.50.5
Pygments==2.21.0
pyrate-limiter==4.5.1
pytest==9.2.0
python-dotenv==1.2.4
PyYAML==6.0.4
referencing==0.37.0
requests==2.34.2
rfc3339-validator==0.1.4
rich==15.0.0
rpds-py==2026.9.1
six==1.17.0
sortedcontainers==2.4.0
typing-inspection==0.4.5
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9
";

/// Marks a virtualenv whose packages all installed.
const COMPLETE: &str = "pakta-tools-complete";

/// `target/pakta-tools`, beside the build's other output.
pub fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .join("pakta-tools")
}

/// The Python of the tools' virtualenv, made (once per test process, and kept in
/// `target/` for the next runs) where missing.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(make_venv)
}

/// Runs the virtualenv's Python with `args` in `dir`, and returns what it did.
pub fn run_python(args: &[&str], dir: &Path) -> Output {
    Command::new(python())
        .args(args)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()))
}

fn make_venv() -> PathBuf {
    pinned_venv("venv", REQUIREMENTS, "the Python tools", "python_tools.rs")
}

/// A virtualenv holding exactly `requirements` (pinned), made where missing under
/// `target/pakta-tools/<label>-<digest>`, one per set of pins and Python version: a Debian
/// upgrade or a new pin never reuses a virtualenv made for something else. `what` names
/// the tools in messages, `pinned_in` the file holding the pins.
pub fn pinned_venv(label: &str, requirements: &str, what: &str, pinned_in: &str) -> PathBuf {
    let python3 = ensure_installed("python3", "python3");
    let version = Command::new(&python3)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{version}\n{requirements}"));
    let venv = tools_dir().join(format!("{label}-{}", &hex::encode(digest)[..12]));
    let venv_python = venv.join("bin").join("python");
    if venv.join(COMPLETE).is_file() {
        return venv_python;
    }

    // Made under a name of its own and renamed when complete, so that two test
    // processes (or two engineers' `cargo test`) never use a half-made one.
    std::fs::create_dir_all(tools_dir()).expect("create target/pakta-tools");
    let partial = tools_dir().join(format!(
        "partial-{label}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    ));
    eprintln!(
        "making the virtualenv of {what} {} ({version}); this downloads them from PyPI, once",
        venv.display()
    );
    create_venv(&python3, &partial);
    let requirements_file = partial.join("requirements.txt");
    std::fs::write(&requirements_file, requirements).expect("write requirements.txt");
    let pip = Command::new(partial.join("bin").join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            "-r",
        ])
        .arg(&requirements_file)
        .output()
        .expect("run pip");
    if !pip.status.success() {
        let _ = std::fs::remove_dir_all(&partial);
        panic!(
            "pip could not install {what}, pinned, from PyPI:\n{}{}\n\
             This test needs network access to PyPI (set PIP_INDEX_URL, or HTTPS_PROXY, if \
             this machine reaches it through a mirror or a proxy). To install them by hand:\n\
             python3 -m venv {venv} && {venv}/bin/python -m pip install -r FILE\n\
             with FILE holding the REQUIREMENTS of tests/common/{pinned_in}, then \
             `touch {venv}/{COMPLETE}`.",
            String::from_utf8_lossy(&pip.stdout),
            String::from_utf8_lossy(&pip.stderr),
            venv = venv.display(),
        );
    }
    std::fs::write(partial.join(COMPLETE), "").expect("mark the virtualenv complete");
    // A virtualenv keeps working when moved as long as it is run as DIR/bin/python
    // (its scripts' #! lines name the old place, so none of them is used).
    if std::fs::rename(&partial, &venv).is_err() {
        // Another process finished first; use its virtualenv.
        let _ = std::fs::remove_dir_all(&partial);
        assert!(
            venv.join(COMPLETE).is_file(),
            "cannot move {} to {}",
            partial.display(),
            venv.display()
        );
    }
    venv_python
}

/// `python3 -m venv DIR`, installing Debian's `python3-venv` first where the module (or
/// its bundled pip) is missing.
fn create_venv(python3: &Path, dir: &Path) {
    let attempt = || {
        Command::new(python3)
            .args(["-m", "venv"])
            .arg(dir)
            .output()
            .expect("run python3 -m venv")
    };
    let mut made = attempt();
    if !made.status.success() {
        let _ = std::fs::remove_dir_all(dir);
        eprintln!(
            "python3 -m venv failed ({}); installing Debian package python3-venv",
            String::from_utf8_lossy(&made.stdout).trim()
        );
        if apt_install("python3-venv") {
            made = attempt();
        }
    }
    if !made.status.success() {
        let _ = std::fs::remove_dir_all(dir);
        panic!(
            "python3 cannot make a virtualenv:\n{}{}\n\
             On Debian, run `apt-get install python3-venv` as root (this test does so \
             itself when run as root), then run the tests again.",
            String::from_utf8_lossy(&made.stdout),
            String::from_utf8_lossy(&made.stderr)
        );
    }
}

/// `apt-get install PACKAGE` as `ensure_installed` does it; false when it failed (not
/// root, no network).
fn apt_install(package: &str) -> bool {
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=600", "-qq"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    apt(&["update"]) && apt(&["install", "-y", "--no-install-recommends", package])
}
