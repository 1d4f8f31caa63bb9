//! Golden vectors of the witness formats (`docs/FORMATS.md`, section 14.3): a witness's
//! verifier key, the golden checkpoint of size 9 with that witness's cosignature, and the
//! `add-checkpoint` request from size 4 to 9, pinned byte for byte.
//!
//! Fixed inputs: the witness key from the seed [5; 32] named `saksi.example/bawaslu`, the
//! cosignature time 1728267030 (2024-10-07T02:10:30Z), the golden checkpoint and the
//! consistency proof 4 → 9 of `tests/vectors/transparency/`. The files under
//! `tests/vectors/witness/` are never regenerated: a failure here after a code change
//! means the change altered bytes that witnesses, registries and receipts rely on.
//!
//! Each file is checked against the library and against a construction written out here
//! from the C2SP texts with nothing but SHA-256, Ed25519 and base64; FORMATS.md must quote
//! the key and the cosigned checkpoint verbatim.

mod golden;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

use golden::{Frozen, assert_still_produced, frozen};
use pakta::domain::cosignature::{WitnessKey, cosign, vouches};
use pakta::domain::crypto::Sha256Hash;
use pakta::domain::note::VerifierKey;
use pakta::domain::witness::{AddCheckpoint, Cosigned, judge};

const VKEY: Frozen = frozen!("witness/vkey.txt");
const COSIGNED: Frozen = frozen!("witness/checkpoint-9-cosigned.txt");
const ADD_CHECKPOINT: Frozen = frozen!("witness/add-checkpoint-4-9.txt");
const SUMS: Frozen = frozen!("witness/SHA256SUMS");
const CHECKPOINT: Frozen = frozen!("transparency/checkpoint-9.txt");
const LOG_VKEY: Frozen = frozen!("transparency/vkey.txt");
const ROOTS: Frozen = frozen!("transparency/roots.txt");

const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");

const NAME: &str = "saksi.example/bawaslu";
const SEED: [u8; 32] = [5; 32];
const TIME: u64 = 1728267030;
/// The consistency proof 4 → 9 of `transparency/proof-consistency-4-9.json`.
const PROOF_4_9: [&str; 2] = [
    "aKQibLXTpkrN2Be1h8JMNe1QadRzWUzt2VoXDcrKaOY=",
    "4NYVedghz8Jd8db8aVFpvkESSq3axwKPDwAN7jMbA8g=",
];

fn text(frozen: &Frozen) -> &'static str {
    std::str::from_utf8(frozen.bytes).unwrap()
}

/// The checkpoint's signed text: origin, size, root, each with its LF.
fn checkpoint_text() -> String {
    text(&CHECKPOINT).split_inclusive('\n').take(3).collect()
}

fn proof() -> Vec<Sha256Hash> {
    PROOF_4_9
        .iter()
        .map(|h| Sha256Hash::from_slice(&STANDARD.decode(h).unwrap()).unwrap())
        .collect()
}

#[test]
fn the_library_still_produces_every_frozen_file() {
    let key = SigningKey::from_bytes(&SEED);
    let vkey = WitnessKey::new(NAME, pakta::keyfile::public_key(&key));
    let cosigned = format!(
        "{}{}",
        text(&CHECKPOINT),
        cosign(&checkpoint_text(), NAME, &key, TIME)
    );
    let request = AddCheckpoint {
        old_size: 4,
        proof: proof(),
        note: text(&CHECKPOINT).to_string(),
    };
    assert_still_produced([
        (&VKEY, format!("{vkey}\n").into_bytes()),
        (&COSIGNED, cosigned.into_bytes()),
        (&ADD_CHECKPOINT, request.encode().into_bytes()),
    ]);
    let sums: Vec<String> = [&VKEY, &COSIGNED, &ADD_CHECKPOINT]
        .iter()
        .map(|f| {
            format!(
                "{}  {}\n",
                hex::encode(Sha256::digest(f.bytes)),
                f.path.strip_prefix("witness/").unwrap()
            )
        })
        .collect();
    assert_eq!(text(&SUMS), sums.concat());
}

#[test]
fn the_cosignature_is_the_specs_construction_written_out() {
    let key = SigningKey::from_bytes(&SEED);
    let public = key.verifying_key().to_bytes();
    // tlog-cosignature: key ID = SHA-256(name || "\n" || 0x04 || key)[:4].
    let id = &Sha256::new()
        .chain_update(NAME.as_bytes())
        .chain_update(b"\n")
        .chain_update([0x04])
        .chain_update(public)
        .finalize()[..4];
    let mut typed = vec![0x04];
    typed.extend_from_slice(&public);
    assert_eq!(
        text(&VKEY),
        format!("{NAME}+{}+{}\n", hex::encode(id), STANDARD.encode(&typed))
    );
    // The signed message: the header line, the time line, the checkpoint text.
    let message = format!("cosignature/v1\ntime {TIME}\n{}", checkpoint_text());
    let mut signature = id.to_vec();
    signature.extend_from_slice(&TIME.to_be_bytes());
    signature.extend_from_slice(&key.sign(message.as_bytes()).to_bytes());
    assert_eq!(
        text(&COSIGNED),
        format!(
            "{}\u{2014} {NAME} {}\n",
            text(&CHECKPOINT),
            STANDARD.encode(&signature)
        )
    );
    // And the library reads back exactly that witness and time.
    let vkey = WitnessKey::parse(text(&VKEY)).unwrap();
    let found = vouches(text(&COSIGNED), &[vkey]).unwrap();
    assert_eq!(
        (found.len(), found[0].name.as_str(), found[0].timestamp),
        (1, NAME, TIME)
    );
}

#[test]
fn the_request_is_laid_out_as_the_witness_protocol_says_and_is_accepted() {
    let body = text(&ADD_CHECKPOINT);
    assert_eq!(
        body,
        format!(
            "old 4\n{}\n{}\n\n{}",
            PROOF_4_9[0],
            PROOF_4_9[1],
            text(&CHECKPOINT)
        )
    );
    let request = AddCheckpoint::parse(body).unwrap();
    let log = VerifierKey::parse(text(&LOG_VKEY).trim_end()).unwrap();
    // A witness that last cosigned size 4 (its root from roots.txt) cosigns size 9.
    let root_4 = text(&ROOTS)
        .lines()
        .find_map(|l| l.strip_prefix("size-4: "))
        .unwrap();
    let seen = Cosigned {
        size: 4,
        root: Sha256Hash::from_slice(&hex::decode(root_4).unwrap()).unwrap(),
    };
    let (checkpoint, signed_text) = judge(&request, Some(&log), Some(&seen)).unwrap();
    assert_eq!((checkpoint.size, signed_text), (9, checkpoint_text()));
}

#[test]
fn formats_md_quotes_the_witness_vectors_verbatim() {
    for frozen in [&VKEY, &COSIGNED] {
        assert!(
            FORMATS_MD.contains(text(frozen)),
            "FORMATS.md does not quote {}",
            frozen.path
        );
    }
}
