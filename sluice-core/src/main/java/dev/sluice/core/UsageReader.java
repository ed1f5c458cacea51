package dev.sluice.core;

import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads where an identity stands on every rule that could count it, charging nothing: one bucket
 * per rule and key source of the rule (an identity may be counted as a bearer token by one rule and
 * as an API key header by another), each read at cost 0 in one store call.
 */
final class UsageReader {
  private UsageReader() {}

  /** See {@link Sluice#usage}. */
  static CompletionStage<List<Sluice.Usage>> read(
      CompiledPolicy compiled, Overrides overrides, Store store, long fingerprint) {
    KeyOverride o = overrides.get(fingerprint);
    List<Sluice.Usage> skeleton = new ArrayList<>();
    Charge read = new Charge(compiled.rules.length);
    for (CompiledRule cr : compiled.rules) {
      BucketGroup g = o == null ? cr.group : cr.groupFor(o, compiled.policy.tiers());
      for (int idx : cr.chain) {
        long identity = fingerprint ^ compiled.leafTweaks[idx];
        read.add(g, identity ^ cr.tweak, 0, fingerprint);
        skeleton.add(
            new Sluice.Usage(
                cr.rule.name(), g.name().variant(), compiled.leaves[idx].describe(), List.of()));
      }
    }
    if (read.size() == 0) {
      return CompletableFuture.completedFuture(List.of());
    }
    return store
        .chargeAsync(read)
        .thenApply(
            v -> {
              List<LimitStatus> all = v.statuses();
              List<Sluice.Usage> out = new ArrayList<>(skeleton.size());
              int from = 0;
              for (int i = 0; i < skeleton.size(); i++) {
                int n = read.group(i).limits().size();
                Sluice.Usage u = skeleton.get(i);
                out.add(
                    new Sluice.Usage(
                        u.rule(), u.variant(), u.source(), all.subList(from, from + n)));
                from += n;
              }
              return out;
            });
  }
}
