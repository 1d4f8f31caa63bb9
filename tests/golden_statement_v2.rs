//! Golden vectors of `pakta/statement/v2` (docs/FORMATS.md section 6.3): the golden
//! season's statement for Andi written as v2, in WIB, its Ed25519 signature by Andi's
//! second key (seed [2; 32]), and the same statement sealed as the registry issues it
//! (seal secret [7; 32], as in the protocol-v2 vectors). Written once by this code and
//! frozen; the v1 statement of the golden log still reads and verifies beside it.

mod golden;

use golden::{Frozen, assert_still_produced, frozen};

use ed25519_dalek::{Signer, SigningKey};
use pakta::domain::crypto::{PublicKey, Sha256Hash, Signature, encode_base64};
use pakta::domain::entry::SigningMode;
use pakta::domain::identifier::Identifier;
use pakta::domain::ids::{CeremonyId, SubjectId};
use pakta::domain::record::parse_time;
use pakta::domain::signing_protocol::{is_sealed, seal};
use pakta::domain::statement::{Statement, StatementFormat};
use pakta::domain::zone::Zone;

const STATEMENT_V2: Frozen = frozen!("statement-v2/statement.txt");
const SEALED_V2: Frozen = frozen!("statement-v2/statement-sealed.txt");
const VALUES: Frozen = frozen!("statement-v2/values.txt");
const STATEMENT_V1: Frozen = frozen!("documents/statement-006.txt");
const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");
const SEAL_SECRET: [u8; 32] = [7; 32];

fn andi_key() -> SigningKey {
    SigningKey::from_bytes(&[2; 32])
}

fn statement() -> Statement {
    Statement {
        format: StatementFormat::V2 { zone: Zone::Wib },
        pledge_title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
        pledge_sha256: Sha256Hash::of(
            b"1. Netral.\n2. Tidak memihak.\n3. Bijak bermedia sosial.\n4. Menolak politik uang.\n",
        ),
        ceremony: CeremonyId::new(1).unwrap(),
        mode: SigningMode::Ceremony,
        subject: SubjectId::from_random([1; 16]),
        nip: Identifier::parse_any("198001012005011001").unwrap(),
        name: "Andi Wijaya, S.Pd.".into(),
        position: "Kepala Dinas Pendidikan".into(),
        unit: "Dinas Pendidikan".into(),
        time: parse_time("2024-10-07T02:10:00Z").unwrap(),
        nonce: "000102030405060708090a0b0c0d0e0f".into(),
    }
}

fn produced() -> (String, String, String) {
    let text = statement().encode();
    let signature = encode_base64(&andi_key().sign(text.as_bytes()).to_bytes());
    let public = PublicKey::from_bytes(&andi_key().verifying_key().to_bytes()).unwrap();
    let mut sealed = statement();
    seal(&SEAL_SECRET, &public.fingerprint(), &mut sealed).unwrap();
    let values = format!(
        "statement-sha256: {}\nsignature: {signature}\nsealed-nonce: {}\n",
        Sha256Hash::of(text.as_bytes()).to_hex(),
        sealed.nonce
    );
    (text, sealed.encode(), values)
}

#[test]
fn the_code_still_produces_every_statement_v2_vector() {
    let (text, sealed, values) = produced();
    assert_still_produced([
        (&STATEMENT_V2, text.into_bytes()),
        (&SEALED_V2, sealed.into_bytes()),
        (&VALUES, values.into_bytes()),
    ]);
}

#[test]
fn both_formats_read_back_and_the_v2_signature_and_seal_verify() {
    let text = std::str::from_utf8(STATEMENT_V2.bytes).unwrap();
    let v2 = Statement::parse(text).unwrap();
    assert_eq!(v2, statement());
    let v1 = Statement::parse(std::str::from_utf8(STATEMENT_V1.bytes).unwrap()).unwrap();
    assert_eq!(v1.format, StatementFormat::V1);
    // The same facts in both forms: only the writing differs.
    assert_eq!(
        (
            v1.subject,
            v1.ceremony,
            v1.mode,
            v1.pledge_sha256,
            v1.time,
            &v1.name
        ),
        (
            v2.subject,
            v2.ceremony,
            v2.mode,
            v2.pledge_sha256,
            v2.time,
            &v2.name
        )
    );
    let values = std::str::from_utf8(VALUES.bytes).unwrap();
    let signature = values
        .lines()
        .find_map(|l| l.strip_prefix("signature: "))
        .unwrap();
    let public = PublicKey::from_bytes(&andi_key().verifying_key().to_bytes()).unwrap();
    let signature = Signature::from_base64("signature", signature).unwrap();
    assert!(public.verify_strict(STATEMENT_V2.bytes, &signature));
    let sealed = Statement::parse(std::str::from_utf8(SEALED_V2.bytes).unwrap()).unwrap();
    assert!(is_sealed(&SEAL_SECRET, &public.fingerprint(), &sealed));
}

#[test]
fn formats_md_quotes_every_statement_v2_vector_verbatim() {
    for frozen in [&STATEMENT_V2, &SEALED_V2, &VALUES] {
        let text = std::str::from_utf8(frozen.bytes).unwrap();
        assert!(
            FORMATS_MD.contains(&format!("```text\n{text}```\n")),
            "{} is not quoted",
            frozen.path
        );
    }
}
