package io.hookgate.limits;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per second to each endpoint URL, for the whole cluster: this node's token buckets refill
 * at its share, the rate divided by the live members (a fraction: 10 a second on 3 nodes is 3.33 each,
 * not 4). A burst of up to one second's share (at least one request) is allowed. A rate of 0 means no
 * limit.
 */
public final class EndpointRateLimits {
  private final int clusterRate;
  private volatile double nodeRate;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public EndpointRateLimits(int clusterRatePerSecond) {
    this.clusterRate = clusterRatePerSecond;
    this.nodeRate = clusterRatePerSecond;
  }

  /** The cluster's live members now. */
  public void members(List<String> members) {
    nodeRate = (double) clusterRate / Math.max(1, members.size());
  }

  /** 0 when a request may go now, else how many milliseconds until it may. */
  public long delayMs(String endpoint) {
    double rate = nodeRate;
    if (clusterRate == 0) {
      return 0;
    }
    return buckets.computeIfAbsent(endpoint, k -> new TokenBucket(rate)).take(rate, Math.max(1, rate), System.nanoTime());
  }

}
