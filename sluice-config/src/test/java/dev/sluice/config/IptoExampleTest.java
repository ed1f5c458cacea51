package dev.sluice.config;

import static dev.sluice.config.Examples.header;
import static dev.sluice.config.Examples.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Decision;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * examples/ipto.yaml enforces the IPTO "Rate Limits" page exactly: every row of its tables, decided
 * by the engine on a manual clock, with the headers and 429 body the page prints.
 */
class IptoExampleTest {
  private static final Policy POLICY = Examples.load("ipto.yaml");

  /** A Monday, 15 s into the minute: windows end at 09:01:00, 10:00:00 and midnight. */
  private static final Instant START = Instant.parse("2025-03-03T09:00:15Z");

  private static final Instant MINUTE_END = Instant.parse("2025-03-03T09:01:00Z");
  private static final Instant HOUR_END = Instant.parse("2025-03-03T10:00:00Z");
  private static final Instant DAY_END = Instant.parse("2025-03-04T00:00:00Z");
  private static final Instant FORGOTTEN = Instant.parse("2025-04-02T09:00:15Z");

  private final ManualTicker ticker = new ManualTicker(START);
  private final Sluice sluice = Examples.engine(POLICY, ticker);

  /** Who an endpoint counts: the identity is put where the rule's key reads it. */
  enum Per {
    EMAIL,
    TOKEN,
    REFRESH_TOKEN,
    USER;

    Request.Builder identify(Request.Builder b, String who) {
      b.clientAddress("203.0.113.7"); // the global limits count anonymous clients by IP
      switch (this) {
        case EMAIL:
          return b.bodyField("email", who + "@example.com");
        case TOKEN:
          return b.bodyField("token", "magic-" + who);
        case REFRESH_TOKEN:
          return b.bodyField("refresh_token", "refresh-" + who);
        default:
          return b.bearer("bearer-" + who);
      }
    }
  }

  /** One row of the page's endpoint tables. */
  record Row(String rule, String route, String path, Per per, int limit, String window) {
    Request request(String who) {
      return per.identify(
              Request.builder(route.substring(0, route.indexOf(' ')).split(",")[0], path), who)
          .build();
    }

    Instant resetAt() {
      return window.equals("minute") ? MINUTE_END : window.equals("hour") ? HOUR_END : FORGOTTEN;
    }

    long retryAfterSeconds() {
      return Duration.between(START, resetAt()).toSeconds();
    }

    @Override
    public String toString() {
      return rule + " " + limit + "/" + window;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("magic-link", "POST /auth/magic-link", "/auth/magic-link", Per.EMAIL, 3, "hour"),
        new Row(
            "token-verification", "POST /auth/verify", "/auth/verify", Per.TOKEN, 5, "lifetime"),
        new Row(
            "token-refresh", "POST /auth/refresh", "/auth/refresh", Per.REFRESH_TOKEN, 10, "hour"),
        new Row("asset-creation", "POST /assets", "/assets", Per.USER, 10, "hour"),
        new Row("asset-listing", "GET /assets", "/assets", Per.USER, 100, "minute"),
        new Row("asset-updates", "PUT,PATCH /assets/{id}", "/assets/42", Per.USER, 20, "hour"),
        new Row(
            "license-creation", "POST /microip/licenses", "/microip/licenses", Per.USER, 5, "hour"),
        new Row(
            "asset-downloads",
            "GET /microip/assets/{id}/download",
            "/microip/assets/42/download",
            Per.USER,
            20,
            "hour"),
        new Row("search", "GET /microip/search", "/microip/search", Per.USER, 50, "minute"),
        new Row("deposits", "POST /balance/deposits", "/balance/deposits", Per.USER, 10, "hour"),
        new Row(
            "withdrawals",
            "POST /balance/withdrawals",
            "/balance/withdrawals",
            Per.USER,
            5,
            "hour"),
        new Row("balance-checks", "GET /balance", "/balance", Per.USER, 100, "minute"),
        new Row("wallet-addition", "POST /wallets", "/wallets", Per.USER, 5, "hour"),
        new Row(
            "wallet-verification",
            "POST /wallets/{id}/verify",
            "/wallets/7/verify",
            Per.USER,
            10,
            "hour"),
        new Row("wallet-listing", "GET /wallets", "/wallets", Per.USER, 50, "minute"));
  }

  @Test
  void policy_isTheSeedTableRuleForRule() {
    KeySource user =
        new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp()));
    List<Rule> expected = new ArrayList<>();
    expected.add(
        Rule.global(
            "global",
            user,
            List.of(
                Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1))),
                Limit.fixed("hour", 1000, Window.of(Duration.ofHours(1))),
                Limit.fixed("day", 10_000, Window.of(Duration.ofDays(1))))));
    rows()
        .forEach(
            row -> {
              KeySource key =
                  switch (row.per()) {
                    case EMAIL ->
                        KeySource.Normalized.of(
                            new KeySource.BodyField("email"),
                            KeySource.Normalization.EMAIL,
                            KeySource.Normalization.STRIP_TAG);
                    case TOKEN -> new KeySource.BodyField("token");
                    case REFRESH_TOKEN -> new KeySource.BodyField("refresh_token");
                    case USER -> user;
                  };
              Window window =
                  row.window().equals("lifetime")
                      ? Window.lifetime(Duration.ofDays(30))
                      : Window.of(
                          row.window().equals("hour")
                              ? Duration.ofHours(1)
                              : Duration.ofMinutes(1));
              expected.add(
                  Rule.endpoint(
                      row.rule(),
                      Route.parse(row.route()),
                      key,
                      List.of(Limit.fixed(row.rule(), row.limit(), window))));
            });

    assertThat(POLICY.rules()).containsExactlyElementsOf(expected);
    assertThat(POLICY.resetHeader()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void endpointLimit_admitsExactlyNThenDeniesAsTheSeedSays(Row row) {
    String reset = Long.toString(row.resetAt().getEpochSecond());
    for (int i = 1; i <= row.limit(); i++) {
      Decision d = sluice.decide(row.request("alice"));
      assertThat(d.allowed()).as("request %d of %d", i, row.limit()).isTrue();
      assertThat(sluice.headers(d))
          .as("request %d", i)
          .isEqualTo(
              headers(
                  "X-RateLimit-Limit", Integer.toString(row.limit()),
                  "X-RateLimit-Remaining", Integer.toString(row.limit() - i),
                  "X-RateLimit-Reset", reset));
    }

    Decision denied = sluice.decide(row.request("alice"));

    long retryAfter = row.retryAfterSeconds();
    assertThat(denied.outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(sluice.headers(denied))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit",
                Integer.toString(row.limit()),
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                reset,
                "Retry-After",
                Long.toString(retryAfter)));
    assertThat(sluice.denialBody(denied))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": " + retryAfter + "}");
    assertThat(sluice.denialContentType()).isEqualTo("application/json");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void endpointLimit_isCountedPerIdentity(Row row) {
    for (int i = 0; i <= row.limit(); i++) {
      sluice.decide(row.request("alice"));
    }

    Decision other = sluice.decide(row.request("bob"));

    assertThat(other.allowed()).isTrue();
    assertThat(header(sluice, other, "X-RateLimit-Remaining"))
        .isEqualTo(Integer.toString(row.limit() - 1));
  }

  /** The rows whose limit refills; the lifetime budget never does (see its own test below). */
  static Stream<Row> windowedRows() {
    return rows().filter(row -> !row.window().equals("lifetime"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("windowedRows")
  void windowedEndpointLimit_refillsAtItsReset(Row row) {
    for (int i = 0; i <= row.limit(); i++) {
      sluice.decide(row.request("alice"));
    }

    ticker.set(row.resetAt());
    Decision d = sluice.decide(row.request("alice"));

    assertThat(d.allowed()).isTrue();
    assertThat(header(sluice, d, "X-RateLimit-Remaining"))
        .isEqualTo(Integer.toString(row.limit() - 1));
  }

  @Test
  void lifetimeBudget_neverRefillsButIsForgottenAfterThirtyDays() {
    Request verify =
        Request.builder("POST", "/auth/verify")
            .clientAddress("203.0.113.7")
            .bodyField("token", "magic-1")
            .build();
    for (int i = 0; i < 5; i++) {
      assertThat(sluice.decide(verify).allowed()).isTrue();
    }

    ticker.advance(Duration.ofDays(1));
    Decision nextDay = sluice.decide(verify);
    ticker.set(FORGOTTEN.minusSeconds(1));
    Decision lastSecond = sluice.decide(verify);
    ticker.set(FORGOTTEN);
    Decision afterRetention = sluice.decide(verify);

    assertThat(sluice.headers(nextDay))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit",
                "5",
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                Long.toString(FORGOTTEN.getEpochSecond()),
                "Retry-After",
                Long.toString(Duration.ofDays(29).toSeconds())));
    assertThat(sluice.denialBody(nextDay))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 2505600}");
    assertThat(lastSecond.allowed()).isFalse();
    assertThat(header(sluice, lastSecond, "Retry-After")).isEqualTo("1");
    assertThat(afterRetention.allowed()).isTrue();
    assertThat(header(sluice, afterRetention, "X-RateLimit-Remaining")).isEqualTo("4");
  }

  @Test
  void globalMinute_denies101stRequestAcrossEndpointsAndChargesNothing() {
    String[] paths = {"/assets", "/balance", "/microip/search", "/wallets"};
    for (int i = 0; i < 100; i++) {
      Decision d = sluice.decide(get(paths[i % 4]).bearer("alice").build());
      assertThat(d.allowed()).as("request %d", i + 1).isTrue();
    }

    Decision denied = sluice.decide(post("/assets").bearer("alice").build());
    Decision otherUser = sluice.decide(post("/assets").bearer("bob").build());
    ticker.set(MINUTE_END);
    Decision nextMinute = sluice.decide(post("/assets").bearer("alice").build());

    assertThat(denied.allowed()).isFalse();
    assertThat(denied.violated()).extracting(s -> s.limit().name()).containsExactly("minute");
    assertThat(sluice.headers(denied))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit",
                "100",
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                Long.toString(MINUTE_END.getEpochSecond()),
                "Retry-After",
                "45"));
    assertThat(sluice.denialBody(denied))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 45}");
    assertThat(otherUser.allowed()).isTrue();
    // The denied request took nothing from asset-creation: 10 - 1 remain after this one.
    assertThat(sluice.headers(nextMinute))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit",
                "10",
                "X-RateLimit-Remaining",
                "9",
                "X-RateLimit-Reset",
                Long.toString(HOUR_END.getEpochSecond())));
  }

  @Test
  void globalHour_denies1001stRequestInTheHour() {
    for (int minute = 0; minute < 10; minute++) {
      ticker.set(START.plus(Duration.ofMinutes(minute)));
      for (int i = 0; i < 100; i++) {
        assertThat(sluice.decide(get("/profile").bearer("alice").build()).allowed()).isTrue();
      }
    }

    ticker.set(START.plus(Duration.ofMinutes(10)));
    Decision denied = sluice.decide(get("/profile").bearer("alice").build());

    assertThat(sluice.headers(denied))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit",
                "1000",
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                Long.toString(HOUR_END.getEpochSecond()),
                "Retry-After",
                "2985"));
    assertThat(sluice.denialBody(denied))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 2985}");
  }

  @Test
  void globalDay_denies10001stRequestInTheDay() {
    for (int hour = 0; hour < 10; hour++) {
      for (int minute = 0; minute < 10; minute++) {
        ticker.set(START.plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(minute)));
        for (int i = 0; i < 100; i++) {
          assertThat(sluice.decide(get("/profile").clientAddress("198.51.100.1").build()).allowed())
              .isTrue();
        }
      }
    }

    ticker.set(Instant.parse("2025-03-03T19:00:15Z"));
    Decision denied = sluice.decide(get("/profile").clientAddress("198.51.100.1").build());
    ticker.set(DAY_END);
    Decision nextDay = sluice.decide(get("/profile").clientAddress("198.51.100.1").build());

    assertThat(sluice.headers(denied))
        .isEqualTo(
            headers(
                "X-RateLimit-Limit",
                "10000",
                "X-RateLimit-Remaining",
                "0",
                "X-RateLimit-Reset",
                Long.toString(DAY_END.getEpochSecond()),
                "Retry-After",
                "17985"));
    assertThat(sluice.denialBody(denied))
        .isEqualTo("{\"detail\": \"Rate limit exceeded\", \"retry_after\": 17985}");
    assertThat(nextDay.allowed()).isTrue();
  }

  @Test
  void userLimits_countABearerTokenElseTheClientIp() {
    for (int i = 0; i < 10; i++) {
      sluice.decide(post("/assets").bearer("alice").clientAddress("203.0.113.7").build());
    }

    Decision alice =
        sluice.decide(post("/assets").bearer("alice").clientAddress("192.0.2.1").build());
    Decision bobSameIp =
        sluice.decide(post("/assets").bearer("bob").clientAddress("203.0.113.7").build());
    Decision anonymousSameIp = sluice.decide(post("/assets").clientAddress("203.0.113.7").build());

    assertThat(alice.allowed()).as("alice is counted by token, wherever she calls from").isFalse();
    assertThat(bobSameIp.allowed()).isTrue();
    assertThat(anonymousSameIp.allowed()).as("no token: counted by IP, apart from alice").isTrue();
    for (int i = 1; i < 10; i++) {
      sluice.decide(post("/assets").clientAddress("203.0.113.7").build());
    }
    assertThat(sluice.decide(post("/assets").clientAddress("203.0.113.7").build()).allowed())
        .isFalse();
    assertThat(sluice.decide(post("/assets").clientAddress("203.0.113.8").build()).allowed())
        .isTrue();
  }

  @Test
  void assetUpdates_sharePutAndPatchOnEveryAssetOfAUser() {
    for (int i = 0; i < 20; i++) {
      String method = i % 2 == 0 ? "PUT" : "PATCH";
      assertThat(
              sluice
                  .decide(Request.builder(method, "/assets/" + i).bearer("alice").build())
                  .allowed())
          .isTrue();
    }

    Decision denied =
        sluice.decide(Request.builder("PATCH", "/assets/999").bearer("alice").build());

    assertThat(denied.violated()).extracting(s -> s.rule()).containsExactly("asset-updates");
  }

  @Test
  void magicLinkWithoutEmail_isInvalidNotCounted() {
    Decision d = sluice.decide(post("/auth/magic-link").clientAddress("203.0.113.7").build());

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.INVALID);
    assertThat(d.problem())
        .isEqualTo(
            "rule 'magic-link' counts requests per body field email, and this request has none");
  }

  /**
   * Issue 16: "3 per hour per email" is per mailbox, not per spelling. Each of these is the mailbox
   * a@x.com, so after three links for a@x.com it gets none.
   */
  @ParameterizedTest(name = "[{0}]")
  @ValueSource(
      strings = {
        "A@x.com",
        "a@X.COM",
        "  a@x.com\t",
        "a+tag@x.com",
        "a@x.com.",
        "\uFF41@x.com", // fullwidth a
        "mailto:a@x.com",
        "\"a\"@x.com",
        "MAILTO: \"A+Promo\"@\uFF38.com. " // all at once
      })
  void magicLink_afterThreeForAMailbox_everySpellingOfItIsDenied(String variant) {
    for (int i = 1; i <= 3; i++) {
      Decision d = sluice.decide(magicLink("a@x.com"));
      assertThat(d.allowed()).as("link %d for a@x.com", i).isTrue();
    }

    Decision d = sluice.decide(magicLink(variant));

    assertThat(d.outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(d.violated()).extracting(s -> s.rule()).containsExactly("magic-link");
  }

  @Test
  void magicLink_otherMailboxes_keepTheirOwnLinks() {
    for (int i = 1; i <= 3; i++) {
      assertThat(sluice.decide(magicLink("a@x.com")).allowed()).isTrue();
    }

    for (String other : List.of("b@x.com", "a@y.com", "ab@x.com", "a@x.co")) {
      assertThat(sluice.decide(magicLink(other)).allowed()).as(other).isTrue();
    }
  }

  private static Request magicLink(String email) {
    return post("/auth/magic-link").clientAddress("203.0.113.7").bodyField("email", email).build();
  }

  private static Request.Builder get(String path) {
    return Request.builder("GET", path);
  }

  private static Request.Builder post(String path) {
    return Request.builder("POST", path);
  }

  @Test
  void proTier_notFromThePage_raisesLimitsTenfoldButLeavesSignInAsThePageStatesIt() {
    dev.sluice.core.policy.Tier pro = POLICY.tiers().get("pro");

    assertThat(POLICY.tiers()).containsOnlyKeys("pro");
    assertThat(pro.limitsFor(POLICY.rule("search")).get(0).permits()).isEqualTo(500);
    assertThat(pro.limitsFor(POLICY.rule("global")))
        .extracting(Limit::permits)
        .containsExactly(1_000L, 10_000L, 100_000L);
    assertThat(pro.limitsFor(POLICY.rule("magic-link")))
        .isEqualTo(POLICY.rule("magic-link").limits());
    assertThat(pro.limitsFor(POLICY.rule("token-verification")))
        .isEqualTo(POLICY.rule("token-verification").limits());
    assertThat(pro.limitsFor(POLICY.rule("token-refresh")))
        .isEqualTo(POLICY.rule("token-refresh").limits());
  }
}
