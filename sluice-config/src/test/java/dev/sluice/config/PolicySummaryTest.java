package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The summary names every dialect, algorithm, cost and key behaviour in words. */
class PolicySummaryTest {

  private static String summary(String yaml) {
    return PolicySummary.describe(PolicyFiles.parse(yaml, "policy.yaml"));
  }

  @Test
  void everyAlgorithmCostAndSkip_isSpelledOut() {
    String s =
        summary(
            """
            headers: ietf
            denial: problem
            rules:
              - name: api
                route: /api/**
                key: header:X-API-Key
                on-missing-key: skip
                cost: {query: count, default: 1, max: 100}
                limits:
                  - {limit: 10/second, algorithm: token-bucket, burst: 100}
                  - {limit: 5000/15m, algorithm: sliding}
                  - 100000/week
              - route: POST /bulk
                key: const:all
                cost: 5
                limits: 50/250ms
            """);

    assertThat(s)
        .isEqualTo(
            """
            Headers: RateLimit-Policy and RateLimit (IETF draft); Retry-After on every 429
            429 body: application/problem+json (RFC 9457, type quota-exceeded, with the violated\
             limits)

            2 endpoint rules:
              api: any method /api/**, counted per header X-API-Key (requests without one are not\
             counted by this rule); each request costs the number in query parameter count\
             (default 1, at most 100)
                api-second  10 per second (token bucket, bursts of up to 100)
                api-15m     5,000 per 15 minutes (sliding window)
                api-7d      100,000 per 7 days (fixed window)
              post-bulk: POST /bulk, counted together (one bucket, 'all', shared by every\
             request); each request costs 5
                50 per 250 ms (fixed window)
            """);
  }

  @Test
  void bothDialectsWithoutReset_andNoHeaders() {
    assertThat(summary("headers: both\nreset-header: false\nglobal: {limits: 1/second}\n"))
        .startsWith(
            "Headers: X-RateLimit-Limit, X-RateLimit-Remaining (no X-RateLimit-Reset);"
                + " RateLimit-Policy and RateLimit (IETF draft); Retry-After on every 429\n");
    assertThat(summary("headers: none\nglobal: {limits: 1/second}\n"))
        .startsWith("Headers: no rate-limit headers; Retry-After on every 429\n");
  }

  @Test
  void lifetimeBudgets_namedWindows_andUnevenDurations_areSpelledOut() {
    String s =
        summary(
            """
            lifetime-retention: 36h
            global:
              limits:
                - 1/second
                - {limit: 1500/minute, algorithm: sliding}
                - {limit: 2/hour, algorithm: token-bucket, burst: 1}
                - 5/lifetime
                - 70/90s
            """);

    assertThat(s.substring(s.indexOf("\n\n") + 2))
        .isEqualTo(
            """
            Global limits, on every request, counted per bearer token, else client IP:
              second    1 per second (fixed window)
              minute    1,500 per minute (sliding window)
              hour      2 per hour (token bucket, bursts of up to 1)
              lifetime  5 in total, never refilled (forgotten 36 hours after first use)
              90s       70 per 90 seconds (fixed window)
            """);
  }
}
