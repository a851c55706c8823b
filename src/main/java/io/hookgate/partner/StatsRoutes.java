package io.hookgate.partner;

import io.hookgate.auth.Partner;
import io.hookgate.engine.DurationBuckets;
import io.hookgate.engine.StatsStore;
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

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /webhooks/{id}/stats?from_date=&to_date=}: attempt totals, success rate, average and p95
 * duration, and a per-hour (ranges up to two days) or per-day series with empty periods filled, ready
 * to plot. Everything is read from the hourly roll-up, so the cost depends on the range, never on how
 * many attempts were recorded.
 */
final class StatsRoutes {
  private static final String NOT_FOUND = "Webhook subscription not found";
  private static final Duration MAX_RANGE = Duration.ofDays(366);
  private final Pool pool;
  private final SubscriptionStore subscriptions;
  private final StatsStore stats;

  StatsRoutes(Pool pool, SubscriptionStore subscriptions, StatsStore stats) {
    this.pool = pool;
    this.subscriptions = subscriptions;
    this.stats = stats;
  }

  void mount(Operations ops) {
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
    Future<JsonObject> result = subscriptions.get(pool, id, Partner.of(ctx).applicationId()).compose(s -> {
      if (s == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      Future<List<StatsStore.Period>> series = stats.series(pool, id, start, end, hourly ? "hour" : "day");
      Future<long[]> histogram = stats.histogram(pool, id, start, end);
      return Future.all(series, histogram).map(done -> build(id, start, end, hourly, series.result(), histogram.result()));
    });
    Responses.reply(ctx, 200, result);
  }

  private static JsonObject build(UUID id, OffsetDateTime from, OffsetDateTime until, boolean hourly,
                                  List<StatsStore.Period> periods, long[] buckets) {
    Map<OffsetDateTime, long[]> byPeriod = new HashMap<>();
    long ok = 0;
    long failed = 0;
    long duration = 0;
    for (StatsStore.Period p : periods) {
      long[] v = {p.ok(), p.failed(), p.durationMsSum()};
      byPeriod.put(p.start().withOffsetSameInstant(ZoneOffset.UTC), v);
      ok += v[0];
      failed += v[1];
      duration += v[2];
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
