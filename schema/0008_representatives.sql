-- Representatives (perwakilan, issue 10 part 3): where an instansi allows it, a ceremony
-- names, per OPD, a representative who signs on behalf of named officials.

-- Whether the ceremony allows representatives; set when it is created. Opening a
-- ceremony that allows them appends `representation.allowed` (docs/FORMATS.md §7.12).
ALTER TABLE ceremonies ADD COLUMN allow_representation INTEGER NOT NULL DEFAULT 0;

-- The admin's naming: who represents whom in which ceremony. Only random subject ids,
-- like the invitee list; the names come from the roster when they are read.
CREATE TABLE representatives (
    ceremony_id    INTEGER NOT NULL REFERENCES ceremonies(id),
    representative TEXT NOT NULL,            -- subject id
    opd_code       TEXT NOT NULL,
    named_at       TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, representative)
) STRICT, WITHOUT ROWID;

-- Each official is represented at most once per ceremony.
CREATE TABLE represented (
    ceremony_id    INTEGER NOT NULL,
    subject        TEXT NOT NULL,
    representative TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, subject),
    FOREIGN KEY (ceremony_id, representative) REFERENCES representatives(ceremony_id, representative)
) STRICT, WITHOUT ROWID;
CREATE INDEX represented_by_representative ON represented(ceremony_id, representative);

-- Projection of `representation.signed`: one per representative and ceremony.
CREATE TABLE representations (
    ceremony_id      INTEGER NOT NULL,
    representative   TEXT NOT NULL,
    idx              INTEGER NOT NULL UNIQUE REFERENCES log(idx),
    at               TEXT NOT NULL,
    statement_sha256 BLOB NOT NULL UNIQUE,
    fingerprint      TEXT NOT NULL,
    represented      INTEGER NOT NULL,
    PRIMARY KEY (ceremony_id, representative)
) STRICT, WITHOUT ROWID;

-- Who a signed representation covers (the list of its statement, by subject id): the
-- report's "represented" status, and what closing does not route to ikrar mandiri.
CREATE TABLE representation_covers (
    ceremony_id    INTEGER NOT NULL,
    subject        TEXT NOT NULL,
    representative TEXT NOT NULL,
    PRIMARY KEY (ceremony_id, subject)
) STRICT, WITHOUT ROWID;

-- Documents kept beside the log gain a kind: the representation statement
-- (pakta/perwakilan/v1, docs/FORMATS.md §6.5 and §10), erasable like the others. SQLite
-- cannot change a CHECK, so the table is rebuilt with the same rows.
CREATE TABLE documents_with_representations (
    sha256 BLOB PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('statement', 'enrollment', 'representation')),
    text   TEXT NOT NULL
) STRICT;
INSERT INTO documents_with_representations (sha256, kind, text)
    SELECT sha256, kind, text FROM documents;
DROP TABLE documents;
ALTER TABLE documents_with_representations RENAME TO documents;
