-- Subscription filters, circuit state and the counters behind auto-disable.
ALTER TABLE subscriptions
  DROP COLUMN health,
  ADD COLUMN filter                jsonb,
  ADD COLUMN circuit_state         text        NOT NULL DEFAULT 'closed',
  ADD COLUMN consecutive_exhausted integer     NOT NULL DEFAULT 0,
  ADD COLUMN failing_since         timestamptz;

-- Events as received. "body" is the exact JSON envelope that is signed and sent, so every retry and
-- replay carries the same bytes.
CREATE TABLE events (
  id                text        PRIMARY KEY,
  type              text        NOT NULL,
  merchant_id       text,
  occurred_at       timestamptz NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now(),
  livemode          boolean     NOT NULL,
  application_ids   jsonb,
  body              text        NOT NULL,
  deliveries_count  integer     NOT NULL
);
CREATE INDEX events_received ON events (received_at);

-- The hot tables below carry no foreign keys to subscriptions: a subscription deleted while its
-- events are being written must not fail other partners' batches. Deleting a subscription or an
-- application deletes its deliveries, attempts and stats explicitly.

-- One row per (event, subscription). For pending/retrying rows next_attempt_at is both the retry
-- time and the end of the current lease: a row that is due is either a retry or a job whose node
-- did not finish it, and any node's scheduler may claim it.
CREATE TABLE deliveries (
  id                  uuid        PRIMARY KEY,
  event_id            text        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  subscription_id     uuid        NOT NULL,
  application_id      uuid        NOT NULL,
  event_type          text        NOT NULL,
  status              text        NOT NULL CHECK (status IN ('pending', 'retrying', 'success', 'failed', 'held')),
  attempts            integer     NOT NULL DEFAULT 0,
  next_attempt_at     timestamptz NOT NULL,
  lease_owner         text,
  last_status_code    integer,
  last_failure_reason text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  completed_at        timestamptz
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, created_at);
CREATE INDEX deliveries_application ON deliveries (application_id, created_at);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_held ON deliveries (subscription_id) WHERE status = 'held';

-- Every attempt, as sent and as answered.
CREATE TABLE attempts (
  id               bigserial   PRIMARY KEY,
  delivery_id      uuid        NOT NULL,
  subscription_id  uuid        NOT NULL,
  attempt          integer     NOT NULL,
  created_at       timestamptz NOT NULL,
  request_headers  jsonb       NOT NULL,
  response_status  integer,
  response_headers jsonb,
  response_body    text,
  duration_ms      integer     NOT NULL,
  failure_reason   text
);
CREATE INDEX attempts_delivery ON attempts (delivery_id, attempt);
CREATE INDEX attempts_subscription ON attempts (subscription_id, created_at);

-- Hourly roll-up of attempt outcomes per subscription: health (success rate over the last 24 h) and
-- stats read this instead of scanning attempts.
CREATE TABLE delivery_stats_hourly (
  subscription_id  uuid        NOT NULL,
  hour             timestamptz NOT NULL,
  success_count    bigint      NOT NULL DEFAULT 0,
  failure_count    bigint      NOT NULL DEFAULT 0,
  duration_ms_sum  bigint      NOT NULL DEFAULT 0,
  PRIMARY KEY (subscription_id, hour)
);
