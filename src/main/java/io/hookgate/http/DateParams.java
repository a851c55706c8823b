package io.hookgate.http;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Date filters as partners send them: a day ({@code 2024-04-01}, UTC) or a timestamp with offset.
 * A day used as an upper bound includes the whole day. Absent is no bound; present but empty or
 * malformed is a 400, never "no bound".
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
    if (text == null) {
      return null;
    }
    OffsetDateTime time;
    try {
      if (text.length() == 10) {
        LocalDate day = LocalDate.parse(text);
        time = (endOfDay ? day.plusDays(1) : day).atStartOfDay().atOffset(ZoneOffset.UTC);
      } else {
        time = OffsetDateTime.parse(text);
      }
    } catch (DateTimeParseException e) {
      throw ApiError.invalidField(name, "must be a date (YYYY-MM-DD) or a timestamp with offset");
    }
    // Within what PostgreSQL stores and what a webhook history can hold; a year 200000 is a typo, not a bound.
    if (time.getYear() < 1970 || time.getYear() > 9999) {
      throw ApiError.invalidField(name, "must be between the years 1970 and 9999");
    }
    return time;
  }
}
