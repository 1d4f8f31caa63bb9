//! Which c2sp.org/tlog-tiles objects a static copy of the log needs (FORMATS §16 and
//! §16.1): the tiles that describe a log of n entries, and, for a copy that already
//! describes m ≤ n entries, only those it does not hold yet. Pure: sizes in, tile paths
//! out.

use super::tiles::{TILE_HEIGHT, TILE_WIDTH, TileKind, TilePath};

/// Hash tile levels a 64-bit log can have (level 7 holds tree level 56).
const LEVELS: u8 = 8;

/// The items (hashes or entries) a log of `size` entries has at one tile kind:
/// ⌊size / 256^L⌋ at hash tile level L, `size` for entries.
fn items(kind: TileKind, size: u64) -> u64 {
    match kind {
        TileKind::Hashes(level) => size
            .checked_shr(u32::from(level) * TILE_HEIGHT)
            .unwrap_or(0),
        TileKind::Entries => size,
    }
}

/// Every tile kind with at least one item in a log of `size` entries: the entry tiles,
/// then hash tile levels 0, 1, … upwards.
fn kinds(size: u64) -> impl Iterator<Item = TileKind> {
    std::iter::once(TileKind::Entries)
        .chain((0..LEVELS).map(TileKind::Hashes))
        .filter(move |&kind| items(kind, size) > 0)
}

/// The partial tile of `kind` in a log of `size` entries, if its last tile is not full.
fn partial(kind: TileKind, size: u64) -> Option<TilePath> {
    let s = items(kind, size);
    let width = s % TILE_WIDTH;
    (width != 0).then(|| TilePath {
        kind,
        index: s / TILE_WIDTH,
        width: Some(u16::try_from(width).expect("below 256")),
    })
}

/// The tiles that describe a log of `size` entries (FORMATS §16): at each kind, the full
/// tiles 0 to ⌊s / 256⌋ − 1 and the partial tile of width s mod 256 when it is not 0.
pub fn tiles_describing(size: u64) -> Vec<TilePath> {
    tiles_new_since(0, size)
}

/// The tiles of [`tiles_describing`]`(size)` that are not among those of
/// `tiles_describing(published)`: the full tiles completed since, and each partial tile
/// of `size` unless `published` had the very same one. Full tiles never change, so a
/// copy describing `published` entries needs exactly these to describe `size`.
pub fn tiles_new_since(published: u64, size: u64) -> Vec<TilePath> {
    let published = published.min(size);
    let mut out = Vec::new();
    for kind in kinds(size) {
        let full_before = items(kind, published) / TILE_WIDTH;
        let full_now = items(kind, size) / TILE_WIDTH;
        out.extend((full_before..full_now).map(|index| TilePath {
            kind,
            index,
            width: None,
        }));
        if let Some(tile) = partial(kind, size)
            && partial(kind, published) != Some(tile)
        {
            out.push(tile);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn paths(tiles: Vec<TilePath>) -> Vec<String> {
        tiles.iter().map(TilePath::to_path).collect()
    }

    #[test]
    fn the_golden_log_of_nine_entries_has_two_partial_tiles() {
        assert_eq!(
            paths(tiles_describing(9)),
            vec!["entries/000.p/9", "0/000.p/9"]
        );
        assert!(tiles_describing(0).is_empty());
    }

    #[test]
    fn a_log_at_a_tile_boundary_has_full_tiles_and_the_next_level() {
        assert_eq!(
            paths(tiles_describing(256)),
            vec!["entries/000", "0/000", "1/000.p/1"]
        );
        let tiles = paths(tiles_describing(70_000));
        // 70,000 = 273·256 + 112 entries; 273 level-8 subtrees = 1·256 + 17; one of
        // level 16.
        assert_eq!(tiles.len(), 274 + 274 + 2 + 1);
        assert_eq!(tiles[0], "entries/000");
        assert_eq!(tiles[273], "entries/273.p/112");
        assert_eq!(tiles[274], "0/000");
        assert_eq!(tiles[547], "0/273.p/112");
        assert_eq!(tiles[548..], ["1/000", "1/001.p/17", "2/000.p/1"]);
    }

    #[test]
    fn every_tile_describing_a_size_is_available_in_it() {
        for size in [1, 255, 256, 257, 65_535, 65_536, 65_537, 16_777_217] {
            for tile in tiles_describing(size) {
                assert!(tile.available_in(size), "{} in {size}", tile.to_path());
                assert_eq!(TilePath::parse(&tile.to_path()), Some(tile));
            }
        }
    }

    #[test]
    fn the_new_tiles_are_the_set_difference_of_the_two_descriptions() {
        let sizes = [
            0, 1, 9, 255, 256, 257, 511, 512, 600, 65_536, 65_537, 70_000,
        ];
        for &from in &sizes {
            for &to in sizes.iter().filter(|&&to| to >= from) {
                let before: BTreeSet<String> = paths(tiles_describing(from)).into_iter().collect();
                let expected: BTreeSet<String> = paths(tiles_describing(to))
                    .into_iter()
                    .filter(|p| !before.contains(p))
                    .collect();
                let new: BTreeSet<String> = paths(tiles_new_since(from, to)).into_iter().collect();
                assert_eq!(new, expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn growing_within_a_tile_rewrites_only_the_partial_tiles_that_changed() {
        assert_eq!(
            paths(tiles_new_since(300, 310)),
            vec!["entries/001.p/54", "0/001.p/54"]
        );
        // Past the boundary: the full tile once, and the level-1 tile grows.
        assert_eq!(
            paths(tiles_new_since(300, 520)),
            vec![
                "entries/001",
                "entries/002.p/8",
                "0/001",
                "0/002.p/8",
                "1/000.p/2"
            ]
        );
    }
}
