-- The readiness probe (SQLite.CheckWrite) proves the database can commit a
-- write by updating this one row.
CREATE TABLE heartbeat (
	id       INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
	beat_at  INTEGER NOT NULL
) STRICT;
INSERT INTO heartbeat (id, beat_at) VALUES (1, 0);

-- Always empty: the probe inserts a blob here inside a savepoint it rolls
-- back, to see that the database could still grow.
CREATE TABLE headroom (
	pad  BLOB NOT NULL
) STRICT;
