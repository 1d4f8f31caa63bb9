//! Golden vectors of campaigns and the head's recap (docs/FORMATS.md 6.4, 7.4.1, 7.10,
//! 7.11): the golden season's log extended by `campaign.created`, a `ceremony.opened`
//! of the campaign and the head's `recap.signed`, with the recap request, the recap,
//! its sealed form and its list. Frozen like the other vectors; checked here against
//! the code, the offline audit and Ed25519, and independently with Python's hashlib
//! and hmac (the hashes, the chain and the seal).

mod common;
mod golden;

use ed25519_dalek::{Signer, SigningKey};
use golden::{ENTRIES, Frozen, assert_still_produced, frozen};

use pakta::domain::audit::Auditor;
use pakta::domain::crypto::{PublicKey, Sha256Hash, Signature};
use pakta::domain::entry::{Entry, EntryBody, entry_hash, invitees_digest};
use pakta::domain::identifier::{Identifier, OpdCode};
use pakta::domain::ids::{CampaignId, CeremonyId, PledgeId, SubjectId};
use pakta::domain::recap::{
    RecapCounts, RecapRequest, RecapStatement, count_recap_list, is_recap_sealed, recap_list,
    seal_recap,
};
use pakta::domain::record::parse_time;

const CAMPAIGN_CREATED: Frozen = frozen!("recap/009-campaign.created.txt");
const CEREMONY_OPENED: Frozen = frozen!("recap/010-ceremony.opened.txt");
const RECAP_SIGNED: Frozen = frozen!("recap/011-recap.signed.txt");
const REQUEST: Frozen = frozen!("recap/recap-request.txt");
const RECAP: Frozen = frozen!("recap/recap.txt");
const RECAP_SEALED: Frozen = frozen!("recap/recap-sealed.txt");
const LIST: Frozen = frozen!("recap/recap-list.txt");
const VALUES: Frozen = frozen!("recap/values.txt");
const SUMS: Frozen = frozen!("recap/SHA256SUMS");
const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");

const PLEDGE_SHA256: &str = "d3cb76300d776197d1f678a3c84a87d551b0901f951acd80040f7a5f7b9dd207";

fn key2() -> SigningKey {
    SigningKey::from_bytes(&[2; 32])
}

fn value(name: &str) -> String {
    std::str::from_utf8(VALUES.bytes)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("{name} in values.txt"))
        .to_string()
}

fn nip(text: &str) -> Identifier {
    Identifier::parse_any(text).unwrap()
}

fn recap() -> (RecapStatement, String) {
    let list = recap_list(&[
        (nip("198001012005011001"), "signed"),
        (nip("198502142010122002"), "not-signed"),
    ]);
    let recap = RecapStatement {
        campaign: CampaignId::new(1).unwrap(),
        campaign_title: "Pilkada Serentak 2024".into(),
        opd: OpdCode::parse("DISDIK").unwrap(),
        opd_name: "Dinas Pendidikan".into(),
        counts: RecapCounts {
            invited: 2,
            signed: 1,
            represented: 0,
            not_signed: 1,
        },
        list_sha256: Sha256Hash::of(list.as_bytes()),
        head_nip: nip("198001012005011001"),
        head_name: "Andi Wijaya, S.Pd.".into(),
        head_subject: SubjectId::from_random([1; 16]),
        time: parse_time("2024-10-21T02:59:30Z").unwrap(),
        nonce: "000102030405060708090a0b0c0d0e0f".into(),
    };
    (recap, list)
}

fn entries(recap_text: &str) -> [Entry; 3] {
    let campaign = CampaignId::new(1).unwrap();
    let pledge_sha256 = Sha256Hash::parse_hex("pledge", PLEDGE_SHA256).unwrap();
    let key = PublicKey::from_bytes(&key2().verifying_key().to_bytes()).unwrap();
    let e9 = Entry {
        index: 9,
        time: parse_time("2024-10-21T01:00:00Z").unwrap(),
        prev: entry_hash(ENTRIES[8].bytes),
        body: EntryBody::CampaignCreated {
            campaign,
            title: "Pilkada Serentak 2024".into(),
            pledge: PledgeId::new(1).unwrap(),
            pledge_sha256,
        },
    };
    let e10 = Entry {
        index: 10,
        time: parse_time("2024-10-21T02:00:00Z").unwrap(),
        prev: entry_hash(&e9.encode()),
        body: EntryBody::CeremonyOpened {
            ceremony: CeremonyId::new(2).unwrap(),
            pledge: PledgeId::new(1).unwrap(),
            pledge_sha256,
            invited: 1,
            invitees_sha256: invitees_digest(&[SubjectId::from_random([2; 16])]),
            campaign: Some(campaign),
        },
    };
    let e11 = Entry {
        index: 11,
        time: parse_time("2024-10-21T03:00:00Z").unwrap(),
        prev: entry_hash(&e10.encode()),
        body: EntryBody::RecapSigned {
            campaign,
            opd: OpdCode::parse("DISDIK").unwrap(),
            subject: SubjectId::from_random([1; 16]),
            statement_sha256: Sha256Hash::of(recap_text.as_bytes()),
            fingerprint: key.fingerprint(),
            signature: Signature::from_bytes(&key2().sign(recap_text.as_bytes()).to_bytes()),
        },
    };
    [e9, e10, e11]
}

#[test]
fn the_code_still_produces_every_recap_vector() {
    let (recap, list) = recap();
    let text = recap.encode();
    let request = RecapRequest {
        campaign: CampaignId::new(1).unwrap(),
        opd: OpdCode::parse("DISDIK").unwrap(),
        nip: nip("198001012005011001"),
        time: parse_time("2024-10-21T02:59:25Z").unwrap(),
    };
    let key = PublicKey::from_bytes(&key2().verifying_key().to_bytes()).unwrap();
    let mut sealed = recap.clone();
    seal_recap(&[7; 32], &key.fingerprint(), &mut sealed).unwrap();
    let [e9, e10, e11] = entries(&text);
    assert_still_produced([
        (&CAMPAIGN_CREATED, e9.encode()),
        (&CEREMONY_OPENED, e10.encode()),
        (&RECAP_SIGNED, e11.encode()),
        (&REQUEST, request.encode().into_bytes()),
        (&RECAP, text.clone().into_bytes()),
        (&RECAP_SEALED, sealed.encode().into_bytes()),
        (&LIST, list.clone().into_bytes()),
    ]);
    for (frozen, entry) in [
        (&CAMPAIGN_CREATED, e9),
        (&CEREMONY_OPENED, e10),
        (&RECAP_SIGNED, e11),
    ] {
        assert_eq!(
            Entry::parse(frozen.bytes).unwrap(),
            entry,
            "{}",
            frozen.path
        );
    }
    assert_eq!(RecapStatement::parse(&text).unwrap(), recap);
    assert_eq!(
        RecapRequest::parse(std::str::from_utf8(REQUEST.bytes).unwrap()),
        Some(request)
    );
    assert_eq!(count_recap_list(&list), Ok(recap.counts));
    assert_eq!(sealed.nonce, value("sealed-nonce"));
    assert!(is_recap_sealed(&[7; 32], &key.fingerprint(), &sealed));
    assert_eq!(value("seal-key-fingerprint"), key.fingerprint().to_hex());
    assert_eq!(value("recap-sha256"), Sha256Hash::of(RECAP.bytes).to_hex());
    assert_eq!(value("list-sha256"), Sha256Hash::of(LIST.bytes).to_hex());
    for (name, message) in [
        ("recap-request-signature", REQUEST.bytes),
        ("recap-signature", RECAP.bytes),
    ] {
        let signature = Signature::from_base64("signature", &value(name)).unwrap();
        assert!(key.verify_strict(message, &signature), "{name}");
    }
}

#[test]
fn the_extended_golden_log_passes_the_audit_with_the_recap_and_its_list() {
    let side = |h: &Sha256Hash| {
        [RECAP.bytes, LIST.bytes]
            .into_iter()
            .find(|d| Sha256Hash::of(d) == *h)
            .map(<[u8]>::to_vec)
    };
    let mut auditor = Auditor::default();
    for frozen in ENTRIES
        .iter()
        .chain([&CAMPAIGN_CREATED, &CEREMONY_OPENED, &RECAP_SIGNED])
    {
        auditor
            .check(Some(Sha256Hash::of(frozen.bytes)), frozen.bytes, &mut |h| {
                side(h)
            })
            .unwrap_or_else(|f| panic!("{}: {f}", frozen.path));
    }
    let summary = auditor.finish().unwrap();
    assert_eq!(
        (summary.entries, summary.campaigns, summary.recaps_verified),
        (12, 1, 1)
    );

    // The same log with the list altered beside it fails at the recap's entry.
    let altered = String::from_utf8(LIST.bytes.to_vec())
        .unwrap()
        .replace("not-signed", "signed");
    let mut auditor = Auditor::default();
    let mut failure = None;
    for frozen in ENTRIES
        .iter()
        .chain([&CAMPAIGN_CREATED, &CEREMONY_OPENED, &RECAP_SIGNED])
    {
        let list_hash = Sha256Hash::of(LIST.bytes);
        let result = auditor.check(Some(Sha256Hash::of(frozen.bytes)), frozen.bytes, &mut |h| {
            if *h == list_hash {
                Some(altered.clone().into_bytes())
            } else {
                side(h)
            }
        });
        if let Err(f) = result {
            failure = Some(f);
            break;
        }
    }
    assert_eq!(failure.expect("the altered list is caught").index, 11);
}

/// The hashes, the chain from the golden entry 8 and the seal, recomputed by Python's
/// standard library alone, from the files and docs/FORMATS.md's definitions.
const PYTHON_CHECK: &str = r#"
import hashlib, hmac, sys, os
d = sys.argv[1]
def read(n): return open(os.path.join(d, n), "rb").read()
for line in read("SHA256SUMS").decode().splitlines():
    want, name = line.split("  ")
    assert hashlib.sha256(read(name)).hexdigest() == want, name
def fields(raw): return dict(l.split(": ", 1) for l in raw.decode().splitlines() if ": " in l)
prev = "78d3165e100210d6d2ca4418b6d6a043caba0236e0fcee80aa2ae1eb56791a3f"  # golden entry 8
for n in ["009-campaign.created.txt", "010-ceremony.opened.txt", "011-recap.signed.txt"]:
    f = fields(read(n))
    assert f["prev"] == prev, n
    prev = hashlib.sha256(read(n)).hexdigest()
assert fields(read("010-ceremony.opened.txt"))["campaign"] == "1"
assert fields(read("011-recap.signed.txt"))["statement-sha256"] == hashlib.sha256(read("recap.txt")).hexdigest()
assert fields(read("recap.txt"))["sha256-daftar"] == hashlib.sha256(read("recap-list.txt")).hexdigest()
v = fields(read("values.txt"))
sealed = read("recap-sealed.txt")
body = sealed[: sealed.rstrip(b"\n").rfind(b"\n") + 1]
tag = hmac.new(bytes.fromhex(v["seal-secret"]), b"pakta/rekap-seal/v1\n"
               + v["seal-key-fingerprint"].encode() + b"\n" + body, hashlib.sha256).hexdigest()[:32]
assert tag == v["sealed-nonce"] == fields(sealed)["segel"], tag
print("ok")
"#;

#[test]
fn python_hashlib_and_hmac_agree_on_every_recap_hash_and_the_seal() {
    let python = common::ensure_installed("python3", "python3");
    let out = std::process::Command::new(python)
        .args(["-c", PYTHON_CHECK])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/recap"))
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout == b"ok\n",
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn formats_md_quotes_every_recap_vector() {
    for frozen in [
        &CAMPAIGN_CREATED,
        &CEREMONY_OPENED,
        &RECAP_SIGNED,
        &REQUEST,
        &RECAP,
        &RECAP_SEALED,
        &LIST,
        &VALUES,
        &SUMS,
    ] {
        let text = std::str::from_utf8(frozen.bytes).unwrap();
        assert!(
            FORMATS_MD.contains(&format!("```text\n{text}```\n")),
            "FORMATS.md must show {} verbatim",
            frozen.path
        );
    }
}
