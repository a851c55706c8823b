/**
 * Operational webhooks: Hookgate's own events about its endpoints (disabled, enabled, breaker opened or
 * closed, failing, delivery exhausted), stored and delivered like the platform's. The types and how they
 * are emitted are the catalog's ({@link io.hookgate.catalog.HookgateEvents}); the platform's subscriptions
 * to them are served by the Partner API's subscription routes under {@code /api/v1/operational-webhooks}.
 *
 * <p>Threading: one verticle per node; its writer is confined to its event loop.
 */
package io.hookgate.operational;
