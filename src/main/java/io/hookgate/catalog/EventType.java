package io.hookgate.catalog;

import io.hookgate.http.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.regex.Pattern;

/** An entry of the event-type catalog, e.g. {@code order.created}. */
record EventType(String name, String group, String description, boolean deprecated,
                        OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  /** Lower-case, dot-separated words: {@code order.created}, {@code customer.update.card}. */
  public static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$");
  public static final int MAX_NAME_LENGTH = 100;

  static EventType from(Row row) {
    return new EventType(row.getString("name"), row.getString("group_name"), row.getString("description"),
      row.getBoolean("deprecated"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
  }

  public static boolean validName(String name) {
    return name != null && name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
  }

  /** The group of a type is its first segment: {@code order} for {@code order.created}. */
  public static String groupOf(String name) {
    return name.substring(0, name.indexOf('.'));
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("name", name)
      .put("group", group)
      .put("description", description)
      .put("deprecated", deprecated)
      .put("created_at", Json.timestamp(createdAt))
      .put("updated_at", Json.timestamp(updatedAt));
  }
}
