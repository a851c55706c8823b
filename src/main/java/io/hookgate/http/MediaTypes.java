package io.hookgate.http;

import java.util.Locale;

/**
 * Content-Type matching by the media type itself, not by its first letters: {@code application/jsonx}
 * is not JSON. Parameters are allowed ({@code charset=utf-8}); a charset other than UTF-8 is not, since
 * the body is read as UTF-8.
 */
public final class MediaTypes {
  public static final String JSON = "application/json";
  public static final String FORM = "application/x-www-form-urlencoded";

  private MediaTypes() {
  }

  /** Whether {@code contentType} names {@code mediaType} (case-insensitively), with no charset but UTF-8. */
  public static boolean is(String contentType, String mediaType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase(mediaType)) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      int eq = parameter.indexOf('=');
      if (eq < 0) {
        if (!parameter.isEmpty()) {
          return false;
        }
        continue;
      }
      String name = parameter.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = parameter.substring(eq + 1).trim().replace("\"", "").toLowerCase(Locale.ROOT);
      if (name.equals("charset") && !value.equals("utf-8") && !value.equals("utf8")) {
        return false;
      }
    }
    return true;
  }
}
