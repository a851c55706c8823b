package io.hookgate.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Fixed, roughly logarithmic buckets (each about 10 % wider than the last, 1 ms to 2 min, then an
 * overflow bucket) for attempt durations in the hourly roll-up. Roll-ups add bucket counts, so any
 * range's percentiles come from the roll-up alone, within about 10 %.
 */
public final class DurationBuckets {
  /** Upper bounds (inclusive, ms) of every bucket but the last, which takes everything longer. */
  static final long[] BOUNDS = bounds();

  private DurationBuckets() {
  }

  private static long[] bounds() {
    List<Long> bounds = new ArrayList<>();
    double b = 1;
    while (b <= 120_000) {
      long bound = (long) Math.ceil(b);
      if (bounds.isEmpty() || bounds.get(bounds.size() - 1) != bound) {
        bounds.add(bound);
      }
      b *= 1.1;
    }
    return bounds.stream().mapToLong(Long::longValue).toArray();
  }

  public static int size() {
    return BOUNDS.length + 1;
  }

  public static int index(long durationMs) {
    int lo = 0;
    int hi = BOUNDS.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (BOUNDS[mid] >= durationMs) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * The duration below which {@code quantile} of the counted attempts fall: the upper bound of the
   * bucket holding that rank (the bucket's lower bound for the overflow bucket). Null when nothing was counted.
   */
  public static Long quantile(long[] counts, double quantile) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i < BOUNDS.length ? BOUNDS[i] : BOUNDS[BOUNDS.length - 1];
      }
    }
    return BOUNDS[BOUNDS.length - 1];
  }
}
