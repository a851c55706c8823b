package io.hookgate.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.LinkedHashMap;

/**
 * Reads request JSON the way a gateway that stores and re-signs it must: RFC 8259 and nothing more.
 * The bytes must be well-formed UTF-8 (no overlong forms, no encoded surrogates, nothing above
 * U+10FFFF: Jackson alone decodes such bytes into mangled text); no comments, no trailing text, no key
 * twice in one object; no string holding NUL (PostgreSQL text cannot store it) or an unpaired
 * surrogate escape (it cannot be written back as UTF-8). Decimals are kept exactly
 * ({@link java.math.BigDecimal}), so an amount is re-signed as the platform sent it, not as a double.
 */
final class StrictJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
    .build();

  /** A value inside the document that cannot be accepted; {@link #field} names where, e.g. {@code data.items[2].sku}. */
  static final class BadValue extends RuntimeException {
    private final StringBuilder field;

    BadValue(String problem) {
      super(problem, null, false, false);
      this.field = new StringBuilder();
    }

    BadValue at(String key) {
      field.insert(0, field.length() == 0 || field.charAt(0) == '[' ? key : key + ".");
      return this;
    }

    BadValue at(int index) {
      field.insert(0, field.length() == 0 || field.charAt(0) == '[' ? "[" + index + "]" : "[" + index + "].");
      return this;
    }

    String field() {
      return field.length() == 0 ? "body" : field.toString();
    }
  }

  private StrictJson() {
  }

  /** Decodes one JSON value; {@link DecodeException} for text that is not JSON, {@link BadValue} for a bad string in it. */
  static Object decode(byte[] bytes) {
    CharBuffer text = utf8(bytes);
    try (JsonParser parser = FACTORY.createParser(text.array(), text.arrayOffset() + text.position(), text.remaining())) {
      if (parser.nextToken() == null) {
        throw new DecodeException("no JSON value");
      }
      Object value = value(parser);
      if (parser.nextToken() != null) {
        throw new DecodeException("unexpected text after the JSON value");
      }
      return value;
    } catch (IOException e) {
      throw new DecodeException(e.getMessage(), e);
    }
  }

  private static CharBuffer utf8(byte[] bytes) {
    try {
      return Utf8.decode(bytes);
    } catch (CharacterCodingException e) {
      throw new DecodeException("the body is not valid UTF-8");
    }
  }

  private static Object value(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    return switch (token) {
      case START_OBJECT -> object(parser);
      case START_ARRAY -> array(parser);
      case VALUE_STRING -> text(parser.getText());
      case VALUE_NUMBER_INT -> parser.getNumberValue();
      case VALUE_NUMBER_FLOAT -> parser.getDecimalValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new DecodeException("unexpected " + token);
    };
  }

  private static JsonObject object(JsonParser parser) throws IOException {
    LinkedHashMap<String, Object> map = new LinkedHashMap<>();
    for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
      try {
        text(key);
      } catch (BadValue e) {
        throw e.at(printable(key));
      }
      parser.nextToken();
      Object value;
      try {
        value = value(parser);
      } catch (BadValue e) {
        throw e.at(key);
      }
      if (map.containsKey(key)) {
        throw new BadValue("is given twice").at(key);
      }
      map.put(key, value);
    }
    return new JsonObject(map);
  }

  private static JsonArray array(JsonParser parser) throws IOException {
    JsonArray array = new JsonArray();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      try {
        array.add(value(parser));
      } catch (BadValue e) {
        throw e.at(array.size());
      }
    }
    return array;
  }

  private static String text(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw new BadValue("must not contain the NUL character (\\u0000)");
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        if (!paired) {
          throw new BadValue("contains an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not a character");
        }
        i++;
      }
    }
    return s;
  }

  private static String printable(String key) {
    return key.replace("\u0000", "\\u0000");
  }
}
