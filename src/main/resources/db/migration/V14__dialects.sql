-- Dialects: the payload format and signature scheme each subscription's deliveries use (names defined in
-- conf/dialects.yaml; every subscription made before delivered Hookgate's envelope with Standard Webhooks).
ALTER TABLE subscriptions
  ADD COLUMN payload_format   text NOT NULL DEFAULT 'standard',
  ADD COLUMN signature_scheme text NOT NULL DEFAULT 'standard',
  -- Registration by category (Tiki's register-webhooks): one subscription per category and shop of an application.
  ADD COLUMN category         text,
  ADD COLUMN shop_id          text;
CREATE UNIQUE INDEX subscriptions_registration ON subscriptions (application_id, category, coalesce(shop_id, ''))
  WHERE category IS NOT NULL;

-- An application's default dialect for the subscriptions it creates without naming one (null: the configured default).
ALTER TABLE applications
  ADD COLUMN payload_format   text,
  ADD COLUMN signature_scheme text;

-- What an attempt sent when it was not the event's stored envelope (a templated payload format), and the query
-- that carried its signature (a scheme that signs in the query string). Null for Standard Webhooks deliveries.
ALTER TABLE attempts
  ADD COLUMN request_body  text,
  ADD COLUMN request_query text;
