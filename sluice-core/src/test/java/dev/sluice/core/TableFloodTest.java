package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.InMemoryStore.Overflow;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The attack that filled the bucket table: distinct bearer tokens by the thousand against IPTO's
 * limits (a day window keeps each bucket until midnight), on a table small enough for a test. A
 * full table must not lock out anyone who is not flooding, nor reset anyone already counted.
 */
class TableFloodTest {
  private static final byte[] SECRET =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final String FLOODER = "198.51.100.66";

  private final ManualTicker ticker = new ManualTicker(EngineFixture.START);

  /** IPTO's global limits per user ([bearer, ip]) and its magic-link limit per e-mail. */
  private Sluice ipto(InMemoryStore store) {
    Rule global =
        Rule.global(
            "global",
            new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp())),
            List.of(
                Limit.fixed("minute", 100, Window.of(Duration.ofMinutes(1))),
                Limit.fixed("hour", 1_000, Window.of(Duration.ofHours(1))),
                Limit.fixed("day", 10_000, Window.of(Duration.ofDays(1)))));
    Rule magicLink =
        Rule.endpoint(
            "magic-link",
            Route.parse("POST /auth/magic-link"),
            new KeySource.BodyField("email"),
            List.of(Limit.fixed("magic-link", 3, Window.of(Duration.ofHours(1)))));
    return Sluice.builder(
            new Policy(
                HeaderDialect.X_RATELIMIT, true, DenialFormat.DETAIL, List.of(global, magicLink)))
        .store(store)
        .identitySecret(SECRET)
        .build();
  }

  private InMemoryStore store(long maxBuckets) {
    return InMemoryStore.builder()
        .ticker(ticker)
        .executor(Runnable::run)
        .maxBuckets(maxBuckets)
        .build();
  }

  private static Request bearer(String token, String address) {
    return Request.builder("GET", "/assets").bearer(token).clientAddress(address).build();
  }

  private static Request magicLink(String email, String address) {
    return Request.builder("POST", "/auth/magic-link")
        .bodyField("email", email)
        .clientAddress(address)
        .build();
  }

  /** Decides {@code n} requests; how many of each outcome. */
  private static Map<Decision.Outcome, Integer> decideAll(
      Sluice s, int n, java.util.function.IntFunction<Request> r) {
    Map<Decision.Outcome, Integer> out = new EnumMap<>(Decision.Outcome.class);
    for (int i = 0; i < n; i++) {
      out.merge(s.decide(r.apply(i)).outcome(), 1, Integer::sum);
    }
    return out;
  }

  private static long remaining(Sluice s, Request r) {
    Decision d = s.decide(r);
    assertThat(d.outcome()).as("%s", d).isEqualTo(Decision.Outcome.ALLOWED);
    return d.binding().remaining();
  }

  @Test
  void oneAddressFlooding_isHeldToItsCeiling_andNobodyElseNoticesIt() {
    InMemoryStore store = store(2_000);
    Sluice s = ipto(store);
    for (int i = 0; i < 7; i++) {
      s.decide(bearer("alice", "203.0.113.1"));
    }

    Map<Decision.Outcome, Integer> flood = decideAll(s, 5_000, i -> bearer("junk-" + i, FLOODER));

    // 100 new identities of its own this minute, then the rest share one bucket of 100/minute.
    assertThat(flood)
        .isEqualTo(Map.of(Decision.Outcome.ALLOWED, 200, Decision.Outcome.DENIED, 4_800));
    assertThat(store.size())
        .as("Alice and her origin, 100 identities, the flooder's origin and its overflow")
        .isEqualTo(104);
    assertThat(remaining(s, bearer("alice", "203.0.113.1")))
        .as("Alice's count, exact")
        .isEqualTo(92);
    assertThat(decideAll(s, 101, i -> bearer("bob", "203.0.113.9")))
        .as("Bob, new: 100 a minute, exactly")
        .isEqualTo(Map.of(Decision.Outcome.ALLOWED, 100, Decision.Outcome.DENIED, 1));
    assertThat(decideAll(s, 4, i -> magicLink("carol@example.com", "203.0.113.10")))
        .isEqualTo(Map.of(Decision.Outcome.ALLOWED, 3, Decision.Outcome.DENIED, 1));
    assertThat(store.overflows()).isEqualTo(Map.of("global", Map.of(Overflow.CEILING, 4_900L)));
  }

  @Test
  void aFloodFromManyAddressesFillingTheTable_countsNewcomersPerAddress_neverRefusesThem() {
    InMemoryStore store = store(2_000); // 1,800 for identities, 200 for overflow buckets
    Sluice s = ipto(store);
    for (int i = 0; i < 7; i++) {
      s.decide(bearer("alice", "203.0.113.1"));
    }
    s.decide(magicLink("alice@example.com", "203.0.113.1"));

    // 60 addresses, each under its ceiling: 3,000 new identities, more than the table holds.
    Map<Decision.Outcome, Integer> flood =
        decideAll(s, 3_000, i -> bearer("junk-" + i, "198.51.100." + (i % 60)));

    assertThat(flood).doesNotContainKey(Decision.Outcome.UNAVAILABLE);
    assertThat(store.size()).isLessThanOrEqualTo(store.capacity());
    assertThat(store.size()).isGreaterThanOrEqualTo(store.identityCapacity());
    assertThat(store.overflows().get("global")).containsKey(Overflow.RESERVE);

    // A newcomer (new bearer, new address) is served and limited, counted per its address.
    assertThat(decideAll(s, 101, i -> bearer("dave", "203.0.113.20")))
        .isEqualTo(Map.of(Decision.Outcome.ALLOWED, 100, Decision.Outcome.DENIED, 1));
    // ... and one by address alone, and a new e-mail, from other addresses.
    assertThat(
            remaining(s, Request.builder("GET", "/assets").clientAddress("203.0.113.21").build()))
        .isEqualTo(99);
    assertThat(decideAll(s, 4, i -> magicLink("erin@example.com", "203.0.113.22")))
        .isEqualTo(Map.of(Decision.Outcome.ALLOWED, 3, Decision.Outcome.DENIED, 1));
    // Those counted before the flood keep their exact counts.
    assertThat(remaining(s, bearer("alice", "203.0.113.1"))).isEqualTo(92);
    assertThat(decideAll(s, 3, i -> magicLink("alice@example.com", "203.0.113.1")))
        .isEqualTo(Map.of(Decision.Outcome.ALLOWED, 2, Decision.Outcome.DENIED, 1));
  }

  @Test
  void theClientAddressIsHashedOnlyForNewIdentities_soTrackedOnesPayNothingForIt() {
    InMemoryStore store = store(2_000);
    Sluice s = ipto(store);
    s.decide(bearer("alice", "203.0.113.1"));
    long before = store.size();

    for (int i = 0; i < 50; i++) {
      s.decide(bearer("alice", "2001:db8:1:2:" + i + "::1"));
    }

    assertThat(store.size()).as("no origin bucket made for a known identity").isEqualTo(before);
  }
}
