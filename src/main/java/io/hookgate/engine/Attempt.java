package io.hookgate.engine;

import io.hookgate.Hookgate;
import io.hookgate.outbound.Exchange;
import io.hookgate.outbound.Sender;
import io.hookgate.outbound.Signer;
import io.hookgate.tracing.Traces;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * One attempt of a delivery: the signed POST of its job and what came back.
 *
 * @param number 1-based attempt number
 */
public record Attempt(DeliveryJob job, int number, Exchange exchange) {

  /**
   * Sends the job's envelope to {@code url}, signed with Standard Webhooks by every key ({@code webhook-id}
   * is the event id, stable across retries and replays), as attempt {@code job.attempts() + 1}.
   */
  public static Future<Attempt> send(Sender sender, DeliveryJob job, String url, List<byte[]> keys) {
    return send(sender, job, url, keys, null);
  }

  /** As above, with the attempt's trace context for the receiver ({@code traceparent}; null: none). */
  public static Future<Attempt> send(Sender sender, DeliveryJob job, String url, List<byte[]> keys,
                                     String traceparent) {
    int number = job.attempts() + 1;
    OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
    byte[] body = job.body().getBytes(StandardCharsets.UTF_8);
    long timestamp = startedAt.toEpochSecond();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("Content-Type", "application/json")
      .add("User-Agent", sender.userAgent())
      .add("webhook-id", job.eventId())
      .add("webhook-timestamp", Long.toString(timestamp))
      .add("webhook-signature", Signer.header(keys, job.eventId(), timestamp, body))
      .add("X-Hookgate-Event-Type", job.type())
      .add("X-Hookgate-Delivery-Id", job.deliveryId().toString())
      .add("X-Hookgate-Attempt", Integer.toString(number));
    if (traceparent != null) {
      headers.add(Traces.TRACEPARENT, traceparent);
    }
    return sender.post(url, headers, body, startedAt).map(exchange -> new Attempt(job, number, exchange));
  }

  public boolean succeeded() {
    return exchange.succeeded();
  }

  public boolean endpointFailure() {
    return exchange.endpointFailure();
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
