package dev.sluice.core.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** A header value read off the wire as the text it is. */
public final class HeaderText {
  private HeaderText() {}

  /**
   * A header value as received, one char per byte (as HTTP servers such as Netty read them), read
   * as the text it is: UTF-8 when its bytes of 0x80 and up form valid UTF-8 (what clients send; RFC
   * 9110 leaves such octets opaque), else as it came. So an API key {@code café} sent in a header
   * is the identity the admin API and a JSON body name {@code café}, not {@code cafÃ©}, and one
   * override covers it everywhere. An ASCII value, nearly every one, is returned after a scan, as
   * it is.
   */
  public static String of(String value) {
    if (value == null) {
      return null;
    }
    int n = value.length();
    int i = 0;
    while (i < n && value.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return value;
    }
    byte[] bytes = new byte[n];
    for (int j = 0; j < n; j++) {
      char c = value.charAt(j);
      if (c > 0xFF) {
        return value; // not bytes: given as text already
      }
      bytes[j] = (byte) c;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return value; // Latin-1 text, or bytes of no known encoding: counted as they are
    }
  }
}
