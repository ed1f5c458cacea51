package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Identities reach the store only as keyed hashes, namespaced per rule; engines share buckets by
 * secret.
 */
class SluiceHashingTest extends EngineFixture {

  /** A store that records the (rule, key) of every bucket charged, then charges the real one. */
  static final class RecordingStore implements Store {
    final Store inner;
    final List<String> rules = new ArrayList<>();
    final List<Long> keys = new ArrayList<>();

    RecordingStore(Store inner) {
      this.inner = inner;
    }

    @Override
    public BucketGroup group(GroupName name, List<Limit> limits) {
      return inner.group(name, limits);
    }

    @Override
    public Verdict charge(Charge charge) {
      for (int i = 0; i < charge.size(); i++) {
        rules.add(charge.group(i).name().key());
        keys.add(charge.key(i));
      }
      return inner.charge(charge);
    }

    void clear() {
      rules.clear();
      keys.clear();
    }
  }

  private static Policy policy(Rule... rules) {
    return new Policy(HeaderDialect.X_RATELIMIT, false, DenialFormat.DETAIL, List.of(rules));
  }

  private static Policy perTokenPolicy() {
    return policy(Rule.global("per-token", new KeySource.Bearer(), List.of(perHour("hourly", 2))));
  }

  @Test
  void twoEnginesWithTheSameSecret_shareBucketsInASharedStore() {
    Sluice a = Sluice.builder(perTokenPolicy()).store(store).identitySecret(SECRET).build();
    Sluice b = Sluice.builder(perTokenPolicy()).store(store).identitySecret(SECRET.clone()).build();

    allowed(a, get("/").bearer("t"));
    allowed(b, get("/").bearer("t"));

    assertThat(a.decide(get("/").bearer("t").build()).outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(b.decide(get("/").bearer("t").build()).outcome()).isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void twoEnginesWithDifferentSecrets_countTheSameClientSeparately() {
    byte[] other = SECRET.clone();
    other[15] ^= 1;
    Sluice a = Sluice.builder(perTokenPolicy()).store(store).identitySecret(SECRET).build();
    Sluice b = Sluice.builder(perTokenPolicy()).store(store).identitySecret(other).build();
    Sluice c = Sluice.builder(perTokenPolicy()).store(store).build(); // a random secret

    allowed(a, get("/").bearer("t"));
    allowed(a, get("/").bearer("t"));

    assertThat(remainingAfter(b, get("/").bearer("t"))).isEqualTo(1);
    assertThat(remainingAfter(c, get("/").bearer("t"))).isEqualTo(1);
  }

  @Test
  void identitySecret_isCopied() {
    byte[] secret = SECRET.clone();
    Sluice a = Sluice.builder(perTokenPolicy()).store(store).identitySecret(secret).build();
    secret[0] ^= 1;
    Sluice b = Sluice.builder(perTokenPolicy()).store(store).identitySecret(SECRET).build();

    allowed(a, get("/").bearer("t"));

    assertThat(remainingAfter(b, get("/").bearer("t"))).isZero();
  }

  @Test
  void identitySecret_mustBe16Bytes() {
    assertThatThrownBy(() -> Sluice.builder(perTokenPolicy()).identitySecret(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the identity secret must be 16 bytes, got 15");
    assertThatThrownBy(() -> Sluice.builder(perTokenPolicy()).identitySecret(new byte[32]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the identity secret must be 16 bytes, got 32");
  }

  @Test
  void keys_differPerRuleAndPerIdentity_andAreStable() {
    RecordingStore rec = new RecordingStore(store);
    Sluice s =
        Sluice.builder(
                policy(
                    Rule.global("per-token", new KeySource.Bearer(), List.of(perHour("a", 100))),
                    Rule.global(
                        "per-token-too", new KeySource.Bearer(), List.of(perHour("b", 100)))))
            .store(rec)
            .identitySecret(SECRET)
            .build();
    Set<Long> seen = new HashSet<>();

    for (String token : List.of("alice", "bob", "carol", "", "x")) {
      if (token.isEmpty()) {
        continue;
      }
      rec.clear();
      allowed(s, get("/").bearer(token));
      assertThat(rec.rules).containsExactly("per-token", "per-token-too");
      assertThat(rec.keys.get(0)).as("one identity, two rules").isNotEqualTo(rec.keys.get(1));
      assertThat(seen.add(rec.keys.get(0)) && seen.add(rec.keys.get(1)))
          .as("distinct per identity")
          .isTrue();
      assertThat(rec.keys).doesNotContain((long) token.hashCode());

      List<Long> first = List.copyOf(rec.keys);
      rec.clear();
      allowed(s, get("/").bearer(token));
      assertThat(rec.keys).as("the same identity, the same keys").isEqualTo(first);
    }
  }

  @Test
  void keys_dependOnTheSecret() {
    RecordingStore rec = new RecordingStore(store);
    byte[] other = SECRET.clone();
    other[0] ^= 1;
    Sluice a = Sluice.builder(perTokenPolicy()).store(rec).identitySecret(SECRET).build();
    Sluice b = Sluice.builder(perTokenPolicy()).store(rec).identitySecret(other).build();

    allowed(a, get("/").bearer("alice"));
    allowed(b, get("/").bearer("alice"));

    assertThat(rec.keys.get(0)).isNotEqualTo(rec.keys.get(1));
  }

  @Test
  void keys_sameStringFromDifferentSources_differ() {
    RecordingStore rec = new RecordingStore(store);
    Sluice s =
        Sluice.builder(
                policy(
                    Rule.global(
                        "per-client",
                        new KeySource.FirstOf(
                            List.of(
                                new KeySource.Header("X-Client"),
                                new KeySource.ClientIp(),
                                new KeySource.QueryParam("client"),
                                new KeySource.Constant("10.0.0.1"))),
                        List.of(perHour("hourly", 100)))))
            .store(rec)
            .identitySecret(SECRET)
            .build();

    allowed(s, get("/").header("X-Client", "10.0.0.1"));
    allowed(s, get("/").clientAddress("10.0.0.1"));
    allowed(s, get("/?client=10.0.0.1"));
    allowed(s, get("/"));

    assertThat(new HashSet<>(rec.keys)).hasSize(4);
  }

  @Test
  void identityOutsideTheBasicPlane_isCountedLikeAnyOther() {
    // An emoji is a surrogate pair: two chars that ISO-8859-1 encodes as one '?'.
    Sluice s =
        engine(
            Rule.global(
                "per-key", new KeySource.QueryParam("api_key"), List.of(perHour("hourly", 10))));

    assertThat(remainingAfter(s, get("/search?api_key=%F0%9F%98%80"))).isEqualTo(9);
    assertThat(remainingAfter(s, get("/search?api_key=%F0%9F%98%80"))).isEqualTo(8);
    assertThat(remainingAfter(s, get("/search?api_key=%F0%9F%98%81"))).isEqualTo(9);
  }
}
