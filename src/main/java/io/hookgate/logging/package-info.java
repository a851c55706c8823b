/**
 * Logging as operators run it: the fields a line carries (request, event, delivery and subscription
 * ids), the choice between text and JSON lines, and log levels that follow {@code conf/hookgate.yaml}
 * while the node runs. A toolkit: it imports no feature.
 *
 * <p>Threading: fields live in the MDC only around a log call on the calling thread; level changes are
 * logback's, safe from any thread.
 */
package io.hookgate.logging;
