package io.hookgate.subscription;

import io.hookgate.http.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** A partner's webhook subscription. The signing secret is not part of it: it never leaves the store
 * except once, at creation or rotation. */
public record Subscription(
  UUID id,
  UUID applicationId,
  String url,
  List<String> events,
  String description,
  Status status,
  String disabledReason,
  OffsetDateTime createdAt,
  OffsetDateTime updatedAt,
  OffsetDateTime lastTriggeredAt,
  SubscriptionFilter filter,
  String circuitState,
  Health health,
  Integer rateLimitPerSecond,
  DialectNames dialect,
  String category,
  String shopId) {

  public enum Status { ACTIVE, PAUSED, DISABLED }

  /** A success rate (percent) below this puts the health in error. */
  public static final double ERROR_BELOW = 50;

  /** The payload format and signature scheme its deliveries use, by their names in the dialects file. */
  public record DialectNames(String payloadFormat, String signatureScheme) {
  }

  /** {@code health_status} as POS partners know it; the status is derived, the rest is kept by the result writer. */
  public record Health(double successRate, String lastFailureReason,
                       OffsetDateTime lastSuccessAt, OffsetDateTime lastFailureAt) {
    JsonObject toJson(String status) {
      return new JsonObject()
        .put("status", status)
        .put("success_rate", successRate)
        .put("last_failure_reason", lastFailureReason)
        .put("last_success_at", Json.timestamp(lastSuccessAt))
        .put("last_failure_at", Json.timestamp(lastFailureAt));
    }
  }

  static final String COLUMNS = "id, application_id, url, events, description, status, disabled_reason, created_at,"
    + " updated_at, last_triggered_at, filter, circuit_state, success_rate, last_failure_reason, last_success_at,"
    + " last_failure_at, rate_limit_per_second, payload_format, signature_scheme, category, shop_id";

  static Subscription from(Row row) {
    return new Subscription(
      row.getUUID("id"),
      row.getUUID("application_id"),
      row.getString("url"),
      List.of(row.getArrayOfStrings("events")),
      row.getString("description"),
      Status.valueOf(row.getString("status")),
      row.getString("disabled_reason"),
      row.getOffsetDateTime("created_at"),
      row.getOffsetDateTime("updated_at"),
      row.getOffsetDateTime("last_triggered_at"),
      SubscriptionFilter.fromJson((JsonObject) row.getJson("filter")),
      row.getString("circuit_state"),
      new Health(row.getDouble("success_rate"), row.getString("last_failure_reason"),
        row.getOffsetDateTime("last_success_at"), row.getOffsetDateTime("last_failure_at")),
      row.getInteger("rate_limit_per_second"),
      new DialectNames(row.getString("payload_format"), row.getString("signature_scheme")),
      row.getString("category"),
      row.getString("shop_id"));
  }

  public boolean active() {
    return status == Status.ACTIVE;
  }

  /**
   * healthy / warning / error: an endpoint whose breaker is open, or that is disabled, or that fails
   * most deliveries is in error; one being probed (half-open) or failing often is a warning.
   */
  public String healthStatus() {
    if (status == Status.DISABLED || "open".equals(circuitState) || health.successRate() < ERROR_BELOW) {
      return "error";
    }
    if ("half_open".equals(circuitState) || health.successRate() < 90) {
      return "warning";
    }
    return "healthy";
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id.toString())
      .put("url", url)
      .put("events", Json.array(events))
      .put("description", description)
      .put("is_active", active())
      .put("status", status.name())
      .put("disabled_reason", disabledReason)
      .put("created_at", Json.timestamp(createdAt))
      .put("updated_at", Json.timestamp(updatedAt))
      .put("last_triggered_at", Json.timestamp(lastTriggeredAt))
      .put("filter", filter.toJson())
      .put("rate_limit_per_second", rateLimitPerSecond)
      .put("payload_format", dialect.payloadFormat())
      .put("signature_scheme", dialect.signatureScheme())
      .put("category", category)
      .put("shop_id", shopId)
      .put("health_status", health.toJson(healthStatus()));
  }
}
