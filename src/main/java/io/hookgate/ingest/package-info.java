/**
 * The Platform API's events: validating what a platform pushes ({@link io.hookgate.ingest.NewEvent}),
 * matching it to subscriptions and writing it with group commit ({@link io.hookgate.ingest.IngestWriter}),
 * and showing an event with its deliveries.
 *
 * <p>Threading: one writer per API verticle, confined to its event loop.
 */
package io.hookgate.ingest;
