package io.hookgate.dialect;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A body's JSON with the keys of every object sorted, written exactly as a receiver following its
 * platform's recipe writes it in JavaScript ({@code JSON.stringify} of the parsed body with its keys
 * sorted): no spaces, strings escaped as JavaScript escapes them, numbers as JavaScript prints doubles,
 * and keys that are array indices ("0", "17") first in numeric order, as JavaScript objects keep them.
 */
final class CanonicalJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CanonicalJson() {
  }

  static String write(JsonNode node) {
    StringBuilder out = new StringBuilder(256);
    write(node, out);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> keys = new ArrayList<>(node.size());
        Iterator<String> names = node.fieldNames();
        names.forEachRemaining(keys::add);
        keys.sort(CanonicalJson::javascriptOrder);
        out.append('{');
        for (int i = 0; i < keys.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          string(keys.get(i), out);
          out.append(':');
          write(node.get(keys.get(i)), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> string(node.textValue(), out);
      case NUMBER -> out.append(number(node));
      case BOOLEAN -> out.append(node.booleanValue());
      default -> out.append("null");
    }
  }

  /** Array-index keys first, ascending by value; then the others by UTF-16 code units, as JavaScript sorts. */
  private static int javascriptOrder(String a, String b) {
    long ia = arrayIndex(a);
    long ib = arrayIndex(b);
    if (ia >= 0 || ib >= 0) {
      return ia >= 0 && ib >= 0 ? Long.compare(ia, ib) : ia >= 0 ? -1 : 1;
    }
    return a.compareTo(b);
  }

  /** The key's value when it is an array index (a canonical integer below 2^32 - 1), else -1. */
  private static long arrayIndex(String key) {
    int n = key.length();
    if (n == 0 || n > 10 || (n > 1 && key.charAt(0) == '0')) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value < 4_294_967_295L ? value : -1;
  }

  private static void string(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
            out.append(c).append(text.charAt(++i));
          } else if (c < 0x20 || Character.isSurrogate(c)) {
            // Control characters, and surrogates that are not a pair, are written as escapes (well-formed JSON.stringify).
            out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF])
              .append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** A number as JavaScript prints the double a receiver's JSON.parse makes of it. */
  static String number(JsonNode node) {
    double d = node.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "null";
    }
    if (d == 0) {
      return "0";
    }
    // Double.toString gives the shortest digits that read back as the same double (as JavaScript does);
    // only the notation differs: JavaScript writes plain digits from 1e-6 up to 1e21.
    BigDecimal digits = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String sign = d < 0 ? "-" : "";
    int exponent = digits.precision() - digits.scale() - 1;
    if (exponent >= -6 && exponent < 21) {
      return sign + digits.toPlainString();
    }
    String unscaled = digits.unscaledValue().toString();
    String mantissa = unscaled.length() == 1 ? unscaled : unscaled.charAt(0) + "." + unscaled.substring(1);
    return sign + mantissa + "e" + (exponent > 0 ? "+" : "-") + Math.abs(exponent);
  }
}
