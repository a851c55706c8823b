package io.hookgate.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the attempts in flight on this node, in all and per endpoint, so one slow or dead endpoint
 * cannot take the capacity healthy ones need. Work beyond the bounds waits in PostgreSQL, not here.
 * A node-wide slot is held until the attempt's result is committed, not just until the response: when
 * PostgreSQL writes results slower than endpoints answer, new attempts wait instead of results piling
 * up in memory.
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

  /** The request to the endpoint is over; its node-wide slot may still be held (by its unwritten result). */
  public void releaseEndpoint(String endpoint) {
    AtomicInteger count = perEndpoint.get(endpoint);
    if (count != null) {
      count.decrementAndGet();
    }
  }

  /** {@code n} node-wide slots are free again: their attempts' results are committed. */
  public void releaseNode(int n) {
    total.addAndGet(-n);
  }

  public int inFlight() {
    return total.get();
  }

  /** Room left on this node, for the scheduler to claim no more than it can start. */
  public int available() {
    return Math.max(0, max - total.get());
  }
}
