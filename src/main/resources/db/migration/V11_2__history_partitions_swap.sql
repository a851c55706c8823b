-- Step 3 of 3 (see V11): each history table becomes partitioned by time, the table as it was attached as
-- its first partition (its range was validated in step 2, so attaching reads no rows) or, when it is
-- empty, dropped. Indexes are declared on the partitioned table and matched to the legacy table's
-- existing ones, so none is built here. Later partitions (and their indexes) are created ahead of need
-- by the gateway, which also drops them once they pass the retention (see the decision record on history partitions).
SET LOCAL lock_timeout = '10s';

-- Payloads erased on a merchant's request: the event stays, without its body (metadata-only changes).
ALTER TABLE events ALTER COLUMN body DROP NOT NULL, ADD COLUMN erased_at timestamptz;

CREATE TABLE events_p (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (received_at);
CREATE INDEX events_received ON ONLY events_p USING brin (received_at);
CREATE INDEX events_merchant ON ONLY events_p (merchant_id, received_at);

CREATE TABLE deliveries_p (LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at);
CREATE UNIQUE INDEX deliveries_id ON ONLY deliveries_p (id, created_at);
CREATE INDEX deliveries_due_p ON ONLY deliveries_p (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_held_p ON ONLY deliveries_p (subscription_id) WHERE status = 'held';
CREATE INDEX deliveries_parked_p ON ONLY deliveries_p (subscription_id) WHERE next_attempt_at = 'infinity';
CREATE INDEX deliveries_event_p ON ONLY deliveries_p (event_id);
CREATE INDEX deliveries_application_p ON ONLY deliveries_p (application_id, created_at DESC, id DESC);
CREATE INDEX deliveries_subscription_p ON ONLY deliveries_p (subscription_id, created_at DESC, id DESC);

CREATE TABLE attempts_p (LIKE attempts INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at);
CREATE INDEX attempts_delivery_p ON ONLY attempts_p (delivery_id, attempt);

CREATE TABLE delivery_stats_hourly_p (LIKE delivery_stats_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (hour);
CREATE UNIQUE INDEX delivery_stats_hourly_key ON ONLY delivery_stats_hourly_p (subscription_id, hour);

DO $$
DECLARE
  t text;
  cutover timestamptz;
  empty boolean;
BEGIN
  FOREACH t IN ARRAY ARRAY['events', 'deliveries', 'attempts', 'delivery_stats_hourly'] LOOP
    SELECT ends INTO STRICT cutover FROM history_partitions WHERE partition = t || '_legacy';
    -- The range check was for the legacy table, not for the partitioned one that copied it.
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t || '_p', t || '_legacy_range');
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t, t || '_legacy');
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_p', t);
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I)', t || '_legacy') INTO empty;
    IF empty THEN
      EXECUTE format('DROP TABLE %I', t || '_legacy');
      DELETE FROM history_partitions WHERE partition = t || '_legacy';
    ELSE
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', t, t || '_legacy', cutover);
    END IF;
  END LOOP;
END $$;

-- What falls outside every partition lands here and is reported; retention also carries here the
-- deliveries that are not final when their partition is dropped (with their events and attempts).
CREATE TABLE events_default PARTITION OF events (PRIMARY KEY (id)) DEFAULT;
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;
CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;
CREATE TABLE delivery_stats_hourly_default PARTITION OF delivery_stats_hourly DEFAULT;
