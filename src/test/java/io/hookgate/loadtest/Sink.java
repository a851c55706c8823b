package io.hookgate.loadtest;

import com.standardwebhooks.Webhook;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Recorder;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A webhook receiver for the load test: verifies every signature with the Standard Webhooks library,
 * records end-to-end latency (event occurred_at → receipt) in an HdrHistogram, and remembers every
 * event id it saw (for the loss and duplicate check). It can be told to be slow, to fail a fraction
 * of requests, or to be dead (hold every request open).
 */
final class Sink {
  enum Mode { OK, SLOW, FLAKY, DEAD }

  private static final List<String> SIGNED_HEADERS = List.of("webhook-id", "webhook-timestamp", "webhook-signature");
  private static final String CREATED_AT = "\"created_at\":\"";
  private static final long MAX_RECEIPTS = 2_000_000;

  private final Vertx vertx;
  private final HttpServer server;
  private volatile Webhook verifier;
  private volatile Mode mode = Mode.OK;
  private volatile long slowMs;
  private volatile double failFraction;
  final Recorder latency = new Recorder(3);
  final Set<String> seen;
  final AtomicLong received = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong badSignatures = new AtomicLong();
  /** Every first receipt while {@link #keepReceipts} is on (at most {@link #MAX_RECEIPTS}), for {@link TailBreakdown}. */
  final Queue<Receipt> receipts = new ConcurrentLinkedQueue<>();
  private final AtomicLong receiptCount = new AtomicLong();
  private volatile boolean keeping;

  /** An event's first arrival: its intended send time (the envelope's created_at) and when it arrived, ms. */
  record Receipt(String id, long occurredMs, long receivedMs) {
    long e2eMs() {
      return receivedMs - occurredMs;
    }
  }

  private Sink(Vertx vertx, HttpServer server, int expectedIds) {
    this.vertx = vertx;
    this.server = server;
    this.seen = ConcurrentHashMap.newKeySet(expectedIds);
  }

  /**
   * {@code expectedIds}: about how many events it will receive. The id set is sized for them up front: growing
   * a set of a million ids copies it all at once, a burst of CPU the gateway's latency would show.
   */
  static Future<Sink> start(Vertx vertx, int expectedIds) {
    Sink[] holder = new Sink[1];
    return vertx.createHttpServer().requestHandler(r -> holder[0].handle(r)).listen(0, "127.0.0.1")
      .map(server -> holder[0] = new Sink(vertx, server, expectedIds));
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/hooks";
  }

  void secret(String secret) {
    this.verifier = new Webhook(secret);
  }

  /** From now on, remembers each event's first receipt (the measured window of a latency scenario). */
  void keepReceipts() {
    receipts.clear();
    receiptCount.set(0);
    keeping = true;
  }

  void mode(Mode mode, long slowMs, double failFraction) {
    this.mode = mode;
    this.slowMs = slowMs;
    this.failFraction = failFraction;
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      if (mode == Mode.DEAD) {
        return;
      }
      long now = System.currentTimeMillis();
      received.incrementAndGet();
      String text = body.toString();
      Map<String, List<String>> headers = new HashMap<>();
      for (String name : SIGNED_HEADERS) {
        String value = request.getHeader(name);
        if (value != null) {
          headers.put(name, List.of(value));
        }
      }
      try {
        verifier.verify(text, headers);
      } catch (Exception e) {
        badSignatures.incrementAndGet();
      }
      String id = request.getHeader("webhook-id");
      if (!seen.add(id)) {
        duplicates.incrementAndGet();
      } else {
        long occurred = OffsetDateTime.parse(createdAt(text)).toInstant().toEpochMilli();
        latency.recordValue(Math.max(0, now - occurred));
        if (keeping && receiptCount.incrementAndGet() <= MAX_RECEIPTS) {
          receipts.add(new Receipt(id, occurred, now));
        }
      }
      if (mode == Mode.FLAKY && ThreadLocalRandom.current().nextDouble() < failFraction) {
        seen.remove(id);
        request.response().setStatusCode(503).end();
      } else if (mode == Mode.SLOW) {
        vertx.setTimer(slowMs, t -> request.response().end("ok"));
      } else {
        request.response().end("ok");
      }
    });
  }

  /** The envelope's created_at (the event's occurred_at), found without parsing the whole body. */
  private static String createdAt(String envelope) {
    int start = envelope.indexOf(CREATED_AT);
    if (start < 0) {
      return new JsonObject(envelope).getString("created_at");
    }
    start += CREATED_AT.length();
    return envelope.substring(start, envelope.indexOf('"', start));
  }

  Future<Void> close() {
    return server.close();
  }
}
