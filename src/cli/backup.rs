//! `pakta backup` and `pakta restore`: the command line over [`pakta::app::backup`],
//! which holds the file's making, checking and restoring (its format and rules in
//! [`pakta::domain::backup`], `docs/FORMATS.md` §14.2). Here: the arguments, the offline
//! audit a restore runs between unpacking and moving in (the one `pakta verify --data`
//! runs, with its progress and summary on standard error), and the lines printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use pakta::app::backup::{backup as back_up, stage_restore};
use pakta::clock::SystemClock;
use pakta::domain::crypto::encode_base64;

#[derive(Args)]
pub struct BackupArgs {
    /// The data directory of the registry (it may be serving).
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
    /// The backup file to create (never overwritten; mode 0600: it holds the log key).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file written by `pakta backup`.
    file: PathBuf,
    /// The data directory to restore into: new, or one without a registry in it.
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
    /// A later checkpoint this registry published (from an auditor, a mirror or a
    /// witness): the restore goes ahead only if the backup holds that history.
    #[arg(long, value_name = "NOTE_FILE")]
    checkpoint: Option<PathBuf>,
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn backup(args: BackupArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let out = &args.out;
    let report = back_up(&args.data, out, &SystemClock)?;
    let checkpoint = &report.checkpoint;
    println!(
        "backed up {} entries of {} to {} ({}) in {:.1} s (database copied in one snapshot in {:.1} s)",
        report.entries,
        checkpoint.origin,
        out.display(),
        mb(report.file_size),
        started.elapsed().as_secs_f64(),
        report.copy_time.as_secs_f64()
    );
    println!(
        "the copy extends the checkpoint the registry had published at size {} (root {}): same tree root over its first {} entries",
        checkpoint.size,
        encode_base64(&checkpoint.root.0),
        checkpoint.size
    );
    println!(
        "{} holds the registry's log key: keep it as you keep log-key (readable by you only, never sent in clear). Restore it with `pakta restore {} --data NEW_DIR`.",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let dir = &args.data;
    let staged = stage_restore(&args.file, dir, args.checkpoint.as_deref())?;
    let verdict = super::audit::audit_data_dir(staged.staging_dir())?;
    let restored = staged.finish(verdict, Arc::new(SystemClock))?;
    println!(
        "restored {} entries of {} into {} in {:.1} s; consistent with the checkpoint it had published at size {} (root {})",
        restored.entries,
        restored.origin,
        dir.display(),
        started.elapsed().as_secs_f64(),
        restored.checkpoint.size,
        encode_base64(&restored.checkpoint.root.0)
    );
    if let Some((path, checkpoint)) = &restored.later {
        println!(
            "and with the checkpoint in {} at size {} (root {}): the backup holds the history published up to then",
            path.display(),
            checkpoint.size,
            encode_base64(&checkpoint.root.0)
        );
    }
    println!(
        "pakta verify: OK, {} entries verified; start-up checks passed; serving checkpoint of size {}",
        restored.entries, restored.serving_size
    );
    println!("log verifier key: {}", restored.vkey);
    println!("Start it with `pakta serve --data {}`.", dir.display());
    Ok(ExitCode::SUCCESS)
}
