package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.InMemoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** An engine on an in-memory store and a manual clock, and shorthands for rules and requests. */
abstract class EngineFixture {
  static final byte[] SECRET = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** Half past a minute, an hour and a day. */
  static final Instant START = Instant.parse("2030-06-01T12:00:30Z");

  static final long START_MICROS = START.getEpochSecond() * 1_000_000L;

  final ManualTicker ticker = new ManualTicker(START);
  final InMemoryStore store =
      InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build();

  Sluice engine(Rule... rules) {
    return engine(HeaderDialect.X_RATELIMIT, true, DenialFormat.DETAIL, rules);
  }

  Sluice engine(HeaderDialect headers, boolean reset, DenialFormat denial, Rule... rules) {
    return Sluice.builder(new Policy(headers, reset, denial, List.of(rules)))
        .store(store)
        .identitySecret(SECRET)
        .build();
  }

  static Limit perHour(String name, long permits) {
    return Limit.fixed(name, permits, Window.of(Duration.ofHours(1)));
  }

  static Limit perMinute(String name, long permits) {
    return Limit.fixed(name, permits, Window.of(Duration.ofMinutes(1)));
  }

  static Request.Builder get(String path) {
    return Request.builder("GET", path);
  }

  static Decision allowed(Sluice s, Request.Builder r) {
    Decision d = s.decide(r.build());
    assertThat(d.outcome()).as("%s", d).isEqualTo(Decision.Outcome.ALLOWED);
    return d;
  }

  /** The binding limit's remaining units after deciding {@code r}. */
  static long remainingAfter(Sluice s, Request.Builder r) {
    return allowed(s, r).binding().remaining();
  }
}
