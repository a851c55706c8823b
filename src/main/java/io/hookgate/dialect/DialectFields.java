package io.hookgate.dialect;

import io.hookgate.http.ApiError;

import java.util.Set;

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
    return named(FORMAT, value, dialects.formatNames());
  }

  /** The signature scheme named by a request's field (null when the field is null). */
  public static String scheme(Dialects dialects, Object value) {
    return named(SCHEME, value, dialects.schemeNames());
  }

  private static String named(String field, Object value, Set<String> names) {
    if (value != null && !(value instanceof String name && names.contains(name))) {
      throw ApiError.invalidField(field, "must be one of " + String.join(", ", names));
    }
    return (String) value;
  }
}
