package io.hookgate.subscription;

import io.hookgate.auth.Credentials;

import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Webhook signing secrets. Generated ones follow Standard Webhooks: {@code whsec_} + base64 of 32
 * random bytes. A partner may bring its own of 24–64 characters (Tiki, for one, asks partners for a
 * 32-character key); such a key is used as it is written.
 */
public final class SigningSecrets {
  public static final int MIN_LENGTH = 24;
  public static final int MAX_LENGTH = 64;
  private static final Pattern ALLOWED = Pattern.compile("^[A-Za-z0-9_+/=.\\-]+$");

  private SigningSecrets() {
  }

  public static String generate() {
    return "whsec_" + Base64.getEncoder().encodeToString(Credentials.randomBytes(32));
  }

  /** Null when the partner's own secret is acceptable, else what is wrong with it. */
  public static String problem(String secret) {
    if (secret.length() < MIN_LENGTH || secret.length() > MAX_LENGTH) {
      return "must be between " + MIN_LENGTH + " and " + MAX_LENGTH + " characters";
    }
    if (!ALLOWED.matcher(secret).matches()) {
      return "may contain only letters, digits and _ + / = . -";
    }
    if (secret.startsWith("whsec_")) {
      try {
        if (Base64.getDecoder().decode(secret.substring(6)).length < 16) {
          return "whsec_ secrets must carry at least 16 bytes of base64";
        }
      } catch (IllegalArgumentException e) {
        return "the part after whsec_ must be base64";
      }
    }
    return null;
  }
}
