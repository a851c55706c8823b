package io.hookgate.partner;

import io.hookgate.support.Receiver;
import io.hookgate.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static io.hookgate.support.Receiver.Reply;
import static io.hookgate.support.Receiver.eventually;
import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

/** Stats from the hourly roll-up, checked against numbers computed independently from the attempts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatsTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass(TestGateway.fastDelivery());
  private Receiver receiver;

  @BeforeAll
  void start() {
    receiver = Receiver.start(gw.vertx());
    receiver.behave(r -> new JsonObject(r.body()).getJsonObject("data").getBoolean("fail", false)
      ? Reply.status(500) : Reply.status(200).withBody("fine").withHeader("x", "y"));
  }

  @AfterAll
  void stop() {
    receiver.close();
  }

  private JsonObject stats(String token, String id, String query) {
    HttpResponse<Buffer> response = gw.send(GET, "/api/partner/v1/webhooks/" + id + "/stats" + query, token, null);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonObject("data");
  }

  @Test
  void totalsMatchTheAttemptsCountedIndependently() {
    String token = gw.partnerToken("stats-app");
    String id = gw.subscribe(token, receiver.url(), "order.created").getString("id");
    UUID sub = UUID.fromString(id);
    for (int i = 0; i < 6; i++) {
      gw.ingest(TestGateway.event("order.created", new JsonObject().put("fail", false)));
    }
    for (int i = 0; i < 2; i++) {
      gw.ingest(TestGateway.event("order.created", new JsonObject().put("fail", true)));
    }
    eventually(() -> gw.count("SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status IN ('success', 'failed')",
      sub) == 8, 15_000, "every delivery to finish");
    eventually(() -> gw.count("SELECT coalesce(sum(success_count + failure_count), 0) FROM delivery_stats_hourly"
      + " WHERE subscription_id = $1", sub) == 12, 5_000, "the roll-up to catch up");

    Row truth = gw.query("SELECT count(*) FILTER (WHERE failure_reason IS NULL), count(*) FILTER (WHERE failure_reason IS NOT NULL),"
      + " avg(duration_ms), percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM attempts WHERE subscription_id = $1", sub)
      .iterator().next();
    long ok = truth.getLong(0);
    long failed = truth.getLong(1);
    assertThat(ok).isEqualTo(6);
    assertThat(failed).isEqualTo(6);

    String today = LocalDate.now(ZoneOffset.UTC).toString();
    JsonObject day = stats(token, id, "?from_date=" + today + "&to_date=" + today);
    assertThat(day.getString("webhook_id")).isEqualTo(id);
    assertThat(day.getLong("total_deliveries")).isEqualTo(ok + failed);
    assertThat(day.getLong("success_count")).isEqualTo(ok);
    assertThat(day.getLong("failed_count")).isEqualTo(failed);
    assertThat(day.getDouble("success_rate")).isEqualTo(50.0);
    assertThat(day.getDouble("avg_duration_ms")).isCloseTo(truth.getNumeric(2).doubleValue(), org.assertj.core.data.Offset.offset(0.051));
    long exactP95 = truth.getInteger(3);
    assertThat(day.getLong("p95_duration_ms")).isBetween(exactP95, Math.round(exactP95 * 1.1) + 1);
    assertThat(day.getString("granularity")).isEqualTo("hour");
    JsonArray series = day.getJsonArray("series");
    assertThat(series).hasSize(24);
    assertThat(series.stream().mapToLong(p -> ((JsonObject) p).getLong("total_deliveries")).sum()).isEqualTo(12);
    assertThat(series.stream().filter(p -> ((JsonObject) p).getLong("total_deliveries") == 0)
      .allMatch(p -> ((JsonObject) p).getValue("success_rate") == null)).isTrue();

    JsonObject week = stats(token, id, "");
    assertThat(week.getString("granularity")).isEqualTo("day");
    assertThat(week.getLong("total_deliveries")).isEqualTo(12);
    assertThat(week.getJsonArray("series").stream().mapToLong(p -> ((JsonObject) p).getLong("total_deliveries")).sum()).isEqualTo(12);

    JsonObject past = stats(token, id, "?from_date=2020-01-01&to_date=2020-01-31");
    assertThat(past.getLong("total_deliveries")).isZero();
    assertThat(past.getValue("success_rate")).isNull();
    assertThat(past.getValue("p95_duration_ms")).isNull();
    assertThat(past.getJsonArray("series")).hasSize(31);

    JsonObject health = gw.send(GET, "/api/partner/v1/webhooks/" + id, token, null).bodyAsJsonObject().getJsonObject("data")
      .getJsonObject("health_status");
    assertThat(health.getDouble("success_rate")).isEqualTo(50.0);

    for (String bad : List.of("?from_date=nope", "?from_date=2024-02-01&to_date=2024-01-01", "?from_date=2020-01-01&to_date=2024-01-01")) {
      assertThat(gw.send(GET, "/api/partner/v1/webhooks/" + id + "/stats" + bad, token, null).statusCode()).as(bad).isEqualTo(400);
    }
  }

  /**
   * A year of roll-ups standing for about a million attempts: the stats read 8,760 hourly rows, not a
   * million attempts, and add them up right.
   */
  @Test
  void aYearOfAMillionAttemptsIsSummedFromTheRollUp() {
    String token = gw.partnerToken("busy-app");
    String id = gw.subscribe(token, receiver.url(), "inventory.updated").getString("id");
    UUID sub = UUID.fromString(id);
    // 114 attempts an hour: 100 succeed in 40 ms (bucket of 40), 14 fail in 900 ms.
    gw.query("""
      INSERT INTO delivery_stats_hourly (subscription_id, hour, success_count, failure_count, duration_ms_sum, duration_buckets)
      SELECT $1, h, 100, 14, 100 * 40 + 14 * 900, $2::text::bigint[]
        FROM generate_series(date_trunc('hour', now()) - interval '8759 hours', date_trunc('hour', now()), interval '1 hour') AS h""",
      sub, buckets());
    JsonObject year = stats(token, id, "?from_date=" + LocalDate.now(ZoneOffset.UTC).minusDays(365) + "&to_date="
      + LocalDate.now(ZoneOffset.UTC));
    assertThat(year.getLong("total_deliveries")).isEqualTo(8760L * 114);
    assertThat(year.getLong("success_count")).isEqualTo(876_000L);
    assertThat(year.getLong("failed_count")).isEqualTo(8760L * 14);
    assertThat(year.getDouble("success_rate")).isEqualTo(87.72);
    assertThat(year.getDouble("avg_duration_ms")).isEqualTo(145.6);
    // 87.7 % took 40 ms, the rest 900 ms: the 95th percentile is in the 900 ms bucket.
    assertThat(year.getLong("p95_duration_ms")).isBetween(900L, 990L);
    assertThat(year.getJsonArray("series")).hasSizeBetween(366, 367);
  }

  private static String buckets() {
    long[] counts = new long[io.hookgate.engine.DurationBuckets.size()];
    counts[io.hookgate.engine.DurationBuckets.index(40)] = 100;
    counts[io.hookgate.engine.DurationBuckets.index(900)] = 14;
    return java.util.Arrays.toString(counts).replace('[', '{').replace(']', '}');
  }
}
