-- The API request that brought an event (X-Request-Id), so a platform's support ticket leads to the
-- event and its deliveries; null for events Hookgate emits itself.
ALTER TABLE events ADD COLUMN request_id text;

-- A partner's own cluster-wide delivery rate for one subscription (null: none), next to the operator's
-- per-endpoint limit.
ALTER TABLE subscriptions ADD COLUMN rate_limit_per_second integer
  CHECK (rate_limit_per_second BETWEEN 1 AND 10000);
