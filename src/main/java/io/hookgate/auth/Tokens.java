package io.hookgate.auth;

import io.vertx.core.Future;

/**
 * Where the Partner API's access tokens are looked up. The applications own them (they issue tokens to
 * their clients), and this package only asks.
 */
public interface Tokens {
  /** The partner behind a live token, or null when the token is unknown or expired. */
  Future<Partner> find(String token);
}
