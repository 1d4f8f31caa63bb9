//! `pakta mirror URL --data DIR --vkey VKEY`: follows a registry from its public
//! checkpoint and entry tiles, keeping a verified copy in DIR (a data directory that
//! `pakta verify` can audit). Each checkpoint must carry the pinned key's signature, and
//! the copy's own Merkle root, recomputed from every entry fetched on top of the entries
//! already verified, must equal the checkpoint's root. A registry that shows a tree not
//! extending what was verified before (a split view, a rewritten history) is a fork:
//! the mirror stops with a non-zero exit naming both checkpoints, and its copy keeps the
//! last verified state.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use pakta::domain::crypto::{Sha256Hash, decode_base64};
use pakta::domain::merkle;
use pakta::domain::note::{Checkpoint, VerifierKey};
use pakta::domain::tiles::{TILE_WIDTH, TileKind, TilePath, split_bundle};
use pakta::error::Error;
use pakta::store::{Db, Store};

const CHECKPOINT_META: &str = "mirror_checkpoint";
const SOURCE_META: &str = "mirror_source";

#[derive(Args)]
pub struct MirrorArgs {
    /// The registry's base URL, e.g. https://pakta.example.go.id
    url: String,
    /// Where the verified copy lives.
    #[arg(long, default_value = "./pakta-mirror")]
    data: PathBuf,
    /// The log's verifier key, or a file holding it.
    #[arg(long)]
    vkey: String,
    /// Check once and exit, instead of following the registry.
    #[arg(long)]
    once: bool,
    /// Seconds between checks when following.
    #[arg(long, default_value_t = 60)]
    interval: u64,
}

/// Reads a verifier key given as itself or as a file holding it.
pub fn read_vkey(arg: &str) -> Result<VerifierKey> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg)
            .with_context(|| format!("reading the verifier key file {arg}"))?
    } else {
        arg.to_string()
    };
    VerifierKey::parse(text.trim()).with_context(|| {
        "the verifier key must look like name+1a2b3c4d+AbC…= (as printed by `pakta serve` and served at /api/registry/vkey)"
    })
}

enum Outcome {
    UpToDate(u64),
    Grew { from: u64, to: u64 },
}

pub fn mirror(args: MirrorArgs) -> Result<ExitCode> {
    let vkey = read_vkey(&args.vkey)?;
    let base = args.url.trim_end_matches('/').to_string();
    let store = Store::open(&args.data, std::sync::Arc::new(pakta::clock::SystemClock))
        .with_context(|| format!("opening the mirror in {}", args.data.display()))?;
    // A copy belongs to one log identity; the URL may change (a CDN, a new host).
    let source = vkey.to_string();
    let known = store.read_blocking(|db| db.meta(SOURCE_META))?;
    match known {
        Some(k) if k != source => bail!(
            "{} mirrors the registry with verifier key {k}; use a separate --data directory per registry",
            args.data.display()
        ),
        Some(_) => {}
        None => {
            let (log_size, _) = store.read_blocking(|db| db.log_head())?;
            if log_size > 0 {
                bail!(
                    "{} holds a registry that is not a mirror",
                    args.data.display()
                );
            }
            store.write_blocking(move |w| w.set_meta(SOURCE_META, &source))?;
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
        .build()
        .into();
    loop {
        match sync(&agent, &base, &vkey, &store) {
            Ok(Outcome::UpToDate(size)) => println!("up to date: {size} entries verified"),
            Ok(Outcome::Grew { from, to }) => {
                println!("verified entries {from}..{to}: the copy now holds {to} entries")
            }
            // A fork ends the watch: the evidence is printed and must be acted on.
            Err(e) if args.once || is_fork(&e) => return Err(e),
            // Anything else (the network, a restart of the registry) is retried.
            Err(e) => eprintln!("warning: {e:#}; retrying in {} s", args.interval),
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
    let mut response = agent
        .get(url)
        .call()
        .with_context(|| format!("fetching {url}"))?;
    response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .with_context(|| format!("reading {url}"))
}

/// A fork: the new checkpoint does not extend the verified one.
fn fork(previous: &str, offered: &str, why: &str) -> anyhow::Error {
    anyhow!(
        "FORK DETECTED: {why}.\n\nlast verified checkpoint:\n{previous}\ncheckpoint now offered:\n{offered}\nKeep both checkpoints: together they prove the registry showed two different histories."
    )
}

fn sync(agent: &ureq::Agent, base: &str, vkey: &VerifierKey, store: &Store) -> Result<Outcome> {
    let note = String::from_utf8(get(agent, &format!("{base}/checkpoint"))?)
        .context("the checkpoint is not UTF-8 text")?;
    let offered = Checkpoint::open(&note, vkey)
        .context("the registry's checkpoint does not verify against the pinned key")?;
    let previous = store.read_blocking(|db| db.meta(CHECKPOINT_META))?;
    let (have, _) = store.read_blocking(|db| db.log_head())?;
    let previous_text = previous.clone().unwrap_or_else(|| "(none yet)\n".into());

    if offered.size <= have {
        // An older or equal checkpoint is fine (a cache may lag) if our copy had that
        // very root at that size; a different root for a size we hold is a fork.
        let size = offered.size;
        let root =
            store.read_blocking(move |db| merkle::root(size, &mut |l, i| db.subtree(l, i)))?;
        if root != offered.root {
            return Err(fork(
                &previous_text,
                &note,
                &format!(
                    "the registry signed a different root for {size} entries than the copy verified"
                ),
            ));
        }
        if size == have {
            store.write_blocking(move |w| w.set_meta(CHECKPOINT_META, &note))?;
        } else {
            eprintln!(
                "note: the registry served an older checkpoint ({size} entries); the copy already holds {have}"
            );
        }
        return Ok(Outcome::UpToDate(have));
    }

    // Fetch and append inside one write transaction: if the recomputed root differs,
    // nothing fetched is kept and the copy stays at the last verified state.
    let (tile_agent, tile_base, target) = (agent.clone(), base.to_string(), offered.clone());
    let note_to_keep = note.clone();
    let outcome = store.write_blocking(move |w| {
        let mut next = have;
        while next < target.size {
            let tile_index = next / TILE_WIDTH;
            let width = (target.size - tile_index * TILE_WIDTH).min(TILE_WIDTH);
            let tile = TilePath {
                kind: TileKind::Entries,
                index: tile_index,
                width: (width < TILE_WIDTH).then_some(width as u16),
            };
            let url = format!("{tile_base}/tile/{}", tile.to_path());
            let bundle = get(&tile_agent, &url).map_err(|e| Error::internal(format!("{e:#}")))?;
            let entries = split_bundle(&bundle)
                .filter(|e| e.len() as u64 == width)
                .ok_or_else(|| {
                    Error::internal(format!("{url} is not a bundle of {width} entries"))
                })?;
            for bytes in entries
                .iter()
                .skip((next - tile_index * TILE_WIDTH) as usize)
            {
                w.append_copied(bytes)?;
                next += 1;
            }
        }
        let root = merkle::root(target.size, &mut |l, i| Db::subtree(&w.db(), l, i))?;
        if root != target.root {
            return Err(Error::conflict(
                "fork",
                "the entries served do not add up to the checkpoint's root",
            ));
        }
        w.set_meta(CHECKPOINT_META, &note_to_keep)?;
        Ok(())
    });
    match outcome {
        Ok(()) => Ok(Outcome::Grew {
            from: have,
            to: offered.size,
        }),
        Err(e) if e.code == "fork" || e.code == "chain_broken" => {
            // Either the new tree does not extend ours (a fork), or the tiles served do
            // not match an honest checkpoint. The registry's own consistency proof tells
            // them apart: a valid proof from our root to the new one clears the history.
            if have > 0 && consistent(agent, base, store, have, &offered)? {
                return Err(anyhow!(
                    "the registry's checkpoint of {} entries extends the verified copy, but the entry tiles it served do not match it ({}); try again later or report the broken tiles",
                    offered.size,
                    e.message
                ));
            }
            Err(fork(
                &previous_text,
                &note,
                &format!(
                    "the registry's tree of {} entries does not extend the {have} entries verified before ({})",
                    offered.size, e.message
                ),
            ))
        }
        Err(e) => Err(anyhow!("{e}")),
    }
}

/// Whether the registry can prove (RFC 6962) that the tree of `have` entries we hold is a
/// prefix of the offered tree.
fn consistent(
    agent: &ureq::Agent,
    base: &str,
    store: &Store,
    have: u64,
    offered: &Checkpoint,
) -> Result<bool> {
    let url = format!(
        "{base}/api/registry/proof/consistency?from={have}&to={}",
        offered.size
    );
    let Ok(body) = get(agent, &url) else {
        return Ok(false);
    };
    let proof: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(list) = proof["hashes"].as_array() else {
        return Ok(false);
    };
    let hashes: Option<Vec<Sha256Hash>> = list
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|h| decode_base64("hash", h).ok())
                .and_then(|b| Sha256Hash::from_slice(&b))
        })
        .collect();
    let Some(hashes) = hashes else {
        return Ok(false);
    };
    let ours = store.read_blocking(move |db| merkle::root(have, &mut |l, i| db.subtree(l, i)))?;
    Ok(merkle::verify_consistency(
        have,
        offered.size,
        &hashes,
        &ours,
        &offered.root,
    ))
}

/// Exit code for a fork, distinct from other failures so scripts can alert on it.
pub const FORK_EXIT: u8 = 3;

pub fn is_fork(e: &anyhow::Error) -> bool {
    e.to_string().starts_with("FORK DETECTED")
}
