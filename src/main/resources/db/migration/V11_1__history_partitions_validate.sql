-- Step 2 of 3 (see V11): checks the legacy ranges and builds the indexes the partitioned tables need.
-- Outside a transaction: VALIDATE CONSTRAINT and CREATE INDEX CONCURRENTLY read the whole table but let
-- it be read and written meanwhile.
ALTER TABLE events VALIDATE CONSTRAINT events_legacy_range;
ALTER TABLE deliveries VALIDATE CONSTRAINT deliveries_legacy_range;
ALTER TABLE attempts VALIDATE CONSTRAINT attempts_legacy_range;
ALTER TABLE delivery_stats_hourly VALIDATE CONSTRAINT delivery_stats_hourly_legacy_range;
-- A partitioned table's unique index includes its partition key.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS deliveries_legacy_id_created ON deliveries (id, created_at);
-- Erasure by merchant finds a merchant's events by time.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_legacy_merchant ON events (merchant_id, received_at);
