package io.hookgate.dialect;

import io.hookgate.auth.Credentials;
import io.hookgate.config.ConfigException;
import io.hookgate.outbound.Signer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a dialect signs: an HMAC over a message made of the timestamp, the event id and the body (as sent,
 * or canonical with sorted keys), encoded in hex or base64, put in a header or a query parameter, with
 * the extra headers its platform sends. During a secret rotation every valid key signs, and the
 * signatures are joined the way the platform joins them.
 */
public final class SignatureScheme {
  private static final Set<String> MESSAGE_FIELDS = Set.of("id", "timestamp", "body", "sorted-body");
  private static final Set<String> HEADER_FIELDS = Set.of("id", "timestamp", "type", "alias", "merchant_id");
  private static final char[] TEXT_ALPHABET =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  enum Algorithm {
    HMAC_SHA1("HmacSHA1"), HMAC_SHA256("HmacSHA256"), HMAC_SHA512("HmacSHA512");

    final String jca;
    /** Looking a Mac up costs more than computing one over a small body: one per thread, re-keyed per use. */
    private final ThreadLocal<Mac> macs;

    Algorithm(String jca) {
      this.jca = jca;
      this.macs = ThreadLocal.withInitial(() -> {
        try {
          return Mac.getInstance(jca);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(jca + " unavailable", e);
        }
      });
    }

    Mac mac(byte[] key) {
      Mac mac = macs.get();
      try {
        mac.init(new SecretKeySpec(key, jca));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(jca + " refused its key", e);
      }
      return mac;
    }
  }

  /** How a secret becomes the HMAC key. */
  enum KeyMode {
    /** The secret's UTF-8 bytes. */
    TEXT,
    /** The secret base64-decoded (a {@code whsec_} prefix is dropped first, so generated secrets fit too). */
    BASE64,
    /** Standard Webhooks: base64 after {@code whsec_}; a secret without the prefix as its UTF-8 bytes. */
    WHSEC
  }

  private final String name;
  private final Algorithm algorithm;
  private final KeyMode keyMode;
  private final Placeholders message;
  private final boolean hex;
  private final String prefix;
  private final String header;
  private final String query;
  private final String separator;
  private final boolean milliseconds;
  private final Map<String, Placeholders> headers;
  private final String typeNames;
  private final String payloadFormat;
  private final int secretLength;

  private SignatureScheme(String name, Algorithm algorithm, KeyMode keyMode, Placeholders message, boolean hex,
                          String prefix, String header, String query, String separator, boolean milliseconds,
                          Map<String, Placeholders> headers, String typeNames, String payloadFormat, int secretLength) {
    this.name = name;
    this.algorithm = algorithm;
    this.keyMode = keyMode;
    this.message = message;
    this.hex = hex;
    this.prefix = prefix;
    this.header = header;
    this.query = query;
    this.separator = separator;
    this.milliseconds = milliseconds;
    this.headers = headers;
    this.typeNames = typeNames;
    this.payloadFormat = payloadFormat;
    this.secretLength = secretLength;
  }

  /** Reads one entry of {@code signature-schemes}; {@code key} names it in errors. */
  static SignatureScheme read(String key, String name, JsonObject json) {
    Settings s = new Settings(key, json, Set.of("algorithm", "key", "message", "encoding", "prefix", "header",
      "query", "separator", "timestamp", "headers", "type-names", "payload-format", "secret-length"));
    Algorithm algorithm = Algorithm.valueOf(s.oneOf("algorithm", null, "HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512")
      .replace('-', '_'));
    KeyMode keyMode = KeyMode.valueOf(s.oneOf("key", "whsec", "text", "base64", "whsec").toUpperCase(Locale.ROOT));
    Placeholders message = Placeholders.parse(key + ".message", s.text("message", "{body}"), MESSAGE_FIELDS);
    if (!message.uses("body") && !message.uses("sorted-body")) {
      throw new ConfigException(key + ".message", "must sign the body: {body} or {sorted-body}");
    }
    boolean hex = s.oneOf("encoding", null, "hex", "base64").equals("hex");
    String header = s.text("header", null);
    String query = s.text("query", null);
    if ((header == null) == (query == null)) {
      throw new ConfigException(key, "needs exactly one of header (the signature's header) or query (its query parameter)");
    }
    Map<String, Placeholders> headers = new LinkedHashMap<>();
    Object extra = json.getValue("headers");
    if (extra != null && !(extra instanceof JsonObject)) {
      throw new ConfigException(key + ".headers", "must be a mapping of header name to value");
    }
    if (extra instanceof JsonObject map) {
      for (String headerName : map.fieldNames()) {
        if (!headerName.matches("^[A-Za-z0-9-]{1,100}$")) {
          throw new ConfigException(key + ".headers", "\"" + headerName + "\" is not a header name");
        }
        headers.put(headerName, Placeholders.parse(key + ".headers." + headerName,
          String.valueOf(map.getValue(headerName)), HEADER_FIELDS));
      }
    }
    int secretLength = s.integer("secret-length", 0);
    if (secretLength != 0 && (secretLength < 24 || secretLength > 64)) {
      throw new ConfigException(key + ".secret-length", "must be between 24 and 64");
    }
    return new SignatureScheme(name, algorithm, keyMode, message, hex, s.text("prefix", ""), header, query,
      s.text("separator", ","), s.oneOf("timestamp", "seconds", "seconds", "milliseconds").equals("milliseconds"),
      Map.copyOf(headers), s.text("type-names", null), s.text("payload-format", null), secretLength);
  }

  public String name() {
    return name;
  }

  /** The payload format this scheme's platform sends, for a subscription that names only the scheme; or null. */
  public String payloadFormat() {
    return payloadFormat;
  }

  /** The HMAC key a secret stands for in this scheme. */
  public byte[] key(String secret) {
    return switch (keyMode) {
      case TEXT -> secret.getBytes(StandardCharsets.UTF_8);
      case BASE64 -> Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
      case WHSEC -> Signer.key(secret);
    };
  }

  /**
   * Null when this scheme can sign with the secret, else what is wrong with it (on top of the general rules
   * of {@code SigningSecrets}): its platform's length, or base64 where the key is base64.
   */
  public String secretProblem(String secret) {
    if (secretLength > 0 && secret.length() != secretLength) {
      return "must be exactly " + secretLength + " characters for signature scheme " + name;
    }
    if (keyMode == KeyMode.BASE64) {
      try {
        if (key(secret).length < 16) {
          return "must be base64 of at least 16 bytes for signature scheme " + name;
        }
      } catch (IllegalArgumentException e) {
        return "must be base64 for signature scheme " + name;
      }
    }
    return null;
  }

  /** A new secret in the form this scheme's platform hands out. */
  public String newSecret() {
    return switch (keyMode) {
      case WHSEC -> "whsec_" + Base64.getEncoder().encodeToString(Credentials.randomBytes(32));
      case BASE64 -> Base64.getEncoder().encodeToString(Credentials.randomBytes(32));
      case TEXT -> {
        byte[] random = Credentials.randomBytes(secretLength > 0 ? secretLength : 32);
        char[] text = new char[random.length];
        for (int i = 0; i < random.length; i++) {
          // 256 = 4 * 62 + 8: the first 8 characters come up a little more often, which costs under 0.1 bit each.
          text[i] = TEXT_ALPHABET[(random[i] & 0xFF) % TEXT_ALPHABET.length];
        }
        yield new String(text);
      }
    };
  }

  /** The query parameter that carries the signature, or null when a header does. */
  String query() {
    return query;
  }

  /** The header that carries the signature, or null when the query does. */
  String header() {
    return header;
  }

  String typeNames() {
    return typeNames;
  }

  Map<String, Placeholders> headers() {
    return headers;
  }

  String timestamp(long epochMillis) {
    return Long.toString(milliseconds ? epochMillis : Math.floorDiv(epochMillis, 1000));
  }

  /** The signature value: one signature per key, joined by the separator. */
  String sign(List<byte[]> keys, Fields fields) {
    List<byte[]> parts = new ArrayList<>(message.parts().size());
    for (Placeholders.Part part : message.parts()) {
      parts.add(part.literal() != null ? part.literal().getBytes(StandardCharsets.UTF_8) : switch (part.name()) {
        case "body" -> fields.body();
        case "sorted-body" -> fields.sortedBody();
        default -> fields.value(part.name()).getBytes(StandardCharsets.UTF_8);
      });
    }
    StringBuilder value = new StringBuilder(keys.size() * (prefix.length() + 90));
    for (byte[] key : keys) {
      if (value.length() > 0) {
        value.append(separator);
      }
      Mac mac = algorithm.mac(key);
      for (byte[] part : parts) {
        mac.update(part);
      }
      byte[] digest = mac.doFinal();
      value.append(prefix).append(hex ? HexFormat.of().formatHex(digest) : Base64.getEncoder().encodeToString(digest));
    }
    return value.toString();
  }

  /** What a scheme reads of the request it signs. */
  interface Fields {
    byte[] body();

    byte[] sortedBody();

    /** id, timestamp, type, alias, merchant_id; null when the event has none. */
    String value(String name);
  }
}
