-- A token revocation is one record per issuer, jti and room (docs/access.md,
-- "What the server keeps"): revoking the same jti in two rooms keeps both,
-- and "" (every room) is a record of its own. Before, the primary key was
-- (issuer, jti), so a second room's revocation was folded into the first.
CREATE TABLE token_revocations_by_room (
	issuer      TEXT    NOT NULL,
	jti         TEXT    NOT NULL,
	room        TEXT    NOT NULL,
	revoked_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL CHECK (expires_at > revoked_at),
	revoked_by  TEXT    NOT NULL,
	PRIMARY KEY (issuer, jti, room)
) STRICT;
INSERT INTO token_revocations_by_room (issuer, jti, room, revoked_at, expires_at, revoked_by)
	SELECT issuer, jti, room, revoked_at, expires_at, revoked_by FROM token_revocations;
DROP TABLE token_revocations;
ALTER TABLE token_revocations_by_room RENAME TO token_revocations;
CREATE INDEX token_revocations_expires ON token_revocations (expires_at);
-- The caps on records per issuer and per room count through this index.
CREATE INDEX token_revocations_room ON token_revocations (issuer, room);

-- Whether a room is locked, and its own maximum duration (nanoseconds, 0:
-- none of its own), so that a restarted server keeps a locked meeting
-- locked and a meeting's own shorter end (docs/access.md, "Lock" and
-- "Maximum duration"). Rooms stored before were unlocked, with no
-- duration of their own.
ALTER TABLE rooms ADD COLUMN locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1));
ALTER TABLE rooms ADD COLUMN max_duration_ns INTEGER NOT NULL DEFAULT 0 CHECK (max_duration_ns >= 0);
