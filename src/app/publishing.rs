//! Publishing the log to object storage (FORMATS §16.1): the tiles, entry bundles and
//! checkpoint of c2sp.org/tlog-tiles, the verifier key and the verification page, on
//! any S3-compatible store or in a local directory, so that a CDN or a plain web server
//! can serve every read of the log.
//!
//! A round uploads what the destination lacks for the checkpoint given: the full tiles
//! completed since the size it already describes (written once: a full tile never
//! changes), the partial tiles of the new size, and then, last, the checkpoint, so a
//! reader that finds a checkpoint in the bucket finds every tile it names. The size the
//! destination describes is read from its own checkpoint at the first round (so a
//! restarted publisher resumes where the bucket is) and remembered after each round.
//! The log is only read: from a running [`App`], or from a data directory through
//! read-only connections while `pakta serve` keeps writing to it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};
use tokio::task::JoinSet;

use super::App;
use super::setup::{ORIGIN_META, log_key_path};
use super::transparency::tile_bytes;
use crate::domain::merkle;
use crate::domain::note::{Checkpoint, VerifierKey};
use crate::domain::publication::tiles_new_since;
use crate::domain::tiles::TilePath;
use crate::error::{Error, ErrorKind, Result};
use crate::keyfile;
use crate::store::{Db, Readers};

/// The verification page and every file it loads, published beside the tiles under the
/// same names as in `web/` (a test checks that the page imports nothing else).
pub const PAGE_FILES: &[&str] = &[
    "verifikasi.html",
    "verify.js",
    "tiles.js",
    "tlog.js",
    "keys.js",
    "common.js",
    "style.css",
    "favicon.svg",
];

/// `Cache-Control` of a full tile: it never changes.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of a partial tile: replaced by a wider one as the log grows.
pub const CACHE_PARTIAL: &str = "public, max-age=60";
/// `Cache-Control` of the checkpoint, the verifier key and the page: always revalidated,
/// so readers see the newest checkpoint and an upgraded page at once.
pub const CACHE_REVALIDATE: &str = "no-cache";

const TILE_TYPE: &str = "application/octet-stream";
const TEXT_TYPE: &str = "text/plain; charset=utf-8";

/// Uploads in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A file of the verification page, as the registry serves it.
#[derive(Debug, Clone)]
pub struct PageFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Where the log is published: `s3://BUCKET/PREFIX` or `file:///DIRECTORY`.
#[derive(Debug, Clone)]
pub struct Destination {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    url: String,
    /// Object stores keep `Content-Type` and `Cache-Control` with each object; a local
    /// directory cannot (its web server sets them, see the README).
    headers: bool,
}

fn destination_error(url: &str, why: impl std::fmt::Display) -> Error {
    Error::bad_request(
        "bad_destination",
        format!(
            "Cannot publish to '{url}': {why}. Give s3://BUCKET/PREFIX (endpoint and credentials from the AWS_* environment) or file:///ABSOLUTE/DIRECTORY."
        ),
    )
}

impl Destination {
    /// Opens the destination of `url`. For `s3://` the endpoint, region and credentials
    /// come from the standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`, …); a
    /// `file://` directory is created if missing.
    pub fn parse(url: &str) -> Result<Destination> {
        let (store, prefix, headers): (Arc<dyn ObjectStore>, &str, bool) =
            if let Some(rest) = url.strip_prefix("s3://") {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(destination_error(url, "the bucket name is missing"));
                }
                let store = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| destination_error(url, e))?;
                (Arc::new(store), prefix, true)
            } else if let Some(dir) = url.strip_prefix("file://") {
                if !dir.starts_with('/') {
                    return Err(destination_error(
                        url,
                        "a file:// URL needs an absolute path (file:///srv/pakta)",
                    ));
                }
                std::fs::create_dir_all(dir).map_err(|e| destination_error(url, e))?;
                let store =
                    LocalFileSystem::new_with_prefix(dir).map_err(|e| destination_error(url, e))?;
                (Arc::new(store), "", false)
            } else {
                return Err(destination_error(url, "unknown scheme"));
            };
        let prefix =
            ObjectPath::parse(prefix.trim_matches('/')).map_err(|e| destination_error(url, e))?;
        Ok(Destination {
            store,
            prefix,
            url: url.to_string(),
            headers,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The object of `name` (`checkpoint`, `tile/0/000`, …) under the prefix.
    fn path(&self, name: &str) -> ObjectPath {
        self.prefix
            .parts()
            .chain(name.split('/').map(Into::into))
            .collect()
    }

    fn failed(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::Unavailable,
            "publish_failed",
            format!(
                "Cannot {what} at {}: {e}. Check that the bucket exists, the credentials in AWS_* allow writing to it, and the endpoint is reachable; the next round retries.",
                self.url
            ),
        )
    }

    /// The destination's checkpoint, if it has one.
    async fn checkpoint(&self) -> Result<Option<String>> {
        let path = self.path("checkpoint");
        let read = match self.store.get(&path).await {
            Ok(got) => got.bytes().await,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => Err(e),
        };
        let bytes = read.map_err(|e| self.failed("read the published checkpoint", e))?;
        String::from_utf8(bytes.to_vec()).map(Some).map_err(|_| {
            Error::conflict(
                "foreign_destination",
                format!(
                    "{}/checkpoint is not a checkpoint (not UTF-8 text); publish to an empty prefix.",
                    self.url
                ),
            )
        })
    }

    /// Writes one object. `once`: the object never changes, so it is created only if
    /// absent (where the store can tell) and an existing one is left as it is.
    async fn put(&self, object: Object) -> Result<u64> {
        let mut options = PutOptions::default();
        if self.headers {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, object.content_type.into());
            attributes.insert(Attribute::CacheControl, object.cache.into());
            options.attributes = attributes;
        }
        if object.once {
            options.mode = PutMode::Create;
        }
        let path = self.path(&object.name);
        let size = object.bytes.len() as u64;
        let payload = PutPayload::from(object.bytes);
        let written = self
            .store
            .put_opts(&path, payload.clone(), options.clone())
            .await;
        match written {
            Ok(_) => Ok(size),
            // Written by an earlier round that stopped before its checkpoint: the same
            // bytes, since a full tile of one log never changes.
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. })
                if object.once =>
            {
                Ok(0)
            }
            // A store without conditional writes: the publisher's own bookkeeping
            // already writes each full tile once.
            Err(object_store::Error::NotImplemented { .. }) if object.once => {
                options.mode = PutMode::Overwrite;
                self.store
                    .put_opts(&path, payload, options)
                    .await
                    .map_err(|e| self.failed(&format!("write {}", object.name), e))?;
                Ok(size)
            }
            Err(e) => Err(self.failed(&format!("write {}", object.name), e)),
        }
    }
}

/// One object to write.
struct Object {
    name: String,
    bytes: Vec<u8>,
    content_type: String,
    cache: &'static str,
    once: bool,
}

/// A data directory opened for reading only, as `pakta verify` does: safe while
/// `pakta serve` writes to it.
pub struct ReadOnlyLog {
    dir: PathBuf,
    readers: Arc<Readers>,
}

impl ReadOnlyLog {
    pub fn open(dir: &Path) -> Result<ReadOnlyLog> {
        Ok(ReadOnlyLog {
            dir: dir.to_path_buf(),
            readers: Arc::new(Readers::open(dir)?),
        })
    }

    fn read<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        self.readers.read_blocking(f)
    }

    /// The registry's verifier key: its origin and the public half of its log key.
    fn vkey(&self) -> Result<VerifierKey> {
        let origin = self.read(|db| db.meta(ORIGIN_META))?.ok_or_else(|| {
            Error::not_found(
                "no_registry",
                format!(
                    "{} holds no registry yet (no origin): start it once with `pakta serve`.",
                    self.dir.display()
                ),
            )
        })?;
        let key = keyfile::read(&log_key_path(&self.dir)).map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                "log_key_unreadable",
                format!("Cannot read the log key to check the checkpoint: {e}. Run as the user that runs `pakta serve`."),
            )
        })?;
        Ok(VerifierKey::new(&origin, keyfile::public_key(&key)))
    }
}

/// Where the tiles are read from.
#[derive(Clone)]
pub enum LogSource {
    /// The registry this process serves.
    Serving(App),
    /// A data directory, read-only.
    DataDir(Arc<ReadOnlyLog>),
}

impl LogSource {
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    {
        match self {
            LogSource::Serving(app) => app.store.read(f).await,
            LogSource::DataDir(log) => log.readers.read(f).await,
        }
    }

    fn vkey(&self) -> Result<VerifierKey> {
        match self {
            LogSource::Serving(app) => Ok(app.log.vkey()),
            LogSource::DataDir(log) => log.vkey(),
        }
    }
}

/// What one round wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    /// The size the destination described before.
    pub from: u64,
    /// The size it describes now.
    pub size: u64,
    /// Objects written, the checkpoint included.
    pub objects: usize,
    pub bytes: u64,
}

/// A publisher to one destination, remembering what it already holds.
pub struct Publication {
    destination: Destination,
    pages: Vec<PageFile>,
    concurrency: usize,
    /// The size and checkpoint the destination holds, once read or written.
    published: Option<(u64, String)>,
    pages_written: bool,
}

impl Publication {
    pub fn new(destination: Destination, pages: Vec<PageFile>) -> Publication {
        Publication {
            destination,
            pages,
            concurrency: DEFAULT_CONCURRENCY,
            published: None,
            pages_written: false,
        }
    }

    pub fn with_concurrency(mut self, concurrency: usize) -> Publication {
        self.concurrency = concurrency.max(1);
        self
    }

    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// Publishes the log as of `note` (a checkpoint the registry signed, possibly with
    /// cosignatures): the tiles the destination lacks, the verifier key and page files
    /// at the first round, and the checkpoint last. Never moves the destination's
    /// checkpoint back to a smaller size.
    pub async fn publish(&mut self, source: &LogSource, note: &str) -> Result<Round> {
        let vkey = source.vkey()?;
        let checkpoint = Checkpoint::open(note, &vkey).map_err(|e| {
            Error::conflict(
                "checkpoint_unverified",
                format!("The checkpoint to publish does not verify under the registry's key {vkey} ({e}); nothing was published."),
            )
        })?;
        let size = checkpoint.size;
        let (head, _) = source.read(|db| db.log_head()).await?;
        if head < size {
            return Err(Error::conflict(
                "checkpoint_ahead_of_log",
                format!(
                    "The checkpoint covers {size} entries but the database holds {head}; is the data directory complete?"
                ),
            ));
        }
        let (from, previous) = match self.published.clone() {
            Some(known) => known,
            None => self.read_destination(source, &vkey, head).await?,
        };
        if from > size || (from == size && previous == note && self.pages_written) {
            self.published = Some((from, previous));
            return Ok(Round {
                from,
                size: from,
                objects: 0,
                bytes: 0,
            });
        }

        let mut objects: Vec<Job> = tiles_new_since(from, size)
            .into_iter()
            .map(Job::Tile)
            .collect();
        if !self.pages_written {
            objects.push(Job::Ready(Object {
                name: "vkey".into(),
                bytes: format!("{vkey}\n").into_bytes(),
                content_type: TEXT_TYPE.into(),
                cache: CACHE_REVALIDATE,
                once: false,
            }));
            objects.extend(self.pages.iter().map(|page| {
                Job::Ready(Object {
                    name: page.name.clone(),
                    bytes: page.bytes.clone(),
                    content_type: page.content_type.clone(),
                    cache: CACHE_REVALIDATE,
                    once: false,
                })
            }));
        }
        let (mut written, mut bytes) = (0, 0);
        let mut uploads = JoinSet::new();
        let mut jobs = objects.into_iter();
        loop {
            while uploads.len() < self.concurrency {
                let Some(job) = jobs.next() else { break };
                let (source, destination) = (source.clone(), self.destination.clone());
                uploads.spawn(async move { destination.put(job.object(&source).await?).await });
            }
            let Some(done) = uploads.join_next().await else {
                break;
            };
            let done = done.map_err(|e| Error::internal(format!("An upload stopped: {e}")))?;
            // The first failure ends the round before its checkpoint; the tasks still
            // running are dropped with the set.
            bytes += done?;
            written += 1;
        }
        self.pages_written = true;

        // Last: only now does the destination name tiles that all exist.
        self.destination
            .put(Object {
                name: "checkpoint".into(),
                bytes: note.as_bytes().to_vec(),
                content_type: TEXT_TYPE.into(),
                cache: CACHE_REVALIDATE,
                once: false,
            })
            .await?;
        self.published = Some((size, note.to_string()));
        Ok(Round {
            from,
            size,
            objects: written + 1,
            bytes: bytes + note.len() as u64,
        })
    }

    /// The size the destination describes, from its checkpoint: 0 when it has none. A
    /// checkpoint of another log, or of a different history, stops the publisher.
    async fn read_destination(
        &self,
        source: &LogSource,
        vkey: &VerifierKey,
        head: u64,
    ) -> Result<(u64, String)> {
        let Some(note) = self.destination.checkpoint().await? else {
            return Ok((0, String::new()));
        };
        let url = self.destination.url();
        let foreign = |why: String| {
            Error::conflict(
                "foreign_destination",
                format!("{url}/checkpoint {why}; publish each registry to its own empty prefix."),
            )
        };
        let theirs = Checkpoint::open(&note, vkey)
            .map_err(|e| foreign(format!("is not signed by this registry's key {vkey} ({e})")))?;
        if theirs.size <= head {
            let size = theirs.size;
            let ours = source
                .read(move |db| merkle::root(size, &mut |l, i| db.subtree(l, i)))
                .await?;
            if ours != theirs.root {
                return Err(foreign(format!(
                    "has a root for {size} entries that differs from this registry's log"
                )));
            }
        }
        Ok((theirs.size, note))
    }
}

/// One upload: a tile still to be read from the log, or an object ready to write.
enum Job {
    Tile(TilePath),
    Ready(Object),
}

impl Job {
    async fn object(self, source: &LogSource) -> Result<Object> {
        match self {
            Job::Ready(object) => Ok(object),
            Job::Tile(tile) => {
                let bytes = source.read(move |db| tile_bytes(db, &tile)).await?;
                let full = tile.width.is_none();
                Ok(Object {
                    name: format!("tile/{}", tile.to_path()),
                    bytes,
                    content_type: TILE_TYPE.into(),
                    cache: if full { CACHE_IMMUTABLE } else { CACHE_PARTIAL },
                    once: full,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The files a page or script loads: `src="…"`/`href="…"` and `from "./…"`.
    fn loads(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for marker in ["src=\"", "href=\"", "from \"./", "import \"./"] {
            for part in text.split(marker).skip(1) {
                let name = part.split('"').next().unwrap_or_default();
                let name = name.trim_start_matches("./");
                if !name.is_empty() && !name.contains(':') && !name.starts_with('/') {
                    out.push(name.to_string());
                }
            }
        }
        out
    }

    #[test]
    fn the_page_files_are_the_verification_page_and_everything_it_loads() {
        let mut needed = BTreeSet::new();
        let mut queue = vec!["verifikasi.html".to_string()];
        while let Some(name) = queue.pop() {
            if !needed.insert(name.clone()) {
                continue;
            }
            let Some((bytes, _)) = crate::http::web_file(&name) else {
                continue;
            };
            queue.extend(loads(&String::from_utf8_lossy(&bytes)));
        }
        let present: BTreeSet<String> = needed
            .into_iter()
            .filter(|n| crate::http::web_file(n).is_some())
            .collect();
        let listed: BTreeSet<String> = PAGE_FILES.iter().map(|s| s.to_string()).collect();
        assert!(
            present.is_subset(&listed),
            "the page loads files PAGE_FILES leaves out: {:?}",
            present.difference(&listed).collect::<Vec<_>>()
        );
    }

    #[test]
    fn destinations_are_s3_or_absolute_directories() {
        assert!(Destination::parse("http://example.com/x").is_err());
        assert!(Destination::parse("file://relative/dir").is_err());
        assert!(Destination::parse("s3:///prefix").is_err());
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("www");
        let destination = Destination::parse(&format!("file://{}", target.display())).unwrap();
        assert!(target.is_dir());
        assert_eq!(
            destination.path("tile/0/000.p/9").as_ref(),
            "tile/0/000.p/9"
        );
    }
}
