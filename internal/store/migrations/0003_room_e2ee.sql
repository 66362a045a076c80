-- Whether a room requires end-to-end encryption: 'required' or 'off'.
-- Rooms stored before this column existed were plain.
ALTER TABLE rooms ADD COLUMN e2ee TEXT NOT NULL DEFAULT 'off' CHECK (e2ee IN ('required', 'off'));
