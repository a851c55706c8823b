package io.hookgate.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8: overlong forms, encoded surrogates and anything above U+10FFFF are refused rather than
 * replaced, so text that reaches the database is the text the caller sent.
 */
public final class Utf8 {
  private Utf8() {
  }

  public static CharBuffer decode(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT)
      .decode(ByteBuffer.wrap(bytes));
  }

  /** The text, or {@link IllegalArgumentException} naming {@code what} when it is not UTF-8. */
  public static String text(byte[] bytes, String what) {
    try {
      return decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + " is not valid UTF-8");
    }
  }
}
