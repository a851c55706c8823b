package io.hookgate.loadtest;

import io.hookgate.config.HookgateConfig;
import io.hookgate.db.Migrations;
import io.hookgate.db.Partitions;
import io.hookgate.db.Pools;
import io.hookgate.engine.AttemptStore;
import io.hookgate.engine.DeliveryStatus;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.EventStore;
import io.hookgate.engine.StatsStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The partners' history queries against one day of history and then against {@code days} days, in the same
 * database: latency of each (p50/p99 of repeated runs with random subscriptions and applications) and its
 * plan with the partitions it read. Synthetic rows, written straight into the partitioned tables at
 * {@code perDay} events a day (each one delivery and one attempt), as the gateway lays them out.
 */
final class HistoryQueries {
  private static final int SUBSCRIPTIONS = 500;
  private static final int APPLICATIONS = 50;
  private static final int RUNS = 300;

  private final Vertx vertx;
  private final int days;
  private final int perDay;

  HistoryQueries(Vertx vertx, int days, int perDay) {
    this.vertx = vertx;
    this.days = days;
    this.perDay = perDay;
  }

  JsonObject run() throws Exception {
    Path dir = Files.createTempDirectory("hookgate-history");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true).start()) {
      HookgateConfig.Database db = new HookgateConfig.Database(false, "localhost", pg.getPort(), "postgres", "postgres",
        "", 4, "disable", 0);
      Migrations.apply(db);
      Pool pool = Pools.pool(vertx, db, "history", 4);
      Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
      for (Partitions.Table t : List.of(EventStore.TABLE, DeliveryStore.TABLE, AttemptStore.TABLE)) {
        LoadTest.await(Partitions.ensure(pool, t, Duration.ofDays(1), now.minus(Duration.ofDays(days)),
          now.plus(Duration.ofDays(2))), 600);
      }
      LoadTest.await(Partitions.ensure(pool, StatsStore.TABLE, Duration.ofDays(30), now.minus(Duration.ofDays(days + 30)),
        now.plus(Duration.ofDays(30))), 600);
      JsonObject result = new JsonObject().put("events_per_day", perDay).put("subscriptions", SUBSCRIPTIONS);
      fill(pool, now, 0, 1);
      result.put("one_day", measure(pool, pg.getPort(), now, 1));
      fill(pool, now, 1, days);
      result.put(days + "_days", measure(pool, pg.getPort(), now, days));
      LoadTest.await(pool.close(), 30);
      return result;
    } finally {
      if (Files.exists(dir)) {
        try (var paths = Files.walk(dir)) {
          paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /** Days [from, to) back from now: events, one delivery each (a tenth failed), one attempt each, the stats. */
  private void fill(Pool pool, Instant now, int from, int to) {
    for (int day = from; day < to; day++) {
      Instant end = now.minus(Duration.ofDays(day));
      String at = "'" + end + "'::timestamptz - (i * interval '86400 seconds' / " + perDay + ")";
      String n = String.valueOf(perDay);
      String tag = "d" + day + "_";
      LoadTest.await(pool.query(
        "INSERT INTO events (id, type, merchant_id, occurred_at, received_at, livemode, body, deliveries_count)"
          + " SELECT 'evt_" + tag + "' || i, 'order.created', 'shop-' || (i % 200), " + at + ", " + at + ", true,"
          + " '{\"id\":\"evt_" + tag + "' || i || '\",\"type\":\"order.created\",\"data\":{\"order\":' || i"
          + " || ',\"note\":\"' || repeat('x', 200) || '\"}}', 1 FROM generate_series(1, " + n + ") i").execute(), 600);
      LoadTest.await(pool.query(
        "INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, attempts,"
          + " next_attempt_at, last_status_code, created_at, updated_at, completed_at)"
          + " SELECT " + uuid7(at) + ", 'evt_" + tag + "' || i, " + subscription("i % " + SUBSCRIPTIONS) + ", "
          + application("(i % " + SUBSCRIPTIONS + ") % " + APPLICATIONS) + ", 'order.created',"
          + " CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'success' END, 1, " + at + ", CASE WHEN i % 10 = 0 THEN 500 ELSE"
          + " 200 END, " + at + ", " + at + ", " + at + " FROM generate_series(1, " + n + ") i").execute(), 600);
      LoadTest.await(pool.query(
        "INSERT INTO attempts (delivery_id, subscription_id, attempt, created_at, request_headers, response_status,"
          + " response_headers, response_body, duration_ms, failure_reason)"
          + " SELECT id, subscription_id, 1, created_at + interval '40 milliseconds', '{\"content-type\":"
          + "\"application/json\"}', last_status_code, '{}', 'ok', 40, CASE WHEN status = 'failed' THEN 'http_500' END"
          + " FROM deliveries WHERE created_at > '" + end.minus(Duration.ofDays(1)) + "' AND created_at <= '" + end + "'")
        .execute(), 600);
      LoadTest.await(pool.query(
        "INSERT INTO delivery_stats_hourly (subscription_id, hour, success_count, failure_count, duration_ms_sum)"
          + " SELECT subscription_id, date_trunc('hour', created_at), count(*) FILTER (WHERE status = 'success'),"
          + " count(*) FILTER (WHERE status = 'failed'), 40 * count(*) FROM deliveries"
          + " WHERE created_at > '" + end.minus(Duration.ofDays(1)) + "' AND created_at <= '" + end + "' GROUP BY 1, 2"
          + " ON CONFLICT (subscription_id, hour) DO UPDATE SET success_count = delivery_stats_hourly.success_count"
          + " + excluded.success_count").execute(), 600);
    }
    LoadTest.await(pool.query("VACUUM ANALYZE").execute(), 1200);
  }

  /** A version 7 UUID for the time {@code at}, as the gateway gives deliveries at ingest. */
  private static String uuid7(String at) {
    return "overlay(overlay(overlay(md5(random()::text) placing lpad(to_hex(floor(extract(epoch FROM " + at
      + ") * 1000)::bigint), 12, '0') FROM 1 FOR 12) placing '7' FROM 13 FOR 1) placing '8' FROM 17 FOR 1)::uuid";
  }

  private static String subscription(String n) {
    return "('00000000-0000-4000-8000-' || lpad((" + n + ")::text, 12, '0'))::uuid";
  }

  private static String application(String n) {
    return "('00000000-0000-4000-9000-' || lpad((" + n + ")::text, 12, '0'))::uuid";
  }

  private static UUID subscription(int n) {
    return UUID.fromString(String.format("00000000-0000-4000-8000-%012d", n));
  }

  private static UUID application(int n) {
    return UUID.fromString(String.format("00000000-0000-4000-9000-%012d", n));
  }

  private JsonObject measure(Pool pool, int port, Instant now, int historyDays) {
    DeliveryStore deliveries = new DeliveryStore();
    EventStore events = new EventStore(Duration.ofDays(1));
    AttemptStore attempts = new AttemptStore();
    StatsStore stats = new StatsStore();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    OffsetDateTime until = now.atOffset(ZoneOffset.UTC);
    List<UUID> sample = new ArrayList<>();
    LoadTest.await(pool.query("SELECT id FROM deliveries TABLESAMPLE SYSTEM (1) WHERE created_at > '"
      + now.minus(Duration.ofDays(1)) + "' LIMIT " + RUNS).execute(), 60).forEach(r -> sample.add(r.getUUID(0)));
    List<Query> queries = List.of(
      new Query("newest_of_subscription", () -> deliveries.after(pool, new DeliveryStore.Filter(null,
        subscription(random.nextInt(SUBSCRIPTIONS)), null, null, null, null), null, 20).mapEmpty()),
      new Query("failed_of_application", () -> deliveries.after(pool, new DeliveryStore.Filter(
        application(random.nextInt(APPLICATIONS)), null, List.of(DeliveryStatus.FAILED), null, null, null), null, 20)
        .mapEmpty()),
      new Query("subscription_last_day", () -> deliveries.after(pool, new DeliveryStore.Filter(null,
        subscription(random.nextInt(SUBSCRIPTIONS)), null, null, until.minusDays(1), until), null, 20).mapEmpty()),
      new Query("page_with_total", () -> deliveries.page(pool, new DeliveryStore.Filter(null,
        subscription(random.nextInt(SUBSCRIPTIONS)), null, null, null, null), 20, 0).mapEmpty()),
      new Query("delivery_detail", () -> detail(pool, deliveries, events, attempts,
        sample.get(random.nextInt(sample.size())))),
      new Query("stats_last_day", () -> stats.series(pool, subscription(random.nextInt(SUBSCRIPTIONS)), until.minusDays(1),
        until, "hour").mapEmpty()));
    JsonObject result = new JsonObject().put("history_days", historyDays)
      .put("deliveries", LoadTest.await(pool.query("SELECT count(*) FROM deliveries").execute(), 600).iterator().next()
        .getLong(0));
    JsonObject plans = plans(port, queries, sample.get(0));
    for (Query q : queries) {
      Histogram h = new Histogram(3);
      for (int i = 0; i < RUNS; i++) {
        long start = System.nanoTime();
        LoadTest.await(q.run().get(), 60);
        h.recordValue((System.nanoTime() - start) / 1000);
      }
      result.put(q.name(), new JsonObject().put("p50_ms", h.getValueAtPercentile(50) / 1000.0)
        .put("p99_ms", h.getValueAtPercentile(99) / 1000.0).put("plan", plans.getJsonArray(q.name())));
    }
    return result;
  }

  /** One delivery, read as the partner's detail view reads it: the row, its event's payload, its attempts. */
  private static Future<Void> detail(io.vertx.sqlclient.SqlClient sql, DeliveryStore deliveries, EventStore events,
                                     AttemptStore attempts, UUID id) {
    return deliveries.get(sql, id, null).compose(d -> {
      Instant created = d.createdAt().toInstant();
      return Future.all(events.bodies(sql, Set.of(d.eventId()), created, created),
        attempts.ofDelivery(sql, d.id(), created)).mapEmpty();
    });
  }

  /**
   * Each query's plan as PostgreSQL ran it (auto_explain, sent back as notices on one connection), so the
   * partitions it read show; lines trimmed to the plan's nodes.
   */
  private JsonObject plans(int port, List<Query> queries, UUID delivery) {
    PgConnection conn = LoadTest.await(PgConnection.connect(vertx, new PgConnectOptions().setHost("localhost")
      .setPort(port).setDatabase("postgres").setUser("postgres")), 30);
    List<String> notices = new ArrayList<>();
    conn.noticeHandler(n -> notices.add(n.getMessage()));
    LoadTest.await(conn.query("LOAD 'auto_explain'").execute()
      .compose(v -> conn.query("SET auto_explain.log_min_duration = 0").execute())
      .compose(v -> conn.query("SET auto_explain.log_analyze = on").execute())
      .compose(v -> conn.query("SET auto_explain.log_level = notice").execute())
      .compose(v -> conn.query("SET client_min_messages = notice").execute()), 30);
    JsonObject plans = new JsonObject();
    DeliveryStore deliveries = new DeliveryStore();
    EventStore events = new EventStore(Duration.ofDays(1));
    AttemptStore attempts = new AttemptStore();
    StatsStore stats = new StatsStore();
    OffsetDateTime until = OffsetDateTime.now(ZoneOffset.UTC);
    List<Supplier<Future<Void>>> once = List.of(
      () -> deliveries.after(conn, new DeliveryStore.Filter(null, subscription(7), null, null, null, null), null, 20)
        .mapEmpty(),
      () -> deliveries.after(conn, new DeliveryStore.Filter(application(7), null, List.of(DeliveryStatus.FAILED), null,
        null, null), null, 20).mapEmpty(),
      () -> deliveries.after(conn, new DeliveryStore.Filter(null, subscription(7), null, null, until.minusDays(1), until),
        null, 20).mapEmpty(),
      () -> deliveries.page(conn, new DeliveryStore.Filter(null, subscription(7), null, null, null, null), 20, 0)
        .mapEmpty(),
      () -> detail(conn, deliveries, events, attempts, delivery),
      () -> stats.series(conn, subscription(7), until.minusDays(1), until, "hour").mapEmpty());
    for (int i = 0; i < queries.size(); i++) {
      notices.clear();
      LoadTest.await(once.get(i).get(), 60);
      JsonArray lines = new JsonArray();
      for (String notice : notices) {
        notice.lines().filter(l -> l.contains("Scan") || l.contains("Append") || l.contains("Subplans Removed")
          || l.contains("Limit") || l.contains("Query Text") || l.contains("Sort") || l.contains("Aggregate")
          || l.contains("Nested Loop")).map(String::stripTrailing).forEach(lines::add);
      }
      plans.put(queries.get(i).name(), lines);
    }
    LoadTest.await(conn.close(), 30);
    return plans;
  }

  private record Query(String name, Supplier<Future<Void>> run) {
  }
}
