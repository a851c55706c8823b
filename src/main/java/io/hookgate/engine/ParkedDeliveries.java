package io.hookgate.engine;

import io.hookgate.limits.EndpointBreakers;
import io.hookgate.outbound.Endpoints;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deliveries waiting behind an open circuit breaker. A delivery that finds its endpoint's breaker open
 * is parked (due at {@code 'infinity'}) instead of postponed to a time: an endpoint down for an hour at
 * 1,000 events/s would otherwise bring every waiting delivery back once per reset period, to be claimed
 * and postponed again (the outage load test: PostgreSQL at 1.2 cores with nothing delivered).
 *
 * <p>Parked deliveries come back:
 * <ul>
 *   <li>all of them, when the breaker closes on this node (its half-open probe succeeded): they are claimed
 *   straight from the parked index by this node's scheduler as it has room ({@link #claim});</li>
 *   <li>one at a time while the breaker is half-open, at most once per reset period per endpoint: the
 *   probe, for an endpoint that gets no new traffic;</li>
 *   <li>all of them, from the periodic {@link #sweep}, for endpoints whose breaker is closed on this
 *   node (a node restarted, or the node that saw the probe succeed died before releasing them) and for
 *   subscriptions paused, disabled or deleted meanwhile (the dispatcher then holds or skips them).</li>
 * </ul>
 * Releasing is idempotent, so every node may do it. Parked deliveries keep their attempt count: waiting
 * spends no attempt.
 */
final class ParkedDeliveries {
  private static final Logger LOG = LoggerFactory.getLogger(ParkedDeliveries.class);
  private static final int RELEASE_CHUNK = 5_000;

  private final SubscriptionIndex index;
  private final DeliveryStore deliveries;
  private final EndpointBreakers breakers;
  private final long resetMs;
  /** When each endpoint last had a delivery released as its probe (epoch ms). */
  private final Map<String, Long> probed = new ConcurrentHashMap<>();
  /** Subscriptions whose endpoint's breaker closed on this node and that may still have parked deliveries. */
  private final Set<UUID> draining = ConcurrentHashMap.newKeySet();

  ParkedDeliveries(SubscriptionIndex index, EndpointBreakers breakers, long resetMs, DeliveryStore deliveries) {
    this.index = index;
    this.deliveries = deliveries;
    this.breakers = breakers;
    this.resetMs = resetMs;
  }

  /**
   * The endpoint's breaker closed on this node: its parked deliveries are claimed by this node's scheduler
   * as it has room ({@link #claim}), alongside the deliveries that come due. Every node whose breaker
   * follows the close does the same; {@code SKIP LOCKED} shares the rows out.
   */
  public void drain(String url) {
    List<UUID> subscriptions = index.idsWithUrl(url);
    LOG.info("Breaker of {} closed: draining its parked deliveries", Endpoints.label(url));
    probed.remove(url);
    draining.addAll(subscriptions);
  }

  /** Whether some subscription is being drained (its breaker closed on this node). */
  boolean draining() {
    return !draining.isEmpty();
  }

  /**
   * Claims up to {@code room} parked deliveries of the subscriptions being drained, leased to {@code node}.
   * A subscription whose breaker opened again, or that is no longer active, leaves the drain (its parked
   * deliveries stay parked, or go to the sweep); when fewer than {@code room} come back, the drain is over.
   */
  Future<List<DeliveryStore.Claimed>> claim(Pool pool, int room, long leaseMs, String node) {
    draining.removeIf(id -> {
      SubscriptionIndex.Target target = index.get(id);
      return target == null || target.status() != Subscription.Status.ACTIVE || waits(target);
    });
    if (draining.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<UUID> ids = List.copyOf(draining);
    return deliveries.claimParked(pool, room, leaseMs, node, ids).onSuccess(claimed -> {
      if (claimed.size() < room) {
        draining.removeAll(ids);
      }
    });
  }

  /**
   * Looks at every subscription with parked deliveries and releases what this node's view says should
   * not wait: everything for a closed breaker or a subscription that is no longer active, one probe for
   * a half-open breaker.
   */
  Future<Integer> sweep(Pool pool) {
    return deliveries.parkedSubscriptions(pool).compose(ids -> {
      List<Future<?>> lookups = new ArrayList<>();
      for (UUID id : ids) {
        lookups.add(index.lookup(id));
      }
      return Future.join(lookups).transform(done -> {
        List<UUID> all = new ArrayList<>();
        List<UUID> probes = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < ids.size(); i++) {
          // Not known now (lookup failed), or already being drained by this node: left for a later sweep.
          if (lookups.get(i).failed() || draining.contains(ids.get(i))) {
            continue;
          }
          SubscriptionIndex.Target target = (SubscriptionIndex.Target) lookups.get(i).result();
          if (!waits(target)) {
            all.add(ids.get(i));
          } else if (breakers.state(target.url()) == CircuitBreakerState.HALF_OPEN && probeDue(target.url(), now)) {
            probes.add(ids.get(i));
          }
        }
        Future<Integer> released = all.isEmpty() ? Future.succeededFuture(0) : releaseAll(pool, all, 0)
          .onSuccess(n -> {
            if (n > 0) {
              LOG.info("Released {} parked deliveries (breaker closed, or subscription no longer active)", n);
            }
          });
        for (UUID probe : probes) {
          released = released.compose(n -> deliveries.releaseProbe(pool, probe).map(r -> n + r));
        }
        return released;
      });
    });
  }

  /** Whether a subscription's parked deliveries should stay parked: it is active and its breaker is not closed. */
  private boolean waits(SubscriptionIndex.Target target) {
    return target != null && target.status() == Subscription.Status.ACTIVE
      && breakers.state(target.url()) != CircuitBreakerState.CLOSED;
  }

  private boolean probeDue(String url, long now) {
    Long last = probed.get(url);
    if (last != null && now - last < resetMs) {
      return false;
    }
    probed.put(url, now);
    return true;
  }

  /** In chunks, each its own statement: a long outage can leave hundreds of thousands parked. */
  private Future<Integer> releaseAll(Pool pool, List<UUID> subscriptions, int released) {
    return deliveries.releaseParked(pool, subscriptions, RELEASE_CHUNK)
      .compose(n -> n < RELEASE_CHUNK ? Future.succeededFuture(released + n)
        : releaseAll(pool, subscriptions, released + n));
  }
}
