package io.hookgate.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random credentials and their hashes. Every credential Hookgate issues carries 256 random bits, so a
 * single SHA-256 is the right storage hash (no password stretching needed); comparisons of secret
 * material run in constant time.
 */
public final class Credentials {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Credentials() {
  }

  public static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** A prefixed, URL-safe random credential such as {@code hgs_…}. */
  public static String random(String prefix) {
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
  }

  public static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static boolean matches(String presented, byte[] expectedHash) {
    return presented != null && MessageDigest.isEqual(sha256(presented), expectedHash);
  }
}
