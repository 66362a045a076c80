-- API keys: only the Ed25519 public key is stored, so a stolen database
-- cannot forge tokens. Times are Unix nanoseconds (UTC); revoked_at is NULL
-- while the key is active.
CREATE TABLE api_keys (
	id          TEXT    PRIMARY KEY NOT NULL,
	name        TEXT    NOT NULL,
	public_key  BLOB    NOT NULL CHECK (length(public_key) = 32),
	created_at  INTEGER NOT NULL,
	revoked_at  INTEGER
) STRICT;

-- Rooms are owned by the API key that created them; owner is NULL for a
-- room without an owning key.
CREATE TABLE rooms (
	name              TEXT    PRIMARY KEY NOT NULL,
	max_participants  INTEGER NOT NULL CHECK (max_participants >= 0),
	empty_timeout_ns  INTEGER NOT NULL CHECK (empty_timeout_ns >= 0),
	owner             TEXT    REFERENCES api_keys (id),
	created_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX rooms_owner ON rooms (owner);
