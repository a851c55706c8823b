package io.hookgate.delivery;

import io.hookgate.config.HookgateConfig;
import io.hookgate.subscription.SubscriptionIndex;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Consumes delivery jobs from {@value DeliveryJob#ADDRESS} (point-to-point: in a cluster every node
 * takes a share) and makes one attempt per job: subscription state, in-flight bounds and the
 * endpoint's breaker first, then sign, resolve (SSRF guard), POST with timeouts, and hand the outcome
 * to the {@link ResultWriter}. Never blocks its event loop.
 */
public final class Dispatcher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** Everything a dispatcher shares with the other verticles of its node. */
  public record Services(HookgateConfig.Delivery config, SubscriptionIndex index, EndpointBreakers breakers,
                         InFlightLimits limits, ResultWriter writer, EndpointResolver resolver, DeliveryMetrics metrics) {
  }

  private static final class EndpointFailed extends RuntimeException {
    final Attempt attempt;

    EndpointFailed(Attempt attempt) {
      super(attempt.failureReason(), null, false, false);
      this.attempt = attempt;
    }
  }

  private record Response(int status, JsonObject headers, String body) {
  }

  private final Services services;
  private final HookgateConfig.Delivery config;
  private final RetrySchedule schedule;
  private HttpClient client;
  private MessageConsumer<JsonObject> consumer;

  public Dispatcher(Services services) {
    this.services = services;
    this.config = services.config();
    this.schedule = new RetrySchedule(config);
  }

  @Override
  public Future<?> start() {
    client = vertx.httpClientBuilder()
      .with(new HttpClientOptions()
        .setConnectTimeout(config.connectTimeoutMs())
        .setKeepAlive(true)
        .setVerifyHost(true)
        .setTrustAll(false)
        .setForceSni(true)
        .setSslEngineOptions(OpenSSLEngineOptions.isAvailable() ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions())
        .setMaxRedirects(0))
      .with(new PoolOptions().setHttp1MaxSize(config.maxInFlightPerEndpoint()))
      .build();
    consumer = vertx.eventBus().consumer(DeliveryJob.ADDRESS, this::handle);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> client.close());
  }

  private void handle(Message<JsonObject> message) {
    DeliveryJob job = DeliveryJob.fromJson(message.body());
    SubscriptionIndex.Target target = services.index().get(job.subscriptionId());
    ResultWriter writer = services.writer();
    if (target == null) {
      writer.skip(job.deliveryId(), "subscription_deleted");
      return;
    }
    switch (target.status()) {
      case PAUSED -> {
        writer.hold(job.deliveryId());
        return;
      }
      case DISABLED -> {
        writer.skip(job.deliveryId(), "subscription_disabled");
        return;
      }
      default -> {
      }
    }
    String url = target.url();
    if (services.breakers().state(url) == CircuitBreakerState.OPEN) {
      writer.postpone(job.deliveryId(), breakerRetryTime(url));
      return;
    }
    if (!services.limits().tryAcquire(url)) {
      writer.postpone(job.deliveryId(), Instant.now().plusMillis(1000 + ThreadLocalRandom.current().nextLong(1000)));
      return;
    }
    services.breakers().<Attempt>execute(url, () -> send(job, target)
        .compose(a -> a.endpointFailure() ? Future.failedFuture(new EndpointFailed(a)) : Future.succeededFuture(a)))
      .onComplete(result -> {
        services.limits().release(url);
        if (result.succeeded()) {
          finish(result.result());
        } else if (result.cause() instanceof EndpointFailed failed) {
          finish(failed.attempt);
        } else if (result.cause() instanceof OpenCircuitException) {
          writer.postpone(job.deliveryId(), breakerRetryTime(url));
        } else {
          LOG.error("Delivery {} could not be attempted", job.deliveryId(), result.cause());
          writer.postpone(job.deliveryId(), Instant.now().plusSeconds(5));
        }
      });
  }

  /** After the breaker's reset (or shortly, while a half-open probe is out), with a little spread. */
  private Instant breakerRetryTime(String url) {
    long at = Math.max(services.breakers().openUntil(url), System.currentTimeMillis() + 1000);
    return Instant.ofEpochMilli(at + ThreadLocalRandom.current().nextLong(1000));
  }

  private void finish(Attempt attempt) {
    services.metrics().attempt(attempt.durationMs());
    if (attempt.succeeded()) {
      services.writer().record(attempt, ResultWriter.Decision.SUCCESS, null);
      return;
    }
    if (Integer.valueOf(410).equals(attempt.status())) {
      services.writer().record(attempt, ResultWriter.Decision.GONE, null);
      return;
    }
    Duration delay = schedule.next(attempt.number(), attempt.retryAfter());
    if (delay == null) {
      services.writer().record(attempt, ResultWriter.Decision.EXHAUSTED, null);
    } else {
      services.writer().record(attempt, ResultWriter.Decision.RETRY, Instant.now().plus(delay));
    }
  }

  /** One signed POST. Always completes with an {@link Attempt}, failed or not. */
  Future<Attempt> send(DeliveryJob job, SubscriptionIndex.Target target) {
    int number = job.attempts() + 1;
    OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
    long t0 = System.nanoTime();
    byte[] body = job.body().getBytes(StandardCharsets.UTF_8);
    long timestamp = startedAt.toEpochSecond();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("Content-Type", "application/json")
      .add("User-Agent", config.userAgent())
      .add("webhook-id", job.eventId())
      .add("webhook-timestamp", Long.toString(timestamp))
      .add("webhook-signature", Signer.header(target.secrets().stream().map(Signer::key).toList(), job.eventId(),
        timestamp, body))
      .add("X-Hookgate-Event-Type", job.type())
      .add("X-Hookgate-Delivery-Id", job.deliveryId().toString())
      .add("X-Hookgate-Attempt", Integer.toString(number));
    JsonObject requestHeaders = new JsonObject();
    headers.forEach(h -> requestHeaders.put(h.getKey(), h.getValue()));

    URI uri = URI.create(target.url());
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
      + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());

    Promise<Response> response = Promise.promise();
    AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
    TimeoutException timeout = new TimeoutException("no complete response within " + config.requestTimeoutMs() + " ms");
    long timer = vertx.setTimer(config.requestTimeoutMs(), id -> {
      if (response.tryFail(timeout) && inFlight.get() != null) {
        inFlight.get().reset(0, timeout);
      }
    });
    services.resolver().resolve(uri.getHost())
      .compose(address -> client.request(new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(uri.getHost())
        .setPort(port)
        .setURI(path)
        .setSsl(https)
        // Connect to the address the SSRF guard checked, not to a fresh DNS answer.
        .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
        .setFollowRedirects(false)
        .setHeaders(headers)))
      .compose(request -> {
        inFlight.set(request);
        if (response.future().isComplete()) {
          request.reset(0, timeout);
          return Future.failedFuture(timeout);
        }
        return request.send(Buffer.buffer(body));
      })
      .compose(this::read)
      .onComplete(result -> {
        vertx.cancelTimer(timer);
        if (result.succeeded()) {
          response.tryComplete(result.result());
        } else {
          response.tryFail(result.cause());
        }
      });

    return response.future().map(r -> {
      int durationMs = (int) ((System.nanoTime() - t0) / 1_000_000);
      boolean ok = r.status() >= 200 && r.status() < 300;
      Duration retryAfter = r.status() == 429 || r.status() == 503 ? retryAfter(r.headers().getString("retry-after")) : null;
      return new Attempt(job, number, startedAt, requestHeaders, r.status(), r.headers(), r.body(), durationMs,
        ok ? null : Attempt.httpReason(r.status()), retryAfter);
    }).recover(e -> Future.succeededFuture(new Attempt(job, number, startedAt, requestHeaders, null, null, null,
      (int) ((System.nanoTime() - t0) / 1_000_000), reason(e), null)));
  }

  /** Reads the response, keeping at most the configured number of body bytes. */
  private Future<Response> read(HttpClientResponse response) {
    Promise<Response> done = Promise.promise();
    int cap = config.responseBodyMaxBytes();
    Buffer kept = Buffer.buffer();
    JsonObject headers = new JsonObject();
    response.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
    response.handler(chunk -> {
      int room = cap - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> done.tryComplete(new Response(response.statusCode(), headers, kept.toString(StandardCharsets.UTF_8))));
    return done.future();
  }

  /** The failure reason recorded for an attempt that got no HTTP response. */
  static String reason(Throwable e) {
    if (e instanceof EndpointResolver.Refused refused) {
      return refused.reason();
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException) {
        return "timeout";
      }
      if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
        return "tls";
      }
      if (t instanceof UnknownHostException) {
        return "dns";
      }
      if (t instanceof ConnectException) {
        return "connection_refused";
      }
    }
    String message = String.valueOf(e.getMessage()).toLowerCase();
    if (message.contains("closed") || message.contains("reset")) {
      return "connection_closed";
    }
    return "network_error";
  }

  /** {@code Retry-After}: delay-seconds or an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Duration.between(Instant.now(), at.toInstant()).isNegative() ? Duration.ZERO
          : Duration.between(Instant.now(), at.toInstant());
      } catch (RuntimeException e) {
        return null;
      }
    }
  }

}
