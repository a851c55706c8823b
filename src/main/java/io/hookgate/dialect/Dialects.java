package io.hookgate.dialect;

import io.hookgate.catalog.EventAliases;
import io.hookgate.config.ConfigException;
import io.hookgate.config.ConfigSource;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every dialect the operator defined in {@code conf/dialects.yaml}: named payload formats and signature
 * schemes, the defaults, and registration by category. Read and compiled at start, where a bad template or
 * scheme stops start-up with one line naming it, and again when the file changes ({@link DialectsReload}),
 * where it is refused with that line and the definitions in force stay.
 */
public final class Dialects {
  private static final Set<String> SECTIONS = Set.of("default-payload-format", "default-signature-scheme",
    "payload-formats", "signature-schemes", "registration");

  /** One reading of the file, with the dialects built from it so far (one per pair of format and scheme). */
  private record Definitions(Map<String, PayloadFormat> formats, Map<String, SignatureScheme> schemes,
                             String defaultFormat, String defaultScheme, Registration registration,
                             Map<String, Dialect> pairs) {
  }

  private final EventAliases aliases;
  /** Replaced whole when the file changes while the node runs ({@link DialectsReload}); read without a lock. */
  private volatile Definitions current;

  private Dialects(Map<String, PayloadFormat> formats, Map<String, SignatureScheme> schemes, String defaultFormat,
                   String defaultScheme, Registration registration, EventAliases aliases) {
    this.current = new Definitions(formats, schemes, defaultFormat, defaultScheme, registration,
      new ConcurrentHashMap<>());
    this.aliases = aliases;
  }

  /**
   * Puts {@code next}'s definitions in force here: deliveries, subscriptions and registrations made from now
   * on use them; a subscription's resolved {@link Dialect} changes when its index entry is rebuilt.
   */
  public void replace(Dialects next) {
    current = next.current;
  }

  public static Dialects load(Path file, EventAliases aliases) {
    return from(ConfigSource.readYaml(file), file.toString(), aliases);
  }

  /** {@code source} names the file in errors. */
  public static Dialects from(JsonObject root, String source, EventAliases aliases) {
    for (String name : root.fieldNames()) {
      if (!SECTIONS.contains(name)) {
        throw new ConfigException(source + ": " + name, "is not a section of the dialects file (" + String.join(", ",
          new TreeSet<>(SECTIONS)) + ")");
      }
    }
    Map<String, PayloadFormat> formats = new LinkedHashMap<>();
    entries(root, source, "payload-formats").forEach((name, json) ->
      formats.put(name, PayloadFormat.read(source + ": payload-formats." + name, name, json)));
    Map<String, SignatureScheme> schemes = new LinkedHashMap<>();
    entries(root, source, "signature-schemes").forEach((name, json) ->
      schemes.put(name, SignatureScheme.read(source + ": signature-schemes." + name, name, json)));
    for (SignatureScheme scheme : schemes.values()) {
      if (scheme.payloadFormat() != null && !formats.containsKey(scheme.payloadFormat())) {
        throw new ConfigException(source + ": signature-schemes." + scheme.name() + ".payload-format",
          "names no payload format (" + scheme.payloadFormat() + ")");
      }
    }
    String defaultFormat = named(root, source, "default-payload-format", formats.keySet());
    String defaultScheme = named(root, source, "default-signature-scheme", schemes.keySet());
    return new Dialects(Map.copyOf(formats), Map.copyOf(schemes), defaultFormat, defaultScheme,
      registration(root.getValue("registration"), source, formats.keySet(), schemes.keySet()), aliases);
  }

  private static Map<String, JsonObject> entries(JsonObject root, String source, String section) {
    Object value = root.getValue(section);
    if (!(value instanceof JsonObject map) || map.isEmpty()) {
      throw new ConfigException(source + ": " + section, "must be a mapping of names to definitions");
    }
    Map<String, JsonObject> entries = new LinkedHashMap<>();
    for (String name : map.fieldNames()) {
      if (!name.matches("^[a-z][a-z0-9-]{0,39}$")) {
        throw new ConfigException(source + ": " + section + "." + name, "a name is lower-case letters, digits and -");
      }
      if (!(map.getValue(name) instanceof JsonObject json)) {
        throw new ConfigException(source + ": " + section + "." + name, "must be a mapping");
      }
      entries.put(name, json);
    }
    return entries;
  }

  private static String named(JsonObject root, String source, String key, Set<String> names) {
    Object value = root.getValue(key);
    if (!(value instanceof String name) || !names.contains(name)) {
      throw new ConfigException(source + ": " + key, "must name one of " + String.join(", ", new TreeSet<>(names)));
    }
    return name;
  }

  private static Registration registration(Object value, String source, Set<String> formats, Set<String> schemes) {
    if (value == null) {
      return null;
    }
    String key = source + ": registration";
    if (!(value instanceof JsonObject json)) {
      throw new ConfigException(key, "must be a mapping");
    }
    Settings s = new Settings(key, json, Set.of("payload-format", "signature-scheme", "categories"));
    String format = s.text("payload-format", null);
    String scheme = s.text("signature-scheme", null);
    if (format == null || !formats.contains(format)) {
      throw new ConfigException(key + ".payload-format", "must name a payload format");
    }
    if (scheme == null || !schemes.contains(scheme)) {
      throw new ConfigException(key + ".signature-scheme", "must name a signature scheme");
    }
    if (!(json.getValue("categories") instanceof JsonObject categories) || categories.isEmpty()) {
      throw new ConfigException(key + ".categories", "must map each category to its event types");
    }
    Map<String, List<String>> byCategory = new HashMap<>();
    for (String category : categories.fieldNames()) {
      if (!(categories.getValue(category) instanceof JsonArray types) || types.isEmpty()
        || types.stream().anyMatch(t -> !(t instanceof String))) {
        throw new ConfigException(key + ".categories." + category, "must be a list of event types");
      }
      byCategory.put(category, types.stream().map(String.class::cast).toList());
    }
    return new Registration(format, scheme, Map.copyOf(byCategory));
  }

  public boolean hasFormat(String name) {
    return current.formats().containsKey(name);
  }

  public boolean hasScheme(String name) {
    return current.schemes().containsKey(name);
  }

  public Set<String> formatNames() {
    return new TreeSet<>(current.formats().keySet());
  }

  public Set<String> schemeNames() {
    return new TreeSet<>(current.schemes().keySet());
  }

  public String defaultFormat() {
    return current.defaultFormat();
  }

  public String defaultScheme() {
    return current.defaultScheme();
  }

  /** The scheme of that name; an unknown name is a configuration error (no subscription may name one). */
  public SignatureScheme scheme(String name) {
    return scheme(current, name);
  }

  private static SignatureScheme scheme(Definitions definitions, String name) {
    SignatureScheme scheme = definitions.schemes().get(name);
    if (scheme == null) {
      throw new ConfigException("signature scheme " + name, "is not defined in the dialects file");
    }
    return scheme;
  }

  /** The dialect of a format and a scheme, built once per pair. */
  public Dialect dialect(String format, String scheme) {
    Definitions definitions = current;
    return definitions.pairs().computeIfAbsent(format + " " + scheme, k -> {
      PayloadFormat f = definitions.formats().get(format);
      if (f == null) {
        throw new ConfigException("payload format " + format, "is not defined in the dialects file");
      }
      return new Dialect(f, scheme(definitions, scheme), aliases);
    });
  }

  /** Registration by category, or null when the operator defined none. */
  public Registration registration() {
    return current.registration();
  }

  /** The catalog's names for event types in each platform's naming. */
  public EventAliases aliases() {
    return aliases;
  }
}
