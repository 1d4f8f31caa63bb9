//! `docs/LAW.md` maps legal conditions to tests; this keeps the map true: every test it
//! names exists, and every condition of PP 71/2019 Pasal 59(3) and every PDP duty the
//! issue lists has a row.

const LAW: &str = include_str!("../docs/LAW.md");

fn source(path: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + path)
        .unwrap_or_else(|e| panic!("docs/LAW.md names {path}, which cannot be read: {e}"))
}

#[test]
fn every_test_the_law_map_names_exists() {
    let mut named = 0;
    for piece in LAW.split('`') {
        if let Some((file, test)) = piece.split_once(".rs::") {
            if !file.starts_with("tests/") {
                continue;
            }
            let text = source(&format!("{file}.rs"));
            assert!(
                text.contains(&format!("fn {test}(")),
                "{file}.rs has no test {test}"
            );
            named += 1;
        } else if piece.starts_with("tests/") && piece.ends_with(".rs") {
            source(piece);
            named += 1;
        }
    }
    for (file, test) in [
        (
            "src/domain/audit/tests.rs",
            "a_second_active_key_without_revocation_is_refused",
        ),
        (
            "src/app/setup.rs",
            "admin_tokens_are_stored_salted_and_old_plain_hashes_still_match",
        ),
    ] {
        assert!(LAW.contains(test));
        assert!(
            source(file).contains(&format!("fn {test}(")),
            "{file}: {test}"
        );
    }
    assert!(named >= 20, "only {named} tests named");
}

#[test]
fn every_condition_and_duty_has_a_row() {
    for condition in ["| (a)", "| (b)", "| (c)", "| (d)", "| (e)", "| (f)"] {
        assert!(LAW.contains(condition), "Pasal 59(3) {condition}");
    }
    for duty in [
        "**Lawful basis**",
        "**Minimisation and purpose**",
        "**Access**",
        "**Erasure**",
        "**Breach notice within 3 × 24 hours**",
        "**Records of processing**",
    ] {
        assert!(LAW.contains(duty), "{duty}");
    }
}
