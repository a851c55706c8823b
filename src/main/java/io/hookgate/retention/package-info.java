/**
 * How long history is kept: the time partitions of events, deliveries, attempts and the stats roll-up
 * are created ahead of need and dropped whole once past the retention, carrying what is not finished
 * into the default partitions; and erasing a merchant's payloads on request.
 *
 * <p>Threading: {@link io.hookgate.retention.Retention} is a verticle and keeps to its event loop. Row
 * changes go through the tables' owners in {@code engine}; partition DDL through {@code db.Partitions}.
 */
package io.hookgate.retention;
