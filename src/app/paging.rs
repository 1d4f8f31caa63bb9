//! Pages of the list routes. Every list the API returns comes a page at a time, so what
//! one request holds is bounded by the page size, not by the size of the roster: with
//! 100,000 officials one unpaged list was a 16.9 MB reply, built whole in memory. A page
//! is asked for with `limit` (each list has a default and a maximum) and `after`, the
//! `next` of the previous page, which is null on the last one.
//!
//! Pages are keyset pages: `after` names the last item shown, not a count to skip, so a
//! page costs the same at the end of a list as at its start, and an official added or
//! removed meanwhile does not shift the pages after it. For the roster the cursor is the
//! official's row number in the database: a name or NIP would put personal data into
//! URLs (and so into proxy logs), and the random subject id would tie the reader's list
//! to the public log, which must only ever show subjects.

use crate::error::{Error, Result};
use crate::store::{Db, RosterPosition};

/// How many items a page of one list holds unless asked otherwise, and at most.
#[derive(Debug, Clone, Copy)]
pub struct PageSize {
    pub default: u64,
    pub max: u64,
}

/// Officials, the unsigned list (invitees looked at) and enrollment cards: about 300
/// bytes each, so a full page is some 300 KB.
pub const ROSTER_PAGE: PageSize = PageSize {
    default: 100,
    max: 1000,
};

/// Ceremonies: a few hundred bytes each.
pub const CEREMONY_PAGE: PageSize = PageSize {
    default: 100,
    max: 1000,
};

/// Published pledges carry their whole text, up to 64 KiB each: at most 1.3 MB a page.
pub const PLEDGE_PAGE: PageSize = PageSize {
    default: 20,
    max: 20,
};

/// A page as asked for in a query string. Both values are read as text, so that a
/// wrong one is answered with what `limit` and `after` take.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: Option<String>,
    pub after: Option<String>,
}

/// A page request, checked.
#[derive(Debug, Clone, Copy)]
pub(super) struct Page {
    pub limit: u64,
    pub after: Option<u64>,
}

/// One page of a list, and where the next one starts (None after the last).
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next: Option<u64>,
}

impl PageRequest {
    pub(super) fn parse(&self, size: PageSize) -> Result<Page> {
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => size.default,
            Some(raw) => number(raw).filter(|n| (1..=size.max).contains(n)).ok_or_else(|| {
                Error::bad_request(
                    "invalid_limit",
                    format!(
                        "limit '{raw}' tidak valid: isi dengan bilangan bulat 1 sampai {}. Sisanya diambil per halaman dengan after berisi nilai next dari halaman sebelumnya.",
                        size.max
                    ),
                )
            })?,
        };
        let after = match self.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(number(raw).filter(|n| *n > 0).ok_or_else(|| {
                Error::bad_request(
                    "invalid_cursor",
                    format!(
                        "after '{raw}' bukan penanda halaman. Isi after dengan nilai next dari halaman sebelumnya, atau hapus after untuk mulai dari halaman pertama."
                    ),
                )
            })?),
        };
        Ok(Page { limit, after })
    }
}

/// Digits only (`str::parse` would also take "+5"), and no larger than SQLite's
/// signed 64-bit integers, so a made-up cursor is refused here rather than failing in
/// the database.
fn number(raw: &str) -> Option<u64> {
    raw.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| raw.parse().ok())
        .flatten()
        .filter(|n| *n <= i64::MAX as u64)
}

/// Splits the `limit + 1` rows read for a page into the page and, when the extra row
/// shows that more follow, the cursor of the page's last row.
pub(super) fn split_page<R>(
    mut rows: Vec<R>,
    limit: u64,
    cursor: impl Fn(&R) -> u64,
) -> (Vec<R>, Option<u64>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor);
    (rows, next)
}

/// Where in the roster order a page continues: just after the official whose row number
/// is `after`. A number that names no official (one erased since the previous page, or
/// a made-up one) is refused rather than read as "the end", which would cut the list
/// short without a word.
pub(super) fn roster_position(db: &Db<'_>, after: Option<u64>) -> Result<Option<RosterPosition>> {
    let Some(after) = after else {
        return Ok(None);
    };
    db.roster_position(after)?.map(Some).ok_or_else(|| {
        Error::bad_request(
            "invalid_cursor",
            format!(
                "Penanda halaman after={after} tidak lagi menunjuk ke seorang pegawai (data pegawai berubah sejak halaman sebelumnya, atau nilainya bukan dari daftar ini). Muat daftar lagi dari halaman pertama, tanpa after."
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(limit: Option<&str>, after: Option<&str>) -> PageRequest {
        PageRequest {
            limit: limit.map(str::to_string),
            after: after.map(str::to_string),
        }
    }

    #[test]
    fn limits_default_and_are_bounded() {
        let page = request(None, None).parse(ROSTER_PAGE).unwrap();
        assert_eq!((page.limit, page.after), (100, None));
        assert_eq!(
            request(Some("1000"), Some("7"))
                .parse(ROSTER_PAGE)
                .unwrap()
                .limit,
            1000
        );
        for bad in [
            "0",
            "1001",
            "-1",
            "+5",
            "1e3",
            "abc",
            "99999999999999999999",
        ] {
            let err = request(Some(bad), None).parse(ROSTER_PAGE).unwrap_err();
            assert_eq!(err.code, "invalid_limit", "{bad}");
        }
        assert!(request(Some("21"), None).parse(PLEDGE_PAGE).is_err());
    }

    #[test]
    fn a_cursor_is_a_positive_number() {
        assert_eq!(
            request(None, Some("42")).parse(ROSTER_PAGE).unwrap().after,
            Some(42)
        );
        for bad in ["0", "-3", "+3", "x", "3.5", "eyJ9"] {
            let err = request(None, Some(bad)).parse(ROSTER_PAGE).unwrap_err();
            assert_eq!(err.code, "invalid_cursor", "{bad}");
        }
    }

    #[test]
    fn the_extra_row_read_says_whether_a_next_page_exists() {
        let id = |n: &u64| *n;
        assert_eq!(split_page(vec![1, 2, 3], 3, id), (vec![1, 2, 3], None));
        assert_eq!(
            split_page(vec![1, 2, 3, 4], 3, id),
            (vec![1, 2, 3], Some(3))
        );
        assert_eq!(split_page(Vec::<u64>::new(), 3, id), (vec![], None));
    }
}
