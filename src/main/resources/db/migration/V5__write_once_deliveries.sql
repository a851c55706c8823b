-- A delivery's row is written once, with its first attempt's outcome (io.hookgate.delivery.FanoutLedger).
-- Until then the event row is the durable intent: its fan-out (delivery ids and their subscriptions),
-- the node that took it, and the time it was received, on that node's clock.
ALTER TABLE events
  ADD COLUMN ingest_node          text,
  ADD COLUMN fanout               uuid[],
  ADD COLUMN fanout_subscriptions uuid[];
-- Recovery reads the events a node received since its low water. Events are appended in receive order,
-- so a BRIN index finds them for almost nothing per insert.
CREATE INDEX events_received_brin ON events USING brin (received_at);

-- One row per live node: every event it received before low_water has all its delivery rows. A row
-- not refreshed for a lease belongs to a dead node, and any node writes what it left unwritten.
CREATE TABLE ingest_nodes (
  node      text        PRIMARY KEY,
  low_water timestamptz NOT NULL,
  seen_at   timestamptz NOT NULL
);
