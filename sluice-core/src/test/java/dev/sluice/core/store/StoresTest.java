package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.Decision;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding a store by its URI's scheme, its settings and options, and showing URIs safely. */
class StoresTest {

  private static StoreSettings option(String name, String value) {
    return StoreSettings.builder().option(name, value).build();
  }

  @Test
  void memory_isFoundThroughServiceLoader_writtenWithOrWithoutAColon_inAnyCase() {
    for (String uri : new String[] {"memory", "memory:", "MEMORY", " Memory: "}) {
      try (Store s = Stores.open(uri)) {
        assertThat(s).as(uri).isInstanceOf(InMemoryStore.class);
        assertThat(s.blocks()).as(uri).isFalse();
      }
    }
    assertThat(Stores.schemes()).contains("memory");
  }

  @Test
  void memory_takesItsOptionsByName() {
    try (Store s = Stores.open("memory", option("max-buckets", "10"))) {
      assertThat(((InMemoryStore) s).capacity()).isEqualTo(10);
    }
    try (Store s = Stores.open("memory:", option("max-new-identities-per-client", "0"))) {
      assertThat(s).isInstanceOf(InMemoryStore.class);
    }
    try (Store s = Stores.open("memory")) {
      assertThat(((InMemoryStore) s).capacity()).as("the default").isEqualTo(1_000_000);
    }
  }

  @Test
  void memory_readsTheClockTheSettingsGive() {
    ManualTicker clock = new ManualTicker(Instant.parse("2025-03-03T09:00:15Z"));
    Policy policy =
        new Policy(
            HeaderDialect.X_RATELIMIT,
            true,
            DenialFormat.DETAIL,
            List.of(
                Rule.global(
                    "g",
                    new KeySource.Constant("all"),
                    List.of(Limit.fixed("minute", 5, Window.of(Duration.ofMinutes(1)))))));
    try (Store s = Stores.open("memory", StoreSettings.builder().ticker(clock).build())) {
      Sluice engine = Sluice.builder(policy).store(s).build();
      Decision first = engine.decide(Request.builder("GET", "/").build());
      clock.advance(Duration.ofMinutes(1));
      Decision later = engine.decide(Request.builder("GET", "/").build());

      assertThat(first.limits().get(0).resetAtMicros())
          .as("the end of the window the manual clock is in")
          .isEqualTo(Instant.parse("2025-03-03T09:01:00Z").toEpochMilli() * 1_000);
      assertThat(later.limits().get(0).remaining()).as("a new window, by that clock").isEqualTo(4);
    }
  }

  @Test
  void memory_refusesBadOptionValues_namingTheOption() {
    assertThatThrownBy(() -> Stores.open("memory", option("max-buckets", "3")))
        .isInstanceOf(StoreOptionException.class)
        .hasMessage("max-buckets must be at least 10, got 3")
        .satisfies(
            e -> {
              StoreOptionException o = (StoreOptionException) e;
              assertThat(o.option()).isEqualTo("max-buckets");
              assertThat(o.reason()).isEqualTo("must be at least 10, got 3");
            });
    assertThatThrownBy(() -> Stores.open("memory", option("max-buckets", "lots")))
        .isInstanceOf(StoreOptionException.class)
        .hasMessage("max-buckets must be a whole number, got 'lots'");
    assertThatThrownBy(() -> Stores.open("memory", option("max-new-identities-per-client", "-1")))
        .isInstanceOf(StoreOptionException.class)
        .hasMessage("max-new-identities-per-client must be 0 (no ceiling) or more, got -1");
  }

  @Test
  void anOptionTheStoreDoesNotKnow_isRefused_listingTheOnesItTakes() {
    assertThatThrownBy(() -> Stores.open("memory", option("pool-size", "8")))
        .isInstanceOf(StoreOptionException.class)
        .hasMessage(
            "pool-size is not an option of the memory store; it takes max-buckets,"
                + " max-new-identities-per-client");
  }

  @Test
  void memory_withAnAddress_isRefused() {
    assertThatThrownBy(() -> Stores.open("memory://:hunter2@somewhere"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the memory store takes no address: write memory (or memory:), not"
                + " 'memory://:***@somewhere'");
  }

  @Test
  void unknownScheme_namesTheSchemesFound_andNeverThePassword() {
    assertThatThrownBy(() -> Stores.open("mongo://admin:hunter2@db:27017/limits"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "unknown scheme 'mongo' in the store URI 'mongo://admin:***@db:27017/limits'; the"
                + " schemes known are memory")
        .hasMessageContaining("a jar of its own on the class path")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aMisspeltScheme_isNamed_withTheNearestKnownOne() {
    assertThatThrownBy(() -> Stores.open("memroy"))
        .hasMessageStartingWith(
            "unknown scheme 'memroy' in the store URI 'memroy' (did you mean memory?); the schemes"
                + " known are memory");
    assertThatThrownBy(() -> Stores.open("postgres://db"))
        .hasMessageStartingWith("unknown scheme 'postgres' in the store URI 'postgres://db'; ");
  }

  @Test
  void aUriWithoutScheme_orNone_saysSo() {
    assertThatThrownBy(() -> Stores.open("//:hunter2@h:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the store URI '//:***@h:1' has no scheme (SCHEME://...); ")
        .hasMessageContaining("memory");
    assertThatThrownBy(() -> Stores.open(" "))
        .hasMessageStartingWith("the store URI is empty; the schemes known are memory");
    assertThatThrownBy(() -> Stores.open(null)).hasMessageStartingWith("the store URI is empty; ");
  }

  @Test
  void masked_hidesPasswords_inUserInfo_andInSecretParameters() {
    assertThat(Stores.masked("redis://:hunter2@h:6379/0")).isEqualTo("redis://:***@h:6379/0");
    assertThat(Stores.masked("redis://user:p@ss/w#rd@h:6379")).isEqualTo("redis://user:***@h:6379");
    assertThat(Stores.masked("redis://token@h")).isEqualTo("redis://***@h");
    assertThat(Stores.masked("postgres://db/limits?user=sluice&password=hunter2&ssl=true"))
        .isEqualTo("postgres://db/limits?user=sluice&password=***&ssl=true");
    assertThat(Stores.masked("x://h?authToken=abc;clientSecret=def"))
        .isEqualTo("x://h?authToken=***;clientSecret=***");
    assertThat(Stores.masked("jdbc:user:hunter2@h")).isEqualTo("jdbc:user:***@h");
    assertThat(Stores.masked("redis://h:6379")).isEqualTo("redis://h:6379");
    assertThat(Stores.masked("memory")).isEqualTo("memory");
    assertThat(Stores.masked(null)).isNull();
  }

  @Test
  void theMemoryStore_sharesNothing_soTheGatewayKeepsItsStateItself() {
    try (Store s = Stores.open("memory")) {
      assertThat(s.shared()).isEmpty();
    }
  }

  @Test
  void settings_defaults_andTheirChecks() {
    StoreSettings d = StoreSettings.defaults();
    assertThat(d.timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(d.connectInBackground()).isFalse();
    assertThat(d.options()).isEmpty();

    StoreSettings s =
        StoreSettings.builder()
            .timeout(Duration.ofSeconds(1))
            .connectInBackground(true)
            .option("b", "1")
            .option("a", "2")
            .option("b", "3")
            .build();
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.connectInBackground()).isTrue();
    assertThat(s.options())
        .containsExactly(java.util.Map.entry("b", "3"), java.util.Map.entry("a", "2"));
    assertThat(s.option("a")).contains("2");
    assertThat(s.option("c")).isEmpty();

    assertThatThrownBy(() -> StoreSettings.builder().timeout(Duration.ZERO))
        .hasMessage("the store timeout must be positive, got PT0S");
    assertThatThrownBy(() -> StoreSettings.builder().option("--max-buckets", "10"))
        .hasMessage(
            "store option name '--max-buckets' must be lower-case letters and digits in words"
                + " joined by '-', e.g. max-buckets");
  }
}
