-- The API request that brought an event (X-Request-Id), so a platform's support ticket leads to the
-- event and its deliveries; null for events Hookgate emits itself.
ALTER TABLE events ADD COLUMN request_id text;
