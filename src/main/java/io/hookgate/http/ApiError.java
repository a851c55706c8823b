package io.hookgate.http;

/**
 * An error the API reports to its caller as {@code {"error": code, "message": message}}. Messages are
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
