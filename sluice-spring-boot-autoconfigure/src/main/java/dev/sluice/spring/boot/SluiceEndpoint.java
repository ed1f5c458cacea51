package dev.sluice.spring.boot;

import dev.sluice.config.PolicyException;
import dev.sluice.core.KeyOverride;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Seconds;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Rule;
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
 *       user name) stands on every rule that could count it, and its override;
 *   <li>{@code POST /actuator/sluice/{identity}} with {@code {"tier": "pro"}}: moves it to a tier
 *       of the policy from the next request on; {@code DELETE}: removes its override.
 * </ul>
 */
@Endpoint(id = "sluice")
public class SluiceEndpoint {
  private final SluiceEngine engine;

  /** A view of {@code engine}. */
  public SluiceEndpoint(SluiceEngine engine) {
    this.engine = engine;
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

  /** Where {@code identity} stands. */
  @ReadOperation
  public WebEndpointResponse<Map<String, Object>> usage(@Selector String identity) {
    List<Sluice.Usage> usage;
    try {
      usage = engine.usage(identity).toCompletableFuture().get(5, TimeUnit.SECONDS);
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
    out.put("identity", Sluice.fingerprintText(engine.fingerprint(identity)));
    KeyOverride o = engine.override(identity);
    out.put("tier", o == null ? null : o.tier());
    out.put("usage", rules);
    return new WebEndpointResponse<>(out, 200);
  }

  /** Moves {@code identity} to {@code tier}, from the next request on. */
  @WriteOperation
  public WebEndpointResponse<Map<String, Object>> setTier(@Selector String identity, String tier) {
    try {
      engine.setOverride(identity, KeyOverride.tier(tier));
    } catch (IllegalArgumentException e) {
      return new WebEndpointResponse<>(error("BAD_OVERRIDE", e.getMessage()), 400);
    }
    return usage(identity);
  }

  /** Removes {@code identity}'s override. */
  @DeleteOperation
  public Map<String, Object> removeOverride(@Selector String identity) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("identity", Sluice.fingerprintText(engine.fingerprint(identity)));
    out.put("removed", engine.removeOverride(identity));
    return out;
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
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", code);
    inner.put("message", message);
    return Map.of("error", inner);
  }
}
