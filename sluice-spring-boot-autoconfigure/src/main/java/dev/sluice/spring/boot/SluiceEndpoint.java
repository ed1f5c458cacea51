package dev.sluice.spring.boot;

import dev.sluice.config.PolicyException;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Seconds;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Rule;
import dev.sluice.overrides.OverrideException;
import dev.sluice.overrides.StoredOverride;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.lang.Nullable;

/**
 * The Actuator endpoint {@code sluice} (expose it with {@code
 * management.endpoints.web.exposure.include=sluice}, and secure it as the app's other endpoints):
 *
 * <ul>
 *   <li>{@code GET /actuator/sluice}: the policy in force, summarised as {@code sluice check}
 *       prints it;
 *   <li>{@code POST /actuator/sluice}: reloads the policy file (a bad file: 400 with the located
 *       error, and the policy in force stays);
 *   <li>{@code GET /actuator/sluice/{identity}}: where one identity (an API key, token, e-mail,
 *       user name, or {@code fp:} and its fingerprint) stands on every rule that could count it,
 *       and its override;
 *   <li>{@code GET /actuator/sluice/overrides}: every override ({@link SluiceOverrides});
 *   <li>{@code GET}, {@code POST}, {@code DELETE /actuator/sluice/overrides/{identity}}: one
 *       identity's override, read, set ({@code {"tier": "pro", "limits": "{search: [500/minute]}",
 *       "ttl": "7d"}}) or removed, with the JSON of the gateway's {@code /admin/overrides}, but for
 *       {@code limits}, given as text (Actuator takes flat bodies only; see {@link LimitsText}).
 * </ul>
 *
 * <p>Actuator runs these operations off the event loop on WebFlux, so a write may block on the
 * storage.
 */
@Endpoint(id = "sluice")
public class SluiceEndpoint {
  /** The path segment of the overrides: {@code /actuator/sluice/overrides[/{identity}]}. */
  static final String OVERRIDES = "overrides";

  private final SluiceEngine engine;
  private final SluiceOverrides overrides;

  /** A view of {@code engine} and its {@code overrides}. */
  public SluiceEndpoint(SluiceEngine engine, SluiceOverrides overrides) {
    this.engine = engine;
    this.overrides = overrides;
  }

  /** The policy in force. */
  @ReadOperation
  public Map<String, Object> policy() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("policy", engine.policyLocation());
    out.put("shadow", engine.shadow());
    out.put("store", engine.store().blocks() ? "remote" : "memory");
    out.put("rules", engine.policy().rules().stream().map(Rule::name).toList());
    out.put("summary", engine.summary());
    return out;
  }

  /** Reads the policy file again. */
  @WriteOperation
  public WebEndpointResponse<Map<String, Object>> reload() {
    try {
      engine.reload();
    } catch (PolicyException | IllegalStateException e) {
      return new WebEndpointResponse<>(error("BAD_POLICY", e.getMessage()), 400);
    }
    Map<String, Object> out = policy();
    out.put("reloaded", true);
    return new WebEndpointResponse<>(out, 200);
  }

  /**
   * Where {@code identity} stands; or, for {@code overrides}, every override (an identity whose raw
   * value is "overrides" is read as {@code fp:} and its fingerprint).
   */
  @ReadOperation
  public WebEndpointResponse<Map<String, Object>> usage(@Selector String identity) {
    if (identity.equals(OVERRIDES)) {
      List<Map<String, Object>> all = new ArrayList<>();
      overrides.all().forEach(o -> all.add(overrides.describe(o)));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("overrides", all);
      return new WebEndpointResponse<>(out, 200);
    }
    long fp;
    try {
      fp = engine.fingerprint(identity);
    } catch (OverrideException e) {
      return bad("BAD_IDENTITY", e);
    }
    List<Sluice.Usage> usage;
    try {
      usage = engine.current().usage(fp).toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | CompletionException | TimeoutException e) {
      return new WebEndpointResponse<>(
          error("STORE_UNAVAILABLE", "the store could not be read: " + e.getMessage()), 503);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new WebEndpointResponse<>(error("INTERRUPTED", "interrupted"), 503);
    }
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Sluice.Usage u : usage) {
      Rule rule = engine.policy().rule(u.rule());
      List<Map<String, Object>> limits = new ArrayList<>();
      for (LimitStatus s : u.limits()) {
        limits.add(limit(s));
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("rule", u.rule());
      r.put("source", u.source());
      r.put("tier", u.variant());
      r.put("shadow", rule != null && rule.shadow());
      r.put("limits", limits);
      rules.add(r);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("identity", Sluice.fingerprintText(fp));
    StoredOverride o = overrides.get(fpText(fp)).orElse(null);
    out.put("override", o == null ? null : overrides.describe(o));
    out.put("usage", rules);
    return new WebEndpointResponse<>(out, 200);
  }

  /** {@code identity}'s override ({@code GET /actuator/sluice/overrides/{identity}}). */
  @ReadOperation
  public WebEndpointResponse<Map<String, Object>> override(
      @Selector String section, @Selector String identity) {
    if (!section.equals(OVERRIDES)) {
      return notFound(section);
    }
    long fp;
    try {
      fp = engine.fingerprint(identity);
    } catch (OverrideException e) {
      return bad("BAD_IDENTITY", e);
    }
    StoredOverride o = overrides.get(fpText(fp)).orElse(null);
    if (o == null) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("identity", Sluice.fingerprintText(fp));
      out.put(
          "error",
          errorBody(
              "NO_OVERRIDE",
              "identity "
                  + Sluice.fingerprintText(fp)
                  + " has no override: the policy's defaults apply"));
      return new WebEndpointResponse<>(out, 404);
    }
    return new WebEndpointResponse<>(overrides.describe(o), 200);
  }

  /**
   * Sets {@code identity}'s override from the body's {@code tier}, {@code limits}, {@code expires}
   * or {@code ttl} ({@code POST /actuator/sluice/overrides/{identity}}), from the next request on.
   */
  @WriteOperation
  public WebEndpointResponse<Map<String, Object>> setOverride(
      @Selector String section,
      @Selector String identity,
      @Nullable String tier,
      @Nullable String limits,
      @Nullable String expires,
      @Nullable String ttl) {
    if (!section.equals(OVERRIDES)) {
      return notFound(section);
    }
    // Actuator reads a body as flat strings, and hands over the known fields only.
    StoredOverride o;
    try {
      Map<String, Object> body = new LinkedHashMap<>();
      putIfGiven(body, "tier", tier);
      putIfGiven(body, "limits", limits == null ? null : LimitsText.read(limits));
      putIfGiven(body, "expires", expires);
      putIfGiven(body, "ttl", ttl);
      o = overrides.put(identity, body);
    } catch (OverrideException e) {
      return bad(e.field().equals("identity") ? "BAD_IDENTITY" : "BAD_OVERRIDE", e);
    } catch (RuntimeException e) { // the storage: an fsync, a Redis round trip
      return storageFailed(e);
    }
    return new WebEndpointResponse<>(overrides.describe(o), 200);
  }

  /** Removes {@code identity}'s override ({@code DELETE /actuator/sluice/overrides/{identity}}). */
  @DeleteOperation
  public WebEndpointResponse<Map<String, Object>> removeOverride(
      @Selector String section, @Selector String identity) {
    if (!section.equals(OVERRIDES)) {
      return notFound(section);
    }
    long fp;
    boolean deleted;
    try {
      fp = engine.fingerprint(identity);
      deleted = overrides.remove(fpText(fp));
    } catch (OverrideException e) {
      return bad("BAD_IDENTITY", e);
    } catch (RuntimeException e) {
      return storageFailed(e);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("identity", Sluice.fingerprintText(fp));
    out.put("deleted", deleted);
    if (!deleted) {
      out.put(
          "error",
          errorBody(
              "NO_OVERRIDE",
              "identity " + Sluice.fingerprintText(fp) + " has no override: nothing to delete"));
      return new WebEndpointResponse<>(out, 404);
    }
    return new WebEndpointResponse<>(out, 200);
  }

  private static void putIfGiven(Map<String, Object> body, String field, Object value) {
    if (value != null) {
      body.put(field, value);
    }
  }

  private static String fpText(long fp) {
    return "fp:" + Sluice.fingerprintText(fp);
  }

  private static WebEndpointResponse<Map<String, Object>> bad(String code, OverrideException e) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", code);
    inner.put("field", e.field());
    inner.put("message", e.getMessage());
    return new WebEndpointResponse<>(Map.of("error", inner), 400);
  }

  private static WebEndpointResponse<Map<String, Object>> notFound(String section) {
    return new WebEndpointResponse<>(
        error(
            "NOT_FOUND",
            "no /actuator/sluice/"
                + section
                + "/...: overrides are at /actuator/sluice/overrides/{identity}"),
        404);
  }

  private static WebEndpointResponse<Map<String, Object>> storageFailed(RuntimeException e) {
    System.getLogger("sluice.overrides")
        .log(System.Logger.Level.ERROR, "the override storage failed; the change was not made", e);
    return new WebEndpointResponse<>(
        error(
            "STORAGE_FAILED",
            "the override could not be stored, so it was not changed: " + e.getMessage()),
        500);
  }

  private static Map<String, Object> limit(LimitStatus s) {
    Limit l = s.limit();
    long capacity = l.capacity();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", l.name());
    out.put("limit", l.describe());
    out.put("capacity", capacity);
    out.put("used", Math.max(0, capacity - s.remaining()));
    out.put("remaining", s.remaining());
    out.put("reset", Seconds.ceil(s.resetAtMicros()));
    return out;
  }

  private static Map<String, Object> error(String code, String message) {
    return Map.of("error", errorBody(code, message));
  }

  private static Map<String, Object> errorBody(String code, String message) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", code);
    inner.put("message", message);
    return inner;
  }
}
