//! `pakta publish --data DIR --to URL` (one round from a data directory, read-only) and
//! the publisher behind `pakta serve --publish URL` (a thread of its own that publishes
//! each time the log has grown, at most once per interval).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

use pakta::app::App;
use pakta::app::continuity::served_checkpoint;
use pakta::app::publishing::{
    DEFAULT_CONCURRENCY, Destination, LogSource, PAGE_FILES, PageFile, Publication, ReadOnlyLog,
};

/// Where the destinations come from, for `--help`.
pub const DESTINATION_HELP: &str = "s3://BUCKET/PREFIX for any S3-compatible store (AWS S3, MinIO, Ceph, R2...), \
with the endpoint and credentials from the standard environment: AWS_ENDPOINT_URL (for a store \
other than AWS), AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and AWS_ALLOW_HTTP=true for \
a plain-http endpoint; or file:///DIRECTORY for a directory a web server serves.";

#[derive(Args)]
pub struct PublishArgs {
    /// The data directory of the registry (read only: safe while `pakta serve` runs on it).
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
    /// Where to publish the tiles, entry bundles, checkpoint, verifier key and
    /// verification page.
    #[arg(long, value_name = "URL", long_help = DESTINATION_HELP)]
    to: String,
    /// Uploads in flight at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,
}

/// The verification page's files, as the registry serves them.
pub fn page_files() -> Vec<PageFile> {
    PAGE_FILES
        .iter()
        .filter_map(|name| match pakta::http::web_file(name) {
            Some((bytes, content_type)) => Some(PageFile {
                name: (*name).to_string(),
                bytes,
                content_type,
            }),
            None => {
                tracing::warn!(
                    file = name,
                    "page file missing from the binary; not published"
                );
                None
            }
        })
        .collect()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the publisher's runtime")
}

pub fn publish(args: PublishArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let destination = Destination::parse(&args.to)?;
    let log = ReadOnlyLog::open(&args.data)
        .with_context(|| format!("opening the registry in {}", args.data.display()))?;
    let note = served_checkpoint(&args.data).with_context(|| {
        format!(
            "reading the checkpoint kept in {} (has `pakta serve` run on it?)",
            args.data.display()
        )
    })?;
    let source = LogSource::DataDir(Arc::new(log));
    let mut publication =
        Publication::new(destination, page_files()).with_concurrency(args.concurrency);
    let round = runtime()?.block_on(publication.publish(&source, &note))?;
    if round.objects == 0 {
        println!(
            "{} already describes {} entries; nothing to publish",
            args.to, round.size
        );
    } else {
        println!(
            "published {} entries ({} new) to {}: {} objects, {} bytes, in {:.1} s",
            round.size,
            round.size - round.from,
            args.to,
            round.objects,
            round.bytes,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Starts publishing `app`'s log to `url` in a thread of its own: a round each time the
/// checkpoint has changed, at most one per `interval`. The writer and the requests never
/// wait for it; a failed round is logged and the next one retries.
pub fn start(app: App, url: &str, interval: Duration) -> Result<()> {
    let destination = Destination::parse(url)?;
    let runtime = runtime()?;
    let url = url.to_string();
    std::thread::Builder::new()
        .name("publisher".into())
        .spawn(move || {
            let source = LogSource::Serving(app.clone());
            let mut publication = Publication::new(destination, page_files());
            let mut published = String::new();
            loop {
                let started = Instant::now();
                let note = app.checkpoint();
                if note != published {
                    match runtime.block_on(publication.publish(&source, &note)) {
                        Ok(round) => {
                            published = note;
                            if round.objects > 0 {
                                tracing::info!(
                                    url = %url,
                                    size = round.size,
                                    objects = round.objects,
                                    bytes = round.bytes,
                                    ms = started.elapsed().as_millis() as u64,
                                    "published the log"
                                );
                            }
                        }
                        Err(e) => tracing::warn!(url = %url, error = %e, "publishing failed; retrying next round"),
                    }
                }
                std::thread::sleep(interval.saturating_sub(started.elapsed()));
            }
        })
        .context("starting the publisher thread")?;
    Ok(())
}

/// `--publish-interval`: seconds, fractions allowed.
pub fn parse_interval(text: &str) -> Result<Duration> {
    let seconds: f64 = text
        .parse()
        .with_context(|| format!("--publish-interval '{text}' is not a number of seconds"))?;
    if !(0.05..=86_400.0).contains(&seconds) {
        bail!("--publish-interval must be between 0.05 and 86400 seconds");
    }
    Ok(Duration::from_secs_f64(seconds))
}
