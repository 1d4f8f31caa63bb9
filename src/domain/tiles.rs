//! c2sp.org/tlog-tiles: the static form of the log. Hash tiles hold 256 consecutive
//! node hashes of one tree level (tile level L holds tree level 8·L); entry tiles hold
//! 256 consecutive entries, each prefixed by its length as a big-endian uint16. Tile
//! indexes are written in groups of three digits, `x001/x234/067` for 1234067.

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels one tile level spans.
pub const TILE_HEIGHT: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// Hash tile at tile level L.
    Hashes(u8),
    Entries,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    pub kind: TileKind,
    pub index: u64,
    /// None for a full tile; Some(w), 1 ≤ w < 256, for a partial one.
    pub width: Option<u16>,
}

impl TilePath {
    /// Parses what follows `/tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
    pub fn parse(path: &str) -> Option<TilePath> {
        let (kind, rest) = path.split_once('/')?;
        let kind = match kind {
            "entries" => TileKind::Entries,
            level => {
                let l: u8 = level.parse().ok().filter(|l: &u8| l.to_string() == level)?;
                // 64-bit indexes leave no room above tile level 7.
                (l < 8).then_some(TileKind::Hashes(l))?
            }
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((n, w)) => {
                let width: u16 = w.parse().ok().filter(|v: &u16| v.to_string() == w)?;
                ((1..256).contains(&width)).then_some((n, Some(width)))?
            }
            None => (rest, None),
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let (last, leading) = groups.split_last()?;
        let mut digits = String::new();
        for g in leading {
            let g = g.strip_prefix('x')?;
            if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.push_str(g);
        }
        if last.len() != 3 || !last.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(last);
        let index: u64 = digits.parse().ok()?;
        let tile = TilePath { kind, index, width };
        // One spelling per tile: no superfluous leading groups.
        (tile.to_path() == path).then_some(tile)
    }

    fn index_path(&self) -> String {
        let digits = format!("{:03}", self.index);
        let padded = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
        let groups: Vec<&str> = padded
            .as_bytes()
            .chunks(3)
            .map(|c| std::str::from_utf8(c).expect("ASCII digits"))
            .collect();
        let (last, leading) = groups.split_last().expect("at least one group");
        let mut out = String::new();
        for g in leading {
            out.push('x');
            out.push_str(g);
            out.push('/');
        }
        out.push_str(last);
        if let Some(w) = self.width {
            out.push_str(&format!(".p/{w}"));
        }
        out
    }

    /// The path after `/tile/`.
    pub fn to_path(&self) -> String {
        format!("{}{}", path_prefix(self.kind), self.index_path())
    }

    /// How many items (hashes or entries) this tile holds.
    pub fn count(&self) -> u64 {
        self.width.map_or(TILE_WIDTH, u64::from)
    }

    /// The first item's index in its level (or in the log, for entries).
    pub fn first(&self) -> u64 {
        self.index * TILE_WIDTH
    }

    /// The tree level of the hashes in a hash tile.
    pub fn tree_level(&self) -> Option<u32> {
        match self.kind {
            TileKind::Hashes(l) => Some(u32::from(l) * TILE_HEIGHT),
            TileKind::Entries => None,
        }
    }

    /// Whether a log of `size` entries has all of this tile's items, and whether the
    /// tile is exactly as wide as the log allows (a wider partial tile would be a full
    /// one; a narrower one is an older view, still fixed and servable).
    pub fn available_in(&self, size: u64) -> bool {
        let items = match self.tree_level() {
            Some(level) => size.checked_shr(level).unwrap_or(0),
            None => size,
        };
        self.first() + self.count() <= items
    }
}

fn path_prefix(kind: TileKind) -> String {
    match kind {
        TileKind::Hashes(l) => format!("{l}/"),
        TileKind::Entries => "entries/".into(),
    }
}

/// An entry bundle: each entry as a big-endian uint16 length and its bytes.
pub fn entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).expect("entries are far below 64 KiB");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// Splits an entry bundle back into entries; None if it is malformed.
pub fn split_bundle(mut bundle: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !bundle.is_empty() {
        let (len, rest) = bundle.split_at_checked(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let (entry, rest) = rest.split_at_checked(len)?;
        out.push(entry.to_vec());
        bundle = rest;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_group_three_digits_with_x_prefixes() {
        let p = |kind, index, width| TilePath { kind, index, width }.to_path();
        assert_eq!(p(TileKind::Hashes(0), 1234067, None), "0/x001/x234/067");
        assert_eq!(p(TileKind::Hashes(2), 5, None), "2/005");
        assert_eq!(
            p(TileKind::Entries, 1000, Some(17)),
            "entries/x001/000.p/17"
        );
    }

    #[test]
    fn paths_parse_back_and_only_in_their_one_spelling() {
        for path in [
            "0/x001/x234/067",
            "2/005",
            "entries/x001/000.p/17",
            "entries/000",
        ] {
            assert_eq!(TilePath::parse(path).unwrap().to_path(), path);
        }
        for bad in [
            "0/5",
            "0/x000/005",
            "0/005.p/0",
            "0/005.p/256",
            "9/000",
            "01/000",
            "x/000",
            "0/1234",
        ] {
            assert!(TilePath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn availability_follows_the_tree_size() {
        let full = TilePath::parse("0/000").unwrap();
        assert!(!full.available_in(255));
        assert!(full.available_in(256));
        let partial = TilePath::parse("0/000.p/10").unwrap();
        assert!(partial.available_in(10) && !partial.available_in(9));
        let level1 = TilePath::parse("1/000.p/1").unwrap();
        assert!(!level1.available_in(255) && level1.available_in(256));
    }

    #[test]
    fn bundles_round_trip() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"hello"];
        let bundle = entry_bundle(entries.iter().copied());
        assert_eq!(&bundle[..3], &[0, 1, b'a']);
        assert_eq!(
            split_bundle(&bundle).unwrap(),
            vec![b"a".to_vec(), vec![], b"hello".to_vec()]
        );
        assert!(split_bundle(&[0, 5, 1]).is_none());
    }
}
