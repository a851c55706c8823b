-- Erasing a merchant's payloads on request (GDPR, shop/redact): one row per request, worked through in
-- bounded steps by whichever node holds its lease, so a restart resumes where it stopped.
CREATE TABLE erasures (
  id                 uuid        PRIMARY KEY,
  merchant_id        text        NOT NULL,
  from_at            timestamptz NOT NULL,
  until_at           timestamptz NOT NULL,
  status             text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
  events_erased      bigint      NOT NULL DEFAULT 0,
  attempts_erased    bigint      NOT NULL DEFAULT 0,
  deliveries_stopped bigint      NOT NULL DEFAULT 0,
  lease_owner        text,
  lease_until        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz
);
CREATE INDEX erasures_running ON erasures (created_at) WHERE status = 'running';
