/**
 * The operations endpoints: {@code /health}, {@code /ready} (database, cluster, stopping),
 * {@code /metrics} (Prometheus) and {@code /openapi.yaml}.
 *
 * <p>Threading: stateless; the scrape is formatted on a worker thread.
 */
package io.hookgate.ops;
