-- A room's password (its argon2id hash in PHC form, '' for none: never the
-- password) and whether its guests wait in a lobby.
ALTER TABLE rooms ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN lobby TEXT NOT NULL DEFAULT 'off' CHECK (lobby IN ('on', 'off'));
