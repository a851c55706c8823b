package io.hookgate.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the attempts in flight on this node, in all and per endpoint, so one slow or dead endpoint
 * cannot take the capacity healthy ones need. Work beyond the bounds waits in PostgreSQL, not here.
 * The per-endpoint cap is the cluster's: this node holds its share by live member count.
 */
public final class InFlightLimits {
  private final int max;
  private final int clusterMaxPerEndpoint;
  private volatile int maxPerEndpoint;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> perEndpoint = new ConcurrentHashMap<>();

  public InFlightLimits(int max, int maxPerEndpoint) {
    this.max = max;
    this.clusterMaxPerEndpoint = maxPerEndpoint;
    this.maxPerEndpoint = maxPerEndpoint;
  }

  /** The cluster now has {@code n} live members. */
  public void members(int n) {
    maxPerEndpoint = io.hookgate.cluster.Membership.share(clusterMaxPerEndpoint, n);
  }

  public int maxPerEndpoint() {
    return maxPerEndpoint;
  }

  public boolean tryAcquire(String endpoint) {
    if (total.incrementAndGet() > max) {
      total.decrementAndGet();
      return false;
    }
    AtomicInteger count = perEndpoint.computeIfAbsent(endpoint, k -> new AtomicInteger());
    if (count.incrementAndGet() > maxPerEndpoint) {
      count.decrementAndGet();
      total.decrementAndGet();
      return false;
    }
    return true;
  }

  public void release(String endpoint) {
    AtomicInteger count = perEndpoint.get(endpoint);
    if (count != null) {
      count.decrementAndGet();
    }
    total.decrementAndGet();
  }

  public int inFlight() {
    return total.get();
  }

  /** Room left on this node, for the scheduler to claim no more than it can start. */
  public int available() {
    return Math.max(0, max - total.get());
  }
}
