-- Event ids are opaque identifiers chosen by the platform: compared byte by byte, not by the database
-- locale's collation (under a libc locale such as C.UTF-8 every b-tree comparison on the events key
-- went through strcoll, with a copy of both strings).
ALTER TABLE events ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE deliveries ALTER COLUMN event_id TYPE text COLLATE "C";

-- Attempts are an append-only log, read and deleted by delivery through attempts_delivery
-- (delivery_id, attempt). The surrogate key was never read; it cost a sequence step and a second
-- b-tree insert per attempt. Not unique: a delivery re-sent after its lease expired can make the
-- same attempt twice, and both requests are recorded.
ALTER TABLE attempts DROP COLUMN id;
