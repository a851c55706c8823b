package io.hookgate.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.standardwebhooks.Webhook;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import org.HdrHistogram.Recorder;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver for the load test: verifies every signature (Standard Webhooks with its library; the
 * templated dialects as their platforms' partners do, see {@link #DIALECTS}),
 * records end-to-end latency (event occurred_at → receipt) in an HdrHistogram, and remembers every
 * event id it saw (for the loss and duplicate check). It can be told to be slow, to fail a fraction
 * of requests, or to be dead (hold every request open).
 */
final class Sink {
  enum Mode { OK, SLOW, FLAKY, DEAD }

  private static final List<String> SIGNED_HEADERS = List.of("webhook-id", "webhook-timestamp", "webhook-signature");
  private static final String CREATED_AT = "\"created_at\":\"";
  /** Omise's envelope carries the event's time as "created". */
  private static final String CREATED = "\"created\":\"";
  /** The dialects a load test can deliver in (--dialect=): their signature scheme's name. */
  static final List<String> DIALECTS = List.of("standard", "omise", "shopline");
  private static final ObjectMapper SORTED = JsonMapper.builder()
    .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true).build();
  private static final long MAX_RECEIPTS = 2_000_000;

  private final Vertx vertx;
  private final HttpServer server;
  private volatile Webhook verifier;
  private volatile String dialect = "standard";
  private volatile String secret;
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

  static String dialect(String name) {
    if (!DIALECTS.contains(name)) {
      throw new IllegalArgumentException("--dialect must be one of " + DIALECTS + " (got " + name + ")");
    }
    return name;
  }

  void secret(String dialect, String secret) {
    this.dialect = dialect;
    this.secret = secret;
    this.verifier = dialect.equals("standard") ? new Webhook(secret) : null;
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
      if (!verified(request, text, headers)) {
        badSignatures.incrementAndGet();
      }
      // Every dialect carries the event id in X-Hookgate-Event-Id; Standard Webhooks also in webhook-id.
      String id = request.getHeader("x-hookgate-event-id");
      if (!seen.add(id)) {
        duplicates.incrementAndGet();
      } else {
        String at = createdAt(text);
        // Shopline's envelope has no event time: its deliveries count, without a latency.
        long occurred = at == null ? now : OffsetDateTime.parse(at).toInstant().toEpochMilli();
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

  /** The envelope's created_at or created (the event's occurred_at), found without parsing the whole body; or null. */
  private static String createdAt(String envelope) {
    String key = CREATED_AT;
    int start = envelope.indexOf(key);
    if (start < 0) {
      key = CREATED;
      start = envelope.indexOf(key);
    }
    if (start < 0) {
      return null;
    }
    start += key.length();
    return envelope.substring(start, envelope.indexOf('"', start));
  }

  /** Whether the request verifies the way the dialect's partners check it. */
  private boolean verified(HttpServerRequest request, String body, Map<String, List<String>> headers) {
    try {
      switch (dialect) {
        case "standard" -> {
          verifier.verify(body, headers);
          return true;
        }
        case "omise" -> {
          String expected = hex(hmac(Base64.getDecoder().decode(secret),
            request.getHeader("omise-signature-timestamp") + "." + body));
          return List.of(request.getHeader("omise-signature").split(",")).contains(expected);
        }
        default -> {
          String sorted = SORTED.writeValueAsString(SORTED.readValue(body, Object.class));
          String expected = hex(hmac(secret.getBytes(StandardCharsets.UTF_8),
            request.getHeader("x-shopline-developer-event-timestamp") + ":" + sorted));
          return List.of(request.getParam("sign").split(",")).contains(expected);
        }
      }
    } catch (Exception e) {
      return false;
    }
  }

  private static byte[] hmac(byte[] key, String message) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  Future<Void> close() {
    return server.close();
  }
}
