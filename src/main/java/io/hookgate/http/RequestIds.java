package io.hookgate.http;

import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Every request's id, {@code X-Request-Id}: the caller's when it is well formed (1 to 128 letters,
 * digits or {@code . _ : -}, as proxies and platforms generate them), else a fresh one. It is answered
 * on every response, put in every error body, logged with the request and recorded on the events the
 * request stored, so a platform's support ticket leads to the log lines and the deliveries.
 *
 * <p>Cost on the hot path: a header lookup and a scan of at most 128 characters, or two random longs
 * formatted as 32 hex digits (no {@code SecureRandom}: an id need not be secret, only unique enough).
 */
public final class RequestIds {
  public static final String HEADER = "X-Request-Id";
  private static final String KEY = "hookgate.request-id";
  private static final int MAX_LENGTH = 128;

  private RequestIds() {
  }

  /** The request's id; set by {@link Edge} before any other handler runs. */
  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? assign(ctx) : id;
  }

  /** Gives the request its id (the caller's when well formed) and answers it on the response. */
  static String assign(RoutingContext ctx) {
    String id = accept(ctx.request().getHeader(HEADER));
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    return id;
  }

  /** {@code given} when it is a well-formed id, else a fresh one. */
  static String accept(String given) {
    return wellFormed(given) ? given : fresh();
  }

  static boolean wellFormed(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
        || c == '.' || c == ':';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** 32 lower-case hex digits. */
  public static String fresh() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return hex(random.nextLong()) + hex(random.nextLong());
  }

  private static String hex(long value) {
    String text = Long.toHexString(value);
    return text.length() == 16 ? text : "0".repeat(16 - text.length()) + text;
  }
}
