package dev.sluice.server.ops;

import dev.sluice.core.Sluice;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * One identity's override as it is kept between restarts: the tier and the limits as the operator
 * wrote them (policy-file syntax, re-read against the policy in force whenever it is loaded, so a
 * policy reload that adds a missing tier brings the override back into force), an absolute expiry,
 * and when it was set. Never the raw identity: only its fingerprint.
 *
 * <p>Its JSON form ({@link #toJson()}), which {@code overrides.json} and a Redis hash hold:
 *
 * <pre>{@code {"tier": "pro", "limits": {"search": ["500/minute"]},
 *  "expires": "2026-12-31T00:00:00Z", "updated": "2026-01-02T10:00:00Z"}}</pre>
 *
 * @param fingerprint the identity's fingerprint ({@link Sluice#fingerprint})
 * @param tier a tier of the policy, or {@code null}
 * @param limits rule name to its limits in policy syntax (a string or a list, as in a policy file),
 *     possibly empty; a copy is kept
 * @param expiresAt when it stops applying, or {@code null} for never
 * @param updatedAt when it was set
 */
public record StoredOverride(
    long fingerprint, String tier, JsonObject limits, Instant expiresAt, Instant updatedAt) {

  public StoredOverride {
    limits = limits == null ? new JsonObject() : limits.copy();
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** The limits (a copy: the record stays unchanged). */
  @Override
  public JsonObject limits() {
    return limits.copy();
  }

  /** Whether it has expired at {@code epochMicros}. */
  public boolean expiredAt(long epochMicros) {
    return expiresAt != null
        && expiresAt.getEpochSecond() < Long.MAX_VALUE / 1_000_000L // else never
        && epochMicros >= expiresAt.getEpochSecond() * 1_000_000L + expiresAt.getNano() / 1_000;
  }

  /** The JSON form, without the fingerprint (the key it is stored under). */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    if (tier != null) {
      o.put("tier", tier);
    }
    o.put("limits", limits.copy());
    if (expiresAt != null) {
      o.put("expires", expiresAt.toString());
    }
    return o.put("updated", updatedAt.toString());
  }

  /**
   * Reads the JSON form stored under {@code fingerprint}.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static StoredOverride fromJson(long fingerprint, JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException(
          "override "
              + Sluice.fingerprintText(fingerprint)
              + " is not a stored override: null, not an object");
    }
    try {
      String expires = json.getString("expires");
      String updated = json.getString("updated");
      return new StoredOverride(
          fingerprint,
          json.getString("tier"),
          json.getJsonObject("limits"),
          expires == null ? null : Instant.parse(expires),
          updated == null ? Instant.EPOCH : Instant.parse(updated));
    } catch (ClassCastException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          "override "
              + Sluice.fingerprintText(fingerprint)
              + " is not a stored override: "
              + e.getMessage(),
          e);
    }
  }

  /** Reads a fingerprint as {@link Sluice#fingerprintText} writes it. */
  public static long parseFingerprint(String hex) {
    if (hex == null || hex.length() != 16) {
      throw new IllegalArgumentException("a fingerprint is 16 hex digits, got '" + hex + "'");
    }
    try {
      return Long.parseUnsignedLong(hex, 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a fingerprint is 16 hex digits, got '" + hex + "'", e);
    }
  }
}
