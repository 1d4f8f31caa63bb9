-- Signing protocol, version 2: issuing a statement writes nothing. The registry
-- recognises its own statements by the seal in their nonce, and keeps a statement only
-- once it is signed (in `documents`, beside the log), so statements issued but never
-- signed are dropped: they held names and NIPs for no purpose.
DROP TABLE issued_statements;
