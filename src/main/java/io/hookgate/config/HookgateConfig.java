package io.hookgate.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Base64;
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
  Path eventTypesFile) {

  public static final Path DEFAULT_FILE = Path.of("conf", "hookgate.yaml");

  public record Http(String host, int port, int instances, int bodyLimitBytes) {
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

  public static HookgateConfig load(Path file, Map<String, String> env) {
    return from(ConfigSource.load(file, env));
  }

  public static HookgateConfig from(JsonObject tree) {
    ConfigReader root = new ConfigReader(tree, "");
    String adminKey = root.string("admin-key", "");
    if (!adminKey.isEmpty() && adminKey.length() < 16) {
      throw new ConfigException("admin-key", "must be at least 16 characters (or empty to generate one)");
    }

    ConfigReader http = root.section("http");
    Http httpConfig = new Http(
      http.nonEmpty("host", "0.0.0.0"),
      http.integer("port", 8080, 0, 65535),
      http.integer("instances", 0, 0, 256),
      http.integer("body-limit-bytes", 1_048_576, 1024, 64 * 1024 * 1024));

    ConfigReader db = root.section("database");
    String mode = db.oneOf("mode", "embedded", Set.of("embedded", "external"));
    Database database = new Database(
      mode.equals("embedded"),
      db.nonEmpty("host", "localhost"),
      db.integer("port", 5432, 1, 65535),
      db.nonEmpty("name", "hookgate"),
      db.nonEmpty("user", "hookgate"),
      db.string("password", ""),
      db.integer("pool-size", 8, 1, 512),
      db.oneOf("ssl-mode", "disable", Set.of("disable", "require", "verify-ca", "verify-full")),
      db.section("embedded").integer("port", 0, 0, 65535));

    ConfigReader sec = root.section("security");
    String keyText = sec.string("secret-encryption-key", "");
    byte[] key = keyText.isEmpty() ? null : decodeKey(sec.key("secret-encryption-key"), keyText);
    if (key == null && !database.embedded()) {
      throw new ConfigException(sec.key("secret-encryption-key"),
        "is required with an external database (base64 of 32 random bytes: openssl rand -base64 32)");
    }
    Security security = new Security(key, sec.integer("token-ttl-seconds", 3600, 60, 86_400));

    ConfigReader api = root.section("api");
    int maxPage = api.integer("max-page-size", 100, 1, 1000);
    Api apiConfig = new Api(
      api.integer("default-page-size", 20, 1, maxPage),
      maxPage,
      api.integer("partner-rate-limit-per-second", 100, 1, 1_000_000),
      api.integer("partner-rate-limit-burst", 200, 1, 1_000_000));

    return new HookgateConfig(
      adminKey,
      Path.of(root.nonEmpty("data-dir", "data")),
      httpConfig,
      database,
      security,
      apiConfig,
      Path.of(root.nonEmpty("event-types-file", "conf/event-types.yaml")));
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
    return new HookgateConfig(key, dataDir, http, database, security, api, eventTypesFile);
  }

  public HookgateConfig withSecretEncryptionKey(byte[] key) {
    return new HookgateConfig(adminKey, dataDir, http, database,
      new Security(key, security.tokenTtlSeconds()), api, eventTypesFile);
  }

  public HookgateConfig withDatabase(Database db) {
    return new HookgateConfig(adminKey, dataDir, http, db, security, api, eventTypesFile);
  }
}
