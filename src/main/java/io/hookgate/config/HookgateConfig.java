package io.hookgate.config;

import io.hookgate.Hookgate;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hookgate's configuration as typed records, built once from {@code conf/hookgate.yaml} plus
 * environment overrides. Construction validates every value; a bad one throws
 * {@link ConfigException} naming the key.
 */
public record HookgateConfig(
  String adminKey,
  Path dataDir,
  Http http,
  Database database,
  Security security,
  Api api,
  Path eventTypesFile,
  Path dialectsFile,
  Ingest ingest,
  Delivery delivery,
  Cluster cluster,
  Retention retention,
  Logging logging,
  Tracing tracing,
  Duration reloadInterval) {

  public static final Path DEFAULT_FILE = Path.of("conf", "hookgate.yaml");

  /**
   * @param readTimeout    a request's headers must arrive within this of the connection opening (or of the
   *                       previous response), and its body within as long again
   * @param idleTimeout    a connection with no traffic at all for this long is closed
   * @param requestTimeout a request not answered within this gets 503 (the database is not answering)
   */
  public record Http(String host, int port, int instances, int bodyLimitBytes, Duration readTimeout,
                     Duration idleTimeout, Duration requestTimeout) {
    public int effectiveInstances() {
      return instances > 0 ? instances : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
  }

  public record Database(boolean embedded, String host, int port, String name, String user, String password,
                         int poolSize, String sslMode, int embeddedPort) {
  }

  /** @param secretEncryptionKey 32 raw bytes, or null when embedded mode should manage its own key file */
  public record Security(byte[] secretEncryptionKey, int tokenTtlSeconds) {
  }

  public record Api(int defaultPageSize, int maxPageSize, int partnerRatePerSecond, int partnerRateBurst) {
  }

  public record Ingest(int maxBatch, int maxEventBytes, int commitWaitMs) {
  }

  /** @param tls mutual TLS between members on the event bus, or null when it is off */
  public record Cluster(boolean enabled, Path configFile, String name, String host, int port, int eventBusPort,
                        List<String> members, String kubernetesServiceDns, Duration drainTimeout, Tls tls) {
    public Cluster on() {
      return new Cluster(true, configFile, name, host, port, eventBusPort, members, kubernetesServiceDns, drainTimeout,
        tls);
    }
  }

  /** A member's certificate and key, and the CA that every member's certificate must be signed by (PEM files). */
  public record Tls(Path certFile, Path keyFile, Path caFile) {
  }

  /**
   * @param history         events, deliveries and attempts are kept this long; zero keeps them forever
   * @param stats           the hourly roll-up is kept this long; zero keeps it forever
   */
  public record Retention(Duration partitionInterval, int partitionsAhead, Duration history, Duration stats,
                          Duration statsPartitionInterval, Duration checkInterval, Duration lockTimeout) {
    public boolean keepsHistoryForever() {
      return history.isZero();
    }

    public boolean keepsStatsForever() {
      return stats.isZero();
    }
  }

  public record Breaker(int failureThreshold, Duration resetTimeout) {
  }

  public record AutoDisable(int afterExhaustedDeliveries, Duration afterFailingFor) {
  }

  public record Delivery(int connectTimeoutMs, int requestTimeoutMs, List<Duration> retrySchedule, double retryJitter,
                         Duration maxRetryAfter, int maxInFlight, int maxInFlightPerEndpoint, Duration lease,
                         int endpointRatePerSecond, int maxQueued, int schedulerIntervalMs, int schedulerBatch,
                         int responseBodyMaxBytes, String userAgent,
                         boolean requireHttps, List<String> allowedPrivateNetworks, Breaker breaker,
                         AutoDisable autoDisable) {
  }

  /**
   * @param format text or json (at start-up)
   * @param levels logger name to level (TRACE, DEBUG, INFO, WARN, ERROR, OFF), applied live
   */
  public record Logging(String format, Map<String, String> levels) {
  }

  /**
   * OpenTelemetry traces, exported over OTLP when enabled.
   *
   * @param otlpProtocol grpc or http/protobuf
   * @param sampleRatio  the share of new traces recorded; a caller's sampled {@code traceparent} is always followed
   */
  public record Tracing(boolean enabled, String otlpEndpoint, String otlpProtocol, String serviceName,
                        double sampleRatio) {
  }

  public static HookgateConfig load(Path file, Map<String, String> env) {
    return from(ConfigSource.load(file, env));
  }

  public static HookgateConfig from(JsonObject tree) {
    ConfigReader root = new ConfigReader(ConfigSource.withDefaults(tree), "");
    String adminKey = root.string("admin-key");
    if (!adminKey.isEmpty() && adminKey.length() < 16) {
      throw new ConfigException("admin-key", "must be at least 16 characters (or empty to generate one)");
    }

    ConfigReader http = root.section("http");
    Http httpConfig = new Http(
      http.nonEmpty("host"),
      http.integer("port", 0, 65535),
      http.integer("instances", 0, 256),
      http.integer("body-limit-bytes", 1024, 64 * 1024 * 1024),
      http.duration("read-timeout"),
      http.duration("idle-timeout"),
      http.duration("request-timeout"));

    ConfigReader db = root.section("database");
    String mode = db.oneOf("mode", Set.of("embedded", "external"));
    Database database = new Database(
      mode.equals("embedded"),
      db.nonEmpty("host"),
      db.integer("port", 1, 65535),
      db.nonEmpty("name"),
      db.nonEmpty("user"),
      db.string("password"),
      db.integer("pool-size", 1, 512),
      db.oneOf("ssl-mode", Set.of("disable", "require", "verify-ca", "verify-full")),
      db.section("embedded").integer("port", 0, 65535));

    ConfigReader sec = root.section("security");
    String keyText = sec.string("secret-encryption-key");
    byte[] key = keyText.isEmpty() ? null : decodeKey(sec.key("secret-encryption-key"), keyText);
    if (key == null && !database.embedded()) {
      throw new ConfigException(sec.key("secret-encryption-key"),
        "is required with an external database (base64 of 32 random bytes: openssl rand -base64 32)");
    }
    Security security = new Security(key, sec.integer("token-ttl-seconds", 60, 86_400));

    ConfigReader api = root.section("api");
    int maxPage = api.integer("max-page-size", 1, 1000);
    Api apiConfig = new Api(
      api.integer("default-page-size", 1, maxPage),
      maxPage,
      api.integer("partner-rate-limit-per-second", 1, 1_000_000),
      api.integer("partner-rate-limit-burst", 1, 1_000_000));

    ConfigReader in = root.section("ingest");
    Ingest ingest = new Ingest(in.integer("max-batch", 1, 10_000),
      in.integer("max-event-bytes", 1024, 16 * 1024 * 1024),
      in.integer("commit-wait-ms", 0, 100));

    Delivery delivery = delivery(root.section("delivery"));
    if (httpConfig.requestTimeout().toMillis() <= delivery.requestTimeoutMs() + delivery.connectTimeoutMs()) {
      throw new ConfigException(http.key("request-timeout"), "must exceed delivery.request-timeout-ms plus"
        + " delivery.connect-timeout-ms: ping and test wait that long for the endpoint");
    }
    return new HookgateConfig(
      adminKey,
      Path.of(root.nonEmpty("data-dir")),
      httpConfig,
      database,
      security,
      apiConfig,
      Path.of(root.nonEmpty("event-types-file")),
      Path.of(root.nonEmpty("dialects-file")),
      ingest,
      delivery,
      cluster(root.section("cluster")),
      retention(root.section("retention")),
      logging(root.section("logging")),
      tracing(root.section("tracing")),
      root.duration("reload-interval"));
  }

  private static Retention retention(ConfigReader r) {
    Duration interval = r.duration("partition-interval");
    if (interval.compareTo(Duration.ofMinutes(1)) < 0 || interval.toMillis() % 1000 != 0) {
      throw new ConfigException(r.key("partition-interval"), "must be at least 1m, in whole seconds");
    }
    Duration history = r.duration("history");
    // Ingest looks for repeated events in the partition before the one it writes: that one must still be
    // there for as long as the next one is written.
    if (!history.isZero() && history.compareTo(interval.multipliedBy(2)) < 0) {
      throw new ConfigException(r.key("history"),
        "must be 0 (keep forever) or at least twice retention.partition-interval");
    }
    Duration statsInterval = r.duration("stats-partition-interval");
    if (statsInterval.compareTo(Duration.ofHours(1)) < 0 || statsInterval.toMillis() % 3_600_000 != 0) {
      throw new ConfigException(r.key("stats-partition-interval"), "must be whole hours, at least 1h");
    }
    Duration stats = r.duration("stats");
    if (!stats.isZero() && stats.compareTo(statsInterval) < 0) {
      throw new ConfigException(r.key("stats"), "must be 0 (keep forever) or at least retention.stats-partition-interval");
    }
    return new Retention(interval, r.integer("partitions-ahead", 1, 1000), history, stats, statsInterval,
      r.duration("check-interval"), r.duration("lock-timeout"));
  }

  private static Tracing tracing(ConfigReader t) {
    String endpoint = t.nonEmpty("otlp-endpoint");
    if (!endpoint.matches("https?://[^\\s/]+(/\\S*)?")) {
      throw new ConfigException(t.key("otlp-endpoint"), "must be an http(s) URL such as http://otel-collector:4317");
    }
    return new Tracing(t.bool("enabled"), endpoint, t.oneOf("otlp-protocol", Set.of("grpc", "http/protobuf")),
      t.nonEmpty("service-name"), t.decimal("sample-ratio", 0, 1));
  }

  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  private static Logging logging(ConfigReader l) {
    Map<String, String> levels = new java.util.LinkedHashMap<>();
    l.mapping("levels").forEach((logger, level) -> {
      if (!logger.matches("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*")) {
        throw new ConfigException(l.key("levels") + "." + logger, "is not a logger name (e.g. io.hookgate.engine, or ROOT)");
      }
      String upper = level.toUpperCase(java.util.Locale.ROOT);
      if (!LEVELS.contains(upper)) {
        throw new ConfigException(l.key("levels") + "." + logger, "must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF"
          + " (got \"" + level + "\")");
      }
      levels.put(logger, upper);
    });
    return new Logging(l.oneOf("format", Set.of("text", "json")), Map.copyOf(levels));
  }

  private static Cluster cluster(ConfigReader c) {
    return new Cluster(
      c.bool("enabled"),
      Path.of(c.nonEmpty("config-file")),
      c.nonEmpty("name"),
      c.nonEmpty("host"),
      c.integer("port", 1, 65535),
      c.integer("event-bus-port", 0, 65535),
      c.strings("members"),
      c.string("kubernetes-service-dns"),
      c.duration("drain-timeout"),
      tls(c.section("tls")));
  }

  private static Tls tls(ConfigReader t) {
    if (!t.bool("enabled")) {
      return null;
    }
    Tls tls = new Tls(Path.of(t.nonEmpty("cert-file")), Path.of(t.nonEmpty("key-file")),
      Path.of(t.nonEmpty("ca-file")));
    for (String key : List.of("cert-file", "key-file", "ca-file")) {
      Path file = Path.of(t.string(key));
      if (!java.nio.file.Files.isReadable(file)) {
        throw new ConfigException(t.key(key), "cannot read " + file.toAbsolutePath());
      }
    }
    return tls;
  }

  private static Delivery delivery(ConfigReader d) {
    List<Duration> schedule = d.durations("retry-schedule");
    List<String> networks = d.strings("allowed-private-networks");
    for (int i = 0; i < networks.size(); i++) {
      if (!Cidr.valid(networks.get(i))) {
        throw new ConfigException(d.key("allowed-private-networks") + "[" + i + "]",
          "must be a CIDR such as 127.0.0.0/8 or fd00::/8 (got \"" + networks.get(i) + "\")");
      }
    }
    int maxInFlight = d.integer("max-in-flight", 1, 1_000_000);
    Duration lease = d.duration("lease");
    int requestTimeout = d.integer("request-timeout-ms", 100, 600_000);
    if (lease.toMillis() < 2L * requestTimeout) {
      throw new ConfigException(d.key("lease"), "must be at least twice delivery.request-timeout-ms, so a slow"
        + " attempt is not re-sent while it is still running");
    }
    ConfigReader b = d.section("circuit-breaker");
    ConfigReader a = d.section("auto-disable");
    return new Delivery(
      d.integer("connect-timeout-ms", 100, 120_000),
      requestTimeout,
      schedule,
      d.decimal("retry-jitter", 0, 1),
      d.duration("max-retry-after"),
      maxInFlight,
      d.integer("max-in-flight-per-endpoint", 1, maxInFlight),
      lease,
      d.integer("endpoint-rate-limit-per-second", 0, 1_000_000),
      d.integer("max-queued", 0, 1_000_000),
      d.integer("scheduler-interval-ms", 10, 60_000),
      d.integer("scheduler-batch", 1, 10_000),
      d.integer("response-body-max-bytes", 0, 1_048_576),
      d.nonEmpty("user-agent"),
      d.bool("require-https"),
      networks,
      new Breaker(b.integer("failure-threshold", 1, 10_000), b.duration("reset-timeout")),
      new AutoDisable(a.integer("after-exhausted-deliveries", 1, 1_000_000),
        a.duration("after-failing-for")));
  }

  private static byte[] decodeKey(String key, String text) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "must be base64 (of 32 random bytes)");
    }
    if (raw.length != 32) {
      throw new ConfigException(key, "must decode to 32 bytes for AES-256 (got " + raw.length + ")");
    }
    return raw;
  }

  public HookgateConfig withAdminKey(String key) {
    return new HookgateConfig(key, dataDir, http, database, security, api, eventTypesFile, dialectsFile, ingest, delivery,
      cluster, retention, logging, tracing, reloadInterval);
  }

  public HookgateConfig withSecretEncryptionKey(byte[] key) {
    return new HookgateConfig(adminKey, dataDir, http, database,
      new Security(key, security.tokenTtlSeconds()), api, eventTypesFile, dialectsFile, ingest, delivery, cluster,
      retention, logging, tracing, reloadInterval);
  }

  /** The same configuration with clustering switched on (the --cluster flag). */
  public HookgateConfig clustered() {
    return new HookgateConfig(adminKey, dataDir, http, database, security, api, eventTypesFile, dialectsFile, ingest, delivery,
      cluster.on(), retention, logging, tracing, reloadInterval);
  }

  public HookgateConfig withDatabase(Database db) {
    return new HookgateConfig(adminKey, dataDir, http, db, security, api, eventTypesFile, dialectsFile, ingest, delivery, cluster,
      retention, logging, tracing, reloadInterval);
  }

  /**
   * This configuration with the parts that may change while the node runs taken from {@code reloaded}: the
   * delivery tunables, the partner API's rate and the log levels ({@link ConfigReload} says which keys those
   * are; {@code reloaded} holds this configuration's values for every other key).
   */
  public HookgateConfig withLive(HookgateConfig reloaded) {
    return new HookgateConfig(adminKey, dataDir, http, database, security, reloaded.api, eventTypesFile, dialectsFile, ingest,
      reloaded.delivery, cluster, retention, reloaded.logging, tracing, reloadInterval);
  }
}
