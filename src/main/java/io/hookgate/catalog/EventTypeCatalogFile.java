package io.hookgate.catalog;

import io.hookgate.config.ConfigException;
import io.hookgate.config.ConfigSource;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code conf/event-types.yaml}: the catalog seeded at start-up, and each type's names in the
 * platforms' namings ({@code aliases: {shopline: order/create}}).
 */
public final class EventTypeCatalogFile {
  private static final Logger LOG = LoggerFactory.getLogger(EventTypeCatalogFile.class);
  private static final Pattern NAMING = Pattern.compile("^[a-z][a-z0-9-]{0,39}$");
  private static final Pattern ALIAS = Pattern.compile("^[A-Za-z0-9_./:\\-]{1,100}$");

  private EventTypeCatalogFile() {
  }

  /** The file's types and their aliases. */
  private record Parsed(List<EventType> types, EventAliases aliases) {
  }

  public static List<EventType> read(Path file) {
    return parse(file).types();
  }

  /**
   * The file's aliases. An alias that stands for two types, or that is another type's own name, stops
   * start-up: a partner subscribing with it would not know which type it gets.
   */
  public static EventAliases aliases(Path file) {
    return parse(file).aliases();
  }

  private static Parsed parse(Path file) {
    JsonObject root = ConfigSource.readYaml(file);
    Object entries = root.getValue("event-types");
    if (!(entries instanceof JsonArray array)) {
      throw new ConfigException("event-types-file", file + " must hold an 'event-types' list");
    }
    List<EventType> types = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Map<String, Map<String, String>> aliases = new HashMap<>();
    Map<String, String> typeOfAlias = new HashMap<>();
    for (int i = 0; i < array.size(); i++) {
      String where = file + ": event-types[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(where, "must be a mapping with name and description");
      }
      String name = entry.getValue("name") == null ? null : String.valueOf(entry.getValue("name"));
      if (!EventType.validName(name)) {
        throw new ConfigException(where + ".name", "must be lower-case dot-separated words (got " + name + ")");
      }
      if (!seen.add(name)) {
        throw new ConfigException(where + ".name", name + " is listed twice");
      }
      String group = entry.getValue("group") == null ? EventType.groupOf(name) : String.valueOf(entry.getValue("group"));
      String description = entry.getValue("description") == null ? "" : String.valueOf(entry.getValue("description"));
      types.add(new EventType(name, group, description, false, null, null));
      aliasesOf(entry.getValue("aliases"), where, name, aliases, typeOfAlias);
    }
    for (Map.Entry<String, String> alias : typeOfAlias.entrySet()) {
      if (seen.contains(alias.getKey()) && !alias.getKey().equals(alias.getValue())) {
        throw new ConfigException(file + ": event-types", "alias " + alias.getKey() + " of " + alias.getValue()
          + " is the name of another type");
      }
    }
    return new Parsed(types, new EventAliases(aliases));
  }

  private static void aliasesOf(Object value, String where, String type, Map<String, Map<String, String>> aliases,
                                Map<String, String> typeOfAlias) {
    if (value == null) {
      return;
    }
    if (!(value instanceof JsonObject byNaming)) {
      throw new ConfigException(where + ".aliases", "must be a mapping of naming to name, e.g. {shopline: order/create}");
    }
    for (String naming : byNaming.fieldNames()) {
      String key = where + ".aliases." + naming;
      Object alias = byNaming.getValue(naming);
      if (!NAMING.matcher(naming).matches()) {
        throw new ConfigException(key, "a naming is lower-case letters, digits and -");
      }
      if (!(alias instanceof String text) || !ALIAS.matcher(text).matches()) {
        throw new ConfigException(key, "must be 1 to 100 letters, digits or _ . / : -");
      }
      String other = typeOfAlias.putIfAbsent(text, type);
      if (other != null && !other.equals(type)) {
        throw new ConfigException(key, text + " already stands for " + other);
      }
      aliases.computeIfAbsent(naming, k -> new HashMap<>()).put(type, text);
    }
  }

  /**
   * Adds the file's types that the database lacks; types already there keep what operators changed
   * through the Platform API. How many were added.
   */
  public static Future<Integer> seed(SqlClient sql, EventTypeStore store, Path file) {
    List<EventType> catalog = new ArrayList<>(read(file));
    // Hookgate's own events are always in the catalog, whatever the file lists.
    HookgateEvents.catalog().stream().filter(own -> catalog.stream().noneMatch(t -> t.name().equals(own.name())))
      .forEach(catalog::add);
    return store.seed(sql, catalog).onSuccess(added ->
      LOG.info("Event-type catalog: {} type(s) in {}, {} added now", catalog.size(), file, added));
  }
}
