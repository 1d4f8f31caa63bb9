//! The rules of watching many registries at once (`pakta mirror --registries`): reading
//! the list of registries, naming each one's copy after its verifier key, reading
//! durations such as `24h`, deciding when a log has stopped growing, and the report an
//! auditor reads (problems first, then a summary) with its exit status. Pure: the caller
//! passes the time and what each registry's check found.

use chrono::{DateTime, Duration, Utc};

use crate::domain::crypto::{Sha256Hash, encode_base64};
use crate::domain::note::VerifierKey;

/// Exit status when a registry showed a fork (the same as the single-registry mirror).
pub const EXIT_FORK: u8 = 3;
/// Exit status when no registry forked but one stopped growing or could not be checked.
pub const EXIT_STALE_OR_UNREACHABLE: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    #[error(
        "line {line}: {reason}; each line is `URL VKEY`, e.g. `https://pakta.example.go.id pakta.example.go.id/netralitas+1a2b3c4d+AbC…=` (blank lines and lines starting with # are skipped)"
    )]
    BadLine { line: usize, reason: String },
    #[error(
        "line {line} lists the verifier key already given on line {first}: each registry's copy is kept under its key, so list each registry once"
    )]
    DuplicateKey { line: usize, first: usize },
    #[error("the registries file lists no registry; add one line `URL VKEY` per registry")]
    Empty,
    #[error(
        "'{0}' is not a duration: write a whole number followed by s, m, h or d, e.g. 90s, 30m, 24h, 0s"
    )]
    BadDuration(String),
}

/// One registry to watch: where it is served and the key its checkpoints must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub url: String,
    pub vkey: VerifierKey,
    /// The line of the registries file it came from.
    pub line: usize,
}

/// Reads the registries file: one `URL VKEY` per line, blank lines and `#` comments
/// allowed. A key listed twice is refused, since both lines would share one copy.
pub fn parse_registries(text: &str) -> Result<Vec<Registry>, MonitorError> {
    let mut registries: Vec<Registry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let bad = |reason: &str| MonitorError::BadLine {
            line,
            reason: reason.to_string(),
        };
        let fields: Vec<&str> = content.split_whitespace().collect();
        let [url, vkey] = fields.as_slice() else {
            return Err(bad(&format!(
                "expected two fields (URL and verifier key), found {}",
                fields.len()
            )));
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(bad(&format!("'{url}' is not an http:// or https:// URL")));
        }
        let vkey = VerifierKey::parse(vkey).map_err(|e| {
            bad(&format!(
                "the verifier key is not valid ({e}); copy it as served at /api/registry/vkey"
            ))
        })?;
        if let Some(first) = registries.iter().find(|r| r.vkey == vkey) {
            return Err(MonitorError::DuplicateKey {
                line,
                first: first.line,
            });
        }
        registries.push(Registry {
            url: url.trim_end_matches('/').to_string(),
            vkey,
            line,
        });
    }
    if registries.is_empty() {
        return Err(MonitorError::Empty);
    }
    Ok(registries)
}

/// The directory name of a registry's copy: its origin reduced to lowercase letters,
/// digits and dashes, then its key id. Keyed by the verifier key rather than the URL, so a
/// registry that moves keeps its copy, and a second server showing another history under
/// the same key is held to the history already verified.
pub fn copy_dir_name(vkey: &VerifierKey) -> String {
    let mut slug = String::new();
    for c in vkey.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    // Long origins are cut so the name stays well under file system limits; the key id
    // keeps it unique.
    let slug: String = slug.chars().take(64).collect();
    let slug = slug.trim_end_matches('-');
    let id = hex::encode(vkey.id);
    if slug.is_empty() {
        id
    } else {
        format!("{slug}-{id}")
    }
}

/// Reads `90s`, `30m`, `24h`, `2d` or `0s`.
pub fn parse_duration(text: &str) -> Result<Duration, MonitorError> {
    let bad = || MonitorError::BadDuration(text.to_string());
    let t = text.trim();
    let unit = t.chars().last().ok_or_else(bad)?;
    let digits = &t[..t.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let seconds = match unit {
        's' => Some(n),
        'm' => n.checked_mul(60),
        'h' => n.checked_mul(3600),
        'd' => n.checked_mul(86_400),
        _ => None,
    };
    seconds
        .and_then(Duration::try_seconds)
        .filter(|d| *d <= Duration::days(36_500))
        .ok_or_else(bad)
}

/// A duration as people read it: `45s`, `12m 5s`, `3h 20m`, `2d 4h`.
pub fn human_duration(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, _) => format!("{minutes}m {seconds}s"),
        (0, _, _) => format!("{hours}h {minutes}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// A signed tree head named in a fork: its size and root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub root: Sha256Hash,
}

/// What one check of one registry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Grew {
        from: u64,
        to: u64,
    },
    Same {
        size: u64,
    },
    Fork {
        verified: Head,
        offered: Head,
        /// Where the two checkpoints were written for the auditor.
        evidence: String,
    },
    /// The registry could not be fetched (the network, the server).
    Unreachable(String),
    /// It answered, but could not be checked (a checkpoint that does not verify under
    /// the pinned key, damaged tiles, a copy that cannot be written).
    Failed(String),
}

/// A registry's status in the report, worst first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Fork {
        verified: Head,
        offered: Head,
        evidence: String,
    },
    Unreachable(String),
    Failed(String),
    Stopped {
        size: u64,
        since: DateTime<Utc>,
    },
    Grew {
        from: u64,
        to: u64,
    },
    UpToDate {
        size: u64,
    },
}

impl Status {
    fn rank(&self) -> u8 {
        match self {
            Status::Fork { .. } => 0,
            Status::Unreachable(_) => 1,
            Status::Failed(_) => 2,
            Status::Stopped { .. } => 3,
            Status::Grew { .. } => 4,
            Status::UpToDate { .. } => 5,
        }
    }

    pub fn is_problem(&self) -> bool {
        self.rank() <= 3
    }
}

/// Turns what a check found into a status, given when the log last grew. Returns the time
/// of last growth to keep: now when it grew, or when it is seen for the first time (a
/// baseline, so a copy is not reported stopped on its first check). A log that did not
/// grow is stopped once at least `stale_after` has passed since it last grew: with `0s`,
/// any registry that did not grow since the previous pass.
pub fn classify(
    found: Found,
    last_growth: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    stale_after: Duration,
) -> (Status, Option<DateTime<Utc>>) {
    match found {
        Found::Grew { from, to } => (Status::Grew { from, to }, Some(now)),
        Found::Same { size } => match last_growth {
            None => (Status::UpToDate { size }, Some(now)),
            Some(since) if now - since >= stale_after => (Status::Stopped { size, since }, None),
            Some(_) => (Status::UpToDate { size }, None),
        },
        Found::Fork {
            verified,
            offered,
            evidence,
        } => (
            Status::Fork {
                verified,
                offered,
                evidence,
            },
            None,
        ),
        Found::Unreachable(e) => (Status::Unreachable(e), None),
        Found::Failed(e) => (Status::Failed(e), None),
    }
}

/// One registry's line in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub url: String,
    /// The copy's directory name.
    pub copy: String,
    pub status: Status,
}

/// The report of one pass: one line per registry, problems first (forks, then registries
/// that could not be checked, then logs that stopped growing), then a summary line.
pub fn report(lines: &mut [Line], now: DateTime<Utc>) -> String {
    lines.sort_by(|a, b| {
        (a.status.rank(), &a.url, &a.copy).cmp(&(b.status.rank(), &b.url, &b.copy))
    });
    let mut out = String::new();
    for line in lines.iter() {
        let (label, detail) = match &line.status {
            Status::Fork {
                verified,
                offered,
                evidence,
            } => (
                "FORK",
                format!(
                    "verified {} entries with root {}, now offered {} entries with root {}; both checkpoints kept in {evidence}",
                    verified.size,
                    encode_base64(&verified.root.0),
                    offered.size,
                    encode_base64(&offered.root.0)
                ),
            ),
            Status::Unreachable(e) => ("UNREACHABLE", e.clone()),
            Status::Failed(e) => ("CHECK FAILED", e.clone()),
            Status::Stopped { size, since } => (
                "STOPPED GROWING",
                format!(
                    "at {size} entries, since {} ({} ago)",
                    since.format("%Y-%m-%d %H:%M:%S UTC"),
                    human_duration(now - *since)
                ),
            ),
            Status::Grew { from, to } => ("grew", format!("from {from} to {to} entries")),
            Status::UpToDate { size } => ("up to date", format!("at {size} entries")),
        };
        out.push_str(&format!(
            "{label:<16} {} [{}]: {detail}\n",
            line.url, line.copy
        ));
    }
    let count = |rank: u8| lines.iter().filter(|l| l.status.rank() == rank).count();
    out.push_str(&format!(
        "{} registries: {} fork, {} unreachable, {} check failed, {} stopped growing, {} grew, {} up to date\n",
        lines.len(),
        count(0),
        count(1),
        count(2),
        count(3),
        count(4),
        count(5)
    ));
    out
}

/// The pass's exit status: a fork outweighs everything, then any other problem.
pub fn exit_status(lines: &[Line]) -> u8 {
    if lines
        .iter()
        .any(|l| matches!(l.status, Status::Fork { .. }))
    {
        EXIT_FORK
    } else if lines.iter().any(|l| l.status.is_problem()) {
        EXIT_STALE_OR_UNREACHABLE
    } else {
        0
    }
}

/// The evidence file's name for a fork, one per offered checkpoint, so a watch that sees
/// the same fork again does not pile up copies.
pub fn evidence_file_name(offered: &Head) -> String {
    format!(
        "fork-evidence-{}-{}.txt",
        offered.size,
        &offered.root.to_hex()[..16]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 10, 7, h, m, s).unwrap()
    }

    #[test]
    fn the_registries_file_takes_comments_and_refuses_what_it_cannot_use() {
        let text = format!("# kabupaten\n\nhttps://a.example.go.id/ {VKEY}\n  # more later\n");
        let list = parse_registries(&text).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].url, "https://a.example.go.id");
        assert_eq!(list[0].line, 3);

        let twice = format!("https://a.example {VKEY}\nhttps://b.example {VKEY}\n");
        assert_eq!(
            parse_registries(&twice),
            Err(MonitorError::DuplicateKey { line: 2, first: 1 })
        );
        assert!(matches!(
            parse_registries("https://a.example\n"),
            Err(MonitorError::BadLine { line: 1, .. })
        ));
        assert!(matches!(
            parse_registries(&format!("a.example {VKEY}\n")),
            Err(MonitorError::BadLine { line: 1, .. })
        ));
        assert!(matches!(
            parse_registries("https://a.example name+00000000+AAAA\n"),
            Err(MonitorError::BadLine { line: 1, .. })
        ));
        assert_eq!(parse_registries("# none\n\n"), Err(MonitorError::Empty));
    }

    #[test]
    fn a_copy_is_named_after_the_origin_and_key_id() {
        let vkey = VerifierKey::parse(VKEY).unwrap();
        assert_eq!(copy_dir_name(&vkey), "peterneumann-c74f20a3");
        let mut slashed = vkey.clone();
        slashed.name = "pakta.test/Kabupaten Contoh//2024".into();
        assert_eq!(
            copy_dir_name(&slashed),
            "pakta-test-kabupaten-contoh-2024-c74f20a3"
        );
        slashed.name = "../..".into();
        assert_eq!(copy_dir_name(&slashed), "c74f20a3");
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("24h"), Ok(Duration::hours(24)));
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)));
        assert_eq!(parse_duration("0s"), Ok(Duration::zero()));
        for bad in ["", "h", "24", "-1h", "1.5h", "1w", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(human_duration(Duration::seconds(45)), "45s");
        assert_eq!(human_duration(Duration::seconds(12 * 60 + 5)), "12m 5s");
        assert_eq!(human_duration(Duration::minutes(200)), "3h 20m");
        assert_eq!(human_duration(Duration::hours(52)), "2d 4h");
    }

    #[test]
    fn a_log_is_stopped_once_it_has_not_grown_for_the_stale_period() {
        let day = Duration::hours(24);
        let same = Found::Same { size: 7 };
        // Seen for the first time: a baseline, not a stop.
        assert_eq!(
            classify(same.clone(), None, at(1, 0, 0), Duration::zero()),
            (Status::UpToDate { size: 7 }, Some(at(1, 0, 0)))
        );
        assert_eq!(
            classify(same.clone(), Some(at(1, 0, 0)), at(9, 0, 0), day),
            (Status::UpToDate { size: 7 }, None)
        );
        let since = at(1, 0, 0) - day;
        assert_eq!(
            classify(same.clone(), Some(since), at(1, 0, 0), day),
            (Status::Stopped { size: 7, since }, None)
        );
        // With 0s, not growing since the previous pass is enough, even within a second.
        assert_eq!(
            classify(same, Some(at(1, 0, 0)), at(1, 0, 0), Duration::zero()),
            (
                Status::Stopped {
                    size: 7,
                    since: at(1, 0, 0)
                },
                None
            )
        );
        assert_eq!(
            classify(
                Found::Grew { from: 7, to: 9 },
                Some(at(1, 0, 0)),
                at(2, 0, 0),
                Duration::zero()
            ),
            (Status::Grew { from: 7, to: 9 }, Some(at(2, 0, 0)))
        );
    }

    #[test]
    fn the_report_puts_problems_first_and_sets_the_exit_status() {
        let head = |size, byte| Head {
            size,
            root: Sha256Hash([byte; 32]),
        };
        let line = |url: &str, status| Line {
            url: url.into(),
            copy: format!("copy-{url}"),
            status,
        };
        let mut lines = vec![
            line("https://a", Status::Grew { from: 1, to: 3 }),
            line("https://b", Status::UpToDate { size: 2 }),
            line(
                "https://c",
                Status::Stopped {
                    size: 4,
                    since: at(1, 0, 0),
                },
            ),
            line(
                "https://d",
                Status::Unreachable("connection refused".into()),
            ),
        ];
        assert_eq!(exit_status(&lines), EXIT_STALE_OR_UNREACHABLE);
        lines.push(line(
            "https://e",
            Status::Fork {
                verified: head(5, 1),
                offered: head(6, 2),
                evidence: "copy-e/fork-evidence-6-0202020202020202.txt".into(),
            },
        ));
        assert_eq!(exit_status(&lines), EXIT_FORK);
        let text = report(&mut lines, at(4, 20, 0));
        let rows: Vec<&str> = text.lines().collect();
        assert!(
            rows[0].starts_with(
                "FORK             https://e [copy-https://e]: verified 5 entries with root AQEB"
            ),
            "{text}"
        );
        assert!(
            rows[0].contains("now offered 6 entries with root AgIC"),
            "{text}"
        );
        assert!(rows[1].starts_with("UNREACHABLE      https://d"), "{text}");
        assert!(
            rows[2].ends_with("at 4 entries, since 2024-10-07 01:00:00 UTC (3h 20m ago)"),
            "{text}"
        );
        assert!(rows[3].starts_with("grew             https://a"), "{text}");
        assert!(rows[4].starts_with("up to date       https://b"), "{text}");
        assert_eq!(
            rows[5],
            "5 registries: 1 fork, 1 unreachable, 0 check failed, 1 stopped growing, 1 grew, 1 up to date"
        );
        lines.retain(|l| !l.status.is_problem());
        assert_eq!(exit_status(&lines), 0);
    }
}
