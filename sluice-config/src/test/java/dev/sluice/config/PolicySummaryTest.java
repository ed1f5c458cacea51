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

  @Test
  void tiersAndWebhooks_areListedWithWhatEachChangesAndWatches() {
    String s =
        summary(
            """
            global: {limits: 100/minute}
            rules:
              - name: search
                route: GET /search
                limits: [10/minute, 100/hour]
            tiers:
              pro: {scale: 5}
              partner:
                scale: 2
                limits:
                  search: [500/minute, 5000/hour]
              trial: {scale: 0.5}
            webhooks:
              - url: https://hooks.example.com/sluice
                thresholds: [80, 90, 100]
                secret-env: SLUICE_WEBHOOK_SECRET
                rules: [search]
              - url: http://127.0.0.1:9000/all
                thresholds: [100]
                secret-env: OTHER_SECRET
            """);

    assertThat(s.substring(s.indexOf("1 endpoint rule")))
        .isEqualTo(
            """
            1 endpoint rule, on top of the global limits:
              search: GET /search, counted per bearer token, else client IP
                search-minute  10 per minute (fixed window)
                search-hour    100 per hour (fixed window)

            3 tiers, given to identities through the admin API:
              pro: every rule's limits x5 (rounded down, at least 1)
              partner: limits of its own on 1 rule, the other rules' limits x2 (rounded down, at\
             least 1)
                search:
                  search-minute  500 per minute (fixed window)
                  search-hour    5,000 per hour (fixed window)
              trial: every rule's limits x0.5 (rounded down, at least 1)

            2 webhooks:
              https://hooks.example.com/sluice: when an identity has used 80%, 90% and 100% of a\
             limit, on rules search; signed with the secret in environment variable\
             SLUICE_WEBHOOK_SECRET
              http://127.0.0.1:9000/all: when an identity has used 100% of a limit, on every rule;\
             signed with the secret in environment variable OTHER_SECRET
            """);
  }

  @Test
  void aTierThatChangesNothing_saysSo() {
    assertThat(summary("global: {limits: 1/second}\ntiers:\n  vip: {scale: 1}\n"))
        .endsWith(
            "\n1 tier, given to identities through the admin API:\n"
                + "  vip: every rule's limits unchanged\n");
  }
}
