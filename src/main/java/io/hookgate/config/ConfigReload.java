package io.hookgate.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads {@code conf/hookgate.yaml} again when it changes (vertx-config's file store, scanned every
 * {@code reload-interval}; a Kubernetes ConfigMap mounted as a directory is seen the same way) and puts the
 * tunables that are safe to change live ({@link #LIVE}) in force on this node, without a restart. Every node
 * watches its own copy of the file, so a change reaches each node of a cluster; their versions on
 * {@code /ready} and {@code hookgate_config_version} show when they agree.
 *
 * <p>A file that does not load (bad YAML, an invalid value of any key, live or not) is refused with one log
 * line naming the key, and the configuration in force stays. A changed key that is not live is logged as
 * taking effect at the next restart. Reading happens off the event loop: vertx-config reads the file
 * asynchronously, and parsing and validation (which may check that files exist) run on a worker.
 */
public final class ConfigReload {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReload.class);

  /** The keys (and whole sections) that change while the node runs; every other key needs a restart. */
  static final List<String> LIVE = List.of(
    "delivery.retry-schedule", "delivery.retry-jitter", "delivery.max-retry-after", "delivery.connect-timeout-ms",
    "delivery.request-timeout-ms", "delivery.max-in-flight", "delivery.max-in-flight-per-endpoint",
    "delivery.endpoint-rate-limit-per-second", "delivery.response-body-max-bytes", "delivery.user-agent",
    "delivery.circuit-breaker", "delivery.auto-disable",
    "api.partner-rate-limit-per-second", "api.partner-rate-limit-burst",
    "logging.levels");

  private final Vertx vertx;
  private final ConfigFile file;
  private final LiveConfig live;
  private final MeterRegistry registry;
  private final Counter applied;
  private final Counter refused;
  /** {@code hookgate_config_version{version}} is 1 for the version in force. */
  private final VersionGauge version;
  private ConfigRetriever retriever;

  /** @param file null when the node was not started from a file: nothing is watched, the version is shown */
  public ConfigReload(Vertx vertx, ConfigFile file, LiveConfig live, MeterRegistry registry) {
    this.vertx = vertx;
    this.file = file;
    this.live = live;
    this.registry = registry;
    this.version = new VersionGauge(registry, "hookgate_config_version",
      "The configuration in force on this node: its version (a hash of the settings, secrets left out)");
    this.applied = Counter.builder("hookgate_config_reloads").tag("result", "applied")
      .description("Changes of conf/hookgate.yaml put in force (applied) or refused as invalid (refused)")
      .register(registry);
    this.refused = Counter.builder("hookgate_config_reloads").tag("result", "refused")
      .description("Changes of conf/hookgate.yaml put in force (applied) or refused as invalid (refused)")
      .register(registry);
    Gauge.builder("hookgate_config_restart_pending", live, l -> l.state().pendingRestart().size())
      .description("Keys changed in conf/hookgate.yaml that take effect only at the next restart").register(registry);
    version.show(live.version());
  }

  /** Starts watching the file (when there is one and {@code reload-interval} is not 0). */
  public Future<Void> start() {
    long intervalMs = live.current().reloadInterval().toMillis();
    if (file == null || intervalMs <= 0) {
      return Future.succeededFuture();
    }
    retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
      .setIncludeDefaultStores(false)
      .setScanPeriod(intervalMs)
      .addStore(new ConfigStoreOptions().setType("file").setFormat("raw")
        .setConfig(new JsonObject().put("path", file.path().toString()).put("raw.key", "text"))));
    retriever.listen(change -> reload(change.getNewConfiguration().getString("text")));
    LOG.info("Watching {} for changes every {} ms (configuration version {})", file.path(), intervalMs,
      live.version());
    // The file as it is now: it may have changed since start-up read it.
    return retriever.getConfig().onSuccess(first -> reload(first.getString("text"))).mapEmpty();
  }

  public void stop() {
    if (retriever != null) {
      retriever.close();
    }
  }

  /** Checks the file's text off the event loop, then puts it in force, or refuses it. */
  Future<Void> reload(String text) {
    if (text == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> prepare(text), false).onComplete(done -> {
      if (done.failed()) {
        refused.increment();
        String problem = done.cause() instanceof ConfigException ? done.cause().getMessage() : done.cause().toString();
        LOG.error("Configuration change in {} refused; version {} stays in force: {}", file.path(), live.version(),
          problem);
        return;
      }
      Change change = done.result();
      if (change.changed().isEmpty() && change.state().pendingRestart().equals(live.state().pendingRestart())) {
        return;
      }
      String before = live.version();
      live.replace(change.state());
      version.show(change.state().version());
      applied.increment();
      if (!change.changed().isEmpty()) {
        LOG.info("Configuration reloaded from {}: version {} (was {}), changed {}", file.path(),
          change.state().version(), before, change.changed());
      }
      if (!change.state().pendingRestart().isEmpty()) {
        LOG.warn("{} changed in {} but takes effect at the next restart (the running value stays)",
          change.state().pendingRestart(), file.path());
      }
    }).mapEmpty();
  }

  /** What a reload puts in force, and which live keys it changed. */
  record Change(LiveConfig.State state, List<String> changed) {
  }

  /**
   * The whole file must be valid (a bad value of a restart key would otherwise stop the next start); then
   * its live keys are laid over the tree in force and that is validated again (rules across keys, such as
   * the lease against the request timeout, hold for what will run).
   */
  Change prepare(String text) {
    LiveConfig.State now = live.state();
    JsonObject next = ConfigSource.fromText(text, file.path().toString(), file.env());
    HookgateConfig.from(next);
    JsonObject merged = now.tree().copy();
    for (String key : LIVE) {
      copy(next, merged, key);
    }
    HookgateConfig reloaded = HookgateConfig.from(merged);
    List<String> pending = differing(next, merged);
    return new Change(new LiveConfig.State(now.config().withLive(reloaded), merged, LiveConfig.version(merged),
      Instant.now(), pending), differing(now.tree(), merged));
  }

  private static void copy(JsonObject from, JsonObject to, String path) {
    String[] parts = path.split("\\.");
    JsonObject source = from;
    JsonObject target = to;
    for (int i = 0; i < parts.length - 1; i++) {
      source = source == null ? null : source.getJsonObject(parts[i]);
      target = target.getJsonObject(parts[i]);
    }
    String last = parts[parts.length - 1];
    Object value = source == null ? null : source.getValue(last);
    if (value == null) {
      target.remove(last);
    } else {
      target.put(last, value instanceof JsonObject object ? object.copy() : value);
    }
  }

  /** The keys whose values differ between two trees, secrets named but never shown. */
  static List<String> differing(JsonObject a, JsonObject b) {
    Map<String, Object> left = leaves(a, "");
    Map<String, Object> right = leaves(b, "");
    Set<String> keys = new TreeSet<>(left.keySet());
    keys.addAll(right.keySet());
    List<String> differing = new ArrayList<>();
    for (String key : keys) {
      if (!Objects.equals(left.get(key), right.get(key))) {
        differing.add(key);
      }
    }
    return differing;
  }

  private static Map<String, Object> leaves(JsonObject node, String prefix) {
    Map<String, Object> leaves = new TreeMap<>();
    for (String field : node.fieldNames()) {
      String path = prefix.isEmpty() ? field : prefix + "." + field;
      Object value = node.getValue(field);
      if (value instanceof JsonObject child) {
        leaves.putAll(leaves(child, path));
      } else {
        leaves.put(path, value);
      }
    }
    return leaves;
  }

}
