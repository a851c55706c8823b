package io.hookgate;

import io.hookgate.config.HookgateConfig;
import io.hookgate.db.DatabaseFailures;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestGateway;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.pgclient.PgException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * External mode with a PostgreSQL of the test's own that goes away: stopped, read-only, frozen. While it
 * is away every request is a 503 {@code unavailable} with Retry-After (never a 500, never a 202 for an
 * event that was not stored), {@code /ready} answers promptly, and when it is back the gateway recovers by
 * itself and delivers everything it acknowledged.
 */
@Slow
class DatabaseOutageTest {
  @TempDir
  Path dir;

  private EmbeddedPostgres start(int port) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg"))
        .setCleanDataDirectory(false);
      if (port > 0) {
        builder.setPort(port);
      }
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sql(EmbeddedPostgres pg, String statement) {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertUnavailable(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
    assertThat(response.getHeader("Retry-After")).isNotBlank();
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unavailable");
  }

  private static HttpResponse<Buffer> ready(TestGateway gw) {
    // Bounded: a probe that hung on a frozen database would fail here rather than wait.
    return TestGateway.await(gw.client().get("/ready").timeout(5_000).send());
  }

  @Test
  void whileTheDatabaseIsAwayRequestsAre503AndNothingAcknowledgedIsLost() throws Exception {
    EmbeddedPostgres pg = start(0);
    int port = pg.getPort();
    HookgateConfig.Database database = new HookgateConfig.Database(false, "localhost", port, "postgres", "postgres", "",
      4, "disable", 0);
    try (TestGateway gw = TestGateway.start(database, TestGateway.fastDelivery(tree ->
           tree.getJsonObject("http").put("request-timeout", "5s")));
         Receiver receiver = Receiver.start(gw.vertx())) {
      String token = gw.partnerToken("outage-app");
      gw.subscribe(token, receiver.url(), "order.created");
      Set<String> acknowledged = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        acknowledged.add(gw.ingest(TestGateway.event("order.created", new JsonObject().put("before", i))).getString("id"));
      }

      // Stopped.
      pg.close();
      for (int i = 0; i < 5; i++) {
        assertUnavailable(gw.admin(HttpMethod.POST, "/api/v1/events",
          TestGateway.event("order.created", new JsonObject()).put("id", "during-outage-" + i)));
      }
      assertUnavailable(gw.admin(HttpMethod.GET, "/api/v1/applications", null));
      assertUnavailable(gw.send(HttpMethod.GET, "/api/partner/v1/webhooks", token, null));
      assertThat(ready(gw).statusCode()).isEqualTo(503);
      assertThat(gw.send(HttpMethod.GET, "/health", null, null).statusCode()).isEqualTo(200);

      // Back on the same port and data: the gateway reconnects by itself.
      pg = start(port);
      EmbeddedPostgres running = pg;
      eventually(() -> ready(gw).statusCode() == 200, 30_000, "the gateway to be ready again");
      for (int i = 0; i < 10; i++) {
        acknowledged.add(gw.ingest(TestGateway.event("order.created", new JsonObject().put("after", i))).getString("id"));
      }

      // Read-only (a standby promoted the wrong way, or an operator's switch): writes are 503, reads still work.
      sql(running, "ALTER SYSTEM SET default_transaction_read_only = on");
      sql(running, "SELECT pg_reload_conf()");
      eventually(() -> gw.admin(HttpMethod.POST, "/api/v1/events", TestGateway.event("order.created", new JsonObject())
        .put("id", "read-only")).statusCode() == 503, 10_000, "writes to be refused as unavailable");
      assertUnavailable(gw.admin(HttpMethod.POST, "/api/v1/events",
        TestGateway.event("order.created", new JsonObject()).put("id", "read-only-2")));
      assertThat(gw.admin(HttpMethod.GET, "/api/v1/applications", null).statusCode()).isEqualTo(200);
      sql(running, "ALTER SYSTEM RESET default_transaction_read_only");
      sql(running, "SELECT pg_reload_conf()");
      eventually(() -> gw.admin(HttpMethod.POST, "/api/v1/events", TestGateway.event("order.created", new JsonObject())
        .put("id", "writable-again")).statusCode() == 202, 10_000, "writes to work again");
      acknowledged.add("writable-again");

      // Frozen (SIGSTOP, as a hung host or a stalled disk looks from outside): /ready still answers, requests
      // are 503 within the request timeout rather than hanging.
      List<ProcessHandle> server = postgresProcesses();
      signal(server, "STOP");
      try {
        assertThat(ready(gw).statusCode()).isEqualTo(503);
        assertUnavailable(TestGateway.await(gw.client().post("/api/v1/events").timeout(15_000)
          .bearerTokenAuthentication(TestGateway.ADMIN_KEY)
          .sendJsonObject(TestGateway.event("order.created", new JsonObject()).put("id", "frozen"))));
      } finally {
        signal(server, "CONT");
      }
      eventually(() -> ready(gw).statusCode() == 200, 30_000, "the gateway to be ready after the freeze");

      // Everything acknowledged arrives; nothing refused was stored (a 503 during a freeze may still have
      // committed once the server woke up: that event is at-least-once, like any retried request).
      eventually(() -> receiver.received().stream().map(r -> r.header("webhook-id")).collect(java.util.stream.Collectors
        .toSet()).containsAll(acknowledged), 30_000, "every acknowledged event to be delivered");
      assertThat(gw.count("SELECT count(*) FROM events WHERE id LIKE 'during-outage-%' OR id LIKE 'read-only%'"))
        .isZero();
    } finally {
      pg.close();
    }
  }

  /** The postmaster of the test's server and its children, from its pid file. */
  private List<ProcessHandle> postgresProcesses() throws IOException {
    long pid = Long.parseLong(Files.readAllLines(dir.resolve("pg").resolve("postmaster.pid")).get(0).trim());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> all = new ArrayList<>();
    all.add(postmaster);
    try (Stream<ProcessHandle> children = postmaster.children()) {
      children.forEach(all::add);
    }
    return all;
  }

  private static void signal(List<ProcessHandle> processes, String signal) throws Exception {
    for (ProcessHandle process : processes) {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }
  }

  /** How failures are told apart, for the states that are hard to bring about in a test (a full disk). */
  @Test
  void databaseStatesThatMeanTryLaterAreUnavailable() {
    for (String state : List.of("53100", "53200", "53300", "08006", "57P01", "57P03", "25006", "40001", "58030")) {
      assertThat(DatabaseFailures.unavailable(new PgException("m", "ERROR", state, null))).as(state).isTrue();
    }
    for (String state : List.of("22021", "23505", "42601", "XX000")) {
      assertThat(DatabaseFailures.unavailable(new PgException("m", "ERROR", state, null))).as(state).isFalse();
    }
    assertThat(DatabaseFailures.refusedValue(new PgException("m", "ERROR", "22021", null))).isTrue();
    assertThat(DatabaseFailures.refusedValue(new PgException("m", "ERROR", "53100", null))).isFalse();
    assertThat(DatabaseFailures.unavailable(new VertxException("Pool closed", true))).isTrue();
    assertThat(DatabaseFailures.unavailable(new IllegalStateException("Client is closed"))).isTrue();
    assertThat(DatabaseFailures.unavailable(new IllegalStateException("a bug"))).isFalse();
  }
}
