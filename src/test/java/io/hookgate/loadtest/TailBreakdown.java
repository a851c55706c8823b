package io.hookgate.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a latency window's slowest events spent their time. Each event's end-to-end latency (intended
 * send → the sink's receipt) is cut in four at the instants the generator and the gateway record:
 * <ul>
 *   <li>{@code generator_late}: until the generator handed the request to its HTTP client (its event
 *   loop busy, or its process waiting for a core);</li>
 *   <li>{@code to_write}: from there until the gateway began writing the event (its {@code received_at}):
 *   loopback, the HTTP request, waiting in the ingest writer's queue and its commit wait;</li>
 *   <li>{@code write_to_send}: from there until the attempt was sent (the receipt less the attempt's
 *   {@code duration_ms}): the statement, the commit's fsync, the hand-over to a dispatcher, a connection;</li>
 *   <li>{@code attempt}: the attempt's {@code duration_ms}, send → response at the gateway, the sink's
 *   receipt and signature check inside it.</li>
 * </ul>
 * The slowest 1 % of receipts (at most {@link #SAMPLES}, spread evenly over them) are compared with as many
 * spread evenly over the other 99 %, whose records are read back through the admin API after the window.
 * {@code ack} (intended send → 202 at the generator) is reported beside them.
 */
final class TailBreakdown {
  static final int SAMPLES = 150;
  /** The four consecutive stages, then the 202 (which overlaps them). */
  private static final String[] STAGES = {"generator_late", "to_write", "write_to_send", "attempt", "ack"};
  private static final int CONSECUTIVE = 4;

  private TailBreakdown() {
  }

  static JsonObject of(WebClient web, int port, String adminKey, List<Sink.Receipt> receipts,
                       Map<String, Generator.Timing> timings) {
    List<Sink.Receipt> sorted = new ArrayList<>(receipts);
    sorted.sort(Comparator.comparingLong(Sink.Receipt::e2eMs).reversed());
    int tail = Math.max(1, sorted.size() / 100);
    if (sorted.isEmpty()) {
      return new JsonObject().put("receipts", 0);
    }
    return new JsonObject()
      .put("receipts", sorted.size())
      .put("slowest_1_percent", group(web, port, adminKey, spread(sorted.subList(0, tail)), timings))
      .put("other_99_percent", group(web, port, adminKey, spread(sorted.subList(tail, sorted.size())), timings));
  }

  private static List<Sink.Receipt> spread(List<Sink.Receipt> receipts) {
    if (receipts.size() <= SAMPLES) {
      return receipts;
    }
    List<Sink.Receipt> picked = new ArrayList<>(SAMPLES);
    for (int i = 0; i < SAMPLES; i++) {
      picked.add(receipts.get((int) ((long) i * receipts.size() / SAMPLES)));
    }
    return picked;
  }

  private static JsonObject group(WebClient web, int port, String adminKey, List<Sink.Receipt> samples,
                                  Map<String, Generator.Timing> timings) {
    List<long[]> rows = new ArrayList<>();
    int retried = 0;
    int unread = 0;
    Map<String, Integer> largest = new LinkedHashMap<>();
    for (Sink.Receipt r : samples) {
      JsonObject event = get(web, port, adminKey, "/api/v1/events/" + r.id());
      JsonArray deliveries = event == null ? null : event.getJsonArray("deliveries");
      JsonObject delivery = deliveries == null || deliveries.isEmpty() ? null
        : get(web, port, adminKey, "/api/v1/deliveries/" + deliveries.getJsonObject(0).getString("id"));
      Generator.Timing timing = timings.get(r.id());
      if (delivery == null || delivery.getInteger("duration_ms") == null || timing == null) {
        unread++;
        continue;
      }
      if (delivery.getInteger("attempts") > 1) {
        retried++;
        continue;
      }
      long written = OffsetDateTime.parse(event.getString("received_at")).toInstant().toEpochMilli();
      long attempt = delivery.getInteger("duration_ms");
      long[] stages = {timing.lateMs(), written - r.occurredMs() - timing.lateMs(), r.receivedMs() - attempt - written,
        attempt, timing.ackMs()};
      rows.add(stages);
      int top = 0;
      for (int i = 1; i < CONSECUTIVE; i++) {
        top = stages[i] > stages[top] ? i : top;
      }
      largest.merge(STAGES[top], 1, Integer::sum);
    }
    JsonObject group = new JsonObject().put("samples", rows.size()).put("retried", retried).put("unread", unread)
      .put("e2e_ms", percentiles(samples.stream().mapToLong(Sink.Receipt::e2eMs).toArray()));
    for (int i = 0; i < STAGES.length; i++) {
      int stage = i;
      group.put(STAGES[i] + "_ms", percentiles(rows.stream().mapToLong(s -> s[stage]).toArray()));
    }
    return group.put("largest_stage", new JsonObject(new LinkedHashMap<>(largest)));
  }

  /** Median and 90th percentile (nearest rank). */
  private static JsonObject percentiles(long[] values) {
    if (values.length == 0) {
      return null;
    }
    Arrays.sort(values);
    return new JsonObject().put("p50", values[(values.length - 1) / 2]).put("p90", values[(int) ((values.length - 1) * 0.9)]);
  }

  private static JsonObject get(WebClient web, int port, String adminKey, String path) {
    try {
      return LoadTest.await(web.get(port, "127.0.0.1", path).bearerTokenAuthentication(adminKey).send()
        .map(r -> r.statusCode() == 200 ? r.bodyAsJsonObject().getJsonObject("data") : null), 10);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
