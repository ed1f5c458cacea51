package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.Policy;
import org.junit.jupiter.api.Test;

/** Both example policies load, and their summaries say what they enforce. */
class ExamplePoliciesTest {

  @Test
  void iptoExample_loadsAndItsSummaryReadsAsTheSeed() {
    Policy ipto = Examples.load("ipto.yaml");

    String summary = PolicySummary.describe(ipto);

    assertThat(summary)
        .startsWith(
            """
            Headers: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (Unix epoch\
             seconds); Retry-After on every 429
            429 body: {"detail": "Rate limit exceeded", "retry_after": N}
            Paths: matched ignoring the case of letters

            Global limits, on every request, counted per bearer token, else client IP:
              minute  100 per minute (fixed window)
              hour    1,000 per hour (fixed window)
              day     10,000 per day (fixed window)

            15 endpoint rules, on top of the global limits:
              magic-link: POST /auth/magic-link, counted per body field email (normalised:\
             email, strip-tag)
                3 per hour (fixed window)
              token-verification: POST /auth/verify, counted per body field token
                5 in total, never refilled (forgotten 30 days after first use)
              token-refresh: POST /auth/refresh, counted per body field refresh_token
                10 per hour (fixed window)
              asset-creation: POST /assets, counted per bearer token, else client IP
                10 per hour (fixed window)
            """);
    assertThat(summary)
        .contains(
            """
              asset-updates: PATCH,PUT /assets/{id}, counted per bearer token, else client IP
                20 per hour (fixed window)
            """);
    // The seed's last rule, then the one tier support assigns (not from the IPTO page).
    assertThat(summary)
        .endsWith(
            """
              wallet-listing: GET /wallets, counted per bearer token, else client IP
                50 per minute (fixed window)

            1 tier, given to identities through the admin API:
              pro: limits of its own on 3 rules, the other rules' limits x10 (rounded down, at\
             least 1)
                magic-link:
                  3 per hour (fixed window)
                token-verification:
                  5 in total, never refilled (forgotten 30 days after first use)
                token-refresh:
                  10 per hour (fixed window)
            """);
  }

  @Test
  void convoticExample_loadsAndItsSummaryReadsAsTheSeed() {
    Policy convotic = Examples.load("convotic.yaml");

    assertThat(PolicySummary.describe(convotic))
        .isEqualTo(
            """
            Headers: X-RateLimit-Limit, X-RateLimit-Remaining (no X-RateLimit-Reset); Retry-After\
             on every 429
            429 body: {"error": {"code": "RATE_LIMITED", "message": "Rate limit exceeded. Retry\
             after N seconds."}}

            Global limits, on every request, counted per header X-API-Key, else client IP:
              minute  1,000 per minute (fixed window)
            """);
  }
}
