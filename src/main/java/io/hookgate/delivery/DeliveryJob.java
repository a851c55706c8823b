package io.hookgate.delivery;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * One attempt's worth of work, sent point-to-point on {@value #ADDRESS}. The node that receives it
 * holds the delivery's lease; the body is the exact envelope stored with the event.
 *
 * @param attempts attempts already made before this one
 */
public record DeliveryJob(UUID deliveryId, String eventId, UUID subscriptionId, String type, int attempts, String body) {
  public static final String ADDRESS = "hookgate.deliver";

  public JsonObject toJson() {
    return new JsonObject()
      .put("delivery_id", deliveryId.toString())
      .put("event_id", eventId)
      .put("subscription_id", subscriptionId.toString())
      .put("type", type)
      .put("attempts", attempts)
      .put("body", body);
  }

  public static DeliveryJob fromJson(JsonObject json) {
    return new DeliveryJob(UUID.fromString(json.getString("delivery_id")), json.getString("event_id"),
      UUID.fromString(json.getString("subscription_id")), json.getString("type"), json.getInteger("attempts"),
      json.getString("body"));
  }
}
