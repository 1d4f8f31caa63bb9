//! Golden vectors: the wire formats of `docs/FORMATS.md`, pinned byte for byte.
//!
//! Fixed inputs (Ed25519 keys from the seeds [1; 32] and [2; 32], fixed subject ids,
//! times, enrollment codes and nonce) are run through the library's encoders, and the
//! result must equal the frozen files under `tests/vectors/`. The files were written once
//! by this code and are never regenerated: if a test here fails after a code change, the
//! change altered bytes that outside verifiers rely on, which needs a new format version
//! (`pakta/entry/v2` …), not new vectors.
//!
//! The same files are what `docs/FORMATS.md` shows, and a test checks that the document
//! quotes every one of them verbatim, so the documentation cannot drift either.

mod golden;

use golden::{ENTRIES, Frozen, assert_still_produced, frozen};
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

use pakta::domain::audit::Auditor;
use pakta::domain::crypto::{PublicKey, Sha256Hash, Signature, decode_base64, encode_base64};
use pakta::domain::entry::{
    AttendanceMethod, ENTRY_HEADER, Entry, EntryBody, RevocationReason, SigningMode, entry_hash,
    invitees_digest,
};
use pakta::domain::identifier::Identifier;
use pakta::domain::ids::{CeremonyId, PledgeId, SubjectId};
use pakta::domain::record::{RecordReader, parse_time};
use pakta::domain::statement::{
    ENROLL_HEADER, EnrollmentCode, Statement, StatementFormat, enrollment_message,
};

const ENROLLMENT_0: Frozen = frozen!("documents/enrollment-000.txt");
const ENROLLMENT_2: Frozen = frozen!("documents/enrollment-002.txt");
const STATEMENT: Frozen = frozen!("documents/statement-006.txt");
const PLEDGE_TEXT: Frozen = frozen!("documents/pledge-1.txt");
const INVITEES: Frozen = frozen!("documents/invitees-ceremony-1.txt");
const KEYS: Frozen = frozen!("keys.txt");
const SHA256SUMS: Frozen = frozen!("SHA256SUMS");
const EXPORT: Frozen = frozen!("export.jsonl");

const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");

const ANDI_NIP: &str = "198001012005011001";
const PLEDGE_TITLE: &str = "Pakta Integritas Netralitas ASN Pilkada 2024";
const PLEDGE_BODY: &str =
    "1. Netral.\n2. Tidak memihak.\n3. Bijak bermedia sosial.\n4. Menolak politik uang.\n";
const NONCE: &str = "000102030405060708090a0b0c0d0e0f";

fn seed_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn public(key: &SigningKey) -> PublicKey {
    PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap()
}

fn sign(key: &SigningKey, message: &[u8]) -> Signature {
    Signature::from_bytes(&key.sign(message).to_bytes())
}

fn t(text: &str) -> DateTime<Utc> {
    parse_time(text).unwrap()
}

fn text(frozen: &Frozen) -> &'static str {
    std::str::from_utf8(frozen.bytes).unwrap_or_else(|_| panic!("{} is not UTF-8", frozen.path))
}

/// Everything the fixed inputs produce, built only through the public API.
struct Golden {
    andi: SubjectId,
    siti: SubjectId,
    enrollment: [String; 2],
    codes: [EnrollmentCode; 2],
    proofs: [Signature; 2],
    statement: Statement,
    statement_signature: Signature,
    entries: Vec<Entry>,
}

impl Golden {
    /// Andi enrolls a key (seed 1), replaces it with a new one (seed 2), a pledge is
    /// published, a ceremony for Andi and Siti opens, Andi attends and signs, and at
    /// closing Siti (who never enrolled) is routed to ikrar mandiri.
    fn build() -> Golden {
        let andi = SubjectId::from_random([1; 16]);
        let siti = SubjectId::from_random([2; 16]);
        let nip = Identifier::parse_any(ANDI_NIP).unwrap();
        let (k1, k2) = (seed_key(1), seed_key(2));
        let codes = [
            EnrollmentCode::from_symbols([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
            EnrollmentCode::from_symbols([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]),
        ];
        let enrollment = [
            enrollment_message(&nip, &public(&k1), &codes[0]),
            enrollment_message(&nip, &public(&k2), &codes[1]),
        ];
        let proofs = [
            sign(&k1, enrollment[0].as_bytes()),
            sign(&k2, enrollment[1].as_bytes()),
        ];
        let pledge = PledgeId::new(1).unwrap();
        let ceremony = CeremonyId::new(1).unwrap();
        let pledge_sha256 = Sha256Hash::of(PLEDGE_BODY.as_bytes());
        let statement = Statement {
            format: StatementFormat::V1,
            pledge_title: PLEDGE_TITLE.into(),
            pledge_sha256,
            ceremony,
            mode: SigningMode::Ceremony,
            subject: andi,
            nip,
            name: "Andi Wijaya, S.Pd.".into(),
            position: "Kepala Dinas Pendidikan".into(),
            unit: "Dinas Pendidikan".into(),
            time: t("2024-10-07T02:10:00Z"),
            nonce: NONCE.into(),
        };
        let statement_signature = sign(&k2, statement.encode().as_bytes());
        let due = t("2024-10-14T16:59:59Z");
        let bodies = [
            (
                "2024-10-01T02:00:00Z",
                EntryBody::KeyEnrolled {
                    subject: andi,
                    key: public(&k1),
                    enrollment_sha256: Sha256Hash::of(enrollment[0].as_bytes()),
                    proof: proofs[0],
                },
            ),
            (
                "2024-10-03T03:15:00Z",
                EntryBody::KeyRevoked {
                    subject: andi,
                    fingerprint: public(&k1).fingerprint(),
                    reason: RevocationReason::Superseded,
                },
            ),
            (
                "2024-10-03T03:15:00Z",
                EntryBody::KeyEnrolled {
                    subject: andi,
                    key: public(&k2),
                    enrollment_sha256: Sha256Hash::of(enrollment[1].as_bytes()),
                    proof: proofs[1],
                },
            ),
            (
                "2024-10-04T01:00:00Z",
                EntryBody::PledgePublished {
                    pledge,
                    title: PLEDGE_TITLE.into(),
                    text_sha256: pledge_sha256,
                },
            ),
            (
                "2024-10-07T02:00:00Z",
                EntryBody::CeremonyOpened {
                    ceremony,
                    pledge,
                    pledge_sha256,
                    invited: 2,
                    invitees_sha256: invitees_digest(&[siti, andi]),
                    campaign: None,
                },
            ),
            (
                "2024-10-07T02:05:00Z",
                EntryBody::AttendanceRecorded {
                    ceremony,
                    subject: andi,
                    method: AttendanceMethod::Desk,
                },
            ),
            (
                "2024-10-07T02:10:30Z",
                EntryBody::PledgeSigned {
                    ceremony,
                    subject: andi,
                    mode: SigningMode::Ceremony,
                    statement_sha256: Sha256Hash::of(statement.encode().as_bytes()),
                    fingerprint: public(&k2).fingerprint(),
                    signature: statement_signature,
                },
            ),
            (
                "2024-10-07T04:00:00Z",
                EntryBody::CeremonyClosed {
                    ceremony,
                    routed_to_mandiri: 1,
                    mandiri_due: due,
                },
            ),
            (
                "2024-10-07T04:00:00Z",
                EntryBody::MandiriAssigned {
                    ceremony,
                    subject: siti,
                    due,
                },
            ),
        ];
        let mut prev = Sha256Hash::ZERO;
        let mut entries = Vec::new();
        for (index, (time, body)) in bodies.into_iter().enumerate() {
            let entry = Entry {
                index: index as u64,
                time: t(time),
                prev,
                body,
            };
            prev = entry_hash(&entry.encode());
            entries.push(entry);
        }
        Golden {
            andi,
            siti,
            enrollment,
            codes,
            proofs,
            statement,
            statement_signature,
            entries,
        }
    }

    fn invitees_text(&self) -> String {
        let mut ids = [self.andi.to_hex(), self.siti.to_hex()];
        ids.sort();
        ids.iter().map(|id| format!("{id}\n")).collect()
    }

    fn keys_text(&self) -> String {
        let mut out = String::new();
        for seed in [1u8, 2] {
            let key = public(&seed_key(seed));
            out += &format!("seed-{seed}: {}\n", hex::encode([seed; 32]));
            out += &format!("seed-{seed}-public-key: {}\n", key.to_base64());
            out += &format!("seed-{seed}-fingerprint: {}\n", key.fingerprint().to_hex());
        }
        out += &format!("enrollment-000-proof: {}\n", self.proofs[0].to_base64());
        out += &format!("enrollment-002-proof: {}\n", self.proofs[1].to_base64());
        out += &format!(
            "statement-006-signature: {}\n",
            self.statement_signature.to_base64()
        );
        out
    }

    /// The log as `pakta export` writes it: each kept document on the line before the
    /// entry that references it. The exporter lives in the binary, out of reach of this
    /// test, so its JSON shapes are mirrored here; `tests/independent_verifier.rs` checks
    /// that a real export has the same shape.
    fn export_text(&self) -> String {
        #[derive(Serialize)]
        struct Header {
            format: &'static str,
            size: u64,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "lowercase")]
        enum Line<'a> {
            Document {
                sha256: String,
                kind: &'a str,
                text: &'a str,
            },
            Entry {
                index: u64,
                hash: String,
                bytes: String,
            },
        }
        let header = Header {
            format: "pakta/export/v1",
            size: self.entries.len() as u64,
        };
        let mut out = serde_json::to_string(&header).unwrap() + "\n";
        let statement = self.statement.encode();
        for entry in &self.entries {
            let document = match entry.index {
                0 => Some(("enrollment", self.enrollment[0].as_str())),
                2 => Some(("enrollment", self.enrollment[1].as_str())),
                6 => Some(("statement", statement.as_str())),
                _ => None,
            };
            if let Some((kind, text)) = document {
                let line = Line::Document {
                    sha256: Sha256Hash::of(text.as_bytes()).to_hex(),
                    kind,
                    text,
                };
                out += &(serde_json::to_string(&line).unwrap() + "\n");
            }
            let bytes = entry.encode();
            let line = Line::Entry {
                index: entry.index,
                hash: entry_hash(&bytes).to_hex(),
                bytes: encode_base64(&bytes),
            };
            out += &(serde_json::to_string(&line).unwrap() + "\n");
        }
        out
    }

    /// Every frozen file and the bytes the code produces for it today.
    fn files(&self) -> Vec<(&'static Frozen, Vec<u8>)> {
        let mut files: Vec<(&'static Frozen, Vec<u8>)> = vec![
            (&ENROLLMENT_0, self.enrollment[0].clone().into_bytes()),
            (&ENROLLMENT_2, self.enrollment[1].clone().into_bytes()),
            (&STATEMENT, self.statement.encode().into_bytes()),
            (&PLEDGE_TEXT, PLEDGE_BODY.as_bytes().to_vec()),
            (&INVITEES, self.invitees_text().into_bytes()),
        ];
        for (frozen, entry) in ENTRIES.iter().zip(&self.entries) {
            files.push((frozen, entry.encode()));
        }
        files.push((&KEYS, self.keys_text().into_bytes()));
        files.push((&EXPORT, self.export_text().into_bytes()));
        files
    }
}

/// `name: value` lines of `keys.txt`.
fn keys() -> BTreeMap<&'static str, &'static str> {
    text(&KEYS)
        .lines()
        .map(|line| line.split_once(": ").expect("keys.txt line is name: value"))
        .collect()
}

/// Expected SHA-256 by path, from `SHA256SUMS` (the format `sha256sum -c` reads).
fn sums() -> BTreeMap<&'static str, &'static str> {
    text(&SHA256SUMS)
        .lines()
        .map(|line| {
            let (hash, path) = line.split_once("  ").expect("SHA256SUMS line");
            (path, hash)
        })
        .collect()
}

#[test]
fn the_code_still_produces_every_frozen_file() {
    assert_still_produced(Golden::build().files());
}

#[test]
fn sha256sums_lists_the_hash_of_every_document_and_entry() {
    let sums = sums();
    let golden = Golden::build();
    let files = golden.files();
    let hashed: Vec<_> = files
        .iter()
        .filter(|(f, _)| !matches!(f.path, "keys.txt" | "export.jsonl"))
        .collect();
    assert_eq!(sums.len(), hashed.len(), "one line per document and entry");
    for (frozen, _) in hashed {
        assert_eq!(
            sums.get(frozen.path).copied(),
            Some(Sha256Hash::of(frozen.bytes).to_hex().as_str()),
            "{}",
            frozen.path
        );
    }
}

#[test]
fn enrollment_messages_read_back_and_their_proofs_are_fixed() {
    let golden = Golden::build();
    let keys = keys();
    for (i, frozen) in [&ENROLLMENT_0, &ENROLLMENT_2].into_iter().enumerate() {
        let seed = i as u8 + 1;
        let key = seed_key(seed);
        let mut r = RecordReader::new(text(frozen), &[ENROLL_HEADER]).unwrap();
        assert_eq!(r.text("nip").unwrap(), ANDI_NIP);
        assert_eq!(
            r.text("public-key").unwrap(),
            keys[format!("seed-{seed}-public-key").as_str()]
        );
        let code = EnrollmentCode::parse(&r.text("code").unwrap()).unwrap();
        assert_eq!(code, golden.codes[i]);
        r.end().unwrap();

        // Ed25519 is deterministic, so the proof over fixed bytes is a fixed value.
        let proof_name = ["enrollment-000-proof", "enrollment-002-proof"][i];
        assert_eq!(sign(&key, frozen.bytes).to_base64(), keys[proof_name]);
        let proof = Signature::from_base64("proof", keys[proof_name]).unwrap();
        assert!(public(&key).verify_strict(frozen.bytes, &proof));
    }
    assert_eq!(golden.codes[0].as_str(), "0123-4567-89AB");
    assert_eq!(golden.codes[1].as_str(), "CDEF-GHJK-MNPQ");
}

#[test]
fn the_statement_reads_back_and_its_signature_is_fixed() {
    let golden = Golden::build();
    let parsed = Statement::parse(text(&STATEMENT)).unwrap();
    assert_eq!(parsed, golden.statement);
    parsed.check_fields().unwrap();
    assert_eq!(parsed.encode().as_bytes(), STATEMENT.bytes);

    let keys = keys();
    let signature = sign(&seed_key(2), STATEMENT.bytes);
    assert_eq!(signature.to_base64(), keys["statement-006-signature"]);
    assert!(public(&seed_key(2)).verify_strict(STATEMENT.bytes, &signature));
    assert!(!public(&seed_key(1)).verify_strict(STATEMENT.bytes, &signature));
}

#[test]
fn keys_and_fingerprints_come_from_the_seeds() {
    let keys = keys();
    for seed in [1u8, 2] {
        let key = public(&seed_key(seed));
        assert_eq!(
            keys[format!("seed-{seed}").as_str()],
            hex::encode([seed; 32])
        );
        let raw = decode_base64("key", keys[format!("seed-{seed}-public-key").as_str()]).unwrap();
        assert_eq!(raw, key.to_bytes());
        // The fingerprint is SHA-256 of the 32 raw key bytes, not of the base64 text.
        assert_eq!(
            keys[format!("seed-{seed}-fingerprint").as_str()],
            Sha256Hash::of(&raw).to_hex()
        );
    }
}

#[test]
fn every_entry_kind_reads_back_from_its_vector() {
    let golden = Golden::build();
    let mut kinds = Vec::new();
    for (frozen, entry) in ENTRIES.iter().zip(&golden.entries) {
        let parsed = Entry::parse(frozen.bytes)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", frozen.path));
        assert_eq!(&parsed, entry, "{}", frozen.path);
        assert!(text(frozen).starts_with(&format!("{ENTRY_HEADER}\nindex: {}\n", entry.index)));
        let kind = entry.body.kind();
        assert!(
            frozen.path.ends_with(&format!("-{kind}.txt")),
            "{}",
            frozen.path
        );
        kinds.push(kind);
    }
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 8, "one vector for each of the eight kinds");
}

#[test]
fn entries_chain_by_the_sha256_of_their_bytes() {
    let mut prev = Sha256Hash::ZERO;
    for frozen in &ENTRIES {
        let entry = Entry::parse(frozen.bytes).unwrap();
        assert_eq!(entry.prev, prev, "{}", frozen.path);
        prev = entry_hash(frozen.bytes);
        assert_eq!(prev, Sha256Hash::of(frozen.bytes));
    }
    assert!(text(&ENTRIES[0]).contains(&format!("prev: {}\n", "0".repeat(64))));
}

#[test]
fn entries_name_their_documents_by_sha256() {
    let golden = Golden::build();
    let hash_of = |f: &Frozen| Sha256Hash::of(f.bytes);
    let parsed: Vec<Entry> = ENTRIES
        .iter()
        .map(|f| Entry::parse(f.bytes).unwrap())
        .collect();
    let EntryBody::KeyEnrolled {
        enrollment_sha256, ..
    } = &parsed[0].body
    else {
        panic!("entry 0 is key.enrolled")
    };
    assert_eq!(*enrollment_sha256, hash_of(&ENROLLMENT_0));
    let EntryBody::KeyEnrolled {
        enrollment_sha256, ..
    } = &parsed[2].body
    else {
        panic!("entry 2 is key.enrolled")
    };
    assert_eq!(*enrollment_sha256, hash_of(&ENROLLMENT_2));
    let EntryBody::PledgePublished { text_sha256, .. } = &parsed[3].body else {
        panic!("entry 3 is pledge.published")
    };
    assert_eq!(*text_sha256, hash_of(&PLEDGE_TEXT));
    let EntryBody::CeremonyOpened {
        pledge_sha256,
        invitees_sha256,
        ..
    } = &parsed[4].body
    else {
        panic!("entry 4 is ceremony.opened")
    };
    assert_eq!(*pledge_sha256, hash_of(&PLEDGE_TEXT));
    assert_eq!(*invitees_sha256, hash_of(&INVITEES));
    assert_eq!(
        *invitees_sha256,
        invitees_digest(&[golden.andi, golden.siti])
    );
    let EntryBody::PledgeSigned {
        statement_sha256,
        fingerprint,
        ..
    } = &parsed[6].body
    else {
        panic!("entry 6 is pledge.signed")
    };
    assert_eq!(*statement_sha256, hash_of(&STATEMENT));
    assert_eq!(*fingerprint, public(&seed_key(2)).fingerprint());
}

#[test]
fn the_golden_log_passes_the_offline_audit() {
    let documents: Vec<&Frozen> = vec![&ENROLLMENT_0, &ENROLLMENT_2, &STATEMENT];
    let mut auditor = Auditor::default();
    for frozen in &ENTRIES {
        let mut lookup = |h: &Sha256Hash| {
            documents
                .iter()
                .find(|d| Sha256Hash::of(d.bytes) == *h)
                .map(|d| d.bytes.to_vec())
        };
        auditor
            .check(
                Some(Sha256Hash::of(frozen.bytes)),
                frozen.bytes,
                &mut lookup,
            )
            .unwrap_or_else(|f| panic!("{}: {f}", frozen.path));
    }
    let summary = auditor.finish().expect("the golden log ends cleanly");
    assert_eq!(summary.entries, 9);
    assert_eq!(summary.keys_enrolled, 2);
    assert_eq!(summary.keys_revoked, 1);
    assert_eq!(summary.enrollment_proofs_verified, 2);
    assert_eq!(summary.signatures_verified, 1);
    assert_eq!(summary.statements_erased, 0);
    assert_eq!(summary.head, Some(Sha256Hash::of(ENTRIES[8].bytes)));
}

#[test]
fn pakta_verify_accepts_the_golden_export() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/export.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(["verify", "--export", path])
        .output()
        .expect("run pakta");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK: 9 entries verified"), "{stdout}");
    let head = Sha256Hash::of(ENTRIES[8].bytes).to_hex();
    assert!(stdout.contains(&format!("head: {head}")), "{stdout}");
    assert!(stdout.contains("enrollment proofs verified: 2"), "{stdout}");
    assert!(stdout.contains("signatures verified: 1;"), "{stdout}");
}

#[test]
fn formats_md_quotes_every_vector_verbatim() {
    let golden = Golden::build();
    for (frozen, _) in golden.files() {
        if frozen.path == "export.jsonl" {
            // JSON Lines are shown in a ```json block; LF-terminated like the file.
            assert!(
                FORMATS_MD.contains(&format!("```json\n{}```\n", text(frozen))),
                "FORMATS.md must show {} verbatim",
                frozen.path
            );
        } else {
            assert!(
                FORMATS_MD.contains(&format!("```text\n{}```\n", text(frozen))),
                "FORMATS.md must show {} verbatim in a ```text block",
                frozen.path
            );
        }
    }
    assert!(FORMATS_MD.contains(&format!("```text\n{}```\n", text(&SHA256SUMS))));
}
