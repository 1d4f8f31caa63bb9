//! `pakta bench generate`: builds, quickly and repeatably, a registry of exactly N valid
//! entries in a new data directory, for the audit, proof and restart benchmarks at scale
//! (issue 11). A roster of officials in many OPDs (about 200 each) enrolls keys, each
//! with its enrollment message kept and its proof signed by the official's key; then,
//! round after round until N entries, a pledge is published, every OPD holds a ceremony
//! (check-ins, pledge signatures over sealed statements exactly as the registry issues
//! them, kept beside the log), the ceremony closes with its absentees routed to ikrar
//! mandiri, some of whom sign later, and between rounds some officials move their key to
//! a new phone (revoked and enrolled again).
//!
//! The data directory is made by `App::open`, as `pakta serve` makes it (log key, origin,
//! secrets, kept checkpoint); the entries then go through the store's single writer
//! ([`Store::bulk_writer`]: the server's writer on a connection with a page cache sized
//! for the load) with the same `WriteTx` methods the use cases call, so every row beside
//! the log is the one the application would have written, but tens of thousands of
//! entries per write job (one transaction each) instead of one request per entry. Signatures are made
//! on every core while the writer commits the previous job. Reopening the registry at the
//! end signs and keeps the checkpoint of the whole log.
//!
//! Officials, keys, subject ids, enrollment codes, times and every choice come from
//! `--seed`; only what the registry makes itself at first start (its log key and seal
//! secret, hence the statements' seals and the hashes after them) differs between runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Duration, TimeZone, Utc};
use clap::Args;
use ed25519_dalek::{Signer, SigningKey};

use pakta::app::{App, Config, Invite};
use pakta::clock::{ManualClock, SystemClock};
use pakta::demo::kabupaten::DemoKabupaten;
use pakta::domain::crypto::{KeyFingerprint, PublicKey, Sha256Hash, Signature};
use pakta::domain::entry::{
    AttendanceMethod, EntryBody, RevocationReason, SigningMode, invitees_digest,
};
use pakta::domain::identifier::{Category, Identifier, OpdCode};
use pakta::domain::ids::{CeremonyId, PledgeId, SubjectId};
use pakta::domain::signing_protocol::seal;
use pakta::domain::statement::{EnrollmentCode, Statement, StatementFormat, enrollment_message};
use pakta::domain::zone::Zone;
use pakta::store::writer::Writer;
use pakta::store::{Db, Store, WriteTx};

#[derive(Args)]
pub struct GenerateArgs {
    /// How many log entries to make.
    #[arg(long)]
    entries: u64,
    /// The data directory to create; it must not exist or be empty.
    #[arg(long)]
    data: PathBuf,
    /// Seed of everything the generator chooses: the same seed gives the same officials,
    /// keys and season.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Entries appended per write job: one transaction and one fsync each.
const ENTRIES_PER_JOB: u64 = 32_768;
/// Roster rows written per write job.
const ROWS_PER_JOB: usize = 10_000;
/// Officials per OPD: a hall-sized ceremony each.
const OFFICIALS_PER_OPD: usize = 200;
/// Entries one official brings over the season, about: sizes the roster so that N
/// entries take two rounds (two pledges).
const ENTRIES_PER_OFFICIAL: u64 = 5;
/// Percentages: invitees who come to the hall, attendees who sign there, officials
/// routed to ikrar mandiri who sign it, officials who enroll a new key between rounds.
const ATTEND_PCT: u64 = 90;
const SIGN_PCT: u64 = 95;
const MANDIRI_SIGN_PCT: u64 = 60;
const NEW_KEY_PCT: u64 = 3;
/// The pledge text every round publishes (its title names the round).
const PLEDGE_TEXT: &str = pakta::demo::load::PLEDGE_TEXT;

pub fn generate(args: &GenerateArgs) -> Result<std::process::ExitCode> {
    if args.entries == 0 {
        bail!("--entries must be at least 1");
    }
    if args.data.exists()
        && std::fs::read_dir(&args.data)
            .with_context(|| format!("cannot read {}", args.data.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty: give a new data directory, the generator never adds to a registry",
            args.data.display()
        );
    }
    let started = Instant::now();
    let officials_count = (args.entries / ENTRIES_PER_OFFICIAL).max(10) as usize;
    let mut world = World::build(args.seed, officials_count)?;
    eprintln!(
        "roster: {} officials in {} OPDs ({:.1} s)",
        world.officials.len(),
        world.opds.len(),
        started.elapsed().as_secs_f64()
    );

    // The directory as `pakta serve` makes it: log key, origin, seal secret, checkpoint.
    let config = Config {
        instansi: "Kabupaten Sukamaju Raya (bench)".into(),
        zone: world.zone,
        ..Config::default()
    };
    let app = App::open(&args.data, Arc::new(SystemClock), config.clone(), None)
        .with_context(|| format!("creating the registry in {}", args.data.display()))?;
    drop(app);
    world.secret = statement_secret(&args.data)?;
    let world = world;
    let clock = Arc::new(ManualClock::new(world.start));
    let writer = Store::bulk_writer(&args.data)?;

    // The keys are derived on every core while the writer stores the roster.
    let keys = std::thread::scope(|scope| -> Result<Vec<SigningKey>> {
        let keys = scope.spawn(|| derive_keys(&world, args.seed));
        write_roster(&writer, &clock, &world)?;
        keys.join()
            .map_err(|_| anyhow!("a key derivation thread panicked"))
    })?;
    eprintln!(
        "roster stored, keys: {} derived from the seed ({:.1} s)",
        keys.len(),
        started.elapsed().as_secs_f64()
    );

    let counts = std::thread::scope(|scope| -> Result<Counts> {
        let (jobs, inbox) = sync_channel::<Vec<Ready>>(2);
        let total = args.entries;
        let submitter = {
            let writer = writer.clone();
            let clock = clock.clone();
            scope.spawn(move || -> Result<()> {
                let mut written = 0u64;
                let mut last_report = Instant::now();
                for job in inbox {
                    let entries: u64 = job.iter().map(Ready::entries).sum();
                    let entry_clock = clock.clone();
                    writer.write_blocking(clock.clone(), move |w| {
                        job.into_iter()
                            .try_for_each(|ready| ready.apply(w, &entry_clock))
                    })?;
                    written += entries;
                    if last_report.elapsed().as_secs() >= 2 || written == total {
                        last_report = Instant::now();
                        eprintln!(
                            "entries: {written} of {total} ({}%), {:.1} s",
                            written * 100 / total,
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                Ok(())
            })
        };
        let mut planner = Planner::new(&world, keys, args.entries, |steps| {
            let ready = prepare_all(&world, steps)?;
            jobs.send(ready)
                .map_err(|_| anyhow!("the writer stopped: see the error below"))
        });
        let planned = planner.run();
        let counts = planner.counts;
        drop(planner);
        drop(jobs);
        let written = submitter
            .join()
            .map_err(|_| anyhow!("the writer thread panicked"))?;
        written?;
        planned?;
        Ok(counts)
    })?;
    drop(writer);

    // Reopen as the server would: checks the log against the kept checkpoint, then
    // signs and keeps the checkpoint of all N entries.
    let app = App::open(&args.data, Arc::new(SystemClock), config, None)
        .with_context(|| format!("reopening the registry in {}", args.data.display()))?;
    drop(app);
    // Leave the database whole in its file, not partly in a write-ahead log of the size
    // of the last jobs: a later start (or a restart benchmark) then finds nothing to
    // recover.
    Store::open(&args.data, Arc::new(SystemClock))?.truncate_wal()?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "generated {} entries in {seconds:.1} s ({:.0} entries/s) in {}",
        args.entries,
        args.entries as f64 / seconds,
        args.data.display()
    );
    println!(
        "officials: {}, OPDs: {}; keys enrolled: {}, revoked: {}; pledges: {}; ceremonies: {} ({} closed); check-ins: {}; signatures: {} in ceremonies, {} mandiri; routed to mandiri: {}",
        world.officials.len(),
        world.opds.len(),
        counts.enrolled,
        counts.revoked,
        counts.pledges,
        counts.ceremonies,
        counts.closed,
        counts.attended,
        counts.signed_ceremony,
        counts.signed_mandiri,
        counts.assigned
    );
    println!("audit it with: pakta verify --data {}", args.data.display());
    Ok(std::process::ExitCode::SUCCESS)
}

/// The seal secret `App::open` made for the new registry: statements are sealed with it
/// exactly as the registry seals the ones it issues.
fn statement_secret(dir: &Path) -> Result<[u8; 32]> {
    let conn = Store::open_read_only(dir)?;
    let hex_text = Db::over(&conn)
        .meta("statement_secret")?
        .ok_or_else(|| anyhow!("the new registry has no statement seal secret"))?;
    let mut secret = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut secret).context("the seal secret is not 32 bytes")?;
    Ok(secret)
}

/// 32 bytes derived from the seed for one purpose and one number.
fn derived(seed: u64, purpose: &str, n: u64) -> [u8; 32] {
    Sha256Hash::of(format!("pakta bench/{seed}/{purpose}/{n}").as_bytes()).0
}

/// A deterministic draw in 0..100 for one choice about one official in one round.
fn percent(seed: u64, choice: u64, round: u64, official: u32) -> u64 {
    // SplitMix64 of the inputs: cheap, and well spread for neighbouring officials.
    let mut z = seed
        ^ choice.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (round << 40)
        ^ u64::from(official).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 100
}

struct Official {
    subject: SubjectId,
    nip: Identifier,
    category: Category,
    name: String,
    position: String,
    rank: Option<String>,
    opd: usize,
}

struct Opd {
    code: OpdCode,
    name: String,
    members: Vec<u32>,
}

/// Everything fixed before the first entry: the roster, its OPDs, the zone and the
/// season's first day.
struct World {
    seed: u64,
    /// The registry's statement seal secret, made by `App::open`.
    secret: [u8; 32],
    officials: Vec<Official>,
    opds: Vec<Opd>,
    zone: Zone,
    start: DateTime<Utc>,
}

impl World {
    /// The demo kabupaten's generated people, its OPDs split into units of about
    /// [`OFFICIALS_PER_OPD`] so that there are many OPDs and hall-sized ceremonies.
    fn build(seed: u64, count: usize) -> Result<World> {
        let kab = DemoKabupaten::generate(seed, count);
        let zone = Zone::parse(kab.timezone).map_err(|e| anyhow!("{e}"))?;
        let mut by_base: Vec<(String, String, Vec<usize>)> = kab
            .opds
            .iter()
            .map(|o| (o.code.clone(), o.name.clone(), Vec::new()))
            .collect();
        for (i, o) in kab.officials.iter().enumerate() {
            let base = by_base
                .iter_mut()
                .find(|(code, ..)| *code == o.opd_code)
                .ok_or_else(|| anyhow!("official in unknown OPD {}", o.opd_code))?;
            base.2.push(i);
        }
        let mut opds = Vec::new();
        let mut officials = Vec::with_capacity(kab.officials.len());
        for (code, name, members) in by_base {
            let parts = members.len().div_ceil(OFFICIALS_PER_OPD);
            for (part, chunk) in members.chunks(OFFICIALS_PER_OPD).enumerate() {
                let (code, name) = if parts == 1 {
                    (code.clone(), name.clone())
                } else {
                    (
                        format!("{code}-{:03}", part + 1),
                        format!("{name} Unit {}", part + 1),
                    )
                };
                let opd = Opd {
                    code: OpdCode::parse(&code).map_err(|e| anyhow!("{e}"))?,
                    name,
                    members: Vec::with_capacity(chunk.len()),
                };
                opds.push(opd);
                let at = opds.len() - 1;
                for &i in chunk {
                    let o = &kab.officials[i];
                    let number = officials.len() as u64;
                    let mut subject = [0u8; 16];
                    subject.copy_from_slice(&derived(seed, "subject", number)[..16]);
                    officials.push(Official {
                        subject: SubjectId::from_random(subject),
                        nip: Identifier::parse_any(&o.nip).map_err(|e| anyhow!("{e}"))?,
                        category: Category::parse(o.category).map_err(|e| anyhow!("{e}"))?,
                        name: o.name.clone(),
                        position: o.position.clone(),
                        rank: o.rank.clone(),
                        opd: at,
                    });
                    opds[at].members.push(number as u32);
                }
            }
        }
        Ok(World {
            seed,
            secret: [0; 32],
            officials,
            opds,
            zone,
            start: zone
                .offset()
                .with_ymd_and_hms(2024, 1, 8, 9, 0, 0)
                .single()
                .ok_or_else(|| anyhow!("the season's first day is not a time"))?
                .with_timezone(&Utc),
        })
    }
}

fn write_roster(writer: &Writer, clock: &Arc<ManualClock>, world: &World) -> Result<()> {
    let opds: Vec<(OpdCode, String)> = world
        .opds
        .iter()
        .map(|o| (o.code.clone(), o.name.clone()))
        .collect();
    let now = world.start - Duration::days(60);
    writer.write_blocking(clock.clone(), move |w| {
        opds.iter()
            .try_for_each(|(code, name)| w.upsert_opd(code, name))
    })?;
    for chunk in world.officials.chunks(ROWS_PER_JOB) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|o| {
                (
                    o.subject,
                    o.nip.clone(),
                    o.category,
                    o.name.clone(),
                    o.position.clone(),
                    o.rank.clone(),
                    world.opds[o.opd].code.clone(),
                )
            })
            .collect();
        writer.write_blocking(clock.clone(), move |w| {
            for (subject, nip, category, name, position, rank, opd) in &rows {
                w.upsert_official(
                    *subject,
                    nip,
                    *category,
                    name,
                    position,
                    rank.as_deref(),
                    opd,
                    now,
                )?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Each official's first key, on every core (deriving a public key is a scalar
/// multiplication).
fn derive_keys(world: &World, seed: u64) -> Vec<SigningKey> {
    let count = world.officials.len();
    let threads = threads();
    let per = count.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..count)
            .step_by(per)
            .map(|from| {
                scope.spawn(move || {
                    (from..(from + per).min(count))
                        .map(|i| key_for(seed, i as u32, 0))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("key derivation does not panic"))
            .collect()
    })
}

fn key_for(seed: u64, official: u32, generation: u64) -> SigningKey {
    SigningKey::from_bytes(&derived(
        seed,
        "key",
        (generation << 32) | u64::from(official),
    ))
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A pledge text as published: statements repeat its title and digest.
struct Pledge {
    id: PledgeId,
    title: String,
    sha256: Sha256Hash,
}

/// One thing that happens, planned in order; [`prepare`] makes its documents and
/// signatures.
enum Step {
    Enroll {
        official: u32,
        key: SigningKey,
        code: EnrollmentCode,
        revoke: Option<KeyFingerprint>,
        at: DateTime<Utc>,
    },
    Publish {
        pledge: Arc<Pledge>,
        at: DateTime<Utc>,
    },
    Open {
        ceremony: CeremonyId,
        opd: usize,
        pledge: Arc<Pledge>,
        title: String,
        at: DateTime<Utc>,
    },
    Attend {
        ceremony: CeremonyId,
        official: u32,
        at: DateTime<Utc>,
    },
    Sign {
        ceremony: CeremonyId,
        official: u32,
        mode: SigningMode,
        pledge: Arc<Pledge>,
        key: SigningKey,
        at: DateTime<Utc>,
    },
    Close {
        ceremony: CeremonyId,
        unsigned: Vec<SubjectId>,
        at: DateTime<Utc>,
    },
}

impl Step {
    fn entries(&self) -> u64 {
        match self {
            Step::Enroll { revoke, .. } => 1 + u64::from(revoke.is_some()),
            Step::Close { unsigned, .. } => 1 + unsigned.len() as u64,
            _ => 1,
        }
    }
}

/// A step with its documents and signatures made: what the writer appends.
enum Ready {
    Enroll {
        subject: SubjectId,
        key: PublicKey,
        message: String,
        proof: Signature,
        code_sha256: Sha256Hash,
        revoke: Option<KeyFingerprint>,
        at: DateTime<Utc>,
    },
    Publish {
        pledge: Arc<Pledge>,
        at: DateTime<Utc>,
    },
    Open {
        ceremony: CeremonyId,
        pledge: Arc<Pledge>,
        title: String,
        place: String,
        zone: Zone,
        invite_json: String,
        invitees: Vec<SubjectId>,
        at: DateTime<Utc>,
    },
    Attend {
        ceremony: CeremonyId,
        subject: SubjectId,
        at: DateTime<Utc>,
    },
    Sign {
        ceremony: CeremonyId,
        subject: SubjectId,
        mode: SigningMode,
        statement: String,
        fingerprint: KeyFingerprint,
        signature: Signature,
        opd: OpdCode,
        at: DateTime<Utc>,
    },
    Close {
        ceremony: CeremonyId,
        unsigned: Vec<SubjectId>,
        zone: Zone,
        at: DateTime<Utc>,
    },
}

/// Makes the documents and signatures of a job's steps on every core, in order.
fn prepare_all(world: &World, steps: Vec<Step>) -> Result<Vec<Ready>> {
    let per = steps.len().div_ceil(threads()).max(1);
    let mut parts: Vec<Vec<Step>> = Vec::new();
    let mut steps = steps.into_iter().peekable();
    while steps.peek().is_some() {
        parts.push(steps.by_ref().take(per).collect());
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    part.into_iter()
                        .map(|s| prepare(world, s))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut ready = Vec::new();
        for h in handles {
            ready.extend(
                h.join()
                    .map_err(|_| anyhow!("a signing thread panicked"))??,
            );
        }
        Ok(ready)
    })
}

fn public_key(key: &SigningKey) -> Result<PublicKey> {
    PublicKey::from_bytes(&key.verifying_key().to_bytes()).map_err(|e| anyhow!("{e}"))
}

fn prepare(world: &World, step: Step) -> Result<Ready> {
    Ok(match step {
        Step::Enroll {
            official,
            key,
            code,
            revoke,
            at,
        } => {
            let o = &world.officials[official as usize];
            let public = public_key(&key)?;
            let message = enrollment_message(&o.nip, &public, &code);
            let proof = Signature::from_bytes(&key.sign(message.as_bytes()).to_bytes());
            Ready::Enroll {
                subject: o.subject,
                key: public,
                message,
                proof,
                code_sha256: Sha256Hash::of(code.as_str().as_bytes()),
                revoke,
                at,
            }
        }
        Step::Publish { pledge, at } => Ready::Publish { pledge, at },
        Step::Open {
            ceremony,
            opd,
            pledge,
            title,
            at,
        } => {
            let opd = &world.opds[opd];
            let invite = Invite {
                opds: Some(vec![opd.code.as_str().to_string()]),
                nips: None,
                all: None,
            };
            Ready::Open {
                ceremony,
                pledge,
                title,
                place: format!("Aula {}", opd.name),
                zone: world.zone,
                invite_json: serde_json::to_string(&invite)?,
                invitees: opd
                    .members
                    .iter()
                    .map(|&m| world.officials[m as usize].subject)
                    .collect(),
                at,
            }
        }
        Step::Attend {
            ceremony,
            official,
            at,
        } => Ready::Attend {
            ceremony,
            subject: world.officials[official as usize].subject,
            at,
        },
        Step::Sign {
            ceremony,
            official,
            mode,
            pledge,
            key,
            at,
        } => {
            let o = &world.officials[official as usize];
            let opd = &world.opds[o.opd];
            let fingerprint = public_key(&key)?.fingerprint();
            // Exactly what `App::issue_statement` issues: v2 in the ceremony's zone,
            // sealed for the official's active key with the registry's secret.
            let mut statement = Statement {
                format: StatementFormat::V2 { zone: world.zone },
                pledge_title: pledge.title.clone(),
                pledge_sha256: pledge.sha256,
                ceremony,
                mode,
                subject: o.subject,
                nip: o.nip.clone(),
                name: o.name.clone(),
                position: o.position.clone(),
                unit: opd.name.clone(),
                time: at,
                nonce: String::new(),
            };
            seal(&world.secret, &fingerprint, &mut statement).map_err(|e| anyhow!("{e}"))?;
            let statement = statement.encode();
            let signature = Signature::from_bytes(&key.sign(statement.as_bytes()).to_bytes());
            Ready::Sign {
                ceremony,
                subject: o.subject,
                mode,
                statement,
                fingerprint,
                signature,
                opd: opd.code.clone(),
                at,
            }
        }
        Step::Close {
            ceremony,
            unsigned,
            at,
        } => Ready::Close {
            ceremony,
            unsigned,
            zone: world.zone,
            at,
        },
    })
}

impl Ready {
    fn entries(&self) -> u64 {
        match self {
            Ready::Enroll { revoke, .. } => 1 + u64::from(revoke.is_some()),
            Ready::Close { unsigned, .. } => 1 + unsigned.len() as u64,
            _ => 1,
        }
    }

    /// Appends the step's entries and writes the rows beside them, as the use case
    /// does (`App::enroll`, `publish_pledge`, `create_ceremony` and `open_ceremony`,
    /// `check_in`, `submit_signature`, `close_ceremony`).
    fn apply(self, w: &mut WriteTx<'_>, clock: &ManualClock) -> pakta::error::Result<()> {
        let unexpected = |what: String| pakta::error::Error::internal(what);
        match self {
            Ready::Enroll {
                subject,
                key,
                message,
                proof,
                code_sha256,
                revoke,
                at,
            } => {
                clock.set(at);
                // The card was printed the day before; codes last 14 days.
                let issued = at - Duration::days(1);
                w.insert_enrollment_code(
                    &code_sha256,
                    &subject,
                    issued,
                    issued + Duration::days(14),
                )?;
                if let Some(fingerprint) = revoke {
                    let revoked = w.append(EntryBody::KeyRevoked {
                        subject,
                        fingerprint,
                        reason: RevocationReason::Superseded,
                    })?;
                    w.revoke_key(&fingerprint, revoked.index)?;
                }
                let message_sha256 = Sha256Hash::of(message.as_bytes());
                w.insert_document(&message_sha256, "enrollment", &message)?;
                let enrolled = w.append(EntryBody::KeyEnrolled {
                    subject,
                    key,
                    enrollment_sha256: message_sha256,
                    proof,
                })?;
                w.insert_key(&subject, &key, enrolled.index)?;
                w.use_enrollment_code(&code_sha256, enrolled.time)?;
            }
            Ready::Publish { pledge, at } => {
                clock.set(at);
                let id = w.db().next_pledge_id()?;
                if id != pledge.id {
                    return Err(unexpected(format!(
                        "the registry numbers the next pledge {id}, the generator planned {}",
                        pledge.id
                    )));
                }
                let entry = w.append(EntryBody::PledgePublished {
                    pledge: id,
                    title: pledge.title.clone(),
                    text_sha256: pledge.sha256,
                })?;
                w.insert_pledge(
                    id,
                    &pledge.title,
                    PLEDGE_TEXT,
                    &pledge.sha256,
                    entry.index,
                    entry.time,
                )?;
            }
            Ready::Open {
                ceremony,
                pledge,
                title,
                place,
                zone,
                invite_json,
                invitees,
                at,
            } => {
                clock.set(at);
                let id = w.insert_ceremony(
                    &title,
                    &place,
                    at,
                    zone,
                    pledge.id,
                    &invite_json,
                    7,
                    at - Duration::days(7),
                )?;
                if id != ceremony {
                    return Err(unexpected(format!(
                        "the registry numbers the new ceremony {id}, the generator planned {ceremony}"
                    )));
                }
                let entry = w.append(EntryBody::CeremonyOpened {
                    ceremony,
                    pledge: pledge.id,
                    pledge_sha256: pledge.sha256,
                    invited: invitees.len() as u64,
                    invitees_sha256: invitees_digest(&invitees),
                    campaign: None,
                })?;
                w.open_ceremony(ceremony, entry.index, &invitees)?;
            }
            Ready::Attend {
                ceremony,
                subject,
                at,
            } => {
                clock.set(at);
                let method = AttendanceMethod::Desk;
                let entry = w.append(EntryBody::AttendanceRecorded {
                    ceremony,
                    subject,
                    method,
                })?;
                w.insert_attendance(ceremony, &subject, entry.index, entry.time, method.as_str())?;
            }
            Ready::Sign {
                ceremony,
                subject,
                mode,
                statement,
                fingerprint,
                signature,
                opd,
                at,
            } => {
                clock.set(at);
                let sha256 = Sha256Hash::of(statement.as_bytes());
                let entry = w.append_not_before(
                    Some(at),
                    EntryBody::PledgeSigned {
                        ceremony,
                        subject,
                        mode,
                        statement_sha256: sha256,
                        fingerprint,
                        signature,
                    },
                )?;
                w.insert_document(&sha256, "statement", &statement)?;
                w.insert_signature(
                    &sha256,
                    ceremony,
                    &subject,
                    mode,
                    &fingerprint,
                    &opd,
                    entry.index,
                    entry.time,
                )?;
            }
            Ready::Close {
                ceremony,
                unsigned,
                zone,
                at,
            } => {
                clock.set(at);
                let due = zone.end_of_day_after(w.now(), 7);
                let closed = w.append(EntryBody::CeremonyClosed {
                    ceremony,
                    routed_to_mandiri: unsigned.len() as u64,
                    mandiri_due: due,
                })?;
                for subject in &unsigned {
                    let assigned = w.append(EntryBody::MandiriAssigned {
                        ceremony,
                        subject: *subject,
                        due,
                    })?;
                    w.insert_mandiri(ceremony, subject, assigned.index, due)?;
                }
                w.close_ceremony(ceremony, closed.index, due)?;
            }
        }
        Ok(())
    }
}

/// What the season holds, for the closing summary.
#[derive(Default, Clone, Copy)]
struct Counts {
    enrolled: u64,
    revoked: u64,
    pledges: u64,
    ceremonies: u64,
    closed: u64,
    attended: u64,
    signed_ceremony: u64,
    signed_mandiri: u64,
    assigned: u64,
}

/// Plans the season step by step, in log order, until exactly `budget` entries, and
/// hands the steps over a job at a time. Any prefix of the season is a valid log but a
/// closing cut before its mandiri assignments; when a closing does not fit, the
/// ceremony stays open and the last entries are check-ins and signatures of its
/// unsigned invitees.
struct Planner<'w, F: FnMut(Vec<Step>) -> Result<()>> {
    world: &'w World,
    /// Each official's active key.
    keys: Vec<SigningKey>,
    budget: u64,
    steps: Vec<Step>,
    planned: u64,
    /// The time of the next step; only ever moves forward.
    t: DateTime<Utc>,
    next_ceremony: u64,
    counts: Counts,
    flush: F,
}

impl<'w, F: FnMut(Vec<Step>) -> Result<()>> Planner<'w, F> {
    fn new(world: &'w World, keys: Vec<SigningKey>, budget: u64, flush: F) -> Self {
        Planner {
            world,
            keys,
            budget,
            steps: Vec::new(),
            planned: 0,
            t: world.start - Duration::days(30),
            next_ceremony: 1,
            counts: Counts::default(),
            flush,
        }
    }

    fn emit(&mut self, step: Step) -> Result<()> {
        let entries = step.entries();
        debug_assert!(entries <= self.budget);
        self.budget -= entries;
        self.planned += entries;
        self.steps.push(step);
        if self.planned >= ENTRIES_PER_JOB || self.budget == 0 {
            self.planned = 0;
            (self.flush)(std::mem::take(&mut self.steps))?;
        }
        Ok(())
    }

    /// Moves the time forward by `by`, or to `at` if that is later.
    fn advance(&mut self, by: Duration, at: Option<DateTime<Utc>>) -> DateTime<Utc> {
        self.t += by;
        if let Some(at) = at {
            self.t = self.t.max(at);
        }
        self.t
    }

    fn run(&mut self) -> Result<()> {
        let seed = self.world.seed;
        for official in 0..self.world.officials.len() as u32 {
            if self.budget == 0 {
                return Ok(());
            }
            self.enroll(official, 0)?;
            self.advance(Duration::seconds(5), None);
        }
        let mut round = 0u64;
        while self.budget > 0 {
            let base = self.world.start + Duration::days(182 * round as i64);
            if round > 0 {
                // A few officials got a new phone: the old key is revoked.
                self.advance(Duration::zero(), Some(base - Duration::days(7)));
                for official in 0..self.world.officials.len() as u32 {
                    if percent(seed, 1, round, official) < NEW_KEY_PCT && self.budget >= 2 {
                        self.enroll(official, round)?;
                        self.advance(Duration::seconds(20), None);
                    }
                }
            }
            if self.budget == 0 {
                break;
            }
            let at = self.advance(Duration::zero(), Some(base - Duration::days(2)));
            let title = format!(
                "Pakta Integritas Netralitas ASN {}",
                if round % 2 == 0 { "Pemilu" } else { "Pilkada" }
            );
            let pledge = Arc::new(Pledge {
                id: PledgeId::new(round + 1).expect("rounds count from 0"),
                title: format!("{title} {}", 2024 + 5 * (round / 2)),
                sha256: Sha256Hash::of(PLEDGE_TEXT.as_bytes()),
            });
            self.emit(Step::Publish {
                pledge: pledge.clone(),
                at,
            })?;
            self.counts.pledges += 1;
            let mut assigned = Vec::new();
            for opd in 0..self.world.opds.len() {
                if self.budget == 0 {
                    break;
                }
                let slot = base + Duration::hours(opd as i64);
                self.ceremony(round, opd, &pledge, slot, &mut assigned)?;
            }
            // Ikrar mandiri, from the day after the last closing: some sign.
            self.advance(Duration::days(1), None);
            for (ceremony, official) in assigned {
                if self.budget == 0 {
                    break;
                }
                if percent(seed, 4, round, official) < MANDIRI_SIGN_PCT {
                    self.sign(ceremony, official, SigningMode::Mandiri, &pledge)?;
                    self.counts.signed_mandiri += 1;
                    self.advance(Duration::seconds(60), None);
                }
            }
            round += 1;
        }
        if !self.steps.is_empty() {
            (self.flush)(std::mem::take(&mut self.steps))?;
        }
        Ok(())
    }

    /// Enrolls `official`'s key of `generation` (0 at first, the round number for a
    /// new phone, which revokes the key before).
    fn enroll(&mut self, official: u32, generation: u64) -> Result<()> {
        let seed = self.world.seed;
        let key = if generation == 0 {
            self.keys[official as usize].clone()
        } else {
            key_for(seed, official, generation)
        };
        let revoke = (generation > 0).then(|| {
            let old = &self.keys[official as usize];
            public_key(old).map(|k| k.fingerprint())
        });
        let revoke = revoke.transpose()?;
        let mut symbols = [0u8; 12];
        symbols.copy_from_slice(
            &derived(seed, "code", (generation << 32) | u64::from(official))[..12],
        );
        self.keys[official as usize] = key.clone();
        let at = self.t;
        self.emit(Step::Enroll {
            official,
            key,
            code: EnrollmentCode::from_symbols(symbols),
            revoke,
            at,
        })?;
        self.counts.enrolled += 1;
        self.counts.revoked += u64::from(generation > 0);
        Ok(())
    }

    fn sign(
        &mut self,
        ceremony: CeremonyId,
        official: u32,
        mode: SigningMode,
        pledge: &Arc<Pledge>,
    ) -> Result<()> {
        let at = self.t;
        self.emit(Step::Sign {
            ceremony,
            official,
            mode,
            pledge: pledge.clone(),
            key: self.keys[official as usize].clone(),
            at,
        })
    }

    fn attend(&mut self, ceremony: CeremonyId, official: u32) -> Result<()> {
        let at = self.t;
        self.emit(Step::Attend {
            ceremony,
            official,
            at,
        })?;
        self.counts.attended += 1;
        Ok(())
    }

    /// One OPD's ceremony: opened at `slot`, check-ins, signatures, closing.
    fn ceremony(
        &mut self,
        round: u64,
        opd: usize,
        pledge: &Arc<Pledge>,
        slot: DateTime<Utc>,
        assigned: &mut Vec<(CeremonyId, u32)>,
    ) -> Result<()> {
        let world = self.world;
        let seed = world.seed;
        let ceremony = CeremonyId::new(self.next_ceremony).expect("ceremonies count from 1");
        self.next_ceremony += 1;
        let at = self.advance(Duration::zero(), Some(slot));
        self.emit(Step::Open {
            ceremony,
            opd,
            pledge: pledge.clone(),
            title: format!("Ikrar {} {}", pledge.title, world.opds[opd].name),
            at,
        })?;
        self.counts.ceremonies += 1;
        let members = &world.opds[opd].members;
        let mut attended = vec![false; members.len()];
        let mut signed = vec![false; members.len()];
        for (m, &official) in members.iter().enumerate() {
            if self.budget == 0 {
                return Ok(());
            }
            if percent(seed, 2, round, official) >= ATTEND_PCT {
                continue;
            }
            self.advance(Duration::seconds(3), None);
            self.attend(ceremony, official)?;
            attended[m] = true;
            if self.budget > 0 && percent(seed, 3, round, official) < SIGN_PCT {
                self.advance(Duration::seconds(2), None);
                self.sign(ceremony, official, SigningMode::Ceremony, pledge)?;
                self.counts.signed_ceremony += 1;
                signed[m] = true;
            }
        }
        let unsigned: Vec<usize> = (0..members.len()).filter(|&m| !signed[m]).collect();
        if self.budget > unsigned.len() as u64 {
            let at = self.advance(Duration::zero(), Some(slot + Duration::minutes(50)));
            self.emit(Step::Close {
                ceremony,
                unsigned: unsigned
                    .iter()
                    .map(|&m| world.officials[members[m] as usize].subject)
                    .collect(),
                at,
            })?;
            self.counts.closed += 1;
            self.counts.assigned += unsigned.len() as u64;
            assigned.extend(unsigned.iter().map(|&m| (ceremony, members[m])));
            return Ok(());
        }
        // The closing and its assignments no longer fit: the last entries check in and
        // sign the unsigned instead (there are at least as many as entries left).
        for m in unsigned {
            if self.budget == 0 {
                break;
            }
            if !attended[m] {
                self.advance(Duration::seconds(3), None);
                self.attend(ceremony, members[m])?;
            }
            if self.budget > 0 {
                self.advance(Duration::seconds(2), None);
                self.sign(ceremony, members[m], SigningMode::Ceremony, pledge)?;
                self.counts.signed_ceremony += 1;
            }
        }
        Ok(())
    }
}
