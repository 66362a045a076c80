-- The tamper-evident audit log (docs/audit.md). Times are Unix
-- nanoseconds (UTC); hashes are 32-byte SHA-256 digests.

-- One record per security-relevant event, chained: hash covers every
-- column and prev, the hash of the record before (32 zero bytes before
-- record 1). Records are appended and, past the retention period, pruned
-- from the oldest; never updated.
CREATE TABLE audit_records (
	seq      INTEGER PRIMARY KEY NOT NULL CHECK (seq > 0),
	time     INTEGER NOT NULL,
	actor    TEXT    NOT NULL,
	action   TEXT    NOT NULL,
	target   TEXT    NOT NULL,
	ip       TEXT    NOT NULL,
	room     TEXT    NOT NULL,
	details  TEXT    NOT NULL,
	prev     BLOB    NOT NULL,
	hash     BLOB    NOT NULL
) STRICT;
CREATE INDEX audit_records_time ON audit_records (time);

-- A guard against a code path that would update a record; it is no
-- defence against someone who can write the file (verification is).
CREATE TRIGGER audit_records_append_only BEFORE UPDATE ON audit_records
BEGIN
	SELECT RAISE(ABORT, 'audit records are append-only');
END;

-- Signed checkpoints: "head" signs the hash of record seq; "pruned" says
-- the records up to seq were pruned, the last of them with hash head.
-- signature is Ed25519 by the server key key_id over the encoding in
-- docs/audit.md.
CREATE TABLE audit_checkpoints (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT    NOT NULL CHECK (kind IN ('head', 'pruned')),
	seq        INTEGER NOT NULL CHECK (seq >= 0),
	head       BLOB    NOT NULL,
	time       INTEGER NOT NULL,
	key_id     TEXT    NOT NULL,
	signature  BLOB    NOT NULL
) STRICT;
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq, id);
