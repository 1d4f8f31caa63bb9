//! Golden vectors of representatives (docs/FORMATS.md sections 6.5 and 7.12): the golden
//! season's log extended by a second ceremony that allows representation, in which
//! Andi (subject 0101…01, his second key, seed [2; 32]) checks in, signs his own pakta
//! (a v2 statement) and then a `pakta/perwakilan/v1` representation statement on behalf
//! of Siti (0202…02) and Dewi (0303…03); his request for it; and the same statement
//! sealed as the registry issues it (seal secret [7; 32]). Written once by this code and
//! frozen. The extended log passes the offline audit with its documents; a python3
//! hashlib check, independent of this code, recomputes every SHA-256 including the
//! `represented-sha256` from the subject lines of the statement.

mod common;
mod golden;

use golden::{ENTRIES, Frozen, assert_still_produced, frozen};

use ed25519_dalek::{Signer, SigningKey};
use pakta::domain::audit::Auditor;
use pakta::domain::crypto::{PublicKey, Sha256Hash, Signature, encode_base64};
use pakta::domain::entry::{
    AttendanceMethod, Entry, EntryBody, SigningMode, entry_hash, invitees_digest,
};
use pakta::domain::identifier::Identifier;
use pakta::domain::ids::{CeremonyId, PledgeId, SubjectId};
use pakta::domain::record::parse_time;
use pakta::domain::representation::{
    RepresentationRequest, RepresentationStatement, RepresentedOfficial, is_sealed, seal,
};
use pakta::domain::statement::{Statement, StatementFormat};
use pakta::domain::zone::Zone;

const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");
const SEAL_SECRET: [u8; 32] = [7; 32];
const PLEDGE_TEXT: &[u8] =
    b"1. Netral.\n2. Tidak memihak.\n3. Bijak bermedia sosial.\n4. Menolak politik uang.\n";
const TITLE: &str = "Pakta Integritas Netralitas ASN Pilkada 2024";

const REQUEST: Frozen = frozen!("representation/request.txt");
const STATEMENT: Frozen = frozen!("representation/statement.txt");
const SEALED: Frozen = frozen!("representation/statement-sealed.txt");
const PLEDGE_STATEMENT: Frozen = frozen!("representation/pledge-statement-012.txt");
const VALUES: Frozen = frozen!("representation/values.txt");
const LOG: [Frozen; 5] = [
    frozen!("representation/009-ceremony.opened.txt"),
    frozen!("representation/010-representation.allowed.txt"),
    frozen!("representation/011-attendance.recorded.txt"),
    frozen!("representation/012-pledge.signed.txt"),
    frozen!("representation/013-representation.signed.txt"),
];
const SUMS: &str = include_str!("vectors/representation/SHA256SUMS");

fn andi_key() -> SigningKey {
    SigningKey::from_bytes(&[2; 32])
}

fn subject(byte: u8) -> SubjectId {
    SubjectId::from_random([byte; 16])
}

fn nip(text: &str) -> Identifier {
    Identifier::parse_any(text).unwrap()
}

fn ceremony() -> CeremonyId {
    CeremonyId::new(2).unwrap()
}

fn sign(text: &str) -> Signature {
    Signature::from_bytes(&andi_key().sign(text.as_bytes()).to_bytes())
}

fn request() -> RepresentationRequest {
    RepresentationRequest {
        ceremony: ceremony(),
        nip: nip("198001012005011001"),
        time: parse_time("2024-10-21T02:19:55Z").unwrap(),
    }
}

fn statement() -> RepresentationStatement {
    RepresentationStatement {
        zone: Zone::Wib,
        name: "Andi Wijaya, S.Pd.".into(),
        nip: nip("198001012005011001"),
        position: "Kepala Dinas Pendidikan".into(),
        unit: "Dinas Pendidikan".into(),
        ceremony: ceremony(),
        time: parse_time("2024-10-21T02:20:00Z").unwrap(),
        pledge_title: TITLE.into(),
        pledge_sha256: Sha256Hash::of(PLEDGE_TEXT),
        subject: subject(1),
        represented: vec![
            RepresentedOfficial {
                subject: subject(2),
                nip: nip("198502142010122002"),
                name: "Siti Rahmawati".into(),
                position: "Sekretaris Dinas".into(),
                unit: "Dinas Pendidikan".into(),
            },
            RepresentedOfficial {
                subject: subject(3),
                nip: nip("199105052015032004"),
                name: "Dewi Lestari".into(),
                position: "Guru Ahli Muda".into(),
                unit: "Dinas Pendidikan".into(),
            },
        ],
        nonce: "000102030405060708090a0b0c0d0e0f".into(),
    }
}

fn pledge_statement() -> Statement {
    Statement {
        format: StatementFormat::V2 { zone: Zone::Wib },
        pledge_title: TITLE.into(),
        pledge_sha256: Sha256Hash::of(PLEDGE_TEXT),
        ceremony: ceremony(),
        mode: SigningMode::Ceremony,
        subject: subject(1),
        nip: nip("198001012005011001"),
        name: "Andi Wijaya, S.Pd.".into(),
        position: "Kepala Dinas Pendidikan".into(),
        unit: "Dinas Pendidikan".into(),
        time: parse_time("2024-10-21T02:10:00Z").unwrap(),
        nonce: "101112131415161718191a1b1c1d1e1f".into(),
    }
}

/// Entries 9 to 13, chained onto the nine-entry golden log.
fn log() -> Vec<Vec<u8>> {
    let t = |s: &str| parse_time(s).unwrap();
    let key = PublicKey::from_bytes(&andi_key().verifying_key().to_bytes()).unwrap();
    let pledge_text = pledge_statement().encode();
    let representation = statement().encode();
    let bodies = [
        (
            t("2024-10-21T02:00:00Z"),
            EntryBody::CeremonyOpened {
                ceremony: ceremony(),
                pledge: PledgeId::new(1).unwrap(),
                pledge_sha256: Sha256Hash::of(PLEDGE_TEXT),
                invited: 3,
                invitees_sha256: invitees_digest(&[subject(1), subject(2), subject(3)]),
                campaign: None,
            },
        ),
        (
            t("2024-10-21T02:00:00Z"),
            EntryBody::RepresentationAllowed {
                ceremony: ceremony(),
            },
        ),
        (
            t("2024-10-21T02:05:00Z"),
            EntryBody::AttendanceRecorded {
                ceremony: ceremony(),
                subject: subject(1),
                method: AttendanceMethod::Desk,
            },
        ),
        (
            t("2024-10-21T02:10:30Z"),
            EntryBody::PledgeSigned {
                ceremony: ceremony(),
                subject: subject(1),
                mode: SigningMode::Ceremony,
                statement_sha256: Sha256Hash::of(pledge_text.as_bytes()),
                fingerprint: key.fingerprint(),
                signature: sign(&pledge_text),
            },
        ),
        (
            t("2024-10-21T02:20:30Z"),
            EntryBody::RepresentationSigned {
                ceremony: ceremony(),
                subject: subject(1),
                represented: 2,
                represented_sha256: statement().represented_sha256(),
                statement_sha256: Sha256Hash::of(representation.as_bytes()),
                fingerprint: key.fingerprint(),
                signature: sign(&representation),
            },
        ),
    ];
    let mut prev = entry_hash(ENTRIES[8].bytes);
    let mut out = Vec::new();
    for (i, (time, body)) in bodies.into_iter().enumerate() {
        let bytes = Entry {
            index: 9 + i as u64,
            time,
            prev,
            body,
        }
        .encode();
        prev = entry_hash(&bytes);
        out.push(bytes);
    }
    out
}

fn sealed() -> RepresentationStatement {
    let key = PublicKey::from_bytes(&andi_key().verifying_key().to_bytes()).unwrap();
    let mut sealed = statement();
    seal(&SEAL_SECRET, &key.fingerprint(), &mut sealed).unwrap();
    sealed
}

fn values() -> String {
    let text = statement().encode();
    format!(
        "request-signature: {}\nstatement-sha256: {}\nrepresented-sha256: {}\nsignature: {}\nsealed-nonce: {}\n",
        encode_base64(&andi_key().sign(request().encode().as_bytes()).to_bytes()),
        Sha256Hash::of(text.as_bytes()).to_hex(),
        statement().represented_sha256().to_hex(),
        sign(&text).to_base64(),
        sealed().nonce,
    )
}

fn produced() -> Vec<(&'static Frozen, Vec<u8>)> {
    let mut out = vec![
        (&REQUEST, request().encode().into_bytes()),
        (&STATEMENT, statement().encode().into_bytes()),
        (&SEALED, sealed().encode().into_bytes()),
        (&PLEDGE_STATEMENT, pledge_statement().encode().into_bytes()),
        (&VALUES, values().into_bytes()),
    ];
    out.extend(LOG.iter().zip(log()));
    out
}

#[test]
fn the_code_still_produces_the_representation_vectors_and_they_read_back() {
    assert_still_produced(produced());
    let text = std::str::from_utf8(STATEMENT.bytes).unwrap();
    assert_eq!(RepresentationStatement::parse(text).unwrap(), statement());
    let request_text = std::str::from_utf8(REQUEST.bytes).unwrap();
    assert_eq!(RepresentationRequest::parse(request_text), Some(request()));
    for (frozen, bytes) in LOG.iter().zip(log()) {
        let entry = Entry::parse(frozen.bytes).unwrap_or_else(|e| panic!("{}: {e}", frozen.path));
        assert_eq!(entry.encode(), bytes);
    }
    let key = PublicKey::from_bytes(&andi_key().verifying_key().to_bytes()).unwrap();
    let sealed_text = std::str::from_utf8(SEALED.bytes).unwrap();
    let sealed = RepresentationStatement::parse(sealed_text).unwrap();
    assert!(is_sealed(&SEAL_SECRET, &key.fingerprint(), &sealed));
}

#[test]
fn the_extended_golden_log_passes_the_audit_with_its_documents() {
    let documents: Vec<Vec<u8>> = vec![PLEDGE_STATEMENT.bytes.to_vec(), STATEMENT.bytes.to_vec()];
    let mut lookup = |h: &Sha256Hash| documents.iter().find(|d| Sha256Hash::of(d) == *h).cloned();
    let mut auditor = Auditor::default();
    for frozen in ENTRIES.iter().chain(LOG.iter()) {
        auditor
            .check(
                Some(Sha256Hash::of(frozen.bytes)),
                frozen.bytes,
                &mut lookup,
            )
            .unwrap_or_else(|f| panic!("{}: {f}", frozen.path));
    }
    let summary = auditor.finish().unwrap();
    assert_eq!(summary.entries, 14);
    assert_eq!(summary.representations_verified, 1);
    // The golden log's own documents were not handed in: counted as erased.
    assert_eq!(summary.signatures_verified, 1);

    // Without its statement the representation still stands, counted as erased.
    let mut auditor = Auditor::default();
    for frozen in ENTRIES.iter().chain(LOG.iter()) {
        auditor
            .check(
                Some(Sha256Hash::of(frozen.bytes)),
                frozen.bytes,
                &mut |_| None,
            )
            .unwrap();
    }
    assert_eq!(auditor.finish().unwrap().representations_erased, 1);
}

#[test]
fn the_audit_refuses_a_representation_before_the_own_signature_or_where_not_allowed() {
    let log = log();
    let audit = |entries: Vec<Vec<u8>>| {
        let mut auditor = Auditor::default();
        let mut prev = entry_hash(ENTRIES[8].bytes);
        for frozen in ENTRIES.iter() {
            auditor.check(None, frozen.bytes, &mut |_| None).unwrap();
        }
        for (i, bytes) in entries.into_iter().enumerate() {
            // Rechain so that only the rule, not the hashes, is at fault.
            let mut entry = Entry::parse(&bytes).unwrap();
            entry.index = 9 + i as u64;
            entry.prev = prev;
            let bytes = entry.encode();
            prev = entry_hash(&bytes);
            auditor.check(None, &bytes, &mut |_| None)?;
        }
        auditor.finish()
    };
    assert!(audit(log.clone()).is_ok());
    let mut not_allowed = log.clone();
    not_allowed.remove(1);
    let failure = audit(not_allowed).unwrap_err();
    assert!(
        failure.problem.contains("does not allow representation"),
        "{failure}"
    );
    let mut before_own = log.clone();
    before_own.swap(3, 4);
    let failure = audit(before_own).unwrap_err();
    assert!(
        failure.problem.contains("before signing their own pledge"),
        "{failure}"
    );
    let mut twice = log.clone();
    twice.push(log[4].clone());
    let failure = audit(twice).unwrap_err();
    assert!(
        failure.problem.contains("second representation"),
        "{failure}"
    );
}

#[test]
fn python_hashlib_recomputes_every_hash_independently() {
    let python = common::ensure_installed("python3", "python3");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/representation");
    let script = r#"
import hashlib, os, re, sys
d = sys.argv[1]
for line in open(os.path.join(d, "SHA256SUMS")):
    want, name = line.split()
    got = hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest()
    assert got == want, (name, got, want)
text = open(os.path.join(d, "statement.txt"), "rb").read()
subjects = sorted(re.findall(rb"^diwakili-[0-9]+-subjek: ([0-9a-f]{32})$", text, re.M))
represented = hashlib.sha256(b"".join(s + b"\n" for s in subjects)).hexdigest()
values = dict(l.split(": ", 1) for l in open(os.path.join(d, "values.txt")).read().splitlines())
assert represented == values["represented-sha256"], represented
assert hashlib.sha256(text).hexdigest() == values["statement-sha256"]
entry = open(os.path.join(d, "013-representation.signed.txt")).read()
assert "represented-sha256: " + represented + "\n" in entry
assert "statement-sha256: " + values["statement-sha256"] + "\n" in entry
print("ok", len(subjects))
"#;
    let out = std::process::Command::new(python)
        .args(["-c", script, dir])
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("ok 2"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every frozen file is listed.
    for (frozen, _) in produced() {
        let name = frozen.path.trim_start_matches("representation/");
        assert!(
            SUMS.contains(&format!("  {name}\n")),
            "{name} not in SHA256SUMS"
        );
    }
}

#[test]
fn formats_md_quotes_the_representation_vectors() {
    for frozen in [&REQUEST, &STATEMENT, &SEALED, &VALUES, &LOG[1], &LOG[4]] {
        let text = std::str::from_utf8(frozen.bytes).unwrap();
        assert!(
            FORMATS_MD.contains(&format!("```text\n{text}```\n")),
            "FORMATS.md does not quote {}",
            frozen.path
        );
    }
    for frozen in [&LOG[1], &LOG[4]] {
        assert!(FORMATS_MD.contains(&entry_hash(frozen.bytes).to_hex()));
    }
}
