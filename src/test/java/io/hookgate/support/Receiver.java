package io.hookgate.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A real webhook receiver on 127.0.0.1 for tests: records every request (headers, body) and answers
 * as the test's behaviour says (status, headers, delay, or never).
 */
public final class Receiver implements AutoCloseable {
  /** What a request got. {@code delayMs < 0} means never answer (a hung endpoint). */
  public record Reply(int status, String body, Map<String, String> headers, long delayMs) {
    public static Reply status(int status) {
      return new Reply(status, "ok", Map.of(), 0);
    }

    public static Reply hang() {
      return new Reply(0, null, Map.of(), -1);
    }

    public Reply withHeader(String name, String value) {
      Map<String, String> h = new HashMap<>(headers);
      h.put(name, value);
      return new Reply(status, body, h, delayMs);
    }

    public Reply withBody(String text) {
      return new Reply(status, text, headers, delayMs);
    }
  }

  /** A request as received; {@code query} is the raw query string (null when there is none). */
  public record Received(String path, Map<String, List<String>> headers, String body, long receivedAtMs,
                         String query) {
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase());
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The query's parameters, decoded (the first value of each). */
    public Map<String, String> queryParams() {
      Map<String, String> params = new HashMap<>();
      if (query != null) {
        for (String pair : query.split("&")) {
          int eq = pair.indexOf('=');
          String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
          String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
          params.putIfAbsent(name, value);
        }
      }
      return params;
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile Function<Received, Reply> behaviour = r -> Reply.status(200);
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger maxOpen = new java.util.concurrent.atomic.AtomicInteger();

  private Receiver(Vertx vertx, HttpServerOptions options) {
    this.vertx = vertx;
    this.server = TestGateway.await(vertx.createHttpServer(options).requestHandler(this::handle).listen(0, "127.0.0.1"));
  }

  public static Receiver start(Vertx vertx) {
    return new Receiver(vertx, new HttpServerOptions());
  }

  /** A receiver serving https with the given options (e.g. a self-signed certificate). */
  public static Receiver start(Vertx vertx, HttpServerOptions options) {
    return new Receiver(vertx, options);
  }

  private void handle(HttpServerRequest request) {
    maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable finished = () -> {
      if (done.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
    };
    request.response().closeHandler(v -> finished.run());
    request.response().endHandler(v -> finished.run());
    request.body().onSuccess(body -> {
      Map<String, List<String>> headers = new HashMap<>();
      request.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(), k -> new ArrayList<>()).add(h.getValue()));
      Received r = new Received(request.path(), headers, body.toString(), System.currentTimeMillis(), request.query());
      received.add(r);
      Reply reply = behaviour.apply(r);
      if (reply.delayMs() < 0) {
        return;
      }
      Runnable answer = () -> {
        reply.headers().forEach((k, v) -> request.response().putHeader(k, v));
        request.response().setStatusCode(reply.status()).end(reply.body() == null ? "" : reply.body());
      };
      if (reply.delayMs() == 0) {
        answer.run();
      } else {
        vertx.setTimer(reply.delayMs(), id -> answer.run());
      }
    });
  }

  public Receiver behave(Function<Received, Reply> behaviour) {
    this.behaviour = behaviour;
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/hooks";
  }

  public int port() {
    return server.actualPort();
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public int count() {
    return received.size();
  }

  /** The most requests that arrived within any one window of {@code windowMs} (a rate limit's worst second). */
  public int busiest(long windowMs) {
    List<Long> times = received.stream().map(Received::receivedAtMs).sorted().toList();
    int busiest = 0;
    for (int i = 0; i < times.size(); i++) {
      int inWindow = 0;
      for (int j = i; j < times.size() && times.get(j) < times.get(i) + windowMs; j++) {
        inWindow++;
      }
      busiest = Math.max(busiest, inWindow);
    }
    return busiest;
  }

  /** The most requests this receiver held open at once. */
  public int maxConcurrent() {
    return maxOpen.get();
  }

  /** Waits (bounded) until at least {@code n} requests arrived; returns them. */
  public List<Received> awaitCount(int n, long timeoutMs) {
    eventually(() -> received.size() >= n, timeoutMs, "receiver to get " + n + " requests (got " + received.size() + ")");
    return received();
  }

  /** Polls a condition until it holds or the (bounded) time is up; fails with the description. */
  public static void eventually(BooleanSupplier condition, long timeoutMs, String what) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() {
    TestGateway.await(server.close());
  }
}
