/**
 * Who may call the API: the platform key, partner access tokens with their scopes (looked up through
 * {@link io.hookgate.auth.Tokens}, which the applications implement), each partner's request rate, and
 * the random credentials and hashes Hookgate issues.
 *
 * <p>Threading: the guards run on the API verticles' event loops; the rate limiter is shared by them and
 * thread-safe.
 */
package io.hookgate.auth;
