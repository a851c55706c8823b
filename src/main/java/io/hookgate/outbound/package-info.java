/**
 * Outbound HTTP: the webhook POST itself ({@link io.hookgate.outbound.Sender}), Standard Webhooks
 * signatures, and the SSRF guard (which URLs and addresses may be delivered to, resolved off the event
 * loop and checked before every connect).
 *
 * <p>Threading: a sender (its HTTP client) is confined to its owner's event loop; the resolver is shared
 * and thread-safe.
 */
package io.hookgate.outbound;
