-- Meeting invites (docs/access.md, "Invites"): links the server signs for
-- one room of an owner (an account's user id, or an API key id). The link
-- is the server's signature over the id; the row holds no secret, so a
-- copy of the database forges no link. Times are Unix nanoseconds (UTC).
-- uses only ever grows, by one conditional UPDATE per redemption, so that
-- max_uses holds however many guests race.
CREATE TABLE meeting_invites (
	id            TEXT    PRIMARY KEY NOT NULL,
	room          TEXT    NOT NULL,
	owner         TEXT    NOT NULL,
	created_by    TEXT    NOT NULL,
	role          TEXT    NOT NULL CHECK (role IN ('viewer', 'participant')),
	max_uses      INTEGER NOT NULL CHECK (max_uses > 0),
	uses          INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
	email_domain  TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL CHECK (expires_at > created_at),
	revoked_at    INTEGER
) STRICT;
CREATE INDEX meeting_invites_room ON meeting_invites (owner, room);
CREATE INDEX meeting_invites_expires ON meeting_invites (expires_at);

-- Whether a room admits its owner's host tokens and its invites' guest
-- tokens only. Rooms stored before this column existed did not.
ALTER TABLE rooms ADD COLUMN invite_only INTEGER NOT NULL DEFAULT 0 CHECK (invite_only IN (0, 1));
