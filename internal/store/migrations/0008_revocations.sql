-- Token revocation and bans (docs/access.md, "Removal, bans and
-- revocation"). Every row is scoped by its issuer: the API key id, or the
-- user id of the account, whose tokens it refuses, so one key's admin
-- never reaches another key's tokens. Times are Unix nanoseconds (UTC).

-- One token, by its jti. room is the room the revoking token was bound
-- to ("" for none): a revocation made by a room-bound admin refuses the
-- jti only in tokens for that room. expires_at is when every token that
-- could carry the jti has expired; the purge deletes the row then.
CREATE TABLE token_revocations (
	issuer      TEXT    NOT NULL,
	jti         TEXT    NOT NULL,
	room        TEXT    NOT NULL,
	revoked_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL CHECK (expires_at > revoked_at),
	revoked_by  TEXT    NOT NULL,
	PRIMARY KEY (issuer, jti)
) STRICT;
CREATE INDEX token_revocations_expires ON token_revocations (expires_at);

-- Every token of an identity issued at or before not_before, in one room
-- ("" for every room of the issuer).
CREATE TABLE identity_revocations (
	issuer      TEXT    NOT NULL,
	room        TEXT    NOT NULL,
	identity    TEXT    NOT NULL,
	not_before  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL CHECK (expires_at > not_before),
	revoked_by  TEXT    NOT NULL,
	PRIMARY KEY (issuer, room, identity)
) STRICT;
CREATE INDEX identity_revocations_expires ON identity_revocations (expires_at);

-- A ban refuses every token of an identity in a room until "until", or,
-- when until is NULL, for the life of the room created at room_created.
CREATE TABLE bans (
	issuer        TEXT    NOT NULL,
	room          TEXT    NOT NULL,
	identity      TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	until         INTEGER CHECK (until IS NULL OR until > created_at),
	room_created  INTEGER NOT NULL,
	banned_by     TEXT    NOT NULL,
	reason        TEXT    NOT NULL,
	PRIMARY KEY (issuer, room, identity)
) STRICT;
CREATE INDEX bans_until ON bans (until);

-- One counter, raised by every write to the three tables above, so that a
-- running server notices a change another process (the CLI, another
-- node) made by reading one row.
CREATE TABLE revocations_version (
	id       INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
	version  INTEGER NOT NULL
) STRICT;
INSERT INTO revocations_version (id, version) VALUES (1, 0);
