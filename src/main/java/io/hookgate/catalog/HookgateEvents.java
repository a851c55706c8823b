package io.hookgate.catalog;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The event types Hookgate emits about its own endpoints (operational webhooks), in the catalog beside the
 * platform's business events. A platform cannot push them ({@code POST /api/v1/events} refuses them); a
 * subscription receives them only when it names them or their group ({@code endpoint.*},
 * {@code delivery.*}), never through {@code *}, and a partner's only for its own endpoints.
 *
 * <p>Whoever sees one happen {@linkplain #emit emits} it on this node's event bus; the operational-events
 * writer stores it as an event like any other, so it is delivered, signed, retried and recorded the same way.
 */
public final class HookgateEvents {
  /** Local (this node's) event-bus address of emitted events: {@code {"type", "webhook_id", "data"}}. */
  public static final String ADDRESS = "hookgate.operational-events";

  /**
   * The application that owns the platform's own subscriptions to these events (the Platform API's
   * {@code /operational-webhooks}); created by the schema, never given to a partner.
   */
  public static final UUID PLATFORM_APPLICATION = UUID.fromString("00000000-0000-4000-8000-000000000001");

  public static final String ENDPOINT_DISABLED = "endpoint.disabled";
  public static final String ENDPOINT_ENABLED = "endpoint.enabled";
  public static final String BREAKER_OPENED = "endpoint.breaker_opened";
  public static final String BREAKER_CLOSED = "endpoint.breaker_closed";
  public static final String ENDPOINT_FAILING = "endpoint.failing";
  public static final String DELIVERY_EXHAUSTED = "delivery.exhausted";

  private static final Map<String, String> DESCRIPTIONS = new LinkedHashMap<>();

  static {
    DESCRIPTIONS.put(ENDPOINT_DISABLED, "Hookgate: a webhook subscription was disabled (data.reason says why; "
      + "data.disabled_by is hookgate or partner)");
    DESCRIPTIONS.put(ENDPOINT_ENABLED, "Hookgate: a disabled webhook subscription was activated again");
    DESCRIPTIONS.put(BREAKER_OPENED, "Hookgate: the endpoint's circuit breaker opened; its deliveries wait, "
      + "without spending attempts");
    DESCRIPTIONS.put(BREAKER_CLOSED, "Hookgate: the endpoint's circuit breaker closed; waiting deliveries resume");
    DESCRIPTIONS.put(ENDPOINT_FAILING, "Hookgate: the subscription's health went to error (most recent deliveries "
      + "failed)");
    DESCRIPTIONS.put(DELIVERY_EXHAUSTED, "Hookgate: a delivery failed after its last retry");
  }

  private HookgateEvents() {
  }

  public static boolean isOwn(String type) {
    return DESCRIPTIONS.containsKey(type);
  }

  public static List<String> types() {
    return List.copyOf(DESCRIPTIONS.keySet());
  }

  /** The catalog entries, seeded at start-up with the file's. */
  static List<EventType> catalog() {
    return DESCRIPTIONS.entrySet().stream()
      .map(e -> new EventType(e.getKey(), EventType.groupOf(e.getKey()), e.getValue(), false, null, null))
      .toList();
  }

  /**
   * Reports that {@code type} happened to the subscription {@code webhookId}; {@code data} adds to what the
   * event says of the subscription (its id, application and URL). Fire and forget: an operational event is
   * a notice, and what it reports is recorded elsewhere anyway (status, health, the delivery's row).
   */
  public static void emit(Vertx vertx, String type, UUID webhookId, JsonObject data) {
    vertx.eventBus().send(ADDRESS, new JsonObject().put("type", type).put("webhook_id", webhookId.toString())
      .put("data", data), LOCAL);
  }

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
}
