package io.hookgate.auth;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per partner application, shared by every API verticle of this node, so a single
 * partner cannot starve the others. The limit holds per node.
 */
public final class PartnerRateLimiter {
  private final double ratePerNano;
  private final double burst;
  private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

  public PartnerRateLimiter(int perSecond, int burst) {
    this.ratePerNano = perSecond / 1e9;
    this.burst = burst;
  }

  public boolean tryAcquire(UUID applicationId) {
    return buckets.computeIfAbsent(applicationId, id -> new Bucket(burst)).take(ratePerNano, burst, System.nanoTime());
  }

  private static final class Bucket {
    private double tokens;
    private long updatedAt = System.nanoTime();

    Bucket(double tokens) {
      this.tokens = tokens;
    }

    synchronized boolean take(double ratePerNano, double burst, long now) {
      tokens = Math.min(burst, tokens + (now - updatedAt) * ratePerNano);
      updatedAt = now;
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }
  }
}
