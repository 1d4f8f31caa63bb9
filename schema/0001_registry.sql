-- Pakta registry, first schema.
--
-- `log` is the registry itself: append-only, each row the exact bytes that are hashed.
-- Every other table is either data kept beside the log (roster, statements, enrollment
-- messages: personal data that can be erased under UU 27/2022 without touching the log)
-- or a projection of the log kept for fast queries.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE log (
    idx   INTEGER PRIMARY KEY,   -- the entry index, 0, 1, 2, ...
    hash  BLOB NOT NULL,         -- SHA-256(bytes)
    bytes BLOB NOT NULL          -- the exact entry bytes (docs/FORMATS.md)
) STRICT;

CREATE TRIGGER log_refuses_update BEFORE UPDATE ON log
BEGIN
    SELECT RAISE(ABORT, 'the registry log is append-only: entries cannot be changed');
END;

CREATE TRIGGER log_refuses_delete BEFORE DELETE ON log
BEGIN
    SELECT RAISE(ABORT, 'the registry log is append-only: entries cannot be deleted');
END;

CREATE TABLE opds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- The roster. Identifiers are TEXT always: spreadsheets turn 18 digits into 1.97E+17.
CREATE TABLE officials (
    subject     TEXT PRIMARY KEY,          -- random id used in the log
    nip         TEXT NOT NULL UNIQUE,      -- NIP, NI PPPK, or NIK for non-ASN staff
    category    TEXT NOT NULL CHECK (category IN ('PNS', 'PPPK', 'NON_ASN')),
    name        TEXT NOT NULL,
    position    TEXT NOT NULL,
    rank        TEXT,
    opd_code    TEXT NOT NULL REFERENCES opds(code),
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX officials_by_opd ON officials(opd_code);

CREATE TABLE enrollment_codes (
    code_sha256 BLOB PRIMARY KEY,          -- codes are bearer secrets: only hashes are kept
    subject     TEXT NOT NULL REFERENCES officials(subject),
    issued_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    superseded  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX enrollment_codes_by_subject ON enrollment_codes(subject);

-- Projection of key.enrolled / key.revoked.
CREATE TABLE keys (
    fingerprint   TEXT PRIMARY KEY,
    subject       TEXT NOT NULL,
    public_key    BLOB NOT NULL,
    enrolled_idx  INTEGER NOT NULL REFERENCES log(idx),
    revoked_idx   INTEGER REFERENCES log(idx)
) STRICT;
CREATE UNIQUE INDEX one_active_key_per_subject ON keys(subject) WHERE revoked_idx IS NULL;

-- Documents referenced from the log by hash; erasable personal data.
CREATE TABLE documents (
    sha256 BLOB PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('statement', 'enrollment')),
    text   TEXT NOT NULL
) STRICT;

CREATE TABLE pledges (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    sha256        BLOB NOT NULL,
    published_idx INTEGER NOT NULL REFERENCES log(idx),
    published_at  TEXT NOT NULL
) STRICT;

CREATE TABLE ceremonies (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    place        TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    pledge_id    INTEGER NOT NULL REFERENCES pledges(id),
    invite       TEXT NOT NULL,              -- the invitation rule as JSON, applied at open
    mandiri_days INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    created_at   TEXT NOT NULL,
    opened_idx   INTEGER REFERENCES log(idx),
    closed_idx   INTEGER REFERENCES log(idx),
    mandiri_due  TEXT
) STRICT;

-- Fixed when the ceremony opens.
CREATE TABLE invitees (
    ceremony_id INTEGER NOT NULL REFERENCES ceremonies(id),
    subject     TEXT NOT NULL REFERENCES officials(subject),
    PRIMARY KEY (ceremony_id, subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE attendance (
    ceremony_id INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    idx         INTEGER NOT NULL REFERENCES log(idx),
    at          TEXT NOT NULL,
    method      TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE mandiri (
    ceremony_id INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    idx         INTEGER NOT NULL REFERENCES log(idx),
    due         TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, subject)
) STRICT, WITHOUT ROWID;

-- Statements handed out and not yet signed; a statement is signable once.
CREATE TABLE issued_statements (
    sha256      BLOB PRIMARY KEY,
    text        TEXT NOT NULL,
    ceremony_id INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    mode        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_idx    INTEGER REFERENCES log(idx)
) STRICT;

-- Projection of pledge.signed. UNIQUE enforces "at most once per (official, ceremony)".
CREATE TABLE signatures (
    ceremony_id      INTEGER NOT NULL,
    subject          TEXT NOT NULL,
    idx              INTEGER NOT NULL UNIQUE REFERENCES log(idx),
    at               TEXT NOT NULL,
    mode             TEXT NOT NULL,
    statement_sha256 BLOB NOT NULL UNIQUE,
    fingerprint      TEXT NOT NULL,
    opd_code         TEXT NOT NULL,          -- the unit at signing time
    PRIMARY KEY (ceremony_id, subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE tokens (
    token_sha256 BLOB PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'auditor')),
    scope        TEXT,                       -- ceremony id for operators, OPD code for supervisors
    created_at   TEXT NOT NULL
) STRICT;
