//! The registry as a transparency log, checked the way an outside auditor would: the
//! checkpoint and verifier key against the independent `signed_note` and `tlog_tiles`
//! crates (Cloudflare's azul), inclusion and consistency proofs against
//! `tlog_tiles`'s RFC 6962 verifier, tiles read and authenticated by `tlog_tiles`'s own
//! tile reader, and receipts checked offline by `pakta verify-receipt`.

mod common;

use common::*;
use pakta::domain::crypto::decode_base64;
use serde_json::json;
use tlog_tiles::{Hash, Tile, TileHashReader, TileReader};

/// A registry with `n` pledge texts published: n entries, no personal data needed.
fn registry_of(n: usize) -> TestApp {
    let app = TestApp::spawn();
    for i in 0..n {
        let reply = app.post(
            "/api/pledges",
            Some(ADMIN),
            &json!({"title": format!("Pakta {i}"), "text": format!("Teks pakta nomor {i}.\n")}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    app
}

fn hash(b64: &str) -> Hash {
    Hash(decode_base64("hash", b64).unwrap().try_into().unwrap())
}

/// The `hashes` of a proof reply.
fn proof_hashes(reply: &Reply) -> Vec<Hash> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hash(h.as_str().unwrap()))
        .collect()
}

/// RFC 6962 leaf hashes of the first `n` entries of an entries reply.
fn leaf_hashes(entries: &[serde_json::Value], n: u64) -> Vec<Hash> {
    entries[..n as usize]
        .iter()
        .map(|e| {
            tlog_tiles::record_hash(&decode_base64("b", e["bytes"].as_str().unwrap()).unwrap())
        })
        .collect()
}

fn checkpoint(app: &TestApp) -> tlog_tiles::Checkpoint {
    let note_text = app.get("/checkpoint", None).text;
    let verifier = signed_note::StandardVerifier::new(&app.vkey).expect("vkey parses");
    let note = signed_note::Note::from_bytes(note_text.as_bytes()).expect("note parses");
    note.verify(&signed_note::VerifierList::new(vec![Box::new(verifier)]))
        .expect("checkpoint signature verifies with signed_note");
    tlog_tiles::Checkpoint::from_bytes(note.text()).expect("checkpoint parses with tlog_tiles")
}

#[test]
fn the_checkpoint_is_a_signed_note_that_an_independent_implementation_accepts() {
    let app = registry_of(5);
    let cp = checkpoint(&app);
    assert_eq!(cp.origin(), ORIGIN);
    assert_eq!(cp.size(), 5);
    assert_eq!(app.get("/api/registry/vkey", None).text.trim(), app.vkey);
    // The key id is the first four bytes of SHA-256(name || 0x0A || 0x01 || key).
    let key_part = app.vkey.splitn(3, '+').nth(2).unwrap();
    let key = decode_base64("vkey", key_part).unwrap();
    let id = signed_note::key_id(ORIGIN, &key);
    assert!(app.vkey.contains(&format!("+{id:08x}+")));
}

#[test]
fn proofs_verify_with_tlog_tiles_and_bad_ranges_are_refused() {
    let app = registry_of(21);
    let cp = checkpoint(&app);
    let entries = app.get("/api/registry/entries?start=0&limit=100", None);
    let entries = entries.body["entries"].as_array().unwrap();
    for size in [1u64, 7, 8, 21] {
        let root = if size == cp.size() {
            *cp.hash()
        } else {
            // The root of an older tree, recomputed independently from its entries.
            root_of(&leaf_hashes(entries, size))
        };
        let leaves = leaf_hashes(entries, size);
        for index in 0..size {
            let path = proof_hashes(&app.get(
                &format!("/api/registry/proof/inclusion?index={index}&size={size}"),
                None,
            ));
            tlog_tiles::check_record(&path, size, root, index, leaves[index as usize])
                .unwrap_or_else(|e| panic!("inclusion {index}/{size}: {e:?}"));
        }
    }
    for (from, to) in [(1u64, 21u64), (7, 21), (8, 21), (13, 21), (21, 21)] {
        let path = proof_hashes(&app.get(
            &format!("/api/registry/proof/consistency?from={from}&to={to}"),
            None,
        ));
        let old_root = root_of(&leaf_hashes(entries, from));
        tlog_tiles::check_tree(&path, to, *cp.hash(), from, old_root)
            .unwrap_or_else(|e| panic!("consistency {from}->{to}: {e:?}"));
    }
    for (path, code) in [
        (
            "/api/registry/proof/inclusion?index=21&size=21",
            "index_out_of_range",
        ),
        (
            "/api/registry/proof/inclusion?index=0&size=22",
            "size_beyond_log",
        ),
        ("/api/registry/proof/inclusion?index=-1", "invalid_query"),
        (
            "/api/registry/proof/consistency?from=9&to=5",
            "sizes_out_of_order",
        ),
        (
            "/api/registry/proof/consistency?from=1&to=99",
            "size_beyond_log",
        ),
    ] {
        let reply = app.get(path, None);
        assert_eq!(reply.status, 400, "{path}: {}", reply.text);
        assert_eq!(reply.error_code(), code, "{path}");
    }
}

/// RFC 6962 MTH, written out here so the test does not trust the server for old roots.
fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        1 => leaves[0],
        n => {
            // k: the largest power of two smaller than n.
            let k = n.next_power_of_two() / 2;
            tlog_tiles::node_hash(root_of(&leaves[..k]), root_of(&leaves[k..]))
        }
    }
}

/// Reads our tiles over HTTP for tlog_tiles's authenticating tile reader.
struct HttpTiles<'a>(&'a TestApp);

impl TileReader for HttpTiles<'_> {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        Ok(tiles
            .iter()
            .map(|t| {
                let path = t.path();
                let ours = path.strip_prefix("tile/8/").expect("height 8");
                let reply = self.0.get(&format!("/tile/{ours}"), None);
                assert_eq!(reply.status, 200, "/tile/{ours}");
                self.0.get_bytes(&format!("/tile/{ours}"))
            })
            .collect())
    }
    fn save_tiles(&self, _: &[Tile], _: &[Vec<u8>]) {}
}

#[test]
fn tiles_are_served_in_the_c2sp_form_and_authenticate_against_the_checkpoint() {
    let app = registry_of(600);
    let cp = checkpoint(&app);
    assert_eq!(cp.size(), 600);
    let reader = HttpTiles(&app);
    let hashes = TileHashReader::new(cp.size(), *cp.hash(), &reader);
    assert_eq!(
        tlog_tiles::tree_hash(cp.size(), &hashes).unwrap(),
        *cp.hash()
    );
    for index in [0u64, 255, 256, 599] {
        let proof = tlog_tiles::prove_record(cp.size(), index, &hashes).unwrap();
        let ours = app.get(
            &format!("/api/registry/proof/inclusion?index={index}"),
            None,
        );
        assert_eq!(
            proof,
            proof_hashes(&ours),
            "proof for {index} from tiles equals the API's"
        );
    }

    // Entry tiles: two full bundles of 256 and a partial one of 88.
    let full = app.get_response("/tile/entries/001");
    assert_eq!(full.status, 200);
    assert!(
        full.cache.contains("immutable"),
        "full tiles are cached for good: {}",
        full.cache
    );
    let bundle = pakta::domain::tiles::split_bundle(&full.body).unwrap();
    assert_eq!(bundle.len(), 256);
    let entry_256 = app.get("/api/registry/entries?start=256&limit=1", None);
    assert_eq!(
        bundle[0],
        decode_base64("b", entry_256.body["entries"][0]["bytes"].as_str().unwrap()).unwrap()
    );
    let partial = app.get_response("/tile/entries/002.p/88");
    assert_eq!(
        pakta::domain::tiles::split_bundle(&partial.body)
            .unwrap()
            .len(),
        88
    );
    assert!(!partial.cache.contains("immutable"));
    for missing in [
        "/tile/entries/002",
        "/tile/entries/002.p/89",
        "/tile/0/003",
        "/tile/1/000",
        "/tile/0/x000/001",
    ] {
        assert_eq!(app.get(missing, None).status, 404, "{missing}");
    }
    // Path forms agree with tlog_tiles for large indexes.
    for n in [0u64, 5, 999, 1000, 1234067] {
        let theirs = Tile::new(8, 0, n, 256, false).path();
        let ours = pakta::domain::tiles::TilePath {
            kind: pakta::domain::tiles::TileKind::Hashes(0),
            index: n,
            width: None,
        };
        assert_eq!(theirs, format!("tile/8/{}", ours.to_path()));
    }
}

#[test]
fn receipts_verify_offline_and_a_flipped_byte_is_caught() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let key = pakta::keyfile::generate().unwrap();
    let enrolled = app.try_enroll(ANDI, &key);
    assert_eq!(enrolled.status, 201);
    let ceremony = app.create_ceremony(json!({"nips": [ANDI]}));
    app.open(ceremony);
    app.check_in(ceremony, ANDI, ADMIN);
    let signed = app.sign(ceremony, ANDI, &key);
    assert_eq!(signed.status, 201, "{}", signed.text);
    let receipt = signed.body["receipt"].as_str().unwrap().to_string();
    assert!(receipt.contains("\nc2sp.org/tlog-proof@v1\nextra "));

    let dir = private_tempdir();
    let vkey_file = dir.path().join("registry.vkey");
    std::fs::write(&vkey_file, format!("{}\n", app.vkey)).unwrap();
    let check = |text: &str, vkey: &str| {
        let file = dir.path().join("receipt.tlog-proof");
        std::fs::write(&file, text).unwrap();
        pakta(&["verify-receipt", file.to_str().unwrap(), "--vkey", vkey])
    };
    for (name, text) in [
        ("signature", &receipt),
        (
            "enrollment",
            &enrolled.body["receipt"].as_str().unwrap().to_string(),
        ),
    ] {
        let out = check(text, vkey_file.to_str().unwrap());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name} receipt:\n{stdout}");
        assert!(stdout.contains("VALID"), "{stdout}");
    }
    // The same with the key given inline, and over the API.
    assert!(check(&receipt, &app.vkey).status.success());
    let verified = app.post("/api/verify", None, &json!({"receipt": receipt}));
    assert_eq!(verified.body["valid"], true, "{}", verified.text);

    // One flipped character in the statement: the signature and the entry no longer match.
    let forged = receipt.replacen("Andi Wijaya", "Andi Wijayo", 1);
    let out = check(&forged, &app.vkey);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("FAIL signature"), "{stdout}");
    let verified = app.post("/api/verify", None, &json!({"receipt": forged}));
    assert_eq!(verified.body["valid"], false);

    // Another log's key does not vouch for this checkpoint.
    let other = TestApp::spawn();
    let out = check(&receipt, &other.vkey);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL checkpoint"));
}

#[test]
fn a_registry_from_before_the_tree_gets_its_tree_at_start() {
    let mut app = registry_of(13);
    let before = checkpoint(&app);
    app.stop();
    // What a registry created before the Merkle tree existed looks like: schema version
    // 1, with what later migrations added taken back out, so that every migration since
    // runs on it as on a real old registry.
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    conn.execute_batch(
        "DROP TABLE tree;
         DROP TABLE access_tokens; DROP TABLE access_log; DROP TABLE erasures;
         CREATE TABLE tokens (
             token_sha256 BLOB PRIMARY KEY,
             role         TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'auditor')),
             scope        TEXT,
             created_at   TEXT NOT NULL
         ) STRICT;
         DROP INDEX officials_in_roster_order;
         CREATE INDEX officials_by_opd ON officials(opd_code);
         DROP TABLE held_officials; DROP TABLE units;
         ALTER TABLE officials DROP COLUMN phone;
         DROP TABLE recap_documents; DROP TABLE recaps; DROP TABLE opd_heads;
         DROP TABLE campaign_signatures; DROP TABLE campaign_ceremonies;
         DROP TABLE campaigns;
         DROP TABLE representation_covers; DROP TABLE representations;
         DROP TABLE represented; DROP TABLE representatives;
         ALTER TABLE ceremonies DROP COLUMN allow_representation;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);

    let reopened = pakta::app::App::open(
        app.data_dir(),
        std::sync::Arc::new(pakta::clock::SystemClock),
        pakta::app::Config::default(),
        None,
    )
    .unwrap();
    let note = reopened.checkpoint();
    let (text, _signature) = note.split_once("\n\n").unwrap();
    let after = tlog_tiles::Checkpoint::from_bytes(format!("{text}\n").as_bytes()).unwrap();
    assert_eq!((after.size(), after.hash()), (before.size(), before.hash()));
}
