-- A room is owned by an API key (owner, as before) or by an account
-- (owner_user: a room made with a personal API token or from the app),
-- never both; both NULL for a room without an owner. Two columns, each
-- with its foreign key, rather than one column checked in code: the
-- database itself refuses an owner that does not exist.
ALTER TABLE rooms ADD COLUMN owner_user TEXT REFERENCES users (id)
	CHECK (owner_user IS NULL OR owner IS NULL);

CREATE INDEX rooms_owner_user ON rooms (owner_user);
