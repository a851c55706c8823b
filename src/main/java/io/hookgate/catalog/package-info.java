/**
 * The event-type catalog: seeded from {@code conf/event-types.yaml}, managed on the Platform API, read by
 * partners ({@code event_types}, owned by {@link io.hookgate.catalog.EventTypeStore}).
 *
 * <p>Threading: {@link io.hookgate.catalog.EventCatalog} is shared by the node's verticles (a volatile
 * cached set); the rest is stateless.
 */
package io.hookgate.catalog;
