package io.hookgate.limits;

/**
 * A token bucket: it refills continuously at a rate (tokens per second) up to a capacity, and each
 * request takes one token. Thread-safe: it may be shared by the event loops of a node.
 */
public final class TokenBucket {
  private double tokens;
  private long updatedAt = System.nanoTime();

  /** A bucket that starts with {@code tokens} (full, usually). */
  public TokenBucket(double tokens) {
    this.tokens = tokens;
  }

  /**
   * Takes a token when there is one. Returns 0 when it took one, else how many milliseconds until one is
   * there at this rate. The rate and capacity are given per call, so a bucket follows a limit that changes
   * (a cluster's share when members come and go).
   */
  public synchronized long take(double ratePerSecond, double capacity, long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - updatedAt) / 1e9 * ratePerSecond);
    updatedAt = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / ratePerSecond * 1000);
  }
}
