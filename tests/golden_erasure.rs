//! The golden vector of `person.erased` (docs/FORMATS.md section 7.9): the golden
//! season's log extended by one entry erasing Andi (subject 0101…01), whose two
//! enrollment messages and one statement were deleted. Written once by this code and
//! frozen like the other vectors; the extended log passes the offline audit without
//! those documents and says what was erased.

mod golden;

use golden::{ENTRIES, Frozen, assert_still_produced, frozen};

use pakta::domain::audit::Auditor;
use pakta::domain::crypto::Sha256Hash;
use pakta::domain::entry::{Entry, EntryBody, entry_hash};
use pakta::domain::ids::SubjectId;
use pakta::domain::record::parse_time;

const PERSON_ERASED: Frozen = frozen!("erasure/009-person.erased.txt");
const PERSON_ERASED_SHA256: &str =
    "0dda6298eb99839a7a60d17a9407b9412278911150ceb6cc19316b955389363c";
const FORMATS_MD: &str = include_str!("../docs/FORMATS.md");

fn erasure_entry() -> Entry {
    Entry {
        index: 9,
        time: parse_time("2024-10-21T03:00:00Z").unwrap(),
        prev: entry_hash(ENTRIES[8].bytes),
        body: EntryBody::PersonErased {
            subject: SubjectId::from_random([1; 16]),
            documents_erased: 3,
        },
    }
}

#[test]
fn the_code_still_produces_the_erasure_vector_and_it_reads_back() {
    let entry = erasure_entry();
    assert_still_produced([(&PERSON_ERASED, entry.encode())]);
    assert_eq!(Entry::parse(PERSON_ERASED.bytes).unwrap(), entry);
    assert_eq!(
        entry_hash(PERSON_ERASED.bytes).to_hex(),
        PERSON_ERASED_SHA256
    );
}

#[test]
fn the_extended_golden_log_passes_the_audit_without_the_erased_documents() {
    let mut auditor = Auditor::default();
    for frozen in ENTRIES.iter().chain([&PERSON_ERASED]) {
        auditor
            .check(
                Some(Sha256Hash::of(frozen.bytes)),
                frozen.bytes,
                &mut |_| None,
            )
            .unwrap_or_else(|f| panic!("{}: {f}", frozen.path));
    }
    let summary = auditor.finish().unwrap();
    assert_eq!(summary.entries, 10);
    assert_eq!(summary.persons_erased, 1);
    assert_eq!(summary.documents_erased, 3);
    assert_eq!(summary.statements_erased, 1);
    assert_eq!(summary.enrollment_messages_erased, 2);
    assert_eq!(summary.signatures_verified, 0);
}

#[test]
fn formats_md_quotes_the_erasure_vector_and_its_hash() {
    let text = std::str::from_utf8(PERSON_ERASED.bytes).unwrap();
    assert!(FORMATS_MD.contains(&format!("```text\n{text}```\n")));
    assert!(FORMATS_MD.contains(PERSON_ERASED_SHA256));
}
