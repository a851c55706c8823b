package io.hookgate.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ValidatorException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Binds handlers to the operations of {@code openapi.yaml}. The document is the route table: a handler
 * for an operation the document lacks fails start-up, and so does an operation left without a handler,
 * so code and document cannot drift apart. The document's {@code security} also says who may call an
 * operation; the guard for it comes first.
 *
 * <p>Each operation runs in this order, so that a caller without credentials costs a header check and
 * nothing else: the guard (credentials, scope, rate), then the media type from the headers alone, then
 * the body (read only now, up to {@code http.body-limit-bytes}), then the document's schema, then the
 * handler. Until the body is read the request is paused ({@link Edge}), so nothing is lost while the
 * guard waits for the database.
 */
public final class Operations {
  private static final String RAW_BODY = "hookgate.raw-body";

  private final RouterBuilder builder;
  private final Function<Operation, Handler<RoutingContext>> guards;
  private final BodyHandler body;
  private final RequestValidator validator;
  private final RequestExtractor extractor = RequestExtractor.withBodyHandler();
  private final Set<String> bound = new LinkedHashSet<>();

  /**
   * @param guards the guard for an operation's {@code security}, or null when it has none (ops endpoints,
   *               the token endpoint, which authenticates its client itself)
   */
  public Operations(Vertx vertx, RouterBuilder builder, OpenAPIContract contract,
                    Function<Operation, Handler<RoutingContext>> guards, int bodyLimitBytes) {
    this.builder = builder;
    this.guards = guards;
    this.body = BodyHandler.create(false).setBodyLimit(bodyLimitBytes);
    this.validator = RequestValidator.create(vertx, contract);
  }

  /** An operation whose request is validated against the document before the handler runs. */
  public Operations on(String operationId, Handler<RoutingContext> handler) {
    OpenAPIRoute route = route(operationId);
    guard(route);
    route.addHandler(this::jsonOnly).addHandler(this::readBody).addHandler(ctx -> validate(ctx, route.getOperation()))
      .addHandler(handler);
    return this;
  }

  /** An operation that validates its own (JSON) body: the hot path, whose rules the schema cannot express. */
  public Operations onUnvalidated(String operationId, Handler<RoutingContext> handler) {
    OpenAPIRoute route = route(operationId);
    guard(route);
    route.addHandler(this::jsonOnly).addHandler(this::readBody).addHandler(handler);
    return this;
  }

  /**
   * An operation that reads its body itself from {@link #rawBody}, at most {@code maxBytes}, with no
   * decoding on the way (the OAuth token endpoint: a form body decoded by Netty turned a stray {@code %}
   * into a 500).
   */
  public Operations onRawBody(String operationId, int maxBytes, Handler<RoutingContext> handler) {
    OpenAPIRoute route = route(operationId);
    guard(route);
    route.addHandler(ctx -> readRaw(ctx, maxBytes)).addHandler(handler);
    return this;
  }

  /** The body {@link #onRawBody} collected. */
  public static Buffer rawBody(RoutingContext ctx) {
    Buffer raw = ctx.get(RAW_BODY);
    return raw == null ? Buffer.buffer() : raw;
  }

  private OpenAPIRoute route(String operationId) {
    OpenAPIRoute route = builder.getRoute(operationId);
    if (route == null) {
      throw new IllegalStateException("operation " + operationId + " is not in openapi.yaml");
    }
    if (!bound.add(operationId)) {
      throw new IllegalStateException("operation " + operationId + " is bound twice");
    }
    // Security and validation are ours, in the order above, not the router builder's.
    route.setDoSecurity(false).setDoValidation(false);
    return route;
  }

  private void guard(OpenAPIRoute route) {
    Handler<RoutingContext> guard = guards.apply(route.getOperation());
    if (guard != null) {
      route.addHandler(guard);
    }
  }

  /**
   * The body handler, called from a plain handler: Vert.x Web would refuse it as a route's handler after
   * the guard (its own order puts bodies before authentication, which is the order this class avoids).
   */
  private void readBody(RoutingContext ctx) {
    if (!hasBody(ctx.request())) {
      // Nothing to read, but the end of the request still waits in the paused stream: a kept-alive connection
      // takes its next request only once this one has ended.
      ctx.request().resume();
      ctx.next();
      return;
    }
    body.handle(ctx);
  }

  /** A body on a JSON operation must say it is JSON, before a byte of it is read. */
  private void jsonOnly(RoutingContext ctx) {
    if (hasBody(ctx.request()) && !MediaTypes.is(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), MediaTypes.JSON)) {
      ctx.fail(new ApiError(415, "invalid_request", "Content-Type must be application/json"));
      return;
    }
    ctx.next();
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING) || length != null && !length.trim().equals("0");
  }

  private void validate(RoutingContext ctx, Operation operation) {
    // The strict reading first: the schema validator's own JSON parser accepts comments and mangled UTF-8.
    if (ctx.body() != null && ctx.body().length() > 0) {
      try {
        Json.remember(ctx, Json.request(ctx.body().buffer()));
      } catch (ApiError e) {
        ctx.fail(e);
        return;
      }
    }
    extractor.extractValidatableRequest(ctx, operation)
      .compose(request -> validator.validate(request, operation.getOperationId()))
      .onSuccess(validated -> ctx.next())
      .onFailure(e -> ctx.fail(e instanceof ValidatorException ? new HttpException(400, e.getMessage(), e) : e));
  }

  private static void readRaw(RoutingContext ctx, int maxBytes) {
    HttpServerRequest request = ctx.request();
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.length() > 9) {
      ctx.fail(413);
      return;
    }
    if (length != null && length.matches("\\d+") && Long.parseLong(length) > maxBytes) {
      ctx.fail(413);
      return;
    }
    Buffer collected = Buffer.buffer();
    request.handler(chunk -> {
      if (ctx.failed()) {
        return;
      }
      if (collected.length() + chunk.length() > maxBytes) {
        ctx.fail(413);
        return;
      }
      collected.appendBuffer(chunk);
    });
    request.exceptionHandler(ctx::fail);
    request.endHandler(v -> {
      if (!ctx.failed()) {
        ctx.put(RAW_BODY, collected);
        ctx.next();
      }
    });
    request.resume();
  }

  /** Fails when an operation of the document has no handler. */
  public void checkComplete() {
    List<String> missing = new ArrayList<>();
    for (OpenAPIRoute route : builder.getRoutes()) {
      if (!bound.contains(route.getOperation().getOperationId())) {
        missing.add(route.getOperation().getOperationId());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("openapi.yaml operations without a handler: " + missing);
    }
  }
}
