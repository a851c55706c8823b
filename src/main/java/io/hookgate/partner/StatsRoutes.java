package io.hookgate.partner;

import io.hookgate.engine.DurationBuckets;
import io.hookgate.auth.Partner;
import io.hookgate.http.ApiError;
import io.hookgate.http.DateParams;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /webhooks/{id}/stats?from_date=&to_date=}: attempt totals, success rate, average and p95
 * duration, and a per-hour (ranges up to two days) or per-day series with empty periods filled, ready
 * to plot. Everything is read from the hourly roll-up, so the cost depends on the range, never on how
 * many attempts were recorded.
 */
public final class StatsRoutes {
  private static final String NOT_FOUND = "Webhook subscription not found";
  private static final Duration MAX_RANGE = Duration.ofDays(366);
  static final String SERIES = """
    SELECT date_trunc($4, hour) AS period, sum(success_count)::bigint AS ok, sum(failure_count)::bigint AS failed,
           sum(duration_ms_sum)::bigint AS duration
      FROM delivery_stats_hourly
     WHERE subscription_id = $1 AND hour >= date_trunc('hour', $2::timestamptz) AND hour < $3
     GROUP BY 1 ORDER BY 1""";
  static final String HISTOGRAM = """
    SELECT t.i, sum(t.c)::bigint AS n
      FROM delivery_stats_hourly h, unnest(h.duration_buckets) WITH ORDINALITY AS t(c, i)
     WHERE h.subscription_id = $1 AND h.hour >= date_trunc('hour', $2::timestamptz) AND h.hour < $3
     GROUP BY t.i""";

  private final Pool pool;
  private final SubscriptionStore subscriptions;

  public StatsRoutes(Pool pool, SubscriptionStore subscriptions) {
    this.pool = pool;
    this.subscriptions = subscriptions;
  }

  public void mount(Operations ops) {
    ops.on("getWebhookStats", this::stats);
  }

  private void stats(RoutingContext ctx) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    OffsetDateTime until = DateParams.until("to_date", ctx.request().getParam("to_date"));
    until = until == null ? now : until;
    OffsetDateTime from = DateParams.from("from_date", ctx.request().getParam("from_date"));
    from = from == null ? until.minusDays(7) : from;
    if (!until.isAfter(from)) {
      throw ApiError.invalidField("to_date", "must be after from_date");
    }
    if (Duration.between(from, until).compareTo(MAX_RANGE) > 0) {
      throw ApiError.invalidField("from_date", "the range may span at most 366 days");
    }
    boolean hourly = Duration.between(from, until).compareTo(Duration.ofHours(48)) <= 0;
    OffsetDateTime start = from;
    OffsetDateTime end = until;
    Future<JsonObject> stats = subscriptions.get(id, Partner.of(ctx).applicationId()).compose(s -> {
      if (s == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      Tuple args = Tuple.of(id, start, end, hourly ? "hour" : "day");
      Future<io.vertx.sqlclient.RowSet<Row>> series = pool.preparedQuery(SERIES).execute(args);
      Future<io.vertx.sqlclient.RowSet<Row>> histogram = pool.preparedQuery(HISTOGRAM).execute(Tuple.of(id, start, end));
      return Future.all(series, histogram).map(done -> build(id, start, end, hourly, series.result(), histogram.result()));
    });
    Responses.reply(ctx, 200, stats);
  }

  private static JsonObject build(UUID id, OffsetDateTime from, OffsetDateTime until, boolean hourly,
                                  Iterable<Row> seriesRows, Iterable<Row> histogramRows) {
    Map<OffsetDateTime, long[]> byPeriod = new HashMap<>();
    long ok = 0;
    long failed = 0;
    long duration = 0;
    for (Row row : seriesRows) {
      long[] v = {row.getLong("ok"), row.getLong("failed"), row.getLong("duration")};
      byPeriod.put(row.getOffsetDateTime("period").withOffsetSameInstant(ZoneOffset.UTC), v);
      ok += v[0];
      failed += v[1];
      duration += v[2];
    }
    long[] buckets = new long[DurationBuckets.size()];
    for (Row row : histogramRows) {
      int i = row.getLong("i").intValue() - 1;
      if (i >= 0 && i < buckets.length) {
        buckets[i] += row.getLong("n");
      }
    }
    ChronoUnit unit = hourly ? ChronoUnit.HOURS : ChronoUnit.DAYS;
    JsonArray series = new JsonArray();
    for (OffsetDateTime p = from.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(unit); p.isBefore(until); p = p.plus(1, unit)) {
      long[] v = byPeriod.getOrDefault(p, new long[3]);
      series.add(point(new JsonObject().put("period_start", Json.timestamp(p)), v[0], v[1], v[2]));
    }
    return point(new JsonObject()
        .put("webhook_id", id.toString())
        .put("from", Json.timestamp(from))
        .put("to", Json.timestamp(until))
        .put("granularity", hourly ? "hour" : "day"), ok, failed, duration)
      .put("p95_duration_ms", DurationBuckets.quantile(buckets, 0.95))
      .put("series", series);
  }

  /** Totals of attempts: {@code total_deliveries} counts every attempt, successful or not. */
  private static JsonObject point(JsonObject into, long ok, long failed, long durationSum) {
    long total = ok + failed;
    return into
      .put("total_deliveries", total)
      .put("success_count", ok)
      .put("failed_count", failed)
      .put("success_rate", total == 0 ? null : Math.round(10_000.0 * ok / total) / 100.0)
      .put("avg_duration_ms", total == 0 ? null : Math.round(10.0 * durationSum / total) / 10.0);
  }
}
