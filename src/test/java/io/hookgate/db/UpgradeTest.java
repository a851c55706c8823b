package io.hookgate.db;

import io.hookgate.config.HookgateConfig;
import io.hookgate.subscription.SecretBox;
import io.hookgate.support.Receiver.Reply;
import io.hookgate.support.Receiver;
import io.hookgate.support.Slow;
import io.hookgate.support.TestDatabase;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database from before history was partitioned, holding data, upgraded in place by starting the gateway
 * on it: not a row lost, the old history served as before, and what was due delivered.
 */
@Slow
class UpgradeTest {
  private static final UUID APP = UUID.fromString("00000000-0000-4000-8000-0000000000a1");
  private static final UUID SUB = UUID.fromString("00000000-0000-4000-8000-0000000000b1");
  private static final int EVENTS = 300;

  @Test
  void aPopulatedDatabaseFromBeforePartitioningUpgradesInPlace() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (Receiver receiver = Receiver.start(vertx)) {
      receiver.behave(r -> Reply.status(200));
      HookgateConfig.Database database = TestDatabase.fresh();
      String url = "jdbc:postgresql://" + database.host() + ":" + database.port() + "/" + database.name();
      Flyway.configure().dataSource(url, database.user(), database.password()).locations("classpath:db/migration")
        .target("9").load().migrate();
      Map<String, Long> before;
      try (Connection c = DriverManager.getConnection(url, database.user(), database.password())) {
        populate(c, receiver.url());
        before = counts(c);
      }
      assertThat(before.get("events")).isEqualTo(EVENTS);

      try (TestGateway gw = TestGateway.start(database, TestGateway.fastDelivery())) {
        // Every row is still there, in the first partition of each table (the due deliveries are being
        // attempted meanwhile: those attempts, and the stats they add to, are new rows).
        for (String table : new String[] {"events", "deliveries"}) {
          assertThat(gw.count("SELECT count(*) FROM " + table)).as(table).isEqualTo(before.get(table));
          assertThat(gw.count("SELECT count(*) FROM " + table + "_legacy")).as(table).isEqualTo(before.get(table));
        }
        assertThat(gw.count("SELECT count(*) FROM attempts_legacy WHERE attempt = 1")).isEqualTo(before.get("attempts"));
        assertThat(gw.count("SELECT count(*) FROM delivery_stats_hourly_legacy"))
          .isGreaterThanOrEqualTo(before.get("delivery_stats_hourly"));
        assertThat(gw.count("SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
          + " WHERE c.relname = ANY(ARRAY['events', 'deliveries', 'attempts', 'delivery_stats_hourly'])")).isEqualTo(4);
        assertThat(gw.count("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).isZero();

        // The deliveries that were due go out; the old history reads as before.
        receiver.awaitCount(EVENTS / 10, 15_000);
        eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE status = 'success'") == EVENTS, 15_000,
          "the due deliveries to succeed");
        JsonObject event = gw.admin(HttpMethod.GET, "/api/v1/events/evt_old_7", null).bodyAsJsonObject()
          .getJsonObject("data");
        assertThat(event.getJsonObject("data").getInteger("n")).isEqualTo(7);
        assertThat(event.getJsonArray("deliveries")).hasSize(1);
        JsonArray page = gw.admin(HttpMethod.GET, "/api/v1/deliveries?application_id=" + APP + "&page_size=100", null)
          .bodyAsJsonObject().getJsonArray("data");
        assertThat(page).hasSize(100);
        String oldest = gw.query("SELECT id FROM deliveries ORDER BY created_at LIMIT 1").iterator().next().getUUID(0)
          .toString();
        JsonObject detail = gw.admin(HttpMethod.GET, "/api/v1/deliveries/" + oldest, null).bodyAsJsonObject()
          .getJsonObject("data");
        assertThat(detail.getJsonArray("attempt_history")).isNotEmpty();

        // New history goes into new partitions once the legacy range ends; until then into the legacy one.
        gw.ingest(TestGateway.event("order.created", new JsonObject().put("n", -1)));
        assertThat(gw.count("SELECT count(*) FROM events")).isEqualTo(EVENTS + 1);
      }
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  /**
   * What the gateway wrote before partitioning: an application and its subscription, events received over
   * the last days with their deliveries (most done, every tenth due for a retry) and attempts, and the
   * hourly stats.
   */
  private static void populate(Connection c, String receiverUrl) throws Exception {
    SecretBox box = new SecretBox(Base64.getDecoder().decode(TestGateway.SECRET_ENCRYPTION_KEY));
    try (PreparedStatement app = c.prepareStatement("INSERT INTO applications (id, name, client_id, client_secret_hash,"
      + " scopes) VALUES (?, 'upgraded', 'client-upgraded', '\\x00'::bytea, ARRAY['webhooks:read', 'webhooks:write'])")) {
      app.setObject(1, APP);
      app.executeUpdate();
    }
    try (PreparedStatement sub = c.prepareStatement("INSERT INTO subscriptions (id, application_id, url, events, status,"
      + " secret) VALUES (?, ?, ?, ARRAY['order.created'], 'ACTIVE', ?)")) {
      sub.setObject(1, SUB);
      sub.setObject(2, APP);
      sub.setString(3, receiverUrl);
      sub.setBytes(4, box.seal(SUB, "whsec_" + Base64.getEncoder().encodeToString(new byte[24])));
      sub.executeUpdate();
    }
    try (Statement s = c.createStatement()) {
      s.execute("INSERT INTO events (id, type, occurred_at, received_at, livemode, body, deliveries_count)"
        + " SELECT 'evt_old_' || i, 'order.created', now() - i * interval '10 minutes', now() - i * interval '10 minutes',"
        + " true, json_build_object('id', 'evt_old_' || i, 'type', 'order.created', 'data', json_build_object('n', i))::text, 1"
        + " FROM generate_series(1, " + EVENTS + ") i");
      s.execute("INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, attempts,"
        + " next_attempt_at, last_status_code, created_at, completed_at)"
        + " SELECT gen_random_uuid(), e.id, '" + SUB + "', '" + APP + "', e.type,"
        + " CASE WHEN n % 10 = 0 THEN 'retrying' ELSE 'success' END, 1, now() - interval '1 minute',"
        + " CASE WHEN n % 10 = 0 THEN 503 ELSE 200 END, e.received_at,"
        + " CASE WHEN n % 10 = 0 THEN NULL ELSE e.received_at END"
        + " FROM (SELECT *, (body::json -> 'data' ->> 'n')::int AS n FROM events) e");
      s.execute("INSERT INTO attempts (delivery_id, subscription_id, attempt, created_at, request_headers, response_status,"
        + " duration_ms, failure_reason) SELECT id, subscription_id, 1, created_at, '{}', last_status_code, 12,"
        + " CASE WHEN last_status_code = 503 THEN 'http_503' END FROM deliveries");
      s.execute("INSERT INTO delivery_stats_hourly (subscription_id, hour, success_count, failure_count, duration_ms_sum)"
        + " SELECT subscription_id, date_trunc('hour', created_at), count(*) FILTER (WHERE status = 'success'),"
        + " count(*) FILTER (WHERE status <> 'success'), 12 * count(*) FROM deliveries GROUP BY 1, 2");
    }
  }

  private static Map<String, Long> counts(Connection c) throws Exception {
    Map<String, Long> counts = new java.util.TreeMap<>();
    for (String table : new String[] {"events", "deliveries", "attempts", "delivery_stats_hourly"}) {
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT count(*) FROM " + table)) {
        rows.next();
        counts.put(table, rows.getLong(1));
      }
    }
    return counts;
  }
}
