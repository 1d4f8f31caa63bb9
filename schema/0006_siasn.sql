-- The SIASN roster (issue 10): phone numbers, the unit tree, and officials held back
-- until their unit is mapped to an OPD.
--
-- An official's mobile number from SIASN's NOMOR HP, normalised to 62…: personal data,
-- read only by the admin and the supervisor of the official's OPD (each read recorded
-- in the access log), and deleted with the roster row when the person is erased.
ALTER TABLE officials ADD COLUMN phone TEXT;

-- SIASN units (UNOR), finer than OPDs. A unit belongs to the OPD of the nearest unit,
-- itself or an ancestor (`parent`), whose `opd_code` is set: by a unit→OPD file, by the
-- unit tree (the unit directly below the instansi's root), or by the clerk.
CREATE TABLE units (
    id        TEXT PRIMARY KEY,              -- SIASN's UNOR ID, as exported
    name      TEXT NOT NULL,
    parent    TEXT,                          -- DIATASAN ID; NULL at the root
    opd_code  TEXT REFERENCES opds(code)
) STRICT;

-- Officials from a SIASN import whose unit maps to no OPD yet: validated and kept as
-- they would be imported, until the clerk assigns the unit (PUT /api/units/{id}), when
-- they are imported and their row here goes. Personal data: erased with the person.
CREATE TABLE held_officials (
    nip        TEXT PRIMARY KEY,
    unit_id    TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    row_json   TEXT NOT NULL,                -- the validated row: name, position, category, phone
    held_at    TEXT NOT NULL
) STRICT;
CREATE INDEX held_officials_by_unit ON held_officials(unit_id);
