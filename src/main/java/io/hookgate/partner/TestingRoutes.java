package io.hookgate.partner;

import io.hookgate.outbound.Sender;
import io.hookgate.engine.DeliveryJob;
import io.hookgate.engine.Attempt;
import io.hookgate.auth.Partner;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Synchronous sends a partner uses to debug an endpoint, with the same envelope and signatures as real
 * deliveries (receivers must verify them like any other):
 * <ul>
 *   <li>{@code POST /webhooks/{id}/ping}: a {@code ping} event; answers what the endpoint answered
 *       (seed 000). Not recorded.</li>
 *   <li>{@code POST /webhooks/{id}/test}: an event of a catalog type with the partner's payload; kept
 *       in the delivery history as a test, one attempt, no retries, not counted in health or stats.</li>
 * </ul>
 * Both skip the circuit breaker (the point is to probe the endpoint) but not the SSRF guard.
 */
public final class TestingRoutes {
  private static final String NOT_FOUND = "Webhook subscription not found";
  private static final String NOT_ACTIVE = "Webhook subscription is not active";
  private static final int PREVIEW_CHARS = 1024;

  private static final String INSERT_TEST = """
    WITH ev AS (INSERT INTO events (id, type, occurred_at, livemode, body, deliveries_count)
                VALUES ($1, $2, $3, false, $4, 1))
    INSERT INTO deliveries (id, event_id, subscription_id, application_id, event_type, status, next_attempt_at,
                            lease_owner, is_test)
    VALUES ($5, $1, $6, $7, $2, 'pending', now() + interval '1 hour', $8, true)""";
  private static final String RECORD_TEST = """
    WITH a AS (INSERT INTO attempts (delivery_id, subscription_id, attempt, created_at, request_headers, response_status,
                                     response_headers, response_body, duration_ms, failure_reason)
               VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9))
    UPDATE deliveries SET status = $10, attempts = 1, last_status_code = $5, last_failure_reason = $9,
                          completed_at = now(), updated_at = now(), lease_owner = NULL
     WHERE id = $1""";

  private final Pool pool;
  private final SubscriptionStore subscriptions;
  private final SubscriptionIndex index;
  private final EventCatalog catalog;
  private final Sender sender;
  private final String nodeId;

  public TestingRoutes(Pool pool, SubscriptionStore subscriptions, SubscriptionIndex index, EventCatalog catalog,
                       Sender sender, String nodeId) {
    this.pool = pool;
    this.subscriptions = subscriptions;
    this.index = index;
    this.catalog = catalog;
    this.sender = sender;
    this.nodeId = nodeId;
  }

  public void mount(Operations ops) {
    ops.on("pingWebhook", this::ping)
      .on("testWebhook", this::test);
  }

  private void ping(RoutingContext ctx) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    Future<JsonObject> result = activeTarget(ctx, id).compose(target -> {
      String eventId = "ping_" + UUID.randomUUID().toString().replace("-", "");
      String body = envelope(eventId, "ping", new JsonObject().put("webhook_id", id.toString()));
      DeliveryJob job = new DeliveryJob(UUID.randomUUID(), eventId, id, "ping", 0, body);
      return Attempt.send(sender, job, target.url(), target.signingKeys());
    }).map(attempt -> new JsonObject()
      .put("webhook_id", id.toString())
      .put("delivered", attempt.succeeded())
      .put("response_status", attempt.status())
      .put("response_body", preview(attempt.responseBody())));
    Responses.reply(ctx, 200, result);
  }

  private void test(RoutingContext ctx) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    JsonObject body = Json.body(ctx);
    Object event = body.getValue("event");
    Object payload = body.containsKey("payload") ? body.getValue("payload") : new JsonObject();
    if (!(payload instanceof JsonObject data)) {
      throw ApiError.invalidField("payload", "must be a JSON object");
    }
    if (!(event instanceof String type)) {
      throw ApiError.invalidField("event", "is required and must be an event type");
    }
    UUID app = Partner.of(ctx).applicationId();
    Future<JsonObject> result = catalog.names().compose(names -> {
      if (!names.contains(type)) {
        throw ApiError.invalidField("event", "unknown event type '" + type + "' (see GET /api/partner/v1/event-types)");
      }
      return activeTarget(ctx, id);
    }).compose(target -> {
      String eventId = "test_" + UUID.randomUUID().toString().replace("-", "");
      DeliveryJob job = new DeliveryJob(UUID.randomUUID(), eventId, id, type, 0, envelope(eventId, type, data));
      return pool.preparedQuery(INSERT_TEST)
        .execute(Tuple.of(eventId, type, OffsetDateTime.now(ZoneOffset.UTC), job.body(), job.deliveryId(), id)
          .addUUID(app).addString(nodeId))
        .compose(v -> Attempt.send(sender, job, target.url(), target.signingKeys()))
        .compose(attempt -> record(attempt).map(attempt));
    }).map(attempt -> new JsonObject()
      .put("id", attempt.job().deliveryId().toString())
      .put("webhook_id", id.toString())
      .put("event", type)
      .put("event_id", attempt.job().eventId())
      .put("status", attempt.succeeded() ? "success" : "failed")
      .put("failure_reason", attempt.failureReason())
      .put("response_status", attempt.status())
      .put("response_body", preview(attempt.responseBody()))
      .put("duration_ms", attempt.durationMs()));
    Responses.reply(ctx, 200, result);
  }

  private Future<Void> record(Attempt a) {
    return pool.preparedQuery(RECORD_TEST).execute(Tuple.of(a.job().deliveryId(), a.job().subscriptionId(), a.startedAt(),
        a.requestHeaders(), a.status(), a.responseHeaders(), a.responseBody(), a.durationMs())
      .addString(a.failureReason()).addString(a.succeeded() ? "success" : "failed")).mapEmpty();
  }

  /** The caller's subscription, active, as this node's index knows it. */
  private Future<SubscriptionIndex.Target> activeTarget(RoutingContext ctx, UUID id) {
    return subscriptions.get(id, Partner.of(ctx).applicationId()).compose(s -> {
      if (s == null) {
        throw ApiError.notFound(NOT_FOUND);
      }
      if (s.status() != Subscription.Status.ACTIVE) {
        throw ApiError.invalid(NOT_ACTIVE);
      }
      SubscriptionIndex.Target target = index.get(id);
      return target != null ? Future.succeededFuture(target) : index.refresh(id).map(v -> index.get(id));
    });
  }

  private static String envelope(String eventId, String type, JsonObject data) {
    return new JsonObject()
      .put("id", eventId)
      .put("type", type)
      .put("created_at", Json.timestamp(OffsetDateTime.now(ZoneOffset.UTC)))
      .put("merchant_id", null)
      .put("livemode", false)
      .put("data", data)
      .encode();
  }

  private static String preview(String body) {
    return body == null ? null : body.length() <= PREVIEW_CHARS ? body : body.substring(0, PREVIEW_CHARS);
  }
}
