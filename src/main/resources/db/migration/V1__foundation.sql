-- Partner applications: the OAuth2 clients that own webhook subscriptions.
CREATE TABLE applications (
  id                 uuid PRIMARY KEY,
  name               text        NOT NULL,
  client_id          text        NOT NULL UNIQUE,
  client_secret_hash bytea       NOT NULL,          -- SHA-256 of a 256-bit random secret
  scopes             text[]      NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Partner API access tokens, stored only as SHA-256 hashes.
CREATE TABLE access_tokens (
  token_hash     bytea       PRIMARY KEY,
  application_id uuid        NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  scopes         text[]      NOT NULL,
  issued_at      timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);
CREATE INDEX access_tokens_application ON access_tokens (application_id);

-- The event-type catalog; seeded from conf/event-types.yaml, changed through the Platform API.
CREATE TABLE event_types (
  name        text        PRIMARY KEY,
  group_name  text        NOT NULL,
  description text        NOT NULL DEFAULT '',
  deprecated  boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Webhook subscriptions. The signing secret is AES-256-GCM encrypted (nonce || ciphertext || tag).
CREATE TABLE subscriptions (
  id                   uuid        PRIMARY KEY,
  application_id       uuid        NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  url                  text        NOT NULL,
  events               text[]      NOT NULL,
  description          text,
  status               text        NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'DISABLED')),
  disabled_reason      text,
  secret               bytea       NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  last_triggered_at    timestamptz,
  health               text        NOT NULL DEFAULT 'healthy' CHECK (health IN ('healthy', 'warning', 'error')),
  success_rate         double precision NOT NULL DEFAULT 100,
  last_failure_reason  text,
  last_success_at      timestamptz,
  last_failure_at      timestamptz
);
CREATE INDEX subscriptions_application ON subscriptions (application_id, created_at, id);
