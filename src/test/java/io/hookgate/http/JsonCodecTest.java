package io.hookgate.http;

import io.hookgate.Hookgate;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The streaming codec used on the per-event path reads and writes what Vert.x's default codec does: the
 * envelope is signed as written, so a different text would be a different signature.
 */
class JsonCodecTest {
  private static final String REQUEST = """
    {"id":"ord-1","type":"order.created","occurred_at":"2026-11-23T07:00:00+07:00","livemode":false,
     "application_ids":["6f1c2a3e-0b7d-4c59-9a8e-2f4b6c8d0e1a"],
     "data":{"order_id":123456789012,"total":"฿1,250.00","amount":1250.5,"big":123456789012345678901234567890,
             "tiny":1.0E-7,"items":[{"sku":"A\\"1\\\\","qty":2},null,true,[]],"note":"line\\nbreak \\u0001 \\u2028",
             "empty":{},"emoji":"\uD83D\uDE00"}}""";

  @Test
  void decodesAsTheDefaultCodecDoes() {
    Object streaming = Json.decode(Buffer.buffer(REQUEST));
    assertThat(streaming).isInstanceOf(JsonObject.class).isEqualTo(io.vertx.core.json.Json.decodeValue(REQUEST));
    assertThat(((JsonObject) streaming).getJsonObject("data").getValue("big")).isInstanceOf(java.math.BigInteger.class);
    assertThat(Json.decode(Buffer.buffer("[1,\"a\"]"))).isEqualTo(new JsonArray().add(1).add("a"));
  }

  @Test
  void encodesTheSameTextAsTheDefaultCodec() {
    JsonObject request = new JsonObject(REQUEST);
    JsonObject envelope = new JsonObject().put("id", "ord-1").put("type", "order.created")
      .put("created_at", "2026-11-23T00:00:00Z").put("merchant_id", null).put("livemode", false)
      .put("data", request.getJsonObject("data"));
    assertThat(Json.encode(envelope)).isEqualTo(envelope.encode());
    JsonObject headers = new JsonObject().put("content-type", "application/json").put("webhook-id", "ord-1")
      .put("user-agent", "Hookgate/1.0 (+\"quoted\")");
    assertThat(Json.encode(headers)).isEqualTo(headers.encode());
    // And what it wrote reads back to the same values.
    assertThat(Json.decode(Buffer.buffer(Json.encode(envelope)))).isEqualTo(envelope);
  }

  @Test
  void rejectsWhatIsNotOneJsonValue() {
    assertThatThrownBy(() -> Json.decode(Buffer.buffer(""))).isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> Json.decode(Buffer.buffer("{\"a\":1} {}"))).isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> Json.decode(Buffer.buffer("{\"a\":"))).isInstanceOf(DecodeException.class);
  }
}
