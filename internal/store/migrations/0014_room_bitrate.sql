-- A room's own cap on what each participant publishes (bits per second,
-- 0: none of its own, the server's rooms.max_publish_bitrate applies), so
-- that a restarted server keeps a meeting's lower cap (docs/sfu.md,
-- "Bitrate cap"). Rooms stored before have none of their own.
ALTER TABLE rooms ADD COLUMN max_publish_bitrate INTEGER NOT NULL DEFAULT 0 CHECK (max_publish_bitrate >= 0);
