package io.hookgate.auth;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The Partner API scopes an application can be allowed and a token can carry. */
public final class Scopes {
  public static final String READ_WEBHOOKS = "read:webhooks";
  public static final String WRITE_WEBHOOKS = "write:webhooks";
  public static final List<String> ALL = List.of(READ_WEBHOOKS, WRITE_WEBHOOKS);

  private Scopes() {
  }

  public static boolean known(String scope) {
    return ALL.contains(scope);
  }

  /** Parses an RFC 6749 scope parameter (space-delimited); an empty or missing one yields nothing. */
  public static Set<String> parse(String text) {
    Set<String> scopes = new LinkedHashSet<>();
    if (text != null) {
      for (String s : text.trim().split("\\s+")) {
        if (!s.isEmpty()) {
          scopes.add(s);
        }
      }
    }
    return scopes;
  }
}
