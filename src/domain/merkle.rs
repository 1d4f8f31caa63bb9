//! RFC 6962 / RFC 9162 Merkle tree math over the registry's entries, with no storage:
//! leaf and node hashing, tree roots, inclusion and consistency proofs, and their
//! verification.
//!
//! The registry keeps the hash of every *complete* subtree (level `l`, index `i` covers
//! leaves `i·2^l .. (i+1)·2^l`). Any range hash the RFC's recursive definitions need is
//! an aligned range, so it folds from at most log2(n) stored subtrees; the functions
//! here take a `subtree` lookup and so cost O(log n) reads, never a walk of the log.

use super::crypto::Sha256Hash;
use sha2::{Digest, Sha256};

/// RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0)).
pub fn leaf_hash(entry: &[u8]) -> Sha256Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    Sha256Hash(h.finalize().into())
}

/// RFC 6962 §2.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
pub fn node_hash(left: &Sha256Hash, right: &Sha256Hash) -> Sha256Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Sha256Hash(h.finalize().into())
}

/// RFC 6962 §2.1: MTH({}) = SHA-256(), the root of the empty tree.
pub fn empty_root() -> Sha256Hash {
    Sha256Hash::of(b"")
}

/// The subtrees an append of leaf `index` completes, bottom-up: (level, index) pairs
/// whose hash can now be stored, starting with the leaf itself at level 0.
pub fn completed_by_append(index: u64) -> impl Iterator<Item = (u32, u64)> {
    let complete_levels = (index + 1).trailing_zeros();
    (0..=complete_levels).map(move |level| (level, index >> level))
}

/// Builds the root of a growing sequence of leaves in O(log n) memory, for audits that
/// stream the whole log: it keeps one hash per complete subtree on the right edge.
#[derive(Debug, Clone, Default)]
pub struct RootBuilder {
    right_edge: Vec<(u32, Sha256Hash)>,
    size: u64,
}

impl RootBuilder {
    /// Adds the next leaf; returns every subtree it completes as (level, index, hash),
    /// the leaf itself first, so a caller can compare them with a stored tree.
    pub fn push(&mut self, leaf: Sha256Hash) -> Vec<(u32, u64, Sha256Hash)> {
        let index = self.size;
        let mut node = (0, leaf);
        let mut completed = vec![(0, index, leaf)];
        while let Some(&(level, left)) = self.right_edge.last()
            && level == node.0
        {
            self.right_edge.pop();
            node = (level + 1, node_hash(&left, &node.1));
            completed.push((node.0, index >> node.0, node.1));
        }
        self.right_edge.push(node);
        self.size += 1;
        completed
    }

    pub fn root(&self) -> Sha256Hash {
        let mut nodes = self.right_edge.iter().rev();
        let Some((_, mut root)) = nodes.next().copied() else {
            return empty_root();
        };
        for (_, left) in nodes {
            root = node_hash(left, &root);
        }
        root
    }
}

/// Looks up the stored hash of the complete subtree at (level, index).
pub type Subtree<'a, E> = dyn FnMut(u32, u64) -> Result<Sha256Hash, E> + 'a;

/// MTH(D[start:end]) for a range whose start is aligned to the largest power of two not
/// above its length, as every range in the RFC's recursions is: split into complete
/// subtrees from the left, then hash them together from the right.
fn range_hash<E>(start: u64, end: u64, subtree: &mut Subtree<'_, E>) -> Result<Sha256Hash, E> {
    debug_assert!(start < end);
    let mut parts = Vec::new();
    let mut at = start;
    while at < end {
        let level = 63 - (end - at).leading_zeros();
        let level = level.min(at.trailing_zeros());
        parts.push(subtree(level, at >> level)?);
        at += 1 << level;
    }
    let mut hash = parts.pop().expect("a non-empty range has a part");
    while let Some(left) = parts.pop() {
        hash = node_hash(&left, &hash);
    }
    Ok(hash)
}

/// The root of the tree of the first `size` leaves.
pub fn root<E>(size: u64, subtree: &mut Subtree<'_, E>) -> Result<Sha256Hash, E> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(0, size, subtree)
}

/// The largest power of two smaller than `n` (n > 1): the RFC's split point k.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// RFC 6962 §2.1.1: the audit path PATH(m, D[0:n]) for leaf `index` in a tree of `size`.
pub fn inclusion_proof<E>(
    index: u64,
    size: u64,
    subtree: &mut Subtree<'_, E>,
) -> Result<Vec<Sha256Hash>, E> {
    debug_assert!(index < size);
    let mut path = Vec::new();
    // Walk down from the root, collecting the sibling of each step, then reverse so the
    // path goes leaf-side first as the RFC lists it.
    let (mut start, mut end, mut m) = (0u64, size, index);
    while end - start > 1 {
        let k = split(end - start);
        if m < k {
            path.push(range_hash(start + k, end, subtree)?);
            end = start + k;
        } else {
            path.push(range_hash(start, start + k, subtree)?);
            start += k;
            m -= k;
        }
    }
    path.reverse();
    Ok(path)
}

/// RFC 6962 §2.1.2: PROOF(m, D[n]) proving the tree of `old_size` is a prefix of the tree
/// of `new_size`.
pub fn consistency_proof<E>(
    old_size: u64,
    new_size: u64,
    subtree: &mut Subtree<'_, E>,
) -> Result<Vec<Sha256Hash>, E> {
    debug_assert!(0 < old_size && old_size <= new_size);
    let mut proof = Vec::new();
    // SUBPROOF(m, D[start:end], b), unrolled: each step appends one hash after the
    // deeper part, so collect top-down and reverse at the end.
    let (mut start, mut end, mut m, mut whole) = (0u64, new_size, old_size, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                proof.push(range_hash(start, end, subtree)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            proof.push(range_hash(start + k, end, subtree)?);
            end = start + k;
        } else {
            proof.push(range_hash(start, start + k, subtree)?);
            start += k;
            m -= k;
            whole = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// RFC 9162 §2.1.3.2: checks that `leaf` sits at `index` in the tree of `size` with `root`.
pub fn verify_inclusion(
    leaf: &Sha256Hash,
    index: u64,
    size: u64,
    proof: &[Sha256Hash],
    root: &Sha256Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: checks that the tree of `old_size` with `old_root` is a prefix of
/// the tree of `new_size` with `new_root`.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Sha256Hash],
    old_root: &Sha256Hash,
    new_root: &Sha256Hash,
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Sha256Hash> = proof.to_vec();
    if old_size.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    fr == *old_root && sr == *new_root && s_n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::convert::Infallible;

    /// The eight leaves of the RFC 6962 reference test data (as used by Certificate
    /// Transparency and Trillian).
    fn reference_leaves() -> Vec<Vec<u8>> {
        vec![
            vec![],
            vec![0x00],
            vec![0x10],
            vec![0x20, 0x21],
            vec![0x30, 0x31],
            vec![0x40, 0x41, 0x42, 0x43],
            vec![0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            (0x60..=0x6f).collect(),
        ]
    }

    const REFERENCE_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// A tree kept the way the store keeps it: every complete subtree by (level, index).
    struct Stored(HashMap<(u32, u64), Sha256Hash>, u64);

    impl Stored {
        fn new() -> Stored {
            Stored(HashMap::new(), 0)
        }
        fn append(&mut self, entry: &[u8]) {
            let index = self.1;
            for (level, i) in completed_by_append(index) {
                let hash = if level == 0 {
                    leaf_hash(entry)
                } else {
                    node_hash(
                        &self.0[&(level - 1, 2 * i)],
                        &self.0[&(level - 1, 2 * i + 1)],
                    )
                };
                self.0.insert((level, i), hash);
            }
            self.1 += 1;
        }
        fn lookup(&self) -> impl FnMut(u32, u64) -> Result<Sha256Hash, Infallible> + '_ {
            |level, index| Ok(self.0[&(level, index)])
        }
    }

    /// MTH straight from the RFC's recursive definition, for comparison.
    fn mth(leaves: &[Vec<u8>]) -> Sha256Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn tree_of(n: usize) -> (Vec<Vec<u8>>, Stored) {
        let leaves: Vec<Vec<u8>> = (0..n).map(|i| format!("entry {i}").into_bytes()).collect();
        let mut stored = Stored::new();
        for l in &leaves {
            stored.append(l);
        }
        (leaves, stored)
    }

    #[test]
    fn roots_match_the_rfc_6962_reference_data() {
        let mut stored = Stored::new();
        for (i, leaf) in reference_leaves().iter().enumerate() {
            stored.append(leaf);
            let root = root(i as u64 + 1, &mut stored.lookup()).unwrap();
            assert_eq!(root.to_hex(), REFERENCE_ROOTS[i], "size {}", i + 1);
        }
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn roots_from_stored_subtrees_equal_the_recursive_definition() {
        let (leaves, stored) = tree_of(70);
        for n in 1..=70 {
            assert_eq!(
                root(n as u64, &mut stored.lookup()).unwrap(),
                mth(&leaves[..n])
            );
        }
    }

    #[test]
    fn the_streaming_root_builder_agrees_with_the_definition() {
        let (leaves, _) = tree_of(70);
        let mut builder = RootBuilder::default();
        assert_eq!(builder.root(), empty_root());
        let (_, stored) = tree_of(70);
        for n in 1..=70 {
            for (level, index, hash) in builder.push(leaf_hash(&leaves[n - 1])) {
                assert_eq!(stored.0[&(level, index)], hash, "node ({level}, {index})");
            }
            assert_eq!(builder.root(), mth(&leaves[..n]), "size {n}");
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_no_wrong_one_does() {
        let (leaves, stored) = tree_of(37);
        for size in 1..=37u64 {
            let r = root(size, &mut stored.lookup()).unwrap();
            for index in 0..size {
                let proof = inclusion_proof(index, size, &mut stored.lookup()).unwrap();
                let leaf = leaf_hash(&leaves[index as usize]);
                assert!(
                    verify_inclusion(&leaf, index, size, &proof, &r),
                    "{index}/{size}"
                );
                assert!(proof.len() <= 64 - (size.leading_zeros() as usize) + 1);
                if size > 1 {
                    let other = (index + 1) % size;
                    assert!(!verify_inclusion(&leaf, other, size, &proof, &r));
                }
                assert!(!verify_inclusion(
                    &leaf_hash(b"forged"),
                    index,
                    size,
                    &proof,
                    &r
                ));
            }
        }
    }

    #[test]
    fn inclusion_proofs_match_the_rfc_6962_reference_paths() {
        let mut stored = Stored::new();
        for leaf in reference_leaves() {
            stored.append(&leaf);
        }
        let hex = |p: Vec<Sha256Hash>| p.iter().map(Sha256Hash::to_hex).collect::<Vec<_>>();
        assert_eq!(
            hex(inclusion_proof(0, 8, &mut stored.lookup()).unwrap()),
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        );
        assert_eq!(
            hex(inclusion_proof(5, 8, &mut stored.lookup()).unwrap()),
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        );
    }

    #[test]
    fn every_consistency_proof_verifies_and_a_rewritten_history_does_not() {
        let (_, stored) = tree_of(33);
        let (_, forked) = {
            let mut leaves: Vec<Vec<u8>> =
                (0..33).map(|i| format!("entry {i}").into_bytes()).collect();
            leaves[2] = b"rewritten".to_vec();
            let mut s = Stored::new();
            for l in &leaves {
                s.append(l);
            }
            (leaves, s)
        };
        for new in 1..=33u64 {
            let new_root = root(new, &mut stored.lookup()).unwrap();
            for old in 1..=new {
                let old_root = root(old, &mut stored.lookup()).unwrap();
                let proof = consistency_proof(old, new, &mut stored.lookup()).unwrap();
                assert!(
                    verify_consistency(old, new, &proof, &old_root, &new_root),
                    "{old}->{new}"
                );
                if old > 2 {
                    let forked_old = root(old, &mut forked.lookup()).unwrap();
                    assert!(!verify_consistency(
                        old,
                        new,
                        &proof,
                        &forked_old,
                        &new_root
                    ));
                }
            }
        }
    }

    #[test]
    fn consistency_proofs_match_the_rfc_6962_reference_data() {
        let mut stored = Stored::new();
        for leaf in reference_leaves() {
            stored.append(&leaf);
        }
        let hex = |p: Vec<Sha256Hash>| p.iter().map(Sha256Hash::to_hex).collect::<Vec<_>>();
        assert_eq!(
            hex(consistency_proof(6, 8, &mut stored.lookup()).unwrap()),
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        );
        assert_eq!(
            hex(consistency_proof(4, 8, &mut stored.lookup()).unwrap()),
            ["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
        );
    }
}
