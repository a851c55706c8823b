package io.hookgate.engine;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * One attempt's worth of work, sent point-to-point on {@value #ADDRESS}. The node that receives it
 * holds the delivery's lease; the body is the exact envelope stored with the event.
 *
 * @param attempts   attempts already made before this one
 * @param createdAt  when the delivery's event was received: its row's {@code created_at}, the key of the
 *                   partition that holds the row, so writes find it without searching every partition
 * @param unrecorded set when the delivery has no row yet (see {@link FanoutLedger}); null when it has one
 */
public record DeliveryJob(UUID deliveryId, String eventId, UUID subscriptionId, String type, int attempts, String body,
                          Instant createdAt, Unrecorded unrecorded) {
  public static final String ADDRESS = "hookgate.deliver";

  /**
   * A first attempt straight from ingest: the delivery exists only in its event's fan-out, and its row is
   * written once, with the attempt's outcome (or whatever else becomes of it). What that row needs and
   * the job does not carry otherwise: the node whose ledger tracks it and the subscription's application.
   */
  public record Unrecorded(String node, UUID applicationId) {
  }

  /** A job for a delivery that already has its row. */
  public DeliveryJob(UUID deliveryId, String eventId, UUID subscriptionId, String type, int attempts, String body,
                     Instant createdAt) {
    this(deliveryId, eventId, subscriptionId, type, attempts, body, createdAt, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("delivery_id", deliveryId.toString())
      .put("event_id", eventId)
      .put("subscription_id", subscriptionId.toString())
      .put("type", type)
      .put("attempts", attempts)
      .put("body", body)
      .put("created_at", createdAt.toString());
    if (unrecorded != null) {
      json.put("unrecorded", new JsonObject()
        .put("node", unrecorded.node())
        .put("application_id", unrecorded.applicationId().toString()));
    }
    return json;
  }

  public static DeliveryJob fromJson(JsonObject json) {
    JsonObject u = json.getJsonObject("unrecorded");
    return new DeliveryJob(UUID.fromString(json.getString("delivery_id")), json.getString("event_id"),
      UUID.fromString(json.getString("subscription_id")), json.getString("type"), json.getInteger("attempts"),
      json.getString("body"), Instant.parse(json.getString("created_at")), u == null ? null
        : new Unrecorded(u.getString("node"), UUID.fromString(u.getString("application_id"))));
  }
}
