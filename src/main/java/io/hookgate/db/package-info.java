/**
 * PostgreSQL as every part uses it: the embedded server, migrations (Flyway, at start-up), the pools, and
 * the helpers shared by the tables' owners (paged queries, column arrays for batch statements, telling a
 * database that is away from a value it refused), and the time partitions of the history tables
({@link io.hookgate.db.Partitions}, which owns {@code history_partitions}: partitions are declared by the
tables' owners, their rows never touched here).
 *
 * <p>Threading: migrations and the embedded server block the starting thread (never an event loop);
 * pools are non-blocking and shared.
 */
package io.hookgate.db;
