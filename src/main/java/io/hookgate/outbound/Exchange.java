package io.hookgate.outbound;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One request as sent and what came back. {@code status} is null when no HTTP response came back
 * (timeout, refused connection, DNS, TLS, blocked address); {@code failureReason} is null when the
 * endpoint answered 2xx.
 *
 * @param retryAfter the endpoint's {@code Retry-After} on a 429 or 503, or null
 */
public record Exchange(OffsetDateTime startedAt, JsonObject requestHeaders, Integer status, JsonObject responseHeaders,
                       String responseBody, int durationMs, String failureReason, Duration retryAfter) {

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
}
