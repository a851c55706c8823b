package io.hookgate.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 250ms}, {@code 5s}, {@code 30m}, {@code 2h}, {@code 5d}. */
final class Durations {
  private static final Pattern FORMAT = Pattern.compile("^(\\d+)\\s*(ms|s|m|h|d)$");

  private Durations() {
  }

  public static Duration parse(String key, String text) {
    Matcher m = FORMAT.matcher(text.trim().toLowerCase());
    if (!m.matches()) {
      throw new ConfigException(key, "must be a duration such as 500ms, 5s, 30m, 2h or 5d (got \"" + text + "\")");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
