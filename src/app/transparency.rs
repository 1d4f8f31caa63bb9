//! The registry as a transparency log: signed checkpoints over the Merkle tree,
//! inclusion and consistency proofs, the receipts officials keep, and the static
//! tlog tiles a plain web server or CDN can serve.

use serde::Serialize;

use super::{App, continuity};
use crate::domain::crypto::{PublicKey, Sha256Hash, Signature, encode_base64};
use crate::domain::merkle;
use crate::domain::receipt::Receipt;
use crate::domain::tiles::{TileKind, TilePath, entry_bundle};
use crate::error::{Error, ErrorKind, Result};
use crate::store::Db;

#[derive(Debug, Clone, Serialize)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// The RFC 6962 audit path, leaf side first, standard base64.
    pub hashes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub hashes: Vec<String>,
}

/// The bytes of a tile the log of `db` has all of (checked by the caller with
/// [`TilePath::available_in`]): what `GET /tile/…` serves and what is published to
/// object storage.
pub(crate) fn tile_bytes(db: &Db<'_>, tile: &TilePath) -> Result<Vec<u8>> {
    Ok(match tile.kind {
        TileKind::Hashes(_) => {
            let level = tile.tree_level().expect("hash tiles have a level");
            db.subtrees(level, tile.first(), tile.count())?
                .iter()
                .flat_map(|h| h.0)
                .collect()
        }
        TileKind::Entries => {
            let entries = db.log_entries(tile.first(), tile.count())?;
            entry_bundle(entries.iter().map(|e| e.bytes.as_slice()))
        }
    })
}

/// A tile's bytes and whether it is full (and so may be cached forever).
pub struct Tile {
    pub bytes: Vec<u8>,
    pub full: bool,
}

/// How long a receipt waits for its entry's checkpoint to be cosigned: a few witness
/// rounds (one per second).
const WITNESS_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn b64(hashes: Vec<Sha256Hash>) -> Vec<String> {
    hashes.iter().map(|h| encode_base64(&h.0)).collect()
}

/// Subtree lookups against the store, for the pure Merkle functions.
fn tree<'a>(db: &'a Db<'_>) -> impl FnMut(u32, u64) -> Result<Sha256Hash> + 'a {
    |level, index| db.subtree(level, index)
}

fn out_of_range(code: &'static str, message: String) -> Error {
    Error::bad_request(code, message)
}

/// The size a proof is asked for: the current size by default; never beyond it.
fn size_within(requested: Option<u64>, current: u64) -> Result<u64> {
    match requested {
        None => Ok(current),
        Some(size) if size <= current => Ok(size),
        Some(size) => Err(out_of_range(
            "size_beyond_log",
            format!(
                "Registri baru berisi {current} entri; ukuran {size} belum ada. Ambil checkpoint terbaru lalu minta bukti untuk ukurannya."
            ),
        )),
    }
}

impl App {
    /// The last checkpoint the registry signed and kept. Only the writer signs
    /// checkpoints (after each commit, see [`super::continuity`]), so whatever is served
    /// here is already remembered across a crash.
    ///
    /// With witnesses, it is the latest checkpoint a quorum of them cosigned (the log's
    /// own until the first one is): what a reader can trust without trusting the
    /// registry alone.
    pub fn checkpoint(&self) -> String {
        self.served().note
    }

    pub(super) fn served(&self) -> continuity::Published {
        self.witnessing
            .as_ref()
            .and_then(|w| w.current())
            .unwrap_or_else(|| self.publisher.current())
    }

    /// The kept checkpoint, once it covers entry `index`. A batch whose checkpoint could
    /// not be kept (a full disk) leaves it behind; an empty write asks the writer to
    /// publish again.
    ///
    /// With witnesses, it waits up to [`WITNESS_WAIT`] for a cosigned checkpoint covering
    /// the entry (not while their rounds fall short of the quorum); past that, the log's
    /// own checkpoint is given (the entry is durable
    /// either way), and a reader who asks for a quorum sees that it was not reached.
    pub(super) async fn checkpoint_covering(&self, index: u64) -> Result<continuity::Published> {
        if let Some(witnessing) = &self.witnessing {
            if let Some(witnessed) = witnessing.covering(index, WITNESS_WAIT).await {
                return Ok(witnessed);
            }
            tracing::warn!(
                index,
                "no witnessed checkpoint covers the entry yet; the receipt carries the log's signature only"
            );
        }
        let published = self.publisher.current();
        if published.size > index {
            return Ok(published);
        }
        self.store.write(|_| Ok(())).await?;
        let published = self.publisher.current();
        if published.size > index {
            Ok(published)
        } else {
            Err(Error::new(
                ErrorKind::Unavailable,
                "checkpoint_not_kept",
                "Registri belum dapat menerbitkan checkpoint yang memuat entri ini. Coba lagi beberapa saat lagi.",
            ))
        }
    }

    pub fn vkey(&self) -> String {
        self.log.vkey().to_string()
    }

    pub async fn inclusion_proof(&self, index: u64, size: Option<u64>) -> Result<InclusionProof> {
        self.store
            .read(move |db| {
                let size = size_within(size, db.log_head()?.0)?;
                if index >= size {
                    return Err(out_of_range(
                        "index_out_of_range",
                        format!("Entri nomor {index} tidak ada dalam pohon berukuran {size}; nomor entri dimulai dari 0."),
                    ));
                }
                let hashes = merkle::inclusion_proof(index, size, &mut tree(db))?;
                Ok(InclusionProof {
                    index,
                    size,
                    hashes: b64(hashes),
                })
            })
            .await
    }

    pub async fn consistency_proof(&self, from: u64, to: Option<u64>) -> Result<ConsistencyProof> {
        self.store
            .read(move |db| {
                let to = size_within(to, db.log_head()?.0)?;
                if from > to {
                    return Err(out_of_range(
                        "sizes_out_of_order",
                        format!(
                            "Ukuran awal ({from}) harus tidak lebih besar dari ukuran akhir ({to})."
                        ),
                    ));
                }
                let hashes = if from == 0 || from == to {
                    Vec::new()
                } else {
                    merkle::consistency_proof(from, to, &mut tree(db))?
                };
                Ok(ConsistencyProof {
                    from,
                    to,
                    hashes: b64(hashes),
                })
            })
            .await
    }

    /// The receipt for the document signed into entry `index`: the entry, its audit path
    /// to the kept checkpoint, and that checkpoint.
    pub(super) async fn receipt(
        &self,
        index: u64,
        key: PublicKey,
        signature: Signature,
        document: String,
    ) -> Result<String> {
        let published = self.checkpoint_covering(index).await?;
        let size = published.size;
        let (entry, proof) = self
            .store
            .read(move |db| {
                let entry = db.intact_entry(index)?;
                let proof = merkle::inclusion_proof(index, size, &mut tree(db))?;
                Ok((entry.bytes, proof))
            })
            .await?;
        Ok(Receipt {
            key,
            signature,
            document,
            entry,
            index,
            proof,
            checkpoint: published.note,
        }
        .encode())
    }

    /// A tile as c2sp.org/tlog-tiles defines it, if the log has all of it.
    pub async fn tile(&self, path: &str) -> Result<Tile> {
        let missing = || {
            Error::not_found(
                "unknown_tile",
                format!(
                    "Tile '{path}' tidak ada (belum lengkap, atau alamatnya tidak sesuai c2sp.org/tlog-tiles)."
                ),
            )
        };
        let tile = TilePath::parse(path).ok_or_else(missing)?;
        let bytes = self
            .store
            .read(move |db| {
                if !tile.available_in(db.log_head()?.0) {
                    return Ok(None);
                }
                tile_bytes(db, &tile).map(Some)
            })
            .await?
            .ok_or_else(missing)?;
        Ok(Tile {
            bytes,
            full: tile.width.is_none(),
        })
    }
}
