//! `pakta backup` and `pakta restore`, run as an operator runs them: backups taken with
//! the real binary while many officials sign, each restored into a new data directory
//! that passes `pakta verify`, holds every signature acknowledged before its backup
//! began, byte for byte, and serves again with a checkpoint consistent with the one it
//! had published. A backup older than a checkpoint the registry published, a tampered
//! backup, and a restore over a registry are refused, leaving no registry behind.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use ed25519_dalek::SigningKey;
use serde_json::json;

use pakta::demo::kabupaten::DemoKabupaten;
use pakta::domain::crypto::{Sha256Hash, decode_base64};
use pakta::domain::merkle::verify_consistency;
use pakta::domain::note::{Checkpoint, VerifierKey};
use pakta::domain::receipt::Receipt;
use pakta::store::{DATABASE_FILE, Db, Store};

const OFFICIALS: usize = 600;
const CLIENTS: usize = 16;
/// Backups are started once this many more signatures have been acknowledged.
const BACKUP_EVERY: usize = 100;
const BACKUPS: usize = 2;

/// Runs the real binary and returns stdout and stderr, after checking its exit status.
fn run(args: &[&str], succeeds: bool) -> (String, String) {
    let out = pakta(args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(
        out.status.success(),
        succeeds,
        "pakta {args:?}:\n{stdout}{stderr}"
    );
    (stdout, stderr)
}

fn backup(data: &Path, out: &Path) -> String {
    run(
        &[
            "backup",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        true,
    )
    .0
}

fn restore(file: &Path, data: &Path, checkpoint: Option<&Path>, succeeds: bool) -> String {
    let mut args = vec![
        "restore",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ];
    if let Some(cp) = checkpoint {
        args.extend(["--checkpoint", cp.to_str().unwrap()]);
    }
    let (stdout, stderr) = run(&args, succeeds);
    if succeeds { stdout } else { stderr }
}

fn verify_passes(data: &Path) -> u64 {
    let (stdout, _) = run(&["verify", "--data", data.to_str().unwrap()], true);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("OK: ")?.strip_suffix(" entries verified"))
        .unwrap_or_else(|| panic!("no OK line: {stdout}"))
        .parse()
        .unwrap()
}

/// The MANIFEST's checkpoint size and root, read from the archive as an operator would
/// (`tar -xOf FILE MANIFEST`).
fn manifest_checkpoint(file: &Path) -> (u64, Sha256Hash) {
    let mut archive = tar::Archive::new(std::fs::File::open(file).unwrap());
    let mut first = archive.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(&*first.path_bytes(), b"MANIFEST");
    let mut text = String::new();
    first.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("pakta/backup/v1\n"), "{text}");
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name}: {text}"))
            .to_string()
    };
    let root = Sha256Hash::from_slice(&decode_base64("root", &field("root")).unwrap()).unwrap();
    (field("size").parse().unwrap(), root)
}

/// The names of the registry's files in `dir` (none once a restore was refused).
fn registry_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn checkpoint_at(url: &str, vkey: &VerifierKey) -> Checkpoint {
    let text = ureq::get(format!("{url}/checkpoint"))
        .call()
        .expect("GET /checkpoint")
        .body_mut()
        .read_to_string()
        .unwrap();
    Checkpoint::open(&text, vkey).expect("a checkpoint signed by the log key")
}

/// Checks, with the consistency proof `url` serves, that `old` is a prefix of `new`.
fn assert_consistent(url: &str, old: &Checkpoint, new: &Checkpoint) {
    let proof: serde_json::Value = ureq::get(format!(
        "{url}/api/registry/proof/consistency?from={}&to={}",
        old.size, new.size
    ))
    .call()
    .expect("GET consistency proof")
    .body_mut()
    .read_json()
    .unwrap();
    let hashes: Vec<Sha256Hash> = proof["hashes"]
        .as_array()
        .unwrap_or_else(|| panic!("no proof: {proof}"))
        .iter()
        .map(|h| Sha256Hash::from_slice(&decode_base64("h", h.as_str().unwrap()).unwrap()).unwrap())
        .collect();
    assert!(
        verify_consistency(old.size, new.size, &hashes, &old.root, &new.root),
        "the checkpoint of size {} is not a prefix of the one of size {}",
        old.size,
        new.size
    );
}

struct Taken {
    file: PathBuf,
    /// Receipts acknowledged before the backup started.
    acknowledged: Vec<Receipt>,
}

#[test]
fn backups_taken_while_officials_sign_restore_to_registries_that_verify_and_continue_the_history() {
    let mut app = TestApp::spawn();
    let vkey = VerifierKey::parse(&app.vkey).unwrap();
    let kab = DemoKabupaten::generate(11, OFFICIALS);
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
    assert!(checked_in.iter().all(|s| *s == 201));

    let backups_dir = private_tempdir();
    let acknowledged: Mutex<Vec<Receipt>> = Mutex::new(Vec::new());
    let count = AtomicUsize::new(0);
    let mut during = Vec::new();
    let taken: Vec<Taken> = std::thread::scope(|scope| {
        scope.spawn(|| {
            in_parallel(CLIENTS, officials.clone(), |(nip, key)| {
                let reply = app.sign(ceremony, &nip, &key);
                assert_eq!(reply.status, 201, "signature of {nip}: {}", reply.text);
                let receipt = Receipt::parse(reply.body["receipt"].as_str().unwrap()).unwrap();
                acknowledged.lock().unwrap().push(receipt);
                count.fetch_add(1, Ordering::SeqCst);
            })
        });
        let mut taken = Vec::new();
        for k in 1..=BACKUPS {
            let deadline = Instant::now() + Duration::from_secs(300);
            while count.load(Ordering::SeqCst) < k * BACKUP_EVERY {
                assert!(Instant::now() < deadline, "signatures stopped coming");
                // Polls the count the signers keep; the deadline bounds the wait.
                std::thread::sleep(Duration::from_millis(10));
            }
            let before = acknowledged.lock().unwrap().clone();
            let file = backups_dir.path().join(format!("pakta-{k}.backup"));
            let printed = backup(app.data_dir(), &file);
            assert!(
                printed.contains("holds the registry's log key"),
                "{printed}"
            );
            during.push((before.len(), count.load(Ordering::SeqCst)));
            taken.push(Taken {
                file,
                acknowledged: before,
            });
        }
        taken
    });
    assert_eq!(count.load(Ordering::SeqCst), OFFICIALS);
    eprintln!("signatures acknowledged when each backup started and ended: {during:?}");
    assert!(
        during.iter().all(|(_, after)| *after < OFFICIALS),
        "every backup ended while officials were still signing: {during:?}"
    );
    let last = checkpoint_at(&app.url, &vkey);

    for (k, Taken { file, acknowledged }) in taken.iter().enumerate() {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup holds the log key");
        let (kept_size, kept_root) = manifest_checkpoint(file);
        let kept = Checkpoint {
            origin: ORIGIN.to_string(),
            size: kept_size,
            root: kept_root,
        };
        let parent = private_tempdir();
        let dir = parent.path().join("restored");
        let printed = restore(file, &dir, None, true);
        assert!(
            printed.contains(&format!(
                "consistent with the checkpoint it had published at size {kept_size}"
            )),
            "{printed}"
        );
        let size = verify_passes(&dir);
        assert!(size >= kept_size, "backup {k}: {size} < {kept_size}");

        // Every signature acknowledged before the backup began is there, byte for byte.
        {
            let conn = Store::open_read_only(&dir).unwrap();
            let db = Db::over(&conn);
            for receipt in acknowledged {
                assert!(receipt.index < kept_size, "acknowledged, so published");
                let stored = db.intact_entry(receipt.index).unwrap();
                assert_eq!(stored.bytes, receipt.entry, "entry {}", receipt.index);
            }
        }

        // It serves again, continuing the history it had published, which the live
        // registry's own final checkpoint extends.
        let served =
            common::serve_process::start(&dir, None, common::serve_process::Stderr::Capture)
                .unwrap_or_else(|e| panic!("restored registry does not start: {}", e.stderr));
        let now = checkpoint_at(&served.url, &vkey);
        assert!(now.size >= kept_size);
        assert_consistent(&served.url, &kept, &now);
        assert_consistent(&app.url, &now, &last);
        served.kill();
        eprintln!(
            "backup {k}: {} acknowledged before it, kept checkpoint {kept_size}, restored {size} entries",
            acknowledged.len()
        );
    }

    app.stop();
    verify_passes(app.data_dir());
}

/// A registry with a few entries: the roster and three officials enrolled.
fn small_registry() -> TestApp {
    let app = TestApp::spawn();
    let imported = app.import(ROSTER);
    assert_eq!(imported.body["created"], 4, "{}", imported.text);
    for nip in [ANDI, SITI, BUDI] {
        app.enroll(nip);
    }
    app
}

#[test]
fn a_backup_older_than_a_published_checkpoint_is_refused_and_a_matching_one_restores() {
    let app = small_registry();
    let vkey = VerifierKey::parse(&app.vkey).unwrap();
    let work = private_tempdir();
    let file = work.path().join("pakta.backup");
    backup(app.data_dir(), &file);
    let (kept_size, _) = manifest_checkpoint(&file);
    let earlier = app.get_bytes("/checkpoint");
    assert_eq!(
        Checkpoint::open(std::str::from_utf8(&earlier).unwrap(), &vkey)
            .unwrap()
            .size,
        kept_size
    );

    // The registry goes on and publishes a larger checkpoint: an auditor holds it.
    app.enroll(RINA);
    let later_text = app.get_bytes("/checkpoint");
    let later = Checkpoint::open(std::str::from_utf8(&later_text).unwrap(), &vkey).unwrap();
    assert!(later.size > kept_size);
    let later_file = work.path().join("later.checkpoint");
    std::fs::write(&later_file, &later_text).unwrap();

    // Into a new directory, and into an existing empty one: refused, nothing left.
    let new_dir = work.path().join("new");
    let refused = restore(&file, &new_dir, Some(&later_file), false);
    assert!(
        refused.contains(&format!("lacks entries {kept_size}..{}", later.size - 1))
            && refused.contains("Restore a newer backup"),
        "{refused}"
    );
    assert!(!new_dir.exists(), "no directory left behind");
    let empty = private_tempdir();
    restore(&file, empty.path(), Some(&later_file), false);
    assert!(
        registry_files(empty.path()).is_empty(),
        "left behind: {:?}",
        registry_files(empty.path())
    );

    // A checkpoint of another history under the same key: refused.
    let other = TestApp::spawn_impersonating(&app);
    other.import(ROSTER);
    other.enroll(BUDI);
    let forged = other.get_bytes("/checkpoint");
    let forged_size = Checkpoint::open(std::str::from_utf8(&forged).unwrap(), &vkey)
        .unwrap()
        .size;
    assert!(forged_size <= kept_size, "{forged_size} > {kept_size}");
    let forged_file = work.path().join("forged.checkpoint");
    std::fs::write(&forged_file, &forged).unwrap();
    let refused = restore(&file, &new_dir, Some(&forged_file), false);
    assert!(refused.contains("not of the history"), "{refused}");
    assert!(!new_dir.exists());

    // The checkpoint it had published when backed up: restored.
    let earlier_file = work.path().join("earlier.checkpoint");
    std::fs::write(&earlier_file, &earlier).unwrap();
    let printed = restore(&file, &new_dir, Some(&earlier_file), true);
    assert!(
        printed.contains(&format!(
            "and with the checkpoint in {}",
            earlier_file.display()
        )),
        "{printed}"
    );
    assert!(verify_passes(&new_dir) >= kept_size);
}

#[test]
fn a_tampered_backup_is_refused() {
    let app = small_registry();
    let work = private_tempdir();
    let file = work.path().join("pakta.backup");
    backup(app.data_dir(), &file);

    // One byte of the database member flipped, as bit rot or a hand edit would.
    let position = {
        let mut archive = tar::Archive::new(std::fs::File::open(&file).unwrap());
        let entry = archive
            .entries()
            .unwrap()
            .map(Result::unwrap)
            .find(|e| &*e.path_bytes() == DATABASE_FILE.as_bytes())
            .unwrap();
        entry.raw_file_position() + entry.size() / 2
    };
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[position as usize] ^= 0x01;
    let tampered = work.path().join("tampered.backup");
    std::fs::write(&tampered, &bytes).unwrap();

    let dir = work.path().join("restored");
    let refused = restore(&tampered, &dir, None, false);
    assert!(
        refused.contains("pakta.sqlite3 is not the one its MANIFEST describes"),
        "{refused}"
    );
    assert!(!dir.exists(), "nothing restored");
    // The untouched file restores.
    restore(&file, &dir, None, true);
    verify_passes(&dir);
}

#[test]
fn a_restore_over_a_registry_and_a_backup_over_a_file_are_refused() {
    let app = small_registry();
    let work = private_tempdir();
    let file = work.path().join("pakta.backup");
    backup(app.data_dir(), &file);
    let before = std::fs::read(&file).unwrap();

    let (_, refused) = run(
        &[
            "backup",
            "--data",
            app.data_dir().to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ],
        false,
    );
    assert!(refused.contains("refusing to overwrite"), "{refused}");
    assert_eq!(std::fs::read(&file).unwrap(), before);

    let size = app.registry_size();
    let refused = restore(&file, app.data_dir(), None, false);
    assert!(
        refused.contains("already holds a registry") && refused.contains("Move it away"),
        "{refused}"
    );
    assert_eq!(
        app.registry_size(),
        size,
        "the serving registry is untouched"
    );
}

#[test]
fn a_backup_carrying_a_path_outside_the_data_directory_writes_nothing() {
    let app = small_registry();
    let work = private_tempdir();
    let file = work.path().join("pakta.backup");
    backup(app.data_dir(), &file);

    // The same archive with one more member, named to land beside the data directory,
    // as a hand-made archive could. The name is written into the raw header: the tar
    // crate's own path setter refuses `..`.
    let crafted = work.path().join("crafted.backup");
    {
        let mut builder = tar::Builder::new(std::fs::File::create(&crafted).unwrap());
        let mut archive = tar::Archive::new(std::fs::File::open(&file).unwrap());
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            builder.append(&header, &mut entry).unwrap();
        }
        let payload = b"not part of any registry\n";
        let mut header = tar::Header::new_old();
        let name = b"../escaped";
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_size(payload.len() as u64);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append(&header, &payload[..]).unwrap();
        builder.finish().unwrap();
    }

    let dir = work.path().join("restored");
    let refused = restore(&crafted, &dir, None, false);
    assert!(refused.contains("../escaped"), "{refused}");
    assert!(
        !work.path().join("escaped").exists(),
        "nothing written outside"
    );
    assert!(!dir.exists(), "nothing restored");
}
