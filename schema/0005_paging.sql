-- Keyset paging of the roster (GET /api/officials, the unsigned list, the enrollment
-- cards, the per-OPD report): lists run in the order unit, name, identifier, and a page
-- starts just after the last official of the previous one. This index is that order,
-- so a page is a walk of `limit` index entries from the cursor instead of a sort of the
-- whole roster per request; it holds the subject too, so checking an official against a
-- ceremony's invitees never reads the table row of someone not invited.
CREATE INDEX officials_in_roster_order ON officials(opd_code, name, nip, subject);

-- Its first column serves every lookup by unit the old index served.
DROP INDEX IF EXISTS officials_by_opd;
