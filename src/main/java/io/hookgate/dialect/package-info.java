/**
 * Dialects: the envelope a delivery carries (a payload format: a JSLT template over the event, or the
 * stored envelope as it is) and the signature it is sent with (a signature scheme: an HMAC described by
 * data), both named in {@code conf/dialects.yaml} and chosen per subscription, so a platform moves its
 * partners onto Hookgate without their receivers changing. Templates are compiled once at start; a bad
 * one stops start-up. Knows nothing of deliveries or subscriptions: it turns an event's envelope, its
 * type and a subscription's keys into the body, headers and query of one request.
 *
 * <p>Threading: immutable once loaded and shared by every event loop; rendering and signing hold no
 * state but a {@link javax.crypto.Mac} per thread.
 */
package io.hookgate.dialect;
