//! Golden vectors of signing protocol version 2 (`docs/FORMATS.md`, section 6.1 and
//! 6.2): the statement request an official's key signs to ask for its statement, and
//! the seal the registry puts in a statement's nonce to recognise it later without
//! having stored it.
//!
//! Fixed inputs (the seed-2 key of the other golden vectors, Andi's NIP, ceremony 1, a
//! seal secret of 32 bytes `0x07`) are run through the library, and the result must
//! equal the frozen files under `tests/vectors/protocol-v2/`, written once by this code
//! and never regenerated: a failure here means the change altered bytes that browsers,
//! the CLI and outside clients rely on, which needs a new format version instead.

mod golden;

use golden::{Frozen, assert_still_produced, frozen};

use ed25519_dalek::{Signer, SigningKey};

use pakta::domain::crypto::{PublicKey, encode_base64};
use pakta::domain::identifier::Identifier;
use pakta::domain::ids::CeremonyId;
use pakta::domain::record::parse_time;
use pakta::domain::signing_protocol::{StatementRequest, is_sealed, seal};
use pakta::domain::statement::Statement;

const REQUEST: Frozen = frozen!("protocol-v2/statement-request.txt");
const SEALED_STATEMENT: Frozen = frozen!("protocol-v2/statement-sealed.txt");
const VALUES: Frozen = frozen!("protocol-v2/values.txt");
/// The golden statement of the other vectors, whose nonce the seal replaces.
const STATEMENT: Frozen = frozen!("documents/statement-006.txt");

const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");
const SEAL_SECRET: [u8; 32] = [7; 32];

fn key() -> SigningKey {
    SigningKey::from_bytes(&[2; 32])
}

fn text(frozen: &Frozen) -> &'static str {
    std::str::from_utf8(frozen.bytes).unwrap()
}

struct Produced {
    request: String,
    request_signature: String,
    sealed: Statement,
}

fn produce() -> Produced {
    let request = StatementRequest {
        ceremony: CeremonyId::new(1).unwrap(),
        nip: Identifier::parse_any("198001012005011001").unwrap(),
        time: parse_time("2024-10-07T02:09:55Z").unwrap(),
    }
    .encode();
    let request_signature = encode_base64(&key().sign(request.as_bytes()).to_bytes());
    let public = PublicKey::from_bytes(&key().verifying_key().to_bytes()).unwrap();
    let mut sealed = Statement::parse(text(&STATEMENT)).unwrap();
    seal(&SEAL_SECRET, &public.fingerprint(), &mut sealed).unwrap();
    Produced {
        request,
        request_signature,
        sealed,
    }
}

fn values(p: &Produced) -> String {
    let public = PublicKey::from_bytes(&key().verifying_key().to_bytes()).unwrap();
    format!(
        "statement-request-signature: {}\nseal-secret: {}\nseal-key-fingerprint: {}\nsealed-nonce: {}\n",
        p.request_signature,
        hex::encode(SEAL_SECRET),
        public.fingerprint().to_hex(),
        p.sealed.nonce,
    )
}

#[test]
fn the_code_still_produces_every_protocol_v2_vector() {
    let p = produce();
    assert_still_produced([
        (&REQUEST, p.request.clone().into_bytes()),
        (&SEALED_STATEMENT, p.sealed.encode().into_bytes()),
        (&VALUES, values(&p).into_bytes()),
    ]);
}

#[test]
fn the_request_reads_back_and_the_seal_is_recognised_only_as_issued() {
    let p = produce();
    assert!(StatementRequest::parse(text(&REQUEST)).is_some());
    let public = PublicKey::from_bytes(&key().verifying_key().to_bytes()).unwrap();
    let sealed = Statement::parse(text(&SEALED_STATEMENT)).unwrap();
    assert!(is_sealed(&SEAL_SECRET, &public.fingerprint(), &sealed));
    // The golden statement of version 1 carries a nonce no registry sealed.
    let unsealed = Statement::parse(text(&STATEMENT)).unwrap();
    assert!(!is_sealed(&SEAL_SECRET, &public.fingerprint(), &unsealed));
    assert_eq!(sealed.nonce, p.sealed.nonce);
}

#[test]
fn formats_md_quotes_every_protocol_v2_vector_verbatim() {
    for frozen in [&REQUEST, &SEALED_STATEMENT, &VALUES] {
        assert!(
            FORMATS_MD.contains(&format!("```text\n{}```\n", text(frozen))),
            "FORMATS.md must show {} verbatim in a ```text block",
            frozen.path
        );
    }
}
