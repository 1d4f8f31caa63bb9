//! The backup file's rules (`docs/FORMATS.md` §14.2, `pakta/backup/v1`): the members a
//! backup holds and which of them it must hold, the `MANIFEST` that describes them (its
//! fields, its text and the reading of it), the checks an unpacked member must pass
//! against the `MANIFEST`, and the rule by which a database copy holds a checkpoint's
//! history. Pure: the caller reads the archive, hashes the bytes and computes tree roots;
//! [`crate::app::backup`] does that IO.

use chrono::{DateTime, SecondsFormat, Utc};

use super::crypto::{CryptoError, Sha256Hash, decode_base64, encode_base64};
use super::note::Checkpoint;

/// The first line of every `MANIFEST`.
pub const BACKUP_FORMAT: &str = "pakta/backup/v1";
/// The name of the archive's first member.
pub const MANIFEST: &str = "MANIFEST";
/// A manifest is a few hundred bytes; anything far larger is not one.
pub const MANIFEST_LIMIT: u64 = 64 * 1024;

/// The members, named as the files of a data directory they are copies of.
pub const DATABASE: &str = "pakta.sqlite3";
pub const LOG_KEY: &str = "log-key";
pub const LOG_CHECKPOINT: &str = "log-checkpoint";
pub const WITNESSED_CHECKPOINT: &str = "witnessed-checkpoint";

/// The members every backup holds, in the order they are written after the `MANIFEST`;
/// a backup with any of them missing cannot serve again.
pub const REQUIRED_MEMBERS: [&str; 3] = [DATABASE, LOG_KEY, LOG_CHECKPOINT];
/// Held only when the registry keeps one, written after the required members.
pub const OPTIONAL_MEMBERS: [&str; 1] = [WITNESSED_CHECKPOINT];

/// Whether `name` may be a member of a backup. Nothing else is ever unpacked, so an
/// archive cannot place a file of its choosing (a path, another name) anywhere.
pub fn is_member_name(name: &str) -> bool {
    REQUIRED_MEMBERS.contains(&name) || OPTIONAL_MEMBERS.contains(&name)
}

/// Why a backup file is refused. The messages follow "`FILE` cannot be restored: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    #[error("it is not a backup file: its first member is not a MANIFEST")]
    NoManifest,
    #[error("its MANIFEST does not start with '{BACKUP_FORMAT}'")]
    WrongFormat,
    #[error("MANIFEST line '{0}' is not 'field: value'")]
    NotFieldValue(String),
    #[error("MANIFEST line '{0}' is not 'member: NAME LENGTH SHA256'")]
    NotMemberLine(String),
    #[error(
        "its MANIFEST gives '{0}' where a number is due: the file was altered or is not a Pakta backup; use another backup"
    )]
    Number(String),
    #[error(transparent)]
    Digest(#[from] CryptoError),
    #[error("its MANIFEST has no valid '{0}' line")]
    Missing(&'static str),
    #[error("its MANIFEST lists '{0}', which is no file of a registry")]
    UnknownMember(String),
    #[error("its MANIFEST lists no {0}")]
    MissingMember(&'static str),
    #[error("it holds '{0}', which its MANIFEST does not list")]
    Unlisted(String),
    #[error("it holds '{0}' twice, or not as a plain file")]
    TwiceOrNotPlain(String),
    #[error(
        "its {name} is not the one its MANIFEST describes (SHA-256 {got} instead of {expected}): the file was altered or damaged. Restore another backup."
    )]
    Altered {
        name: String,
        got: String,
        expected: String,
    },
    #[error(
        "it lacks {0}, which its MANIFEST lists: the file is cut short. Restore another backup."
    )]
    CutShort(String),
}

/// One member as the `MANIFEST` states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// Length in bytes.
    pub length: u64,
    pub sha256: Sha256Hash,
}

impl Member {
    pub fn of(name: &str, bytes: &[u8]) -> Member {
        Member {
            name: name.to_string(),
            length: bytes.len() as u64,
            sha256: Sha256Hash::of(bytes),
        }
    }

    /// The unpacked member has the length and SHA-256 the `MANIFEST` states.
    pub fn check(&self, length: u64, sha256: &Sha256Hash) -> Result<(), BackupError> {
        if length != self.length || *sha256 != self.sha256 {
            return Err(BackupError::Altered {
                name: self.name.clone(),
                got: sha256.to_hex(),
                expected: self.sha256.to_hex(),
            });
        }
        Ok(())
    }
}

/// What the `MANIFEST` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub origin: String,
    /// The size and root of the `log-checkpoint` held.
    pub size: u64,
    pub root: Sha256Hash,
    /// Entries in the database copy (at least `size`).
    pub entries: u64,
    /// When the backup was made, RFC 3339 UTC ([`manifest_time`]); kept as read.
    pub time: String,
    pub members: Vec<Member>,
}

/// The `time` field of a backup made at `now`.
pub fn manifest_time(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn number(text: &str) -> Result<u64, BackupError> {
    text.parse()
        .map_err(|_| BackupError::Number(text.to_string()))
}

impl Manifest {
    pub fn encode(&self) -> String {
        let mut text = format!(
            "{BACKUP_FORMAT}\norigin: {}\nsize: {}\nroot: {}\nentries: {}\ntime: {}\n",
            self.origin,
            self.size,
            encode_base64(&self.root.0),
            self.entries,
            self.time
        );
        for member in &self.members {
            text.push_str(&format!(
                "member: {} {} {}\n",
                member.name,
                member.length,
                member.sha256.to_hex()
            ));
        }
        text
    }

    /// Reads a `MANIFEST`, skipping fields a later version may add. Which members it
    /// lists is checked apart, by [`Manifest::check_members`].
    pub fn parse(text: &str) -> Result<Manifest, BackupError> {
        let mut lines = text.lines();
        if lines.next() != Some(BACKUP_FORMAT) {
            return Err(BackupError::WrongFormat);
        }
        let (mut origin, mut size, mut root, mut entries, mut time) =
            (None, None, None, None, None);
        let mut members = Vec::new();
        for line in lines {
            let (field, value) = line
                .split_once(": ")
                .ok_or_else(|| BackupError::NotFieldValue(line.to_string()))?;
            match field {
                "origin" => origin = Some(value.to_string()),
                "size" => size = Some(number(value)?),
                "root" => root = Sha256Hash::from_slice(&decode_base64("root", value)?),
                "entries" => entries = Some(number(value)?),
                "time" => time = Some(value.to_string()),
                "member" => {
                    let parts: Vec<&str> = value.split(' ').collect();
                    let [name, length, sha256] = parts[..] else {
                        return Err(BackupError::NotMemberLine(line.to_string()));
                    };
                    members.push(Member {
                        name: name.to_string(),
                        length: number(length)?,
                        sha256: Sha256Hash::parse_hex("sha256", sha256)?,
                    });
                }
                _ => {}
            }
        }
        Ok(Manifest {
            origin: origin.ok_or(BackupError::Missing("origin"))?,
            size: size.ok_or(BackupError::Missing("size"))?,
            root: root.ok_or(BackupError::Missing("root"))?,
            entries: entries.ok_or(BackupError::Missing("entries"))?,
            time: time.ok_or(BackupError::Missing("time"))?,
            members,
        })
    }

    /// Every member listed is a file of a registry, and every required one is listed.
    pub fn check_members(&self) -> Result<(), BackupError> {
        if let Some(unknown) = self.members.iter().find(|m| !is_member_name(&m.name)) {
            return Err(BackupError::UnknownMember(unknown.name.clone()));
        }
        match REQUIRED_MEMBERS.iter().find(|r| !self.holds(r)) {
            Some(required) => Err(BackupError::MissingMember(required)),
            None => Ok(()),
        }
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    pub fn holds(&self, name: &str) -> bool {
        self.member(name).is_some()
    }

    /// The `MANIFEST` states the origin, size and root of `checkpoint`.
    pub fn describes(&self, checkpoint: &Checkpoint) -> bool {
        checkpoint.origin == self.origin
            && checkpoint.size == self.size
            && checkpoint.root == self.root
    }
}

/// The members read so far from an archive, after its `MANIFEST`: each must be listed,
/// come once, as a plain file; at the end every listed one must have come.
pub struct Unpacking<'a> {
    manifest: &'a Manifest,
    seen: Vec<String>,
}

impl<'a> Unpacking<'a> {
    /// The archive's first member must be a `MANIFEST` of a plausible size.
    pub fn first(name: &[u8], length: u64) -> Result<(), BackupError> {
        if name != MANIFEST.as_bytes() || length > MANIFEST_LIMIT {
            return Err(BackupError::NoManifest);
        }
        Ok(())
    }

    pub fn new(manifest: &'a Manifest) -> Unpacking<'a> {
        Unpacking {
            manifest,
            seen: Vec::new(),
        }
    }

    /// The next member of the archive, before it is written out: what the `MANIFEST`
    /// states of it, to [`Member::check`] the bytes against.
    pub fn next(&mut self, name: &str, plain_file: bool) -> Result<&'a Member, BackupError> {
        let member = self
            .manifest
            .member(name)
            .ok_or_else(|| BackupError::Unlisted(name.to_string()))?;
        if self.seen.iter().any(|n| n == name) || !plain_file {
            return Err(BackupError::TwiceOrNotPlain(name.to_string()));
        }
        self.seen.push(name.to_string());
        Ok(member)
    }

    /// The archive has ended: nothing the `MANIFEST` lists may be missing.
    pub fn finish(self) -> Result<(), BackupError> {
        match self
            .manifest
            .members
            .iter()
            .find(|m| !self.seen.contains(&m.name))
        {
            Some(missing) => Err(BackupError::CutShort(missing.name.clone())),
            None => Ok(()),
        }
    }
}

/// How a log of `entries` entries stands to a checkpoint of that log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// Its first `size` entries have the checkpoint's root: it holds that history.
    Holds,
    /// It has fewer entries than the checkpoint: it lacks some the checkpoint covers.
    Shorter,
    /// Its tree root at the checkpoint's size is another: another history.
    OtherRoot,
}

/// Whether a log of `entries` entries, whose tree root at a size `root_at` gives, holds
/// the history of the checkpoint of `size` and `root`. The root is asked for only when
/// the log is long enough.
pub fn extension<E>(
    entries: u64,
    size: u64,
    root: &Sha256Hash,
    root_at: impl FnOnce(u64) -> Result<Sha256Hash, E>,
) -> Result<Extension, E> {
    if entries < size {
        return Ok(Extension::Shorter);
    }
    Ok(if root_at(size)? == *root {
        Extension::Holds
    } else {
        Extension::OtherRoot
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            origin: "pakta.test/contoh".into(),
            size: 1200,
            root: Sha256Hash::of(b"root"),
            entries: 1234,
            time: "2026-01-02T03:04:05Z".into(),
            members: vec![
                Member::of(DATABASE, b"db"),
                Member::of(LOG_KEY, b"key"),
                Member::of(LOG_CHECKPOINT, b"checkpoint"),
            ],
        }
    }

    #[test]
    fn a_manifest_reads_back_what_it_says() {
        let manifest = manifest();
        let text = manifest.encode();
        assert!(text.starts_with("pakta/backup/v1\norigin: pakta.test/contoh\nsize: 1200\n"));
        assert_eq!(Manifest::parse(&text).unwrap(), manifest);
        assert_eq!(
            Manifest::parse("pakta/export/v1\n"),
            Err(BackupError::WrongFormat)
        );
        // Fields a later version adds are read past.
        let later = text.replace("time:", "compression: none\ntime:");
        assert_eq!(Manifest::parse(&later).unwrap(), manifest);
    }

    #[test]
    fn a_manifest_without_a_field_or_with_a_bad_line_is_refused() {
        let text = manifest().encode();
        let without_root: String = text
            .lines()
            .filter(|l| !l.starts_with("root:"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            Manifest::parse(&without_root),
            Err(BackupError::Missing("root"))
        );
        assert!(matches!(
            Manifest::parse(&format!("{text}member: log-key 3\n")),
            Err(BackupError::NotMemberLine(_))
        ));
        assert!(matches!(
            Manifest::parse(&format!("{text}no colon here\n")),
            Err(BackupError::NotFieldValue(_))
        ));
    }

    #[test]
    fn only_files_of_a_registry_are_members_and_the_required_ones_are_listed() {
        assert_eq!(manifest().check_members(), Ok(()));
        let mut stray = manifest();
        stray.members.push(Member::of("../etc/passwd", b""));
        assert_eq!(
            stray.check_members(),
            Err(BackupError::UnknownMember("../etc/passwd".into()))
        );
        let mut keyless = manifest();
        keyless.members.retain(|m| m.name != LOG_KEY);
        assert_eq!(
            keyless.check_members(),
            Err(BackupError::MissingMember(LOG_KEY))
        );
        let mut witnessed = manifest();
        witnessed
            .members
            .push(Member::of(WITNESSED_CHECKPOINT, b"cosigned"));
        assert_eq!(witnessed.check_members(), Ok(()));
    }

    #[test]
    fn a_member_must_have_the_length_and_digest_the_manifest_states() {
        let member = Member::of(DATABASE, b"db");
        assert_eq!(member.check(2, &Sha256Hash::of(b"db")), Ok(()));
        assert!(matches!(
            member.check(2, &Sha256Hash::of(b"dB")),
            Err(BackupError::Altered { .. })
        ));
        assert!(member.check(3, &Sha256Hash::of(b"db")).is_err());
        let message = member
            .check(2, &Sha256Hash::of(b"dB"))
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("its pakta.sqlite3 is not the one its MANIFEST describes"));
    }

    #[test]
    fn an_archive_holds_each_listed_member_once_and_nothing_else() {
        let manifest = manifest();
        assert_eq!(Unpacking::first(b"MANIFEST", 400), Ok(()));
        assert_eq!(
            Unpacking::first(b"pakta.sqlite3", 400),
            Err(BackupError::NoManifest)
        );
        assert_eq!(
            Unpacking::first(b"MANIFEST", MANIFEST_LIMIT + 1),
            Err(BackupError::NoManifest)
        );

        let mut unpacking = Unpacking::new(&manifest);
        assert_eq!(unpacking.next(DATABASE, true).unwrap().length, 2);
        assert_eq!(
            unpacking.next(DATABASE, true),
            Err(BackupError::TwiceOrNotPlain(DATABASE.into()))
        );
        assert_eq!(
            unpacking.next(WITNESSED_CHECKPOINT, true),
            Err(BackupError::Unlisted(WITNESSED_CHECKPOINT.into()))
        );
        assert_eq!(
            unpacking.next(LOG_KEY, false),
            Err(BackupError::TwiceOrNotPlain(LOG_KEY.into()))
        );
        assert!(unpacking.next(LOG_CHECKPOINT, true).is_ok());
        assert_eq!(
            unpacking.finish(),
            Err(BackupError::CutShort(LOG_KEY.into()))
        );

        let mut whole = Unpacking::new(&manifest);
        for name in REQUIRED_MEMBERS {
            whole.next(name, true).unwrap();
        }
        assert_eq!(whole.finish(), Ok(()));
    }

    #[test]
    fn a_log_holds_a_checkpoint_only_when_long_enough_and_with_its_root() {
        let root = Sha256Hash::of(b"root at 9");
        let same = |_| Ok::<_, ()>(root);
        let other = |_| Ok::<_, ()>(Sha256Hash::of(b"another"));
        assert_eq!(extension(12, 9, &root, same), Ok(Extension::Holds));
        assert_eq!(extension(9, 9, &root, same), Ok(Extension::Holds));
        assert_eq!(extension(12, 9, &root, other), Ok(Extension::OtherRoot));
        // A later checkpoint larger than the backup: refused without asking for a root.
        let never = |_| -> Result<Sha256Hash, ()> { panic!("no root beyond the log") };
        assert_eq!(extension(8, 9, &root, never), Ok(Extension::Shorter));
        assert_eq!(extension(12, 9, &root, |_| Err("db")), Err("db"));
    }

    #[test]
    fn the_time_is_rfc_3339_utc_in_whole_seconds() {
        let now = DateTime::from_timestamp(1728267030, 999_000_000).unwrap();
        assert_eq!(manifest_time(now), "2024-10-07T02:10:30Z");
    }
}
