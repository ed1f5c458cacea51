package dev.sluice.envoy;

import static dev.sluice.envoy.Rls.descriptor;
import static dev.sluice.envoy.Rls.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PolicyException;
import dev.sluice.core.KeyOverride;
import dev.sluice.core.Overrides;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-identity overrides and tiers through the rate limit service: the tiers a file declares, how a
 * descriptor's identity is named (the value of its one free entry), the override taking effect on
 * the next call over gRPC, and what the upstream is told ({@code request_headers_to_add}).
 */
class TiersAndOverridesTest {
  private static final String CONFIG =
      """
      domain: edge
      tiers:
        pro: {scale: 10}
      descriptors:
        - key: api_key
          rate_limit: {unit: hour, requests_per_unit: 2}
        - key: route
          value: search
          descriptors:
            - key: client
              rate_limit: {unit: minute, requests_per_unit: 3}
        - key: path
          descriptors:
            - key: remote_address
              rate_limit: {unit: minute, requests_per_unit: 4}
      """;

  @TempDir Path dir;

  private static Map<String, String> requestHeaders(RateLimitResponse r) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (HeaderValue h : r.getRequestHeadersToAddList()) {
      out.put(h.getKey(), h.getValue());
    }
    return out;
  }

  @Test
  void aTierOverride_onTheValueOfTheOneFreeEntry_appliesOnTheNextCall_onEveryRule() {
    Overrides overrides = new Overrides();
    try (Rls rls = new Rls(CONFIG, false, null, overrides)) {
      assertThat(rls.call(request("edge", descriptor("api_key", "k1"))).getStatuses(0))
          .satisfies(s -> assertThat(s.getCurrentLimit().getRequestsPerUnit()).isEqualTo(2))
          .satisfies(s -> assertThat(s.getLimitRemaining()).isEqualTo(1));

      overrides.put(rls.limiter.engine("edge").fingerprint("k1"), KeyOverride.tier("pro"));

      RateLimitResponse r =
          rls.call(
              request(
                  "edge",
                  descriptor("api_key", "k1"),
                  descriptor("route", "search", "client", "k1")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(20);
      assertThat(r.getStatuses(1).getCurrentLimit().getRequestsPerUnit()).isEqualTo(30);
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(29);
      assertThat(requestHeaders(r)).containsEntry("X-Sluice-Tier", "pro");

      // another key stays on the configured limits
      RateLimitResponse other = rls.call(request("edge", descriptor("api_key", "k2")));
      assertThat(other.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(2);
      assertThat(requestHeaders(other)).containsEntry("X-Sluice-Tier", "default");

      overrides.remove(rls.limiter.engine("edge").fingerprint("k1"));
      assertThat(
              rls.call(request("edge", descriptor("api_key", "k1")))
                  .getStatuses(0)
                  .getCurrentLimit()
                  .getRequestsPerUnit())
          .isEqualTo(2);
    }
  }

  @Test
  void anOverrideOfARulesLimits_showsAsTheCustomTier() {
    Overrides overrides = new Overrides();
    try (Rls rls = new Rls(CONFIG, false, null, overrides)) {
      String rule = rls.limiter.config().policy("edge").rules().get(0).name();
      overrides.put(
          rls.limiter.engine("edge").fingerprint("k3"),
          new KeyOverride(
              null,
              Map.of(rule, List.of(Limit.fixed("own", 7, Window.of(Duration.ofHours(1))))),
              null));
      RateLimitResponse r = rls.call(request("edge", descriptor("api_key", "k3")));
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(6);
      assertThat(requestHeaders(r)).containsEntry("X-Sluice-Tier", "custom");
    }
  }

  @Test
  void aDescriptorWithTwoFreeEntries_isNotNamedByEitherValue() {
    Overrides overrides = new Overrides();
    try (Rls rls = new Rls(CONFIG, false, null, overrides)) {
      overrides.put(rls.limiter.engine("edge").fingerprint("10.0.0.1"), KeyOverride.tier("pro"));
      overrides.put(rls.limiter.engine("edge").fingerprint("/a"), KeyOverride.tier("pro"));
      RateLimitResponse r =
          rls.call(request("edge", descriptor("path", "/a", "remote_address", "10.0.0.1")));
      assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(4);
      // and each pair keeps its own bucket
      rls.call(request("edge", descriptor("path", "/b", "remote_address", "10.0.0.1")));
      assertThat(
              rls.call(request("edge", descriptor("path", "/a", "remote_address", "10.0.0.1")))
                  .getStatuses(0)
                  .getLimitRemaining())
          .isEqualTo(2);
    }
  }

  @Test
  void theValueOfTheFreeEntry_namesTheBucket_notTheFixedOnes() {
    try (Rls rls = new Rls(CONFIG, false, null, null)) {
      for (int i = 0; i < 3; i++) {
        rls.call(request("edge", descriptor("route", "search", "client", "c1")));
      }
      assertThat(
              rls.call(request("edge", descriptor("route", "search", "client", "c1")))
                  .getOverallCode())
          .isEqualTo(Code.OVER_LIMIT);
      assertThat(
              rls.call(request("edge", descriptor("route", "search", "client", "c2")))
                  .getOverallCode())
          .isEqualTo(Code.OK);
    }
  }

  @Test
  void anAdmittedCall_tellsTheUpstreamItsQuota_aDeniedOneNothing() {
    try (Rls rls = new Rls(CONFIG, false, null, null)) {
      RateLimitResponse ok = rls.call(request("edge", descriptor("api_key", "k1")));
      assertThat(ok.getRequestHeadersToAddList())
          .containsAll(ok.getResponseHeadersToAddList())
          .hasSize(ok.getResponseHeadersToAddCount() + 1);
      assertThat(requestHeaders(ok))
          .containsEntry("X-RateLimit-Remaining", "1")
          .containsEntry("X-Sluice-Tier", "default");
      rls.call(request("edge", descriptor("api_key", "k1")));
      RateLimitResponse denied = rls.call(request("edge", descriptor("api_key", "k1")));
      assertThat(denied.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(denied.getRequestHeadersToAddList()).isEmpty();
      // a descriptor that reaches no limit decides nothing, and says nothing upstream
      assertThat(rls.call(request("edge", descriptor("nothing", "x"))).getRequestHeadersToAddList())
          .isEmpty();
    }
  }

  @Test
  void tiers_withoutAScale_orWithABadOne_areRefusedWhereWritten() {
    assertThatThrownBy(
            () ->
                RatelimitConfig.parse("domain: d\ntiers:\n  pro: {}\ndescriptors: []\n", "d.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessage("d.yaml:3:8: tiers.pro: a tier needs a scale, e.g. {scale: 10}");
    assertThatThrownBy(
            () ->
                RatelimitConfig.parse(
                    "domain: d\ntiers:\n  pro: {scale: lots}\ndescriptors: []\n", "d.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessage(
            "d.yaml:3:16: tiers.pro.scale: expected a scale (a number greater than 0), found"
                + " 'lots'");
    assertThatThrownBy(
            () ->
                RatelimitConfig.parse(
                    "domain: d\ntiers:\n  pro: {scale: 0}\ndescriptors: []\n", "d.yaml"))
        .isInstanceOf(PolicyException.class)
        .hasMessageStartingWith("d.yaml:3:16: tiers.pro.scale: tier 'pro' has scale 0.0");
  }

  @Test
  void aTierTwoFilesDefineDifferently_isRefused() throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"), "domain: a\ntiers:\n  pro: {scale: 10}\ndescriptors: []\n");
    Files.writeString(
        dir.resolve("b.yaml"), "domain: b\ntiers:\n  pro: {scale: 5}\ndescriptors: []\n");
    assertThatThrownBy(() -> RatelimitConfig.load(dir))
        .isInstanceOf(PolicyException.class)
        .hasMessage(
            dir.resolve("b.yaml")
                + ":3:1: tiers.pro: tier 'pro' has scale 5.0 here and 10.0 in "
                + dir.resolve("a.yaml")
                + ":3; tiers are shared by every domain, give them one scale");
  }

  @Test
  void theGatewayPolicy_holdsEveryDomainsRulesAndTheTiers() throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"),
        "domain: a\ntiers:\n  pro: {scale: 10}\ndescriptors:\n  - key: k\n"
            + "    rate_limit: {unit: minute, requests_per_unit: 1}\n");
    Files.writeString(
        dir.resolve("b.yaml"),
        "domain: b\ndescriptors:\n  - key: k\n    rate_limit: {unit: minute, requests_per_unit:"
            + " 1}\n");
    RatelimitConfig c = RatelimitConfig.load(dir);
    assertThat(c.gatewayPolicy().rules()).hasSize(2);
    assertThat(c.gatewayPolicy().tiers()).containsOnlyKeys("pro");
    assertThat(c.policy("b").tiers()).as("tiers are shared").containsOnlyKeys("pro");
  }
}
