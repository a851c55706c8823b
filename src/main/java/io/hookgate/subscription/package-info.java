/**
 * Webhook subscriptions: the model, its store ({@code subscriptions} and the secrets a rotation replaced),
 * the node's in-memory index that ingest matches against and dispatchers sign with, filters, signing
 * secrets (sealed at rest) and the checks of an endpoint URL.
 *
 * <p>Threading: the index is read from any event loop (an immutable snapshot behind a volatile field)
 * and changed under its lock; the rest is stateless.
 */
package io.hookgate.subscription;
