package io.hookgate.catalog;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.Set;

/**
 * The names a new event or subscription may use (every type that is not deprecated), cached for a
 * moment so the ingest path does not ask the database on every request. A change made on this node
 * is visible at once ({@link #invalidate}); other nodes see it within the cache's lifetime.
 */
public final class EventCatalog {
  private static final long TTL_MS = 2_000;

  private final EventTypeStore store;
  private final Pool pool;
  private volatile Set<String> names;
  private volatile long loadedAt;

  public EventCatalog(EventTypeStore store, Pool pool) {
    this.store = store;
    this.pool = pool;
  }

  public Future<Set<String>> names() {
    Set<String> cached = names;
    if (cached != null && System.currentTimeMillis() - loadedAt < TTL_MS) {
      return Future.succeededFuture(cached);
    }
    return store.activeNames(pool).andThen(loaded -> {
      if (loaded.succeeded()) {
        names = Set.copyOf(loaded.result());
        loadedAt = System.currentTimeMillis();
      }
    });
  }

  public void invalidate() {
    names = null;
  }
}
