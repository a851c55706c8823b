package io.hookgate.dialect;

import io.hookgate.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Set;

/** One entry of {@code conf/dialects.yaml}, read with every failure naming its key; unknown keys are refused. */
final class Settings {
  private final String key;
  private final JsonObject json;

  Settings(String key, JsonObject json, Set<String> known) {
    this.key = key;
    this.json = json;
    for (String name : json.fieldNames()) {
      if (!known.contains(name)) {
        throw new ConfigException(key + "." + name, "is not a known setting (" + String.join(", ",
          known.stream().sorted().toList()) + ")");
      }
    }
  }

  /** The text, or {@code fallback} when absent. */
  String text(String name, String fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (value instanceof JsonObject || value instanceof JsonArray) {
      throw new ConfigException(key + "." + name, "must be a single value");
    }
    return value.toString();
  }

  String oneOf(String name, String fallback, String... allowed) {
    String value = json.getValue(name) == null ? fallback : json.getValue(name).toString();
    if (value == null) {
      throw new ConfigException(key + "." + name, "is required: one of " + String.join(", ", allowed));
    }
    if (Arrays.stream(allowed).noneMatch(value::equalsIgnoreCase)) {
      throw new ConfigException(key + "." + name, "must be one of " + String.join(", ", allowed) + " (got \"" + value + "\")");
    }
    return Arrays.stream(allowed).filter(value::equalsIgnoreCase).findFirst().orElseThrow();
  }

  int integer(String name, int fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + "." + name, "must be an integer (got \"" + value + "\")");
    }
  }
}
