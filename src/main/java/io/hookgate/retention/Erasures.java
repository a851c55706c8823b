package io.hookgate.retention;

import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Pools;
import io.hookgate.engine.Engine;
import io.hookgate.engine.EventStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.UUID;

/**
 * Works through requests to erase a merchant's payloads: in steps of {@value #STEP} events, each its own
 * short transaction, the events lose their payload (they stay, marked erased), their deliveries stay in
 * the history without it (those not yet sent fail as {@code payload_erased}: there is nothing left to
 * send) and their attempts lose the endpoint's answer (and the body they sent, when a payload format
 * rendered it from the payload). Any node works on a request whose lease it holds; a restart resumes where
 * the last step ended, since a step only picks events not yet erased.
 *
 * <p>A verticle of its own: everything on its event loop, every step asynchronous.
 */
public final class Erasures extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Erasures.class);
  static final int STEP = 500;
  static final Instant BEGINNING = Instant.parse("1970-01-01T00:00:00Z");
  private static final long LEASE_MS = 60_000;
  private static final long TICK_MS = 1_000;

  private final HookgateConfig.Database database;
  private final Engine.Stores stores;
  private final String node;
  private final ErasureStore erasures = new ErasureStore();
  private Pool pool;
  private boolean working;

  public Erasures(HookgateConfig config, Engine.Stores stores, String node) {
    this.database = config.database();
    this.stores = stores;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    pool = Pools.pool(vertx, database, "erasures", 2);
    vertx.setPeriodic(TICK_MS, id -> work());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /** Takes a request and steps through it until it is done or a step fails (the lease brings it back). */
  private void work() {
    if (working) {
      return;
    }
    working = true;
    erasures.claim(pool, node, LEASE_MS)
      .compose(e -> e == null ? Future.succeededFuture() : steps(e))
      .onFailure(e -> LOG.warn("Erasing payloads paused, resuming shortly: {}", e.getMessage()))
      .onComplete(done -> working = false);
  }

  private Future<Void> steps(ErasureStore.Erasure request) {
    return step(request).compose(done -> {
      if (done) {
        LOG.info("Erased the payloads of merchant {} ({} to {}): request {}", request.merchantId(), request.from(),
          request.until(), request.id());
        return Future.succeededFuture();
      }
      return steps(request);
    });
  }

  /** One step; whether the request is done. */
  private Future<Boolean> step(ErasureStore.Erasure request) {
    return pool.withTransaction(conn -> stores.events().erase(conn, request.merchantId(), request.from(),
        request.until(), STEP)
      .compose(erased -> {
        if (erased.isEmpty()) {
          return erasures.progress(conn, request.id(), 0, 0, 0, true).map(true);
        }
        return stop(conn, erased).compose(stopped -> stores.deliveries().ofErased(conn, erased.ids(), erased.from(),
            erased.to())
          .compose(deliveries -> stores.attempts().erase(conn, deliveries, erased.from()))
          .compose(attempts -> erasures.progress(conn, request.id(), erased.ids().size(), attempts, stopped,
            erased.ids().size() < STEP))
          .map(erased.ids().size() < STEP));
      }));
  }

  private Future<Integer> stop(io.vertx.sqlclient.SqlConnection conn, EventStore.Erased erased) {
    return stores.deliveries().stopErased(conn, erased.ids(), erased.from(), erased.to());
  }

  /** A new request; the caller answers with it while the steps run. */
  static Future<ErasureStore.Erasure> request(Pool pool, String merchantId, Instant from, Instant until) {
    return new ErasureStore().insert(pool, UUID.randomUUID(), merchantId, from == null ? BEGINNING : from, until);
  }
}
