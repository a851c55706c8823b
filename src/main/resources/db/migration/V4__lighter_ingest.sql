-- The ingest statement writes an event and its deliveries for every accepted event; PostgreSQL's
-- time there is mostly index and constraint maintenance (pg_stat_statements in the load test).
-- deliveries.event_id keeps its index but loses the foreign key (checked by a trigger, row by row),
-- like the other hot tables: events are only ever deleted together with their deliveries.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_fkey;
-- Nothing reads events by arrival time yet (retention will bring its own index when it comes).
DROP INDEX events_received;
