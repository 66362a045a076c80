-- Accounts: the people who sign in to Conclave itself, and what hangs off
-- them. No secret is stored: session ids, recovery codes, invite and
-- personal-token secrets are SHA-256 hashes (32 bytes), passwords argon2id
-- hashes in PHC form. Times are Unix nanoseconds (UTC); an optional time is
-- NULL while unset. Everything a user owns goes with the user.
--
-- Emails are canonical, trimmed and lower-case: the store checks that in
-- full before writing; the CHECKs below are a backstop (SQLite's lower()
-- and trim() know ASCII letters and spaces only).
CREATE TABLE users (
	id                   TEXT    PRIMARY KEY NOT NULL,
	email                TEXT    NOT NULL UNIQUE CHECK (email <> '' AND email = lower(trim(email))),
	display_name         TEXT    NOT NULL,
	role                 TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
	status               TEXT    NOT NULL CHECK (status IN ('active', 'disabled')),
	password_hash        TEXT    NOT NULL CHECK (substr(password_hash, 1, 10) = '$argon2id$'),
	password_changed_at  INTEGER,
	-- The shared TOTP secret as given, NULL when none; enabled only with one.
	totp_secret          BLOB    CHECK (totp_secret IS NULL OR length(totp_secret) BETWEEN 16 AND 64),
	totp_enabled         INTEGER NOT NULL CHECK (totp_enabled IN (0, 1)),
	totp_last_step       INTEGER NOT NULL CHECK (totp_last_step >= 0),
	failed_signins       INTEGER NOT NULL CHECK (failed_signins >= 0),
	last_failed_at       INTEGER,
	locked_until         INTEGER,
	lock_notice          INTEGER NOT NULL CHECK (lock_notice IN (0, 1)),
	created_at           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL,
	CHECK (totp_enabled = 0 OR totp_secret IS NOT NULL)
) STRICT;

-- id is the public handle (listing, revoking); id_hash is what a cookie is
-- looked up by.
CREATE TABLE sessions (
	id            TEXT    PRIMARY KEY NOT NULL,
	id_hash       BLOB    NOT NULL UNIQUE CHECK (length(id_hash) = 32),
	user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at    INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	ip            TEXT    NOT NULL,
	user_agent    TEXT    NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id, last_seen_at);

-- Unused recovery codes; a used one is deleted.
CREATE TABLE recovery_codes (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash  BLOB NOT NULL CHECK (length(code_hash) = 32),
	PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- A WebAuthn credential id is at most 1023 bytes (WebAuthn Level 3, 5.1).
CREATE TABLE passkeys (
	id             TEXT    PRIMARY KEY NOT NULL,
	user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	credential_id  BLOB    NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 1 AND 1023),
	credential     BLOB    NOT NULL CHECK (length(credential) > 0),
	name           TEXT    NOT NULL,
	created_at     INTEGER NOT NULL,
	last_used_at   INTEGER
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- email is '' for an invite anyone may use. used_at and used_by are set
-- together, when the invite is redeemed.
CREATE TABLE signup_invites (
	id          TEXT    PRIMARY KEY NOT NULL,
	token_hash  BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	email       TEXT    NOT NULL CHECK (email = lower(trim(email))),
	role        TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
	created_by  TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	used_at     INTEGER,
	used_by     TEXT    REFERENCES users (id) ON DELETE CASCADE,
	CHECK ((used_at IS NULL) = (used_by IS NULL))
) STRICT;
CREATE INDEX signup_invites_created_by ON signup_invites (created_by);
CREATE INDEX signup_invites_used_by ON signup_invites (used_by);

-- grants is a JSON array of strings.
CREATE TABLE personal_tokens (
	id            TEXT    PRIMARY KEY NOT NULL,
	user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name          TEXT    NOT NULL,
	secret_hash   BLOB    NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
	grants        TEXT    NOT NULL CHECK (json_valid(grants) AND json_type(grants) = 'array'),
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	last_used_at  INTEGER,
	revoked_at    INTEGER
) STRICT;
CREATE INDEX personal_tokens_user ON personal_tokens (user_id, created_at);
