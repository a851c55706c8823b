package io.hookgate.auth;

import io.hookgate.limits.TokenBucket;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per partner application, shared by every API verticle of this node, so a single
 * partner cannot starve the others. The limit holds per node.
 */
public final class PartnerRateLimiter {
  private volatile double perSecond;
  private volatile double burst;
  private final Map<UUID, TokenBucket> buckets = new ConcurrentHashMap<>();

  public PartnerRateLimiter(int perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** A new rate and burst (the config changed); each bucket follows from its next request. */
  public void rates(int perSecond, int burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  public boolean tryAcquire(UUID applicationId) {
    return buckets.computeIfAbsent(applicationId, id -> new TokenBucket(burst)).take(perSecond, burst, System.nanoTime()) == 0;
  }

}
