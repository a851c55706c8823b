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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code conf/event-types.yaml}, the catalog seeded at start-up. */
public final class EventTypeCatalogFile {
  private static final Logger LOG = LoggerFactory.getLogger(EventTypeCatalogFile.class);
  private EventTypeCatalogFile() {
  }

  public static List<EventType> read(Path file) {
    JsonObject root = ConfigSource.readYaml(file);
    Object entries = root.getValue("event-types");
    if (!(entries instanceof JsonArray array)) {
      throw new ConfigException("event-types-file", file + " must hold an 'event-types' list");
    }
    List<EventType> types = new ArrayList<>();
    Set<String> seen = new HashSet<>();
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
    }
    return types;
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
