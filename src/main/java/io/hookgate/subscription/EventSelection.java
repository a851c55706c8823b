package io.hookgate.subscription;

import io.hookgate.http.ApiError;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The {@code events} a subscription listens to: catalog names, {@code group.*} wildcards that match
 * at least one catalog name, or {@code *} for everything. A name a platform gives a type (an alias, such
 * as Shopline's {@code order/create}) stands for that type and is kept as the type's own name.
 */
public final class EventSelection {
  static final int MAX_EVENTS = 100;

  private EventSelection() {
  }

  public static List<String> parse(Object value, Set<String> catalog) {
    return parse(value, catalog, UnaryOperator.identity());
  }

  /** {@code types} turns an alias into the type it stands for (any other name into itself). */
  public static List<String> parse(Object value, Set<String> catalog, UnaryOperator<String> types) {
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_EVENTS) {
      throw ApiError.invalidField("events", "must be a list of 1 to " + MAX_EVENTS + " event types");
    }
    LinkedHashSet<String> events = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String name)) {
        throw ApiError.invalidField("events[" + i + "]", "must be a string");
      }
      String event = types.apply(name);
      if (!known(event, catalog)) {
        throw ApiError.invalidField("events[" + i + "]", "unknown event type '" + abbreviate(name)
          + "' (see GET /api/partner/v1/event-types)");
      }
      events.add(event);
    }
    return new ArrayList<>(events);
  }

  private static boolean known(String event, Set<String> catalog) {
    if (event.equals("*")) {
      return true;
    }
    if (event.endsWith(".*")) {
      String prefix = event.substring(0, event.length() - 1);
      return catalog.stream().anyMatch(name -> name.startsWith(prefix));
    }
    return catalog.contains(event);
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "…";
  }
}
