package io.hookgate.outbound;

import io.hookgate.config.HookgateConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Makes one webhook POST and reports it as an {@link Exchange}: resolve and check the host (SSRF guard),
 * connect to the checked address, TLS through OpenSSL with certificate verification, connect and total
 * timeouts, no redirects, response body kept up to a bound. Used by the dispatchers and by the
 * synchronous partner operations (ping, test). One HTTP client per owner, keep-alive pooled per host;
 * confined to its owner's event loop, like the client.
 */
public final class Sender {
  private record Response(int status, JsonObject headers, String body) {
  }

  /** Where a URL points, parsed once per URL rather than once per attempt. */
  private record Endpoint(String host, int port, String path, boolean https) {
    static Endpoint of(String url) {
      URI uri = URI.create(url);
      boolean https = "https".equalsIgnoreCase(uri.getScheme());
      String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      return new Endpoint(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80, path, https);
    }

    /** The request target: the path and query, with {@code query} (may be null) added to the query. */
    String target(String query) {
      return query == null ? path : path + (path.indexOf('?') < 0 ? '?' : '&') + query;
    }
  }

  private static final int MAX_ENDPOINTS = 10_000;

  private final Vertx vertx;
  private final Supplier<HookgateConfig.Delivery> config;
  private final EndpointResolver resolver;
  private final HttpClient client;
  /** Used only on the owner's event loop, like the client. */
  private final Map<String, Endpoint> endpoints = new HashMap<>();

  /**
   * @param config the delivery settings in force, read at every request: timeouts, response body size and
   *               user agent follow a reloaded config (the pool's size per host is fixed at creation)
   */
  public Sender(Vertx vertx, Supplier<HookgateConfig.Delivery> config, EndpointResolver resolver) {
    this.vertx = vertx;
    this.config = config;
    this.resolver = resolver;
    this.client = vertx.httpClientBuilder()
      .with(new HttpClientOptions()
        .setConnectTimeout(config.get().connectTimeoutMs())
        .setKeepAlive(true)
        .setVerifyHost(true)
        .setTrustAll(false)
        .setForceSni(true)
        .setSslEngineOptions(OpenSSLEngineOptions.isAvailable() ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions())
        .setMaxRedirects(0))
      .with(new PoolOptions().setHttp1MaxSize(config.get().maxInFlightPerEndpoint()))
      .build();
  }

  public Future<Void> close() {
    return client.close();
  }

  /**
   * One POST of {@code body} with {@code headers} (the caller's, signed as it wants them) to {@code url}.
   * Always completes with an {@link Exchange}, failed or not; {@code startedAt} is when it began.
   */
  public Future<Exchange> post(String url, MultiMap headers, byte[] body, OffsetDateTime startedAt) {
    return post(url, null, headers, body, startedAt);
  }

  /**
   * The same, with {@code query} (encoded, e.g. a signature's {@code sign=…}; null for none) added to the
   * URL's own query for this request only.
   */
  public Future<Exchange> post(String url, String query, MultiMap headers, byte[] body, OffsetDateTime startedAt) {
    long t0 = System.nanoTime();
    HookgateConfig.Delivery settings = config.get();
    JsonObject requestHeaders = new JsonObject();
    headers.forEach(h -> requestHeaders.put(h.getKey(), h.getValue()));

    if (endpoints.size() >= MAX_ENDPOINTS) {
      endpoints.clear();
    }
    Endpoint endpoint = endpoints.computeIfAbsent(url, Endpoint::of);

    Promise<Response> response = Promise.promise();
    AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
    long timer = vertx.setTimer(settings.requestTimeoutMs(), id -> {
      // Created only when it happens: a stack trace per request was a measurable cost.
      TimeoutException timeout = new TimeoutException("no complete response within " + settings.requestTimeoutMs() + " ms");
      if (response.tryFail(timeout) && inFlight.get() != null) {
        inFlight.get().reset(0, timeout);
      }
    });
    resolver.resolve(endpoint.host())
      .compose(address -> client.request(new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(endpoint.host())
        .setPort(endpoint.port())
        .setURI(endpoint.target(query))
        .setSsl(endpoint.https())
        // Connect to the address the SSRF guard checked, not to a fresh DNS answer.
        .setServer(SocketAddress.inetSocketAddress(endpoint.port(), address.getHostAddress()))
        .setFollowRedirects(false)
        .setConnectTimeout(settings.connectTimeoutMs())
        .setHeaders(headers)))
      .compose(request -> {
        inFlight.set(request);
        if (response.future().isComplete()) {
          request.reset(0, response.future().cause());
          return Future.failedFuture(response.future().cause());
        }
        return request.send(Buffer.buffer(body));
      })
      .compose(r -> read(r, settings.responseBodyMaxBytes()))
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
      return new Exchange(startedAt, requestHeaders, r.status(), r.headers(), r.body(), durationMs,
        ok ? null : httpReason(r.status()), retryAfter);
    }).recover(e -> Future.succeededFuture(new Exchange(startedAt, requestHeaders, null, null, null,
      (int) ((System.nanoTime() - t0) / 1_000_000), reason(e), null)));
  }

  /** The {@code User-Agent} outbound requests carry. */
  public String userAgent() {
    return config.get().userAgent();
  }

  /** Reads the response, keeping at most the configured number of body bytes. */
  private Future<Response> read(HttpClientResponse response, int cap) {
    Promise<Response> done = Promise.promise();
    Buffer kept = Buffer.buffer();
    JsonObject headers = new JsonObject();
    response.headers().forEach(h -> headers.put(storable(h.getKey().toLowerCase()), storable(h.getValue())));
    response.handler(chunk -> {
      int room = cap - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> done.tryComplete(new Response(response.statusCode(), headers,
      storable(kept.toString(StandardCharsets.UTF_8)))));
    return done.future();
  }

  /**
   * What a receiver answered, as text PostgreSQL can store: NUL (which no text column holds) becomes
   * U+FFFD, as malformed UTF-8 already does when the body is decoded. A receiver's odd answer must not
   * fail the batch of results it is written with.
   */
  static String storable(String text) {
    return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
  }

  /** {@code http_4xx}, {@code http_5xx}, … for a non-2xx answer. */
  static String httpReason(int status) {
    return "http_" + (status / 100) + "xx";
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
