package io.hookgate.dialect;

import io.hookgate.catalog.EventAliases;
import io.hookgate.config.ConfigException;
import io.hookgate.config.ConfigSource;
import io.hookgate.config.LiveConfig;
import io.hookgate.config.VersionGauge;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads {@code conf/dialects.yaml} again when it changes (vertx-config's file store, scanned every
 * {@code reload-interval}, like {@code conf/hookgate.yaml}) and puts its payload formats and signature schemes
 * in force on this node without a restart: deliveries from then on, retries included, are rendered and
 * signed by the new definitions. Every node watches its own copy, so a change reaches each node of a cluster.
 *
 * <p>A file that does not compile (a template, a scheme) is refused with one log line naming it, and so is
 * one that drops a format or scheme a subscription or an application still names ({@code inUse} says
 * which those are): the definitions in force stay. Parsing and compiling run on a worker, off the event loop.
 */
public final class DialectsReload {
  private static final Logger LOG = LoggerFactory.getLogger(DialectsReload.class);

  /** The names of the formats and schemes that subscriptions and applications use now. */
  public record InUse(Set<String> formats, Set<String> schemes) {
    /** From rows of (payload format, signature scheme); a null name (no default of its own) is no name. */
    public static InUse of(Iterable<Row> rows) {
      Set<String> formats = new TreeSet<>();
      Set<String> schemes = new TreeSet<>();
      for (Row row : rows) {
        if (row.getString(0) != null) {
          formats.add(row.getString(0));
        }
        if (row.getString(1) != null) {
          schemes.add(row.getString(1));
        }
      }
      return new InUse(formats, schemes);
    }

    public InUse and(InUse other) {
      Set<String> f = new TreeSet<>(formats);
      f.addAll(other.formats);
      Set<String> s = new TreeSet<>(schemes);
      s.addAll(other.schemes);
      return new InUse(f, s);
    }
  }

  private final Vertx vertx;
  private final Path file;
  private final Dialects dialects;
  private final EventAliases aliases;
  private final Duration interval;
  private final Function<Dialects, Future<InUse>> inUse;
  private final Function<Dialects, Future<Void>> rebuild;
  private final LiveConfig live;
  private final Counter applied;
  private final Counter refused;
  private volatile String version;
  /** {@code hookgate_dialects_version{version}} is 1 for the version in force; /ready shows it too. */
  private final VersionGauge versionGauge;
  private ConfigRetriever retriever;

  /**
   * @param inUse   what the running node's subscriptions and applications name (asked before a change)
   * @param rebuild called once the new definitions are in force, to resolve every subscription's dialect again
   */
  public DialectsReload(Vertx vertx, Path file, Dialects dialects, EventAliases aliases, LiveConfig live,
                        MeterRegistry registry, Function<Dialects, Future<InUse>> inUse,
                        Function<Dialects, Future<Void>> rebuild) {
    this.vertx = vertx;
    this.file = file;
    this.dialects = dialects;
    this.aliases = aliases;
    this.interval = live.current().reloadInterval();
    this.live = live;
    this.versionGauge = new VersionGauge(registry, "hookgate_dialects_version",
      "The dialects file in force on this node: the first 12 hex digits of its SHA-256");
    this.inUse = inUse;
    this.rebuild = rebuild;
    this.applied = Counter.builder("hookgate_dialects_reloads").tag("result", "applied")
      .description("Changes of the dialects file put in force (applied) or refused (refused)").register(registry);
    this.refused = Counter.builder("hookgate_dialects_reloads").tag("result", "refused")
      .description("Changes of the dialects file put in force (applied) or refused (refused)").register(registry);
  }

  /** The version of the dialects in force: the first 12 hex digits of the SHA-256 of the file's text. */
  public String version() {
    return version;
  }

  /** Notes the version read at start-up and starts watching (unless {@code reload-interval} is 0). */
  public Future<Void> start() {
    return vertx.fileSystem().readFile(file.toString()).compose(text -> {
      inForce(VersionGauge.hash(text.toString(StandardCharsets.UTF_8)));
      if (interval.isZero()) {
        return Future.succeededFuture();
      }
      retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(interval.toMillis())
        .addStore(new ConfigStoreOptions().setType("file").setFormat("raw")
          .setConfig(new JsonObject().put("path", file.toString()).put("raw.key", "text"))));
      retriever.listen(change -> reload(change.getNewConfiguration().getString("text")));
      LOG.info("Watching {} for changes every {} ms (dialects version {})", file, interval.toMillis(), version);
      return retriever.getConfig().compose(first -> reload(first.getString("text")));
    });
  }

  public void stop() {
    if (retriever != null) {
      retriever.close();
    }
  }

  /** Compiles the file's text off the event loop, checks it against what is in use, then puts it in force. */
  Future<Void> reload(String text) {
    if (text == null) {
      return Future.succeededFuture();
    }
    String next = VersionGauge.hash(text);
    if (next.equals(version)) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> Dialects.from(ConfigSource.parseYaml(text, file.toString()),
        file.toString(), aliases), false)
      .compose(candidate -> inUse.apply(candidate).map(used -> {
        missing(candidate, used);
        return candidate;
      }))
      .compose(candidate -> {
        String before = version;
        dialects.replace(candidate);
        inForce(next);
        applied.increment();
        LOG.info("Dialects reloaded from {}: version {} (was {}), formats {}, schemes {}", file, next, before,
          candidate.formatNames(), candidate.schemeNames());
        return rebuild.apply(candidate);
      })
      .onFailure(e -> {
        if (next.equals(version)) {
          LOG.error("Dialects version {} is in force but subscriptions were not all resolved again: {}", next,
            e.toString());
          return;
        }
        refused.increment();
        String problem = e instanceof ConfigException ? e.getMessage() : e.toString();
        LOG.error("Dialects change in {} refused; version {} stays in force: {}", file, version, problem);
      })
      .recover(e -> Future.succeededFuture());
  }

  /** A change may not take away a format or scheme that is in use: deliveries could no longer be made. */
  private void missing(Dialects candidate, InUse used) {
    Set<String> formats = new TreeSet<>(used.formats());
    formats.removeIf(candidate::hasFormat);
    Set<String> schemes = new TreeSet<>(used.schemes());
    schemes.removeIf(candidate::hasScheme);
    if (!formats.isEmpty()) {
      throw new ConfigException(file + ": payload-formats", "no longer defines " + formats
        + ", which subscriptions or applications use; move them to another format first");
    }
    if (!schemes.isEmpty()) {
      throw new ConfigException(file + ": signature-schemes", "no longer defines " + schemes
        + ", which subscriptions or applications use; move them to another scheme first");
    }
  }

  private void inForce(String next) {
    version = next;
    live.dialectsVersion(next);
    versionGauge.show(next);
  }

}
