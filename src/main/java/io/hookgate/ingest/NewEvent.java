package io.hookgate.ingest;

import io.hookgate.catalog.HookgateEvents;
import io.hookgate.engine.Envelope;
import io.hookgate.http.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One event a platform pushed, validated, with the JSON envelope that will be signed and sent:
 * {@code {"id","type","created_at","merchant_id","livemode","data"}}.
 */
public record NewEvent(String id, String type, String merchantId, String inventoryLocation, OffsetDateTime occurredAt,
                       boolean livemode, Set<UUID> applicationIds, String body) {

  private static final Pattern ID = Pattern.compile("^[A-Za-z0-9_.:\\-]{1,128}$");
  private static final Set<String> FIELDS = Set.of("id", "type", "data", "merchant_id", "inventory_location",
    "occurred_at", "application_ids", "livemode");

  /** The error when an event exceeds the configured size. */
  public static ApiError tooLarge(String field, int limit) {
    return new ApiError(413, "invalid_request", "Event " + field + " exceeds " + limit + " bytes");
  }

  /**
   * Validates one event of a request. {@code field} names it in errors ({@code events[3]}, or empty
   * for a single event); {@code defaultId} applies when the event has no id (Idempotency-Key).
   */
  public static NewEvent parse(Object value, String field, String defaultId, Set<String> catalog, int maxBytes) {
    String prefix = field.isEmpty() ? "" : field + ".";
    if (!(value instanceof JsonObject json)) {
      throw ApiError.invalidField(field.isEmpty() ? "body" : field, "must be a JSON object");
    }
    for (String name : json.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw ApiError.invalidField(prefix + name, "is not a known field");
      }
    }
    Object type = json.getValue("type");
    if (type instanceof String own && HookgateEvents.isOwn(own)) {
      throw ApiError.invalidField(prefix + "type", "'" + own + "' is emitted by Hookgate itself about its endpoints");
    }
    if (!(type instanceof String t) || !catalog.contains(t)) {
      throw ApiError.invalidField(prefix + "type", type instanceof String
        ? "unknown event type '" + abbreviate((String) type) + "' (see GET /api/v1/event-types)"
        : "is required and must be a string");
    }
    if (!(json.getValue("data") instanceof JsonObject data)) {
      throw ApiError.invalidField(prefix + "data", "is required and must be a JSON object");
    }
    String id = optionalString(json, "id", prefix);
    if (id != null && !ID.matcher(id).matches()) {
      throw ApiError.invalidField(prefix + "id", "must be 1 to 128 letters, digits or _ . : -");
    }
    if (id == null) {
      id = defaultId != null ? defaultId : "evt_" + UUID.randomUUID().toString().replace("-", "");
    }
    String merchantId = bounded(json, "merchant_id", prefix);
    String location = bounded(json, "inventory_location", prefix);
    OffsetDateTime occurredAt = occurredAt(json, prefix);
    Object live = json.getValue("livemode");
    if (live != null && !(live instanceof Boolean)) {
      throw ApiError.invalidField(prefix + "livemode", "must be a boolean");
    }
    Set<UUID> applications = applications(json.getValue("application_ids"), prefix);

    String body = Envelope.of(id, t, occurredAt, merchantId, live == null || (Boolean) live, data);
    if (body.length() > maxBytes / 3 && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
      throw tooLarge(field.isEmpty() ? "body" : field, maxBytes);
    }
    return new NewEvent(id, t, merchantId, location, occurredAt, live == null || (Boolean) live, applications, body);
  }

  /** One of Hookgate's own events, for these applications' subscriptions only. */
  public static NewEvent own(String type, JsonObject data, Set<UUID> applicationIds) {
    String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    return new NewEvent(id, type, null, null, now, true, applicationIds, Envelope.of(id, type, now, null, true, data));
  }

  private static String optionalString(JsonObject json, String name, String prefix) {
    Object value = json.getValue(name);
    if (value != null && !(value instanceof String)) {
      throw ApiError.invalidField(prefix + name, "must be a string");
    }
    return (String) value;
  }

  private static String bounded(JsonObject json, String name, String prefix) {
    String value = optionalString(json, name, prefix);
    if (value != null && (value.isEmpty() || value.length() > 200)) {
      throw ApiError.invalidField(prefix + name, "must be 1 to 200 characters");
    }
    return value;
  }

  private static OffsetDateTime occurredAt(JsonObject json, String prefix) {
    String text = optionalString(json, "occurred_at", prefix);
    if (text == null) {
      return OffsetDateTime.now(ZoneOffset.UTC);
    }
    OffsetDateTime time;
    try {
      time = OffsetDateTime.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiError.invalidField(prefix + "occurred_at", "must be an ISO-8601 timestamp with offset, e.g. 2024-04-01T10:00:00Z");
    }
    // PostgreSQL cannot store every year Java parses; one such event would fail the batch it is written with.
    if (time.getYear() < 1970 || time.getYear() > 9999) {
      throw ApiError.invalidField(prefix + "occurred_at", "must be between the years 1970 and 9999");
    }
    return time;
  }

  private static Set<UUID> applications(Object value, String prefix) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > 1000) {
      throw ApiError.invalidField(prefix + "application_ids", "must be a list of 1 to 1000 application ids");
    }
    Set<UUID> ids = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      try {
        ids.add(UUID.fromString((String) array.getValue(i)));
      } catch (RuntimeException e) {
        throw ApiError.invalidField(prefix + "application_ids[" + i + "]", "must be an application id (UUID)");
      }
    }
    return ids;
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "…";
  }

  public String applicationIdsJson() {
    return applicationIds == null ? null : new JsonArray(applicationIds.stream().map(UUID::toString).toList()).encode();
  }
}
