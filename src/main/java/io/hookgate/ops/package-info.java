/**
 * The operations endpoints: {@code /health}, {@code /ready} (database, cluster, stopping, the config version
 * in force), {@code /metrics} (Prometheus) and {@code /openapi.yaml}; and the node's own readiness probe,
 * which keeps {@code hookgate_database_up} and {@code hookgate_ready} current for alerting.
 *
 * <p>Threading: the routes are stateless; the scrape is formatted on a worker thread; the probe runs on a
 * timer and publishes through a volatile field.
 */
package io.hookgate.ops;
