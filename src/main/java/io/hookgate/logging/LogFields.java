package io.hookgate.logging;

import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.List;

/**
 * The fields a log line may carry besides its message: the request, event, delivery and subscription it
 * is about. They are put in the MDC just around the log call (never left there: an event loop serves
 * many requests in turn), so the JSON log format writes them as fields and the text format appends them.
 *
 * <pre>{@code try (LogFields f = LogFields.of(LogFields.DELIVERY_ID, id).and(LogFields.SUBSCRIPTION_ID, sub)) {
 *   LOG.warn("…");
 * }}</pre>
 */
public final class LogFields implements AutoCloseable {
  public static final String REQUEST_ID = "request_id";
  public static final String EVENT_ID = "event_id";
  public static final String DELIVERY_ID = "delivery_id";
  public static final String SUBSCRIPTION_ID = "subscription_id";

  private final List<String> keys = new ArrayList<>(4);

  private LogFields() {
  }

  /** Puts {@code key} (when {@code value} is not null) until {@link #close}. */
  public static LogFields of(String key, Object value) {
    return new LogFields().and(key, value);
  }

  public LogFields and(String key, Object value) {
    if (value != null) {
      MDC.put(key, value.toString());
      keys.add(key);
    }
    return this;
  }

  @Override
  public void close() {
    keys.forEach(MDC::remove);
  }
}
