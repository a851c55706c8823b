package io.hookgate.http;

import io.vertx.core.MultiMap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;

/**
 * Percent-encoded text as it reaches the gateway in request targets and form bodies, decoded strictly:
 * a {@code %} must be followed by two hex digits, the decoded bytes must be well-formed UTF-8, and no
 * value may hold NUL or another C0 control character. Netty's decoders throw on a stray {@code %} (which
 * surfaced as 500s) and replace bad UTF-8 silently; these checks run first and make such input a 400.
 */
public final class UrlText {
  /** Why a piece of the request cannot be read; the message is written for the caller. */
  public static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private UrlText() {
  }

  /** Null when the request target's path and query decode cleanly, else what is wrong. */
  public static String problem(String uri) {
    int question = uri.indexOf('?');
    String path = question < 0 ? uri : uri.substring(0, question);
    try {
      decode(path, false);
    } catch (Malformed e) {
      return "The request path " + e.getMessage();
    }
    if (question >= 0) {
      try {
        form(uri.substring(question + 1), "query parameter");
      } catch (Malformed e) {
        return e.getMessage();
      }
    }
    return null;
  }

  /**
   * Decodes {@code application/x-www-form-urlencoded} text (a query string or a form body) into its
   * fields; {@code what} names a field in errors ("query parameter", "form field").
   */
  public static MultiMap form(String text, String what) throws Malformed {
    MultiMap fields = MultiMap.caseInsensitiveMultiMap();
    if (text.isEmpty()) {
      return fields;
    }
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String name;
      try {
        name = decode(rawName, true);
      } catch (Malformed e) {
        throw new Malformed("A " + what + " name " + e.getMessage());
      }
      try {
        fields.add(name, eq < 0 ? "" : decode(pair.substring(eq + 1), true));
      } catch (Malformed e) {
        throw new Malformed("The " + what + " '" + printable(name) + "' " + e.getMessage());
      }
    }
    return fields;
  }

  /** One percent-encoded component; {@code +} is a space in form encoding. */
  public static String decode(String component, boolean plusIsSpace) throws Malformed {
    if (plain(component, plusIsSpace)) {
      return checked(component);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(component.length());
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      if (c == '%') {
        int hi = i + 1 < component.length() ? Character.digit(component.charAt(i + 1), 16) : -1;
        int lo = i + 2 < component.length() ? Character.digit(component.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new Malformed("is not valid percent-encoding (% must be followed by two hex digits)");
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        // A raw non-ASCII character in the target: Netty has already read the line as ISO-8859-1 bytes.
        bytes.write(c & 0xFF);
      }
    }
    try {
      return checked(Utf8.decode(bytes.toByteArray()).toString());
    } catch (CharacterCodingException e) {
      throw new Malformed("is not valid UTF-8 once percent-decoded");
    }
  }

  private static boolean plain(String component, boolean plusIsSpace) {
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      if (c == '%' || c >= 0x80 || c == '+' && plusIsSpace) {
        return false;
      }
    }
    return true;
  }

  private static String checked(String text) throws Malformed {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        throw new Malformed("must not contain control characters such as NUL");
      }
    }
    return text;
  }

  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    name.codePoints().limit(60).forEach(cp -> out.append(cp < 0x20 || cp == 0x7F ? "?" : Character.toString(cp)));
    return out.toString();
  }
}
