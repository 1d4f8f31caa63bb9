//! Golden vector of the backup file's `MANIFEST` (`docs/FORMATS.md`, section 14.2,
//! `pakta/backup/v1`), pinned byte for byte.
//!
//! Fixed inputs: the origin `pakta.example/kabupaten-contoh` and the golden checkpoint of
//! size 9 of `tests/vectors/transparency/` (its size and root), a copy said to hold 12
//! entries, the time 2024-10-07T02:10:30Z, and four members: `pakta.sqlite3` stood in for
//! by 1 228 800 zero bytes (no database file is pinned: only its length and digest are
//! in the `MANIFEST`), `log-key` the key file of the golden log key (seed [2; 32]),
//! `log-checkpoint` the golden checkpoint and `witnessed-checkpoint` the golden cosigned
//! checkpoint of `tests/vectors/witness/`. `tests/vectors/backup/` is never regenerated:
//! a failure here after a code change means the change altered a format that backups
//! already on operators' disks are read in.
//!
//! The file is checked against the library's encoding and reading, against the member
//! lines written out here with nothing but SHA-256, and FORMATS.md must quote it verbatim.

mod golden;

use sha2::{Digest, Sha256};

use golden::{Frozen, assert_still_produced, frozen};
use pakta::domain::backup::{
    BACKUP_FORMAT, DATABASE, LOG_CHECKPOINT, LOG_KEY, Manifest, Member, WITNESSED_CHECKPOINT,
    manifest_time,
};
use pakta::domain::crypto::Sha256Hash;
use pakta::domain::note::Checkpoint;

const MANIFEST: Frozen = frozen!("backup/MANIFEST");
const SUMS: Frozen = frozen!("backup/SHA256SUMS");
const CHECKPOINT: Frozen = frozen!("transparency/checkpoint-9.txt");
const COSIGNED: Frozen = frozen!("witness/checkpoint-9-cosigned.txt");

const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");

const ENTRIES: u64 = 12;
const TIME: i64 = 1728267030;
const DATABASE_LENGTH: usize = 1_228_800;
const LOG_SEED: [u8; 32] = [2; 32];

fn text(frozen: &Frozen) -> &'static str {
    std::str::from_utf8(frozen.bytes).unwrap()
}

/// The golden checkpoint's origin, size and root.
fn checkpoint() -> Checkpoint {
    let signed: String = text(&CHECKPOINT).split_inclusive('\n').take(3).collect();
    Checkpoint::parse(&signed).unwrap()
}

/// The log key file of the golden log, as `pakta` writes it.
fn key_file() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LOG_KEY);
    pakta::keyfile::create(&path, &ed25519_dalek::SigningKey::from_bytes(&LOG_SEED)).unwrap();
    std::fs::read(path).unwrap()
}

/// The members' bytes, in the order a backup holds them.
fn members() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (DATABASE, vec![0; DATABASE_LENGTH]),
        (LOG_KEY, key_file()),
        (LOG_CHECKPOINT, CHECKPOINT.bytes.to_vec()),
        (WITNESSED_CHECKPOINT, COSIGNED.bytes.to_vec()),
    ]
}

fn manifest() -> Manifest {
    let checkpoint = checkpoint();
    Manifest {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: checkpoint.root,
        entries: ENTRIES,
        time: manifest_time(chrono::DateTime::from_timestamp(TIME, 0).unwrap()),
        members: members()
            .iter()
            .map(|(name, bytes)| Member::of(name, bytes))
            .collect(),
    }
}

#[test]
fn the_library_still_encodes_the_frozen_manifest_and_reads_it_back() {
    let manifest = manifest();
    assert_still_produced([(&MANIFEST, manifest.encode().into_bytes())]);
    let read = Manifest::parse(text(&MANIFEST)).unwrap();
    assert_eq!(read, manifest);
    assert_eq!(read.check_members(), Ok(()));
    assert!(read.describes(&checkpoint()));
    assert_eq!(
        text(&SUMS),
        format!(
            "{}  MANIFEST\n",
            hex::encode(Sha256::digest(MANIFEST.bytes))
        )
    );
}

#[test]
fn the_manifest_is_the_formats_layout_written_out() {
    let checkpoint_lines: Vec<&str> = text(&CHECKPOINT).lines().collect();
    let mut expected = format!(
        "{BACKUP_FORMAT}\norigin: {}\nsize: {}\nroot: {}\nentries: {ENTRIES}\ntime: 2024-10-07T02:10:30Z\n",
        checkpoint_lines[0], checkpoint_lines[1], checkpoint_lines[2]
    );
    // What `sha256sum` of each unpacked member prints.
    for (name, bytes) in members() {
        expected.push_str(&format!(
            "member: {name} {} {}\n",
            bytes.len(),
            hex::encode(Sha256::digest(&bytes))
        ));
    }
    assert_eq!(text(&MANIFEST), expected);
    // Each member read back is checked against its line.
    let read = Manifest::parse(text(&MANIFEST)).unwrap();
    for (name, bytes) in members() {
        let member = read.member(name).unwrap();
        assert_eq!(
            member.check(bytes.len() as u64, &Sha256Hash::of(&bytes)),
            Ok(())
        );
        assert!(
            member
                .check(bytes.len() as u64, &Sha256Hash::of(b"other"))
                .is_err()
        );
    }
}

#[test]
fn formats_md_quotes_the_manifest_verbatim() {
    assert!(
        FORMATS_MD.contains(text(&MANIFEST)),
        "FORMATS.md does not quote {}",
        MANIFEST.path
    );
}
