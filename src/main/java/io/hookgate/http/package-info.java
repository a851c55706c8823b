/**
 * The web toolkit the features share, importing none of them: the edge of every request (connections,
 * deadlines, strict request targets), operations bound to {@code openapi.yaml} with their guards, strict
 * JSON and form reading, the error shape and its statuses, pagination and dates.
 *
 * <p>Threading: an {@link io.hookgate.http.Edge} and a router per API verticle, confined to its event loop;
 * the rest is stateless.
 */
package io.hookgate.http;
