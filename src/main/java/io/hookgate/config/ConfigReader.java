package io.hookgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Typed, validated access to one section of the config tree; every failure names its key. There are no
 * defaults here: the tree is the operator's file laid over the shipped {@code conf/hookgate.yaml}
 * ({@link ConfigSource#withDefaults}), which holds every key with its default, so a key missing from the
 * tree is a mistake in the shipped file.
 */
final class ConfigReader {
  private final JsonObject node;
  private final String prefix;

  ConfigReader(JsonObject node, String prefix) {
    this.node = node == null ? new JsonObject() : node;
    this.prefix = prefix;
  }

  ConfigReader section(String name) {
    Object value = node.getValue(name);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be a mapping");
    }
    return new ConfigReader((JsonObject) value, key(name));
  }

  String key(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  /** The key's text; empty when it is set to nothing (an optional value left out). */
  String string(String name) {
    if (!node.containsKey(name)) {
      throw new ConfigException(key(name), "is missing (the shipped conf/hookgate.yaml lists every key)");
    }
    Object value = node.getValue(name);
    if (value == null) {
      return "";
    }
    if (value instanceof JsonObject || value instanceof JsonArray) {
      throw new ConfigException(key(name), "must be a single value");
    }
    return value.toString().trim();
  }

  String nonEmpty(String name) {
    String value = string(name);
    if (value.isEmpty()) {
      throw new ConfigException(key(name), "must not be empty");
    }
    return value;
  }

  int integer(String name, int min, int max) {
    String text = nonEmpty(name);
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "must be an integer between " + min + " and " + max + " (got \"" + text + "\")");
    }
    if (value < min || value > max) {
      throw new ConfigException(key(name), "must be an integer between " + min + " and " + max + " (got " + value + ")");
    }
    return value;
  }

  boolean bool(String name) {
    String text = nonEmpty(name);
    return switch (text.toLowerCase()) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new ConfigException(key(name), "must be true or false (got \"" + text + "\")");
    };
  }

  String oneOf(String name, Set<String> allowed) {
    String value = string(name).toLowerCase();
    if (!allowed.contains(value)) {
      throw new ConfigException(key(name), "must be one of " + String.join(", ", allowed.stream().sorted().toList())
        + " (got \"" + value + "\")");
    }
    return value;
  }

  double decimal(String name, double min, double max) {
    String text = nonEmpty(name);
    try {
      double value = Double.parseDouble(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException(key(name), "must be a number between " + min + " and " + max + " (got \"" + text + "\")");
  }

  Duration duration(String name) {
    return Durations.parse(key(name), nonEmpty(name));
  }

  List<Duration> durations(String name) {
    List<String> texts = strings(name);
    if (texts.isEmpty()) {
      throw new ConfigException(key(name), "must list at least one delay");
    }
    List<Duration> list = new java.util.ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      list.add(Durations.parse(key(name) + "[" + i + "]", texts.get(i)));
    }
    return List.copyOf(list);
  }

  /** The key's list; empty when it is set to nothing. */
  List<String> strings(String name) {
    if (!node.containsKey(name)) {
      throw new ConfigException(key(name), "is missing (the shipped conf/hookgate.yaml lists every key)");
    }
    Object value = node.getValue(name);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(key(name), "must be a list");
    }
    return array.stream().map(String::valueOf).toList();
  }
}
