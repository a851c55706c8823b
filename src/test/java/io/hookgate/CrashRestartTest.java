package io.hookgate;

import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.EmbeddedPostgresServer;
import io.hookgate.support.NodeProcess;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default mode after a crash: a gateway in its own JVM, on its embedded PostgreSQL, killed with SIGKILL
 * while its deliveries are in flight. Its PostgreSQL outlives it; the next start on the same data folder
 * stops that server, comes up at the first try, and takes back at once what the dead life left (not a
 * lease later: the lease here is a minute).
 */
@Slow
class CrashRestartTest {
  @TempDir
  Path dataDir;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aKilledGatewayRestartsAtTheFirstTryAndDeliversEverythingItAcknowledged() throws Exception {
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    try (Receiver receiver = Receiver.start(vertx)) {
      int port = freePort();
      JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
      tree.put("admin-key", TestGateway.ADMIN_KEY).put("data-dir", dataDir.toString());
      tree.getJsonObject("http").put("port", port).put("host", "127.0.0.1");
      tree.getJsonObject("delivery").put("lease", "60s").put("allowed-private-networks", new JsonArray().add("127.0.0.0/8"));
      Set<String> acknowledged = new HashSet<>();
      receiver.behave(r -> Reply.hang());

      try (NodeProcess first = NodeProcess.start(tree).awaitRunning(90_000)) {
        JsonObject app = post(client, port, "/api/v1/applications", new JsonObject().put("name", "crash-app"), null);
        String token = TestGateway.await(client.post(port, "127.0.0.1", "/api/partner/v1/oauth/token")
            .sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("grant_type", "client_credentials")
              .add("client_id", app.getString("client_id")).add("client_secret", app.getString("client_secret"))))
          .bodyAsJsonObject().getString("access_token");
        post(client, port, "/api/partner/v1/webhooks", new JsonObject().put("url", receiver.url())
          .put("events", new JsonArray().add("order.created")), token);
        for (int i = 0; i < 20; i++) {
          acknowledged.add(post(client, port, "/api/v1/events", TestGateway.event("order.created",
            new JsonObject().put("i", i)), TestGateway.ADMIN_KEY).getString("id"));
        }
        // Every delivery is in flight (the receiver holds them): leased, none recorded.
        receiver.awaitCount(20, 20_000);
        first.kill();
      }

      receiver.behave(r -> Reply.status(200));
      int before = receiver.count();
      try (NodeProcess second = NodeProcess.start(tree).awaitRunning(90_000)) {
        assertThat(second.output()).contains("from a previous run still holds");
        eventually(() -> delivered(receiver, before).containsAll(acknowledged), 30_000,
          "every acknowledged event delivered again, well within the minute-long lease");
        second.terminate();
      }
    } finally {
      // Should the test fail between the kill and the second start, the first life's PostgreSQL is still ours.
      EmbeddedPostgresServer.stopLeftover(dataDir.resolve("pg").toAbsolutePath());
      TestGateway.await(vertx.close());
    }
  }

  private static Set<String> delivered(Receiver receiver, int after) {
    return receiver.received().stream().skip(after).map(r -> r.header("webhook-id")).collect(Collectors.toSet());
  }

  private static JsonObject post(WebClient client, int port, String path, JsonObject body, String bearer) {
    var request = client.post(port, "127.0.0.1", path);
    request.bearerTokenAuthentication(bearer == null ? TestGateway.ADMIN_KEY : bearer);
    HttpResponse<Buffer> response = TestGateway.await(request.sendJsonObject(body));
    assertThat(response.statusCode()).as(path + ": " + response.bodyAsString()).isBetween(200, 299);
    return response.bodyAsJsonObject().getJsonObject("data");
  }
}
