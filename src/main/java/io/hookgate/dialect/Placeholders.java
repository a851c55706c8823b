package io.hookgate.dialect;

import io.hookgate.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A text with {@code {name}} placeholders, as a scheme's signed message ({@code {timestamp}.{body}}) and
 * its extra headers ({@code {alias}}) are written; parsed once at start into literal and named parts.
 */
final class Placeholders {
  /** One part: a literal text, or the name of a value (literal null). */
  record Part(String literal, String name) {
  }

  private final List<Part> parts;

  private Placeholders(List<Part> parts) {
    this.parts = List.copyOf(parts);
  }

  /** Parses {@code text}; a placeholder not in {@code allowed} stops start-up, naming {@code key}. */
  static Placeholders parse(String key, String text, Set<String> allowed) {
    List<Part> parts = new ArrayList<>();
    int at = 0;
    while (at < text.length()) {
      int open = text.indexOf('{', at);
      if (open < 0) {
        parts.add(new Part(text.substring(at), null));
        break;
      }
      if (open > at) {
        parts.add(new Part(text.substring(at, open), null));
      }
      int close = text.indexOf('}', open);
      if (close < 0) {
        throw new ConfigException(key, "has an unclosed { in \"" + text + "\"");
      }
      String name = text.substring(open + 1, close);
      if (!allowed.contains(name)) {
        throw new ConfigException(key, "{" + name + "} is not one of "
          + String.join(", ", allowed.stream().sorted().map(n -> "{" + n + "}").toList()));
      }
      parts.add(new Part(null, name));
      at = close + 1;
    }
    return new Placeholders(parts);
  }

  List<Part> parts() {
    return parts;
  }

  boolean uses(String name) {
    return parts.stream().anyMatch(p -> name.equals(p.name()));
  }
}
