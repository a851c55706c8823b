package io.hookgate.limits;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per second to each endpoint URL (or to each subscription that has a rate of its own), for the
 * whole cluster: this node's token buckets refill at its share, the rate divided by the live members (a
 * fraction: 10 a second on 3 nodes is 3.33 each, not 4). A burst of up to one second's share (at least one
 * request) is allowed. A rate of 0 means no limit.
 */
public final class EndpointRateLimits {
  private volatile int clusterRate;
  private volatile int members = 1;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public EndpointRateLimits(int clusterRatePerSecond) {
    this.clusterRate = clusterRatePerSecond;
  }

  /** The cluster's live members now. */
  public void members(List<String> members) {
    this.members = Math.max(1, members.size());
  }

  /** A new cluster-wide rate for every endpoint (the config changed); buckets follow it from their next take. */
  public void rate(int clusterRatePerSecond) {
    this.clusterRate = clusterRatePerSecond;
  }

  /** 0 when a request may go now, else how many milliseconds until it may. */
  public long delayMs(String endpoint) {
    return delayMs(endpoint, clusterRate);
  }

  /** As {@link #delayMs(String)}, for a key with a cluster-wide rate of its own (a subscription's). */
  public long delayMs(String key, int clusterRatePerSecond) {
    if (clusterRatePerSecond == 0) {
      return 0;
    }
    double rate = (double) clusterRatePerSecond / members;
    return buckets.computeIfAbsent(key, k -> new TokenBucket(rate)).take(rate, Math.max(1, rate), System.nanoTime());
  }
}
