package io.hookgate.subscription;

import io.hookgate.catalog.HookgateEvents;
import io.hookgate.dialect.Dialect;
import io.hookgate.dialect.Dialects;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The node's in-memory view of every subscription, for matching events to subscriptions at ingest and
 * for signing at delivery. Readers on any event loop see an immutable snapshot; changes are applied
 * one at a time on the index's own context.
 *
 * <p>Consistency: a change made through this node's API is applied here before the API answers
 * ({@link #refresh}); every change is also published on {@value #CHANGED} so other nodes apply it
 * within moments; and a full reload every minute repairs anything a lost message missed.
 */
public final class SubscriptionIndex {
  public static final String CHANGED = "hookgate.subscriptions.changed";
  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionIndex.class);
  private static final long FULL_RELOAD_MS = 60_000;

  /** A key a delivery is signed with; a rotated-out key has an expiry, the current one none. */
  public record SigningKey(byte[] key, Instant expiresAt) {
  }

  /**
   * What delivery needs of a subscription: where, in which dialect, how to sign, whether to send at all, and
   * how fast ({@code rateLimitPerSecond}: the partner's own cluster-wide rate, or null for none). Its keys are
   * its secrets as its signature scheme reads them.
   */
  public record Target(UUID id, UUID applicationId, String url, List<String> events, Subscription.Status status,
                       SubscriptionFilter filter, List<SigningKey> keys, Integer rateLimitPerSecond, Dialect dialect) {
    /** The current key and every rotated-out key still in its grace period. */
    public List<byte[]> signingKeys() {
      Instant now = Instant.now();
      List<byte[]> valid = new ArrayList<>(keys.size());
      for (SigningKey k : keys) {
        if (k.expiresAt() == null || k.expiresAt().isAfter(now)) {
          valid.add(k.key());
        }
      }
      return valid;
    }
  }

  private record Snapshot(Map<UUID, Target> byId, Map<String, List<Target>> exact, Map<String, List<Target>> prefix,
                          List<Target> all) {
    static Snapshot of(Map<UUID, Target> byId) {
      Map<String, List<Target>> exact = new HashMap<>();
      Map<String, List<Target>> prefix = new HashMap<>();
      List<Target> all = new ArrayList<>();
      for (Target t : byId.values()) {
        for (String event : t.events()) {
          if (event.equals("*")) {
            all.add(t);
          } else if (event.endsWith(".*")) {
            prefix.computeIfAbsent(event.substring(0, event.length() - 1), k -> new ArrayList<>()).add(t);
          } else {
            exact.computeIfAbsent(event, k -> new ArrayList<>()).add(t);
          }
        }
      }
      return new Snapshot(Map.copyOf(byId), exact, prefix, all);
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final SubscriptionStore store;
  private final Dialects dialects;
  private volatile Snapshot snapshot = Snapshot.of(Map.of());
  private volatile long changes;
  /** Marks this index's own change messages, which it has already applied. */
  private final String origin = UUID.randomUUID().toString();

  public SubscriptionIndex(Vertx vertx, Pool pool, SubscriptionStore store, Dialects dialects) {
    this.vertx = vertx;
    this.pool = pool;
    this.store = store;
    this.dialects = dialects;
  }

  /**
   * Loads every subscription and starts listening for changes. A subscription whose dialect the dialects
   * file no longer defines fails the start, naming the dialect: its deliveries could not be signed.
   */
  public Future<Void> start() {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(CHANGED, message -> {
      if (origin.equals(message.body().getString("origin"))) {
        return; // this index applied the change before publishing it
      }
      apply(UUID.fromString(message.body().getString("id")))
        .onFailure(e -> LOG.warn("Refreshing subscription {} failed: {}", message.body().getString("id"), e.getMessage()));
    });
    vertx.setPeriodic(FULL_RELOAD_MS, id -> reloadAll()
      .onFailure(e -> LOG.warn("Reloading subscriptions failed: {}", e.getMessage())));
    return consumer.completion().compose(v -> reloadAll());
  }

  /** Applies a change to this node before returning, then tells every node (this one included). */
  public Future<Void> refresh(UUID id) {
    return apply(id).andThen(done -> vertx.eventBus().publish(CHANGED,
      new JsonObject().put("id", id.toString()).put("origin", origin)));
  }

  public Target get(UUID id) {
    return snapshot.byId().get(id);
  }

  /**
   * The subscription, from memory or, when this node has not heard of it yet (a change published by
   * another node may still be on its way), from the database; null when it does not exist.
   */
  public Future<Target> lookup(UUID id) {
    Target known = get(id);
    return known != null ? Future.succeededFuture(known) : fresh(id);
  }

  /** The subscription as the database has it now (and this node's index updated to match). */
  public Future<Target> fresh(UUID id) {
    return apply(id).map(v -> get(id));
  }

  /** Every subscription (whatever its status) that delivers to {@code url}. */
  public List<UUID> idsWithUrl(String url) {
    List<UUID> ids = new ArrayList<>();
    for (Target t : snapshot.byId().values()) {
      if (t.url().equals(url)) {
        ids.add(t.id());
      }
    }
    return ids;
  }

  public int size() {
    return snapshot.byId().size();
  }

  /**
   * Subscriptions an event reaches: the type named exactly, by a {@code group.*} wildcard or by
   * {@code *} (which means the platform's events: Hookgate's own are chosen by name or group); passing its
   * filter; of the given applications when the event names any.
   */
  public List<Target> match(String type, String merchantId, String inventoryLocation, Set<UUID> applicationIds) {
    Snapshot s = snapshot;
    List<Target> matched = new ArrayList<>();
    Set<UUID> seen = new HashSet<>();
    collect(s.exact().get(type), matched, seen, merchantId, inventoryLocation, applicationIds);
    for (int dot = type.indexOf('.'); dot >= 0; dot = type.indexOf('.', dot + 1)) {
      collect(s.prefix().get(type.substring(0, dot + 1)), matched, seen, merchantId, inventoryLocation, applicationIds);
    }
    if (!HookgateEvents.isOwn(type)) {
      collect(s.all(), matched, seen, merchantId, inventoryLocation, applicationIds);
    }
    return matched;
  }

  private static void collect(List<Target> candidates, List<Target> into, Set<UUID> seen, String merchantId,
                              String inventoryLocation, Set<UUID> applicationIds) {
    if (candidates == null) {
      return;
    }
    for (Target t : candidates) {
      if ((applicationIds == null || applicationIds.contains(t.applicationId()))
        && t.filter().matches(merchantId, inventoryLocation) && seen.add(t.id())) {
        into.add(t);
      }
    }
  }

  /** A full reload that raced with a single change is done again, so it never undoes that change. */
  /** Resolves every subscription again, as after the dialects in force changed. */
  public Future<Void> rebuild() {
    return reloadAll();
  }

  private Future<Void> reloadAll() {
    long before = changes;
    return store.keyedAll(pool).compose(all -> {
      Map<UUID, Target> byId = new HashMap<>();
      all.forEach(keyed -> byId.put(keyed.id(), target(keyed)));
      synchronized (this) {
        if (changes == before) {
          snapshot = Snapshot.of(byId);
          return Future.succeededFuture();
        }
      }
      return reloadAll();
    });
  }

  private Future<Void> apply(UUID id) {
    return store.keyed(pool, id).map(found -> {
      synchronized (this) {
        Map<UUID, Target> byId = new HashMap<>(snapshot.byId());
        if (found.isEmpty()) {
          byId.remove(id);
        } else {
          byId.put(id, target(found.get(0)));
        }
        snapshot = Snapshot.of(byId);
        changes++;
      }
      return null;
    });
  }

  private Target target(SubscriptionStore.Keyed keyed) {
    Dialect dialect = dialects.dialect(keyed.dialect().payloadFormat(), keyed.dialect().signatureScheme());
    List<SigningKey> keys = new ArrayList<>();
    keys.add(new SigningKey(dialect.scheme().key(store.open(keyed.id(), keyed.secret())), null));
    for (int i = 0; i < keyed.oldSecrets().size(); i++) {
      keys.add(new SigningKey(dialect.scheme().key(store.open(keyed.id(), keyed.oldSecrets().get(i))),
        keyed.oldExpiries().get(i)));
    }
    return new Target(keyed.id(), keyed.applicationId(), keyed.url(), keyed.events(), keyed.status(), keyed.filter(),
      List.copyOf(keys), keyed.rateLimitPerSecond(), dialect);
  }
}
