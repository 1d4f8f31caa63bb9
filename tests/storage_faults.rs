//! When the disk fills up, the registry says so and acknowledges nothing it did not
//! keep; when space comes back, it carries on by itself, with no restart, and the log
//! still passes its audit.
//!
//! The data directory lives on a small tmpfs mounted for the test (the test command runs
//! as root, as it does to install Chromium); a filler file takes the last free byte.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A tmpfs of `size`, unmounted when dropped (after everything inside is closed).
struct SmallDisk {
    mount: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let mount = private_tempdir();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(mount.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "this test mounts a small tmpfs to fill a disk for real; run the test command as root"
        );
        SmallDisk { mount }
    }

    fn path(&self) -> &Path {
        self.mount.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.mount.path()).status();
    }
}

/// Writes zeros into `path` until the filesystem refuses: the disk is then full.
fn fill(path: &Path) -> PathBuf {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    loop {
        if file
            .write_all(&chunk)
            .and_then(|_| file.sync_all())
            .is_err()
        {
            break;
        }
    }
    let small = vec![0u8; 512];
    while file.write_all(&small).and_then(|_| file.sync_all()).is_ok() {}
    path.to_path_buf()
}

#[test]
fn a_full_disk_is_answered_503_and_the_registry_recovers_when_space_returns() {
    let disk = SmallDisk::mount("24m");
    let mut app = TestApp::spawn_in(private_tempdir_in(disk.path()), ORIGIN);
    app.import(ROSTER);
    let andi = app.enroll(ANDI);
    let siti = app.enroll(SITI);
    let ceremony = app.open_ceremony_with_checked_in(&[ANDI, SITI]);
    let issued = app.statement(ceremony, ANDI, &andi);
    let statement = issued.body["statement"].as_str().unwrap().to_string();
    let size = app.registry_size();
    let checkpoint = app.get_bytes("/checkpoint");

    let filler = fill(&disk.path().join("filler"));
    let refused = app.submit(&statement, &andi);
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(
        matches!(
            refused.error_code(),
            "storage_full" | "storage_unavailable" | "checkpoint_not_kept"
        ),
        "{}",
        refused.text
    );
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Coba lagi")
    );
    // Reads still work, and nothing unkept is published.
    assert_eq!(app.get_bytes("/checkpoint"), checkpoint);
    let other = app.sign(ceremony, SITI, &siti);
    assert_eq!(other.status, 503, "{}", other.text);

    std::fs::remove_file(filler).unwrap();
    // The same request again: accepted now (or, if the first attempt was committed
    // without its checkpoint, answered with that attempt's receipt).
    let accepted = app.submit(&statement, &andi);
    assert!(
        accepted.status == 201 || accepted.status == 200,
        "{}",
        accepted.text
    );
    assert_eq!(app.sign(ceremony, SITI, &siti).status, 201);
    assert_eq!(app.registry_size(), size + 2);
    app.assert_receipt_verifies(accepted.body["receipt"].as_str().unwrap());

    app.stop();
    let out = pakta(&["verify", "--data", app.data_dir().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(app);
    drop(disk);
}
