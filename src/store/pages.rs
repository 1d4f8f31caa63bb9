//! The SQL of the paged lists: the roster and a ceremony's invitees in the order unit,
//! name, identifier, and ceremonies and pledges by id. Each page is a keyset range read
//! with `LIMIT`, so a request never holds more than one page of rows; the per-OPD report
//! is one pass over the same order, visited a row at a time.
//!
//! The roster order is the index `officials_in_roster_order` (schema/0005_paging.sql):
//! every query here walks it from the cursor rather than sorting the roster, which the
//! tests below pin with `EXPLAIN QUERY PLAN`.

use std::cmp::Ordering;

use rusqlite::types::{Type, Value};
use rusqlite::{OptionalExtension, Row, params, params_from_iter};

use super::Db;
use super::queries::{
    CEREMONY_COLUMNS, Ceremony, Invitee, OFFICIAL_COLUMNS, Official, Pledge, ceremony_row,
    facts_row, official_row_at, pledge_row,
};
use crate::domain::ceremony::InviteeFacts;
use crate::domain::desk::like_anywhere;
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::error::Result;

/// Where an official stands in the roster order: a page continues just after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterPosition {
    opd_code: String,
    name: String,
    nip: String,
}

/// An official's row number, which names their place for the next page.
pub type RowNumber = u64;

/// Whether the official has an active key.
const HAS_KEY: &str =
    "EXISTS (SELECT 1 FROM keys k WHERE k.subject = o.subject AND k.revoked_idx IS NULL)";

/// The invitees of ceremony `?1`, driven by the roster order: `CROSS JOIN` keeps SQLite
/// from starting at the invitees and sorting all of them for every page, which is what
/// it prefers for a large ceremony (0.19 s a page at 100,000, against 0.01 s this way).
const INVITEES_FROM: &str = "
    FROM officials o
    CROSS JOIN invitees i ON i.ceremony_id = ?1 AND i.subject = o.subject
    JOIN opds d ON d.code = o.opd_code
    LEFT JOIN attendance a ON a.ceremony_id = ?1 AND a.subject = o.subject
    LEFT JOIN signatures s ON s.ceremony_id = ?1 AND s.subject = o.subject
    LEFT JOIN mandiri m ON m.ceremony_id = ?1 AND m.subject = o.subject
    LEFT JOIN representation_covers rc ON rc.ceremony_id = ?1 AND rc.subject = o.subject";

/// The columns [`invitee_row`] reads, after the row number.
const INVITEE_COLUMNS: &str = "a.subject IS NOT NULL, s.mode, s.at, m.due, rc.subject IS NOT NULL";

fn invitee_row(r: &Row) -> rusqlite::Result<(RowNumber, Invitee)> {
    Ok((
        r.get(0)?,
        Invitee {
            facts: facts_row(r, 1)?,
            official: official_row_at(r, 6)?,
        },
    ))
}

/// A statement's conditions and parameters, numbered as they are added (after those
/// the statement fixes itself).
struct Conditions {
    text: Vec<String>,
    params: Vec<Value>,
}

impl Conditions {
    fn new(fixed: Vec<Value>) -> Conditions {
        Conditions {
            text: Vec::new(),
            params: fixed,
        }
    }

    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.params.push(value.into());
        format!("?{}", self.params.len())
    }

    fn add(&mut self, condition: String) {
        self.text.push(condition);
    }

    fn sql(&self) -> String {
        if self.text.is_empty() {
            "1".into()
        } else {
            self.text.join(" AND ")
        }
    }

    /// Restricts a walk of the roster order to one unit and to what comes after
    /// `after`; false when nothing can (a position past the unit). With the unit fixed,
    /// the position is compared on (name, identifier) alone: SQLite reads
    /// `opd_code = ? AND (name, nip) > (?, ?)` as one range of the index, but would scan
    /// the whole unit for `opd_code = ? AND (opd_code, name, nip) > (?, ?, ?)`.
    fn roster_range(&mut self, opd: Option<&OpdCode>, after: Option<&RosterPosition>) -> bool {
        match (opd, after) {
            (None, None) => {}
            (None, Some(p)) => {
                let (u, n, i) = (
                    self.bind(p.opd_code.clone()),
                    self.bind(p.name.clone()),
                    self.bind(p.nip.clone()),
                );
                self.add(format!("(o.opd_code, o.name, o.nip) > ({u}, {n}, {i})"));
            }
            (Some(opd), after) => {
                let u = self.bind(opd.as_str().to_string());
                self.add(format!("o.opd_code = {u}"));
                match after.map(|p| (p, p.opd_code.as_str().cmp(opd.as_str()))) {
                    None | Some((_, Ordering::Less)) => {}
                    Some((_, Ordering::Greater)) => return false,
                    Some((p, Ordering::Equal)) => {
                        let (n, i) = (self.bind(p.name.clone()), self.bind(p.nip.clone()));
                        self.add(format!("(o.name, o.nip) > ({n}, {i})"));
                    }
                }
            }
        }
        true
    }
}

impl Db<'_> {
    /// The place of the official with row number `row`, if there is one.
    pub fn roster_position(&self, row: RowNumber) -> Result<Option<RosterPosition>> {
        Ok(self
            .conn
            .prepare_cached("SELECT opd_code, name, nip FROM officials WHERE rowid = ?1")?
            .query_row([row], |r| {
                Ok(RosterPosition {
                    opd_code: r.get(0)?,
                    name: r.get(1)?,
                    nip: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Up to `limit` officials after `after`, each with whether they hold an active key,
    /// optionally of one unit and only those without a key.
    pub fn officials_page(
        &self,
        opd: Option<&OpdCode>,
        keyless_only: bool,
        after: Option<&RosterPosition>,
        limit: u64,
    ) -> Result<Vec<(RowNumber, Official, bool)>> {
        self.roster_page(opd, keyless_only, None, after, limit)
    }

    /// The same page of officials whose name contains `search` (ignoring the case of
    /// ASCII letters) or whose identifier contains it with its spaces taken out, as a
    /// clerk types a NIP off a paper form. The filter rides on the same walk of the
    /// roster index, so the cursor and the order are those of the unfiltered list; a
    /// search that matches few officials reads further along the index for a page.
    pub fn officials_matching(
        &self,
        opd: Option<&OpdCode>,
        search: &str,
        after: Option<&RosterPosition>,
        limit: u64,
    ) -> Result<Vec<(RowNumber, Official, bool)>> {
        self.roster_page(opd, false, Some(search), after, limit)
    }

    fn roster_page(
        &self,
        opd: Option<&OpdCode>,
        keyless_only: bool,
        search: Option<&str>,
        after: Option<&RosterPosition>,
        limit: u64,
    ) -> Result<Vec<(RowNumber, Official, bool)>> {
        let mut conditions = Conditions::new(Vec::new());
        if !conditions.roster_range(opd, after) {
            return Ok(Vec::new());
        }
        if keyless_only {
            conditions.add(format!("NOT {HAS_KEY}"));
        }
        if let Some(search) = search {
            let name = conditions.bind(like_anywhere(search));
            let digits: String = search.split_whitespace().collect();
            let nip = conditions.bind(like_anywhere(&digits));
            conditions.add(format!(
                "(o.name LIKE {name} ESCAPE '\\' OR o.nip LIKE {nip} ESCAPE '\\')"
            ));
        }
        let limit = conditions.bind(limit_value(limit));
        let sql = format!(
            "SELECT o.rowid, {OFFICIAL_COLUMNS}, {HAS_KEY}
             FROM officials o JOIN opds d ON d.code = o.opd_code
             WHERE {}
             ORDER BY o.opd_code, o.name, o.nip
             LIMIT {limit}",
            conditions.sql()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(&conditions.params), |r| {
            Ok((r.get(0)?, official_row_at(r, 1)?, r.get::<_, bool>(9)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` invitees of a ceremony after `after`, with the current roster data
    /// and what happened so far, optionally of one unit (their current one).
    pub fn invitees_page(
        &self,
        ceremony: CeremonyId,
        opd: Option<&OpdCode>,
        after: Option<&RosterPosition>,
        limit: u64,
    ) -> Result<Vec<(RowNumber, Invitee)>> {
        let Some((sql, params)) = invitees_page_query(ceremony, opd, after, limit) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(&params), invitee_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What is known about every invitee of a ceremony, with the code and name of their
    /// current unit, in unit order, optionally of one unit, handed to `visit` one at a
    /// time: a report over any number of invitees holds one row. It reads the roster
    /// index and never an official's own row, which the counts do not need (at 100,000
    /// invitees that halves the time).
    pub fn for_each_invitee_by_unit(
        &self,
        ceremony: CeremonyId,
        opd: Option<&OpdCode>,
        mut visit: impl FnMut(&str, &str, InviteeFacts) -> Result<()>,
    ) -> Result<()> {
        let mut conditions = Conditions::new(vec![Value::from(ceremony_value(ceremony))]);
        conditions.roster_range(opd, None);
        let sql = format!(
            "SELECT o.opd_code, d.name, {INVITEE_COLUMNS} {INVITEES_FROM}
             WHERE {}
             ORDER BY o.opd_code",
            conditions.sql()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(&conditions.params))?;
        while let Some(row) = rows.next()? {
            let facts = facts_row(row, 2)?;
            let text = |i: usize| -> rusqlite::Result<&str> {
                row.get_ref(i)?
                    .as_str()
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))
            };
            visit(text(0)?, text(1)?, facts)?;
        }
        Ok(())
    }

    /// Up to `limit` ceremonies with an id above `after`, oldest first.
    pub fn ceremonies_page(&self, after: u64, limit: u64) -> Result<Vec<Ceremony>> {
        let sql =
            format!("SELECT {CEREMONY_COLUMNS} FROM ceremonies WHERE id > ?1 ORDER BY id LIMIT ?2");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![id_value(after), limit_value(limit)], ceremony_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` published pledges with an id above `after`, oldest first.
    pub fn pledges_page(&self, after: u64, limit: u64) -> Result<Vec<Pledge>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, text, sha256, published_idx, published_at FROM pledges
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![id_value(after), limit_value(limit)], pledge_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The statement of [`Db::invitees_page`] and its parameters; `None` when the page is
/// empty whatever the data (a position past the unit).
fn invitees_page_query(
    ceremony: CeremonyId,
    opd: Option<&OpdCode>,
    after: Option<&RosterPosition>,
    limit: u64,
) -> Option<(String, Vec<Value>)> {
    let mut conditions = Conditions::new(vec![Value::from(ceremony_value(ceremony))]);
    if !conditions.roster_range(opd, after) {
        return None;
    }
    let limit = conditions.bind(limit_value(limit));
    let sql = format!(
        "SELECT o.rowid, {INVITEE_COLUMNS}, {OFFICIAL_COLUMNS} {INVITEES_FROM}
         WHERE {}
         ORDER BY o.opd_code, o.name, o.nip
         LIMIT {limit}",
        conditions.sql()
    );
    Some((sql, conditions.params))
}

/// SQLite integers are signed: a larger limit means "all", which it is anyway.
fn limit_value(limit: u64) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// An id past every SQLite integer has nothing after it.
fn id_value(after: u64) -> i64 {
    i64::try_from(after).unwrap_or(i64::MAX)
}

fn ceremony_value(ceremony: CeremonyId) -> i64 {
    id_value(ceremony.get())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::ManualClock;
    use crate::store::Store;

    /// The plan SQLite chooses for `sql`, one detail per line.
    fn plan(db: &Db<'_>, sql: &str, params: &[Value]) -> String {
        let mut stmt = db
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = stmt
            .query_map(params_from_iter(params), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    fn position() -> RosterPosition {
        RosterPosition {
            opd_code: "DISDIK".into(),
            name: "Siti".into(),
            nip: "198502142010122002".into(),
        }
    }

    /// Every paged read walks the roster index from the cursor: no sort of the roster
    /// (a temporary B-tree) and no scan of a whole unit.
    #[test]
    fn pages_walk_the_roster_index_from_the_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2024, 10, 7, 1, 0, 0).unwrap(),
        ));
        let store = Store::open(dir.path(), clock).unwrap();
        let disdik = OpdCode::parse("DISDIK").unwrap();
        store
            .read_blocking(|db| {
                let p = position();
                for opd in [None, Some(&disdik)] {
                    for keyless in [false, true] {
                        let mut c = Conditions::new(Vec::new());
                        assert!(c.roster_range(opd, Some(&p)));
                        if keyless {
                            c.add(format!("NOT {HAS_KEY}"));
                        }
                        let sql = format!(
                            "SELECT o.rowid FROM officials o JOIN opds d ON d.code = o.opd_code
                             WHERE {} ORDER BY o.opd_code, o.name, o.nip LIMIT 10",
                            c.sql()
                        );
                        let plan = plan(db, &sql, &c.params);
                        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
                        let range = if opd.is_some() {
                            "(opd_code=? AND (name,nip)>(?,?))"
                        } else {
                            "((opd_code,name,nip)>(?,?,?))"
                        };
                        assert!(
                            plan.contains(&format!("INDEX officials_in_roster_order {range}")),
                            "{plan}"
                        );
                    }
                    let mut c = Conditions::new(vec![Value::from(1)]);
                    assert!(c.roster_range(opd, Some(&p)));
                    let sql = format!(
                        "SELECT o.rowid, {INVITEE_COLUMNS} {INVITEES_FROM} WHERE {}
                         ORDER BY o.opd_code, o.name, o.nip LIMIT 10",
                        c.sql()
                    );
                    let plan = plan(db, &sql, &c.params);
                    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
                    assert!(
                        plan.lines()
                            .next()
                            .is_some_and(|l| l.contains("officials_in_roster_order")),
                        "{plan}"
                    );
                }
                // The report's pass reads the index alone.
                let sql = format!(
                    "SELECT o.opd_code, d.name, {INVITEE_COLUMNS} {INVITEES_FROM} WHERE 1
                     ORDER BY o.opd_code"
                );
                let plan = plan(db, &sql, &[Value::from(1)]);
                assert!(
                    plan.starts_with("SCAN o USING COVERING INDEX officials_in_roster_order"),
                    "{plan}"
                );
                Ok(())
            })
            .unwrap();
    }

    /// A search keeps to the same walk of the roster index, so its pages keep their
    /// cursor; what the clerk types is taken literally, wildcards included.
    #[test]
    fn a_search_walks_the_roster_index_and_takes_wildcards_literally() {
        assert_eq!(like_anywhere("Siti"), "%Siti%");
        assert_eq!(like_anywhere("50%_a\\b"), "%50\\%\\_a\\\\b%");
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2024, 10, 7, 1, 0, 0).unwrap(),
        ));
        let store = Store::open(dir.path(), clock).unwrap();
        store
            .read_blocking(|db| {
                let p = position();
                let mut c = Conditions::new(Vec::new());
                assert!(c.roster_range(None, Some(&p)));
                let pattern = c.bind(like_anywhere("siti"));
                c.add(format!("o.name LIKE {pattern} ESCAPE '\\'"));
                let sql = format!(
                    "SELECT o.rowid FROM officials o JOIN opds d ON d.code = o.opd_code
                     WHERE {} ORDER BY o.opd_code, o.name, o.nip LIMIT 10",
                    c.sql()
                );
                let plan = plan(db, &sql, &c.params);
                assert!(!plan.contains("TEMP B-TREE"), "{plan}");
                assert!(plan.contains("officials_in_roster_order"), "{plan}");
                Ok(())
            })
            .unwrap();
    }

    /// One OPD's unsigned list, as its supervisor asks for it (issue 11: under 50 ms
    /// over 100,000 officials in 500 OPDs, `examples/bench_reads.rs --unsigned`): the
    /// exact statement of [`Db::invitees_page`], first page and next ones, finds the
    /// unit's officials by the roster index and each one's invitation, attendance,
    /// signature, mandiri and cover by primary key. Nothing is scanned (neither the
    /// roster nor a ceremony's invitees) and nothing sorted, so a page reads about
    /// `limit` officials whatever the size of the roster.
    #[test]
    fn one_opds_unsigned_list_searches_its_unit_and_scans_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2024, 10, 7, 1, 0, 0).unwrap(),
        ));
        let store = Store::open(dir.path(), clock).unwrap();
        let opd = OpdCode::parse("DISDIK").unwrap();
        let ceremony = CeremonyId::new(1).unwrap();
        let p = position();
        store
            .read_blocking(|db| {
                for (after, range) in [
                    (None, "(opd_code=?)"),
                    (Some(&p), "(opd_code=? AND (name,nip)>(?,?))"),
                ] {
                    let (sql, params) = invitees_page_query(ceremony, Some(&opd), after, 101)
                        .expect("a page in the unit");
                    let plan = plan(db, &sql, &params);
                    let mut expected =
                        vec![format!("SEARCH o USING INDEX officials_in_roster_order {range}")];
                    expected.push(
                        "SEARCH i USING PRIMARY KEY (ceremony_id=? AND subject=?)".into(),
                    );
                    expected.push("SEARCH d USING INDEX sqlite_autoindex_opds_1 (code=?)".into());
                    for joined in ["a", "s", "m", "rc"] {
                        expected.push(format!(
                            "SEARCH {joined} USING PRIMARY KEY (ceremony_id=? AND subject=?) LEFT-JOIN"
                        ));
                    }
                    assert_eq!(plan, expected.join("\n"));
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_position_in_another_unit_lets_all_or_none_of_the_unit_through() {
        let p = position();
        let before = OpdCode::parse("DINKES").unwrap();
        let after = OpdCode::parse("DISHUB").unwrap();
        let mut c = Conditions::new(Vec::new());
        assert!(!c.roster_range(Some(&before), Some(&p)));
        let mut c = Conditions::new(Vec::new());
        assert!(c.roster_range(Some(&after), Some(&p)));
        assert_eq!(c.sql(), "o.opd_code = ?1");
    }
}
