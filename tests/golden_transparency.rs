//! Golden vectors of the transparency log (`docs/FORMATS.md`, sections 12 to 17): the
//! Merkle tree over the nine golden entries, the log's verifier key, a signed
//! checkpoint, proofs, tiles and a receipt, pinned byte for byte.
//!
//! Fixed inputs: the entries of `tests/vectors/entries/`, the log key from the seed
//! [2; 32], the origin `pakta.example/kabupaten-contoh`, and for the receipt the golden
//! statement with its signature. The files under `tests/vectors/transparency/` were
//! written once from the library's public API and are never regenerated: if a test here
//! fails after a code change, the change altered bytes that auditors, mirrors and
//! receipts already in officials' hands rely on.
//!
//! The same files are checked three ways: against the library's domain functions,
//! against the real HTTP server started over the nine entries, and against the
//! `signed_note` and `tlog_tiles` crates, an independent implementation of the same C2SP
//! specifications (plus the RFC 6962 tree written out here with SHA-256 alone). A last
//! test checks that FORMATS.md quotes every text vector verbatim.

mod common;
mod golden;

use common::TestApp;
use golden::{ENTRIES, Frozen, assert_still_produced, frozen};
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use pakta::app::{ConsistencyProof, InclusionProof, log_key_path};
use pakta::domain::crypto::{PublicKey, Sha256Hash, Signature, encode_base64};
use pakta::domain::merkle::{
    completed_by_append, consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash,
    root, verify_consistency, verify_inclusion,
};
use pakta::domain::note::{Checkpoint, VerifierKey, key_id};
use pakta::domain::receipt::{Receipt, TLOG_PROOF_HEADER};
use pakta::domain::tiles::{TileKind, TilePath, entry_bundle, split_bundle};
use pakta::store::Store;

const VKEY: Frozen = frozen!("transparency/vkey.txt");
const CHECKPOINT: Frozen = frozen!("transparency/checkpoint-9.txt");
const ROOTS: Frozen = frozen!("transparency/roots.txt");
const INCLUSION: Frozen = frozen!("transparency/proof-inclusion-6-9.json");
const CONSISTENCY_4: Frozen = frozen!("transparency/proof-consistency-4-9.json");
const CONSISTENCY_6: Frozen = frozen!("transparency/proof-consistency-6-9.json");
const HASH_TILE: Frozen = frozen!("transparency/tile/0/000.p/9");
const ENTRY_TILE: Frozen = frozen!("transparency/tile/entries/000.p/9");
const RECEIPT: Frozen = frozen!("transparency/receipt-006.tlog-proof");
const SHA256SUMS: Frozen = frozen!("transparency/SHA256SUMS");

const STATEMENT: Frozen = frozen!("documents/statement-006.txt");
const KEYS: Frozen = frozen!("keys.txt");

const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");

const ORIGIN: &str = "pakta.example/kabupaten-contoh";
const LOG_SEED: [u8; 32] = [2; 32];
/// The receipt is for the pledge.signed entry.
const RECEIPT_INDEX: u64 = 6;

fn text(frozen: &Frozen) -> &'static str {
    std::str::from_utf8(frozen.bytes).unwrap_or_else(|_| panic!("{} is not UTF-8", frozen.path))
}

fn vector_path(frozen: &Frozen) -> String {
    format!(
        "{}/tests/vectors/{}",
        env!("CARGO_MANIFEST_DIR"),
        frozen.path
    )
}

/// `name: value` lines of `keys.txt`.
fn keys() -> BTreeMap<&'static str, &'static str> {
    text(&KEYS)
        .lines()
        .map(|line| line.split_once(": ").expect("keys.txt line is name: value"))
        .collect()
}

/// The tree as the registry stores it: the hash of every complete subtree, filled in
/// entry by entry exactly as an append does.
struct Tree(HashMap<(u32, u64), Sha256Hash>);

impl Tree {
    fn of(entries: &[Frozen]) -> Tree {
        let mut nodes = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            for (level, node) in completed_by_append(index as u64) {
                let hash = if level == 0 {
                    leaf_hash(entry.bytes)
                } else {
                    node_hash(
                        &nodes[&(level - 1, 2 * node)],
                        &nodes[&(level - 1, 2 * node + 1)],
                    )
                };
                nodes.insert((level, node), hash);
            }
        }
        Tree(nodes)
    }

    fn lookup(&self) -> impl FnMut(u32, u64) -> Result<Sha256Hash, Infallible> + '_ {
        |level, index| Ok(self.0[&(level, index)])
    }

    fn root(&self, size: u64) -> Sha256Hash {
        root(size, &mut self.lookup()).unwrap()
    }

    fn inclusion(&self, index: u64, size: u64) -> Vec<Sha256Hash> {
        inclusion_proof(index, size, &mut self.lookup()).unwrap()
    }

    fn consistency(&self, from: u64, to: u64) -> Vec<Sha256Hash> {
        consistency_proof(from, to, &mut self.lookup()).unwrap()
    }
}

fn b64(hashes: &[Sha256Hash]) -> Vec<String> {
    hashes.iter().map(|h| encode_base64(&h.0)).collect()
}

/// Everything the fixed inputs produce, built only through the public API.
struct Golden {
    tree: Tree,
    log_key: SigningKey,
    vkey: VerifierKey,
}

impl Golden {
    fn build() -> Golden {
        let log_key = SigningKey::from_bytes(&LOG_SEED);
        let public = PublicKey::from_bytes(&log_key.verifying_key().to_bytes()).unwrap();
        Golden {
            tree: Tree::of(&ENTRIES),
            vkey: VerifierKey::new(ORIGIN, public),
            log_key,
        }
    }

    fn size(&self) -> u64 {
        ENTRIES.len() as u64
    }

    /// What `GET /api/registry/vkey` serves: the key and a line feed.
    fn vkey_text(&self) -> String {
        format!("{}\n", self.vkey)
    }

    fn checkpoint(&self) -> String {
        Checkpoint {
            origin: ORIGIN.into(),
            size: self.size(),
            root: self.tree.root(self.size()),
        }
        .sign(&self.log_key)
    }

    fn roots_text(&self) -> String {
        (1..=self.size())
            .map(|n| format!("size-{n}: {}\n", self.tree.root(n).to_hex()))
            .collect()
    }

    /// The reply bodies of the proof routes, through the same types and serializer the
    /// handlers use.
    fn inclusion_json(&self, index: u64, size: u64) -> String {
        serde_json::to_string(&InclusionProof {
            index,
            size,
            hashes: b64(&self.tree.inclusion(index, size)),
        })
        .unwrap()
    }

    fn consistency_json(&self, from: u64, to: u64) -> String {
        serde_json::to_string(&ConsistencyProof {
            from,
            to,
            hashes: b64(&self.tree.consistency(from, to)),
        })
        .unwrap()
    }

    /// Tile 0/000.p/9: the nine leaf hashes (tree level 0), concatenated.
    fn hash_tile(&self) -> Vec<u8> {
        (0..self.size())
            .flat_map(|i| self.tree.0[&(0, i)].0)
            .collect()
    }

    fn entry_tile(&self) -> Vec<u8> {
        entry_bundle(ENTRIES.iter().map(|e| e.bytes))
    }

    /// Andi's receipt for his signature: the golden statement, the seed-2 key and the
    /// signature frozen in keys.txt, entry 6 and its proof under the checkpoint of size 9.
    fn receipt(&self) -> Receipt {
        let keys = keys();
        let index = RECEIPT_INDEX;
        Receipt {
            key: PublicKey::from_base64(keys["seed-2-public-key"]).unwrap(),
            signature: Signature::from_base64("signature", keys["statement-006-signature"])
                .unwrap(),
            document: text(&STATEMENT).to_string(),
            entry: ENTRIES[index as usize].bytes.to_vec(),
            index,
            proof: self.tree.inclusion(index, self.size()),
            checkpoint: self.checkpoint(),
        }
    }

    /// Every frozen file but SHA256SUMS, and the bytes the code produces for it today.
    fn files(&self) -> Vec<(&'static Frozen, Vec<u8>)> {
        vec![
            (&VKEY, self.vkey_text().into_bytes()),
            (&CHECKPOINT, self.checkpoint().into_bytes()),
            (&ROOTS, self.roots_text().into_bytes()),
            (&INCLUSION, self.inclusion_json(6, 9).into_bytes()),
            (&CONSISTENCY_4, self.consistency_json(4, 9).into_bytes()),
            (&CONSISTENCY_6, self.consistency_json(6, 9).into_bytes()),
            (&HASH_TILE, self.hash_tile()),
            (&ENTRY_TILE, self.entry_tile()),
            (&RECEIPT, self.receipt().encode().into_bytes()),
        ]
    }
}

/// `SHA256SUMS`: expected SHA-256 by path under `tests/vectors/transparency/`.
fn sums() -> BTreeMap<&'static str, &'static str> {
    text(&SHA256SUMS)
        .lines()
        .map(|line| {
            let (hash, path) = line.split_once("  ").expect("SHA256SUMS line");
            (path, hash)
        })
        .collect()
}

/// MTH of RFC 6962 §2.1, written out from its definition with nothing but SHA-256, so
/// the roots are not checked against `domain::merkle` alone.
fn mth(entries: &[&[u8]]) -> [u8; 32] {
    let sha256 = |parts: &[&[u8]]| -> [u8; 32] {
        let mut h = Sha256::new();
        for part in parts {
            h.update(part);
        }
        h.finalize().into()
    };
    match entries.len() {
        0 => sha256(&[]),
        1 => sha256(&[&[0x00], entries[0]]),
        n => {
            // k: the largest power of two smaller than n.
            let k = n.next_power_of_two() / 2;
            sha256(&[&[0x01], &mth(&entries[..k]), &mth(&entries[k..])])
        }
    }
}

fn entry_bytes() -> Vec<&'static [u8]> {
    ENTRIES.iter().map(|e| e.bytes).collect()
}

/// The base64 hashes of a proof reply.
fn proof_hashes(reply: &Frozen) -> Vec<[u8; 32]> {
    let reply: serde_json::Value = serde_json::from_slice(reply.bytes).unwrap();
    reply["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            STANDARD
                .decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect()
}

fn pinned_vkey() -> VerifierKey {
    VerifierKey::parse(text(&VKEY).trim_end()).unwrap()
}

#[test]
fn the_library_still_produces_every_frozen_file() {
    assert_still_produced(Golden::build().files());
}

#[test]
fn sha256sums_lists_every_transparency_vector() {
    let sums = sums();
    let golden = Golden::build();
    let files = golden.files();
    assert_eq!(sums.len(), files.len(), "one line per file");
    for (frozen, _) in files {
        let name = frozen.path.strip_prefix("transparency/").unwrap();
        assert_eq!(
            sums.get(name).copied(),
            Some(Sha256Hash::of(frozen.bytes).to_hex().as_str()),
            "{name}"
        );
    }
}

#[test]
fn leaves_and_roots_follow_the_rfc_6962_definition() {
    let entries = entry_bytes();
    let roots: Vec<&str> = text(&ROOTS).lines().collect();
    assert_eq!(roots.len(), 9);
    for n in 1..=9 {
        assert_eq!(
            roots[n - 1],
            format!("size-{n}: {}", hex::encode(mth(&entries[..n])))
        );
    }
    // The empty tree, never checkpointed here but part of the definition.
    assert_eq!(hex::encode(mth(&[])), empty_root().to_hex());
    assert_eq!(
        empty_root().to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    // The level-0 hash tile is the leaf hashes, SHA-256(0x00 || entry), in order.
    let leaves: Vec<&[u8]> = HASH_TILE.bytes.chunks(32).collect();
    assert_eq!(leaves.len(), 9);
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(*leaf, mth(&entries[i..=i]), "leaf {i}");
    }
    // The entry tile is each entry behind its length as a big-endian uint16.
    let bundle = split_bundle(ENTRY_TILE.bytes).unwrap();
    assert_eq!(bundle, entries);
    assert_eq!(
        &ENTRY_TILE.bytes[..2],
        (entries[0].len() as u16).to_be_bytes()
    );
}

#[test]
fn the_verifier_key_and_the_checkpoint_are_built_as_documented() {
    let entries = entry_bytes();
    let line = text(&VKEY).strip_suffix('\n').expect("one line");
    let mut parts = line.splitn(3, '+');
    let (name, id, key) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    assert_eq!(name, ORIGIN);
    let key = STANDARD.decode(key).unwrap();
    let log_public = SigningKey::from_bytes(&LOG_SEED).verifying_key().to_bytes();
    assert_eq!(
        key,
        [&[0x01][..], &log_public].concat(),
        "0x01, then the key"
    );
    // The key id: the first four bytes of SHA-256(name || 0x0A || 0x01 || key).
    let digest = Sha256::digest([ORIGIN.as_bytes(), b"\n", &key].concat());
    assert_eq!(id, hex::encode(&digest[..4]));
    let public = PublicKey::from_bytes(&log_public).unwrap();
    assert_eq!(id, hex::encode(key_id(ORIGIN, &public)));
    assert_eq!(pinned_vkey(), Golden::build().vkey);

    // The checkpoint: its text, a blank line, one signature line by the log.
    let (body, signature_line) = text(&CHECKPOINT).split_once("\n\n").unwrap();
    let body = format!("{body}\n");
    assert_eq!(
        body,
        format!("{ORIGIN}\n9\n{}\n", STANDARD.encode(mth(&entries)))
    );
    let signature = signature_line
        .strip_prefix("\u{2014} ")
        .and_then(|s| s.strip_prefix(ORIGIN))
        .and_then(|s| s.strip_prefix(' '))
        .and_then(|s| s.strip_suffix('\n'))
        .expect("— <origin> <base64>, one line");
    let signature = STANDARD.decode(signature).unwrap();
    assert_eq!(signature.len(), 68, "key id and a 64-byte signature");
    assert_eq!(hex::encode(&signature[..4]), id);
    let signature = Signature::from_bytes(&signature[4..].try_into().unwrap());
    assert!(public.verify_strict(body.as_bytes(), &signature));
    assert_eq!(
        Checkpoint::open(text(&CHECKPOINT), &pinned_vkey()).unwrap(),
        Checkpoint {
            origin: ORIGIN.into(),
            size: 9,
            root: Sha256Hash(mth(&entries)),
        }
    );
}

#[test]
fn the_frozen_proofs_verify_with_the_library() {
    let entries = entry_bytes();
    let hashes = |reply: &Frozen| -> Vec<Sha256Hash> {
        proof_hashes(reply).into_iter().map(Sha256Hash).collect()
    };
    let root = |n: u64| Sha256Hash(mth(&entries[..n as usize]));
    let path = hashes(&INCLUSION);
    assert!(verify_inclusion(
        &leaf_hash(entries[6]),
        6,
        9,
        &path,
        &root(9)
    ));
    // The same path does not place another entry, or this entry elsewhere.
    assert!(!verify_inclusion(
        &leaf_hash(entries[5]),
        6,
        9,
        &path,
        &root(9)
    ));
    assert!(!verify_inclusion(
        &leaf_hash(entries[6]),
        7,
        9,
        &path,
        &root(9)
    ));
    for (reply, from) in [(&CONSISTENCY_4, 4), (&CONSISTENCY_6, 6)] {
        let proof = hashes(reply);
        assert!(verify_consistency(from, 9, &proof, &root(from), &root(9)));
        assert!(!verify_consistency(
            from,
            9,
            &proof,
            &root(from - 1),
            &root(9)
        ));
    }
}

/// The stored hashes in the layout `tlog_tiles` reads them (Go's `tlog` order).
struct StoredHashes(Vec<tlog_tiles::Hash>);

impl tlog_tiles::HashReader for StoredHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

#[test]
fn signed_note_and_tlog_tiles_accept_and_reproduce_the_vectors() {
    // The checkpoint verifies under the frozen vkey with signed_note, and parses with
    // tlog_tiles as a plain checkpoint without extension lines.
    let verifier = signed_note::StandardVerifier::new(text(&VKEY).trim_end()).unwrap();
    let note = signed_note::Note::from_bytes(CHECKPOINT.bytes).unwrap();
    let (verified, unknown) = note
        .verify(&signed_note::VerifierList::new(vec![Box::new(verifier)]))
        .expect("signed_note accepts the checkpoint");
    assert_eq!((verified.len(), unknown.len()), (1, 0));
    let cp = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    assert_eq!((cp.origin(), cp.size(), cp.extension()), (ORIGIN, 9, ""));

    // Signing the same text with signed_note and the same key gives the same bytes:
    // Ed25519 is deterministic, so the whole note is reproducible by another library.
    let public = [
        &[0x01][..],
        &SigningKey::from_bytes(&LOG_SEED).verifying_key().to_bytes(),
    ]
    .concat();
    let skey = format!(
        "PRIVATE+KEY+{ORIGIN}+{:08x}+{}",
        signed_note::key_id(ORIGIN, &public),
        STANDARD.encode([&[0x01][..], &LOG_SEED].concat())
    );
    let signer = signed_note::StandardSigner::new(&skey).unwrap();
    let mut theirs = signed_note::Note::new(note.text(), &[]).unwrap();
    theirs.add_sigs(&[&signer]).unwrap();
    assert_eq!(theirs.to_bytes(), CHECKPOINT.bytes);

    // tlog_tiles rebuilds the tree from the entries: same roots, same proofs, same tile.
    let mut stored = StoredHashes(Vec::new());
    for (n, entry) in ENTRIES.iter().enumerate() {
        let new = tlog_tiles::stored_hashes(n as u64, entry.bytes, &stored).unwrap();
        stored.0.extend(new);
    }
    let tree_hash = |n: u64| tlog_tiles::tree_hash(n, &stored).unwrap();
    for (n, line) in (1..).zip(text(&ROOTS).lines()) {
        assert_eq!(line, format!("size-{n}: {}", hex::encode(tree_hash(n).0)));
    }
    assert_eq!(*cp.hash(), tree_hash(9));

    let as_tlog = |reply: &Frozen| -> Vec<tlog_tiles::Hash> {
        proof_hashes(reply)
            .into_iter()
            .map(tlog_tiles::Hash)
            .collect()
    };
    let path = as_tlog(&INCLUSION);
    assert_eq!(tlog_tiles::prove_record(9, 6, &stored).unwrap(), path);
    tlog_tiles::check_record(
        &path,
        9,
        *cp.hash(),
        6,
        tlog_tiles::record_hash(ENTRIES[6].bytes),
    )
    .expect("tlog_tiles accepts the inclusion proof");
    for (reply, from) in [(&CONSISTENCY_4, 4), (&CONSISTENCY_6, 6)] {
        let proof = as_tlog(reply);
        assert_eq!(tlog_tiles::prove_tree(9, from, &stored).unwrap(), proof);
        tlog_tiles::check_tree(&proof, 9, *cp.hash(), from, tree_hash(from))
            .unwrap_or_else(|e| panic!("consistency {from} -> 9: {e:?}"));
    }

    // tlog_tiles names tiles with their height (tile/8/…); otherwise the paths agree.
    let tile = tlog_tiles::Tile::new(8, 0, 0, 9, false);
    assert_eq!(tile.read_data(&stored).unwrap(), HASH_TILE.bytes);
    let ours = TilePath {
        kind: TileKind::Hashes(0),
        index: 0,
        width: Some(9),
    };
    assert_eq!(tile.path(), format!("tile/8/{}", ours.to_path()));
    assert_eq!(
        format!("transparency/tile/{}", ours.to_path()),
        HASH_TILE.path
    );
    let entries = TilePath {
        kind: TileKind::Entries,
        ..ours
    };
    assert_eq!(
        format!("transparency/tile/{}", entries.to_path()),
        ENTRY_TILE.path
    );
}

#[test]
fn the_receipt_verifies_offline_and_every_flipped_byte_is_caught() {
    let vkey = pinned_vkey();
    let receipt = Receipt::parse(text(&RECEIPT)).unwrap();
    assert_eq!(receipt, Golden::build().receipt());
    let checks = receipt.verify(&vkey);
    assert_eq!(
        checks.iter().map(|c| c.name).collect::<Vec<_>>(),
        ["document", "signature", "entry", "inclusion", "checkpoint"]
    );
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");

    let failing = |r: &Receipt, vkey: &VerifierKey| -> Vec<&'static str> {
        r.verify(vkey)
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| c.name)
            .collect()
    };
    // Every byte of the file matters: flipped, it makes the file unreadable (not UTF-8,
    // or not a receipt) or fails at least one named check.
    let mut unreadable = 0;
    for at in 0..RECEIPT.bytes.len() {
        let mut bytes = RECEIPT.bytes.to_vec();
        bytes[at] ^= 0x01;
        let Some(flipped) = String::from_utf8(bytes)
            .ok()
            .and_then(|t| Receipt::parse(&t).ok())
        else {
            unreadable += 1;
            continue;
        };
        assert!(
            !failing(&flipped, &vkey).is_empty(),
            "flipping byte {at} ({:?}) went unnoticed",
            RECEIPT.bytes[at] as char
        );
    }
    assert!(
        unreadable < RECEIPT.bytes.len() / 2,
        "most flips reach the checks"
    );

    // In these vectors the log key is also Andi's key (both from the seed [2; 32]), so
    // make sure each signature is checked against its own key: another log key, or the
    // same key under another origin, fails the checkpoint and nothing else.
    let other_key = SigningKey::from_bytes(&[3; 32]).verifying_key().to_bytes();
    let other_log = VerifierKey::new(ORIGIN, PublicKey::from_bytes(&other_key).unwrap());
    assert_eq!(failing(&receipt, &other_log), ["checkpoint"]);
    let elsewhere = VerifierKey::new("pakta.example/kabupaten-lain", vkey.key);
    assert_eq!(failing(&receipt, &elsewhere), ["checkpoint"]);
}

#[test]
fn the_receipt_is_assembled_from_the_other_vectors() {
    let keys = keys();
    let (head, proof) = text(&RECEIPT)
        .split_once(&format!("\n{TLOG_PROOF_HEADER}\n"))
        .expect("a tlog proof after a blank line");
    assert_eq!(
        head,
        format!(
            "pakta/receipt/v1\nkey: {}\nsignature: {}\n\n{}",
            keys["seed-2-public-key"],
            keys["statement-006-signature"],
            text(&STATEMENT)
        )
    );
    let mut expected = format!(
        "extra {}\nindex {RECEIPT_INDEX}\n",
        STANDARD.encode(ENTRIES[RECEIPT_INDEX as usize].bytes)
    );
    for hash in proof_hashes(&INCLUSION) {
        expected += &format!("{}\n", STANDARD.encode(hash));
    }
    expected += "\n";
    expected += text(&CHECKPOINT);
    assert_eq!(proof, expected);
    // The entry names the statement, the key and the signature of the receipt.
    let entry = text(&ENTRIES[RECEIPT_INDEX as usize]);
    assert!(entry.contains(&format!(
        "statement-sha256: {}\n",
        Sha256Hash::of(STATEMENT.bytes).to_hex()
    )));
    assert!(entry.contains(&format!("fingerprint: {}\n", keys["seed-2-fingerprint"])));
    assert!(entry.contains(&format!("signature: {}\n", keys["statement-006-signature"])));
}

fn verify_receipt(receipt: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pakta"))
        .args(["verify-receipt", receipt, "--vkey", &vector_path(&VKEY)])
        .output()
        .expect("run pakta");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

#[test]
fn pakta_verify_receipt_accepts_the_golden_receipt_and_refuses_a_forged_one() {
    let (code, stdout) = verify_receipt(&vector_path(&RECEIPT));
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok   ")).count(), 5);
    assert!(
        stdout.ends_with(&format!(
            "VALID: entry 6 is in the registry {ORIGIN}\nit is a pledge signature: Andi Wijaya, S.Pd. (NIP 198001012005011001), Dinas Pendidikan, signed \"Pakta Integritas Netralitas ASN Pilkada 2024\" for ceremony 1 in ikrar bersama\n"
        )),
        "{stdout}"
    );
    // FORMATS.md shows this run as it is, so its description of the output cannot drift.
    assert!(
        FORMATS_MD.contains(&format!("```text\n{stdout}```\n")),
        "FORMATS.md must show the output of pakta verify-receipt verbatim:\n{stdout}"
    );

    let dir = common::private_tempdir();
    let forged = dir.path().join("forged.tlog-proof");
    std::fs::write(
        &forged,
        text(&RECEIPT).replacen("Andi Wijaya", "Andi Wijayb", 1),
    )
    .unwrap();
    let (code, stdout) = verify_receipt(forged.to_str().unwrap());
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL signature"), "{stdout}");
    assert!(stdout.contains("FAIL entry"), "{stdout}");
    assert!(stdout.ends_with("INVALID receipt\n"), "{stdout}");
}

/// A real server over the golden log: its entries copied in the way `pakta mirror`
/// copies them (which also stores the tree) and the golden log key placed before first
/// start, so no new key is made.
fn golden_server() -> TestApp {
    TestApp::spawn_prepared(ORIGIN, |dir| {
        let store = Store::open(dir, std::sync::Arc::new(pakta::clock::SystemClock)).unwrap();
        for entry in &ENTRIES {
            let bytes = entry.bytes.to_vec();
            store
                .write_blocking(move |w| w.append_copied(&bytes).map(|_| ()))
                .unwrap();
        }
        drop(store);
        pakta::keyfile::create(&log_key_path(dir), &SigningKey::from_bytes(&LOG_SEED)).unwrap();
    })
}

#[test]
fn the_server_serves_the_frozen_bytes_with_their_cache_headers() {
    let server = golden_server();
    const TEXT: &str = "text/plain; charset=utf-8";
    const JSON: &str = "application/json";
    const BINARY: &str = "application/octet-stream";
    // Partial tiles are replaced by wider ones as the log grows, so they are cached
    // briefly; the checkpoint and the key are revalidated every time.
    const PARTIAL: &str = "public, max-age=60";
    for (path, frozen, content_type, cache) in [
        ("/api/registry/vkey", &VKEY, TEXT, "no-cache"),
        ("/checkpoint", &CHECKPOINT, TEXT, "no-cache"),
        (
            "/api/registry/proof/inclusion?index=6&size=9",
            &INCLUSION,
            JSON,
            "",
        ),
        // Without size, the proof is for the current tree, here of 9 entries.
        (
            "/api/registry/proof/inclusion?index=6",
            &INCLUSION,
            JSON,
            "",
        ),
        (
            "/api/registry/proof/consistency?from=4&to=9",
            &CONSISTENCY_4,
            JSON,
            "",
        ),
        (
            "/api/registry/proof/consistency?from=6",
            &CONSISTENCY_6,
            JSON,
            "",
        ),
        ("/tile/0/000.p/9", &HASH_TILE, BINARY, PARTIAL),
        ("/tile/entries/000.p/9", &ENTRY_TILE, BINARY, PARTIAL),
    ] {
        let raw = server.get_response(path);
        assert_eq!(raw.status, 200, "{path}");
        assert_eq!(raw.body, frozen.bytes, "{path} must serve {}", frozen.path);
        assert_eq!(
            (raw.content_type.as_str(), raw.cache.as_str()),
            (content_type, cache),
            "{path}"
        );
    }

    // Proofs from the empty tree, or between equal sizes, are empty.
    for (path, body) in [
        (
            "/api/registry/proof/consistency?from=0&to=9",
            r#"{"from":0,"to":9,"hashes":[]}"#,
        ),
        (
            "/api/registry/proof/consistency?from=9&to=9",
            r#"{"from":9,"to":9,"hashes":[]}"#,
        ),
    ] {
        assert_eq!(server.get_bytes(path), body.as_bytes(), "{path}");
    }

    // A narrower partial tile is an older view of the same tile, still served: a prefix.
    let narrow = server.get_response("/tile/0/000.p/4");
    assert_eq!(
        (narrow.status, narrow.body.as_slice()),
        (200, &HASH_TILE.bytes[..4 * 32])
    );
    let narrow = server.get_bytes("/tile/entries/000.p/4");
    assert_eq!(split_bundle(&narrow).unwrap(), entry_bytes()[..4]);
    // Not yet there (a full tile, a wider one, level 1), or not in the one spelling.
    for missing in [
        "/tile/0/000",
        "/tile/0/000.p/10",
        "/tile/entries/000",
        "/tile/1/000.p/1",
        "/tile/0/x000/000.p/9",
        "/tile/0/0.p/9",
    ] {
        assert_eq!(server.get_response(missing).status, 404, "{missing}");
    }

    // The server also checks the receipt against its own log.
    let reply = server
        .post(
            "/api/verify",
            None,
            &serde_json::json!({ "receipt": text(&RECEIPT) }),
        )
        .body;
    assert_eq!(reply["valid"], true, "{reply}");
    assert_eq!(reply["index"], 6);
    assert_eq!(reply["checks"].as_array().unwrap().len(), 7);
    assert_eq!(reply["checks"][5]["name"], "in_registry");
    assert_eq!(reply["checks"][6]["name"], "kind");
    assert_eq!(reply["kind"], "pledge.signed");
    // This registry holds the golden log's entries but not its ceremony: the verdict
    // names the signer from the statement and claims nothing about the ceremony.
    assert_eq!(reply["signed"]["name"], "Andi Wijaya, S.Pd.");
    assert_eq!(reply["signed"]["ceremony_title"], serde_json::Value::Null);
    assert_eq!(reply["signed"]["late"], serde_json::Value::Null);
}

#[test]
fn formats_md_quotes_every_text_vector_verbatim() {
    for frozen in [&VKEY, &CHECKPOINT, &ROOTS, &RECEIPT, &SHA256SUMS] {
        assert!(
            FORMATS_MD.contains(&format!("```text\n{}```\n", text(frozen))),
            "FORMATS.md must show {} verbatim in a ```text block",
            frozen.path
        );
    }
    for frozen in [&INCLUSION, &CONSISTENCY_4, &CONSISTENCY_6] {
        // A reply body has no final line feed; the document shows it as one line.
        assert!(
            FORMATS_MD.contains(&format!("```json\n{}\n```\n", text(frozen))),
            "FORMATS.md must show {} verbatim in a ```json block",
            frozen.path
        );
    }
    // The binary tiles: the hash tile as one hex hash per line, the entry tile as the
    // table of its length prefixes.
    let tile_hex: String = HASH_TILE
        .bytes
        .chunks(32)
        .map(|h| format!("{}\n", hex::encode(h)))
        .collect();
    assert!(
        FORMATS_MD.contains(&format!("```text\n{tile_hex}```\n")),
        "FORMATS.md must show the hash tile in hex"
    );
    let mut offset = 0;
    for (i, entry) in split_bundle(ENTRY_TILE.bytes).unwrap().iter().enumerate() {
        let [hi, lo] = (entry.len() as u16).to_be_bytes();
        let row = format!("| {i} | {offset} | `{hi:02x} {lo:02x}` | {} |", entry.len());
        assert!(FORMATS_MD.contains(&row), "FORMATS.md must list {row}");
        offset += 2 + entry.len();
    }
    assert_eq!(offset, ENTRY_TILE.bytes.len());
}
