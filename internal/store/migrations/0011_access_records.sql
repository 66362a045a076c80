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
