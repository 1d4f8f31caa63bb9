//! Identifiers that the registry itself mints: the random subject id that stands for an
//! official in the public log, and the numeric ids of pledge texts and ceremonies.

use std::fmt;

/// Why an id from outside could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("subject id harus 32 karakter heksadesimal huruf kecil, yang tertulis '{0}'")]
    BadSubject(String),
    #[error("{kind} '{text}' bukan nomor yang valid; gunakan angka bulat positif seperti 1")]
    BadNumber { kind: &'static str, text: String },
}

/// The pseudonym of an official in the registry: 16 random bytes, never derived from
/// the NIP, so the public log carries no personal data and cannot be linked back to a
/// person by guessing identifiers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectId([u8; 16]);

impl SubjectId {
    /// The caller supplies the randomness; this module never draws any.
    pub fn from_random(bytes: [u8; 16]) -> SubjectId {
        SubjectId(bytes)
    }

    pub fn parse(text: &str) -> Result<SubjectId, IdError> {
        let bad = || IdError::BadSubject(text.to_string());
        if text.len() != 32 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let mut out = [0u8; 16];
        hex::decode_to_slice(text, &mut out).map_err(|_| bad())?;
        Ok(SubjectId(out))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectId({})", self.to_hex())
    }
}

macro_rules! numeric_id {
    ($name:ident, $kind:literal) => {
        #[doc = concat!("The number of a ", $kind, ", assigned in order from 1.")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub struct $name(u64);

        impl $name {
            /// The largest number the registry can hold: SQLite's integers are signed
            /// 64-bit, and a larger one must be refused here, not fail in the database.
            pub const MAX: u64 = i64::MAX as u64;

            pub fn new(value: u64) -> Option<$name> {
                (1..=$name::MAX).contains(&value).then_some($name(value))
            }

            pub fn parse(text: &str) -> Result<$name, IdError> {
                text.parse::<u64>()
                    .ok()
                    .filter(|v| (1..=$name::MAX).contains(v) && v.to_string() == text)
                    .map($name)
                    .ok_or_else(|| IdError::BadNumber {
                        kind: $kind,
                        text: text.to_string(),
                    })
            }

            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

numeric_id!(CeremonyId, "ceremony");
numeric_id!(PledgeId, "pledge");
numeric_id!(CampaignId, "campaign");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_beyond_what_sqlite_holds_are_not_ids() {
        assert_eq!(
            CeremonyId::parse("9223372036854775807").unwrap().get(),
            i64::MAX as u64
        );
        assert!(CeremonyId::parse("9223372036854775808").is_err());
        assert!(PledgeId::new(u64::MAX).is_none());
        assert!(CeremonyId::new(0).is_none());
    }

    #[test]
    fn subject_round_trips_through_hex() {
        let s = SubjectId::from_random([0xab; 16]);
        assert_eq!(s.to_hex(), "ab".repeat(16));
        assert_eq!(SubjectId::parse(&s.to_hex()), Ok(s));
    }

    #[test]
    fn subject_refuses_other_shapes() {
        for bad in [
            "",
            "AB".repeat(16).as_str(),
            &"ab".repeat(15),
            &"zz".repeat(16),
        ] {
            assert!(SubjectId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numeric_ids_are_positive_and_canonical() {
        assert_eq!(CeremonyId::parse("12").unwrap().get(), 12);
        for bad in ["0", "-1", "012", "+3", "1.0", "abc", ""] {
            assert!(CeremonyId::parse(bad).is_err(), "{bad}");
        }
    }
}
