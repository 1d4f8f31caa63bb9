//! The frozen golden vectors shared by the golden tests: each file's bytes compiled in,
//! with its path for messages, and the nine-entry golden log.

#![allow(dead_code)]

pub struct Frozen {
    pub path: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! frozen {
    ($path:literal) => {
        $crate::golden::Frozen {
            path: $path,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/vectors/",
                $path
            )),
        }
    };
}
pub(crate) use frozen;

/// One per entry kind, in log order; the kind is in the file name on purpose, so a
/// reader of the directory sees which kind each vector pins.
pub const ENTRIES: [Frozen; 9] = [
    frozen!("entries/000-key.enrolled.txt"),
    frozen!("entries/001-key.revoked.txt"),
    frozen!("entries/002-key.enrolled.txt"),
    frozen!("entries/003-pledge.published.txt"),
    frozen!("entries/004-ceremony.opened.txt"),
    frozen!("entries/005-attendance.recorded.txt"),
    frozen!("entries/006-pledge.signed.txt"),
    frozen!("entries/007-ceremony.closed.txt"),
    frozen!("entries/008-mandiri.assigned.txt"),
];

/// Asserts that freshly produced bytes equal each frozen file, showing the text diff
/// first when they differ.
pub fn assert_still_produced<'a>(files: impl IntoIterator<Item = (&'a Frozen, Vec<u8>)>) {
    for (frozen, bytes) in files {
        assert!(!frozen.bytes.is_empty(), "{} is empty", frozen.path);
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(frozen.bytes),
            "the encoding of {} changed",
            frozen.path
        );
        assert_eq!(bytes, frozen.bytes, "{}", frozen.path);
    }
}
