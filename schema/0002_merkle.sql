-- The registry's Merkle tree (RFC 6962): the hash of every complete subtree.
--
-- Level 0 holds the leaf hashes, SHA-256(0x00 || entry bytes); the node at (level, idx)
-- covers leaves idx·2^level .. (idx+1)·2^level - 1. Every root, inclusion proof,
-- consistency proof and tlog tile is folded from O(log n) of these rows. Rows are
-- written in the same transaction as the entry that completes them; existing logs are
-- filled in at start-up.

CREATE TABLE tree (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER tree_refuses_update BEFORE UPDATE ON tree
BEGIN
    SELECT RAISE(ABORT, 'the registry tree is append-only: hashes cannot be changed');
END;

CREATE TRIGGER tree_refuses_delete BEFORE DELETE ON tree
BEGIN
    SELECT RAISE(ABORT, 'the registry tree is append-only: hashes cannot be deleted');
END;
