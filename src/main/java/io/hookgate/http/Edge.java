package io.hookgate.http;

import io.hookgate.logging.LogFields;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge of one API server: its connections and the first handler of every request. What can be
 * refused from the request line and headers alone is refused here, before any route, credential or
 * body is looked at.
 *
 * <ul>
 *   <li>The request gets its id ({@link RequestIds}), answered in {@code X-Request-Id}.</li>
 *   <li>The request is paused, so its body waits unread in the socket until the operation's guard has
 *   let the caller in (the body handler resumes it): a caller without credentials never makes the
 *   gateway read or parse a body.</li>
 *   <li>Deadlines, checked by one sweep of the server's connections every {@value #SWEEP_MS} ms rather
 *   than by a timer per request (two timers per request were a measurable cost at full load): a
 *   request's headers must arrive within {@code http.read-timeout} of the connection opening (or of the
 *   previous response), and its body within as long again, or the connection is closed, so a caller
 *   trickling bytes (slowloris) cannot hold it; a request not answered within
 *   {@code http.request-timeout} is answered 503 (the database is not answering).</li>
 *   <li>Requests Netty cannot parse (a URL or headers over their limits, a broken request line) are
 *   answered in the API's JSON error shape, and callers that go away are logged at debug, not as our
 *   errors.</li>
 * </ul>
 * One instance per API verticle: its state is confined to that verticle's event loop.
 */
public final class Edge implements PlatformHandler {
  private static final Logger LOG = LoggerFactory.getLogger(Edge.class);
  /** The access log's logger: set it to INFO (logging.levels in conf/hookgate.yaml) for a line per request. */
  private static final Logger ACCESS = LoggerFactory.getLogger("io.hookgate.access");
  private static final long SWEEP_MS = 250;

  /** One connection's state: the request it serves, if any, and when it must have read or answered. */
  private static final class Watch {
    final HttpConnection connection;
    RoutingContext request;
    /** The headers (no request) or the body (a request) must be in by then; 0: nothing awaited. */
    long readBy;
    /** The request must be answered by then; 0: no request. */
    long answerBy;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }
  }

  private final Vertx vertx;
  private final long readTimeoutMs;
  private final long requestTimeoutMs;
  private final Map<HttpConnection, Watch> watches = new HashMap<>();
  private long sweeper = -1;

  public Edge(Vertx vertx, long readTimeoutMs, long requestTimeoutMs) {
    this.vertx = vertx;
    this.readTimeoutMs = readTimeoutMs;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** Puts the connection rules on a server before it listens (on the verticle's event loop). */
  public void install(HttpServer server) {
    server.connectionHandler(this::connected).invalidRequestHandler(Edge::invalid);
    sweeper = vertx.setPeriodic(SWEEP_MS, id -> sweep());
  }

  /** Stops the sweep (the server is closing). */
  public void uninstall() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
  }

  private void connected(HttpConnection connection) {
    Watch watch = new Watch(connection);
    watch.readBy = System.currentTimeMillis() + readTimeoutMs;
    watches.put(connection, watch);
    connection.exceptionHandler(e -> LOG.debug("Connection from {}: {}", connection.remoteAddress(), e.toString()));
    connection.closeHandler(v -> watches.remove(connection));
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String requestId = RequestIds.assign(ctx);
    if (ACCESS.isInfoEnabled()) {
      long started = System.nanoTime();
      ctx.addEndHandler(done -> access(ctx, requestId, started));
    }
    Watch watch = watches.get(request.connection());
    if (watch != null) {
      long now = System.currentTimeMillis();
      watch.request = ctx;
      watch.readBy = request.isEnded() ? 0 : now + readTimeoutMs;
      watch.answerBy = now + requestTimeoutMs;
      ctx.addEndHandler(done -> {
        watch.request = null;
        watch.answerBy = 0;
        // A kept-alive connection waits for its next request's headers; one that ended badly is closing anyway.
        watch.readBy = System.currentTimeMillis() + readTimeoutMs;
      });
    }
    String problem = UrlText.problem(request.uri());
    if (problem != null) {
      ctx.fail(ApiError.invalid(problem));
      return;
    }
    ctx.next();
  }

  /** One line per answered request, when the {@code io.hookgate.access} logger is at INFO (off by default). */
  private static void access(RoutingContext ctx, String requestId, long started) {
    try (LogFields fields = LogFields.of(LogFields.REQUEST_ID, requestId)) {
      ACCESS.info("{} {} {} {} ms", ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode(),
        (System.nanoTime() - started) / 1_000_000);
    }
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    List<Watch> late = new ArrayList<>();
    for (Watch watch : watches.values()) {
      boolean reading = watch.request == null || !watch.request.request().isEnded();
      if (watch.readBy > 0 && watch.readBy < now && reading
        || watch.answerBy > 0 && watch.answerBy < now && !watch.request.response().ended()) {
        late.add(watch);
      }
    }
    for (Watch watch : late) {
      if (watch.request != null && watch.request.request().isEnded()) {
        watch.answerBy = 0;
        watch.request.fail(503);
      } else {
        LOG.debug("Closing connection from {}: {} not complete within {} ms", watch.connection.remoteAddress(),
          watch.request == null ? "no request" : "the request body", readTimeoutMs);
        watches.remove(watch.connection);
        watch.connection.close();
      }
    }
  }

  /** A request Netty could not parse; the connection is closed after the answer. */
  private static void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    String name = cause == null ? "" : cause.getClass().getSimpleName();
    ApiError error = switch (name) {
      case "TooLongHttpLineException" -> new ApiError(414, "invalid_request", "The request target is too long");
      case "TooLongHttpHeaderException" -> new ApiError(431, "invalid_request", "The request headers are too large");
      default -> ApiError.invalid("The request is not valid HTTP");
    };
    String requestId = RequestIds.fresh();
    request.response()
      .setStatusCode(error.status())
      .putHeader(RequestIds.HEADER, requestId)
      .putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store")
      .putHeader("Connection", "close")
      .end(error.body(requestId).toBuffer())
      .onComplete(v -> request.connection().close());
  }
}
