package io.hookgate.engine;

import io.hookgate.dialect.Dialect;
import io.hookgate.outbound.Exchange;
import io.hookgate.outbound.Sender;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.tracing.Traces;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * One attempt of a delivery: the signed POST of its job and what came back.
 *
 * @param number      1-based attempt number
 * @param sentBody    the body as sent when the subscription's payload format rendered it; null when it was the
 *                    event's stored envelope
 * @param sentQuery   the query that carried the signature, for schemes that sign in the query; else null
 */
public record Attempt(DeliveryJob job, int number, Exchange exchange, String sentBody, String sentQuery) {
  private static final Logger LOG = LoggerFactory.getLogger(Attempt.class);
  /** Recorded when the subscription's payload format could not render the event. */
  public static final String RENDER_FAILED = "render_failed";

  /**
   * Sends the job's event to the subscription's endpoint in its dialect (its payload format, signed by its
   * scheme with every valid key; the event id, stable across retries and replays, wherever the dialect
   * puts an id), as attempt {@code job.attempts() + 1}.
   */
  public static Future<Attempt> send(Sender sender, DeliveryJob job, SubscriptionIndex.Target target) {
    return send(sender, job, target, null);
  }

  /** As above, with the attempt's trace context for the receiver ({@code traceparent}; null: none). */
  public static Future<Attempt> send(Sender sender, DeliveryJob job, SubscriptionIndex.Target target,
                                     String traceparent) {
    int number = job.attempts() + 1;
    OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("Content-Type", "application/json")
      .add("User-Agent", sender.userAgent());
    Dialect.Request request;
    try {
      request = target.dialect().request(job.eventId(), job.type(), job.body(), target.signingKeys(),
        startedAt.toInstant().toEpochMilli());
    } catch (Dialect.RenderFailed e) {
      // Nothing was sent: the attempt is recorded as failed and retried like any other, and the operator
      // learns which template failed on which event.
      LOG.warn("Delivery {} not sent: {}", job.deliveryId(), e.getMessage());
      return Future.succeededFuture(new Attempt(job, number, new Exchange(startedAt, new JsonObject(), null, null,
        null, 0, RENDER_FAILED, null), null, null));
    }
    for (Dialect.Header header : request.headers()) {
      headers.add(header.name(), header.value());
    }
    headers.add("X-Hookgate-Event-Type", job.type())
      .add("X-Hookgate-Event-Id", job.eventId())
      .add("X-Hookgate-Delivery-Id", job.deliveryId().toString())
      .add("X-Hookgate-Attempt", Integer.toString(number));
    if (traceparent != null) {
      headers.add(Traces.TRACEPARENT, traceparent);
    }
    return sender.post(target.url(), request.query(), headers, request.body(), startedAt)
      .map(exchange -> new Attempt(job, number, exchange, request.rendered(), request.query()));
  }

  public boolean succeeded() {
    return exchange.succeeded();
  }

  /** A template that failed says nothing of the endpoint: it does not count toward the endpoint's breaker. */
  public boolean endpointFailure() {
    return !RENDER_FAILED.equals(exchange.failureReason()) && exchange.endpointFailure();
  }

  public OffsetDateTime startedAt() {
    return exchange.startedAt();
  }

  public JsonObject requestHeaders() {
    return exchange.requestHeaders();
  }

  public Integer status() {
    return exchange.status();
  }

  public JsonObject responseHeaders() {
    return exchange.responseHeaders();
  }

  public String responseBody() {
    return exchange.responseBody();
  }

  public int durationMs() {
    return exchange.durationMs();
  }

  public String failureReason() {
    return exchange.failureReason();
  }

  public Duration retryAfter() {
    return exchange.retryAfter();
  }
}
