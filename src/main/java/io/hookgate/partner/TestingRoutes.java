package io.hookgate.partner;

import io.hookgate.auth.Partner;
import io.hookgate.catalog.EventAliases;
import io.hookgate.catalog.EventCatalog;
import io.hookgate.engine.Attempt;
import io.hookgate.engine.AttemptStore;
import io.hookgate.engine.DeliveryJob;
import io.hookgate.engine.DeliveryStatus;
import io.hookgate.engine.DeliveryStore;
import io.hookgate.engine.Envelope;
import io.hookgate.engine.EventStore;
import io.hookgate.http.ApiError;
import io.hookgate.http.Json;
import io.hookgate.http.Operations;
import io.hookgate.http.PathIds;
import io.hookgate.http.Responses;
import io.hookgate.outbound.Sender;
import io.hookgate.subscription.Subscription;
import io.hookgate.subscription.SubscriptionIndex;
import io.hookgate.subscription.SubscriptionStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Synchronous sends a partner uses to debug an endpoint, in the subscription's dialect, with the same
 * envelope and signatures as real deliveries (receivers must verify them like any other):
 * <ul>
 *   <li>{@code POST /webhooks/{id}/ping}: a {@code ping} event; answers what the endpoint answered
 *       Not recorded.</li>
 *   <li>{@code POST /webhooks/{id}/test}: an event of a catalog type with the partner's payload; kept
 *       in the delivery history as a test, one attempt, no retries, not counted in health or stats.</li>
 * </ul>
 * Both skip the circuit breaker (the point is to probe the endpoint) but not the SSRF guard.
 */
final class TestingRoutes {
  private static final String NOT_FOUND = "Webhook subscription not found";
  private static final String NOT_ACTIVE = "Webhook subscription is not active";
  private static final int PREVIEW_CHARS = 1024;

  private final Pool pool;
  private final Stores stores;
  private final SubscriptionStore subscriptions;
  private final SubscriptionIndex index;
  private final EventCatalog catalog;
  private final Sender sender;
  private final String nodeId;
  private final EventAliases aliases;

  /** The tables a test delivery is written to, each by its owner. */
  record Stores(EventStore events, DeliveryStore deliveries, AttemptStore attempts) {
  }

  TestingRoutes(Pool pool, Stores stores, SubscriptionStore subscriptions, SubscriptionIndex index,
                       EventCatalog catalog, Sender sender, String nodeId, EventAliases aliases) {
    this.pool = pool;
    this.stores = stores;
    this.subscriptions = subscriptions;
    this.index = index;
    this.catalog = catalog;
    this.sender = sender;
    this.nodeId = nodeId;
    this.aliases = aliases;
  }

  void mount(Operations ops) {
    ops.on("pingWebhook", this::ping)
      .on("testWebhook", this::test);
  }

  private void ping(RoutingContext ctx) {
    UUID id = PathIds.uuid(ctx, "id", NOT_FOUND);
    Future<JsonObject> result = activeTarget(ctx, id).compose(target -> {
      String eventId = "ping_" + UUID.randomUUID().toString().replace("-", "");
      String body = envelope(eventId, "ping", new JsonObject().put("webhook_id", id.toString()));
      DeliveryJob job = new DeliveryJob(UUID.randomUUID(), eventId, id, "ping", 0, body, now());
      return Attempt.send(sender, job, target);
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
    if (!(event instanceof String name)) {
      throw ApiError.invalidField("event", "is required and must be an event type");
    }
    // A partner may name the type as its platform does (Shopline's order/create).
    String type = aliases.type(name);
    UUID app = Partner.of(ctx).applicationId();
    Future<JsonObject> result = catalog.names().compose(names -> {
      if (!names.contains(type)) {
        throw ApiError.invalidField("event", "unknown event type '" + type + "' (see GET /api/partner/v1/event-types)");
      }
      return activeTarget(ctx, id);
    }).compose(target -> {
      String eventId = "test_" + UUID.randomUUID().toString().replace("-", "");
      DeliveryJob job = new DeliveryJob(UUID.randomUUID(), eventId, id, type, 0, envelope(eventId, type, data), now());
      return pool.withTransaction(conn -> stores.events().insertTest(conn, eventId, type, job.body(), job.createdAt())
          .compose(v -> stores.deliveries().insertTest(conn, job, app, nodeId)))
        .compose(v -> Attempt.send(sender, job, target))
        .compose(attempt -> record(attempt).map(attempt));
    }).map(attempt -> new JsonObject()
      .put("id", attempt.job().deliveryId().toString())
      .put("webhook_id", id.toString())
      .put("event", type)
      .put("event_id", attempt.job().eventId())
      .put("status", (attempt.succeeded() ? DeliveryStatus.SUCCESS : DeliveryStatus.FAILED).sql())
      .put("failure_reason", attempt.failureReason())
      .put("response_status", attempt.status())
      .put("response_body", preview(attempt.responseBody()))
      .put("duration_ms", attempt.durationMs()));
    Responses.reply(ctx, 200, result);
  }

  /** The test's one attempt and its outcome; a test counts in neither health nor stats. */
  private Future<Void> record(Attempt a) {
    return pool.withTransaction(conn -> stores.attempts().insert(conn, List.of(a))
      .compose(v -> stores.deliveries().finishTest(conn, a.job(),
        a.succeeded() ? DeliveryStatus.SUCCESS : DeliveryStatus.FAILED, a.status(), a.failureReason())));
  }

  /** PostgreSQL keeps microseconds: the test event's time and its delivery's are written and matched alike. */
  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  /** The caller's subscription, active, as this node's index knows it. */
  private Future<SubscriptionIndex.Target> activeTarget(RoutingContext ctx, UUID id) {
    return subscriptions.get(pool, id, Partner.of(ctx).applicationId()).compose(s -> {
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
    return Envelope.of(eventId, type, OffsetDateTime.now(ZoneOffset.UTC), null, false, data);
  }

  private static String preview(String body) {
    return body == null ? null : body.length() <= PREVIEW_CHARS ? body : body.substring(0, PREVIEW_CHARS);
  }
}
