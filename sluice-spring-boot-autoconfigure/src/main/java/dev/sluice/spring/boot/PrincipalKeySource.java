package dev.sluice.spring.boot;

import dev.sluice.core.RequestView;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.KeySourceProvider;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code principal} key source: a request counted per the user the Spring app authenticated
 * (through {@link SluiceKeyResolver}), e.g. {@code key: [principal, ip]}. Found by the policy
 * reader on the class path; outside Sluice's filters (the gateway), no request has a principal.
 */
public final class PrincipalKeySource implements KeySourceProvider {

  /** For {@link java.util.ServiceLoader}. */
  public PrincipalKeySource() {}

  @Override
  public String name() {
    return "principal";
  }

  @Override
  public Set<String> options() {
    return Set.of();
  }

  @Override
  public KeySource.Custom create(
      String argument, Map<String, String> options, Function<String, String> environment) {
    if (argument != null) {
      throw new IllegalArgumentException(
          "'principal' takes no argument; name the user with a SluiceKeyResolver bean");
    }
    return Source.INSTANCE;
  }

  /** Whether a rule of {@code policy} counts requests per {@code principal}. */
  static boolean usedBy(dev.sluice.core.policy.Policy policy) {
    for (dev.sluice.core.policy.Rule r : policy.rules()) {
      if (uses(r.key())) {
        return true;
      }
    }
    return false;
  }

  private static boolean uses(KeySource k) {
    if (k instanceof KeySource.Normalized n) {
      return uses(n.source());
    }
    if (k instanceof KeySource.FirstOf f) {
      return f.sources().stream().anyMatch(PrincipalKeySource::uses);
    }
    return k == Source.INSTANCE;
  }

  /** A request view that knows its authenticated user. */
  interface Authenticated {
    /** The identity {@link SluiceKeyResolver} gives the user, or {@code null}. */
    String principal();
  }

  private enum Source implements KeySource.Custom {
    INSTANCE;

    @Override
    public String extract(RequestView request) {
      return request instanceof Authenticated a ? a.principal() : null;
    }

    @Override
    public String describe() {
      return "principal";
    }
  }
}
