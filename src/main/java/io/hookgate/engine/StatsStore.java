package io.hookgate.engine;

import io.hookgate.db.Partitions;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The hourly roll-up of attempt outcomes per subscription ({@code delivery_stats_hourly}): counts, the
 * sum of durations and a histogram of them ({@link DurationBuckets}). Health (the success rate over the
 * last 24 hours) and the partners' stats read it instead of the attempts, so their cost depends on the
 * range asked for, never on how many attempts were made.
 */
public final class StatsStore {
  /** The hourly roll-up, partitioned by hour. */
  public static final Partitions.Table TABLE = new Partitions.Table("delivery_stats_hourly", "hour", "");

  private static final String ADD = """
    INSERT INTO delivery_stats_hourly (subscription_id, hour, success_count, failure_count, duration_ms_sum,
                                       duration_buckets)
    SELECT u.subscription_id, u.hour, u.ok, u.failed, u.duration, u.buckets::bigint[]
      FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
           AS u(subscription_id, hour, ok, failed, duration, buckets)
    ON CONFLICT (subscription_id, hour) DO UPDATE
       SET success_count = delivery_stats_hourly.success_count + excluded.success_count,
           failure_count = delivery_stats_hourly.failure_count + excluded.failure_count,
           duration_ms_sum = delivery_stats_hourly.duration_ms_sum + excluded.duration_ms_sum,
           duration_buckets = (SELECT array_agg(coalesce(a, 0) + coalesce(b, 0) ORDER BY i)
                                 FROM unnest(delivery_stats_hourly.duration_buckets, excluded.duration_buckets)
                                      WITH ORDINALITY AS t(a, b, i))""";
  private static final String SUCCESS_RATES = """
    SELECT subscription_id, 100.0 * sum(success_count) / nullif(sum(success_count + failure_count), 0) AS rate
      FROM delivery_stats_hourly
     WHERE subscription_id = ANY($1) AND hour > now() - interval '24 hours'
     GROUP BY subscription_id""";
  private static final String SERIES = """
    SELECT date_trunc($4, hour) AS period, sum(success_count)::bigint AS ok, sum(failure_count)::bigint AS failed,
           sum(duration_ms_sum)::bigint AS duration
      FROM delivery_stats_hourly
     WHERE subscription_id = $1 AND hour >= date_trunc('hour', $2::timestamptz) AND hour < $3
     GROUP BY 1 ORDER BY 1""";
  private static final String HISTOGRAM = """
    SELECT t.i, sum(t.c)::bigint AS n
      FROM delivery_stats_hourly h, unnest(h.duration_buckets) WITH ORDINALITY AS t(c, i)
     WHERE h.subscription_id = $1 AND h.hour >= date_trunc('hour', $2::timestamptz) AND h.hour < $3
     GROUP BY t.i""";
  private static final String DELETE_OF_SUBSCRIPTIONS = "DELETE FROM delivery_stats_hourly WHERE subscription_id = ANY($1)";

  /** One period of a series: attempts that succeeded and failed, and their durations' sum. */
  public record Period(OffsetDateTime start, long ok, long failed, long durationMsSum) {
  }

  private record Hour(UUID subscription, OffsetDateTime hour) implements Comparable<Hour> {
    @Override
    public int compareTo(Hour o) {
      int c = subscription.compareTo(o.subscription);
      return c != 0 ? c : hour.compareTo(o.hour);
    }
  }

  /** Adds the attempts to their hours, in subscription and hour order (concurrent writers cannot deadlock). */
  Future<Void> add(SqlClient sql, List<Attempt> attempts) {
    if (attempts.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Hour, long[]> sums = new TreeMap<>();
    Map<Hour, long[]> buckets = new HashMap<>();
    for (Attempt a : attempts) {
      Hour key = new Hour(a.job().subscriptionId(), a.startedAt().truncatedTo(ChronoUnit.HOURS));
      long[] s = sums.computeIfAbsent(key, k -> new long[3]);
      s[a.succeeded() ? 0 : 1]++;
      s[2] += a.durationMs();
      buckets.computeIfAbsent(key, k -> new long[DurationBuckets.size()])[DurationBuckets.index(a.durationMs())]++;
    }
    List<Map.Entry<Hour, long[]>> rows = List.copyOf(sums.entrySet());
    return sql.preparedQuery(ADD).execute(io.hookgate.db.Columns.of(rows)
      .uuid(e -> e.getKey().subscription()).timestamp(e -> e.getKey().hour().toInstant())
      .bigint(e -> e.getValue()[0]).bigint(e -> e.getValue()[1]).bigint(e -> e.getValue()[2])
      .text(e -> Arrays.toString(buckets.get(e.getKey())).replace('[', '{').replace(']', '}'))
      .tuple()).mapEmpty();
  }

  /** Each subscription's success rate (%) over the last 24 hours; absent when it made no attempt then. */
  Future<Map<UUID, Double>> successRates(SqlClient sql, List<UUID> subscriptions) {
    return sql.preparedQuery(SUCCESS_RATES).execute(Tuple.of(subscriptions.toArray(UUID[]::new))).map(rows -> {
      Map<UUID, Double> rates = new HashMap<>();
      rows.forEach(row -> {
        if (row.getValue("rate") != null) {
          rates.put(row.getUUID("subscription_id"), row.getDouble("rate"));
        }
      });
      return rates;
    });
  }

  /** The periods (hour or day, as {@code unit} says) of [from, until) that have attempts. */
  public Future<List<Period>> series(SqlClient sql, UUID subscription, OffsetDateTime from, OffsetDateTime until,
                                     String unit) {
    return sql.preparedQuery(SERIES).execute(Tuple.of(subscription, from, until, unit)).map(rows -> {
      List<Period> series = new java.util.ArrayList<>(rows.size());
      for (Row row : rows) {
        series.add(new Period(row.getOffsetDateTime("period"), row.getLong("ok"), row.getLong("failed"),
          row.getLong("duration")));
      }
      return series;
    });
  }

  /** Attempt counts per duration bucket over [from, until). */
  public Future<long[]> histogram(SqlClient sql, UUID subscription, OffsetDateTime from, OffsetDateTime until) {
    return sql.preparedQuery(HISTOGRAM).execute(Tuple.of(subscription, from, until)).map(rows -> {
      long[] counts = new long[DurationBuckets.size()];
      for (Row row : rows) {
        int i = row.getLong("i").intValue() - 1;
        if (i >= 0 && i < counts.length) {
          counts[i] += row.getLong("n");
        }
      }
      return counts;
    });
  }

  public Future<Void> deleteOfSubscriptions(SqlClient sql, List<UUID> subscriptions) {
    return sql.preparedQuery(DELETE_OF_SUBSCRIPTIONS).execute(Tuple.of(subscriptions.toArray(UUID[]::new)))
      .map(RowSet::rowCount).mapEmpty();
  }
}
