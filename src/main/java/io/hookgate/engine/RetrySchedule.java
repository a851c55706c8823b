package io.hookgate.engine;

import io.hookgate.config.HookgateConfig;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When the next attempt of a delivery happens. The schedule lists the delay before each attempt (the
 * first entry is the initial send); jitter spreads retries so a recovering endpoint is not hit by a
 * synchronized wave. A receiver's {@code Retry-After} is honoured up to a bound.
 */
final class RetrySchedule {
  private final List<Duration> delays;
  private final double jitter;
  private final Duration maxRetryAfter;

  public RetrySchedule(HookgateConfig.Delivery config) {
    this(config.retrySchedule(), config.retryJitter(), config.maxRetryAfter());
  }

  public RetrySchedule(List<Duration> delays, double jitter, Duration maxRetryAfter) {
    this.delays = List.copyOf(delays);
    this.jitter = jitter;
    this.maxRetryAfter = maxRetryAfter;
  }

  /**
   * Delay before attempt {@code attemptsMade + 1}, or null when {@code attemptsMade} used them all.
   *
   * @param retryAfter the receiver's Retry-After, or null
   */
  public Duration next(int attemptsMade, Duration retryAfter) {
    if (attemptsMade >= delays.size()) {
      return null;
    }
    long base = delays.get(attemptsMade).toMillis();
    long spread = (long) (base * jitter);
    long delay = spread == 0 ? base : base + ThreadLocalRandom.current().nextLong(-spread, spread + 1);
    if (retryAfter != null) {
      delay = Math.max(delay, Math.min(retryAfter.toMillis(), maxRetryAfter.toMillis()));
    }
    return Duration.ofMillis(Math.max(0, delay));
  }
}
