package io.hookgate.config;

import io.hookgate.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {
  private static HookgateConfig load(Map<String, String> env) {
    return HookgateConfig.load(HookgateConfig.DEFAULT_FILE, env);
  }

  @Test
  void theShippedFileLoadsWithItsDocumentedDefaults() {
    HookgateConfig config = load(Map.of());
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.database().embedded()).isTrue();
    assertThat(config.adminKey()).isEmpty();
    assertThat(config.dataDir()).isEqualTo(Path.of("data"));
    assertThat(config.security().secretEncryptionKey()).isNull();
    assertThat(config.api().maxPageSize()).isEqualTo(100);
  }

  /** A short operator file changes what it names; every other key keeps the shipped file's value. */
  @Test
  void keysLeftOutTakeTheShippedValues(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("hookgate.yaml");
    Files.writeString(file, "delivery:\n  lease: 90s\n  circuit-breaker:\n    failure-threshold: 7\n");
    HookgateConfig shipped = load(Map.of());
    HookgateConfig config = HookgateConfig.load(file, Map.of("HOOKGATE_HTTP_PORT", "9191"));

    assertThat(config.delivery().lease()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.delivery().breaker().failureThreshold()).isEqualTo(7);
    assertThat(config.http().port()).isEqualTo(9191);
    assertThat(config.delivery().breaker().resetTimeout()).isEqualTo(shipped.delivery().breaker().resetTimeout());
    assertThat(config.delivery().retrySchedule()).isEqualTo(shipped.delivery().retrySchedule());
    assertThat(config.ingest()).isEqualTo(shipped.ingest());
    assertThat(config.api()).isEqualTo(shipped.api());
  }

  @Test
  void environmentVariablesOverrideEveryKey() {
    Map<String, String> env = new HashMap<>();
    env.put("HOOKGATE_HTTP_PORT", "9090");
    env.put("HOOKGATE_ADMIN_KEY", "an-admin-key-from-the-env");
    env.put("HOOKGATE_DATA_DIR", "/var/lib/hookgate");
    env.put("HOOKGATE_DATABASE_MODE", "external");
    env.put("HOOKGATE_DATABASE_HOST", "db.internal");
    env.put("HOOKGATE_DATABASE_POOL_SIZE", "32");
    env.put("HOOKGATE_DATABASE_SSL_MODE", "verify-full");
    env.put("HOOKGATE_DATABASE_EMBEDDED_PORT", "15432");
    env.put("HOOKGATE_SECURITY_SECRET_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
    env.put("HOOKGATE_API_MAX_PAGE_SIZE", "50");
    env.put("HOOKGATE_EVENT_TYPES_FILE", "/etc/hookgate/event-types.yaml");
    HookgateConfig config = load(env);
    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.adminKey()).isEqualTo("an-admin-key-from-the-env");
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/hookgate"));
    assertThat(config.database().embedded()).isFalse();
    assertThat(config.database().host()).isEqualTo("db.internal");
    assertThat(config.database().poolSize()).isEqualTo(32);
    assertThat(config.database().sslMode()).isEqualTo("verify-full");
    assertThat(config.database().embeddedPort()).isEqualTo(15432);
    assertThat(config.security().secretEncryptionKey()).hasSize(32);
    assertThat(config.api().maxPageSize()).isEqualTo(50);
    assertThat(config.eventTypesFile()).isEqualTo(Path.of("/etc/hookgate/event-types.yaml"));
  }

  @Test
  void badValuesNameTheirKey() {
    record Bad(String variable, String value, String key) {
    }
    for (Bad bad : List.of(
      new Bad("HOOKGATE_HTTP_PORT", "eighty", "http.port"),
      new Bad("HOOKGATE_HTTP_PORT", "70000", "http.port"),
      new Bad("HOOKGATE_DATABASE_MODE", "oracle", "database.mode"),
      new Bad("HOOKGATE_DATABASE_POOL_SIZE", "0", "database.pool-size"),
      new Bad("HOOKGATE_DATABASE_SSL_MODE", "maybe", "database.ssl-mode"),
      new Bad("HOOKGATE_ADMIN_KEY", "short", "admin-key"),
      new Bad("HOOKGATE_SECURITY_SECRET_ENCRYPTION_KEY", "not base64!", "security.secret-encryption-key"),
      new Bad("HOOKGATE_SECURITY_SECRET_ENCRYPTION_KEY", "c2hvcnQ=", "security.secret-encryption-key"),
      new Bad("HOOKGATE_SECURITY_TOKEN_TTL_SECONDS", "5", "security.token-ttl-seconds"),
      new Bad("HOOKGATE_API_DEFAULT_PAGE_SIZE", "500", "api.default-page-size"),
      new Bad("HOOKGATE_INGEST_COMMIT_WAIT_MS", "101", "ingest.commit-wait-ms"),
      new Bad("HOOKGATE_INGEST_COMMIT_WAIT_MS", "-1", "ingest.commit-wait-ms"))) {
      assertThatThrownBy(() -> load(Map.of(bad.variable(), bad.value())))
        .as(bad.variable())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(bad.key() + ":");
    }
  }

  @Test
  void anExternalDatabaseNeedsAnEncryptionKey() {
    assertThatThrownBy(() -> load(Map.of("HOOKGATE_DATABASE_MODE", "external")))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith("security.secret-encryption-key:");
  }

  @Test
  void aMissingConfigFileIsReported() {
    assertThatThrownBy(() -> HookgateConfig.load(Path.of("conf/nope.yaml"), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("nope.yaml");
  }

  /** Start-up with a bad value prints one line naming the key and exits non-zero, before touching anything. */
  @Test
  void theGatewayRefusesToStartWithABadValue() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(
      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), Main.class.getName());
    builder.environment().put("HOOKGATE_HTTP_PORT", "not-a-port");
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(stderr.lines()).hasSize(1);
    assertThat(stderr).startsWith("hookgate: invalid configuration: http.port:").contains("not-a-port");
  }
}
