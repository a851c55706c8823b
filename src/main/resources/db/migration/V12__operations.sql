-- The API request that brought an event (X-Request-Id), so a platform's support ticket leads to the
-- event and its deliveries; null for events Hookgate emits itself.
ALTER TABLE events ADD COLUMN request_id text;
-- The W3C trace context of the event's ingest span (null when tracing is off): every attempt of every
-- delivery of the event, retries included, continues that trace.
ALTER TABLE events ADD COLUMN traceparent text;

-- A partner's own cluster-wide delivery rate for one subscription (null: none), next to the operator's
-- per-endpoint limit.
ALTER TABLE subscriptions ADD COLUMN rate_limit_per_second integer
  CHECK (rate_limit_per_second BETWEEN 1 AND 10000);

-- The platform's own application: it owns the platform's subscriptions to Hookgate's operational events
-- (/api/v1/operational-webhooks). Its client secret is a hash of nothing anyone knows.
INSERT INTO applications (id, name, client_id, client_secret_hash, scopes)
VALUES ('00000000-0000-4000-8000-000000000001', 'Hookgate operational webhooks (platform)', 'hga_platform_operations',
        sha256(convert_to(gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), '{}')
ON CONFLICT (id) DO NOTHING;
