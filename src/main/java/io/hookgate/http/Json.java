package io.hookgate.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Small JSON helpers shared by the features' routes. */
public final class Json {
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private Json() {
  }

  /** The request's JSON object body; an absent body is an empty object (validation ran before). */
  public static JsonObject body(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
      return new JsonObject();
    }
    Object value = io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
    if (value instanceof JsonObject object) {
      return object;
    }
    throw ApiError.invalid("Request body must be a JSON object");
  }

  /** An optional string field of at most {@code max} characters; null when absent or null. */
  public static String optionalText(JsonObject body, String field, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.length() > max) {
      throw ApiError.invalidField(field, "must be a string of at most " + max + " characters");
    }
    return s;
  }

  public static String timestamp(OffsetDateTime time) {
    return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).format(TIMESTAMP);
  }

  public static JsonArray array(Iterable<String> values) {
    JsonArray array = new JsonArray();
    values.forEach(array::add);
    return array;
  }

}
