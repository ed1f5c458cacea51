package dev.sluice.core.policy;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What Sluice enforces: rules (global and per endpoint) and how responses report them.
 *
 * <p>Immutable and validated when built: rule names and limit names are unique (limit names are
 * what headers and bodies show, so two limits may not share one).
 *
 * @param headers which rate-limit headers responses carry
 * @param resetHeader whether {@code X-RateLimit-Reset} (Unix epoch seconds) is sent
 * @param denial the 429 body format
 * @param rules global rules first, then endpoint rules, in the order written
 * @param onStoreFailure what to do when the store cannot answer (a shared store's outage)
 * @param trustedProxies peers whose {@code X-Forwarded-For} a gateway believes: the client is then
 *     the right-most address of that header not in these blocks; empty means the socket's peer is
 *     always the client
 * @param tiers classes of customers with their own limits, by name (see {@link Tier})
 * @param webhooks where threshold events go (see {@link Webhook})
 * @param pathCase whether request paths are matched ignoring the case of their letters
 * @param exemptions who and what is never limited nor counted (see {@link Exemptions})
 */
public record Policy(
    HeaderDialect headers,
    boolean resetHeader,
    DenialFormat denial,
    List<Rule> rules,
    StoreFailure onStoreFailure,
    List<IpRange> trustedProxies,
    java.util.Map<String, Tier> tiers,
    List<Webhook> webhooks,
    PathCase pathCase,
    Exemptions exemptions) {

  public Policy {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(pathCase, "pathCase");
    Objects.requireNonNull(exemptions, "exemptions");
    Objects.requireNonNull(denial, "denial");
    Objects.requireNonNull(onStoreFailure, "onStoreFailure");
    rules = Checks.list(rules, "rules");
    trustedProxies = Checks.list(trustedProxies, "trustedProxies");
    tiers = Checks.map(tiers, "tiers");
    webhooks = Checks.list(webhooks, "webhooks");
    Set<String> ruleNames = new HashSet<>();
    Set<String> limitNames = new HashSet<>();
    for (Rule r : rules) {
      if (!ruleNames.add(r.name())) {
        throw new IllegalArgumentException("two rules are named '" + r.name() + "'");
      }
      for (Limit l : r.limits()) {
        if (!limitNames.add(l.name())) {
          throw new IllegalArgumentException(
              "limit name '"
                  + l.name()
                  + "' (rule '"
                  + r.name()
                  + "') is used twice; limit names are"
                  + " shown in headers and must be unique within a policy");
        }
      }
    }
    for (Tier t : tiers.values()) {
      for (String rule : t.limits().keySet()) {
        if (!ruleNames.contains(rule)) {
          throw new IllegalArgumentException(
              "tier '"
                  + t.name()
                  + "' sets limits for rule '"
                  + rule
                  + "', which the policy does not have");
        }
      }
      for (Rule r : rules) {
        try {
          List<Limit> limits = t.limitsFor(r);
          new Rule(r.name(), r.route(), r.key(), limits, r.cost(), r.onMissingKey(), r.shadow());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "tier '" + t.name() + "' cannot apply to rule '" + r.name() + "': " + e.getMessage());
        }
      }
    }
    for (Webhook w : webhooks) {
      for (String rule : w.rules()) {
        if (!ruleNames.contains(rule)) {
          throw new IllegalArgumentException(
              "webhook "
                  + w.url()
                  + " reports on rule '"
                  + rule
                  + "', which the policy does not have");
        }
      }
    }
  }

  /** A policy without exemptions. */
  public Policy(
      HeaderDialect headers,
      boolean resetHeader,
      DenialFormat denial,
      List<Rule> rules,
      StoreFailure onStoreFailure,
      List<IpRange> trustedProxies,
      java.util.Map<String, Tier> tiers,
      List<Webhook> webhooks,
      PathCase pathCase) {
    this(
        headers,
        resetHeader,
        denial,
        rules,
        onStoreFailure,
        trustedProxies,
        tiers,
        webhooks,
        pathCase,
        Exemptions.NONE);
  }

  /** A policy whose paths are matched case-sensitively. */
  public Policy(
      HeaderDialect headers,
      boolean resetHeader,
      DenialFormat denial,
      List<Rule> rules,
      StoreFailure onStoreFailure,
      List<IpRange> trustedProxies,
      java.util.Map<String, Tier> tiers,
      List<Webhook> webhooks) {
    this(
        headers,
        resetHeader,
        denial,
        rules,
        onStoreFailure,
        trustedProxies,
        tiers,
        webhooks,
        PathCase.SENSITIVE);
  }

  /** A policy that fails open and trusts no proxy, without tiers or webhooks. */
  public Policy(HeaderDialect headers, boolean resetHeader, DenialFormat denial, List<Rule> rules) {
    this(headers, resetHeader, denial, rules, StoreFailure.OPEN, List.of());
  }

  /** A policy without tiers or webhooks. */
  public Policy(
      HeaderDialect headers,
      boolean resetHeader,
      DenialFormat denial,
      List<Rule> rules,
      StoreFailure onStoreFailure,
      List<IpRange> trustedProxies) {
    this(
        headers,
        resetHeader,
        denial,
        rules,
        onStoreFailure,
        trustedProxies,
        java.util.Map.of(),
        List.of());
  }

  /** Whether {@code address} (an IP literal) is one of the trusted proxies. */
  public boolean isTrustedProxy(String address) {
    for (IpRange r : trustedProxies) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The rule named {@code name}, or {@code null}. */
  public Rule rule(String name) {
    for (Rule r : rules) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return null;
  }
}
