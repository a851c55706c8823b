package io.hookgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The configuration in force on this node, which {@link ConfigReload} replaces when the file changes. Parts
 * that follow it read {@link #current} where they use it (a volatile read) or are told through
 * {@link #onChange}; a later registry of dialects plugs in the same way.
 *
 * <p>The version is a hash of the configuration in force (secrets left out), the same on every node that
 * runs the same settings: {@code /ready} and {@code hookgate_config_version} show it, so a node that missed a
 * change stands out.
 */
public final class LiveConfig {
  /** Keys whose values stay out of the version hash (and out of every log line). */
  static final Set<String> SECRETS = Set.of("admin-key", "database.password", "security.secret-encryption-key");

  /**
   * @param tree           the tree in force (null when the node was not started from a file)
   * @param pendingRestart keys the file changed that take effect at the next restart
   */
  public record State(HookgateConfig config, JsonObject tree, String version, Instant loadedAt,
                      List<String> pendingRestart) {
  }

  private volatile State state;
  /** The version of the dialects file in force (kept by its own reload); null before it is read. */
  private volatile String dialectsVersion;
  private final List<Consumer<HookgateConfig>> listeners = new CopyOnWriteArrayList<>();

  public LiveConfig(HookgateConfig config, JsonObject tree) {
    this.state = new State(config, tree, version(tree), Instant.now(), List.of());
  }

  public HookgateConfig current() {
    return state.config();
  }

  public HookgateConfig.Delivery delivery() {
    return state.config().delivery();
  }

  public State state() {
    return state;
  }

  public String version() {
    return state.version();
  }

  public String dialectsVersion() {
    return dialectsVersion;
  }

  public void dialectsVersion(String version) {
    dialectsVersion = version;
  }

  /** Called (on the reloading thread) with each new configuration once it is in force. */
  public void onChange(Consumer<HookgateConfig> listener) {
    listeners.add(listener);
  }

  void replace(State next) {
    state = next;
    listeners.forEach(listener -> listener.accept(next.config()));
  }

  /** The first 12 hex digits of the SHA-256 of the tree with its keys sorted and its secrets left out. */
  static String version(JsonObject tree) {
    if (tree == null) {
      return "unversioned";
    }
    return VersionGauge.hash(canonical(tree, ""));
  }

  private static String canonical(Object value, String path) {
    if (value instanceof JsonObject object) {
      StringBuilder text = new StringBuilder("{");
      for (String key : new TreeSet<>(object.fieldNames())) {
        String child = path.isEmpty() ? key : path + "." + key;
        if (!SECRETS.contains(child)) {
          text.append(JsonArray.of(key).encode()).append(':').append(canonical(object.getValue(key), child)).append(',');
        }
      }
      return text.append('}').toString();
    }
    if (value instanceof JsonArray array) {
      StringBuilder text = new StringBuilder("[");
      array.forEach(item -> text.append(canonical(item, path)).append(','));
      return text.append(']').toString();
    }
    return value == null ? "null" : JsonArray.of(String.valueOf(value)).encode();
  }
}
