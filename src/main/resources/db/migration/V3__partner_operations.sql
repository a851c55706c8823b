-- Secrets replaced by a rotation stay valid until their grace period ends: deliveries are signed with
-- every valid secret meanwhile.
CREATE TABLE subscription_old_secrets (
  subscription_id uuid        NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  secret          bytea       NOT NULL,
  expires_at      timestamptz NOT NULL
);
CREATE INDEX subscription_old_secrets_subscription ON subscription_old_secrets (subscription_id, expires_at);

-- Deliveries made by POST /webhooks/{id}/test are kept in the history, marked as tests.
ALTER TABLE deliveries ADD COLUMN is_test boolean NOT NULL DEFAULT false;

-- Newest-first listing of an application's or a subscription's deliveries, keyset-paginated.
CREATE INDEX deliveries_application_recent ON deliveries (application_id, created_at DESC, id DESC);
CREATE INDEX deliveries_subscription_recent ON deliveries (subscription_id, created_at DESC, id DESC);
DROP INDEX deliveries_application;
DROP INDEX deliveries_subscription;

-- Attempt durations per hour as a histogram (counts per bucket; bucket bounds are fixed in code), so
-- p95 over any range is read from the roll-up, never from the attempts table.
ALTER TABLE delivery_stats_hourly ADD COLUMN duration_buckets bigint[] NOT NULL DEFAULT '{}';
