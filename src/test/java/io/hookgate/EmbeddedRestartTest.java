package io.hookgate;

import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.support.Slow;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.SqlClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The default mode: PostgreSQL from the Maven jars, data under data-dir, durable, kept across restarts. */
@Slow
class EmbeddedRestartTest {
  @TempDir
  Path dataDir;

  private Vertx vertx;
  private WebClient client;

  @BeforeEach
  void client() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void close() {
    TestGateway.await(vertx.close());
  }

  private HookgateConfig config() {
    JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
    tree.put("admin-key", TestGateway.ADMIN_KEY).put("data-dir", dataDir.toString());
    tree.getJsonObject("http").put("port", 0).put("host", "127.0.0.1").put("instances", 1);
    return HookgateConfig.from(tree);
  }

  @Test
  void aRestartKeepsDataAndTheServerIsDurable() {
    String appId;
    try (Hookgate first = Hookgate.start(config())) {
      HttpResponse<Buffer> created = TestGateway.await(client.post(first.port(), "127.0.0.1", "/api/v1/applications")
        .bearerTokenAuthentication(TestGateway.ADMIN_KEY).sendJsonObject(new JsonObject().put("name", "survivor")));
      assertThat(created.statusCode()).isEqualTo(201);
      appId = created.bodyAsJsonObject().getJsonObject("data").getString("id");

      PgConnectOptions options = new PgConnectOptions().setHost("localhost").setPort(first.config().database().port())
        .setDatabase("postgres").setUser("postgres");
      SqlClient sql = PgBuilder.client().connectingTo(options).using(vertx).build();
      assertThat(TestGateway.await(sql.query("SHOW fsync").execute()).iterator().next().getString(0)).isEqualTo("on");
      assertThat(TestGateway.await(sql.query("SHOW synchronous_commit").execute()).iterator().next().getString(0)).isEqualTo("on");
      TestGateway.await(sql.close());
    }
    assertThat(Files.isDirectory(dataDir.resolve("pg"))).isTrue();
    assertThat(Files.exists(dataDir.resolve("secret-encryption.key"))).isTrue();

    try (Hookgate second = Hookgate.start(config())) {
      HttpResponse<Buffer> got = TestGateway.await(client.get(second.port(), "127.0.0.1", "/api/v1/applications/" + appId)
        .bearerTokenAuthentication(TestGateway.ADMIN_KEY).send());
      assertThat(got.statusCode()).isEqualTo(200);
      assertThat(got.bodyAsJsonObject().getJsonObject("data").getString("name")).isEqualTo("survivor");
    }
  }
}
