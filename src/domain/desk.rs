//! What the registration desk may look for: an invitee of its ceremony by a few letters
//! of the name or a few digits of the NIP, as an operator types them while the official
//! stands in front of the desk (issue 9: the desk showed NIPs only and could not find
//! anyone by name). Only the reading of the typed text lives here; the search runs in
//! the store and the rules of who may search in the application.

/// At most this many invitees are listed: enough to pick from, too few to read the
/// roster through the desk.
pub const DESK_MATCHES: usize = 10;

/// Fewer characters than this match too many people to be worth a list.
pub const MIN_QUERY_CHARS: usize = 3;

/// Longer than any name and NIP typed together.
const MAX_QUERY_CHARS: usize = 64;

/// More words than a name has: each one narrows the search and costs a condition.
const MAX_WORDS: usize = 4;

/// A desk search: every word must be found, a word of digits in the NIP, any other in
/// the name, anywhere and regardless of case (`andi wij`, `2005011`, `siti 1985`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteeQuery {
    /// Words of the name, lower case.
    pub name_words: Vec<String>,
    /// Runs of digits of the NIP (or NI PPPK, or NIK).
    pub nip_words: Vec<String>,
    /// The query's digits when it is one whole identifier (all digits, 16 or 18 of
    /// them): that official is listed first.
    pub whole_nip: Option<String>,
}

/// Why a typed text is not a search the desk can run, in words for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(
        "Ketik paling sedikit {MIN_QUERY_CHARS} huruf nama atau {MIN_QUERY_CHARS} angka NIP untuk mencari."
    )]
    TooShort,
    #[error(
        "Pencarian terlalu panjang; ketik sebagian nama (paling banyak {MAX_WORDS} kata) atau NIP saja."
    )]
    TooLong,
}

impl InviteeQuery {
    pub fn parse(text: &str) -> Result<InviteeQuery, QueryError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        // A NIP is often typed or pasted with spaces or an apostrophe (Excel's text
        // marker) in it; read those as part of one run of digits.
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_matches('\''))
            .filter(|w| !w.is_empty())
            .collect();
        let digits_only = |w: &str| w.chars().all(|c| c.is_ascii_digit());
        if !words.is_empty() && words.iter().all(|w| digits_only(w)) {
            let digits: String = words.concat();
            if digits.len() < MIN_QUERY_CHARS {
                return Err(QueryError::TooShort);
            }
            let whole = matches!(digits.len(), 16 | 18).then(|| digits.clone());
            return Ok(InviteeQuery {
                name_words: Vec::new(),
                nip_words: vec![digits],
                whole_nip: whole,
            });
        }
        if words.len() > MAX_WORDS {
            return Err(QueryError::TooLong);
        }
        let typed: usize = words.iter().map(|w| w.chars().count()).sum();
        if typed < MIN_QUERY_CHARS {
            return Err(QueryError::TooShort);
        }
        let (nip_words, name_words): (Vec<&str>, Vec<&str>) =
            words.into_iter().partition(|w| digits_only(w));
        Ok(InviteeQuery {
            name_words: name_words.iter().map(|w| w.to_lowercase()).collect(),
            nip_words: nip_words.iter().map(|w| w.to_string()).collect(),
            whole_nip: None,
        })
    }
}

/// `word` as a SQL `LIKE` pattern matching it anywhere, with `\` as the escape
/// character: `%` and `_` typed by the operator are matched as themselves.
pub fn like_anywhere(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_letters_of_a_name_are_a_search() {
        let q = InviteeQuery::parse("  Andi  Wij ").unwrap();
        assert_eq!(q.name_words, ["andi", "wij"]);
        assert!(q.nip_words.is_empty());
        assert_eq!(q.whole_nip, None);
    }

    #[test]
    fn digits_typed_with_spaces_are_one_run_of_the_nip() {
        let q = InviteeQuery::parse("19800101 200501 1 001").unwrap();
        assert_eq!(q.nip_words, ["198001012005011001"]);
        assert_eq!(q.whole_nip.as_deref(), Some("198001012005011001"));
        let q = InviteeQuery::parse("'2005011").unwrap();
        assert_eq!(q.nip_words, ["2005011"]);
        assert_eq!(q.whole_nip, None);
    }

    #[test]
    fn a_name_and_digits_together_narrow_both() {
        let q = InviteeQuery::parse("siti 1985").unwrap();
        assert_eq!(q.name_words, ["siti"]);
        assert_eq!(q.nip_words, ["1985"]);
    }

    #[test]
    fn too_little_or_too_much_is_refused_with_what_to_type() {
        for short in ["", "  ", "an", "1 2", "'"] {
            assert_eq!(
                InviteeQuery::parse(short),
                Err(QueryError::TooShort),
                "{short:?}"
            );
        }
        assert_eq!(InviteeQuery::parse("a b c d e"), Err(QueryError::TooLong));
        assert_eq!(
            InviteeQuery::parse(&"a".repeat(65)),
            Err(QueryError::TooLong)
        );
        assert!(QueryError::TooShort.to_string().contains("3 huruf"));
    }

    #[test]
    fn like_wildcards_typed_are_matched_as_themselves() {
        assert_eq!(like_anywhere("andi"), "%andi%");
        assert_eq!(like_anywhere("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
