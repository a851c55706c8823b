package io.hookgate.loadtest;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Recorder;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pushes events at a target: open-loop at a constant arrival rate (latency measured from each event's
 * intended send time, so a stalled server cannot hide its queueing: no coordinated omission), or
 * closed-loop with a fixed number of requests outstanding ("as fast as it goes"). Bounded by a
 * duration; stops by itself.
 */
final class Generator {
  /**
   * From the event's intended send time, ms: until the request was handed to the HTTP client (the
   * generator's own lateness: its event loop busy, or its process waiting for a core) and until the 202.
   */
  record Timing(int lateMs, int ackMs) {
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final String path;
  private final String authorization;
  private final String padding;
  private final String prefix;
  private final int batch;
  final Recorder ackLatency = new Recorder(3);
  final AtomicLong sent = new AtomicLong();
  final AtomicLong acked = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  /** The id set's initial capacity when the caller gives no estimate (ConcurrentHashMap's own default). */
  private static final int UNSIZED = 16;
  /** Each acknowledged event's timing; its keys are the acked ids. Sized up front (see {@link Sink#start}). */
  final Map<String, Timing> timings;
  final Set<String> ackedIds;
  private final AtomicLong outstanding = new AtomicLong();
  private volatile boolean running;
  /** False once {@link #handOver} gave the connections to a successor. */
  private boolean ownsClient = true;

  Generator(Vertx vertx, int port, String path, String authorization, int eventBytes, int connections, String prefix) {
    this(vertx, port, path, authorization, eventBytes, connections, prefix, 1, UNSIZED);
  }

  /**
   * {@code batch} events per request ({@code {"events": [...]}}) when above 1; rates count events.
   * {@code expectedEvents}: about how many it will send.
   */
  Generator(Vertx vertx, int port, String path, String authorization, int eventBytes, int connections, String prefix,
            int batch, int expectedEvents) {
    this(vertx, vertx.httpClientBuilder()
      // Idle connections are let go before the gateway closes them (a kept-alive connection must bring its next
      // request within http.read-timeout, 20 s), or a request sent as the gateway closes one is reset: a race of
      // the client's making, not an ingest error.
      .with(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true)
        .setKeepAliveTimeout(10))
      .with(new PoolOptions().setHttp1MaxSize(connections))
      .build(), path, authorization, "x".repeat(Math.max(0, eventBytes - 150)), prefix, batch, expectedEvents);
  }

  /** {@code padding}: the envelope's other fields take about 150 bytes; the rest of the event is padding. */
  private Generator(Vertx vertx, HttpClient client, String path, String authorization, String padding, String prefix,
                    int batch, int expectedEvents) {
    this.vertx = vertx;
    this.client = client;
    this.path = path;
    this.authorization = authorization;
    this.padding = padding;
    this.prefix = prefix;
    this.batch = batch;
    this.timings = new ConcurrentHashMap<>(expectedEvents);
    this.ackedIds = timings.keySet();
  }

  /**
   * A generator with counters of its own that sends over this one's connections, open and in use: it
   * starts where this one leaves off, without a burst of new connections. This one's {@link #close}
   * then leaves the connections to it.
   */
  Generator handOver(String prefix, int batch, int expectedEvents) {
    ownsClient = false;
    return new Generator(vertx, client, path, authorization, padding, prefix, batch, expectedEvents);
  }

  /** Open loop: {@code rate} events per second for {@code durationMs}. */
  void openLoop(int rate, long durationMs, int maxOutstanding) {
    running = true;
    long start = System.nanoTime();
    long startMs = System.currentTimeMillis();
    long[] issued = {0};
    long timer = vertx.setPeriodic(1, id -> {
      // Request k is due at k / rate (the first at once): its latency counts from that instant.
      long due = (System.nanoTime() - start) * rate / 1_000_000_000L / batch + 1;
      while (issued[0] < due && running) {
        long intended = startMs + issued[0] * batch * 1000L / rate;
        issued[0]++;
        if (outstanding.get() >= maxOutstanding) {
          skipped.addAndGet(batch);
          continue;
        }
        send(intended);
      }
    });
    vertx.setTimer(durationMs, id -> {
      running = false;
      vertx.cancelTimer(timer);
    });
  }

  /** Closed loop: {@code concurrency} requests outstanding for {@code durationMs}. */
  void closedLoop(int concurrency, long durationMs) {
    running = true;
    for (int i = 0; i < concurrency; i++) {
      loop();
    }
    vertx.setTimer(durationMs, id -> running = false);
  }

  private void loop() {
    if (!running) {
      return;
    }
    send(System.currentTimeMillis()).onComplete(done -> loop());
  }

  private io.vertx.core.Future<Void> send(long intendedMs) {
    outstanding.incrementAndGet();
    int lateMs = (int) Math.max(0, System.currentTimeMillis() - intendedMs);
    java.util.List<String> ids = new java.util.ArrayList<>(batch);
    // Written by hand rather than through JsonObject: the generator shares the cores with what it measures.
    String occurredAt = Instant.ofEpochMilli(intendedMs).toString();
    StringBuilder json = new StringBuilder(batch * (padding.length() + 160) + 16);
    json.append(batch == 1 ? "" : "{\"events\":[");
    for (int i = 0; i < batch; i++) {
      long n = sent.incrementAndGet();
      String id = prefix + "-" + n;
      ids.add(id);
      json.append(i == 0 ? "" : ",").append("{\"id\":\"").append(id)
        .append("\",\"type\":\"order.created\",\"occurred_at\":\"").append(occurredAt)
        .append("\",\"merchant_id\":\"shop-1\",\"data\":{\"order_id\":").append(n)
        .append(",\"padding\":\"").append(padding).append("\"}}");
    }
    Buffer body = Buffer.buffer(json.append(batch == 1 ? "" : "]}").toString());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
      .putHeader("Content-Type", "application/json").putHeader("Authorization", authorization);
    return client.request(options)
      .compose(request -> request.send(body))
      .compose(response -> response.body().map(b -> response.statusCode()))
      .andThen(result -> {
        outstanding.decrementAndGet();
        if (result.succeeded() && result.result() < 300) {
          acked.addAndGet(ids.size());
          int ms = (int) Math.max(0, System.currentTimeMillis() - intendedMs);
          Timing timing = new Timing(lateMs, ms);
          ids.forEach(id -> timings.put(id, timing));
          ackLatency.recordValue(ms);
        } else {
          errors.addAndGet(ids.size());
        }
      })
      .mapEmpty();
  }

  boolean running() {
    return running || outstanding.get() > 0;
  }

  void close() {
    if (ownsClient) {
      client.close();
    }
  }
}
