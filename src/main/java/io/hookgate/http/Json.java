package io.hookgate.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.ext.web.RoutingContext;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Small JSON helpers shared by the features' routes. */
public final class Json {
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
  /**
   * Jackson's streaming codec, for the per-event path (the ingest request, the envelope, the attempt's
   * headers). Vert.x's default codec goes through Jackson's data binding, which looks up a serializer for
   * every value it writes ({@code TypeKey.typedHash}, {@code Class.getName}: ~1.5 % of the gateway's CPU at
   * full load in a profile). Only JSON values (objects, arrays, strings, numbers, booleans, null) go
   * through it; the output is the same text.
   */
  private static final JacksonCodec STREAMING = new JacksonCodec();

  private static final String PARSED = "hookgate.json-body";

  private Json() {
  }

  /** Keeps a request body already read strictly, for {@link #body} to return without reading it again. */
  static void remember(RoutingContext ctx, Object parsed) {
    if (parsed != null) {
      ctx.put(PARSED, parsed);
    }
  }

  /** The request's JSON object body; an absent body is an empty object (validation ran before). */
  public static JsonObject body(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0) {
      return new JsonObject();
    }
    Object value = ctx.get(PARSED);
    if (value == null) {
      value = request(ctx.body().buffer());
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    throw ApiError.invalid("Request body must be a JSON object");
  }

  /**
   * A request body as a JSON value, read strictly ({@link StrictJson}); anything that is not strict JSON
   * is a 400 that names the problem, and the field when one string is to blame.
   */
  public static Object request(Buffer body) {
    try {
      return StrictJson.decode(body.getBytes());
    } catch (StrictJson.BadValue e) {
      throw ApiError.invalidField(e.field(), e.getMessage());
    } catch (DecodeException e) {
      throw ApiError.invalid("Request body is not valid JSON");
    }
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

  /** Parses JSON text Hookgate wrote itself: a {@link JsonObject}, {@link JsonArray}, string, number, boolean or null. */
  public static Object decode(Buffer json) throws DecodeException {
    return STREAMING.fromBuffer(json);
  }

  /** Writes JSON values (no other objects) as compact JSON text. */
  public static String encode(Object json) {
    return STREAMING.toString(json, false);
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
