package dev.sluice.overrides;

import dev.sluice.core.Sluice;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * @param limits rule name to its limits in policy syntax, as JSON values ({@code "500/minute"}, a
 *     list of them, or a limit's map, as in a policy file), possibly empty; kept as an unmodifiable
 *     copy
 * @param expiresAt when it stops applying, or {@code null} for never
 * @param updatedAt when it was set
 */
public record StoredOverride(
    long fingerprint,
    String tier,
    Map<String, Object> limits,
    Instant expiresAt,
    Instant updatedAt) {

  /**
   * Keeps an unmodifiable copy of {@code limits}.
   *
   * @throws IllegalArgumentException if {@code limits} holds what JSON has no value for
   */
  @SuppressWarnings("unchecked") // Json.copy gives a map back for a map
  public StoredOverride {
    limits = limits == null ? Map.of() : (Map<String, Object>) Json.copy(limits);
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** Whether it has expired at {@code epochMicros}. */
  public boolean expiredAt(long epochMicros) {
    return expiresAt != null
        && expiresAt.getEpochSecond() < Long.MAX_VALUE / 1_000_000L // else never
        && epochMicros >= expiresAt.getEpochSecond() * 1_000_000L + expiresAt.getNano() / 1_000;
  }

  /** The JSON form, without the fingerprint (the key it is stored under), in its key order. */
  public Map<String, Object> toJson() {
    Map<String, Object> o = new LinkedHashMap<>();
    if (tier != null) {
      o.put("tier", tier);
    }
    o.put("limits", limits);
    if (expiresAt != null) {
      o.put("expires", expiresAt.toString());
    }
    o.put("updated", updatedAt.toString());
    return o;
  }

  /** {@link #toJson()} as compact JSON text: a shared map's entry. */
  public String toJsonText() {
    return Json.write(toJson());
  }

  /**
   * Reads the JSON form stored under {@code fingerprint}.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static StoredOverride fromJson(long fingerprint, Object json) {
    if (!(json instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          "override "
              + Sluice.fingerprintText(fingerprint)
              + " is not a stored override: "
              + (json == null ? "null" : Json.write(json))
              + ", not an object");
    }
    try {
      String expires = (String) map.get("expires");
      String updated = (String) map.get("updated");
      @SuppressWarnings("unchecked") // checked: a ClassCastException if the value is not one
      Map<String, Object> limits = (Map<String, Object>) map.get("limits");
      return new StoredOverride(
          fingerprint,
          (String) map.get("tier"),
          limits,
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

  /**
   * Reads the JSON text stored under {@code fingerprint} (a shared map's entry).
   *
   * @throws IllegalArgumentException if it is not JSON, or not a stored override
   */
  public static StoredOverride fromJsonText(long fingerprint, String text) {
    return fromJson(fingerprint, Json.parse(text));
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
