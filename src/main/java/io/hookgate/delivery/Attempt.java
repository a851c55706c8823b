package io.hookgate.delivery;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One attempt as sent and as answered. {@code status} is null when no HTTP response came back
 * (timeout, refused connection, DNS, TLS, blocked address); {@code failureReason} is null on success.
 *
 * @param number 1-based attempt number
 */
public record Attempt(DeliveryJob job, int number, OffsetDateTime startedAt, JsonObject requestHeaders, Integer status,
                      JsonObject responseHeaders, String responseBody, int durationMs, String failureReason,
                      Duration retryAfter) {

  public boolean succeeded() {
    return failureReason == null;
  }

  /**
   * Whether this outcome says the endpoint is unwell (and counts toward its circuit breaker): no
   * response at all, a 5xx, or 408/429. Other 4xx answers come from a working endpoint.
   */
  public boolean endpointFailure() {
    if (succeeded()) {
      return false;
    }
    return status == null || status >= 500 || status == 408 || status == 429;
  }

  /** {@code http_4xx}, {@code http_5xx}, … for a non-2xx answer. */
  static String httpReason(int status) {
    return "http_" + (status / 100) + "xx";
  }
}
