package io.hookgate.http;

import io.vertx.core.json.JsonObject;

/**
 * An error the API reports to its caller as {@code {"error": code, "message": message, "request_id": …}}. Messages are
 * written for partners: they name the offending field and never carry internal detail.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;

  public ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** The error body; {@code requestId} lets the caller's support ticket name the request. */
  public JsonObject body(String requestId) {
    return new JsonObject().put("error", code).put("message", getMessage()).put("request_id", requestId);
  }

  public static ApiError invalid(String message) {
    return new ApiError(400, "invalid_request", message);
  }

  public static ApiError invalidField(String field, String problem) {
    return invalid("Invalid field '" + field + "': " + problem);
  }

  public static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message);
  }

  public static ApiError forbidden(String message) {
    return new ApiError(403, "forbidden", message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, "not_found", message);
  }

  public static ApiError conflict(String message) {
    return new ApiError(409, "conflict", message);
  }

  public static ApiError rateLimited(String message) {
    return new ApiError(429, "rate_limited", message);
  }
}
