package io.hookgate.catalog;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The names each platform gives the catalog's event types ({@code order.created} is Shopline's
 * {@code order/create}), read from {@code conf/event-types.yaml}. A dialect puts a type's name in its own
 * naming where its platform puts the type; a partner may subscribe with the names its platform documents.
 * Every alias stands for one type only, so a name a partner sends resolves without knowing its platform.
 *
 * <p>Immutable once read.
 */
public final class EventAliases {
  public static final EventAliases NONE = new EventAliases(Map.of());

  /** naming → type → alias. */
  private final Map<String, Map<String, String>> byNaming;
  /** alias → type, over every naming. */
  private final Map<String, String> types = new HashMap<>();

  EventAliases(Map<String, Map<String, String>> byNaming) {
    Map<String, Map<String, String>> copy = new HashMap<>();
    byNaming.forEach((naming, aliases) -> {
      copy.put(naming, Map.copyOf(aliases));
      aliases.forEach((type, alias) -> types.put(alias, type));
    });
    this.byNaming = Map.copyOf(copy);
  }

  /** The type's name in a naming: its alias there, or its own name when it has none (or naming is null). */
  public String alias(String naming, String type) {
    if (naming == null) {
      return type;
    }
    Map<String, String> aliases = byNaming.get(naming);
    String alias = aliases == null ? null : aliases.get(type);
    return alias == null ? type : alias;
  }

  /** The catalog type a name stands for: the type whose alias it is, or the name itself. */
  public String type(String name) {
    String type = types.get(name);
    return type == null ? name : type;
  }

  /** The type's aliases by naming, sorted by naming (empty when it has none). */
  public Map<String, String> of(String type) {
    Map<String, String> found = new TreeMap<>();
    byNaming.forEach((naming, aliases) -> {
      String alias = aliases.get(type);
      if (alias != null) {
        found.put(naming, alias);
      }
    });
    return found;
  }

  public Set<String> namings() {
    return byNaming.keySet();
  }
}
