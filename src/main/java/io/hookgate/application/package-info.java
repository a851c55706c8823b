/**
 * Partner applications: the OAuth2 clients that own subscriptions, their client secrets and the access
 * tokens issued to them ({@code applications}, {@code access_tokens}, owned by
 * {@link io.hookgate.application.ApplicationStore}), the Platform API that manages them and the Partner
 * API's token endpoint.
 *
 * <p>Threading: stateless; the routes run on their API verticle's event loop.
 */
package io.hookgate.application;
