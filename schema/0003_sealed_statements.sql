-- Signing protocol, version 2: issuing a statement writes nothing. The registry
-- recognises its own statements by the seal in their nonce, and keeps a statement only
-- once it is signed (in `documents`, beside the log), so statements issued but never
-- signed are dropped: they held names and NIPs for no purpose.
DROP TABLE IF EXISTS issued_statements;

-- A statement sealed for a key the official has since replaced is refused with its
-- reason (key_revoked), which needs every key of one official.
CREATE INDEX IF NOT EXISTS keys_by_subject ON keys(subject);
