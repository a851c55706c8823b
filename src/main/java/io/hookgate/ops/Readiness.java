package io.hookgate.ops;

import io.hookgate.cluster.Membership;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * Whether this node can serve: the database answers within {@value #DATABASE_TIMEOUT_MS} ms, and the node
 * is not stopping and, when clustered, an active member. {@code /ready} asks at every probe; a probe of
 * its own every {@value #PROBE_MS} ms keeps {@code hookgate_database_up} and {@code hookgate_ready} on
 * {@code /metrics} current for alerting, whether or not anything calls {@code /ready}.
 */
public final class Readiness {
  static final long DATABASE_TIMEOUT_MS = 2_000;
  private static final long PROBE_MS = 5_000;

  private final Vertx vertx;
  private final Pool pool;
  private volatile boolean databaseUp = true;

  public Readiness(Vertx vertx, Pool pool, Membership membership, MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    Gauge.builder("hookgate_database_up", this, r -> r.databaseUp ? 1 : 0)
      .description("1 when the database answered this node's last probe (every 5 s) within 2 s, else 0")
      .register(registry);
    Gauge.builder("hookgate_ready", this, r -> r.databaseUp && membership.ready() ? 1 : 0)
      .description("1 when this node would answer /ready with 200: database up, not stopping, an active member")
      .register(registry);
  }

  public void start() {
    vertx.setPeriodic(0, PROBE_MS, id -> database(vertx, pool).onComplete(up -> databaseUp = up.succeeded()));
  }

  /**
   * Completes when the database answers {@code SELECT 1} within the timeout; a database that does not
   * answer at all (frozen, or a network that drops packets) fails it promptly rather than hanging.
   */
  static Future<Void> database(Vertx vertx, Pool pool) {
    Promise<Void> answered = Promise.promise();
    long timer = vertx.setTimer(DATABASE_TIMEOUT_MS,
      id -> answered.tryFail("the database did not answer within " + DATABASE_TIMEOUT_MS + " ms"));
    pool.query("SELECT 1").execute().onComplete(result -> {
      vertx.cancelTimer(timer);
      if (result.succeeded()) {
        answered.tryComplete();
      } else {
        answered.tryFail(result.cause());
      }
    });
    return answered.future();
  }
}
