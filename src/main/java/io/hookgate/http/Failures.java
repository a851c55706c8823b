package io.hookgate.http;

import io.hookgate.db.DatabaseFailures;
import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The one place a failed request becomes an error body. Every failure answers
 * {@code {"error", "message"}} with the right status; unexpected failures are logged with a
 * reference the caller also receives, and nothing internal leaks into the body.
 */
public final class Failures implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private static final String RETRY_AFTER_SECONDS = "5";
  private static final int DISCARD_LIMITS = 4;

  private final int bodyLimitBytes;

  public Failures(int bodyLimitBytes) {
    this.bodyLimitBytes = bodyLimitBytes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.response().closed() || ctx.response().ended() || ConnectionLoss.is(ctx.failure())) {
      // The caller went away (or was answered already): nothing to say, and nothing of ours went wrong.
      LOG.debug("{} {} ended without an answer: {}", ctx.request().method(), ctx.request().path(),
        ctx.failure() == null ? ctx.statusCode() : ctx.failure().toString());
      return;
    }
    ApiError error = toApiError(ctx.failure(), ctx.statusCode());
    if (error.status() == 500) {
      String reference = UUID.randomUUID().toString();
      LOG.error("{} {} failed (reference {})", ctx.request().method(), ctx.request().path(), reference, ctx.failure());
      error = new ApiError(500, "internal", "Internal error (reference " + reference + ")");
    }
    if (error.status() == 401 && ctx.request().path().startsWith("/api/")) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    if (error.status() == 429) {
      ctx.response().putHeader("Retry-After", "1");
    }
    if (error.status() == 503) {
      ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
    }
    Responses.send(ctx, error.status(), new JsonObject().put("error", error.code()).put("message", error.getMessage()));
    if (!ctx.request().isEnded()) {
      discardRest(ctx.request());
    }
  }

  /**
   * Refused before its body was read (or while reading it): the rest is read and thrown away, unparsed,
   * so the caller, still sending, gets to read the answer. At most {@value #DISCARD_LIMITS} body limits
   * are taken this way (and the read deadline still applies); a caller that sends more loses the
   * connection.
   */
  private void discardRest(HttpServerRequest request) {
    long[] discarded = {0};
    request.handler(chunk -> {
      discarded[0] += chunk.length();
      if (discarded[0] > (long) DISCARD_LIMITS * bodyLimitBytes && request.version() != HttpVersion.HTTP_2) {
        request.connection().close();
      }
    });
    request.exceptionHandler(e -> LOG.debug("Discarding a refused request's body: {}", e.toString()));
    request.resume();
  }

  ApiError toApiError(Throwable failure, int statusCode) {
    if (failure instanceof ApiError apiError) {
      return apiError;
    }
    if (failure != null && DatabaseFailures.unavailable(failure)) {
      return unavailable();
    }
    if (failure instanceof DecodeException) {
      return ApiError.invalid("Request body is not valid JSON");
    }
    if (failure instanceof VertxException && statusCode >= 400 && statusCode < 500) {
      // The router refused the request itself (no Host header, a path that is not a path): its message is
      // written for the caller.
      return statusCode == 400 ? ApiError.invalid(failure.getMessage()) : fromStatus(statusCode);
    }
    if (failure instanceof HttpException http) {
      if (http.getCause() instanceof ValidatorException validation) {
        return fromValidation(validation);
      }
      return fromStatus(http.getStatusCode());
    }
    if (failure == null) {
      return fromStatus(statusCode);
    }
    return new ApiError(500, "internal", "Internal error");
  }

  private ApiError fromStatus(int status) {
    return switch (status) {
      case 400 -> ApiError.invalid("Bad request");
      case 401 -> ApiError.unauthorized("Missing or invalid credentials");
      case 403 -> ApiError.forbidden("Forbidden");
      case 404 -> ApiError.notFound("Resource not found");
      case 405 -> new ApiError(405, "invalid_request", "Method not allowed on this resource");
      case 413 -> new ApiError(413, "invalid_request", "Request body exceeds " + bodyLimitBytes + " bytes");
      case 415 -> new ApiError(415, "invalid_request", "Content-Type must be application/json");
      case 414 -> new ApiError(414, "invalid_request", "The request target is too long");
      case 429 -> ApiError.rateLimited("Too many requests");
      case 431 -> new ApiError(431, "invalid_request", "The request headers are too large");
      case 503 -> unavailable();
      default -> status >= 400 && status < 500
        ? new ApiError(status, "invalid_request", "Request rejected")
        : new ApiError(500, "internal", "Internal error");
    };
  }

  /** The database (or the request's time budget) is away: the caller should come back. */
  static ApiError unavailable() {
    return new ApiError(503, "unavailable", "The service is temporarily unavailable; retry after the Retry-After seconds");
  }

  private static ApiError fromValidation(ValidatorException e) {
    if (e.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && e.getMessage().contains("body")) {
      return new ApiError(415, "invalid_request", "Content-Type must be application/json");
    }
    if (e.type() == ValidatorErrorType.ILLEGAL_VALUE && e.getMessage().contains("body")) {
      return ApiError.invalid("Request body is not valid JSON");
    }
    if (e instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      return ApiError.invalid(describe(schema.getOutputUnit(), e.getMessage()));
    }
    return ApiError.invalid(e.getMessage());
  }

  /** Turns a JSON-schema output unit into "Invalid field 'events[1]': …", naming the deepest problem. */
  static String describe(OutputUnit unit, String fallback) {
    List<OutputUnit> all = new ArrayList<>();
    flatten(unit, all);
    OutputUnit relevant = all.stream()
      .filter(u -> u.getError() != null)
      .max(Comparator.comparingInt((OutputUnit u) -> depth(u.getInstanceLocation()))
        .thenComparing(u -> !wrapper(u.getError())))
      .orElse(unit);
    String location = relevant.getInstanceLocation();
    String problem = relevant.getError() == null ? fallback : relevant.getError();
    if (problem.contains("additional properties")) {
      problem = "is not a known field";
    }
    if (fallback.contains(" parameter ")) {
      return fallback.replaceFirst("\\. Reason: .*", "") + ": " + problem;
    }
    if (location == null || depth(location) == 0) {
      return "Invalid request body: " + problem;
    }
    return "Invalid field '" + pointerToField(location) + "': " + problem;
  }

  private static void flatten(OutputUnit unit, List<OutputUnit> into) {
    into.add(unit);
    if (unit.getErrors() != null) {
      unit.getErrors().forEach(child -> flatten(child, into));
    }
  }

  private static boolean wrapper(String error) {
    return error.contains("subschema") || error.contains("does not match schema") || error.contains("does not match every");
  }

  private static int depth(String location) {
    if (location == null) {
      return 0;
    }
    return (int) location.replaceFirst("^#", "").chars().filter(c -> c == '/').count()
      - (location.replaceFirst("^#", "").equals("/") ? 1 : 0);
  }

  static String pointerToField(String pointer) {
    StringBuilder field = new StringBuilder();
    for (String part : pointer.replaceFirst("^#?/", "").split("/")) {
      if (part.matches("\\d+")) {
        field.append('[').append(part).append(']');
      } else {
        if (field.length() > 0) {
          field.append('.');
        }
        field.append(part.replace("~1", "/").replace("~0", "~"));
      }
    }
    return field.toString();
  }
}
