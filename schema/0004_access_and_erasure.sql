-- Least privilege, an access log and erasure (UU 27/2022, PDP).
--
-- Tokens gain the name of who holds them, an expiry and revocation, and the
-- `inspektorat` role (reads every OPD's names); `auditor` tokens from now on read the
-- per-OPD counts only. Tokens made before this migration are kept, named after their
-- role and expiring 30 days after they were made.
CREATE TABLE access_tokens (
    id           INTEGER PRIMARY KEY,
    token_sha256 BLOB NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'inspektorat', 'auditor')),
    scope        TEXT,                       -- ceremony id for operators, OPD code for supervisors
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

INSERT INTO access_tokens (token_sha256, name, role, scope, created_at, expires_at)
SELECT token_sha256,
       role || COALESCE(' ' || scope, '') || ' (token lama)',
       role,
       scope,
       created_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+30 days')
FROM tokens;

DROP TABLE tokens;

-- Every read of personal data through a token: who, when, what and how many people.
-- Kept beside the log, not in it: it names token holders, and it is not evidence of
-- any pledge.
CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    token_name TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    scope      TEXT NOT NULL,                -- which ceremony and OPD, as the reader asked
    people     INTEGER NOT NULL
) STRICT;

-- Officials whose personal data was erased: the random subject id, the unit they were
-- in (so reports count them as erased, not unsigned), and the person.erased entry.
CREATE TABLE erasures (
    subject    TEXT PRIMARY KEY,
    opd_code   TEXT NOT NULL,
    idx        INTEGER NOT NULL UNIQUE REFERENCES log(idx),
    erased_at  TEXT NOT NULL,
    documents  INTEGER NOT NULL
) STRICT;

-- Invitations outlive an erased roster row (they hold only the random subject id), so
-- the reference to `officials` goes.
CREATE TABLE invitees_kept (
    ceremony_id INTEGER NOT NULL REFERENCES ceremonies(id),
    subject     TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, subject)
) STRICT, WITHOUT ROWID;
INSERT INTO invitees_kept (ceremony_id, subject) SELECT ceremony_id, subject FROM invitees;
DROP TABLE invitees;
ALTER TABLE invitees_kept RENAME TO invitees;
