package io.hookgate.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What a soak shows: whether the database levels off once retention starts dropping partitions, and
 * whether throughput and latency stay flat meanwhile, minute by minute.
 */
final class Soak {
  /** History is kept three minutes in one-minute partitions: by the fifth minute, drops keep pace with writes. */
  private static final double RETENTION_REACHED_S = 300;

  private Soak() {
  }

  static JsonObject summary(List<JsonObject> timeline, long durationMs) {
    List<JsonObject> window = timeline.stream().filter(p -> p.getDouble("t_s") * 1000 <= durationMs).toList();
    JsonArray minutes = new JsonArray();
    for (int m = 0; m * 60_000L < durationMs; m++) {
      int minute = m;
      List<JsonObject> points = window.stream().filter(p -> (int) (p.getDouble("t_s") / 60) == minute).toList();
      if (points.isEmpty()) {
        continue;
      }
      minutes.add(new JsonObject()
        .put("minute", minute + 1)
        .put("acked_per_s", Math.round(points.stream().mapToLong(p -> p.getLong("acked_per_s")).average().orElse(0)))
        .put("delivered_per_s", Math.round(points.stream().mapToLong(p -> p.getLong("delivered_per_s")).average()
          .orElse(0)))
        .put("p99_ms_max", points.stream().filter(p -> p.getValue("p99_ms") != null).mapToLong(p -> p.getLong("p99_ms"))
          .max().orElse(0))
        .put("db_mb", points.stream().filter(p -> p.getValue("db_bytes") != null)
          .mapToLong(p -> p.getLong("db_bytes") / 1_048_576).max().orElse(0)));
    }
    List<JsonObject> sized = window.stream().filter(p -> p.getValue("db_bytes") != null).toList();
    JsonObject summary = new JsonObject().put("minutes", minutes);
    if (sized.size() < 2) {
      return summary;
    }
    long first = sized.get(0).getLong("db_bytes");
    // Bytes written per event before retention drops anything: what each event costs the database.
    List<JsonObject> growing = sized.stream().filter(p -> p.getDouble("t_s") <= 170).toList();
    JsonObject lastGrowing = growing.get(growing.size() - 1);
    long ackedMeanwhile = window.stream()
      .filter(p -> p.getDouble("t_s") > sized.get(0).getDouble("t_s") && p.getDouble("t_s") <= lastGrowing.getDouble("t_s"))
      .mapToLong(p -> p.getLong("acked_per_s")).sum();
    summary.put("db_mb_at_start", first / 1_048_576)
      .put("bytes_per_event_written", ackedMeanwhile == 0 ? null
        : Math.round((double) (lastGrowing.getLong("db_bytes") - first) / ackedMeanwhile));
    // The plateau: the database's size once retention keeps pace, first against last third of that time.
    List<JsonObject> steady = sized.stream().filter(p -> p.getDouble("t_s") >= RETENTION_REACHED_S).toList();
    if (steady.size() >= 6) {
      int third = steady.size() / 3;
      double early = steady.subList(0, third).stream().mapToLong(p -> p.getLong("db_bytes")).max().orElse(0);
      double late = steady.subList(steady.size() - third, steady.size()).stream().mapToLong(p -> p.getLong("db_bytes"))
        .max().orElse(0);
      summary.put("plateau_mb_early", Math.round(early / 1_048_576)).put("plateau_mb_late", Math.round(late / 1_048_576))
        .put("plateau_growth_pct", Math.round(1000.0 * (late - early) / early) / 10.0);
    }
    return summary;
  }
}
