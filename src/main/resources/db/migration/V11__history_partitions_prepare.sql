-- History (events, deliveries, attempts and the hourly stats roll-up) becomes partitioned by time, so
-- retention drops whole partitions instead of deleting rows. The tables as they are now stay, unchanged,
-- as the first partition of each ("<table>_legacy", every row received before the cut-over); rows are
-- never copied. Three steps, each its own transaction, so no step holds a long lock on a live system:
--   1 (this file) adds the legacy range as a CHECK constraint, NOT VALID: instant;
--   2 validates it and builds the indexes the partitioned tables need, without blocking writes;
--   3 renames, creates the partitioned tables and attaches the legacy tables: metadata only.
-- The cut-over is two days ahead (rows written meanwhile still fall before it); on an empty database
-- step 3 drops the empty tables instead.
CREATE TABLE history_partitions (
  parent    text        NOT NULL,
  partition text        PRIMARY KEY,
  starts    timestamptz NOT NULL,
  ends      timestamptz NOT NULL,
  state     text        NOT NULL DEFAULT 'attached' CHECK (state IN ('attached', 'detached'))
);

DO $$
DECLARE
  cutover timestamptz := date_trunc('day', now()) + interval '2 days';
BEGIN
  EXECUTE format('ALTER TABLE events ADD CONSTRAINT events_legacy_range CHECK (received_at < %L) NOT VALID', cutover);
  EXECUTE format('ALTER TABLE deliveries ADD CONSTRAINT deliveries_legacy_range CHECK (created_at < %L) NOT VALID', cutover);
  EXECUTE format('ALTER TABLE attempts ADD CONSTRAINT attempts_legacy_range CHECK (created_at < %L) NOT VALID', cutover);
  EXECUTE format('ALTER TABLE delivery_stats_hourly ADD CONSTRAINT delivery_stats_hourly_legacy_range CHECK (hour < %L) NOT VALID', cutover);
  INSERT INTO history_partitions (parent, partition, starts, ends) VALUES
    ('events', 'events_legacy', '-infinity', cutover),
    ('deliveries', 'deliveries_legacy', '-infinity', cutover),
    ('attempts', 'attempts_legacy', '-infinity', cutover),
    ('delivery_stats_hourly', 'delivery_stats_hourly_legacy', '-infinity', cutover);
END $$;
