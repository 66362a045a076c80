-- Blocks of the traffic defence (internal/guard; docs/security.md, "Brute
-- force and floods"), kept so that a restart keeps them and a repeat
-- offender's next block is still longer. kind is "address" (key: the
-- address, an IPv6 one by its /64) or "account" (key: the email). Times
-- are Unix nanoseconds (UTC). A row stays after its block ends, until
-- guard.forgive has passed, for its level; the purge deletes it then.
CREATE TABLE guard_blocks (
	id      TEXT    PRIMARY KEY NOT NULL,
	kind    TEXT    NOT NULL CHECK (kind IN ('address', 'account')),
	key     TEXT    NOT NULL,
	level   INTEGER NOT NULL CHECK (level > 0),
	since   INTEGER NOT NULL,
	until   INTEGER NOT NULL CHECK (until >= since),
	reason  TEXT    NOT NULL,
	addrs   INTEGER NOT NULL
) STRICT;
CREATE INDEX guard_blocks_until ON guard_blocks (until);
