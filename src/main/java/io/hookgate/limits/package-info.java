/**
 * What keeps one endpoint from hurting the others and the receivers from being overrun: the circuit
 * breaker per endpoint, the in-flight caps (per node, and per endpoint for the whole cluster), the
 * per-endpoint rate, and the token bucket they and the partner rate share.
 *
 * <p>Threading: shared by the node's dispatchers and thread-safe (atomic counters, synchronized buckets,
 * volatile splits; each breaker is Vert.x's, driven from the dispatchers).
 */
package io.hookgate.limits;
