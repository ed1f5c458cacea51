package dev.sluice.server.ops;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Sluice-Signature} header of a webhook delivery: {@code t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>" under the webhook's secret>}. Signing the time with the body lets a
 * receiver refuse replays of old deliveries.
 */
public final class Signature {
  /** The header's name. */
  public static final String HEADER = "Sluice-Signature";

  private Signature() {}

  /** The header's value for {@code body}, sent at {@code unixSeconds}. */
  public static String header(String secret, long unixSeconds, String body) {
    return "t=" + unixSeconds + ",v1=" + hmacHex(secret, unixSeconds + "." + body);
  }

  /** Hex HMAC-SHA256 of {@code message} under {@code secret} (both UTF-8). */
  public static String hmacHex(String secret, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }
}
