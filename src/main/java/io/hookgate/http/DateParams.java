package io.hookgate.http;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Date filters as partners send them: a day ({@code 2024-04-01}, UTC) or a timestamp with offset.
 * A day used as an upper bound includes the whole day.
 */
public final class DateParams {
  private DateParams() {
  }

  /** Start of the day, or the timestamp; null when absent. */
  public static OffsetDateTime from(String name, String text) {
    return parse(name, text, false);
  }

  /** End of the day (exclusive), or the timestamp; null when absent. */
  public static OffsetDateTime until(String name, String text) {
    return parse(name, text, true);
  }

  private static OffsetDateTime parse(String name, String text, boolean endOfDay) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      if (text.length() == 10) {
        LocalDate day = LocalDate.parse(text);
        return (endOfDay ? day.plusDays(1) : day).atStartOfDay().atOffset(ZoneOffset.UTC);
      }
      return OffsetDateTime.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiError.invalidField(name, "must be a date (YYYY-MM-DD) or a timestamp with offset");
    }
  }
}
