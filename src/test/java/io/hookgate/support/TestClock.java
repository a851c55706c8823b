package io.hookgate.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wall clock, moved forward on demand: a test that needs time to pass for a rule (an endpoint failing
 * for days) advances it instead of sleeping. It never goes back, so due times already written stay due.
 */
public final class TestClock extends Clock {
  private final AtomicLong aheadMs = new AtomicLong();

  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock that goes back would make due deliveries wait");
    }
    aheadMs.addAndGet(by.toMillis());
  }

  @Override
  public Instant instant() {
    return Instant.now().plusMillis(aheadMs.get());
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + aheadMs.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the engine keeps time in UTC");
  }
}
