package io.hookgate.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * The edge of one API server: its connections and the first handler of every request. What can be
 * refused from the request line and headers alone is refused here, before any route, credential or
 * body is looked at.
 *
 * <ul>
 *   <li>The request is paused, so its body waits unread in the socket until the operation's guard has
 *   let the caller in (the body handler resumes it): a caller without credentials never makes the
 *   gateway read or parse a body.</li>
 *   <li>Read deadlines: a request's headers must arrive within {@code http.read-timeout} of the
 *   connection opening (or of the previous response), and its body within as long again, or the
 *   connection is closed. A caller trickling bytes (slowloris) cannot hold a connection open.</li>
 *   <li>Requests Netty cannot parse (a URL or headers over their limits, a broken request line) are
 *   answered in the API's JSON error shape, and callers that go away are logged at debug, not as our
 *   errors.</li>
 * </ul>
 * One instance per API verticle: its state is confined to that verticle's event loop.
 */
final class Edge implements PlatformHandler {
  private static final Logger LOG = LoggerFactory.getLogger(Edge.class);

  private final Vertx vertx;
  private final long readTimeoutMs;
  /** Connections waiting for their next request's headers, with the timer that closes them. */
  private final Map<HttpConnection, Long> awaitingHeaders = new HashMap<>();

  Edge(Vertx vertx, long readTimeoutMs) {
    this.vertx = vertx;
    this.readTimeoutMs = readTimeoutMs;
  }

  /** Puts the connection rules on a server before it listens. */
  void install(HttpServer server) {
    server.connectionHandler(this::connected).invalidRequestHandler(Edge::invalid);
  }

  private void connected(HttpConnection connection) {
    connection.exceptionHandler(e -> LOG.debug("Connection from {}: {}", connection.remoteAddress(), e.toString()));
    connection.closeHandler(v -> {
      Long timer = awaitingHeaders.remove(connection);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
    });
    awaitHeaders(connection);
  }

  private void awaitHeaders(HttpConnection connection) {
    awaitingHeaders.put(connection, vertx.setTimer(readTimeoutMs, id -> {
      awaitingHeaders.remove(connection);
      LOG.debug("Closing connection from {}: no complete request within {} ms", connection.remoteAddress(),
        readTimeoutMs);
      connection.close();
    }));
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    HttpConnection connection = request.connection();
    Long headerTimer = awaitingHeaders.remove(connection);
    if (headerTimer != null) {
      vertx.cancelTimer(headerTimer);
    }
    if (!request.isEnded()) {
      long bodyTimer = vertx.setTimer(readTimeoutMs, id -> {
        if (!request.isEnded()) {
          LOG.debug("Closing connection from {}: request body not complete within {} ms", connection.remoteAddress(),
            readTimeoutMs);
          connection.close();
        }
      });
      ctx.addEndHandler(done -> vertx.cancelTimer(bodyTimer));
    }
    if (request.version() != HttpVersion.HTTP_2) {
      ctx.addEndHandler(done -> {
        if (done.succeeded() && request.isEnded()) {
          awaitHeaders(connection);
        }
      });
    }
    String problem = UrlText.problem(request.uri());
    if (problem != null) {
      ctx.fail(ApiError.invalid(problem));
      return;
    }
    ctx.next();
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
    request.response()
      .setStatusCode(error.status())
      .putHeader("Content-Type", "application/json")
      .putHeader("Cache-Control", "no-store")
      .putHeader("Connection", "close")
      .end(new JsonObject().put("error", error.code()).put("message", error.getMessage()).toBuffer())
      .onComplete(v -> request.connection().close());
  }
}
