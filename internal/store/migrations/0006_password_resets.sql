-- Password reset links an admin makes for an account (docs/accounts.md):
-- single-use and expiring. The link's token is never stored, only its
-- SHA-256 hash. A used reset is deleted with the user's others at once;
-- an expired one is deleted by the server's purge.
CREATE TABLE password_resets (
	id          TEXT    PRIMARY KEY NOT NULL,
	token_hash  BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_by  TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_created_by ON password_resets (created_by);
CREATE INDEX password_resets_expires ON password_resets (expires_at);

-- When a session of the account last began, for the admins' list. Kept
-- by a trigger, so that every way a session is made records it.
ALTER TABLE users ADD COLUMN last_signin_at INTEGER;
CREATE TRIGGER sessions_last_signin AFTER INSERT ON sessions BEGIN
	UPDATE users SET last_signin_at = NEW.created_at
	 WHERE id = NEW.user_id AND (last_signin_at IS NULL OR last_signin_at < NEW.created_at);
END;

-- The purge finds expired invites by their expiry.
CREATE INDEX signup_invites_expires ON signup_invites (expires_at);
