package io.hookgate.dialect;

import io.hookgate.http.ApiError;

/**
 * The API's {@code payload_format} and {@code signature_scheme} fields: names the dialects file defines. A
 * name it does not define is a 400 naming the field and listing the names it does.
 */
public final class DialectFields {
  public static final String FORMAT = "payload_format";
  public static final String SCHEME = "signature_scheme";

  private DialectFields() {
  }

  /** The payload format named by a request's field (null when the field is null). */
  public static String format(Dialects dialects, Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String name) || !dialects.hasFormat(name)) {
      throw ApiError.invalidField(FORMAT, "must be one of " + String.join(", ", dialects.formatNames()));
    }
    return name;
  }

  /** The signature scheme named by a request's field (null when the field is null). */
  public static String scheme(Dialects dialects, Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String name) || !dialects.hasScheme(name)) {
      throw ApiError.invalidField(SCHEME, "must be one of " + String.join(", ", dialects.schemeNames()));
    }
    return name;
  }
}
