/**
 * OpenTelemetry traces of events: the ingest request's span and each delivery attempt's, one trace from
 * the platform's {@code traceparent} to the webhook's. A toolkit: it imports no feature.
 *
 * <p>Threading: spans are OpenTelemetry's, safe from any thread; nothing here holds state of its own.
 */
package io.hookgate.tracing;
