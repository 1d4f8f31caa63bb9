-- Campaigns (issue 10, part 2) and the head of OPD's recap (part 4).
--
-- A campaign is one election with one pledge text and several ceremonies; an official
-- signs once per campaign. Projections of `campaign.created`, the `campaign` field of
-- `ceremony.opened` and `recap.signed` (docs/FORMATS.md §7.4.1, 7.10, 7.11), plus the
-- heads the admin designates and the recap documents kept beside the log.

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    pledge_id   INTEGER NOT NULL REFERENCES pledges(id),
    created_idx INTEGER NOT NULL REFERENCES log(idx),
    created_at  TEXT NOT NULL
) STRICT;

-- Which campaign a ceremony belongs to (chosen at creation, written to the log when
-- it opens), and how many of those the invitation rule named were left out at opening
-- because they had already signed in the campaign.
CREATE TABLE campaign_ceremonies (
    ceremony_id INTEGER PRIMARY KEY REFERENCES ceremonies(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    excluded    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX campaign_ceremonies_by_campaign ON campaign_ceremonies(campaign_id);

-- One signature per official per campaign: the PRIMARY KEY is the rule's backstop.
CREATE TABLE campaign_signatures (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    subject     TEXT NOT NULL,
    ceremony_id INTEGER NOT NULL,
    idx         INTEGER NOT NULL UNIQUE REFERENCES log(idx),
    PRIMARY KEY (campaign_id, subject)
) STRICT, WITHOUT ROWID;

-- The head of each OPD, designated by the admin; signs the unit's recap.
CREATE TABLE opd_heads (
    opd_code TEXT PRIMARY KEY REFERENCES opds(code),
    subject  TEXT NOT NULL,
    set_at   TEXT NOT NULL
) STRICT;

-- Projection of recap.signed: one recap per unit and campaign.
CREATE TABLE recaps (
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    opd_code         TEXT NOT NULL,
    subject          TEXT NOT NULL,
    statement_sha256 BLOB NOT NULL UNIQUE,
    list_sha256      BLOB NOT NULL,
    idx              INTEGER NOT NULL UNIQUE REFERENCES log(idx),
    at               TEXT NOT NULL,
    PRIMARY KEY (campaign_id, opd_code)
) STRICT, WITHOUT ROWID;

-- The signed recap and its list of who signed and who did not: personal data (NIPs,
-- the head's name), kept beside the log and erasable like statements.
CREATE TABLE recap_documents (
    sha256  BLOB PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('recap', 'recap-list')),
    subject TEXT NOT NULL,                 -- the head who signed it
    text    TEXT NOT NULL
) STRICT;
