-- The state of a witness (`pakta witness`), a database of its own beside its key:
-- for each log it follows, the latest checkpoint it cosigned. c2sp.org/tlog-witness
-- asks for nothing more, and for this to be kept before any cosignature is returned.
CREATE TABLE IF NOT EXISTS witness_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS cosigned (
    origin     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL CHECK (size >= 0),
    root       BLOB NOT NULL CHECK (length(root) = 32),
    -- The note as submitted (log signature included): evidence if the log later shows
    -- another history.
    checkpoint TEXT NOT NULL,
    cosigned_at TEXT NOT NULL
) STRICT;
