package io.hookgate.engine;

import io.hookgate.http.Json;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/**
 * Hookgate's own envelope: the JSON a delivery carries, written once when the event is taken and stored
 * as it is, so every retry and replay sends (and signs) the same bytes:
 * {@code {"id", "type", "created_at", "merchant_id", "livemode", "data"}}.
 */
public final class Envelope {
  private Envelope() {
  }

  public static String of(String id, String type, OffsetDateTime occurredAt, String merchantId, boolean livemode,
                          JsonObject data) {
    return Json.encode(new JsonObject()
      .put("id", id)
      .put("type", type)
      .put("created_at", Json.timestamp(occurredAt))
      .put("merchant_id", merchantId)
      .put("livemode", livemode)
      .put("data", data));
  }
}
