package dev.sluice.server.simulate;

import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.WhenFull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One policy replayed: its engine on a clock set to each request's logged time, an exact in-memory
 * store of its own, and the {@link Tally} of what it decided.
 *
 * <p>The store is made so that its defences against floods never engage: no cap on identities that
 * a replay can reach ({@code maxBuckets} is {@link Long#MAX_VALUE}), no ceiling on new identities
 * per client address, and {@link WhenFull#REJECT} so that, were the cap ever reached, the report
 * would say so (as unavailable) rather than count anyone in a shared bucket. Expired buckets are
 * swept on the replay's clock, in the replaying thread, so memory follows the live identities.
 *
 * <p>A rule whose every key source needs what the log does not record (a body field, a header the
 * format lacks, a custom source that verifies tokens live) is not run: it is reported as not
 * evaluable. A rule with a fallback the log does have is run and flagged as approximate.
 */
final class PolicyReplay {
  final Path file;
  final Policy policy;
  final Map<String, String> notEvaluable = new LinkedHashMap<>(); // rule -> why
  final Map<String, String> approximate = new LinkedHashMap<>(); // rule -> how
  final Tally tally;
  private final Clock clock = new Clock();
  private final Sluice engine;

  /** The replay's time: what the log says it is. */
  static final class Clock implements Ticker {
    long micros;

    @Override
    public long epochMicros() {
      return micros;
    }
  }

  PolicyReplay(Path file, Policy policy, LogFormat format, byte[] identitySecret) {
    this.file = file;
    this.policy = policy;
    List<Rule> run = new ArrayList<>();
    for (Rule r : policy.rules()) {
      List<KeySource> sources =
          r.key() instanceof KeySource.FirstOf f ? f.sources() : List.of(r.key());
      List<String> lacking = new ArrayList<>();
      String fallback = null;
      for (KeySource s : sources) {
        String why = lacking(s, format);
        if (why != null) {
          lacking.add(why);
        } else if (fallback == null) {
          fallback = s.describe();
        }
      }
      if (fallback == null) {
        notEvaluable.put(r.name(), "the log has no " + String.join(", nor ", lacking));
      } else {
        if (!lacking.isEmpty()) {
          approximate.put(
              r.name(),
              "the log has no "
                  + String.join(", nor ", lacking)
                  + ": every request is counted by "
                  + fallback);
        }
        run.add(r);
      }
    }
    Policy replayed =
        new Policy(
            policy.headers(),
            policy.resetHeader(),
            policy.denial(),
            run,
            policy.onStoreFailure(),
            policy.trustedProxies(),
            Map.of(), // tiers apply through overrides, which a replay has none of
            List.of(), // a replay sends no webhooks
            policy.pathCase(),
            policy.exemptions());
    this.tally = new Tally(run);
    InMemoryStore store =
        InMemoryStore.builder()
            .ticker(clock)
            .maxBuckets(Long.MAX_VALUE)
            .whenFull(WhenFull.REJECT)
            .maxNewIdentitiesPerOrigin(0)
            .sweepInterval(Duration.ofMinutes(10))
            .executor(Runnable::run)
            .build();
    this.engine =
        Sluice.builder(replayed)
            .store(store)
            .identitySecret(identitySecret)
            .trackIdentities(true)
            .build();
  }

  /** What the log cannot give of {@code s}, or null if it can. */
  static String lacking(KeySource s, LogFormat format) {
    if (s instanceof KeySource.Normalized n) {
      return lacking(n.source(), format);
    }
    if (s instanceof KeySource.BodyField) {
      return "request body (" + s.describe() + ")";
    }
    if (s instanceof KeySource.Bearer) {
      return format.hasHeader("Authorization") ? null : "Authorization header (bearer token)";
    }
    if (s instanceof KeySource.Header h) {
      return format.hasHeader(h.name()) ? null : h.name() + " header";
    }
    if (s instanceof KeySource.ClientIp) {
      return format.hasClient() ? null : "client address";
    }
    if (s instanceof KeySource.Custom) {
      return "live verification for " + s.describe();
    }
    return null; // path and query parameters, constants: in every log
  }

  /** Decides {@code line} at its logged time and counts the decision. */
  Decision replay(LogLine line) {
    clock.micros = line.timeMicros;
    Decision d = engine.decide(line);
    tally.add(line, d);
    return d;
  }
}
