package io.hookgate.outbound;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>},
 * one per valid secret, space-separated, so a receiver holding any of them verifies the message.
 *
 * <p>A {@code whsec_} secret's key is the base64 after the prefix (as every Standard Webhooks library
 * reads it); a partner's own secret without the prefix is used as its UTF-8 bytes.
 */
public final class Signer {
  private Signer() {
  }

  public static byte[] key(String secret) {
    if (secret.startsWith("whsec_")) {
      return Base64.getDecoder().decode(secret.substring(6));
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  public static String signature(byte[] key, String msgId, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((msgId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** The {@code webhook-signature} header value for all the given keys. */
  public static String header(List<byte[]> keys, String msgId, long timestampSeconds, byte[] body) {
    StringBuilder header = new StringBuilder();
    for (byte[] key : keys) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append(signature(key, msgId, timestampSeconds, body));
    }
    return header.toString();
  }
}
