package io.hookgate.db;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Periodic clean-up of credentials that can no longer be used: expired access tokens (kept an hour
 * past expiry) and rotated-out signing secrets whose grace period ended. Safe on every node.
 */
public final class Housekeeping {
  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);
  private static final List<String> STATEMENTS = List.of(
    "DELETE FROM access_tokens WHERE expires_at < now() - interval '1 hour'",
    "DELETE FROM subscription_old_secrets WHERE expires_at < now()");

  private Housekeeping() {
  }

  public static void schedule(Vertx vertx, Pool pool, long periodMs) {
    vertx.setPeriodic(periodMs, id -> STATEMENTS.forEach(sql -> pool.query(sql).execute()
      .onFailure(e -> LOG.warn("Housekeeping statement failed ({}): {}", sql, e.getMessage()))));
  }
}
